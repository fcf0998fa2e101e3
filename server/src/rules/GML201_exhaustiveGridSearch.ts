import type { CallSite } from '../analysis/model/calls';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { truthiness } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import type { Importer } from '../fixes/importer';
import { TUNE_GRID_SEARCH, TUNE_SKLEARN } from '../frameworks/raytune';
import { ENABLE_HALVING, GRID_SEARCH, MODEL_SELECTION, PARAMETER_GRID, foldCount, gridCandidates, plural, readsCvResultsPerCandidate } from '../frameworks/sklearn';
import { DEFAULT_GRID_SEARCH_MIN_FITS } from '../config/settings';
import { defineRule, type ReportedFix } from './rule';

const ENABLE_HALVING_IMPORT = 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401';

/**
 * The name a callee is written with replaced: `GridSearchCV` → imported `HalvingGridSearchCV` (over
 * the old name in its import when nothing else uses it, else beside it), `ms.GridSearchCV` →
 * `ms.HalvingGridSearchCV`. `importLine`: the row of the statement that imports the new name;
 * `newLine`: whether `importEdit` adds that statement as a line of its own.
 */
function renameCallee(
  edits: Edits,
  imports: Importer,
  call: CallSite,
  newName: string,
  module = MODEL_SELECTION,
): { edit: TextEdit; importEdit?: TextEdit; importLine?: number; newLine?: boolean } {
  if (call.callee.type === 'attribute') return { edit: edits.replace(call.callee.childForFieldName('attribute')!, newName) };
  const imported = call.qualifiedName ? imports.fromReplacing(module, newName, call.qualifiedName, call.callee) : imports.from(module, newName);
  const newLine = !!imported.edit && imported.row === undefined;
  const importLine = imported.row ?? imported.edit?.range.start.line;
  return { edit: edits.replace(call.callee, imported.name), importEdit: imported.edit, importLine, newLine };
}

/** Row of the first top-level `enable_halving_search_cv` import (from-import or `import sklearn.experimental.enable_halving_search_cv`). */
function enableHalvingRow(imports: Importer): number | undefined {
  let row: number | undefined;
  // `import sklearn.experimental.enable_halving_search_cv` binds `sklearn`; with `as`, the module itself.
  for (const b of imports.statementsOf([ENABLE_HALVING, 'sklearn'])) {
    let matches = b.qualified === ENABLE_HALVING;
    if (!matches && b.node.type === 'import_statement') {
      for (const child of b.node.namedChildren) {
        const name = child?.type === 'aliased_import' ? child.childForFieldName('name') : child;
        if (name && dotted(name) === ENABLE_HALVING) matches = true;
      }
    }
    if (matches && (row === undefined || b.node.startPosition.row < row)) row = b.node.startPosition.row;
  }
  return row;
}

function dotted(node: Node): string {
  if (node.type !== 'dotted_name') return node.text;
  return node.namedChildren.filter((c) => c && c.type === 'identifier').map((c) => c!.text).join('.');
}

function halvingFix(edits: Edits, call: CallSite): ReportedFix | undefined {
  // HalvingGridSearchCV scores a single metric only.
  const scoring = call.valueOf('scoring');
  if (scoring && ['list', 'tuple', 'set', 'dict'].includes(scoring.kind)) return undefined;
  const imports = edits.importer(call.node);
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, imports, call, 'HalvingGridSearchCV');
  changes.push(renamed.edit);
  const enableRow = enableHalvingRow(imports);
  // The experimental import must run before `from sklearn.model_selection import HalvingGridSearchCV`.
  const enableNeeded = renamed.importLine !== undefined && (enableRow === undefined || enableRow >= renamed.importLine);
  if (renamed.importEdit && renamed.newLine) {
    changes.push(enableNeeded ? { ...renamed.importEdit, newText: `${ENABLE_HALVING_IMPORT}${edits.eol}${renamed.importEdit.newText}` } : renamed.importEdit);
  } else if (renamed.importLine !== undefined) {
    if (renamed.importEdit) changes.push(renamed.importEdit);
    if (enableRow === undefined || enableRow >= renamed.importLine) {
      changes.push(edits.insertLine(renamed.importLine, `${edits.indentOf(renamed.importLine)}${ENABLE_HALVING_IMPORT}`));
    }
  } else if (enableRow === undefined) {
    // Attribute access (`ms.HalvingGridSearchCV`) happens at call time: a top-level import anywhere before works.
    const enable = imports.from('sklearn.experimental', 'enable_halving_search_cv', '  # noqa: F401');
    if (enable.edit) changes.push(enable.edit);
  }
  // HalvingGridSearchCV has no `pre_dispatch`, and returns train scores by default (extra scoring
  // work GridSearchCV did not do): keep GridSearchCV's `return_train_score=False`.
  const preDispatch = call.keywords.get('pre_dispatch');
  const keepTrainScore = call.presence('return_train_score') === 'absent';
  if (preDispatch && keepTrainScore) changes.push(edits.replace(preDispatch.node, 'return_train_score=False'));
  else if (preDispatch) changes.push(edits.removeKeywordArgument(call, 'pre_dispatch')!);
  else if (keepTrainScore) changes.push(edits.addKeywordArguments(call, [['return_train_score', 'False']]));
  return { title: 'Replace GridSearchCV with successive halving (HalvingGridSearchCV)', edits: changes };
}

