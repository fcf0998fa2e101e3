import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { UNKNOWN, dictGet, numberValue, type Value } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import {
  CATBOOST_BUDGET_PARAMS,
  CATBOOST_CV,
  CATBOOST_EARLY_STOPPING_PARAMS,
  CATBOOST_SEARCHES,
  ESTIMATORS,
  GBDT_PACKAGES,
  LABEL,
  LGB_EARLY_STOPPING,
  LGB_CV,
  LGB_CV_STOPPING_POSITION,
  LGB_EARLY_STOPPING_PARAMS,
  LGB_TRAIN,
  XGB_CV,
  XGB_CV_STOPPING_POSITION,
  XGB_TRAIN,
  xgbStopsOnDirectedMetric,
  type BoostingLibrary,
} from '../frameworks/gbdt';
import { callbacksState, catboostParams, combine, dictParamsState, keywordState, paramState } from '../frameworks/gbdtStopping';
import { keywordValue } from '../frameworks/keywordArguments';
import { defineRule } from './rule';
import { lastName } from '../analysis/qualifiedName';

/** Early-stopping patience the fixes write (boosting rounds without improvement). */
export const PATIENCE = 50;

/**
 * A literal round budget this large, trained with no validation data at all, is reported (as
 * information): the budgets of real scripts that overfit without early stopping start here.
 */
export const LARGE_BUDGET = 500;

/** How each API gets early stopping once a validation split exists, for the no-eval-set message. */
const HOW_TO_STOP: Readonly<Record<string, string>> = {
  xgboost: `pass it as eval_set=[(X_val, y_val)] to fit() with early_stopping_rounds=${PATIENCE} in the constructor`,
  lightgbm: `pass it as eval_set=[(X_val, y_val)] to fit() with callbacks=[lgb.early_stopping(${PATIENCE})]`,
  catboost: `pass it as eval_set=(X_val, y_val) to fit() with early_stopping_rounds=${PATIENCE}`,
  'xgboost.train': `pass it as evals=[(dval, "validation")] with early_stopping_rounds=${PATIENCE}`,
  'lightgbm.train': `pass it as valid_sets=[dval] with callbacks=[lgb.early_stopping(${PATIENCE})]`,
};

/** LightGBM's aliases of num_iterations in a params dict (they override num_boost_round). */
const LGB_ROUND_PARAMS = ['num_iterations', 'num_iteration', 'n_iter', 'num_tree', 'num_trees', 'num_round', 'num_rounds', 'num_boost_round', 'n_estimators', 'max_iter'];

/** Whether an eval-set argument is given and not None / an empty literal. */
function hasEvalSet(model: Semantic, node: Node | undefined): boolean {
  if (!node) return false;
  const v = model.evaluate(node);
  if (v.kind === 'none') return false;
  if ((v.kind === 'list' || v.kind === 'tuple') && v.items.length === 0) return false;
  return true;
}

