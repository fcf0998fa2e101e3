import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { numberValue, type Value } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { isTrainerCall, sameCheckpoint, tokenizerSources } from '../frameworks/huggingface';
import { kerasFitCalls, kerasModel } from '../frameworks/keras';
import { LIGHTNING_PACKAGES, TRAINERS } from '../frameworks/lightning';
import { TrainingUse } from '../frameworks/trainedValues';
import { factoryReturning, TRAINING_FACTS } from '../frameworks/training';
import { checkpointOfConfig, isHuggingFaceFromConfig, isKerasApplication, isTorchvisionClassifier, TIMM_CREATE, type PretrainedLibrary } from '../frameworks/vision';
import { defineRule, type ReportedFix } from './rule';

/** Calls that load weights into a model: a model so loaded is not trained from scratch. */
const LOADS_WEIGHTS = new Set(['load_state_dict', 'load_weights', 'load_checkpoint']);

const LIGHTNING_MODULES: ReadonlySet<string> = new Set(
  ['lightning.pytorch', 'lightning', 'pytorch_lightning'].flatMap((p) => [`${p}.LightningModule`, `${p}.core.LightningModule`, `${p}.core.module.LightningModule`]),
);

interface Scratch {
  library: PretrainedLibrary;
  /** The argument or callee to point at. */
  node: Node;
  /** `resnet18(weights=None)` as the message names it. */
  spelled: string;
  fix?: ReportedFix;
  /** Why no fix is offered, when none is. */
  noFix?: string;
}

function isFalse(v: Value | undefined): boolean {
  return v?.kind === 'bool' && !v.value;
}

const CARRIERS = new Set(['argument_list', 'keyword_argument', 'call', 'attribute', 'list', 'tuple', 'parenthesized_expression']);

/** The outermost expression that carries a value on through the calls and containers around it (`nn.Sequential(resnet18(…), …)` for `resnet18(…)`). */
function carriedIn(model: Semantic, node: Node): Node {
  let current = node;
  for (let parent = model.parentOf(node); parent && CARRIERS.has(parent.type); parent = model.parentOf(parent)) current = parent;
  return current;
}

/** The assignment target a value ends up in, through the calls and containers around it (`self.backbone = nn.Sequential(resnet18(…), …)`). */
function holder(model: Semantic, node: Node): Node | undefined {
  const outer = carriedIn(model, node);
  const parent = model.parentOf(outer);
  return parent?.type === 'assignment' && parent.childForFieldName('right')?.id === outer.id ? (parent.childForFieldName('left') ?? undefined) : undefined;
}

/** Whether weights are loaded into what a name holds (`model.load_state_dict(…)`), or into the attribute `self.name`. */
function loadsWeights(model: Semantic, target: Node): boolean {
  const name = target.type === 'attribute' ? target.childForFieldName('attribute')?.text : target.text;
  if (!name) return false;
  return model.identifiers(name).some((id) => {
    const attribute = model.parentOf(id);
    const outer = attribute?.type === 'attribute' && attribute.childForFieldName('attribute')?.id === id.id ? attribute : id;
    const method = model.parentOf(outer);
    return method?.type === 'attribute' && method.childForFieldName('object')?.id === outer.id && LOADS_WEIGHTS.has(method.childForFieldName('attribute')?.text ?? '');
  });
}

/** Whether a class defined here is trained: an instance of it reaches a training step, or it is a LightningModule and a Trainer fits in this file. */
function classTrained(model: Semantic, use: TrainingUse, cls: Node): boolean {
  const name = cls.childForFieldName('name');
  if (!name) return false;
  if (model.classBases(cls).some((b) => LIGHTNING_MODULES.has(b)) && model.importsAny(LIGHTNING_PACKAGES)) {
    if (model.callsNamed('fit').some((c) => c.receiver && TRAINERS.has(model.originCall(c.receiver)?.qualifiedName ?? ''))) return true;
  }
  return model.callsNamed(name.text).some((c) => c.callee.type === 'identifier' && model.lookupDefinitions(name.text, c.callee).some((b) => b.node.id === cls.id) && use.reaches(c.node));
}

