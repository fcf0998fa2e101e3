// scikit-learn: the exhaustive searches, cross-validation splitters and their fold counts, the
// estimators with built-in early stopping, and the functions that train a model.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { sameNode } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
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

/** Calls that keep the rows of what they are given, in order: arrays, frames and series of it. */
const ROW_KEEPING_CALLS: ReadonlySet<string> = new Set(['numpy.array', 'numpy.asarray', 'numpy.asanyarray', 'pandas.DataFrame', 'pandas.Series']);
const ROW_KEEPING_BUILTINS: ReadonlySet<string> = new Set(['list', 'tuple']);
/** Methods of an array, frame or series whose result keeps its rows, in order. */
const ROW_KEEPING_METHODS: ReadonlySet<string> = new Set(['to_numpy', 'tolist', 'astype', 'copy', 'ravel', 'flatten']);

/** A subscript whose (first) index is a literal position: `scores[3]`, `scores[-1]`, `scores[:6]`, `results.iloc[0, 2]`. */
function atLiteralPosition(model: Semantic, subscript: Node): boolean {
  const index = subscript.childForFieldName('subscript');
  if (!index) return false;
  if (index.type === 'slice') return index.namedChildren.some((bound) => !!bound && model.evaluate(bound).kind === 'number');
  return model.evaluate(index).kind === 'number';
}

/** A call that returns its argument's rows in order: `np.array(x)`, `pd.DataFrame(x)`, `list(x)`. */
function keepsRows(model: Semantic, call: CallSite): boolean {
  const q = call.qualifiedName;
  if (q) return ROW_KEEPING_CALLS.has(q);
  return call.callee.type === 'identifier' && ROW_KEEPING_BUILTINS.has(call.callee.text) && model.lookup(call.callee.text, call.callee).length === 0;
}

/** Another argument of a call that is a literal sequence as long as the grid (`plt.plot(param_grid["C"], scores)`). */
function besideGridLongSequence(model: Semantic, args: Node, read: Node, candidates: number): boolean {
  return args.namedChildren.some((arg) => {
    const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
    if (!value || sameNode(value, read)) return false;
    const v = model.evaluate(value);
    return (v.kind === 'list' || v.kind === 'tuple') && v.items.length === candidates;
  });
}

/**
 * Whether the file reads a search's `cv_results_` as holding one row per grid candidate, in grid
 * order — which HalvingGridSearchCV (one row per candidate per round) and a random search (fewer
 * rows, in sampled order) break. Followed from the name the search is assigned to (or its
 * `.fit(…)`, which returns the search), where that assignment reaches the use; through subscripts,
 * attributes, row-keeping conversions (`np.array`, `pd.DataFrame`, `.to_numpy()`) and names
 * assigned them. Counted: a `.reshape(…)` or `np.reshape(…)` of it, an index or slice at a literal
 * position, or a call that pairs it with a literal sequence as long as the grid (`candidates`, when
 * known). A search whose name is not followed (a parameter, an attribute) counts as not read.
 */
export function readsCvResultsPerCandidate(model: Semantic, search: CallSite, candidates: number | undefined): boolean {
  const values: Node[] = [search.node];
  const fit = model.parentOf(search.node);
  if (fit?.type === 'attribute' && fit.childForFieldName('attribute')?.text === 'fit') {
    const fitCall = model.parentOf(fit);
    if (fitCall?.type === 'call') values.push(fitCall);
  }
  const work: Node[] = [];
  for (const value of values) {
    for (const use of model.usesOfValue(value)) {
      const attribute = model.parentOf(use);
      if (attribute?.type === 'attribute' && sameNode(attribute.childForFieldName('object'), use) && attribute.childForFieldName('attribute')?.text === 'cv_results_') {
        work.push(attribute);
      }
    }
  }
  const seen = new Set<number>();
  for (let read = work.pop(); read && seen.size < 100; read = work.pop()) {
    if (seen.has(read.id)) continue;
    seen.add(read.id);
    const parent = model.parentOf(read);
    if (parent?.type === 'parenthesized_expression') work.push(parent);
    else if (parent?.type === 'assignment' && sameNode(parent.childForFieldName('right'), read)) work.push(...model.usesOfValue(read));
    else if (parent?.type === 'subscript' && sameNode(parent.childForFieldName('value'), read)) {
      if (atLiteralPosition(model, parent)) return true;
      work.push(parent);
    } else if (parent?.type === 'attribute' && sameNode(parent.childForFieldName('object'), read)) {
      const name = parent.childForFieldName('attribute')?.text ?? '';
      const call = model.parentOf(parent);
      if (call?.type !== 'call' || !sameNode(call.childForFieldName('function'), parent)) work.push(parent); // `.values`, `.iloc`, a column
      else if (name === 'reshape') return true;
      else if (ROW_KEEPING_METHODS.has(name)) work.push(call);
    } else if (parent?.type === 'argument_list') {
      const call = model.parentOf(parent);
      if (call?.type !== 'call') continue;
      const site = model.callSite(call);
      if (site.qualifiedName === 'numpy.reshape' && sameNode(site.positional[0], read)) return true;
      if (candidates !== undefined && besideGridLongSequence(model, parent, read, candidates)) return true;
      if (keepsRows(model, site) && sameNode(site.positional[0], read)) work.push(call);
    }
  }
  return false;
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
