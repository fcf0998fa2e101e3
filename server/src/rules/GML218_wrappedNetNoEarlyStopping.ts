import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { TextEdit } from '../analysis/types';
import type { Node } from '../analysis/parser';
import { numberValue } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { addCallbackEdit, analyzeCallbackList, constructorCalls, type CallbackListInfo } from '../frameworks/callbacks';
import { KERAS_CALLBACKS, kerasEarlyStoppingName } from '../frameworks/keras';
import { keywordPresence, keywordValue } from '../frameworks/keywordArguments';
import { kerasWrapperRunSchedule, runScheduleNote, skorchRunSchedule, type RunSchedule } from '../frameworks/runSchedules';
import { kerasWrapperCalls, wrapperArgument, type KerasWrapper } from '../frameworks/scikeras';
import { SKORCH_DEFAULT_MAX_EPOCHS, SKORCH_EARLY_STOPPING, SKORCH_SPLITS, SKORCH_NETS, analyzeSkorchCallbacks } from '../frameworks/skorch';
import { defineRule, fact, type Report } from './rule';

/** The fixes' patience (skorch's default, and GML211's); a run of fewer than patience + 2 epochs cannot be shortened by it. */
const SKORCH_PATIENCE = 5;
const KERAS_PATIENCE = 3;

/** Whether the estimator's callbacks may be replaced later: `set_params(callbacks=…)`, `set_params(**cfg)`, or `fit(…, callbacks=…)`. */
function changedLater(model: Semantic, call: CallSite, keywords: readonly string[]): boolean {
  const later = model.callsOnResultOf(call, ['set_params']).concat(model.callsOnResultOf(call, ['fit']));
  return later.some((c) => c.hasStarKwargs || keywords.some((k) => c.keywords.has(k)));
}

/** The name the file has for skorch's `EarlyStopping`, and the import to add when none. */
function skorchEarlyStoppingName(edits: Edits, at: Node): { name: string; edit?: TextEdit } {
  const imports = edits.importer(at);
  const direct = imports.existing(SKORCH_EARLY_STOPPING);
  if (direct) return { name: direct };
  const callbacks = imports.existing(['skorch.callbacks']);
  if (callbacks) return { name: `${callbacks}.EarlyStopping` };
  const skorch = imports.existing(['skorch']);
  if (skorch) return { name: `${skorch}.callbacks.EarlyStopping` };
  return imports.from('skorch.callbacks', 'EarlyStopping');
}

function fixEdits(edits: Edits, call: CallSite, keyword: string, info: CallbackListInfo | undefined, callback: string, importEdit?: TextEdit): TextEdit[] {
  if (info && !info.literal && !info.none) return [];
  const change = info ? addCallbackEdit(edits, call, info, callback) : edits.addKeywordArguments(call, [[keyword, `[${callback}]`]]);
  return importEdit ? [change, importEdit] : [change];
}

/** `NeuralNetClassifier(…).initialize()` kept only to `load_params` into: a net that is never fitted. */
function onlyInitialized(model: Semantic, call: CallSite): boolean {
  const attribute = model.parentOf(call.node);
  if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.text !== 'initialize') return false;
  const outer = model.parentOf(attribute);
  if (outer?.type !== 'call') return false;
  const initialized = model.callSite(outer);
  return model.callsOnResultOf(initialized, ['fit']).length === 0 && model.callsOnResultOf(initialized, ['partial_fit']).length === 0;
}

/** A net whose schedule spans its run: information, no fix (stopping early would change the experiment). */
function spanningFinding(call: CallSite, head: string, schedule: RunSchedule, epochs: number): Report {
  return { node: call.callee, severity: 'information', message: `${head} ${runScheduleNote(schedule, epochs)}`, fixes: [] };
}

