import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { DENSE_CONVERSIONS, NUMPY_ARRAY_WRAPPERS, sparseSource, sparseUse, type SparseSource } from '../frameworks/sparse';
import { defineRule } from './rule';

/** Attributes read from a matrix that a sparse matrix has too. */
const NEUTRAL_ATTRIBUTES: ReadonlySet<string> = new Set(['shape', 'dtype', 'ndim']);

/** How far names are followed from the conversion (`X = …`, then `X_train, X_test = train_test_split(X, …)`). */
const MAX_DEPTH = 3;

/**
 * The models a value is fed to, following it through names and `train_test_split`; undefined when
 * some use may need it dense (anything but a model that takes sparse input, a split, or `.shape`).
 */
function modelsFed(model: Semantic, value: Node, depth: number): string[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const parent = model.parentOf(value);
  const list = parent?.type === 'keyword_argument' ? model.parentOf(parent) : parent;
  if (list?.type === 'argument_list') {
    const callNode = model.parentOf(list);
    if (callNode?.type !== 'call') return undefined;
    const call = model.callSite(callNode);
    const use = sparseUse(model, call, value);
    if (!use) return undefined;
    return use.use === 'model' ? [use.estimator] : splitOutputsFed(model, call, use.index, depth);
  }
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === value.id) {
    const name = parent.childForFieldName('left');
    return name?.type === 'identifier' ? nameFed(model, name, parent, depth + 1) : undefined;
  }
  return undefined;
}

/** `X_train, X_test, y_train, y_test = train_test_split(X, y, …)`: the models the parts of argument `index` are fed to. */
function splitOutputsFed(model: Semantic, split: CallSite, index: number, depth: number): string[] | undefined {
  const assignment = model.parentOf(split.node);
  const left = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === split.node.id ? assignment.childForFieldName('left') : null;
  if (left?.type !== 'pattern_list' && left?.type !== 'tuple_pattern') return undefined;
  const outputs = left.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const out: string[] = [];
  for (const part of [outputs[2 * index], outputs[2 * index + 1]]) {
    if (part?.type !== 'identifier') return undefined;
    const fed = nameFed(model, part, assignment!, depth + 1);
    if (!fed) return undefined;
    out.push(...fed);
  }
  return out;
}

/** The models a name assigned by `assignment` is fed to: every later use of that binding must take sparse input. */
function nameFed(model: Semantic, name: Node, assignment: Node, depth: number): string[] | undefined {
  const out: string[] = [];
  for (const id of model.identifiers(name.text)) {
    if (id.startIndex < assignment.endIndex) continue;
    // Only uses of this binding: the same scope, or a nested one that reads it.
    if (model.scopeOf(id).id !== model.scopeOf(assignment).id && !model.lookup(name.text, id).some((b) => b.node.id === assignment.id)) continue;
    const parent = model.parentOf(id);
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === id.id && NEUTRAL_ATTRIBUTES.has(parent.childForFieldName('attribute')?.text ?? '')) continue;
    // Assigned again, or used in any other way: it cannot be told that sparse would do.
    const fed = modelsFed(model, id, depth);
    if (!fed) return undefined;
    out.push(...fed);
  }
  return out;
}

/** A conversion: `X.toarray()` / `X.todense()`, or `np.asarray(X.todense())` as a whole. */
interface Conversion {
  /** The whole expression that makes the dense copy. */
  node: Node;
  /** The sparse matrix it copies. */
  sparse: Node;
  /** How it is spelled, for messages: `.toarray()`, `np.asarray(….todense())`. */
  spelled: string;
}

function conversionOf(model: Semantic, call: CallSite): Conversion | undefined {
  if (call.qualifiedName || !call.receiver || call.argumentList?.namedChildren.some((c) => c && c.type !== 'comment')) return undefined;
  let node = call.node;
  let spelled = `.${call.methodName}()`;
  const list = model.parentOf(call.node);
  const outer = list?.type === 'argument_list' ? model.parentOf(list) : undefined;
  if (outer?.type === 'call') {
    const wrapper = model.callSite(outer);
    if (wrapper.qualifiedName && NUMPY_ARRAY_WRAPPERS.has(wrapper.qualifiedName)) {
      // `np.asarray(X.todense(), dtype=…)` may change the dtype: left alone.
      if (wrapper.positional.length !== 1 || wrapper.keywords.size || wrapper.hasStarArgs || wrapper.hasStarKwargs) return undefined;
      node = outer;
      spelled = `${wrapper.callee.text}(….${call.methodName}())`;
    }
  }
  return { node, sparse: call.receiver, spelled };
}

