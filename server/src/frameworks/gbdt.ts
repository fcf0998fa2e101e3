// Gradient-boosted trees (XGBoost, LightGBM, CatBoost): the estimators, the native training
// functions, and the callbacks and parameters that stop boosting early.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { dictGet, type Value } from '../analysis/values';

export type BoostingLibrary = 'xgboost' | 'lightgbm' | 'catboost';

export const GBDT_PACKAGES: readonly BoostingLibrary[] = ['xgboost', 'lightgbm', 'catboost'];

/** scikit-learn-style estimators, by qualified name. */
export const ESTIMATORS: Readonly<Record<string, BoostingLibrary>> = (() => {
  const out: Record<string, BoostingLibrary> = {};
  for (const name of ['XGBClassifier', 'XGBRegressor', 'XGBRanker']) {
    out[`xgboost.${name}`] = 'xgboost';
    out[`xgboost.sklearn.${name}`] = 'xgboost';
  }
  for (const name of ['LGBMClassifier', 'LGBMRegressor', 'LGBMRanker']) {
    out[`lightgbm.${name}`] = 'lightgbm';
    out[`lightgbm.sklearn.${name}`] = 'lightgbm';
  }
  for (const name of ['CatBoostClassifier', 'CatBoostRegressor', 'CatBoostRanker', 'CatBoost']) {
    out[`catboost.${name}`] = 'catboost';
    out[`catboost.core.${name}`] = 'catboost';
  }
  return out;
})();

export const XGB_TRAIN = ['xgboost.train', 'xgboost.training.train'];
export const LGB_TRAIN = ['lightgbm.train', 'lightgbm.engine.train'];

/** CatBoost's `cv(pool, params, dtrain, iterations, num_boost_round, …)`: each fold evaluates on its held-out part every round. */
export const CATBOOST_CV = ['catboost.cv', 'catboost.core.cv'];

/** CatBoost estimator methods that train one model per candidate parameter set. */
export const CATBOOST_SEARCHES = ['grid_search', 'randomized_search'];

/** CatBoost's names for the round budget in a params dict. */
export const CATBOOST_BUDGET_PARAMS = ['iterations', 'num_boost_round', 'n_estimators', 'num_trees'];

/**
 * XGBoost's `cv(params, dtrain, num_boost_round=10, …)` and LightGBM's `cv(params, train_set,
 * num_boost_round=100, …)`: each fold is scored on its held-out part every round.
 */
export const XGB_CV = ['xgboost.cv', 'xgboost.training.cv'];
export const LGB_CV = ['lightgbm.cv', 'lightgbm.engine.cv'];

/**
 * The fewest positional arguments that could reach `cv`'s early-stopping arguments, which moved between
 * versions: XGBoost 1.x's `early_stopping_rounds` is its 11th (keyword-only from 2.0), LightGBM's
 * `callbacks` its 12th (4.x; `early_stopping_rounds` the 14th in 3.x).
 */
export const XGB_CV_STOPPING_POSITION = 10;
export const LGB_CV_STOPPING_POSITION = 11;

/** Native cross-validation functions (each fold a full training). */
export const GBDT_CV = ['xgboost.cv', 'lightgbm.cv', 'catboost.cv'];

export const EARLY_STOPPING_CALLBACKS: ReadonlySet<string> = new Set(['xgboost.callback.EarlyStopping', 'lightgbm.early_stopping', 'lightgbm.callback.early_stopping']);

/** LightGBM's `early_stopping_round` and the aliases its parameters accept. */
export const LGB_EARLY_STOPPING_PARAMS = ['early_stopping_round', 'early_stopping_rounds', 'early_stopping', 'n_iter_no_change'];

/** CatBoost parameters that turn the overfitting detector on. */
export const CATBOOST_EARLY_STOPPING_PARAMS = ['early_stopping_rounds', 'od_type', 'od_wait'];

/** `lightgbm.early_stopping` as generated code imports it. */
export const LGB_EARLY_STOPPING = ['lightgbm.early_stopping', 'lightgbm.callback.early_stopping'];

export const LABEL: Readonly<Record<BoostingLibrary, string>> = { xgboost: 'XGBoost', lightgbm: 'LightGBM', catboost: 'CatBoost' };

/** XGBoost's base class of callbacks: `before_iteration` / `after_iteration` return True to stop training. */
const XGB_TRAINING_CALLBACK = new Set(['xgboost.callback.TrainingCallback']);
const XGB_STOP_HOOKS = ['before_iteration', 'after_iteration'];

