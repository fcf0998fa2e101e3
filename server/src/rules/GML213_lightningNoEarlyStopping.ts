import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { numberValue, truthiness } from '../analysis/values';
import type { Importer } from '../fixes/importer';
import { addCallbackEdit, analyzeCallbackList, classMethods, localClassOf, type CallbackListInfo } from '../frameworks/callbacks';
import { EARLY_STOPPING, LIGHTNING_CALLBACKS, LIGHTNING_PACKAGES, trainerOf } from '../frameworks/lightning';
import { defineRule } from './rule';

/** The local class an argument's value is an instance of, if the file defines it. */
function instanceClass(model: Semantic, expr: Node | undefined): Node | undefined {
  if (!expr) return undefined;
  const origin = model.originCall(expr);
  return origin ? localClassOf(model, origin) : undefined;
}

/** Whether the fit call has validation data: yes, no, or cannot be told. */
function validationData(model: Semantic, fit: CallSite): 'yes' | 'no' | 'unknown' {
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
function loggedValidationMetrics(model: Semantic, moduleClass: Node | undefined): string[] {
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
function earlyStoppingName(model: Semantic, imports: Importer, trainer: CallSite): { name: string; edit?: TextEdit } {
  const direct = imports.existing(EARLY_STOPPING);
  if (direct) return { name: direct };
  const family = trainer.qualifiedName?.startsWith('pytorch_lightning') || (!trainer.qualifiedName && model.importsAny(['pytorch_lightning']) && !model.importsAny(['lightning']))
    ? 'pytorch_lightning'
    : 'lightning.pytorch';
  const module = `${family}.callbacks`;
  // `EarlyStopping` already names something else here (keras's, a local class): import under another name.
  if (model.lookup('EarlyStopping', model.root).length > 0) {
    const alias = 'PLEarlyStopping';
    return { name: alias, edit: imports.from(module, 'EarlyStopping', ` as ${alias}`).edit };
  }
  return imports.from(module, 'EarlyStopping');
}

/**
 * ## What it flags
 *
 * `trainer.fit(...)` where `trainer` was built by a Lightning `Trainer` — `lightning.Trainer`,
 * `lightning.pytorch.Trainer`, `pytorch_lightning.Trainer` (any alias or `from … import … as …`), a
 * local subclass, or a same-file function that returns one — when
 *
 * - validation data is given: `val_dataloaders=` (or the third positional argument) present and not
 *   `None`; or a `datamodule` (or a datamodule passed as `train_dataloaders`) whose class, defined in
 *   this file, has a `val_dataloader` method; or a LightningModule defined in this file with its own
 *   `val_dataloader`;
 * - the module can validate: when its class is in this file, it defines `validation_step` (without
 *   one Lightning skips validation);
 * - and no early stopping is configured: no `EarlyStopping` callback (`lightning.pytorch.callbacks`
 *   or `pytorch_lightning.callbacks`, a local subclass, or a callback that sets
 *   `trainer.should_stop`) in the Trainer's `callbacks`, no `configure_callbacks()` on the module,
 *   and no `trainer.callbacks.append(...)`.
 *
 * It stays quiet for runs that cannot gain: `max_epochs=1` (or 0), `fast_dev_run`, and
 * `limit_val_batches=0`; and whenever something cannot be read from the file: `callbacks=cfg.callbacks`,
 * `**trainer_kwargs`, `**loaders` in `fit`, a datamodule imported from elsewhere, or a `trainer` that
 * is a parameter.
 *
 * ## Why
 *
 * A Lightning `Trainer` without `max_epochs` and `max_steps` trains for 1000 epochs; with
 * `max_epochs` it trains exactly that many. It computes the validation metrics after every epoch but
 * does nothing with them unless a callback is told to: every epoch after the validation loss stops
 * improving costs the same energy as a useful one.
 *
 * - Prechelt (1998) measured that waiting longer before stopping bought about 4 % better
 *   generalization on average for about 4 times the training time; running to `max_epochs` is the
 *   extreme case.
 * - Taşdelen (2025) reports that early stopping cut training time and energy of four image models
 *   while keeping their accuracy.
 * - Worked example: `max_epochs=40`, validation loss best at epoch 10, `patience=3` → training stops
 *   after epoch 13 and two thirds of the training energy is not spent.
 *
 * ## Example
 *
 * ```python
 * import lightning as L
 *
 * trainer = L.Trainer(max_epochs=40)
 * trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import lightning as L
 * from lightning.pytorch.callbacks import EarlyStopping
 *
 * trainer = L.Trainer(max_epochs=40, callbacks=[EarlyStopping(monitor="val_loss", patience=3)])
 * trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
 * ```
 *
 * The callback is added to the `Trainer(...)` call the `fit` receiver comes from (appended to its
 * literal callbacks list, in that list's layout, when there is one). `EarlyStopping` is imported once
 * from the package family the file uses for the Trainer: `lightning.pytorch.callbacks` for
 * `lightning` / `lightning.pytorch`, `pytorch_lightning.callbacks` for `pytorch_lightning`; an existing
 * import is reused, and if `EarlyStopping` already names something else in the file (Keras's, say),
 * it is imported as `PLEarlyStopping`.
 *
 * **The monitored key must be a metric the module logs.** `EarlyStopping` requires `monitor` and, with
 * its default `strict=True`, stops the run with an error when that key is never logged. The fix
 * reads the `self.log("<name>", …)` and `self.log_dict({"<name>": …})` calls in the module's
 * `validation_step` (the module passed to `fit`, or any `validation_step` in the file): it monitors the
 * first logged name containing `loss`, else the first logged name — with `mode="max"` when the name
 * says it is an accuracy-like score (`acc`, `f1`, `auc`, …). When the file shows no logged name it
 * writes `monitor="val_loss"`; check that this matches the key your `validation_step` passes to
 * `self.log`.
 *
 * ## Fix safety
 *
 * Unsafe. Training may stop before `max_epochs`, and the final weights are those of the last epoch
 * run (add a `ModelCheckpoint` to keep the best ones). `patience` counts validation checks, not
 * epochs, so with `check_val_every_n_epoch=k` three checks span `3k` epochs. As above, the monitored
 * key must be logged.
 *
 * ## References
 *
 * - Lightning, *Early Stopping*: https://lightning.ai/docs/pytorch/stable/common/early_stopping.html
 * - Lightning API, `lightning.pytorch.callbacks.EarlyStopping`: https://lightning.ai/docs/pytorch/stable/api/lightning.pytorch.callbacks.EarlyStopping.html
 * - Lightning API, `Trainer` (`max_epochs`: 1000 when neither it nor `max_steps` is set; `fit`
 *   signature): https://lightning.ai/docs/pytorch/stable/common/trainer.html
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 * - A. Taşdelen, "Enhancing green computing through energy-aware training: an early stopping
 *   perspective", *Current Trends in Computing* 2(2):108–139, 2025. https://doi.org/10.71074/CTC.1594291
 */
export const lightningNoEarlyStopping = defineRule({
  code: 'GML213',
  name: 'lightning-no-early-stopping',
  summary: 'Lightning `Trainer.fit` with validation data but no `EarlyStopping` callback.',
  defaultSeverity: 'warning',
  frameworks: LIGHTNING_PACKAGES,
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    for (const fit of sites.callsNamed('fit')) {
      const receiver = fit.receiver;
      if (!receiver) continue;
      const trainer = trainerOf(model, receiver);
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
        info = analyzeCallbackList(model, trainer.keywords.get('callbacks')!.value, LIGHTNING_CALLBACKS);
        if (info.state !== 'no') continue;
      }
      const moduleClass = instanceClass(model, fit.argument('model', 0));
      if (moduleClass && classMethods(model, moduleClass).has('configure_callbacks')) continue;
      if (!moduleClass && model.functionsNamed('configure_callbacks').length > 0) continue;
      if (model.callsOnResultOf(trainer, ['callbacks', 'append']).length > 0) continue;

      const { monitor, mode } = monitorFor(loggedValidationMetrics(model, moduleClass));
      const es = earlyStoppingName(model, edits.importer(trainer.node), trainer);
      const callback = `${es.name}(monitor=${JSON.stringify(monitor)}${mode ? `, mode="${mode}"` : ''}, patience=3)`;
      const fixable = !info || !!info.literal || !!info.none;
      const changes: TextEdit[] = fixable ? [addCallbackEdit(edits, trainer, info, callback)] : [];
      if (fixable && es.edit) changes.push(es.edit);
      report({
        node: fit.callee,
        message:
          'Trainer.fit has validation data but the Trainer has no EarlyStopping callback: it trains to max_epochs ' +
          `(${epochs !== undefined ? epochs : maxEpochs === undefined && trainer.presence('max_steps') === 'absent' ? '1000 by default' : 'as configured'}) whatever the validation metric does, ` +
          'so epochs after it stops improving are wasted compute.',
        fixes: [{ title: `Add EarlyStopping(monitor=${JSON.stringify(monitor)}, patience=3) to the Trainer's callbacks`, edits: changes }],
      });
    }
  },
});
