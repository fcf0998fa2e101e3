import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { numberValue, truthiness, type Value } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import type { Importer } from '../fixes/importer';
import { addCallbackEdit, analyzeCallbackList, classifyCallback, type CallbackListInfo } from '../frameworks/callbacks';
import {
  EARLY_STOPPING,
  HF_CALLBACKS,
  HF_PACKAGES,
  TRAINER_ARGS_POSITION,
  TRAINERS,
  argumentsClassFor,
  evalDatasetPosition,
  isTrainingArguments,
  trainerClassOf,
} from '../frameworks/huggingface';
import { dataclassDeclares, dataclassDefault } from '../frameworks/argparse';
import { epochCount, epochsWord, isShortRun, patienceForRun, shortRunBound, tooShortToStop } from '../frameworks/shortRuns';
import { defineRule, fact, type FactContext } from './rule';
import { namesOf } from '../analysis/qualifiedName';

/** A strategy argument's value: a literal string or a `transformers` `IntervalStrategy.X`-style enum member. */
function strategyValue(model: Semantic, node: Node): string | undefined {
  const v = model.evaluate(node);
  if (v.kind === 'string') return v.value.toLowerCase();
  const q = model.qualifiedName(node);
  if (q && q.startsWith('transformers.')) {
    const parts = namesOf(q);
    if (parts.length >= 3 && parts[parts.length - 2].endsWith('Strategy')) return parts[parts.length - 1].toLowerCase();
  }
  return undefined;
}

/** What the TrainingArguments call says about the callback's prerequisites. */
interface Prerequisites {
  /** The call; undefined when the Trainer gets no `args` (defaults apply). */
  call?: CallSite;
  /** Problems found with literal values (empty: none found). */
  problems: string[];
  /** Whether some value could not be told, so that `problems` may be incomplete. */
  unsure: boolean;
  /** Keyword-argument edits that make the callback work. */
  edits: (edits: Edits) => TextEdit[];
}

function keywordValue(call: CallSite, name: string): { node?: Node; unknown: boolean } {
  const node = call.keywords.get(name)?.value;
  return { node, unknown: !node && call.presence(name) === 'unknown' };
}

