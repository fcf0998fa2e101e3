import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { numberValue, truthiness } from '../analysis/values';
import type { Importer } from '../fixes/importer';
import { addCallbackEdit, analyzeCallbackList, classMethods, localClassOf, type CallbackListInfo } from '../frameworks/callbacks';
import { EARLY_STOPPING, LIGHTNING_CALLBACKS, LIGHTNING_PACKAGES, trainerOf } from '../frameworks/lightning';
import { lightningRunSchedule, runScheduleNote } from '../frameworks/runSchedules';
import { epochCount, isShortRun, patienceForRun, shortRunBound, tooShortToStop } from '../frameworks/shortRuns';
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

/** The module hooks whose `self.log` calls log validation metrics (Lightning 2.x and 1.x names). */
const VALIDATION_HOOKS = ['validation_step', 'validation_step_end', 'on_validation_epoch_end', 'validation_epoch_end'];

/** What a module logs from its validation hooks: the literal names, and whether some name is not a literal. */
interface ValidationLogs {
  names: string[];
  /** Whether the module's class (or, the module unknown, a class with validation_step) is in this file. */
  inFile: boolean;
  /** An f-string name whose fixed parts fit `val_loss` (`f"{stage}_loss"`), which may well log it. */
  mayLogValLoss: boolean;
}

