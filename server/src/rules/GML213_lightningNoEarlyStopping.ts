// GML213 lightning-no-early-stopping: `trainer.fit(...)` on a Lightning Trainer with validation data
// (val_dataloaders, or a datamodule / LightningModule in this file that defines `val_dataloader`) and
// no `EarlyStopping` callback: Lightning runs to max_epochs (1000 when unset) whatever the
// validation metric does. The fix adds `EarlyStopping(monitor=…, patience=3)` to the Trainer's
// callbacks, monitoring a metric the module logs in `validation_step` when the file shows one.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { numberValue, truthiness } from '../analysis/values';
import { ensureFromImport } from '../fixes/edits';
import { addCallbackEdit, analyzeCallbackList, classMethods, importedName, localClassOf, type CallbackListInfo, type EarlyStoppingSpec } from './GML211_kerasNoEarlyStopping';
import type { Rule } from './rule';

const TRAINERS = new Set([
  'lightning.Trainer',
  'lightning.pytorch.Trainer',
  'lightning.pytorch.trainer.Trainer',
  'lightning.pytorch.trainer.trainer.Trainer',
  'pytorch_lightning.Trainer',
  'pytorch_lightning.trainer.Trainer',
  'pytorch_lightning.trainer.trainer.Trainer',
]);

const ES_NAMES = new Set(
  ['lightning.pytorch', 'pytorch_lightning', 'lightning'].flatMap((p) => [
    `${p}.callbacks.EarlyStopping`,
    `${p}.callbacks.early_stopping.EarlyStopping`,
  ]),
);

const SPEC: EarlyStoppingSpec = { names: ES_NAMES, packages: ['lightning', 'pytorch_lightning'], stopAttribute: 'should_stop' };

/** The Trainer constructor a `fit` receiver comes from (directly or through a local subclass). */
function trainerCall(model: SemanticModel, receiver: Node): CallSite | undefined {
  const origin = model.originCall(receiver);
  if (!origin) return undefined;
  const q = origin.qualifiedName;
  if (q) return TRAINERS.has(q) ? origin : undefined;
  const cls = localClassOf(model, origin);
  return cls && model.classBases(cls).some((b) => TRAINERS.has(b)) ? origin : undefined;
}

/** The local class an argument's value is an instance of, if the file defines it. */
function instanceClass(model: SemanticModel, expr: Node | undefined): Node | undefined {
  if (!expr) return undefined;
  const origin = model.originCall(expr);
  return origin ? localClassOf(model, origin) : undefined;
}

/** Whether the fit call has validation data: yes, no, or cannot be told. */
function validationData(model: SemanticModel, fit: CallSite): 'yes' | 'no' | 'unknown' {
  // fit(model, train_dataloaders=None, val_dataloaders=None, datamodule=None, ckpt_path=None)
  const moduleClass = instanceClass(model, fit.argument('model', 0));
  const moduleMethods = moduleClass ? classMethods(model, moduleClass) : undefined;
  // Without validation_step Lightning skips validation whatever data it is given.
  if (moduleMethods && !moduleMethods.has('validation_step')) return 'no';

  const val = fit.presence('val_dataloaders', 2);
  if (val === 'unknown') return 'unknown';
  if (val === 'present' && fit.valueOf('val_dataloaders', 2)?.kind !== 'none') return 'yes';

  // A datamodule (keyword, or passed as train_dataloaders) or the module itself that defines val_dataloader.
  let unsure = false;
  for (const [kw, pos] of [
    ['datamodule', 3],
    ['train_dataloaders', 1],
  ] as const) {
    const presence = fit.presence(kw, pos);
    if (presence === 'unknown') unsure = true;
    const arg = fit.argument(kw, pos);
    if (!arg || model.evaluate(arg).kind === 'none') continue;
    const cls = instanceClass(model, arg);
    if (cls) {
      if (classMethods(model, cls).has('val_dataloader')) return 'yes';
    } else if (kw === 'datamodule') {
      unsure = true; // a datamodule defined elsewhere may well have a val_dataloader
    }
  }
  if (moduleMethods?.has('val_dataloader')) return 'yes';
  if (!moduleClass && fit.presence('val_dataloaders', 2) === 'absent' && !fit.argument('datamodule', 3)) {
    // A module defined elsewhere may bring its own val_dataloader.
    unsure = true;
  }
  return unsure ? 'unknown' : 'no';
}

/** The metric names a module logs in validation_step with `self.log("name", …)` / `self.log_dict({"name": …})`. */
function loggedValidationMetrics(model: SemanticModel, moduleClass: Node | undefined): string[] {
  const steps: Node[] = [];
  if (moduleClass) {
    const step = classMethods(model, moduleClass).get('validation_step');
    if (step) steps.push(step);
  } else {
    for (const fn of model.functionsNamed('validation_step')) if (model.enclosingClass(fn)) steps.push(fn);
  }
  const names: string[] = [];
  for (const step of steps) {
    for (const method of ['log', 'log_dict']) {
      for (const site of model.callsNamedWithin(method, step)) {
        if (site.receiver?.text !== 'self' || model.enclosingFunction(site.node)?.id !== step.id) continue;
        const first = site.argument(method === 'log' ? 'name' : 'dictionary', 0);
        if (!first) continue;
        const v = model.evaluate(first);
        if (v.kind === 'string') names.push(v.value);
        else if (v.kind === 'dict') for (const e of v.entries) if (e.key.kind === 'string') names.push(e.key.value);
      }
    }
  }
  return names;
}