function prerequisites(model: Semantic, args: CallSite | undefined): Prerequisites {
  const problems: string[] = [];
  let unsure = false;
  if (!args) {
    problems.push('the Trainer has no TrainingArguments, so evaluation is off ("no")');
    return { problems, unsure, edits: () => [] };
  }

  // load_best_model_at_end (default False)
  const lbme = keywordValue(args, 'load_best_model_at_end');
  const lbmeValue: Value | undefined = lbme.node ? model.evaluate(lbme.node) : undefined;
  const lbmeTruth = lbme.unknown ? undefined : lbmeValue === undefined ? false : truthiness(lbmeValue);
  if (lbmeTruth === undefined) unsure = true;
  else if (!lbmeTruth) problems.push('load_best_model_at_end is not True');

  // eval_strategy (default "no"); the deprecated spelling evaluation_strategy is read too.
  const evalNew = keywordValue(args, 'eval_strategy');
  const evalOld = keywordValue(args, 'evaluation_strategy');
  const evalNode = evalNew.node ?? evalOld.node;
  const evalUnknown = !evalNode && (evalNew.unknown || evalOld.unknown);
  const evalStrategy = evalNode ? strategyValue(model, evalNode) : evalUnknown ? undefined : 'no';
  if (evalStrategy === undefined) unsure = true;
  else if (evalStrategy === 'no') problems.push('eval_strategy is "no"');

  // save_strategy (default "steps") must match eval_strategy when the best model is loaded ("best" is exempt).
  const save = keywordValue(args, 'save_strategy');
  const saveStrategy = save.node ? strategyValue(model, save.node) : save.unknown ? undefined : 'steps';
  if (saveStrategy === undefined) unsure = true;
  const wantedEval = evalStrategy === undefined || evalStrategy === 'no' ? undefined : evalStrategy;
  if (wantedEval && saveStrategy && saveStrategy !== 'best' && saveStrategy !== wantedEval) {
    problems.push(`save_strategy "${saveStrategy}" differs from eval_strategy "${wantedEval}"`);
  }

  // With both on "steps", save_steps must be a multiple of eval_steps (which defaults to logging_steps, 500).
  let stepsFix: string | undefined;
  if (wantedEval === 'steps' && saveStrategy === 'steps') {
    const number = (name: string, fallback?: string): number | undefined | null => {
      const k = keywordValue(args, name);
      if (k.unknown) return null;
      if (!k.node) return fallback ? number(fallback) : 500;
      const n = numberValue(model.evaluate(k.node));
      return n === undefined ? null : n;
    };
    const evalSteps = number('eval_steps', 'logging_steps');
    const saveSteps = number('save_steps');
    if (evalSteps === null || saveSteps === null || evalSteps === undefined || saveSteps === undefined) unsure = true;
    else if (evalSteps >= 1 && saveSteps >= 1 && saveSteps % evalSteps !== 0) {
      problems.push(`save_steps ${saveSteps} is not a multiple of eval_steps ${evalSteps}`);
      stepsFix = String(evalSteps);
    }
  }

  const fixEdits = (edits: Edits): TextEdit[] => {
    const out: TextEdit[] = [];
    const added: Array<[string, string]> = [];
    // eval strategy: keep a working one; rename the deprecated keyword; otherwise evaluate every epoch.
    let evalText: string;
    if (evalNode && evalStrategy !== 'no') {
      evalText = evalNode.text;
    } else {
      evalText = '"epoch"';
      if (evalNode) out.push(edits.replace(evalNode, evalText));
      else added.push(['eval_strategy', evalText]);
    }
    if (!evalNew.node && evalOld.node) {
      const name = evalOld.node.parent?.childForFieldName('name');
      if (name) out.push(edits.replace(name, 'eval_strategy'));
    }
    if (save.node) {
      // Keep a save strategy that already matches the eval strategy the fix leaves (or "best").
      const target = evalNode && evalStrategy !== 'no' ? evalStrategy : 'epoch';
      const matches = saveStrategy === 'best' || (target !== undefined ? saveStrategy === target : save.node.text === evalText);
      if (!matches) out.push(edits.replace(save.node, evalText));
    } else {
      added.push(['save_strategy', evalText]);
    }
    if (stepsFix) {
      const saveSteps = args.keywords.get('save_steps');
      if (saveSteps) out.push(edits.replace(saveSteps.value, stepsFix));
      else added.push(['save_steps', stepsFix]);
    }
    if (lbme.node) {
      if (lbmeTruth !== true) out.push(edits.replace(lbme.node, 'True'));
    } else {
      added.push(['load_best_model_at_end', 'True']);
    }
    if (!args.keywords.has('metric_for_best_model')) added.push(['metric_for_best_model', '"eval_loss"']);
    if (added.length) out.push(edits.addKeywordArguments(args, added));
    return out;
  };
  return { call: args, problems, unsure, edits: fixEdits };
}

/** `trainer.add_callback(...)` arguments for a Trainer call (the call itself when its argument cannot be told). */
function addedCallbacks(model: Semantic, trainer: CallSite): Node[] {
  return model.callsOnResultOf(trainer, ['add_callback']).map((site) => site.argument('callback', 0) ?? site.node);
}

/** How generated code names EarlyStoppingCallback, and the import to add when nothing binds it. */
function callbackName(imports: Importer): { name: string; edit?: TextEdit } {
  const direct = imports.existing(EARLY_STOPPING);
  if (direct) return { name: direct };
  const module = imports.existing(['transformers']);
  if (module) return { name: `${module}.EarlyStoppingCallback` };
  return imports.from('transformers', 'EarlyStoppingCallback');
}

/** How generated code names the arguments class a trainer class takes (`TrainingArguments`, `SentenceTransformerTrainingArguments`). */
function trainingArgumentsName(imports: Importer, trainerClass: string): { name: string; edit?: TextEdit } {
  const cls = argumentsClassFor(trainerClass);
  const direct = imports.existing(cls.qualifiedNames);
  if (direct) return { name: direct };
  const module = imports.existing([cls.module]);
  if (module) return { name: `${module}.${cls.name}` };
  return imports.from(cls.module, cls.name);
}

