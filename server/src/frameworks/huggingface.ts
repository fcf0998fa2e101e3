// Hugging Face transformers, trl and sentence-transformers: the Trainer classes, their argument
// classes, and the EarlyStoppingCallback.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { stringValue } from '../analysis/values';
import { localClassOf, type EarlyStoppingSpec } from './callbacks';

/** Packages whose Trainers the HF Trainer rules read. */
export const HF_PACKAGES = ['transformers', 'trl', 'sentence_transformers'];

/** A family of `transformers.Trainer` classes: their qualified names and the arguments class they take. */
interface TrainerFamily {
  trainers: readonly string[];
  /** The arguments class generated code passes as `args` (the trainer rejects any other): module and class. */
  argumentsModule: string;
  argumentsClass: string;
  /** Every qualified name of the arguments classes. */
  arguments: readonly string[];
  /** Where `eval_dataset` stands among the positional arguments. */
  evalDatasetPosition: number;
}

/**
 * A sentence-transformers (≥ 3) trainer: a Trainer subclass taking (model, args, train_dataset,
 * eval_dataset, loss, evaluator, …) that requires its own TrainingArguments subclass; both spelled
 * from the package, its subpackage (`sentence_transformers.cross_encoder`) and the defining modules.
 */
function sentenceTransformersFamily(trainer: string, args: string, subpackage?: string): TrainerFamily {
  const home = subpackage ? `sentence_transformers.${subpackage}` : 'sentence_transformers';
  const spellings = (cls: string, module: string): string[] => [`sentence_transformers.${cls}`, ...(subpackage ? [`${home}.${cls}`] : []), `${home}.${module}.${cls}`];
  return { trainers: spellings(trainer, 'trainer'), argumentsModule: 'sentence_transformers', argumentsClass: args, arguments: spellings(args, 'training_args'), evalDatasetPosition: 3 };
}

const FAMILIES: readonly TrainerFamily[] = [
  {
    // Trainer(model, args, data_collator, train_dataset, eval_dataset, …)
    trainers: ['transformers.Trainer', 'transformers.trainer.Trainer', 'transformers.Seq2SeqTrainer', 'transformers.trainer_seq2seq.Seq2SeqTrainer', 'trl.SFTTrainer', 'trl.trainer.SFTTrainer', 'trl.trainer.sft_trainer.SFTTrainer'],
    argumentsModule: 'transformers',
    argumentsClass: 'TrainingArguments',
    arguments: [
      'transformers.TrainingArguments',
      'transformers.training_args.TrainingArguments',
      'transformers.Seq2SeqTrainingArguments',
      'transformers.training_args_seq2seq.Seq2SeqTrainingArguments',
      'trl.SFTConfig',
      'trl.trainer.SFTConfig',
      'trl.trainer.sft_config.SFTConfig',
    ],
    evalDatasetPosition: 4,
  },
  sentenceTransformersFamily('SentenceTransformerTrainer', 'SentenceTransformerTrainingArguments'),
  sentenceTransformersFamily('CrossEncoderTrainer', 'CrossEncoderTrainingArguments', 'cross_encoder'),
  sentenceTransformersFamily('SparseEncoderTrainer', 'SparseEncoderTrainingArguments', 'sparse_encoder'),
];

export const TRAINERS: ReadonlySet<string> = new Set(FAMILIES.flatMap((f) => f.trainers));

export const TRAINING_ARGUMENTS: ReadonlySet<string> = new Set(FAMILIES.flatMap((f) => f.arguments));

export const EARLY_STOPPING: ReadonlySet<string> = new Set(['transformers.EarlyStoppingCallback', 'transformers.trainer_callback.EarlyStoppingCallback']);

/** sentence-transformers' own callbacks are not known to leave training alone, so only these packages' are. */
export const HF_CALLBACKS: EarlyStoppingSpec = { names: EARLY_STOPPING, packages: ['transformers', 'trl'], stopAttribute: 'should_training_stop' };

/** Trainer(model, args, …): the position of `args`, shared by all the trainers above. */
export const TRAINER_ARGS_POSITION = 1;