const HIGHER_IS_BETTER = ['acc', 'f1', 'auc', 'precision', 'recall', 'map', 'iou', 'dice', 'r2', 'score', 'bleu', 'rouge'];

/** The metric to monitor and its mode: a logged loss first, else the first logged name, else "val_loss". */
function monitorFor(names: string[]): { monitor: string; mode?: 'max' } {
  const loss = names.find((n) => n.toLowerCase().includes('loss'));
  if (loss) return { monitor: loss };
  if (names.length === 0) return { monitor: 'val_loss' };
  const first = names[0];
  return HIGHER_IS_BETTER.some((h) => first.toLowerCase().includes(h)) ? { monitor: first, mode: 'max' } : { monitor: first };
}

/** How generated code names EarlyStopping: an existing import, or a new one from the Trainer's package family. */
function earlyStoppingName(model: SemanticModel, source: SourceText, trainer: CallSite): { name: string; edit?: TextEdit } {
  const direct = importedName(model, ES_NAMES);
  if (direct) return { name: direct };
  const family = trainer.qualifiedName?.startsWith('pytorch_lightning') || (!trainer.qualifiedName && model.importsAny(['pytorch_lightning']) && !model.importsAny(['lightning']))
    ? 'pytorch_lightning'
    : 'lightning.pytorch';
  const module = `${family}.callbacks`;
  // `EarlyStopping` already names something else here (keras's, a local class): import under another name.
  const taken = model.lookup('EarlyStopping', model.root).length > 0;
  if (taken) {
    const alias = 'PLEarlyStopping';
    const edit = ensureFromImport(model, source, module, 'EarlyStopping', ` as ${alias}`).edit;
    return { name: alias, edit };
  }
  return ensureFromImport(model, source, module, 'EarlyStopping');
}

export const lightningNoEarlyStopping: Rule = {
  code: 'GML213',
  name: 'lightning-no-early-stopping',
  summary: 'Lightning `Trainer.fit` with validation data but no `EarlyStopping` callback.',
  defaultSeverity: 'warning',
  requires: ['lightning', 'pytorch_lightning'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    for (const fit of model.anchorCallsNamed('fit')) {
      const receiver = fit.receiver;
      if (!receiver) continue;
      const trainer = trainerCall(model, receiver);
      if (!trainer) continue;

      // Runs that never get far: a single epoch, fast_dev_run, or validation switched off.
      const maxEpochs = trainer.valueOf('max_epochs');
      const epochs = maxEpochs === undefined ? undefined : numberValue(maxEpochs);
      if (epochs !== undefined && epochs >= 0 && epochs <= 1) continue;
      const fastDev = trainer.valueOf('fast_dev_run');
      if (fastDev && truthiness(fastDev) !== false) continue;
      const limitVal = trainer.valueOf('limit_val_batches');
      if (limitVal && (limitVal.kind !== 'number' || limitVal.value === 0)) continue;

      if (validationData(model, fit) !== 'yes') continue;

      // Callbacks: the Trainer's list, a module's configure_callbacks(), or trainer.callbacks.append(...).
      const cbPresence = trainer.presence('callbacks');
      if (cbPresence === 'unknown') continue;
      let info: CallbackListInfo | undefined;
      if (cbPresence === 'present') {
        info = analyzeCallbackList(model, trainer.keywords.get('callbacks')!.value, SPEC);
        if (info.state !== 'no') continue;
      }
      const moduleClass = instanceClass(model, fit.argument('model', 0));
      if (moduleClass && classMethods(model, moduleClass).has('configure_callbacks')) continue;
      if (!moduleClass && model.functionsNamed('configure_callbacks').length > 0) continue;
      // The calls that count (`x.callbacks.append(…)`) spell both words: only a statement spelling both can change the answer.
      const appended = model.readingAll(['callbacks', 'append'], () => model.callsNamed('append')).some((a) => {
        const r = a.receiver;
        const obj = r?.type === 'attribute' && r.childForFieldName('attribute')?.text === 'callbacks' ? r.childForFieldName('object') : null;
        return !!obj && model.originCall(obj)?.node.id === trainer.node.id;
      });
      if (appended) continue;

      const { monitor, mode } = monitorFor(loggedValidationMetrics(model, moduleClass));
      const es = earlyStoppingName(model, source, trainer);
      const callback = `${es.name}(monitor=${JSON.stringify(monitor)}${mode ? `, mode="${mode}"` : ''}, patience=3)`;
      const fixable = !info || !!info.literal || !!info.none;
      const edits: TextEdit[] = fixable ? [addCallbackEdit(trainer, source, info, callback)] : [];
      if (fixable && es.edit) edits.push(es.edit);
      report({
        node: fit.callee,
        message:
          'Trainer.fit has validation data but the Trainer has no EarlyStopping callback: it trains to max_epochs ' +
          `(${epochs !== undefined ? epochs : maxEpochs === undefined && trainer.presence('max_steps') === 'absent' ? '1000 by default' : 'as configured'}) whatever the validation metric does, ` +
          'so epochs after it stops improving are wasted compute.',
        fixes: [{ title: `Add EarlyStopping(monitor=${JSON.stringify(monitor)}, patience=3) to the Trainer's callbacks (unsafe)`, safety: 'unsafe', edits }],
      });
    }
  },
};