function checkSkorch(model: Semantic, call: CallSite, edits: Edits): Report | undefined {
  if (onlyInitialized(model, call)) return undefined;
  // NeuralNet(module, criterion, optimizer, lr, max_epochs, …): everything after the module is passed by keyword in practice.
  const epochsValue = keywordValue(call, 'max_epochs');
  const epochs = epochsValue === undefined ? SKORCH_DEFAULT_MAX_EPOCHS : numberValue(epochsValue);
  if (epochs === undefined || epochs < SKORCH_PATIENCE + 2) return undefined;
  // Validation: the default ValidSplit(5), or one of skorch's splits; None (or anything else) is no or unknown validation.
  const split = keywordPresence(call, 'train_split');
  if (split === 'unknown') return undefined;
  if (split === 'present') {
    // One in a `**params` dict has no node to trace: not known.
    const given = call.argument('train_split');
    const origin = given && model.originCall(given);
    if (!origin?.qualifiedName || !SKORCH_SPLITS.has(origin.qualifiedName)) return undefined;
  }
  const presence = keywordPresence(call, 'callbacks');
  if (presence === 'unknown' || changedLater(model, call, ['callbacks'])) return undefined;
  let info: CallbackListInfo | undefined;
  if (presence === 'present') {
    // Callbacks in a `**params` dict are not read: not known.
    const given = call.argument('callbacks');
    if (!given) return undefined;
    info = analyzeSkorchCallbacks(model, given);
    if (info.state !== 'no') return undefined;
    const schedule = skorchRunSchedule(model, given, call.argument('max_epochs'), epochs);
    if (schedule) return spanningFinding(call, `\`${call.callee.text.split('.').pop()}\` trains ${epochs} epochs and scores its validation split every epoch, but no EarlyStopping callback ends training.`, schedule, epochs);
  }
  const es = skorchEarlyStoppingName(edits, call.node);
  const callback = `${es.name}(monitor="valid_loss", patience=${SKORCH_PATIENCE}, load_best=True)`;
  const net = call.callee.text.split('.').pop();
  return {
    node: call.callee,
    message:
      `\`${net}\` trains ${epochs} epochs${epochsValue === undefined ? ' (max_epochs, the default)' : ''} and scores its validation split every epoch, but no ` +
      'EarlyStopping callback ends training when valid_loss stops improving: every epoch after that is a full pass over the training data for nothing.',
    fixes: [{ title: 'Add EarlyStopping(monitor="valid_loss", patience=5, load_best=True) to the callbacks', edits: fixEdits(edits, call, 'callbacks', info, callback, es.edit) }],
  };
}

function checkKerasWrapper(model: Semantic, call: CallSite, wrapper: KerasWrapper, edits: Edits): Report | undefined {
  // Keras `fit` defaults: one epoch, no validation data.
  const epochsKeyword = wrapperArgument(call, wrapper, 'epochs');
  if (!epochsKeyword) return undefined;
  const epochs = numberValue(keywordValue(call, epochsKeyword)!);
  if (epochs === undefined || epochs < KERAS_PATIENCE + 2) return undefined;
  const splitKeyword = wrapperArgument(call, wrapper, 'validation_split');
  const dataKeyword = wrapperArgument(call, wrapper, 'validation_data');
  let validation = false;
  if (splitKeyword) {
    const fraction = numberValue(keywordValue(call, splitKeyword)!);
    validation = fraction !== undefined && fraction > 0;
  }
  if (!validation && dataKeyword) {
    const data = keywordValue(call, dataKeyword)!;
    validation = data.kind !== 'none' && data.kind !== 'unknown';
  }
  // `**kwargs` that is not a literal dict may pass anything.
  if (!validation || (call.hasStarKwargs && call.starKwargsValue()?.kind !== 'dict')) return undefined;
  const callbacksKeyword = wrapperArgument(call, wrapper, 'callbacks');
  if (changedLater(model, call, ['callbacks', 'fit__callbacks'])) return undefined;
  let info: CallbackListInfo | undefined;
  if (callbacksKeyword) {
    // Callbacks in a `**kwargs` dict are not read: not known.
    const given = call.argument(callbacksKeyword);
    if (!given) return undefined;
    info = analyzeCallbackList(model, given, KERAS_CALLBACKS);
    if (info.state !== 'no') return undefined;
    const epochsNode = call.argument(epochsKeyword);
    const schedule = epochsNode && kerasWrapperRunSchedule(model, epochsNode, given);
    if (schedule) return spanningFinding(call, `\`${call.callee.text.split('.').pop()}\` trains ${epochs} epochs per fit with validation data but no EarlyStopping callback.`, schedule, epochs);
  }
  const es = kerasEarlyStoppingName(model, edits.importer(call.node));
  const callback = `${es.name}(monitor="val_loss", patience=${KERAS_PATIENCE}, restore_best_weights=True)`;
  const name = call.callee.text.split('.').pop();
  return {
    node: call.callee,
    message:
      `\`${name}\` trains ${epochs} epochs per fit with validation data but no EarlyStopping callback: every epoch after val_loss stops ` +
      'improving costs a full pass over the data for nothing, and a search or cross-validation repeats that waste for every fit.',
    fixes: [{ title: 'Add EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True) to the callbacks', edits: fixEdits(edits, call, 'callbacks', info, callback, es.edit) }],
  };
}

