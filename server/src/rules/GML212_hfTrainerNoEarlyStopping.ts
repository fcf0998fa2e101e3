// GML212 hf-trainer-no-early-stopping: a Hugging Face `Trainer` (or `Seq2SeqTrainer`, trl `SFTTrainer`)
// given an eval dataset but no `EarlyStoppingCallback`, so it trains every epoch whatever the eval
// loss does; and an `EarlyStoppingCallback` whose prerequisites are missing from the linked
// `TrainingArguments` (it then fails at train start: `load_best_model_at_end=True`, an eval
// strategy other than "no", a save strategy equal to the eval strategy).
// The fix adds the callback and, in the TrainingArguments call it can see, the arguments the callback
// needs, writing `eval_strategy` (never the removed `evaluation_strategy`). Unsafe: training ends
// earlier and the best checkpoint, not the last, is loaded at the end.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { numberValue, truthiness, type Value } from '../analysis/values';
import { addKeywordArguments, ensureFromImport, replaceNode } from '../fixes/edits';
import { addCallbackEdit, analyzeCallbackList, classifyCallback, importedName, localClassOf, type CallbackListInfo, type EarlyStoppingSpec } from './GML211_kerasNoEarlyStopping';
import type { Rule } from './rule';

const TRAINERS = new Set([
  'transformers.Trainer',
  'transformers.trainer.Trainer',
  'transformers.Seq2SeqTrainer',
  'transformers.trainer_seq2seq.Seq2SeqTrainer',
  'trl.SFTTrainer',
  'trl.trainer.SFTTrainer',
  'trl.trainer.sft_trainer.SFTTrainer',
]);

const TRAINING_ARGUMENTS = new Set([
  'transformers.TrainingArguments',
  'transformers.training_args.TrainingArguments',
  'transformers.Seq2SeqTrainingArguments',
  'transformers.training_args_seq2seq.Seq2SeqTrainingArguments',
  'trl.SFTConfig',
  'trl.trainer.SFTConfig',
  'trl.trainer.sft_config.SFTConfig',
]);

const ES_NAMES = new Set(['transformers.EarlyStoppingCallback', 'transformers.trainer_callback.EarlyStoppingCallback']);
const HF_SPEC: EarlyStoppingSpec = { names: ES_NAMES, packages: ['transformers', 'trl'], stopAttribute: 'should_training_stop' };

/** Trainer(model, args, data_collator, train_dataset, eval_dataset, …): positions shared by the trainers above. */
const ARGS_POS = 1;
const EVAL_DATASET_POS = 4;

/** Whether a call constructs one of the trainers, directly or through a local subclass. */
function isTrainerCall(model: SemanticModel, call: CallSite): boolean {
  const q = call.qualifiedName;
  if (q) return TRAINERS.has(q);
  const cls = localClassOf(model, call);
  return !!cls && model.classBases(cls).some((b) => TRAINERS.has(b));
}

function isTrainingArguments(model: SemanticModel, call: CallSite): boolean {
  const q = call.qualifiedName;
  if (q) return TRAINING_ARGUMENTS.has(q);
  const cls = localClassOf(model, call);
  return !!cls && model.classBases(cls).some((b) => TRAINING_ARGUMENTS.has(b));
}