/** Merges two edits that insert at the same place (an import line), keeping each import once. */
function uniqueEdits(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.range.start.line}:${e.range.start.character}:${e.range.end.line}:${e.range.end.character}:${e.newText}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The fix's patience for a run of 10 epochs or more, or of unknown length. */
const PATIENCE = 3;

/** `transformers`' default `num_train_epochs`. */
const DEFAULT_EPOCHS = 3;

/**
 * How many epochs the TrainingArguments train, when the file says: `num_train_epochs` (default 3,
 * also for a Trainer without args) unless `max_steps` overrides it. Undefined when unknown.
 */
function trainedEpochs(model: Semantic, argsNode: Node | undefined, args: CallSite | undefined): number | undefined {
  if (!argsNode) return DEFAULT_EPOCHS;
  if (!args) {
    // Filled by HfArgumentParser from the command line: the defaults the file's dataclass declares.
    if (dataclassDeclares(model, argsNode, 'max_steps') && dataclassDefault(model, argsNode, 'max_steps') !== -1) return undefined;
    const n = dataclassDefault(model, argsNode, 'num_train_epochs');
    return n === undefined ? undefined : Math.ceil(n);
  }
  if (args.hasStarKwargs) return undefined;
  const maxSteps = args.keywords.get('max_steps')?.value;
  if (maxSteps && numberValue(model.evaluate(maxSteps)) !== -1) return undefined;
  // TrainingArguments(output_dir, overwrite_output_dir, do_train, do_eval, do_predict, eval_strategy, …): epochs only by keyword.
  const epochs = args.keywords.get('num_train_epochs')?.value;
  if (!epochs) return DEFAULT_EPOCHS;
  const n = epochCount(model, epochs);
  return n === undefined ? undefined : Math.ceil(n);
}

/** Classes defined here that derive, directly or through other local classes, from a trainer class. */
function localTrainerClasses({ model, sites }: FactContext): Node[] {
  return sites.classDefinitions().filter((c) => model.classBases(c).some((b) => TRAINERS.has(b)));
}

