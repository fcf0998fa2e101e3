// Gradient-boosted trees (XGBoost, LightGBM, CatBoost): the estimators, the native training
// functions, and the callbacks and parameters that stop boosting early.

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