/** Whether an f-string's fixed parts fit a name: `f"{stage}_loss"` fits `val_loss`. */
function templateFits(template: Node, name: string): boolean {
  if (template.type !== 'string' || !template.namedChildren.some((c) => c?.type === 'interpolation')) return false;
  const pattern = template.namedChildren
    .filter((c): c is Node => !!c && c.type !== 'string_start' && c.type !== 'string_end')
    .map((c) => (c.type === 'interpolation' ? '.*' : c.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(name);
}

/**
 * The metric names a module logs with `self.log("name", …)` / `self.log_dict({"name": …})` in its
 * validation hooks, or in a method of the class those hooks call as `self.<method>(…)`.
 */
function loggedValidationMetrics(model: Semantic, moduleClass: Node | undefined): ValidationLogs {
  const hooks: Node[] = [];
  const classes = moduleClass ? [moduleClass] : model.functionsNamed('validation_step').map((fn) => model.enclosingClass(fn)).filter((c): c is Node => !!c);
  for (const cls of classes) {
    const methods = classMethods(model, cls);
    for (const hook of VALIDATION_HOOKS) {
      const fn = methods.get(hook);
      if (!fn) continue;
      hooks.push(fn);
      for (const [name, helper] of methods) if (!VALIDATION_HOOKS.includes(name) && model.callsNamedWithin(name, fn).some((c) => c.receiver?.text === 'self')) hooks.push(helper);
    }
  }
  const logs: ValidationLogs = { names: [], inFile: classes.length > 0, mayLogValLoss: false };
  for (const fn of new Set(hooks)) {
    for (const method of ['log', 'log_dict']) {
      for (const site of model.callsNamedWithin(method, fn)) {
        if (site.receiver?.text !== 'self' || model.enclosingFunction(site.node)?.id !== fn.id) continue;
        const first = site.argument(method === 'log' ? 'name' : 'dictionary', 0);
        if (!first) continue;
        const v = model.evaluate(first);
        if (v.kind === 'string') logs.names.push(v.value);
        else if (v.kind === 'dict') for (const e of v.entries) if (e.key.kind === 'string') logs.names.push(e.key.value);
        if (templateFits(first, 'val_loss')) logs.mayLogValLoss = true;
      }
    }
  }
  return logs;
}

const HIGHER_IS_BETTER = ['acc', 'f1', 'auc', 'precision', 'recall', 'map', 'iou', 'dice', 'r2', 'score', 'bleu', 'rouge'];

/**
 * The metric to monitor and its mode: a logged name with "loss" first, else one that says it is a
 * score (mode "max"), else the first logged name. With no literal name: "val_loss" when an f-string
 * may log it or the module is not in this file; undefined (no fix) when the module here logs no name
 * that can be read.
 */
function monitorFor(logs: ValidationLogs): { monitor: string; mode?: 'max' } | undefined {
  const { names } = logs;
  const loss = names.find((n) => n.toLowerCase().includes('loss'));
  if (loss) return { monitor: loss };
  const score = names.find((n) => HIGHER_IS_BETTER.some((h) => n.toLowerCase().includes(h)));
  if (score) return { monitor: score, mode: 'max' };
  if (names.length > 0) return { monitor: names[0] };
  return logs.mayLogValLoss || !logs.inFile ? { monitor: 'val_loss' } : undefined;
}

/** The fix's patience for a run of 10 epochs or more, or of unknown length (EarlyStopping's default). */
const PATIENCE = 3;

/** Lightning's max_epochs when neither it nor max_steps is set. */
const DEFAULT_MAX_EPOCHS = 1000;

/**
 * How many epochs a Trainer trains, when the file says: `max_epochs`, else 1000 unless `max_steps` is
 * set; and whether that count is written in the file (`fixed`), not only an argparse default that
 * the command line may override.
 */
function trainedEpochs(model: Semantic, trainer: CallSite): { epochs?: number; fixed: boolean } {
  const maxEpochs = trainer.keywords.get('max_epochs')?.value;
  if (!maxEpochs || model.evaluate(maxEpochs).kind === 'none') {
    const epochs = !maxEpochs && trainer.presence('max_epochs') === 'unknown' ? undefined : defaultEpochs(trainer);
    return { epochs, fixed: epochs !== undefined };
  }
  const epochs = epochCount(model, maxEpochs);
  return { epochs, fixed: epochs !== undefined && epochCount(model, maxEpochs, 0, false) === epochs };
}

function defaultEpochs(trainer: CallSite): number | undefined {
  if (trainer.presence('max_steps') === 'absent') return DEFAULT_MAX_EPOCHS;
  const steps = trainer.valueOf('max_steps');
  return steps && numberValue(steps) === -1 ? DEFAULT_MAX_EPOCHS : undefined;
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
 * The run's length is `max_epochs` — a literal, a constant, an argparse option's default
 * (`args.max_epochs`) or a function parameter every call in the file passes such a number for — or
 * Lightning's 1000 when neither `max_epochs` nor `max_steps` is set. One or two epochs are left
 * alone: one epoch sets the best validation value and one more must fail to beat it, so a stop can
 * save nothing. Three to nine epochs are reported as information, with the bound on what stopping
 * can save (at most the last N − 2 of N) and a patience that can act within the run (1 up to 5
 * epochs, 2 for 6–9). Ten or more written in the file (Lightning's 1000 included) are a warning. A
 * length the file does not show (`max_epochs=config.max_epochs`, `cfg["max_epochs"]`, `max_steps=…`)
 * may be short, and a long argparse default may be overridden on the command line: both are reported
 * as information only.
 *
 * A run whose schedule spans it is reported as information, with no fix: stopping it early would cut
 * the schedule and change the experiment. That is a `StochasticWeightAveraging` callback in the
 * Trainer's list; or, in the fitted module's class (defined in this file), SWA (an `AveragedModel`
 * without an EMA `avg_fn` / `multi_avg_fn`, or `SWALR`) or a `OneCycleLR`, `CosineAnnealingLR`,
 * `PolynomialLR` (timm's `CosineLRScheduler`, Transformers' `get_*_schedule_with_warmup`) whose length is
 * `self.trainer.max_epochs` or `self.trainer.estimated_stepping_batches`, or the same name or literal
 * as the Trainer's `max_epochs` (also inside `max_epochs * steps_per_epoch`). A `StepLR`, or a cosine
 * over another length, does not count.
 *
 * It stays quiet for runs that cannot gain: `max_epochs` of 2 or less, `fast_dev_run`, and
 * `limit_val_batches=0`; and whenever something cannot be read from the file: `callbacks=cfg.callbacks`,
 * `**trainer_kwargs`, `**loaders` in `fit`, a datamodule imported from elsewhere, a `trainer` that
 * is a parameter, or a callback in the Trainer's list from another package (Ray Tune's
 * `TuneReportCallback`, whose trial scheduler may end the run; a callback it cannot classify may stop
 * training).
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
 * validation hooks — `validation_step`, `on_validation_epoch_end`, and Lightning 1.x's
 * `validation_step_end` / `validation_epoch_end` — and in the methods of the class they call as
 * `self.<method>(…)` (the module passed to `fit`, or any module in the file with a `validation_step`).
 * It monitors the first logged name containing `loss`; else the first that says it is a score (`acc`,
 * `f1`, `auc`, …) with `mode="max"`; else the first logged name. When none of the names is a literal,
 * it writes `monitor="val_loss"` only if an f-string name may spell it (`f"{stage}_loss"`), and
 * otherwise offers **no fix**. For a module not defined in the file it writes `monitor="val_loss"`;
 * check that this matches the key your `validation_step` passes to `self.log`.
 *
 * ## Fix safety
 *
 * Unsafe. Training may stop before `max_epochs` (`patience=3`; 1 or 2 in a run of 3 to 9 epochs), and the final weights are those of the last epoch
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

      // Runs that never get far: one or two epochs, fast_dev_run, or validation switched off.
      const { epochs, fixed } = trainedEpochs(model, trainer);
      if (epochs !== undefined && epochs >= 0 && tooShortToStop(epochs)) continue;
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

      // A schedule or SWA phase sized to exactly this run: stopping early would change the experiment.
      const schedule = lightningRunSchedule(model, trainer, moduleClass, epochs);
      if (schedule) {
        report({
          node: fit.callee,
          severity: 'information',
          message: `Trainer.fit has validation data but the Trainer has no EarlyStopping callback. ${runScheduleNote(schedule, epochs)}`,
          fixes: [],
        });
        continue;
      }

      const chosen = monitorFor(loggedValidationMetrics(model, moduleClass));
      const short = isShortRun(epochs);
      const patience = patienceForRun(epochs, PATIENCE);
      const es = earlyStoppingName(model, edits.importer(trainer.node), trainer);
      const callback = chosen ? `${es.name}(monitor=${JSON.stringify(chosen.monitor)}${chosen.mode ? `, mode="${chosen.mode}"` : ''}, patience=${patience})` : '';
      const fixable = !!chosen && (!info || !!info.literal || !!info.none);
      const changes: TextEdit[] = fixable ? [addCallbackEdit(edits, trainer, info, callback)] : [];
      if (fixable && es.edit) changes.push(es.edit);
      const defaulted = epochs === DEFAULT_MAX_EPOCHS && (trainer.presence('max_epochs') === 'absent' || trainer.valueOf('max_epochs')?.kind === 'none');
      const length = defaulted ? '1000 by default' : epochs !== undefined ? String(epochs) : 'as configured';
      report({
        node: fit.callee,
        // A count not written in the file (`cfg.max_epochs`, an argparse default) may be small, or overridden: worth a look, not a warning.
        severity: short || !fixed ? 'information' : undefined,
        message:
          `Trainer.fit has validation data but the Trainer has no EarlyStopping callback: it trains to max_epochs (${length}) whatever the validation metric does, ` +
          (short ? `so epochs after it stops improving are wasted compute. ${shortRunBound(epochs, chosen ? chosen.monitor : 'the validation metric')}` : 'so epochs after it stops improving are wasted compute.'),
        fixes: chosen
          ? [{ title: `Add EarlyStopping(monitor=${JSON.stringify(chosen.monitor)}${chosen.mode ? `, mode="${chosen.mode}"` : ''}, patience=${patience}) to the Trainer's callbacks`, edits: changes }]
          : [],
      });
    }
  },
});