/**
 * How many candidates a random search samples: a third of a literal grid's, at least two (one
 * candidate is no search), and only when that is fewer than the grid holds (sampling them all is the
 * grid again); 10, scikit-learn's default, when the grid is not literal.
 */
function sampleSize(candidates: number | undefined): number | undefined {
  if (candidates === undefined) return 10;
  const n = Math.max(2, Math.round(candidates / 3));
  return n < candidates ? n : undefined;
}

function randomizedFix(edits: Edits, call: CallSite, candidates: number | undefined): ReportedFix | undefined {
  const nIter = sampleSize(candidates);
  if (nIter === undefined) return undefined;
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, edits.importer(call.node), call, 'RandomizedSearchCV');
  changes.push(renamed.edit);
  if (renamed.importEdit) changes.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  const added: Array<[string, string]> = [];
  if (call.presence('n_iter') === 'absent') added.push(['n_iter', String(nIter)]);
  if (call.presence('random_state') === 'absent') added.push(['random_state', '0']);
  if (added.length) changes.push(edits.addKeywordArguments(call, added));
  return { title: `Replace GridSearchCV with RandomizedSearchCV(n_iter=${nIter})`, edits: changes };
}

/** tune-sklearn: `TuneGridSearchCV` → `TuneSearchCV(…, n_trials=…)`, whose default search samples at random. */
function tuneRandomFix(edits: Edits, call: CallSite, candidates: number | undefined): ReportedFix | undefined {
  const nTrials = sampleSize(candidates);
  if (nTrials === undefined) return undefined;
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, edits.importer(call.node), call, 'TuneSearchCV', TUNE_SKLEARN);
  changes.push(renamed.edit);
  if (renamed.importEdit) changes.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  const added: Array<[string, string]> = [];
  if (call.presence('n_trials') === 'absent') added.push(['n_trials', String(nTrials)]);
  if (call.presence('random_state') === 'absent') added.push(['random_state', '0']);
  if (added.length) changes.push(edits.addKeywordArguments(call, added));
  return { title: `Replace TuneGridSearchCV with TuneSearchCV(n_trials=${nTrials}) (random search)`, edits: changes };
}

/** Whether a call is the iterable of a `for` loop or comprehension (where ParameterSampler can stand in). */
function isLoopIterable(call: CallSite): boolean {
  const parent = call.node.parent;
  if (!parent) return false;
  if (parent.type === 'for_statement' || parent.type === 'for_in_clause') return parent.childForFieldName('right')?.id === call.node.id;
  return false;
}

function samplerFix(edits: Edits, call: CallSite, candidates: number | undefined): ReportedFix | undefined {
  const nIter = sampleSize(candidates);
  if (nIter === undefined || !isLoopIterable(call) || !call.argument('param_grid', 0) || call.hasStarArgs || call.hasStarKwargs) return undefined;
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, edits.importer(call.node), call, 'ParameterSampler');
  changes.push(renamed.edit);
  if (renamed.importEdit) changes.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  changes.push(edits.addKeywordArguments(call, [['n_iter', String(nIter)], ['random_state', '0']]));
  return { title: `Sample ${nIter} combinations with ParameterSampler instead`, edits: changes };
}

