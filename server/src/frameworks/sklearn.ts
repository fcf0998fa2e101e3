// scikit-learn: the exhaustive searches, cross-validation splitters and their fold counts, the
// estimators with built-in early stopping, and the functions that train a model.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { numberValue, type Value } from '../analysis/values';

export const MODEL_SELECTION = 'sklearn.model_selection';
export const GRID_SEARCH = `${MODEL_SELECTION}.GridSearchCV`;
export const PARAMETER_GRID = `${MODEL_SELECTION}.ParameterGrid`;
/** The import that makes `HalvingGridSearchCV` importable, which must run first. */
export const ENABLE_HALVING = 'sklearn.experimental.enable_halving_search_cv';

export const CROSS_VALIDATION: ReadonlySet<string> = new Set([
  'sklearn.model_selection.cross_val_score',
  'sklearn.model_selection.cross_validate',
  'sklearn.model_selection.cross_val_predict',
]);

/** CV splitters: where `n_splits` is given (positional index, or keyword only) and its default; repeats multiply. */
const SPLITTERS: Readonly<Record<string, { position?: number; splits: number; repeats?: number }>> = {
  KFold: { position: 0, splits: 5 },
  StratifiedKFold: { position: 0, splits: 5 },
  GroupKFold: { position: 0, splits: 5 },
  StratifiedGroupKFold: { position: 0, splits: 5 },
  TimeSeriesSplit: { position: 0, splits: 5 },
  ShuffleSplit: { position: 0, splits: 10 },
  StratifiedShuffleSplit: { position: 0, splits: 10 },
  GroupShuffleSplit: { position: 0, splits: 5 },
  RepeatedKFold: { splits: 5, repeats: 10 },
  RepeatedStratifiedKFold: { splits: 5, repeats: 10 },
};

/** `1 candidate`, `20 fits`: the counts the search rules' messages print. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Number of parameter combinations of a literal grid: a dict (∏ value counts) or a list of dicts (their sum). */
export function gridCandidates(grid: Value): number | undefined {
  if (grid.kind === 'dict') {
    let n = 1;
    for (const e of grid.entries) {
      const v = e.value;
      if (v.kind !== 'list' && v.kind !== 'tuple' && v.kind !== 'set') return undefined;
      n *= v.items.length;
    }
    return n;
  }
  if (grid.kind === 'list' || grid.kind === 'tuple') {
    let sum = 0;
    for (const item of grid.items) {
      const n = gridCandidates(item);
      if (n === undefined || item.kind !== 'dict') return undefined;
      sum += n;
    }
    return sum;
  }
  return undefined;
}

/** Number of CV folds a search or cross-validation runs: 5 when `cv` is absent or None, the literal int, or a known splitter's n_splits. */
export function foldCount(model: Semantic, call: CallSite): number | undefined {
  const node = call.argument('cv');
  if (!node) return call.presence('cv') === 'unknown' ? undefined : 5;
  const v = model.evaluate(node);
  if (v.kind === 'none') return 5;
  if (v.kind === 'number') return Number.isInteger(v.value) && v.value >= 2 ? v.value : undefined;
  if (v.kind !== 'unknown') return undefined;
  const origin = model.originCall(node);
  const q = origin?.qualifiedName;
  if (!origin || !q || !q.startsWith(`${MODEL_SELECTION}.`)) return undefined;
  const splitter = SPLITTERS[q.slice(MODEL_SELECTION.length + 1)];
  if (!splitter) return undefined;
  const count = (kw: string, position: number | undefined, fallback: number): number | undefined => {
    const value = origin.valueOf(kw, position);
    if (value === undefined) return fallback;
    const n = numberValue(value);
    return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
  };
  const splits = count('n_splits', splitter.position, splitter.splits);
  const repeats = splitter.repeats === undefined ? 1 : count('n_repeats', undefined, splitter.repeats);
  return splits !== undefined && repeats !== undefined ? splits * repeats : undefined;
}

/** How an estimator's built-in early stopping is switched on. */
export type EarlyStoppingKind = 'flag' | 'iterations' | 'hist';

export interface EarlyStoppingEstimator {
  kind: EarlyStoppingKind;
  /** What the estimator iterates over, for messages. */
  unit: string;
  /** The parameter capping the iterations and its default. */
  cap: [string, number];
}

/**
 * Estimators with a validation-based early stop worth turning on, by qualified name. The linear
 * models that have one too (`SGDClassifier`, `Perceptron`, `PassiveAggressive*`) are left out: they
 * already stop on a training-loss plateau, and the validation stop saved little when measured.
 */
export const EARLY_STOPPING_ESTIMATORS: Readonly<Record<string, EarlyStoppingEstimator>> = {
  'sklearn.neural_network.MLPClassifier': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 200] },
  'sklearn.neural_network.MLPRegressor': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 200] },
  'sklearn.ensemble.GradientBoostingClassifier': { kind: 'iterations', unit: 'boosting stages', cap: ['n_estimators', 100] },
  'sklearn.ensemble.GradientBoostingRegressor': { kind: 'iterations', unit: 'boosting stages', cap: ['n_estimators', 100] },
  'sklearn.ensemble.HistGradientBoostingClassifier': { kind: 'hist', unit: 'boosting iterations', cap: ['max_iter', 100] },
  'sklearn.ensemble.HistGradientBoostingRegressor': { kind: 'hist', unit: 'boosting iterations', cap: ['max_iter', 100] },
};