/** A strategy argument's value: a literal string or a `transformers` `IntervalStrategy.X`-style enum member. */
function strategyValue(model: SemanticModel, node: Node): string | undefined {
  const v = model.evaluate(node);
  if (v.kind === 'string') return v.value.toLowerCase();
  const q = model.qualifiedName(node);
  if (q && q.startsWith('transformers.')) {
    const parts = q.split('.');
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
  edits: (source: SourceText) => TextEdit[];
}

function keywordValue(call: CallSite, name: string): { node?: Node; unknown: boolean } {
  const node = call.keywords.get(name)?.value;
  return { node, unknown: !node && call.presence(name) === 'unknown' };
}

function prerequisites(model: SemanticModel, args: CallSite | undefined): Prerequisites {
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

  const edits = (source: SourceText): TextEdit[] => {
    const out: TextEdit[] = [];
    const added: Array<[string, string]> = [];
    // eval strategy: keep a working one; rename the deprecated keyword; otherwise evaluate every epoch.
    let evalText: string;
    if (evalNode && evalStrategy !== 'no') {
      evalText = evalNode.text;
    } else {
      evalText = '"epoch"';
      if (evalNode) out.push(replaceNode(evalNode, evalText));
      else added.push(['eval_strategy', evalText]);
    }
    if (!evalNew.node && evalOld.node) {
      const name = evalOld.node.parent?.childForFieldName('name');
      if (name) out.push(replaceNode(name, 'eval_strategy'));
    }
    if (save.node) {
      // Keep a save strategy that already matches the eval strategy the fix leaves (or "best").
      const target = evalNode && evalStrategy !== 'no' ? evalStrategy : 'epoch';
      const matches = saveStrategy === 'best' || (target !== undefined ? saveStrategy === target : save.node.text === evalText);
      if (!matches) out.push(replaceNode(save.node, evalText));
    } else {
      added.push(['save_strategy', evalText]);
    }
    if (stepsFix) {
      const saveSteps = args.keywords.get('save_steps');
      if (saveSteps) out.push(replaceNode(saveSteps.value, stepsFix));
      else added.push(['save_steps', stepsFix]);
    }
    if (lbme.node) {
      if (lbmeTruth !== true) out.push(replaceNode(lbme.node, 'True'));
    } else {
      added.push(['load_best_model_at_end', 'True']);
    }
    if (!args.keywords.has('metric_for_best_model')) added.push(['metric_for_best_model', '"eval_loss"']);
    if (added.length) out.push(addKeywordArguments(args, source, added));
    return out;
  };
  return { call: args, problems, unsure, edits };
}

/** `trainer.add_callback(...)` calls on the variable a Trainer call is assigned to. */
function addedCallbacks(model: SemanticModel, trainer: CallSite): Node[] {
  const out: Node[] = [];
  for (const site of model.callsNamed('add_callback')) {
    const receiver = site.receiver;
    if (!receiver) continue;
    const origin = model.originCall(receiver);
    if (origin && origin.node.id === trainer.node.id) {
      const arg = site.argument('callback', 0);
      if (arg) out.push(arg);
      else out.push(site.node); // *args: cannot be told
    }
  }
  return out;
}

/** How generated code names EarlyStoppingCallback, and the import to add when nothing binds it. */
function callbackName(model: SemanticModel, source: SourceText): { name: string; edit?: TextEdit } {
  const direct = importedName(model, ES_NAMES);
  if (direct) return { name: direct };
  const module = importedName(model, ['transformers']);
  if (module) return { name: `${module}.EarlyStoppingCallback` };
  return ensureFromImport(model, source, 'transformers', 'EarlyStoppingCallback');
}

function trainingArgumentsName(model: SemanticModel, source: SourceText): { name: string; edit?: TextEdit } {
  const direct = importedName(model, ['transformers.TrainingArguments', 'transformers.training_args.TrainingArguments']);
  if (direct) return { name: direct };
  const module = importedName(model, ['transformers']);
  if (module) return { name: `${module}.TrainingArguments` };
  return ensureFromImport(model, source, 'transformers', 'TrainingArguments');
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

/**
 * Classes defined here that derive, directly or through other local classes, from a trainer class.
 * Per segment: the segment's classes, each checked; for the whole file: found from where the bases are spelled.
 */
function localTrainerClasses(model: SemanticModel): Node[] {
  if (!model.anchorRanges) return model.subclassesOf(TRAINERS);
  return model.anchorClasses.filter((c) => model.classBases(c).some((b) => TRAINERS.has(b)));
}

export const hfTrainerNoEarlyStopping: Rule = {
  code: 'GML212',
  name: 'hf-trainer-no-early-stopping',
  summary: 'Hugging Face `Trainer` with an eval dataset but no (working) `EarlyStoppingCallback`.',
  defaultSeverity: 'warning',
  requires: ['transformers', 'trl'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    // Only calls named like a trainer class or a local subclass of one can construct a trainer.
    const localTrainers = model.collectSegments('GML212 trainer subclasses', localTrainerClasses);
    const candidates = new Map<number, CallSite>();
    for (const call of model.anchorCallsTo(TRAINERS)) candidates.set(call.node.id, call);
    for (const cls of localTrainers) {
      const name = cls.childForFieldName('name')?.text;
      for (const call of name ? model.anchorCallsNamed(name) : []) candidates.set(call.node.id, call);
    }
    for (const trainer of [...candidates.values()].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      if (!isTrainerCall(model, trainer)) continue;

      const evalPresence = trainer.presence('eval_dataset', EVAL_DATASET_POS);
      if (evalPresence !== 'present') continue;
      if (trainer.valueOf('eval_dataset', EVAL_DATASET_POS)?.kind === 'none') continue;

      // Early stopping in the callbacks list or added later with trainer.add_callback(...).
      // Callbacks passed by position (their index differs between versions) cannot be told apart.
      const cbPresence = trainer.presence('callbacks');
      if (cbPresence === 'unknown' || trainer.positional.length > EVAL_DATASET_POS + 2) continue;
      let info: CallbackListInfo | undefined;
      let state: CallbackListInfo['state'] = 'no';
      if (cbPresence === 'present') {
        info = analyzeCallbackList(model, trainer.keywords.get('callbacks')!.value, HF_SPEC);
        state = info.state;
      }
      for (const added of addedCallbacks(model, trainer)) {
        const kind = added.type === 'call' && model.callSite(added).methodName === 'add_callback' ? 'unknown' : classifyCallback(model, added, HF_SPEC);
        if (kind === 'early-stopping') state = 'yes';
        else if (kind === 'unknown' && state === 'no') state = 'unknown';
      }
      if (state === 'unknown') continue;

      // The TrainingArguments the trainer gets: absent (defaults), a call in this file, or unknown.
      const argsPresence = trainer.presence('args', ARGS_POS);
      if (argsPresence === 'unknown') continue;
      const argsNode = trainer.argument('args', ARGS_POS);
      const argsOrigin = argsNode ? model.originCall(argsNode) : undefined;
      const argsCall = argsOrigin && isTrainingArguments(model, argsOrigin) ? argsOrigin : undefined;
      const resolved = !argsNode || !!argsCall;
      const pre = resolved ? prerequisites(model, argsCall) : undefined;
      // Arguments that may arrive through **kwargs cannot be added without risking a duplicate keyword.
      const argsEditable = resolved && (!argsCall || !argsCall.hasStarKwargs);

      const name = callbackName(model, source);
      const argEdits = (): TextEdit[] => {
        if (!argsNode) {
          const ta = trainingArgumentsName(model, source);
          const text = `${ta.name}(output_dir="tmp_trainer", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")`;
          const out = [addKeywordArguments(trainer, source, [['args', text]])];
          if (ta.edit) out.push(ta.edit);
          return out;
        }
        return pre!.edits(source);
      };

      if (state === 'no') {
        const edits: TextEdit[] = [];
        const fixable = argsEditable && (!info || !!info.literal || !!info.none);
        if (fixable) {
          edits.push(addCallbackEdit(trainer, source, info, `${name.name}(early_stopping_patience=3)`));
          if (name.edit) edits.push(name.edit);
          edits.push(...argEdits());
        }
        const evalOff = pre && pre.problems.some((p) => p.includes('"no"'));
        report({
          node: trainer.callee,
          message:
            'Trainer has an eval dataset but no EarlyStoppingCallback: it trains every epoch to the end even after the eval loss ' +
            `stops improving${evalOff ? ' (and with eval_strategy "no" it never even evaluates during training)' : ''}, often spending most of the run on epochs that do not help.`,
          fixes: [
            {
              title:
                'Add EarlyStoppingCallback(early_stopping_patience=3) with eval_strategy, save_strategy, load_best_model_at_end and metric_for_best_model in TrainingArguments (unsafe)',
              safety: 'unsafe',
              edits: uniqueEdits(edits),
            },
          ],
        });
        continue;
      }

      // The callback is there: are its prerequisites?
      if (!pre || pre.problems.length === 0) continue;
      const edits = argsEditable ? uniqueEdits(argEdits()) : [];
      report({
        node: trainer.callee,
        message:
          `EarlyStoppingCallback cannot work with these TrainingArguments: ${pre.problems.join('; ')}. ` +
          'It fails at train start (or never stops training), so the run spends every epoch anyway.',
        fixes: [{ title: 'Set eval_strategy, save_strategy, load_best_model_at_end and metric_for_best_model for early stopping (unsafe)', safety: 'unsafe', edits }],
      });
    }
  },
};