/**
 * Whether what a PyTorch model-building call makes is trained here (and its weights are not loaded
 * from a checkpoint), where it is made or, when a same-file function returns it (`def create_model(): …
 * return model`), where that function is called.
 */
function torchTrained(model: Semantic, use: TrainingUse, call: CallSite): boolean {
  const target = holder(model, call.node);
  if (target && loadsWeights(model, target)) return false;
  if (madeTrained(model, use, call.node, target)) return true;
  const factory = factoryReturning(model, carriedIn(model, call.node));
  return !!factory && model.callersOf(factory).some((caller) => {
    const callerTarget = holder(model, caller.node);
    return !(callerTarget && loadsWeights(model, callerTarget)) && madeTrained(model, use, caller.node, callerTarget);
  });
}

/** Whether the model an expression makes (held by `target`) is trained: it reaches a training step, goes to a Hugging Face Trainer, or is a part of a module class that is trained. */
function madeTrained(model: Semantic, use: TrainingUse, made: Node, target: Node | undefined): boolean {
  if (use.reaches(made)) return true;
  if (target?.type === 'identifier') {
    // Handed to a Hugging Face Trainer (`Trainer(model=model, …)`).
    for (const id of model.identifiers(target.text)) {
      const keyword = model.parentOf(id);
      const list = keyword?.type === 'keyword_argument' ? model.parentOf(keyword) : keyword;
      const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
      if (call?.type === 'call' && isTrainerCall(model, model.callSite(call))) return true;
    }
  }
  const cls = target?.type === 'attribute' && target.childForFieldName('object')?.text === 'self' ? model.enclosingClass(made) : undefined;
  return !!cls && classTrained(model, use, cls);
}

/** Whether a Keras application is trained here: the file fits a Keras model, the application is used past its binding, and no weights are loaded into it. */
function kerasTrained(model: Semantic, call: CallSite): boolean {
  const target = holder(model, call.node);
  if (target && loadsWeights(model, target)) return false;
  const fits = kerasFitCalls(model).some(({ call }) => kerasModel(model, call.receiver!) === 'yes');
  if (!fits) return false;
  if (target?.type !== 'identifier') return !!target || model.parentOf(call.node)?.type !== 'expression_statement';
  return model.identifiers(target.text).some((id) => id.id !== target.id && model.lookup(id.text, id)[0]?.node.id === model.lookup(target.text, target)[0]?.node.id);
}

/** The spelling of a call for messages: its callee with the argument at issue (`models.resnet18(weights=None)`). */
function spelledAs(call: CallSite, argument: Node): string {
  const callee = call.callee.text.length > 40 ? call.methodName : call.callee.text;
  return `${callee}(${argument.text})`;
}

function torchvisionScratch(model: Semantic, edits: Edits, call: CallSite): Scratch | undefined {
  const weights = call.keywords.get('weights');
  const pretrained = call.keywords.get('pretrained');
  const node = weights && model.evaluate(weights.value).kind === 'none' ? weights.node : !weights && pretrained && isFalse(model.evaluate(pretrained.value)) ? pretrained.node : undefined;
  if (!node) return undefined;
  const classes = call.valueOf('num_classes');
  const spelled = spelledAs(call, node);
  if (classes !== undefined && numberValue(classes) !== 1000) {
    return { library: 'torchvision', node, spelled, noFix: 'load the weights with the default 1000 classes, then replace the classification head' };
  }
  return { library: 'torchvision', node, spelled, fix: { title: 'Start from ImageNet weights (torchvision ≥ 0.13): weights="DEFAULT"', edits: [edits.replace(node, 'weights="DEFAULT"')] } };
}

