// Sparse features: what makes a scipy.sparse matrix (scikit-learn's text vectorizers, DictVectorizer,
// FeatureHasher and OneHotEncoder with their default sparse output, scipy.sparse constructors,
// load_svmlight_file), and what takes one as it is (the scikit-learn estimators, searches and
// cross-validation helpers that accept sparse X, XGBoost's and LightGBM's estimators and data sets).
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { truthiness } from '../analysis/values';
import { ESTIMATORS as GBDT_ESTIMATORS } from './gbdt';
import { CROSS_VALIDATION, MODEL_SELECTION } from './sklearn';

/** What kind of sparse matrix it is: text features (vocabulary-wide, almost all zeros), one-hot codes, or a scipy.sparse matrix of any density. */
export type SparseKind = 'text' | 'one-hot' | 'scipy';

export interface SparseSource {
  kind: SparseKind;
  /** For messages: `TfidfVectorizer`, `OneHotEncoder`, `scipy.sparse.csr_matrix`. */
  label: string;
}

const TEXT = 'sklearn.feature_extraction.text';

/**
 * Transformers whose `fit_transform` / `transform` return a scipy.sparse matrix, with the
 * parameters that switch that off (a literal False makes them dense; any other value is unknown).
 */
const SPARSE_TRANSFORMERS: Readonly<Record<string, { kind: SparseKind; dense: ReadonlyArray<[string, number | undefined]> }>> = {
  [`${TEXT}.CountVectorizer`]: { kind: 'text', dense: [] },
  [`${TEXT}.TfidfVectorizer`]: { kind: 'text', dense: [] },
  [`${TEXT}.HashingVectorizer`]: { kind: 'text', dense: [] },
  [`${TEXT}.TfidfTransformer`]: { kind: 'text', dense: [] },
  'sklearn.feature_extraction.FeatureHasher': { kind: 'text', dense: [] },
  // DictVectorizer(dtype, separator, sparse=True, sort=True)
  'sklearn.feature_extraction.DictVectorizer': { kind: 'one-hot', dense: [['sparse', 2]] },
  // OneHotEncoder(*, …, sparse_output=True) since 1.2; `sparse=` before 1.4.
  'sklearn.preprocessing.OneHotEncoder': { kind: 'one-hot', dense: [['sparse_output', undefined], ['sparse', undefined]] },
};

const TRANSFORM_METHODS: ReadonlySet<string> = new Set(['fit_transform', 'transform']);

/** scipy.sparse functions that return a sparse matrix or array. */
export const SCIPY_SPARSE_MAKERS: ReadonlySet<string> = new Set(
  ['csr_matrix', 'csc_matrix', 'coo_matrix', 'lil_matrix', 'dok_matrix', 'bsr_matrix', 'csr_array', 'csc_array', 'coo_array', 'random', 'hstack', 'vstack', 'load_npz'].map(
    (n) => `scipy.sparse.${n}`,
  ),
);

/** `X, y = load_svmlight_file(…)`: X is a CSR matrix. */
export const SVMLIGHT_LOADERS: ReadonlySet<string> = new Set(['sklearn.datasets.load_svmlight_file']);

/** scikit-learn estimators whose `fit` / `predict` take a scipy.sparse X as it is. */
export const SPARSE_INPUT_ESTIMATORS: ReadonlySet<string> = new Set([
  ...[
    'LogisticRegression',
    'LogisticRegressionCV',
    'SGDClassifier',
    'SGDRegressor',
    'Ridge',
    'RidgeCV',
    'RidgeClassifier',
    'RidgeClassifierCV',
    'Lasso',
    'ElasticNet',
    'LinearRegression',
    'Perceptron',
    'PassiveAggressiveClassifier',
    'PassiveAggressiveRegressor',
  ].map((n) => `sklearn.linear_model.${n}`),
  ...['MultinomialNB', 'BernoulliNB', 'ComplementNB'].map((n) => `sklearn.naive_bayes.${n}`),
  ...['LinearSVC', 'LinearSVR', 'SVC', 'SVR', 'NuSVC', 'NuSVR'].map((n) => `sklearn.svm.${n}`),
  ...['RandomForestClassifier', 'RandomForestRegressor', 'ExtraTreesClassifier', 'ExtraTreesRegressor', 'GradientBoostingClassifier', 'GradientBoostingRegressor'].map(
    (n) => `sklearn.ensemble.${n}`,
  ),
  ...['DecisionTreeClassifier', 'DecisionTreeRegressor'].map((n) => `sklearn.tree.${n}`),
  // XGBoost's and LightGBM's scikit-learn estimators take CSR (CatBoost's are left out).
  ...Object.entries(GBDT_ESTIMATORS)
    .filter(([, library]) => library !== 'catboost')
    .map(([q]) => q),
]);

/** Native data containers that take a CSR matrix: XGBoost's DMatrix, LightGBM's Dataset (their data argument first). */
export const SPARSE_INPUT_DATA: ReadonlySet<string> = new Set(['xgboost.DMatrix', 'xgboost.core.DMatrix', 'xgboost.QuantileDMatrix', 'lightgbm.Dataset', 'lightgbm.basic.Dataset']);

/** Estimator methods whose X (first argument) may be sparse. */
const ESTIMATOR_METHODS: ReadonlySet<string> = new Set(['fit', 'partial_fit', 'predict', 'predict_proba', 'predict_log_proba', 'decision_function', 'score']);

/** Searches that fit their estimator on the X given to their `fit` (the estimator first). */
const SEARCHES: ReadonlySet<string> = new Set(['GridSearchCV', 'RandomizedSearchCV', 'HalvingGridSearchCV', 'HalvingRandomSearchCV'].map((n) => `${MODEL_SELECTION}.${n}`));