/**
 * Whether a callback made by a class of this file can never stop training: it derives directly from
 * `xgboost.callback.TrainingCallback` and its `before_iteration` / `after_iteration`, if it defines
 * them, return nothing but literal `False` or `None` and raise nothing. A class with other bases
 * (they could stop), or any other return, could stop.
 */
export function callbackNeverStops(model: Semantic, made: CallSite): boolean {
  if (made.callee.type !== 'identifier') return false;
  const classes = model.lookupDefinitions(made.callee.text, made.callee).filter((b) => b.kind === 'class');
  if (classes.length !== 1) return false;
  const cls = classes[0].node;
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((b) => !!b && b.type !== 'comment');
  if (bases.length === 0 || bases.some((b) => !b || b.type === 'keyword_argument' || !XGB_TRAINING_CALLBACK.has(model.qualifiedName(b) ?? ''))) return false;
  const body = cls.childForFieldName('body');
  for (const statement of body?.namedChildren ?? []) {
    const fn = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (!fn || fn.type !== 'function_definition' || !XGB_STOP_HOOKS.includes(fn.childForFieldName('name')?.text ?? '')) continue;
    for (const exit of model.nodesWithin(fn, ['return_statement', 'raise_statement', 'yield'])) {
      if (model.enclosingFunction(exit)?.id !== fn.id) continue;
      if (exit.type !== 'return_statement') return false;
      const value = exit.namedChildren.find((c) => !!c && c.type !== 'comment');
      const v = value ? model.evaluate(value) : undefined;
      if (v && v.kind !== 'none' && !(v.kind === 'bool' && !v.value)) return false;
    }
  }
  return true;
}

/**
 * XGBoost's built-in metrics whose direction its early stopping tells from the name (it maximises
 * `auc`, `aucpr`, `pre`, `map`, `ndcg` and their `@n` forms and minimises the rest). Any other metric
 * — a custom `feval` / `custom_metric`, `interval-regression-accuracy`, the Higgs demo's `ams@0.15` —
 * is minimised unless `maximize=` says otherwise, so early stopping could keep the worst round.
 */
const XGB_DIRECTED_METRICS: ReadonlySet<string> = new Set([
  'rmse', 'rmsle', 'mae', 'mape', 'mphe', 'logloss', 'error', 'merror', 'mlogloss', 'auc', 'aucpr', 'pre', 'ndcg', 'map',
  'poisson-nloglik', 'gamma-nloglik', 'cox-nloglik', 'gamma-deviance', 'tweedie-nloglik', 'aft-nloglik',
]);

function directedMetric(metric: Value | undefined): boolean {
  return metric?.kind === 'string' && XGB_DIRECTED_METRICS.has(metric.value.split('@')[0]);
}

/** Whether every metric XGBoost may stop on is one whose direction it knows: the last of a list, any of a set (unordered). */
function directedMetrics(metrics: Value): boolean {
  if (metrics.kind === 'string') return directedMetric(metrics);
  if (metrics.kind === 'list' || metrics.kind === 'tuple') return directedMetric(metrics.items.at(-1));
  return metrics.kind === 'set' && metrics.items.length > 0 && metrics.items.every(directedMetric);
}

/**
 * Whether early stopping added to a native `xgb.train` / `xgb.cv` call would watch a metric whose
 * direction XGBoost knows: `maximize=` given, or no custom metric and a known last metric — `cv`'s
 * `metrics=`, else the literal params dict's `eval_metric`, else the objective's default. A params
 * value that is not a literal dict is taken to use the default, as before this check.
 */
export function xgbStopsOnDirectedMetric(model: Semantic, call: CallSite, metrics?: Node): boolean {
  if (call.presence('maximize') !== 'absent') return true;
  if (call.presence('feval') !== 'absent' || call.presence('custom_metric') !== 'absent') return false;
  const given = metrics && model.evaluate(metrics);
  if (given && given.kind !== 'none' && !((given.kind === 'list' || given.kind === 'tuple' || given.kind === 'set') && given.items.length === 0)) return directedMetrics(given);
  const params = call.argument('params', 0);
  const value = params ? model.evaluate(params) : undefined;
  const metric = value?.kind === 'dict' ? dictGet(value, 'eval_metric') : undefined;
  return metric === undefined || directedMetrics(metric);
}
