// skorch: scikit-learn-compatible wrappers of PyTorch modules. A net trains `max_epochs` epochs (10 by
// default) and, by default, holds out a fifth of the data (`train_split=ValidSplit(5)`) and records
// `valid_loss` every epoch; early stopping is the `skorch.callbacks.EarlyStopping` callback, which is
// not among the default callbacks. `callbacks=` takes callbacks or `(name, callback)` pairs.
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { analyzeCallbackList, classifyCallback, type CallbackListInfo, type EarlyStoppingSpec } from './callbacks';

export const SKORCH_NETS: ReadonlySet<string> = new Set([
  'skorch.NeuralNet',
  'skorch.NeuralNetClassifier',
  'skorch.NeuralNetRegressor',
  'skorch.NeuralNetBinaryClassifier',
  'skorch.net.NeuralNet',
  'skorch.classifier.NeuralNetClassifier',
  'skorch.classifier.NeuralNetBinaryClassifier',
  'skorch.regressor.NeuralNetRegressor',
]);

/** `NeuralNet.__init__`'s default. */
export const SKORCH_DEFAULT_MAX_EPOCHS = 10;

export const SKORCH_EARLY_STOPPING: ReadonlySet<string> = new Set(['skorch.callbacks.EarlyStopping', 'skorch.callbacks.training.EarlyStopping']);

/** Validation splits: skorch's own, whose result always holds out data. */
export const SKORCH_SPLITS: ReadonlySet<string> = new Set([
  'skorch.dataset.ValidSplit',
  'skorch.dataset.CVSplit',
  'skorch.helper.predefined_split',
]);

/**
 * skorch callbacks stop training by raising `KeyboardInterrupt`, not by setting an attribute: a local
 * callback class is never taken for early stopping here, so rules stay quiet in a file that raises it.
 */
export const SKORCH_CALLBACKS: EarlyStoppingSpec = { names: SKORCH_EARLY_STOPPING, packages: ['skorch'], stopAttribute: '' };


/** What a skorch `callbacks=` value holds; `(name, callback)` pairs in a literal list are read by their callback. */
export function analyzeSkorchCallbacks(model: Semantic, expr: Node): CallbackListInfo {
  if (expr.type !== 'list' && expr.type !== 'tuple') return analyzeCallbackList(model, expr, SKORCH_CALLBACKS);
  let state: CallbackListInfo['state'] = 'no';
  for (const item of expr.namedChildren) {
    if (!item || item.type === 'comment') continue;
    const pair = item.type === 'tuple' ? item.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : undefined;
    const callback = pair && pair.length === 2 ? pair[1] : item;
    if (callback.type === 'list_splat') return { state: 'unknown' };
    const kind = classifyCallback(model, callback, SKORCH_CALLBACKS);
    if (kind === 'early-stopping') return { state: 'yes' };
    if (kind === 'unknown') state = 'unknown';
  }
  return { state, literal: state === 'no' ? expr : undefined };
}

export const ACCELERATE_MIXIN = ['skorch.hf.AccelerateMixin'];