function timmScratch(model: Semantic, edits: Edits, call: CallSite): Scratch | undefined {
  const pretrained = call.argument('pretrained', 1);
  const name = call.argument('model_name', 0);
  if (!pretrained || !isFalse(model.evaluate(pretrained)) || !name || model.evaluate(name).kind !== 'string') return undefined;
  const node = call.keywords.get('pretrained')?.node ?? pretrained;
  return { library: 'timm', node, spelled: `create_model(${name.text}, ${node.text})`, fix: { title: 'Start from pretrained weights: pretrained=True', edits: [edits.replace(pretrained, 'True')] } };
}

function kerasScratch(model: Semantic, edits: Edits, call: CallSite): Scratch | undefined {
  const weights = call.keywords.get('weights');
  if (!weights || model.evaluate(weights.value).kind !== 'none') return undefined;
  const spelled = spelledAs(call, weights.node);
  const includeTop = call.valueOf('include_top');
  const classes = call.valueOf('classes');
  const shape = call.valueOf('input_shape');
  const topless = includeTop?.kind === 'bool' && !includeTop.value;
  if (!topless && classes !== undefined && numberValue(classes) !== 1000) {
    return { library: 'keras', node: weights.node, spelled, noFix: 'load them with `include_top=False` and put your own classifier on top' };
  }
  const channels = shape?.kind === 'tuple' || shape?.kind === 'list' ? numberValue(shape.items[shape.items.length - 1]) : undefined;
  if (call.keywords.has('input_tensor') || (shape !== undefined && channels !== 3)) {
    return { library: 'keras', node: weights.node, spelled, noFix: 'the ImageNet weights take 3-channel input' };
  }
  return { library: 'keras', node: weights.node, spelled, fix: { title: 'Start from ImageNet weights: weights="imagenet"', edits: [edits.replace(weights.value, '"imagenet"')] } };
}

function huggingFaceScratch(model: Semantic, edits: Edits, call: CallSite): Scratch | undefined {
  const config = call.argument('config', 0);
  const checkpoint = config && checkpointOfConfig(model, config);
  if (!config || !checkpoint) return undefined;
  // The checkpoint's embeddings are indexed by its own vocabulary: with another tokenizer's ids they mean nothing.
  const vocabulary = model.evaluate(checkpoint.name);
  if (tokenizerSources(model).some((source) => vocabulary.kind !== 'string' || source === undefined || !sameCheckpoint(source, vocabulary.value))) return undefined;
  const node = call.callee;
  const spelled = `${call.callee.text.length > 50 ? 'from_config' : call.callee.text}(${config.text})`;
  const method = call.callee.childForFieldName('attribute')!;
  const given = call.keywords.get('config');
  const configEdit = given ? edits.insertAt(call.argumentList!.startIndex + 1, `${checkpoint.name.text}, `) : edits.replace(config, `${checkpoint.name.text}, config=${config.text}`);
  return {
    library: 'transformers',
    node,
    spelled,
    fix: { title: `Start from the pretrained checkpoint: from_pretrained(${checkpoint.name.text}, config=…)`, edits: [edits.replace(method, 'from_pretrained'), configEdit] },
  };
}

const WEIGHTS: Record<PretrainedLibrary, string> = {
  torchvision: 'ImageNet-pretrained weights exist for it (torchvision)',
  timm: 'pretrained weights exist for most timm models',
  keras: 'ImageNet-pretrained weights exist for it (`weights="imagenet"`)',
  transformers: 'its config comes from a hub checkpoint whose pretrained weights `from_pretrained` loads',
};