/**
 * ## What it flags
 *
 * A Hugging Face `Trainer(...)` — also `Seq2SeqTrainer`, trl's `SFTTrainer`, sentence-transformers'
 * `SentenceTransformerTrainer`, `CrossEncoderTrainer` and `SparseEncoderTrainer` (Trainer subclasses
 * whose fourth positional argument is `eval_dataset`), and local subclasses of these — that gets an
 * evaluation dataset (`eval_dataset=` present and not `None`; an `evaluator=` alone does not count),
 * in two cases:
 *
 * 1. **No early stopping.** No `transformers.EarlyStoppingCallback` (or a local subclass, or a
 *    callback that sets `control.should_training_stop`) in `callbacks=`, and none added later with
 *    `trainer.add_callback(...)` on the same variable. The Trainer then runs every epoch of
 *    `num_train_epochs` whatever the evaluation loss does.
 *
 *    The run's length is read from `num_train_epochs` in the `TrainingArguments` (default 3, also
 *    for a Trainer without `args`), a literal, a constant, an argparse option's default
 *    (`args.epochs`) or a function parameter every call in the file passes such a number for; a
 *    `max_steps` other than -1 makes it unknown. Arguments that `HfArgumentParser` fills from the
 *    command line (`parse_args_into_dataclasses()`) are read like argparse options: the literal
 *    default of a `num_train_epochs` field their dataclass in this file declares
 *    (`num_train_epochs: float = 1`); a field it does not declare is unknown. One or two epochs are left alone: one epoch sets the
 *    best eval loss and one more must fail to beat it, so a stop can save nothing. Three to nine
 *    epochs (the default 3 among them) are reported as information, with the bound on what stopping
 *    can save (at most the last N − 2 of N) and a patience that can act within the run (1 up to 5
 *    epochs, 2 for 6–9). Ten or more, or a length the file does not show, are a warning as before.
 * 2. **Early stopping that cannot work.** The callback is there, but the `TrainingArguments` the
 *    Trainer gets (followed from `args=` to the call that built them in this file) lack what the
 *    callback needs:
 *    - `load_best_model_at_end=True` (default `False`); with it, `metric_for_best_model` defaults to
 *      `"loss"`, so a missing metric is only a problem when this one is;
 *    - `eval_strategy` (or the removed spelling `evaluation_strategy`) other than `"no"`, the default;
 *    - `save_strategy` equal to `eval_strategy` (its default is `"steps"`; `"best"` is also accepted),
 *      and, when both are `"steps"`, `save_steps` a multiple of `eval_steps` (which defaults to
 *      `logging_steps`, 500).
 *
 *    `transformers` checks these when training starts and stops with an error, so the script
 *    crashes, or with versions that only warn, never stops early.
 *
 * Strategies are read from string literals and from `IntervalStrategy.X` / `SaveStrategy.X` members.
 * A Trainer with no `args` uses the defaults (`eval_strategy="no"`). Nothing is reported when a value
 * cannot be read: `callbacks=make_callbacks()`, `trainer.add_callback(cb)` with an unknown `cb`,
 * `**trainer_kwargs`; prerequisite problems are only claimed for literal values in a
 * `TrainingArguments(...)` call the rule can see — never for `args` that come from a parameter,
 * another module, or `**kwargs`.
 *
 * ## Why
 *
 * Fine-tuning runs are usually given a generous `num_train_epochs`; the evaluation loss of a
 * pretrained model typically bottoms out after a few epochs and then rises as the model overfits.
 * Without early stopping, every later epoch costs as much energy as the useful ones and produces a
 * worse model, which `load_best_model_at_end` would have discarded anyway.
 *
 * - Prechelt (1998) measured that waiting longer before stopping bought about 4 % better
 *   generalization on average for about 4 times the training time; running all epochs is the
 *   extreme case.
 * - Taşdelen (2025) reports that early stopping cut training time and energy of four fine-tuned
 *   image models while keeping their accuracy.
 * - Worked example: 10 epochs, eval loss best after epoch 3, `early_stopping_patience=3` → training
 *   stops after epoch 6 and 40 % of the training energy is not spent.
 *
 * A callback whose prerequisites are missing saves nothing: the run fails at its first step, to be
 * restarted, or goes on to the last epoch.
 *
 * ## Example
 *
 * ```python
 * from transformers import Trainer, TrainingArguments
 *
 * args = TrainingArguments(output_dir="out", num_train_epochs=10)
 * trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
 * trainer.train()
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from transformers import Trainer, TrainingArguments
 * from transformers import EarlyStoppingCallback
 *
 * args = TrainingArguments(output_dir="out", num_train_epochs=10, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
 * trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val, callbacks=[EarlyStoppingCallback(early_stopping_patience=3)])
 * trainer.train()
 * ```
 *
 * The fix adds `EarlyStoppingCallback(early_stopping_patience=3)` — patience 1 for a run of 3 to 5
 * epochs, 2 for 6 to 9 — (appended to a literal callbacks list if there is one), imported once with `from transformers import EarlyStoppingCallback`, or
 * written `transformers.EarlyStoppingCallback` when the file uses `import transformers`. In the
 * `TrainingArguments` call it adds only what is missing:
 *
 * - `eval_strategy="epoch"` unless a working strategy is set (kept as written); a deprecated
 *   `evaluation_strategy=` keyword is renamed to `eval_strategy`, which `transformers` ≥ 4.46
 *   requires (the old name was removed);
 * - `save_strategy` equal to the eval strategy (kept when it already matches or is `"best"`), and
 *   `save_steps` set to `eval_steps` when the step counts do not divide;
 * - `load_best_model_at_end=True`;
 * - `metric_for_best_model="eval_loss"` unless a metric is already set (then it is kept).
 *
 * In the second case (callback present) the fix only adds the missing arguments. A Trainer without
 * `args` gets `args=TrainingArguments(output_dir="tmp_trainer", …)`, the output directory the
 * Trainer uses by default; a sentence-transformers trainer gets its own arguments class
 * (`SentenceTransformerTrainingArguments`, `CrossEncoderTrainingArguments`,
 * `SparseEncoderTrainingArguments`), the only one it accepts.
 *
 * When the `TrainingArguments` cannot be edited safely — they come from a parameter or another
 * module, or the call passes `**kwargs`, where adding a keyword could duplicate one — the diagnostic
 * has **no fix**: adding the callback alone would make the script fail at train start. Set
 * `eval_strategy`, `save_strategy`, `load_best_model_at_end=True` and `metric_for_best_model` where
 * the arguments are built, then add the callback.
 *
 * ## Fix safety
 *
 * Unsafe. Training may end before `num_train_epochs`, checkpoints are written every epoch (disk use;
 * consider `save_total_limit`), and the best checkpoint by `eval_loss`, not the last one, is loaded at
 * the end. Evaluating every epoch adds the cost of one pass over the eval set per epoch, which is
 * small next to what stopping early saves on all but tiny training sets.
 *
 * ## References
 *
 * - Hugging Face Transformers, *Callbacks* (`EarlyStoppingCallback`): https://huggingface.co/docs/transformers/main_classes/callback
 * - Hugging Face Transformers, *Trainer* and `TrainingArguments` (`load_best_model_at_end`,
 *   `metric_for_best_model`, `eval_strategy`, `save_strategy`): https://huggingface.co/docs/transformers/main_classes/trainer
 * - Sentence Transformers, *Trainer* (`SentenceTransformerTrainer`, its `__init__` signature and
 *   its `SentenceTransformerTrainingArguments` check): https://sbert.net/docs/package_reference/sentence_transformer/trainer.html
 * - `src/transformers/trainer_callback.py` (`EarlyStoppingCallback.on_train_begin` checks) and
 *   `src/transformers/training_args.py` (strategy matching checks) in huggingface/transformers
 * - `evaluation_strategy` → `eval_strategy` rename: deprecated in 4.41, removed in 4.46
 *   (see huggingface/peft#1664, UKPLab/sentence-transformers#2673)
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 * - A. Taşdelen, "Enhancing green computing through energy-aware training: an early stopping
 *   perspective", *Current Trends in Computing* 2(2):108–139, 2025. https://doi.org/10.71074/CTC.1594291
 */