/** The one of `classes` a call constructs, directly or through a local subclass. */
function constructedClass(model: Semantic, call: CallSite, classes: ReadonlySet<string>): string | undefined {
  const q = call.qualifiedName;
  if (q) return classes.has(q) ? q : undefined;
  const cls = localClassOf(model, call);
  return cls ? model.classBases(cls).find((b) => classes.has(b)) : undefined;
}

/** The trainer class (one of TRAINERS) a call constructs, directly or through a local subclass. */
export function trainerClassOf(model: Semantic, call: CallSite): string | undefined {
  return constructedClass(model, call, TRAINERS);
}

export function isTrainerCall(model: Semantic, call: CallSite): boolean {
  return trainerClassOf(model, call) !== undefined;
}

export function isTrainingArguments(model: Semantic, call: CallSite): boolean {
  return constructedClass(model, call, TRAINING_ARGUMENTS) !== undefined;
}

function familyOf(trainer: string): TrainerFamily {
  return FAMILIES.find((f) => f.trainers.includes(trainer)) ?? FAMILIES[0];
}

/** Where a trainer class (one of TRAINERS) takes `eval_dataset` positionally. */
export function evalDatasetPosition(trainer: string): number {
  return familyOf(trainer).evalDatasetPosition;
}

/** The arguments class generated code builds for a trainer class: its module, class name, and every qualified name it goes by. */
export function argumentsClassFor(trainer: string): { module: string; name: string; qualifiedNames: readonly string[] } {
  const family = familyOf(trainer);
  const name = family.argumentsClass;
  return { module: family.argumentsModule, name, qualifiedNames: family.arguments.filter((q) => q.endsWith(`.${name}`)) };
}

/** Packages whose classes load pretrained weights with `from_pretrained`. */
export const PRETRAINED_PACKAGES: readonly string[] = ['transformers', 'diffusers', 'sentence_transformers', 'peft'];

/** `transformers.pipeline(task, model=…)`: builds a tokenizer and a model (loading them) on every call. */
export const HF_PIPELINES: readonly string[] = ['transformers.pipeline', 'transformers.pipelines.pipeline'];

/** `sentence_transformers.SentenceTransformer(name)`: loads a model when constructed. */
export const SENTENCE_TRANSFORMERS: readonly string[] = ['sentence_transformers.SentenceTransformer', 'sentence_transformers.SentenceTransformer.SentenceTransformer'];

/**
 * What a `X.from_pretrained(…)` call loads, from the class it is called on: a model (a torch module:
 * `AutoModelForSequenceClassification`, `BertModel`), a diffusion pipeline, something else
 * (tokenizers, processors, configs), or undefined when it is no pretrained package's.
 */
export function pretrainedKind(qualified: string | undefined): 'model' | 'pipeline' | 'other' | undefined {
  if (!qualified || !qualified.endsWith('.from_pretrained')) return undefined;
  if (!PRETRAINED_PACKAGES.some((p) => qualified.startsWith(`${p}.`))) return undefined;
  const parts = qualified.split('.');
  const cls = parts[parts.length - 2] ?? '';
  if (/Tokenizer|Processor|FeatureExtractor|Config|Scheduler$/.test(cls)) return 'other';
  if (/Pipeline$/.test(cls)) return 'pipeline';
  if (/Model|For[A-Z]|LMHead/.test(cls)) return 'model';
  return 'other';
}

/**
 * Whether a transformers model class is a text (or other Linear-layer) model: the ones made of
 * Linear layers. Vision, audio and convolutional classes are not told apart from here, so undefined.
 */
export function isLinearModelClass(qualified: string): boolean {
  if (pretrainedKind(qualified) !== 'model' || !qualified.startsWith('transformers.')) return false;
  const parts = qualified.split('.');
  const cls = parts[parts.length - 2] ?? '';
  return !/Image|Vision|Video|Visual|Vit|ViT|Conv|ResNet|Detr|Segment|Semantic|Object|Depth|Mask|Swin|EfficientNet|MobileNet|RegNet|Audio|Speech|Wav2Vec|Hubert|Whisper|CLIP|Clip|Blip|Pix|Yolo|Dinov/.test(cls);
}