function describeSource(source: SparseSource): string {
  if (source.kind === 'text') return `the sparse ${source.label} output`;
  if (source.kind === 'one-hot') return `the sparse ${source.label} output`;
  return `a sparse matrix (${source.label})`;
}

/** The edit that removes the conversion: the sparse matrix in its place, or the whole `X = X.toarray()` line. */
function removal(model: Semantic, edits: Edits, conversion: Conversion): TextEdit {
  const assignment = model.parentOf(conversion.node);
  const statement = assignment ? model.parentOf(assignment) : null;
  const block = statement ? model.parentOf(statement) : null;
  const sameName =
    assignment?.type === 'assignment' &&
    assignment.childForFieldName('right')?.id === conversion.node.id &&
    assignment.childForFieldName('left')?.text === conversion.sparse.text &&
    conversion.sparse.type === 'identifier';
  const siblings = block?.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
  if (sameName && statement?.type === 'expression_statement' && (block?.type === 'block' || block?.type === 'module') && siblings.length > 1) {
    const source = edits.source;
    const first = statement.startPosition.row;
    const last = statement.endPosition.row;
    // Alone on its lines: nothing before it on the first, nothing after it on the last (not even a comment).
    const alone = source.lineText(first).slice(0, statement.startPosition.column).trim() === '' && source.lineText(last).slice(statement.endPosition.column).trim() === '';
    if (alone) {
      const end = last + 1 < source.lineCount ? source.lineStart(last + 1) : source.text.length;
      return edits.replaceRange(source.lineStart(first), end, '');
    }
  }
  return edits.replace(conversion.node, conversion.sparse.text);
}