/**
 * ## What it flags
 *
 * A neural network wrapped as a scikit-learn estimator that trains several epochs, watches a
 * validation score every epoch, and has no early-stopping callback:
 *
 * - **skorch**: `NeuralNet`, `NeuralNetClassifier`, `NeuralNetRegressor`, `NeuralNetBinaryClassifier`
 *   (any spelling, `from … import … as`, and classes in this file derived from them, such as an
 *   `AccelerateMixin` net) with `max_epochs` of at least 7 — left out, it is 10 — and skorch's default
 *   validation split (`train_split` left out, so `ValidSplit(5)` holds out a fifth of the data) or one
 *   of skorch's splits (`ValidSplit(…)`, `predefined_split(…)`), and no `skorch.callbacks.EarlyStopping`
 *   in `callbacks` (given as callbacks or as `(name, callback)` pairs).
 * - **scikeras** `KerasClassifier` / `KerasRegressor(model=…)` and the legacy
 *   `keras.wrappers.scikit_learn.KerasClassifier` / `KerasRegressor(build_fn=…)` (also through
 *   `tensorflow.keras`) with a literal `epochs` of at least 5 (`nb_epoch` in the legacy form, `fit__epochs`
 *   in scikeras), a literal `validation_split` above 0 (or `validation_data`), and no Keras
 *   `EarlyStopping` in `callbacks` / `fit__callbacks`.
 *
 * Shorter runs are left alone: the fix's patience (5 epochs for skorch, 3 for Keras) could never end
 * them early.
 *
 * A net whose learning-rate schedule spans its run is reported as information, with no fix: stopping
 * it early would cut the schedule before the rate anneals and change the experiment. That is skorch's
 * `LRScheduler(policy=…)` whose torch scheduler (`CosineAnnealingLR`, `OneCycleLR`, `PolynomialLR`, by
 * class or name) gets a length by keyword that is the net's `max_epochs` (the same name or literal, or
 * built from that name), or, for the Keras wrappers, a schedule callback read as GML211 reads one
 * (`LearningRateScheduler` over the `epochs` name, a callback of this file that sets the learning rate
 * built from it). `LRScheduler(policy="StepLR", step_size=30)` does not count.
 *
 * One code covers both families: they are the same pattern — a deep-learning loop hidden behind
 * `fit(X, y)`, with its epoch budget and callbacks set on the estimator — and the same remedy.
 *
 * A net built only to be initialized and loaded (`NeuralNetClassifier(…).initialize()` followed by
 * `load_params`, never `fit`) is not reported. Nothing is reported when a value cannot be read from the file: `max_epochs=args.epochs`,
 * `train_split=my_split`, `train_split=None` (no validation score to stop on), `callbacks=make_callbacks()`,
 * `**params` whose `params` is not a literal dict, a later `set_params(callbacks=…)` or `fit(…, callbacks=…)`.
 * Arguments unpacked from a literal dict are read as if written inline, as GML214 reads them
 * (`kwargs = dict(model=get_clf, epochs=20, fit__validation_split=0.2)` then `KerasClassifier(**kwargs)`;
 * a dict changed after its assignment, other than by `update` with a literal, is not known); a dict
 * that holds `callbacks` or `train_split` leaves the net alone. The Keras wrappers train one
 * epoch with no validation data by default, so a wrapper that sets neither is not flagged.
 *
 * ## Why
 *
 * Each epoch is a full pass over the training data at the same energy; once the validation loss has
 * stopped improving, the remaining epochs are paid for and thrown away (or overfit). These wrappers
 * are usually fitted many times — inside `GridSearchCV`, `cross_val_score`, a pipeline search — so the
 * waste is multiplied by the number of fits. skorch computes `valid_loss` every epoch by default, so
 * stopping on it costs nothing extra.
 *
 * - Prechelt compared 14 early-stopping criteria on 12 tasks: criteria that waited longer bought about
 *   4 % better generalization for about 4 times the training time (Prechelt 1998).
 * - Measured here (below): a skorch MLP with `max_epochs=150` stopped after 11 epochs with the fix,
 *   at 0.30× the estimated energy and the same test accuracy.
 *
 * ## Example
 *
 * ```python
 * from skorch import NeuralNetClassifier
 *
 * net = NeuralNetClassifier(ClassifierModule, max_epochs=100, lr=0.1)
 * net.fit(X, y)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from skorch import NeuralNetClassifier
 * from skorch.callbacks import EarlyStopping
 *
 * net = NeuralNetClassifier(ClassifierModule, max_epochs=100, lr=0.1, callbacks=[EarlyStopping(monitor="valid_loss", patience=5, load_best=True)])
 * net.fit(X, y)
 * ```
 *
 * For scikeras and the legacy wrapper the fix adds
 * `keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)` (in the
 * spelling the file already has for Keras, as GML211 does). An existing literal callbacks list gets
 * the callback appended in its own layout; `callbacks=None` becomes a list; a net built from
 * `**kwargs` gets `callbacks=[…]` after it; the import is added once.
 *
 * ## Fix safety
 *
 * Unsafe: training ends earlier, and `load_best=True` / `restore_best_weights=True` keep the weights
 * of the best validation epoch instead of the last one. The patience values are the libraries'
 * defaults or common starting points; noisy validation curves may need more.
 *
 * ## Measured here
 *
 * `bench/evidence/GML218/`: a skorch `NeuralNetClassifier` (40 → 128 → 64 → 2 MLP, SGD with momentum,
 * `max_epochs=150`, skorch's default 20 % validation split) on generated data (`make_classification`,
 * 6 000 samples, 25 % held out for testing), before and after the fix; skorch 0.12.1 and torch from
 * Debian 12, one thread. `node bench/evidence/measure.mjs --runs 5 …`, median of 5 runs (min–max),
 * on a shared 2-vCPU AMD EPYC VM (load average 17–20 from other work, so wall times are noisy; CPU
 * time is the steadier figure); energy estimated from CPU time × 4 W (no RAPL here):
 *
 * | | epochs | wall time | energy (estimated) | test accuracy |
 * |---|---|---|---|---|
 * | no EarlyStopping | 150 | 76.9 (41.3–117.9) s | 50.5 (39.7–62.1) J | 0.882 |
 * | `EarlyStopping(monitor="valid_loss", patience=5, load_best=True)` | 11 | 14.5 (13.0–30.8) s | 15.2 (14.1–19.9) J | 0.889 |
 *
 * ×0.30 energy for the same accuracy; the share saved depends on how early the validation loss
 * flattens relative to `max_epochs`. The Keras wrappers are not measured here (Debian packages neither
 * TensorFlow nor scikeras); their saving is GML211's, per fit.
 *
 * ## References
 *
 * - skorch, `NeuralNet` (`max_epochs=10`, `train_split=ValidSplit(5)`): https://skorch.readthedocs.io/en/stable/net.html
 * - skorch, `skorch.callbacks.EarlyStopping`: https://skorch.readthedocs.io/en/stable/callbacks.html#skorch.callbacks.EarlyStopping
 * - scikeras, *Advanced usage* (routed parameters, `fit__` prefix, callbacks): https://adriangb.com/scikeras/stable/advanced.html
 * - Keras, *EarlyStopping*: https://keras.io/api/callbacks/early_stopping/
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 */
export const wrappedNetNoEarlyStopping = defineRule({
  code: 'GML218',
  name: 'wrapped-net-no-early-stopping',
  summary: 'skorch nets and Keras scikit-learn wrappers that train many epochs with validation but no EarlyStopping callback.',
  defaultSeverity: 'warning',
  frameworks: ['skorch', 'scikeras', 'keras', 'tensorflow', 'tf_keras'],
  fixSafety: 'unsafe',
  facts: {
    // A skorch callback stops training by raising KeyboardInterrupt: a file that raises it may stop early its own way.
    raisesInterrupt: fact.any(({ model, sites }) => sites.identifiers('KeyboardInterrupt').some((id) => model.parentOf(id)?.type === 'raise_statement' || model.parentOf(model.parentOf(id)!)?.type === 'raise_statement')),
  },
  check({ model, sites, facts, edits, report }) {
    for (const { call, wrapper } of kerasWrapperCalls(sites)) {
      const finding = checkKerasWrapper(model, call, wrapper, edits);
      if (finding) report(finding);
    }
    if (facts.raisesInterrupt) return;
    for (const call of constructorCalls(model, sites, SKORCH_NETS)) {
      const finding = checkSkorch(model, call, edits);
      if (finding) report(finding);
    }
  },
});