export const hfTrainerNoEarlyStopping = defineRule({
  code: 'GML212',
  name: 'hf-trainer-no-early-stopping',
  summary: 'Hugging Face `Trainer` with an eval dataset but no (working) `EarlyStoppingCallback`.',
  defaultSeverity: 'warning',
  frameworks: HF_PACKAGES,
  fixSafety: 'unsafe',
  facts: { localTrainers: fact.nodes(localTrainerClasses) },
  check({ model, sites, facts, edits, report }) {
    // Only calls named like a trainer class or a local subclass of one can construct a trainer.
    const candidates = new Map<number, CallSite>();
    for (const call of sites.callsTo(TRAINERS)) candidates.set(call.node.id, call);
    for (const cls of facts.localTrainers) {
      const name = cls.childForFieldName('name')?.text;
      for (const call of name ? sites.callsNamed(name) : []) candidates.set(call.node.id, call);
    }
    for (const trainer of [...candidates.values()].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      const trainerClass = trainerClassOf(model, trainer);
      if (!trainerClass) continue;

      const evalPosition = evalDatasetPosition(trainerClass);
      const evalPresence = trainer.presence('eval_dataset', evalPosition);
      if (evalPresence !== 'present') continue;
      if (trainer.valueOf('eval_dataset', evalPosition)?.kind === 'none') continue;

      // Early stopping in the callbacks list or added later with trainer.add_callback(...).
      // Callbacks passed by position (their index differs between versions) cannot be told apart.
      const cbPresence = trainer.presence('callbacks');
      if (cbPresence === 'unknown' || trainer.positional.length > evalPosition + 2) continue;
      let info: CallbackListInfo | undefined;
      let state: CallbackListInfo['state'] = 'no';
      if (cbPresence === 'present') {
        info = analyzeCallbackList(model, trainer.keywords.get('callbacks')!.value, HF_CALLBACKS);
        state = info.state;
      }
      for (const added of addedCallbacks(model, trainer)) {
        const kind = added.type === 'call' && model.callSite(added).methodName === 'add_callback' ? 'unknown' : classifyCallback(model, added, HF_CALLBACKS);
        if (kind === 'early-stopping') state = 'yes';
        else if (kind === 'unknown' && state === 'no') state = 'unknown';
      }
      if (state === 'unknown') continue;

      // The TrainingArguments the trainer gets: absent (defaults), a call in this file, or unknown.
      const argsPresence = trainer.presence('args', TRAINER_ARGS_POSITION);
      if (argsPresence === 'unknown') continue;
      const argsNode = trainer.argument('args', TRAINER_ARGS_POSITION);
      const argsOrigin = argsNode ? model.originCall(argsNode) : undefined;
      const argsCall = argsOrigin && isTrainingArguments(model, argsOrigin) ? argsOrigin : undefined;
      const resolved = !argsNode || !!argsCall;
      const pre = resolved ? prerequisites(model, argsCall) : undefined;
      // Arguments that may arrive through **kwargs cannot be added without risking a duplicate keyword.
      const argsEditable = resolved && (!argsCall || !argsCall.hasStarKwargs);

      const imports = edits.importer(trainer.node);
      const name = callbackName(imports);
      const argEdits = (): TextEdit[] => {
        if (!argsNode) {
          const ta = trainingArgumentsName(imports, trainerClass);
          const text = `${ta.name}(output_dir="tmp_trainer", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")`;
          const out = [edits.addKeywordArguments(trainer, [['args', text]])];
          if (ta.edit) out.push(ta.edit);
          return out;
        }
        return pre!.edits(edits);
      };

      if (state === 'no') {
        const epochs = trainedEpochs(model, argsNode, argsCall);
        if (tooShortToStop(epochs)) continue;
        const short = isShortRun(epochs);
        const patience = patienceForRun(epochs, PATIENCE);
        const changes: TextEdit[] = [];
        const fixable = argsEditable && (!info || !!info.literal || !!info.none);
        if (fixable) {
          changes.push(addCallbackEdit(edits, trainer, info, `${name.name}(early_stopping_patience=${patience})`));
          if (name.edit) changes.push(name.edit);
          changes.push(...argEdits());
        }
        const evalOff = pre && pre.problems.some((p) => p.includes('"no"'));
        const evalOffNote = evalOff ? ' (and with eval_strategy "no" it never even evaluates during training)' : '';
        report({
          node: trainer.callee,
          severity: short ? 'information' : undefined,
          message: short
            ? `Trainer has an eval dataset but no EarlyStoppingCallback: it trains all ${epochs} ${epochsWord(epochs)} even after the eval loss stops improving${evalOffNote}. ${shortRunBound(epochs, 'eval_loss')}`
            : 'Trainer has an eval dataset but no EarlyStoppingCallback: it trains every epoch to the end even after the eval loss ' +
              `stops improving${evalOffNote}, often spending most of the run on epochs that do not help.`,
          fixes: [
            {
              title: `Add EarlyStoppingCallback(early_stopping_patience=${patience}) with eval_strategy, save_strategy, load_best_model_at_end and metric_for_best_model in TrainingArguments`,
              edits: uniqueEdits(changes),
            },
          ],
        });
        continue;
      }

      // The callback is there: are its prerequisites?
      if (!pre || pre.problems.length === 0) continue;
      report({
        node: trainer.callee,
        message:
          `EarlyStoppingCallback cannot work with these TrainingArguments: ${pre.problems.join('; ')}. ` +
          'It fails at train start (or never stops training), so the run spends every epoch anyway.',
        fixes: [{ title: 'Set eval_strategy, save_strategy, load_best_model_at_end and metric_for_best_model for early stopping', edits: argsEditable ? uniqueEdits(argEdits()) : [] }],
      });
    }
  },
});