/**
 * Whether a transformers model class or checkpoint name is GPT-2's architecture (GPT-2, DistilGPT2,
 * DialoGPT, OpenAI GPT), whose projections are `transformers.pytorch_utils.Conv1D`, not
 * `nn.Linear`: dynamic quantization of Linear layers leaves all but its output head in fp32.
 */
export function isConv1dTransformer(qualified: string, checkpoint: string | undefined): boolean {
  const parts = qualified.split('.');
  const cls = parts[parts.length - 2] ?? '';
  if (/^(GPT2|OpenAIGPT|DecisionTransformer)/.test(cls)) return true;
  return checkpoint !== undefined && /(^|\/)(distil)?gpt2\b|(^|\/)openai-gpt\b|dialogpt/i.test(checkpoint);
}

/** Transformers classes whose instances hold a vocabulary: tokenizers, and processors that carry one (`AutoProcessor`, `CLIPProcessor`; not image processors). */
function holdsVocabulary(qualified: string | undefined): boolean {
  if (!qualified?.startsWith('transformers.')) return false;
  const cls = qualified.split('.').pop() ?? '';
  return /Tokenizer/.test(cls) || (/Processor$/.test(cls) && !/(Image|Video)Processor$/.test(cls));
}

/** Packages whose tokenizers are built or trained with a vocabulary of their own. */
const TOKENIZER_BUILDERS = ['tokenizers', 'sentencepiece'];

/** The generic tokenizer classes, constructed from a vocabulary's files (`PreTrainedTokenizerFast(tokenizer_file=…)`, `tokenizer_object=…`). */
const TOKENIZERS_FROM_FILES: ReadonlySet<string> = new Set(
  ['PreTrainedTokenizerFast', 'PreTrainedTokenizer'].flatMap((c) => [`transformers.${c}`, `transformers.tokenization_utils_fast.${c}`, `transformers.tokenization_utils.${c}`]),
);

/** Methods that train a new vocabulary (`tokenizer.train_new_from_iterator(…)`, the tokenizers library's `train_from_iterator`). */
const TRAINS_VOCABULARY = ['train_new_from_iterator', 'train_from_iterator'];

/**
 * The organisations the Hugging Face Hub moved its early namespace-free models under (2024): the old
 * id still resolves to the same repository (`gpt2` → `openai-community/gpt2`).
 */
const LEGACY_MODEL_ORGS: ReadonlySet<string> = new Set(['openai-community', 'google-bert', 'distilbert', 'FacebookAI', 'google-t5', 'albert', 'xlnet']);

/** Whether two hub ids name the same checkpoint: equal, or a legacy id and its organisation's form. */
export function sameCheckpoint(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  const slash = long.indexOf('/');
  return !short.includes('/') && slash > 0 && LEGACY_MODEL_ORGS.has(long.slice(0, slash)) && long.slice(slash + 1) === short;
}

/**
 * Where the file's tokenizers come from: the checkpoint each `AutoTokenizer.from_pretrained(name)`
 * (any transformers tokenizer or processor class) reads, as a literal; undefined for one whose
 * vocabulary is not known to be a checkpoint's: a name that is not a literal, a generic tokenizer
 * constructed from files (`PreTrainedTokenizerFast(tokenizer_file=…)`), or a vocabulary trained or
 * built here (`train_new_from_iterator`, the tokenizers or sentencepiece libraries). Empty when the
 * file has no tokenizer.
 */
export function tokenizerSources(model: Semantic): Array<string | undefined> {
  const sources: Array<string | undefined> = [];
  if (model.importsAny(TOKENIZER_BUILDERS) || TRAINS_VOCABULARY.some((m) => model.hasCallNamed(m))) sources.push(undefined);
  for (const call of model.callsNamed('from_pretrained')) {
    if (!call.receiver || !holdsVocabulary(model.qualifiedName(call.receiver))) continue;
    const name = call.argument('pretrained_model_name_or_path', 0);
    sources.push(name ? stringValue(model.evaluate(name)) : undefined);
  }
  const built = new Set(['PreTrainedTokenizerFast', 'PreTrainedTokenizer', ...model.importedNames(TOKENIZERS_FROM_FILES)]);
  if ([...built].some((name) => model.callsNamed(name).some((c) => TOKENIZERS_FROM_FILES.has(c.qualifiedName ?? '')))) sources.push(undefined);
  return sources;
}