/**
 * ## What it flags
 *
 * A model that has published pretrained weights, built with random weights and then trained here:
 *
 * | library | flagged | fix |
 * |---|---|---|
 * | torchvision (classification builders: `resnet18`, `vit_b_16`, `get_model(…)`, …) | `weights=None`, or `pretrained=False` (the form before 0.13) | `weights="DEFAULT"` |
 * | timm | `create_model("name", pretrained=False)` | `pretrained=True` |
 * | Keras applications (`ResNet50`, `EfficientNetB0`, …) | `weights=None` | `weights="imagenet"` |
 * | Hugging Face (`AutoModel…`, `…For…` classes) | `from_config(config)` where the config is `AutoConfig.from_pretrained("checkpoint")` | `from_pretrained("checkpoint", config=config)` |
 *
 * Trained here means: the model reaches a PyTorch training step (used in the step's loop or
 * function, its parameters given to an optimizer, passed on through `nn.Sequential`, names and
 * functions of the file), is a part (`self.backbone = …`) of a module that does or of a
 * LightningModule a Trainer fits, is handed to a Hugging Face `Trainer`, or — for Keras — is used
 * in a file that fits a Keras model (`fit`, or `fit_generator` in Keras 2). For a model that a function of the file builds and returns
 * (`def create_model(): model = resnet18(…); …; return model`), this is asked where the function is
 * called (one level). Not flagged: a model whose weights are then loaded
 * (`load_state_dict`, `load_weights`), values that are not literals (`pretrained=args.pretrained`),
 * a builder called without the argument (its default is random weights too, but nothing in the
 * code says the choice was made), a config built by hand (`BertConfig(hidden_size=…)`: a new
 * architecture may have no weights) or read from a checkpoint and then resized (any argument but the
 * labels', such as `vocab_size=len(tokenizer)`, or `config.n_layer = 6`), a Hugging Face model in a
 * file whose tokenizer is not the config checkpoint's (another checkpoint, a name that is not a
 * literal, a vocabulary trained here with `train_new_from_iterator` or the tokenizers library: the
 * checkpoint's embeddings are indexed by its own vocabulary; a hub id and its legacy form, `gpt2` and
 * `openai-community/gpt2`, are one checkpoint), and detection, segmentation and video builders (their
 * backbones are pretrained by default). No fix is offered where the pretrained weights need another
 * head (`num_classes=10`, `classes=10`) or another input (`input_shape=(28, 28, 1)`); the message
 * says what to do.
 *
 * ## Why
 *
 * Starting from pretrained weights moves most of the learning to a run someone has already paid
 * for. He, Girshick and Dollár (*Rethinking ImageNet Pre-training*, ICCV 2019) found that models
 * trained from random initialisation on COCO can match fine-tuned ones, but only with longer
 * schedules, because ImageNet pre-training speeds up convergence early in training; the
 * from-scratch recipes derived from that work (MMDetection's `configs/scratch`) train for a 6×
 * schedule where fine-tuned baselines use 1× or 2×. In NLP the gap is larger: Devlin et al. report
 * that pre-training BERT-Base took 4 days on 16 TPU chips, while every fine-tuning result of the
 * paper can be reproduced in at most an hour on one Cloud TPU from the published checkpoint. How
 * much a given run saves depends on the data (the closer to the pretraining data, and the smaller
 * the data set, the more), so the finding is a hint.
 *
 * ## Example
 *
 * ```python
 * import torch
 * import torchvision
 *
 * model = torchvision.models.resnet50(weights=None)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
 * for epoch in range(30):
 *     for images, labels in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images), labels)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * import torchvision
 *
 * model = torchvision.models.resnet50(weights="DEFAULT")
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
 * for epoch in range(30):
 *     for images, labels in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.cross_entropy(model(images), labels)
 *         loss.backward()
 *         optimizer.step()
 * ```
 *
 * ## Fix safety
 *
 * Unsafe. The fix downloads the weights on first use (network access; about 100 MB for a
 * ResNet-50) and writes the form each library's current version documents: torchvision 0.13 or
 * later takes `weights="DEFAULT"` (the older `pretrained=True` is deprecated), timm
 * `pretrained=True`, Keras `weights="imagenet"`, transformers `from_pretrained(checkpoint,
 * config=config)`. A pretrained model expects its pretraining's input normalisation (torchvision's
 * `weights.transforms()`), usually wants a smaller learning rate and fewer epochs than training from
 * scratch, and its licence is the weights' own. When training from scratch is the point (new
 * pretraining, a study of initialisation, data far from ImageNet), keep it and add `# noqa: GML403`.
 *
 * ## Measured here
 *
 * Not measured: the comparison needs the pretrained weights, which are downloaded on first use, and
 * the machines this rule was written on have no network access beyond package mirrors. The figures
 * in *Why* are the cited authors'.
 *
 * ## References
 *
 * - He, Girshick, Dollár, *Rethinking ImageNet Pre-training*, ICCV 2019: https://arxiv.org/abs/1811.08883
 * - MMDetection, *configs/scratch* (6× schedules from scratch): https://github.com/open-mmlab/mmdetection/tree/main/configs/scratch
 * - Devlin et al., *BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding*, NAACL 2019: https://arxiv.org/abs/1810.04805
 * - torchvision, *Models and pre-trained weights*: https://pytorch.org/vision/stable/models.html
 * - Keras, *Transfer learning & fine-tuning*: https://keras.io/guides/transfer_learning/
 * - Hugging Face, *Auto classes — from_config does not load the model weights*: https://huggingface.co/docs/transformers/model_doc/auto
 */