/**
 * ## What it flags
 *
 * `.toarray()` / `.todense()` (or `np.asarray(X.todense())`, `np.array(X.toarray())`) on a sparse
 * matrix — the output of a scikit-learn text vectorizer (`CountVectorizer`, `TfidfVectorizer`,
 * `HashingVectorizer`, `TfidfTransformer`, `FeatureHasher`), of `DictVectorizer` or `OneHotEncoder`
 * with their default sparse output, a `scipy.sparse` matrix, or the X of `load_svmlight_file` —
 * when the dense copy goes only to models that take sparse input as it is: scikit-learn's linear
 * models (`LogisticRegression`, `SGDClassifier`, `Ridge`, `LinearRegression`, …), naive Bayes
 * (`MultinomialNB`, `BernoulliNB`, `ComplementNB`), SVMs (`LinearSVC`, `SVC`, …), decision trees,
 * random forests, extra trees and gradient boosting; a grid or randomized search or a
 * cross-validation helper around one of them; XGBoost's and LightGBM's estimators, `xgb.DMatrix`
 * and `lgb.Dataset`. The value is followed through names and `train_test_split`.
 *
 * It stays quiet when any use of the dense copy may need it dense — an estimator that needs dense
 * input (`GaussianNB`, `HistGradientBoostingClassifier`, a `Pipeline`, a `StandardScaler`), a
 * tensor, indexing, arithmetic, a plot — when the copy feeds no model, when the encoder was told
 * `sparse_output=False`, and when what the matrix is cannot be read from the file. `np.asarray(X)`
 * alone is not a conversion (on a sparse matrix it makes a 0-d object array) and is not flagged.
 *
 * ## Why
 *
 * A text vectorizer's output has one column per vocabulary word and, in each row, non-zeros only
 * for the words of that document: typically well under 1 % of the entries. The sparse matrix
 * stores those; the dense copy stores every zero — rows × vocabulary × 8 bytes (float64), 800 MB
 * for 10,000 documents over a 10,000-word vocabulary — and the model then computes over every
 * zero too: a linear model's matrix products, naive Bayes' counts and a tree's split search all
 * cost time in proportion to the entries they read. scikit-learn's estimators listed above accept
 * scipy.sparse input and work on its non-zeros directly (its user guide: "sparse input … will
 * result in faster execution"). For text features the waste is certain (so a warning); for one-hot
 * codes and other sparse matrices it depends on their density (information).
 *
 * ## Example
 *
 * ```python
 * from sklearn.datasets import fetch_20newsgroups
 * from sklearn.feature_extraction.text import TfidfVectorizer
 * from sklearn.linear_model import LogisticRegression
 * from sklearn.model_selection import train_test_split
 *
 * news = fetch_20newsgroups(subset="train")
 * X = TfidfVectorizer(min_df=2).fit_transform(news.data).toarray()
 * X_train, X_test, y_train, y_test = train_test_split(X, news.target, random_state=0)
 * clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
 * print(clf.score(X_test, y_test))
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from sklearn.datasets import fetch_20newsgroups
 * from sklearn.feature_extraction.text import TfidfVectorizer
 * from sklearn.linear_model import LogisticRegression
 * from sklearn.model_selection import train_test_split
 *
 * news = fetch_20newsgroups(subset="train")
 * X = TfidfVectorizer(min_df=2).fit_transform(news.data)
 * X_train, X_test, y_train, y_test = train_test_split(X, news.target, random_state=0)
 * clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
 * print(clf.score(X_test, y_test))
 * ```
 *
 * ## Fix safety
 *
 * Unsafe. The model gets the same values in another layout, and its results are the same up to
 * floating-point rounding for most estimators — but not always bit for bit (some solvers take a
 * different code path for sparse input, e.g. `SVC` uses libsvm's sparse kernels, and
 * `LogisticRegression`'s `liblinear` and `saga` iterate over non-zeros). A `.todense()` result is
 * an `np.matrix`, whose `*` is a matrix product: code the rule did not see (another module, a
 * later cell run out of order) may rely on the dense layout.
 *
 * ## Measured here
 *
 * `bench/evidence/GML303`: 4,000 generated documents (Zipf-distributed words, 8 topics), TF-IDF
 * features (4,000 × 11,799, 0.51 % non-zero), `train_test_split`, `LogisticRegression(max_iter=300)`
 * fit and scored; `before.py` adds `.toarray()`, `after.py` does not. Same accuracy (0.984). Five runs
 * of each with `greenml run`, one thread per library, median (min–max):
 *
 * | | before (dense) | after (sparse) |
 * |---|---|---|
 * | energy (estimated from CPU time and memory) | 46.4 J (37.9–50.5) | 9.1 J (8.6–9.9): ×0.20 |
 * | CPU time of vectorize + fit + score (the scripts' own count) | 6.4–6.6 s | 0.8–0.9 s |
 * | feature matrix | 360 MiB | 2.8 MiB |
 * | peak memory of the process (one run, `/usr/bin/time`) | 885 MB | 153 MB |
 * | wall time | 70.1 s (30.3–73.4) | 10.1 s (7.1–14.6) |
 *
 * Machine: AMD EPYC, 2 cores shared with other work (load average about 14, so wall times are
 * unreliable; the energy follows CPU time), no RAPL: energy is estimated (TDP × CPU time, resident
 * memory × 0.375 W/GB). Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json
 * bench/evidence/GML303/result.json bench/evidence/GML303/before.py bench/evidence/GML303/after.py`.
 *
 * ## References
 *
 * - scikit-learn, *Text feature extraction — Sparsity*: https://scikit-learn.org/stable/modules/feature_extraction.html#sparsity
 * - scikit-learn, *Computational Performance — Influence of the input data representation*: https://scikit-learn.org/stable/computing/computational_performance.html#data-representation
 * - SciPy, *Sparse arrays (scipy.sparse)*: https://docs.scipy.org/doc/scipy/reference/sparse.html
 * - XGBoost, *Python Package Introduction — Data Interface* (CSR input): https://xgboost.readthedocs.io/en/stable/python/python_intro.html#data-interface
 */
export const denseSparseConversion = defineRule({
  code: 'GML303',
  name: 'dense-sparse-conversion',
  summary: 'Sparse features (vectorizer or one-hot output, a scipy.sparse matrix) are made dense with `.toarray()` / `.todense()` before a model that takes them sparse.',
  defaultSeverity: 'warning',
  frameworks: ['sklearn', 'scipy', 'xgboost', 'lightgbm'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    for (const method of DENSE_CONVERSIONS) {
      for (const call of sites.callsNamed(method)) {
        const conversion = conversionOf(model, call);
        const source = conversion && sparseSource(model, conversion.sparse);
        if (!conversion || !source) continue;
        const models = modelsFed(model, conversion.node, 0);
        if (!models?.length) continue;
        const names = [...new Set(models)].join(', ');
        report({
          node: conversion.node,
          severity: source.kind === 'text' ? undefined : 'information',
          message:
            `${conversion.spelled} makes a dense copy of ${describeSource(source)} before it is fed to ${names}, which takes sparse input as it is: ` +
            `the dense array stores every zero (rows × columns × 8 bytes) and the model computes over all of them.` +
            (source.kind === 'text'
              ? ' On our TF-IDF + LogisticRegression workload the sparse matrix took a fifth of the energy and a sixth of the memory.'
              : ' How much that costs depends on how sparse the matrix is.'),
          fixes: [{ title: `Feed the sparse matrix: remove ${conversion.spelled}`, edits: [removal(model, edits, conversion)] }],
        });
      }
    }
  },
});