/** A literal round count, the library default when the argument is absent; undefined when not known. */
function roundCount(value: Value | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const n = numberValue(value);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Whether early stopping with the fixes' patience could end a budget early: not when it is known to be at most PATIENCE rounds. */
function canStopEarly(value: Value | undefined, fallback: number): boolean {
  const n = roundCount(value, fallback);
  return n === undefined || n > PATIENCE;
}


/** The information message for a large literal budget trained with no validation data. */
function noValidationMessage(what: string, n: number, name: string, how: string): string {
  return (
    `${what} trains all ${n} boosting rounds (${name}=${n}) with no validation data, so nothing can stop it early: it always builds every tree, ` +
    `including those past the point where a held-out score stops improving. Hold out a validation split (train_test_split(X, y, test_size=0.2)) and ${how}: ` +
    `training then ends ${PATIENCE} rounds after the best one.`
  );
}

/** Why an XGBoost finding comes without its fix (see xgbStopsOnDirectedMetric). */
const UNDIRECTED_METRIC_NOTE =
  ' No fix: early stopping would watch a metric whose direction XGBoost does not tell from its name (a custom one, say), and minimise it; set maximize= beside early_stopping_rounds.';

function rounds(value: Value | undefined, fallback: number, name: string): string {
  if (value === undefined) return `all ${fallback} boosting rounds (default ${name})`;
  const n = numberValue(value);
  return n === undefined ? `all ${name} boosting rounds` : `all ${n} boosting rounds (${name}=${n})`;
}

/** `callbacks=[…, <lgb>.early_stopping(50)]` on a LightGBM fit()/train() call. */
function lightgbmCallbackEdits(model: Semantic, edits: Edits, call: CallSite, position?: number): TextEdit[] {
  const changes: TextEdit[] = [];
  const imports = edits.importer(call.node);
  let callbackExpr: string;
  const fromImport = imports.existing(LGB_EARLY_STOPPING);
  if (fromImport) callbackExpr = `${fromImport}(${PATIENCE})`;
  else {
    const lgb = imports.module('lightgbm', 'lgb');
    if (lgb.edit) changes.push(lgb.edit);
    callbackExpr = `${lgb.name}.early_stopping(${PATIENCE})`;
  }
  const existing = call.argument('callbacks', position);
  if (!existing) {
    changes.push(edits.addKeywordArguments(call, [['callbacks', `[${callbackExpr}]`]]));
  } else if (model.evaluate(existing).kind === 'none') {
    changes.push(edits.replace(existing, `[${callbackExpr}]`));
  } else if (existing.type === 'list') {
    const items = existing.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const last = items.at(-1);
    if (last) changes.push(edits.insertAt(last.endIndex, `, ${callbackExpr}`));
    else changes.push(edits.insertAt(existing.endIndex - 1, callbackExpr));
  } else {
    changes.push(edits.replace(existing, `[*${existing.text}, ${callbackExpr}]`));
  }
  return changes;
}

/**
 * ## What it flags
 *
 * Gradient-boosted-tree training that evaluates on a validation set every round but never stops
 * early, so it always builds the full number of trees:
 *
 * | library | flagged | early stopping that counts as present |
 * |---|---|---|
 * | XGBoost, scikit-learn API | `XGBClassifier/XGBRegressor/XGBRanker(...)` then `.fit(..., eval_set=[...])` | `early_stopping_rounds=` in the constructor or `set_params`, `callbacks=[xgb.callback.EarlyStopping(...)]`, or the old fit-time `early_stopping_rounds=` |
 * | XGBoost, native | `xgb.train(params, dtrain, num_boost_round, evals=[...])` | `early_stopping_rounds=` or an `EarlyStopping` callback |
 * | LightGBM, scikit-learn API | `LGBMClassifier/LGBMRegressor/LGBMRanker(...)` then `.fit(..., eval_set=[...])` | `callbacks=[lgb.early_stopping(n)]`, or the parameter `early_stopping_round` (aliases `early_stopping_rounds`, `early_stopping`, `n_iter_no_change`) in the constructor |
 * | LightGBM, native | `lgb.train(params, train_set, valid_sets=[...])` | `callbacks=[lgb.early_stopping(n)]`, or that parameter (> 0) in a literal `params` dict |
 * | CatBoost | `CatBoostClassifier/CatBoostRegressor/CatBoostRanker/CatBoost(...)` then `.fit(..., eval_set=...)` | `early_stopping_rounds=`, `od_type=` or `od_wait=` in the constructor (or its params dict), or `early_stopping_rounds=` in `fit` |
 * | CatBoost, cross-validation | `catboost.cv(pool, params)`, whose folds are each scored on their held-out part every round | `early_stopping_rounds=` on the call, or `early_stopping_rounds` / `od_type` / `od_wait` in `params` — a literal dict, or `model.get_params()` of a CatBoost estimator whose constructor the file shows (with the `update({…})` calls made on that result) |
 * | XGBoost, cross-validation | `xgb.cv(params, dtrain, num_boost_round, nfold=…)`, whose folds are each scored on their held-out part every round | `early_stopping_rounds=` or an `EarlyStopping` callback on the call |
 * | LightGBM, cross-validation | `lgb.cv(params, train_set, num_boost_round, nfold=…)`, likewise, when `params` is a literal dict | `callbacks=[lgb.early_stopping(n)]`, the old `early_stopping_rounds=`, or `early_stopping_round` (> 0, or an alias) in `params` |
 *
 * The `.fit` call is linked to its estimator through assignments and same-file factory functions
 * (`model = build(); model.fit(...)`). Constructor arguments passed as `**params` are read when
 * `params` is a literal dict — assigned once, or copied (`params.copy()`) and changed only by
 * `params.update({…})` statements beside it, of which those before the call count — as in CatBoost's
 * tutorials. Anything that could switch early stopping on out of sight is
 * treated as unknown and never warned about: a `callbacks` list that is a variable or a call, a
 * callback the analysis cannot name (your own class — except an `xgboost.callback.TrainingCallback`
 * subclass of this file whose `before_iteration` / `after_iteration` return only `False` or `None`,
 * such as a plotting callback), `**kwargs` that are not such a dict in the constructor, `fit` or
 * `set_params`, or a `params` dict that is not a literal. `XGBRF*` random forests have no
 * boosting rounds to stop and are not flagged. A budget of at most 50 rounds (the patience the
 * fix writes, so early stopping could never end it sooner) is not flagged either: a 2- or 10-round
 * demo that prints its eval metric is fine as it is — this includes `xgb.train`'s default of 10.
 *
 * **No validation data at all** (information): training with no eval set (`eval_set` / `evals` /
 * `valid_sets` absent, `None` or `[]`) and a large literal budget — at least 500 rounds
 * (`n_estimators`, CatBoost's `iterations`, `num_boost_round`, or a LightGBM `params` dict's
 * `num_iterations` and its aliases) — always builds every tree. There is nothing to stop on, so the
 * message says how to get early stopping: hold out a validation split and pass it as the eval set
 * with early stopping. 500 is where the budgets of real scripts that overfit without early stopping
 * start (the tutorials and Kaggle kernels we labelled use 500–5 000); library defaults (100, or
 * CatBoost's 1 000 with its automatically chosen learning rate), budgets that are not literal, a
 * `set_params` that may change the budget and `params` dicts that are not literal stay quiet. No
 * fix: where the validation data comes from is the author's call. Information, not a warning: a
 * final refit on all the data after the number of rounds was chosen elsewhere is legitimate.
 *
 * **A CatBoost search** (information, at the constructor): an estimator with a literal budget of at
 * least 500 iterations (not the default 1 000, as above) and no overfitting detector, tuned with
 * `grid_search` / `randomized_search` over a literal grid that does not set the budget or the
 * detector, trains every tree for every candidate and again for the refit. No fix: whether each
 * candidate's fit has validation data to stop on depends on how the search splits the data.
 *
 * The message gives the number of rounds that will run when it is literal
 * (`n_estimators`, CatBoost's `iterations`, `num_boost_round`) or the library default (100 for the
 * scikit-learn APIs of XGBoost and LightGBM, 1000 for CatBoost, 10 for `xgb.train` and `xgb.cv`, 100 for `lgb.train` and `lgb.cv`).
 * `cv`'s early-stopping arguments are read by keyword; a call with so many positional arguments
 * that one could be `early_stopping_rounds` or `callbacks` (their positions changed between
 * versions) is left alone.
 *
 * ## Why
 *
 * Boosting cost is linear in the number of trees, and the usual recipe is a large round budget with
 * a small learning rate, relying on the validation metric to say when to stop. Without early
 * stopping the whole budget is spent even when the best iteration came early, and the extra trees
 * usually overfit. All three libraries document early stopping for exactly this reason: training ends once the
 * validation metric has not improved for a given number of rounds, and the best iteration is kept
 * for prediction (XGBoost and LightGBM `best_iteration`, CatBoost `use_best_model`).
 * The saving is the share of rounds after the best iteration plus the patience:
 * with a 2 000-round budget whose validation loss bottoms out at round 300, early stopping with a
 * patience of 50 builds 350 trees instead of 2 000.
 *
 * The same mechanism measured on scikit-learn's `GradientBoostingClassifier` (see
 * [GML215](GML215.md)): 500 stages took 16.6 s of CPU, stopping after 10 stages without improvement
 * took 5.1 s (95 stages).
 *
 * ## Example
 *
 * ```python
 * import xgboost as xgb
 *
 * model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.03)
 * model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
 * ```
 *
 * ```python
 * from lightgbm import LGBMRegressor
 *
 * model = LGBMRegressor(n_estimators=3000)
 * model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import xgboost as xgb
 *
 * model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.03, early_stopping_rounds=50)
 * model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
 * ```
 *
 * ```python
 * from lightgbm import LGBMRegressor
 * import lightgbm as lgb
 *
 * model = LGBMRegressor(n_estimators=3000)
 * model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(50)])
 * ```
 *
 * ## Fix safety
 *
 * Unsafe: the model stops earlier and the final model is the one at the best iteration, so
 * predictions change (usually for the better on held-out data, since the dropped trees were
 * overfitting). The fix writes the form current library versions accept:
 *
 * - **XGBoost, scikit-learn API:** `early_stopping_rounds=50` in the **constructor**. It moved there
 *   in 1.6 and was removed from `fit()` in 2.1 (`TypeError: fit() got an unexpected keyword argument`).
 *   XGBoost stops on the last entry of `eval_set` and the last metric of `eval_metric`; put the
 *   validation set last. When the estimator cannot be linked to its constructor, the rule reports
 *   without a fix.
 * - **`xgb.train`, `xgb.cv`:** `early_stopping_rounds=50` on the call (still supported there).
 *   XGBoost tells whether to maximise the metric it stops on from its name (`auc`, `aucpr`, `pre`,
 *   `map`, `ndcg` up; the losses and errors down) and minimises any other. So the fix is withheld
 *   (the finding stays, and says why) when that metric may be another: a custom `feval` /
 *   `custom_metric`, or an unknown last metric in `cv`'s `metrics=` (any in a set, whose order is not
 *   fixed: the Higgs demo's `{"ams@0.15", "auc"}`) or in a literal params dict's `eval_metric` —
 *   unless `maximize=` is given.
 * - **LightGBM:** `callbacks=[lgb.early_stopping(50)]` on `fit()`/`train()`/`cv()`, appended to an existing
 *   literal `callbacks` list; the fix uses the name the file already binds for `lightgbm` (or an
 *   imported `early_stopping`) and adds `import lightgbm as lgb` once otherwise. The fit/train
 *   argument `early_stopping_rounds=` was deprecated in 3.3 and removed in 4.0, so the fix never
 *   writes it. LightGBM ignores the training set itself when it is listed in `valid_sets`.
 * - **CatBoost:** `early_stopping_rounds=50` in the constructor (for the `CatBoost(params)` base
 *   class, which only takes a params dict, on `fit()`); it sets the overfitting detector to `Iter`.
 *
 * Why 50: the patience has to outlast the noise of the validation metric at small learning rates
 * (0.01–0.1), where improvements arrive every few rounds; 50 rounds costs at most 50 trees past the
 * best one — a few percent of the 1 000–5 000-round budgets these scripts use — and is a common
 * choice in the libraries' tutorials and in practice. Lower it for large learning rates.
 *
 * ## Measured here
 *
 * `bench/evidence/GML214/`: `XGBClassifier(n_estimators=1000, learning_rate=0.1, max_depth=6,
 * subsample=0.8, colsample_bytree=0.8, eval_metric="logloss", n_jobs=1)` on generated data
 * (`make_classification`, 10 000 samples × 30 features: 60 % train, 20 % `eval_set`, 20 % test),
 * Debian's XGBoost 1.7.4, without and with `early_stopping_rounds=50` in the constructor (the fix).
 * Median of 5 runs (min–max); energy estimated from CPU time (no RAPL on this machine):
 *
 * | training | trees | CPU time | energy | test accuracy | test log loss |
 * |---|---|---|---|---|---|
 * | no early stopping | 1 000 | 15.6 s (15.2–18.5) | 66.0 J (63.9–78.0) | 0.902 | 0.309 |
 * | `early_stopping_rounds=50` | 347 (best iteration 296) | 6.6 s (6.5–6.7) | 28.7 J (28.1–29.1) | 0.907 | 0.273 |
 *
 * Early stopping used 0.44× the energy and predicted better on the held-out test set (the 650
 * trees after the best one overfit: validation log loss 0.272 at round 296, 0.296 at round 1 000).
 * The CPU time includes the Python start, imports and data generation (about 1.4 s) that both runs share.
 *
 * Command: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML214/result.json bench/evidence/GML214/before.py bench/evidence/GML214/after.py`.
 * Machine: a VM with 2 vCPUs of an AMD EPYC (family 26, model 2), 24 GiB, Debian 12, Python 3.11,
 * shared with other engineers' work (load average 10–14 during the runs), so wall times
 * (median 46.9 s → 21.9 s) are inflated; CPU time is the comparable figure.
 *
 * ## References
 *
 * - XGBoost, *Using the Scikit-Learn Estimator Interface* (early stopping): https://xgboost.readthedocs.io/en/stable/python/sklearn_estimator.html ; *Callback functions*: https://xgboost.readthedocs.io/en/stable/python/callbacks.html
 * - XGBoost 2.1 release notes (fit-time `early_stopping_rounds` / `callbacks` removed); e.g. microsoft/FLAML#1314.
 * - LightGBM, `lightgbm.early_stopping`: https://lightgbm.readthedocs.io/en/stable/pythonapi/lightgbm.early_stopping.html ; parameter `early_stopping_round`: https://lightgbm.readthedocs.io/en/stable/Parameters.html
 * - LightGBM 4.0 release (removal of `early_stopping_rounds` from `train()`/`fit()`); e.g. deepchem#3559.
 * - CatBoost, *Overfitting detection settings*: https://catboost.ai/docs/en/references/training-parameters/overfitting-detection
 */
export const gbdtNoEarlyStopping = defineRule({
  code: 'GML214',
  name: 'gbdt-no-early-stopping',
  summary: 'XGBoost / LightGBM / CatBoost training with an eval set but no early stopping, or a large budget and no validation data, runs every boosting round.',
  defaultSeverity: 'warning',
  frameworks: GBDT_PACKAGES,
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    const tail = (library: BoostingLibrary) =>
      `${LABEL[library]} keeps adding trees after the validation metric stops improving; early stopping ends training ${PATIENCE} rounds after the best one and typically saves most of the later rounds' compute.`;

    // scikit-learn style estimators: est = XGBClassifier(...); est.fit(X, y, eval_set=[...])
    for (const fit of sites.callsNamed('fit')) {
      const receiver = fit.receiver;
      if (!receiver || fit.hasStarKwargs) continue;
      const ctor = model.originCall(receiver);
      const library = ctor?.qualifiedName ? ESTIMATORS[ctor.qualifiedName] : undefined;
      if (!ctor || !library) continue;
      const later = model.callsOnResultOf(ctor, ['set_params']);
      const state = combine([
        keywordState(model, ctor, library, 'ctor'),
        keywordState(model, fit, library, 'fit'),
        ...later.map((c) => keywordState(model, c, library, 'ctor')),
      ]);
      if (state !== 'no') continue;
      const estimator = lastName(ctor.qualifiedName!);
      const budgetName = library === 'catboost' && keywordValue(ctor, 'n_estimators') !== undefined ? 'n_estimators' : library === 'catboost' ? 'iterations' : 'n_estimators';
      const budget = keywordValue(ctor, budgetName);
      if (!hasEvalSet(model, fit.argument('eval_set'))) {
        // No validation data: only a large budget the constructor states, unchanged by set_params, is worth a word.
        const n = budget === undefined || later.some((c) => c.presence(budgetName) !== 'absent' || c.hasStarKwargs) ? undefined : roundCount(budget, 0);
        if (n === undefined || n < LARGE_BUDGET || fit.presence('eval_set') === 'unknown' || estimator.startsWith('XGBRF')) continue;
        report({ node: fit.callee, severity: 'information', message: noValidationMessage(`${estimator}.fit()`, n, budgetName, HOW_TO_STOP[library]) });
        continue;
      }
      if (!canStopEarly(budget, library === 'catboost' ? 1000 : 100)) continue;
      let changes: TextEdit[];
      let title: string;
      if (library === 'lightgbm') {
        changes = lightgbmCallbackEdits(model, edits, fit);
        title = `Add callbacks=[lgb.early_stopping(${PATIENCE})] to fit()`;
      } else if (library === 'catboost' && estimator === 'CatBoost') {
        // The base class takes a params dict only; fit() accepts early_stopping_rounds.
        changes = [edits.setKeywordArgument(fit, 'early_stopping_rounds', String(PATIENCE))];
        title = `Add early_stopping_rounds=${PATIENCE} to fit()`;
      } else {
        changes = ctor.argumentList ? [edits.setKeywordArgument(ctor, 'early_stopping_rounds', String(PATIENCE))] : [];
        title = `Add early_stopping_rounds=${PATIENCE} to the ${estimator} constructor`;
      }
      const count =
        library === 'catboost'
          ? rounds(keywordValue(ctor, 'iterations') ?? keywordValue(ctor, 'n_estimators'), 1000, 'iterations')
          : rounds(keywordValue(ctor, 'n_estimators'), 100, 'n_estimators');
      report({
        node: fit.callee,
        message: `${estimator}.fit() evaluates on eval_set but never stops early, so it runs ${count}. ${tail(library)}`,
        fixes: changes.length ? [{ title, edits: changes }] : [],
      });
    }

    // Native xgboost.train(params, dtrain, num_boost_round, evals=[...])
    for (const call of sites.callsTo(XGB_TRAIN)) {
      if (call.hasStarKwargs || call.hasStarArgs) continue;
      const state = combine([paramState(call.valueOf('early_stopping_rounds')), callbacksState(model, call.argument('callbacks'))]);
      if (state !== 'no') continue;
      const budget = call.valueOf('num_boost_round', 2);
      if (!hasEvalSet(model, call.argument('evals', 3))) {
        const n = budget === undefined ? undefined : roundCount(budget, 0);
        if (n !== undefined && n >= LARGE_BUDGET && call.presence('evals', 3) !== 'unknown') {
          report({ node: call.callee, severity: 'information', message: noValidationMessage('xgboost.train()', n, 'num_boost_round', HOW_TO_STOP['xgboost.train']) });
        }
        continue;
      }
      if (!canStopEarly(budget, 10)) continue;
      // A positional feval (XGBoost 1.x's sixth argument) is a custom metric too.
      const directed = call.positional.length <= 5 && xgbStopsOnDirectedMetric(model, call);
      report({
        node: call.callee,
        message: `xgboost.train() evaluates on evals but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 10, 'num_boost_round')}. ${tail('xgboost')}${directed ? '' : UNDIRECTED_METRIC_NOTE}`,
        fixes: directed
          ? [{ title: `Add early_stopping_rounds=${PATIENCE} to xgboost.train()`, edits: [edits.setKeywordArgument(call, 'early_stopping_rounds', String(PATIENCE))] }]
          : [],
      });
    }

    // CatBoost's cv(pool, params, dtrain, iterations, num_boost_round, …, early_stopping_rounds=None):
    // every fold is scored on its held-out part each round, so there is always a metric to stop on.
    for (const call of sites.callsTo(CATBOOST_CV)) {
      if (call.hasStarArgs) continue;
      const params = catboostParams(model, call.argument('params', 1));
      if (!params) continue;
      const splat = call.starKwargsValue();
      if ((splat && splat.kind !== 'dict') || combine([params.state, paramState(keywordValue(call, 'early_stopping_rounds'))]) !== 'no') continue;
      const budget = keywordValue(call, 'iterations', 3) ?? keywordValue(call, 'num_boost_round', 4) ?? params.budget;
      if (!canStopEarly(budget, 1000)) continue;
      report({
        node: call.callee,
        message: `catboost.cv() scores every fold on its held-out part each round but never stops early, so each fold runs ${rounds(budget, 1000, 'iterations')}. ${tail('catboost')}`,
        fixes: [{ title: `Add early_stopping_rounds=${PATIENCE} to cv()`, edits: [edits.setKeywordArgument(call, 'early_stopping_rounds', String(PATIENCE))] }],
      });
    }

    // xgboost.cv(params, dtrain, num_boost_round=10, …) and lightgbm.cv(params, train_set, num_boost_round=100, …):
    // as catboost.cv, every fold is scored on its held-out part each round. Their early-stopping
    // arguments are read by keyword (their positions changed between versions).
    const cvMessage = (name: string, budget: string, library: BoostingLibrary) =>
      `${name}() scores every fold on its held-out part each round but never stops early, so each fold runs ${budget}. ${tail(library)}`;
    for (const call of sites.callsTo(XGB_CV)) {
      if (call.hasStarArgs || call.positional.length > XGB_CV_STOPPING_POSITION || keywordState(model, call, 'xgboost', 'fit') !== 'no') continue;
      const budget = call.valueOf('num_boost_round', 2);
      if (!canStopEarly(budget, 10)) continue;
      // A positional feval (XGBoost 1.x's ninth argument) is a custom metric too.
      const directed = call.positional.length <= 8 && xgbStopsOnDirectedMetric(model, call, call.argument('metrics', 6));
      report({
        node: call.callee,
        message: cvMessage('xgboost.cv', rounds(budget, 10, 'num_boost_round'), 'xgboost') + (directed ? '' : UNDIRECTED_METRIC_NOTE),
        fixes: directed ? [{ title: `Add early_stopping_rounds=${PATIENCE} to xgboost.cv()`, edits: [edits.setKeywordArgument(call, 'early_stopping_rounds', String(PATIENCE))] }] : [],
      });
    }
    for (const call of sites.callsTo(LGB_CV)) {
      if (call.hasStarArgs || call.positional.length > LGB_CV_STOPPING_POSITION) continue;
      // The params dict may switch early stopping on (`early_stopping_round`): read only when literal.
      const params = call.argument('params', 0);
      const paramsValue = params ? model.evaluate(params) : undefined;
      const state = combine([paramsValue ? dictParamsState(paramsValue, LGB_EARLY_STOPPING_PARAMS, true) : 'unknown', keywordState(model, call, 'lightgbm', 'fit')]);
      if (state !== 'no' || paramsValue?.kind !== 'dict') continue;
      // A round count in the params dict wins over num_boost_round.
      const roundKey = LGB_ROUND_PARAMS.find((k) => dictGet(paramsValue, k) !== undefined);
      const budget = roundKey ? dictGet(paramsValue, roundKey) : call.valueOf('num_boost_round', 2);
      if (!canStopEarly(budget, 100)) continue;
      report({
        node: call.callee,
        message: cvMessage('lightgbm.cv', rounds(budget, 100, roundKey ?? 'num_boost_round'), 'lightgbm'),
        fixes: [{ title: `Add callbacks=[lgb.early_stopping(${PATIENCE})] to lightgbm.cv()`, edits: lightgbmCallbackEdits(model, edits, call) }],
      });
    }

    // est.grid_search(…) / est.randomized_search(…) on a CatBoost estimator with a large literal budget:
    // every candidate builds every tree. Reported once, at the constructor.
    const searched = new Set<number>();
    for (const method of CATBOOST_SEARCHES) {
      for (const search of sites.callsNamed(method)) {
        const ctor = search.receiver ? model.originCall(search.receiver) : undefined;
        if (!ctor?.qualifiedName || ESTIMATORS[ctor.qualifiedName] !== 'catboost' || searched.has(ctor.node.id)) continue;
        const later = model.callsOnResultOf(ctor, ['set_params']);
        if (later.length > 0 || keywordState(model, ctor, 'catboost', 'ctor') !== 'no') continue;
        // A grid over the budget or the detector's settings is the author's own plan.
        const grid = search.argument('param_grid', 0) ?? search.argument('param_distributions', 0);
        const gridValue = grid ? model.evaluate(grid) : UNKNOWN;
        const grids = gridValue.kind === 'list' || gridValue.kind === 'tuple' ? gridValue.items : [gridValue];
        if (grids.some((g) => g.kind !== 'dict' || [...CATBOOST_BUDGET_PARAMS, ...CATBOOST_EARLY_STOPPING_PARAMS].some((k) => dictGet(g, k) !== undefined))) continue;
        // A literal budget only: the default 1 000 comes with an automatically chosen learning rate.
        const budget = keywordValue(ctor, 'iterations') ?? keywordValue(ctor, 'n_estimators');
        const n = budget === undefined ? undefined : roundCount(budget, 0);
        if (n === undefined || n < LARGE_BUDGET) continue;
        searched.add(ctor.node.id);
        report({
          node: ctor.callee,
          severity: 'information',
          message:
            `${lastName(ctor.qualifiedName)} trains all ${n} boosting rounds for every candidate of ${method}() (and again when it refits the best), and no overfitting detector ` +
            `(early_stopping_rounds, od_type) is set, so no candidate stops early. With early_stopping_rounds=${PATIENCE} in the constructor, CatBoost ends a fit ${PATIENCE} rounds after its best one when it has validation data to watch.`,
        });
      }
    }

    // Native lightgbm.train(params, train_set, num_boost_round, valid_sets=[...], ..., callbacks=None)
    for (const call of sites.callsTo(LGB_TRAIN)) {
      if (call.hasStarKwargs || call.hasStarArgs) continue;
      const params = call.argument('params', 0);
      const paramsValue = params ? model.evaluate(params) : undefined;
      const state = combine([
        paramsValue ? dictParamsState(paramsValue, LGB_EARLY_STOPPING_PARAMS, true) : 'unknown',
        paramState(call.valueOf('early_stopping_rounds'), true), // lightgbm < 4.0
        callbacksState(model, call.argument('callbacks', 10)),
      ]);
      if (state !== 'no') continue;
      // A round count in the params dict wins over num_boost_round.
      const roundKey = paramsValue?.kind === 'dict' ? LGB_ROUND_PARAMS.find((k) => dictGet(paramsValue, k) !== undefined) : undefined;
      const budget = roundKey && paramsValue ? dictGet(paramsValue, roundKey) : call.valueOf('num_boost_round', 2);
      if (!hasEvalSet(model, call.argument('valid_sets', 3))) {
        const n = budget === undefined || paramsValue?.kind !== 'dict' ? undefined : roundCount(budget, 0);
        if (n !== undefined && n >= LARGE_BUDGET && call.presence('valid_sets', 3) !== 'unknown') {
          report({ node: call.callee, severity: 'information', message: noValidationMessage('lightgbm.train()', n, roundKey ?? 'num_boost_round', HOW_TO_STOP['lightgbm.train']) });
        }
        continue;
      }
      if (!canStopEarly(budget, 100)) continue;
      report({
        node: call.callee,
        message: `lightgbm.train() evaluates on valid_sets but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 100, 'num_boost_round')}. ${tail('lightgbm')}`,
        fixes: [{ title: `Add callbacks=[lgb.early_stopping(${PATIENCE})] to lightgbm.train()`, edits: lightgbmCallbackEdits(model, edits, call, 10) }],
      });
    }
  },
});