export const trainingFromScratch = defineRule({
  code: 'GML403',
  name: 'training-from-scratch',
  summary: 'A model with published pretrained weights (torchvision, timm, Keras applications, Hugging Face) is built with random weights and trained.',
  defaultSeverity: 'hint',
  frameworks: ['torchvision', 'timm', 'keras', 'tensorflow', 'tf_keras', 'transformers'],
  fixSafety: 'unsafe',
  facts: TRAINING_FACTS,
  check({ model, sites, facts, edits, report }) {
    // Where the file trains is read only for a model built from scratch.
    let found: TrainingUse | undefined;
    const training = () => (found ??= new TrainingUse(model, facts.trainingRegions));
    const candidates = new Map<number, CallSite>();
    for (const keyword of ['weights', 'pretrained']) {
      for (const id of sites.identifiers(keyword)) {
        const argument = model.parentOf(id);
        const list = argument?.type === 'keyword_argument' && argument.childForFieldName('name')?.id === id.id ? model.parentOf(argument) : null;
        const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
        if (call?.type === 'call') candidates.set(call.id, model.callSite(call));
      }
    }
    for (const call of [...sites.callsNamed('create_model'), ...sites.callsNamed('from_config')]) candidates.set(call.node.id, call);
    for (const call of [...candidates.values()].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      const q = call.qualifiedName;
      let scratch: Scratch | undefined;
      let trained = false;
      if (isTorchvisionClassifier(q)) {
        scratch = torchvisionScratch(model, edits, call);
        trained = !!scratch && torchTrained(model, training(), call);
      } else if (TIMM_CREATE.includes(q ?? '')) {
        scratch = timmScratch(model, edits, call);
        trained = !!scratch && torchTrained(model, training(), call);
      } else if (isKerasApplication(q)) {
        scratch = kerasScratch(model, edits, call);
        trained = !!scratch && kerasTrained(model, call);
      } else if (isHuggingFaceFromConfig(model, call)) {
        scratch = huggingFaceScratch(model, edits, call);
        trained = !!scratch && torchTrained(model, training(), call);
      }
      if (!scratch || !trained) continue;
      report({
        node: scratch.node,
        message:
          `\`${scratch.spelled}\` trains from random weights, though ${WEIGHTS[scratch.library]}: fine-tuning pretrained weights usually reaches the same accuracy in far fewer epochs ` +
          `(how many depends on the data)${scratch.noFix ? `; ${scratch.noFix}` : ''}.`,
        fixes: scratch.fix ? [scratch.fix] : [],
      });
    }
  },
});