export const TRAIN_TEST_SPLIT = `${MODEL_SELECTION}.train_test_split`;

/** The methods of a scipy.sparse matrix that return a dense copy (`.toarray()` an ndarray, `.todense()` an np.matrix). */
export const DENSE_CONVERSIONS = ['toarray', 'todense'] as const;

/** numpy functions that, around a `.todense()`, only turn the np.matrix into an ndarray: `np.asarray(X.todense())`. */
export const NUMPY_ARRAY_WRAPPERS: ReadonlySet<string> = new Set(['numpy.asarray', 'numpy.array', 'numpy.asanyarray']);

/** The value a name held just before a use: the last plain assignment to it that ends before the use (not the statement the use is in). */
function valueBefore(model: Semantic, id: Node): Node | undefined {
  const bindings = model.lookup(id.text, id).filter((b) => b.kind === 'assign' && b.value && b.node.endIndex <= id.startIndex);
  return bindings.at(-1)?.value;
}

/** The call an expression's value comes from, reading a name as the value it held before this use (so `X = X.toarray()` reads the earlier X). */
function originBefore(model: Semantic, expr: Node): CallSite | undefined {
  if (expr.type !== 'identifier') return model.originCall(expr);
  const value = valueBefore(model, expr);
  if (value) return model.originCall(value);
  // `X, y = load_svmlight_file(…)`: the first name of a destructuring assignment.
  const binding = model.lookup(expr.text, expr).filter((b) => b.node.type === 'assignment' && b.node.endIndex <= expr.startIndex).at(-1);
  const left = binding?.node.childForFieldName('left');
  const right = binding?.node.childForFieldName('right');
  if (right?.type !== 'call' || (left?.type !== 'pattern_list' && left?.type !== 'tuple_pattern')) return undefined;
  const loader = model.callSite(right);
  const first = left.namedChildren.find((c) => c && c.type !== 'comment');
  return first?.text === expr.text && SVMLIGHT_LOADERS.has(loader.qualifiedName ?? '') ? loader : undefined;
}

/** Whether an expression holds a scipy.sparse matrix, and of what kind; undefined when it does not or it cannot be told. */
export function sparseSource(model: Semantic, expr: Node): SparseSource | undefined {
  const origin = originBefore(model, expr);
  const q = origin?.qualifiedName;
  if (!origin) return undefined;
  if (q && SCIPY_SPARSE_MAKERS.has(q)) return { kind: 'scipy', label: q };
  if (q && SVMLIGHT_LOADERS.has(q)) return { kind: 'scipy', label: 'load_svmlight_file' };
  if (q || !TRANSFORM_METHODS.has(origin.methodName) || !origin.receiver) return undefined;
  const transformer = model.originCall(origin.receiver);
  const spec = transformer?.qualifiedName ? SPARSE_TRANSFORMERS[transformer.qualifiedName] : undefined;
  if (!transformer || !spec) return undefined;
  for (const [keyword, position] of spec.dense) {
    if (transformer.presence(keyword, position) === 'unknown') return undefined;
    const value = transformer.valueOf(keyword, position);
    // `sparse_output=False` is dense; a value that is not a literal may be either.
    if (value !== undefined && truthiness(value) !== true) return undefined;
  }
  return { kind: spec.kind, label: transformer.qualifiedName!.split('.').pop()! };
}

/** The scikit-learn estimator (or XGBoost/LightGBM one) an expression is built by, when it takes sparse input: its class name. */
function sparseEstimator(model: Semantic, expr: Node | undefined): string | undefined {
  const origin = expr ? model.originCall(expr) : undefined;
  const q = origin?.qualifiedName;
  if (!origin) return undefined;
  // `clf = LogisticRegression().fit(X, y)`: fit returns the estimator.
  if (!q && (origin.methodName === 'fit' || origin.methodName === 'set_params') && origin.receiver) return sparseEstimator(model, origin.receiver);
  if (!q) return undefined;
  if (SPARSE_INPUT_ESTIMATORS.has(q)) return q.split('.').pop();
  // GridSearchCV(LogisticRegression(), …): the estimator it fits.
  return SEARCHES.has(q) ? sparseEstimator(model, origin.argument('estimator', 0)) : undefined;
}

/**
 * What a call does with one of its arguments, as far as sparse input goes: `model` (a model that
 * takes it sparse: an estimator's fit/predict X, a search's or cross-validation's X, a DMatrix or a
 * LightGBM Dataset), `split` (train_test_split, whose outputs are followed), or undefined (anything
 * else: the value may need to be dense there).
 */
export function sparseUse(model: Semantic, call: CallSite, argument: Node): { use: 'model'; estimator: string } | { use: 'split'; index: number } | undefined {
  const q = call.qualifiedName;
  const keyword = call.keywords.get('X');
  const isX = (position: number) => (keyword ? keyword.value.id === argument.id : call.positional[position]?.id === argument.id);
  if (q && SPARSE_INPUT_DATA.has(q)) {
    const data = call.argument('data', 0);
    return data?.id === argument.id ? { use: 'model', estimator: q.split('.').pop()! } : undefined;
  }
  if (q && CROSS_VALIDATION.has(q)) {
    const estimator = sparseEstimator(model, call.argument('estimator', 0));
    return estimator && isX(1) ? { use: 'model', estimator } : undefined;
  }
  if (q === TRAIN_TEST_SPLIT) {
    const index = call.positional.findIndex((p) => p.id === argument.id);
    return index >= 0 && !call.hasStarArgs ? { use: 'split', index } : undefined;
  }
  if (q || !ESTIMATOR_METHODS.has(call.methodName) || !call.receiver) return undefined;
  const estimator = sparseEstimator(model, call.receiver);
  return estimator && isX(0) ? { use: 'model', estimator } : undefined;
}