/**
 * ## What it flags
 *
 * Exhaustive hyperparameter searches in scikit-learn:
 *
 * - `sklearn.model_selection.GridSearchCV(...)`, which fits every combination of `param_grid` in
 *   every cross-validation fold and then refits the best one on all the data;
 * - `sklearn.model_selection.ParameterGrid(...)`, which enumerates every combination for a
 *   hand-written loop;
 * - tune-sklearn's `TuneGridSearchCV(...)`, a drop-in for `GridSearchCV` (same arguments, `cv=5`
 *   by default) whose fits Ray runs — unless its `early_stopping=` ends poor candidates early.
 *
 * Other libraries' grid searches (Ray Tune's `tune.grid_search`, CatBoost's `grid_search`, Optuna's
 * `GridSampler`) are [GML204](GML204.md).
 *
 * Names are resolved through imports and aliases (`from sklearn.model_selection import GridSearchCV as GS`,
 * `import sklearn.model_selection as ms`); a local function or class that happens to be called
 * `GridSearchCV` is not flagged.
 *
 * When the grid and `cv` are literal, the message gives the cost: the sum over the grid's dicts of
 * the product of their value counts (the candidates), times the folds. Folds are read from
 * `cv=None` or an absent `cv` (5, scikit-learn's default), an integer, or a splitter built in the
 * file (`KFold(3)`, `StratifiedKFold(n_splits=4)`, `RepeatedKFold(n_splits=5, n_repeats=2)` = 10,
 * `ShuffleSplit()` = 10, …). For example `{"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1]}`
 * with `cv=5` is reported as *12 candidates × 5 folds = 60 fits (+1 refit)*. When the grid or the
 * folds come from a variable or a function, the rule still warns — the search is exhaustive either
 * way — but the message says the count is not known instead of guessing one.
 *
 * A search too small for halving or random sampling to save much is not reported: when the number
 * of fits is literal and below the `grid-search-min-fits` setting (20 by default;
 * `greenml.gridSearchMinFits` in the editor), e.g. a 2-value grid with `cv=3` (6 fits) or a
 * `ParameterGrid` of one candidate (a `ParameterGrid` counts its combinations, the trainings its loop
 * runs at least). A search whose size is not known is still reported, whatever the setting.
 *
 * ## Why
 *
 * A grid's cost is multiplicative: every new list multiplies the number of fits, and most of those
 * fits go to settings that are clearly bad after a fraction of the data or a handful of tries.
 *
 * - Bergstra and Bengio showed that random search finds models as good as or better than grid
 *   search "within a small fraction of the computation time", because only a few hyperparameters
 *   matter and a grid spends most of its budget repeating values of the unimportant ones. With 60
 *   random draws there is a 95 % chance of landing in the best 5 % of the search space
 *   (1 − 0.95⁶⁰ ≈ 0.954), whatever the size of the grid.
 * - Successive halving (Jamieson and Talwalkar; Hyperband, Li et al.) trains every candidate on a
 *   small share of the samples and only keeps the best third for the next, larger round; it reports
 *   order-of-magnitude speed-ups over exhaustive evaluation at equal quality.
 * - Yarally et al. (CAIN 2023) measured the energy of hyperparameter-optimisation strategies for
 *   deep-learning training: grid search used the most energy for the accuracy reached; random and
 *   Bayesian search reached comparable accuracy for much less.
 * - Measured here (scikit-learn 1.2.1, one AMD EPYC core, the `test/fixtures/scripts/sklearn_gridsearch_svc.py`
 *   grid: `StandardScaler` + `SVC`, 4 × 3 candidates, 5 folds, digits data): `GridSearchCV` 3.26 s CPU,
 *   `HalvingGridSearchCV` 0.81 s, `RandomizedSearchCV(n_iter=4)` 0.78 s — all three picked a model
 *   with the same 0.982 test accuracy.
 *
 * ## Example
 *
 * ```python
 * from sklearn.model_selection import GridSearchCV
 * from sklearn.svm import SVC
 *
 * param_grid = {"C": [0.1, 1, 10, 100], "gamma": [1e-4, 1e-3, 1e-2]}
 * search = GridSearchCV(SVC(), param_grid, scoring="accuracy")  # 12 candidates × 5 folds = 60 fits
 * search.fit(X_train, y_train)
 * ```
 *
 * ## Fixed example
 *
 * First fix — successive halving:
 *
 * ```python
 * from sklearn.experimental import enable_halving_search_cv  # noqa: F401
 * from sklearn.model_selection import HalvingGridSearchCV
 * from sklearn.svm import SVC
 *
 * param_grid = {"C": [0.1, 1, 10, 100], "gamma": [1e-4, 1e-3, 1e-2]}
 * search = HalvingGridSearchCV(SVC(), param_grid, scoring="accuracy", return_train_score=False)
 * search.fit(X_train, y_train)
 * ```
 *
 * Second fix — a random sample of a third of the candidates:
 *
 * ```python
 * from sklearn.model_selection import RandomizedSearchCV
 * from sklearn.svm import SVC
 *
 * param_grid = {"C": [0.1, 1, 10, 100], "gamma": [1e-4, 1e-3, 1e-2]}
 * search = RandomizedSearchCV(SVC(), param_grid, scoring="accuracy", n_iter=4, random_state=0)
 * search.fit(X_train, y_train)
 * ```
 *
 * For a `ParameterGrid` loop (`for params in ParameterGrid(grid):`), the fix samples with
 * `ParameterSampler(grid, n_iter=…, random_state=0)`; it is only offered where the grid is iterated
 * directly, because `ParameterSampler` cannot be indexed like a `ParameterGrid`.
 *
 * ## Fix safety
 *
 * Unsafe: both fixes evaluate fewer candidates, so they may pick a different (usually equally good)
 * setting.
 *
 * - `HalvingGridSearchCV` is experimental in scikit-learn (since 0.24): it only exists after
 *   `from sklearn.experimental import enable_halving_search_cv`, which has side effects and looks
 *   unused. The fix adds it with `# noqa: F401` (so Ruff/flake8 keep it) and places it before the
 *   `from sklearn.model_selection import …` statement that imports `HalvingGridSearchCV`; with
 *   `ms.HalvingGridSearchCV` attribute access, any top-level position works.
 * - Imports: the new name is written over `GridSearchCV` in its own `from sklearn.model_selection
 *   import …` statement when nothing else in the file uses `GridSearchCV` (so no unused import is
 *   left); otherwise it joins that statement (`import GridSearchCV, HalvingGridSearchCV`,
 *   parenthesised multi-line forms in their layout), wherever it stands. When the new name is
 *   imported already — as after an earlier search's fix, when all fixes of a file are applied
 *   (`greenml check --fix`) — the fix of the last search that uses `GridSearchCV` takes it out of
 *   its statement (the whole statement when it imports nothing else), so two searches fixed leave
 *   `from sklearn.model_selection import HalvingGridSearchCV` alone. When `GridSearchCV` does not
 *   come from such a statement, the new name joins the import block's `from sklearn.model_selection
 *   import …`, or gets a line of its own when there is none. Each import is added once.
 * - Its defaults differ from `GridSearchCV`: `return_train_score=True` (extra scoring of every
 *   training split), so the fix writes `return_train_score=False` unless you set it; `cv=5` equals
 *   `GridSearchCV`'s `cv=None`. `pre_dispatch` does not exist on `HalvingGridSearchCV` and is removed.
 *   Multi-metric `scoring` (a list or dict) is not supported by halving, so that fix is not offered
 *   there. Halving needs enough samples per class for its first, smallest round; on very small data
 *   sets prefer the random-search fix.
 * - tune-sklearn: `TuneGridSearchCV` becomes `TuneSearchCV` (random search by default) with
 *   `param_grid=` renamed to `param_distributions=`, `n_trials` a third of the candidates (10 when
 *   the grid is not literal) and `random_state=0`; the import is edited as above.
 * - `RandomizedSearchCV` takes the same arguments, with `param_grid=` renamed to
 *   `param_distributions=`; lists are sampled without replacement. The fix sets `n_iter` to a third
 *   of the candidates when the grid is literal (10, scikit-learn's default, otherwise) and
 *   `random_state=0` so results stay reproducible, as a grid search's are. It samples at least two
 *   candidates, and is not offered when that would be all of them (a grid of two): the same holds
 *   for `n_trials` and for `ParameterSampler`'s `n_iter`.
 * - Every fix here changes the rows of `cv_results_`: halving has one per candidate per round (a
 *   grid of 18 gave 18 + 6 + 2 = 26 rows), a random search (`RandomizedSearchCV`, tune-sklearn's
 *   `TuneSearchCV`) one per sampled candidate, in sampled order. When the file reads a search's
 *   `cv_results_` as one row per grid candidate, the finding stays but no fix is offered: a
 *   `.reshape(…)` or `np.reshape(…)` of anything taken from it
 *   (`grid.cv_results_["mean_test_score"].reshape(3, -1)` for a heatmap, directly or through names,
 *   `np.array(…)`, `pd.DataFrame(…)` and its columns), an index or slice at a literal position
 *   (`scores[5]`, `results.iloc[:4]`), or a call that pairs it with a literal sequence as long as
 *   the grid (`plt.semilogx(alphas, grid.cv_results_["mean_test_score"])`). The search is followed
 *   through the name it is assigned to (or its `.fit(…)`, which returns it), where that assignment
 *   reaches the read, so a later search under the same name is told apart. Reads that hold with any
 *   number of rows (`pd.DataFrame(grid.cv_results_)`, `.head()`, `.max()`, `best_params_`,
 *   `best_score_`) keep the fixes, and so does a read through a name that is not followed (a
 *   function's parameter).
 *
 * Both fixed versions of the fixture above were run with Debian's scikit-learn 1.2 in this project's tests.
 *
 * ## Measured here
 *
 * `bench/evidence/GML201/`: `SVC` on generated data (`make_classification`, 3 000 samples × 20
 * features; 2 250 searched, 750 held out for the test score), the grid `C` × `gamma` = 8 × 8 = 64
 * candidates, `cv=5`, scikit-learn 1.2.1. Median of 5 runs (min–max), one thread each; energy is
 * estimated from CPU time (no RAPL on this machine), so it tracks the CPU time:
 *
 * | search | fits | CPU time | energy | test accuracy | best CV score |
 * |---|---|---|---|---|---|
 * | `GridSearchCV` | 320 (+1 refit) | 42.3 s (38.8–43.2) | 177 J (161–183) | 0.917 | 0.902 |
 * | `HalvingGridSearchCV` | 485 (+1 refit): 64, 22, 8, 3 candidates on 83, 249, 747, 2 241 samples | 3.5 s (3.4–4.5) | 15.7 J (15.1–19.6) | 0.900 | 0.893 |
 * | `RandomizedSearchCV(n_iter=21)` | 105 (+1 refit) | 15.4 s (14.6–18.3) | 66 J (63–76) | 0.903 | 0.897 |
 *
 * Halving used 0.09× the grid's energy, random search 0.37×. On this data set both picked a setting
 * that scored 1.7 and 1.5 points of test accuracy below the grid's pick (with 750 test samples the
 * standard error of an accuracy near 0.9 is about 1.1 points). On three more data sets of the same
 * shape (`DATA_SEED=1`, `2`, `3` in the scripts' environment) halving's pick scored +1.2, 0.0 and
 * +0.9 points against the grid's and random search's 0.0, 0.0 and +0.5: over the four data sets the
 * mean test accuracy was 0.898 (grid), 0.899 (halving) and 0.896 (random). The saving is certain;
 * an equally good pick is usual, not guaranteed. The halving script sets `random_state=0` so that its
 * subsamples are reproducible (the fix does not add it).
 *
 * Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML201/result.json bench/evidence/GML201/before.py bench/evidence/GML201/after.py bench/evidence/GML201/after_random.py`.
 * Machine: a VM with 2 vCPUs of an AMD EPYC (family 26, model 2), 24 GiB, Debian 12, Python 3.11,
 * shared with other engineers' builds and tests (load average 10–16 during the runs), so wall
 * times (median 172.7 s → 13.0 s and 58.9 s) are inflated and spread; CPU time is the comparable
 * figure.
 *
 * ## References
 *
 * - J. Bergstra, Y. Bengio, *Random Search for Hyper-Parameter Optimization*, JMLR 13 (2012) 281–305.
 * - K. Jamieson, A. Talwalkar, *Non-stochastic Best Arm Identification and Hyperparameter Optimization*, AISTATS 2016.
 * - L. Li et al., *Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization*, JMLR 18 (2018).
 * - T. Yarally et al., *Uncovering Energy-Efficient Practices in Deep Learning Training*, CAIN 2023.
 * - scikit-learn, *Searching for optimal parameters with successive halving*: https://scikit-learn.org/stable/modules/grid_search.html#successive-halving-user-guide
 * - scikit-learn API: `GridSearchCV`, `HalvingGridSearchCV`, `RandomizedSearchCV`, `sklearn.experimental.enable_halving_search_cv`: https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.HalvingGridSearchCV.html
 * - tune-sklearn, `TuneGridSearchCV` and `TuneSearchCV`: https://docs.ray.io/en/releases-2.7.0/tune/api/sklearn.html
 */
export const exhaustiveGridSearch = defineRule({
  code: 'GML201',
  name: 'exhaustive-grid-search',
  summary: 'GridSearchCV / ParameterGrid / TuneGridSearchCV try every combination of the grid; successive halving or random search need a fraction of the fits.',
  defaultSeverity: 'warning',
  frameworks: ['sklearn', 'tune_sklearn'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, options, report }) {
    const minFits = options.gridSearchMinFits ?? DEFAULT_GRID_SEARCH_MIN_FITS;
    for (const call of sites.callsTo([GRID_SEARCH, PARAMETER_GRID, ...TUNE_GRID_SEARCH])) {
      const isGrid = call.qualifiedName === PARAMETER_GRID;
      const isTune = TUNE_GRID_SEARCH.includes(call.qualifiedName!);
      const gridNode = call.argument('param_grid', isGrid ? 0 : 1);
      const candidates = gridNode ? gridCandidates(model.evaluate(gridNode)) : undefined;
      if (isGrid) {
        // The loop trains at least once per combination: fewer combinations than the threshold is too small a search.
        if (candidates !== undefined && candidates < minFits) continue;
        const size = candidates === undefined ? 'every combination of the grid' : `all ${plural(candidates, 'combination')} of the grid`;
        const fix = samplerFix(edits, call, candidates);
        report({
          node: call.callee,
          message:
            `ParameterGrid enumerates ${size}, so the loop trains one model per combination: an exhaustive search whose cost grows ` +
            'with the product of the value counts. Random sampling (ParameterSampler), successive halving or Optuna reach comparable scores with a fraction of the trainings.',
          fixes: fix ? [fix] : [],
        });
        continue;
      }
      // tune-sklearn's early_stopping= (a scheduler, or True for ASHA) ends poor candidates early.
      if (isTune && call.presence('early_stopping') !== 'absent') {
        const stop = call.valueOf('early_stopping');
        if (!stop || truthiness(stop) !== false) continue;
      }
      const folds = foldCount(model, call);
      if (candidates !== undefined && folds !== undefined && candidates * folds < minFits) continue;
      const refitValue = call.valueOf('refit');
      const refit = refitValue === undefined ? true : truthiness(refitValue);
      let cost: string;
      if (candidates !== undefined && folds !== undefined) {
        cost = `${plural(candidates, 'candidate')} × ${plural(folds, 'fold')} = ${plural(candidates * folds, 'fit')}${refit === true ? ' (+1 refit)' : ''}`;
      } else if (candidates !== undefined) {
        cost = `${plural(candidates, 'candidate')}, each fitted once per CV fold (fold count not known statically)`;
      } else {
        cost = 'every grid combination in every CV fold (grid size not known statically)';
      }
      // Both fixes change cv_results_'s rows (one per candidate per round, or fewer): code that
      // reads them as the grid's (a heatmap's reshape) would break.
      const fixable = !readsCvResultsPerCandidate(model, call, candidates);
      if (isTune) {
        report({
          node: call.callee,
          message:
            `TuneGridSearchCV is exhaustive: ${cost}. TuneSearchCV samples a fixed number of trials at random (or with Bayesian optimisation), ` +
            'and early_stopping= (an ASHA scheduler) ends poor candidates after a few iterations; either usually finds an equally good setting for a fraction of the compute.',
          fixes: fixable ? [tuneRandomFix(edits, call, candidates)].filter((f): f is ReportedFix => !!f) : [],
        });
        continue;
      }
      const fixes: ReportedFix[] = [];
      const halving = fixable ? halvingFix(edits, call) : undefined;
      if (halving) fixes.push(halving);
      const randomized = fixable ? randomizedFix(edits, call, candidates) : undefined;
      if (randomized) fixes.push(randomized);
      report({
        node: call.callee,
        message:
          `GridSearchCV is exhaustive: ${cost}. Successive halving (HalvingGridSearchCV) trains most candidates on a fraction of the data, ` +
          'and RandomizedSearchCV samples a fixed budget; both usually find an equally good setting for a fraction of the compute.',
        fixes,
      });
    }
  },
});
