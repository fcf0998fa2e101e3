import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { dictGet, numberValue, type Value } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import {
  CATBOOST_EARLY_STOPPING_PARAMS,
  EARLY_STOPPING_CALLBACKS,
  ESTIMATORS,
  GBDT_PACKAGES,
  LABEL,
  LGB_EARLY_STOPPING,
  LGB_EARLY_STOPPING_PARAMS,
  LGB_TRAIN,
  XGB_TRAIN,
  type BoostingLibrary,
} from '../frameworks/gbdt';
import { defineRule } from './rule';
import { lastName } from '../analysis/qualifiedName';

/** Early-stopping patience the fixes write (boosting rounds without improvement). */
export const PATIENCE = 50;

type State = 'yes' | 'no' | 'unknown';

function combine(states: State[]): State {
  if (states.includes('yes')) return 'yes';
  if (states.includes('unknown')) return 'unknown';
  return 'no';
}

/** A parameter that stops early when set: absent or None → no, a literal → yes (LightGBM: > 0), anything else → unknown. */
function paramState(value: Value | undefined, positive = false): State {
  if (value === undefined || value.kind === 'none') return 'no';
  if (value.kind === 'unknown') return 'unknown';
  if (positive) {
    const n = numberValue(value);
    return n === undefined ? 'unknown' : n > 0 ? 'yes' : 'no';
  }
  return 'yes';
}

/** The element nodes of a literal list/tuple (directly or through a name assigned one), or undefined. */
function literalItems(model: Semantic, node: Node, depth = 0): Node[] | undefined {
  if (depth > 4) return undefined;
  if (node.type === 'list' || node.type === 'tuple') {
    const items = node.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    return items.some((c) => c.type === 'list_splat') ? undefined : items;
  }
  if (node.type === 'identifier') {
    const v = model.evaluate(node);
    if (v.kind !== 'list' && v.kind !== 'tuple') return undefined;
    const bindings = model.lookup(node.text, node);
    const value = bindings.length === 1 ? bindings[0].value : undefined;
    return value ? literalItems(model, value, depth + 1) : undefined;
  }
  return undefined;
}

/** Whether a `callbacks=` argument holds an early-stopping callback. */
function callbacksState(model: Semantic, node: Node | undefined, presenceUnknown = false): State {
  if (!node) return presenceUnknown ? 'unknown' : 'no';
  if (model.evaluate(node).kind === 'none') return 'no';
  const items = literalItems(model, node);
  if (!items) return 'unknown';
  return combine(
    items.map((item) => {
      const q = model.originCall(item)?.qualifiedName;
      if (!q) return 'unknown'; // a local callback class could stop early
      return EARLY_STOPPING_CALLBACKS.has(q) ? 'yes' : 'no';
    }),
  );
}

/** Early stopping set through keyword arguments of a call (constructor, set_params, fit). */
function keywordState(model: Semantic, call: CallSite, library: BoostingLibrary, where: 'ctor' | 'fit'): State {
  if (call.hasStarKwargs) return 'unknown';
  const states: State[] = [];
  const kw = (name: string) => call.valueOf(name);
  if (library === 'xgboost') {
    states.push(paramState(kw('early_stopping_rounds')));
    states.push(callbacksState(model, call.argument('callbacks')));
  } else if (library === 'lightgbm') {
    if (where === 'ctor') for (const p of LGB_EARLY_STOPPING_PARAMS) states.push(paramState(kw(p), true));
    else {
      states.push(paramState(kw('early_stopping_rounds'), true)); // lightgbm < 4.0
      states.push(callbacksState(model, call.argument('callbacks')));
    }
  } else {
    states.push(paramState(kw('early_stopping_rounds')));
    if (where === 'ctor') {
      for (const p of CATBOOST_EARLY_STOPPING_PARAMS) states.push(paramState(kw(p)));
      const params = call.argument('params', 0);
      if (params) states.push(dictParamsState(model.evaluate(params), CATBOOST_EARLY_STOPPING_PARAMS, false));
    }
  }
  return combine(states);
}

function dictParamsState(params: Value, keys: string[], positive: boolean): State {
  if (params.kind === 'none') return 'no';
  if (params.kind !== 'dict') return 'unknown';
  return combine(keys.map((k) => paramState(dictGet(params, k), positive)));
}

/** Whether an eval-set argument is given and not None / an empty literal. */
function hasEvalSet(model: Semantic, node: Node | undefined): boolean {
  if (!node) return false;
  const v = model.evaluate(node);
  if (v.kind === 'none') return false;
  if ((v.kind === 'list' || v.kind === 'tuple') && v.items.length === 0) return false;
  return true;
}

function rounds(value: Value | undefined, fallback: number, name: string): string {
  if (value === undefined) return `all ${fallback} boosting rounds (default ${name})`;
  const n = numberValue(value);
  return n === undefined ? `all ${name} boosting rounds` : `all ${n} boosting rounds (${name}=${n})`;
}

/** `callbacks=[…, <lgb>.early_stopping(50)]` on a LightGBM fit()/train() call. */
function lightgbmCallbackEdits(model: Semantic, edits: Edits, call: CallSite, position?: number): TextEdit[] {
  const changes: TextEdit[] = [];
  const imports = edits.importer();
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
 *
 * The `.fit` call is linked to its estimator through assignments and same-file factory functions
 * (`model = build(); model.fit(...)`). Anything that could switch early stopping on out of sight is
 * treated as unknown and never warned about: a `callbacks` list that is a variable or a call, a
 * callback the analysis cannot name (your own class), `**kwargs` in the constructor, `fit` or
 * `set_params`, or a `params` dict that is not a literal. Training without an eval set
 * (`eval_set` absent, `None` or `[]`) is not flagged: there is nothing to stop on. `XGBRF*` random
 * forests have no boosting rounds to stop and are not flagged.
 *
 * The message gives the number of rounds that will run when it is literal
 * (`n_estimators`, CatBoost's `iterations`, `num_boost_round`) or the library default (100 for the
 * scikit-learn APIs of XGBoost and LightGBM, 1000 for CatBoost, 10 for `xgb.train`, 100 for `lgb.train`).
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
 * - **`xgb.train`:** `early_stopping_rounds=50` on the call (still supported there).
 * - **LightGBM:** `callbacks=[lgb.early_stopping(50)]` on `fit()`/`train()`, appended to an existing
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
  summary: 'XGBoost / LightGBM / CatBoost training with an eval set but no early stopping runs every boosting round.',
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
      if (!hasEvalSet(model, fit.argument('eval_set'))) continue;
      const later = model.callsOnResultOf(ctor, ['set_params']);
      const state = combine([
        keywordState(model, ctor, library, 'ctor'),
        keywordState(model, fit, library, 'fit'),
        ...later.map((c) => keywordState(model, c, library, 'ctor')),
      ]);
      if (state !== 'no') continue;
      const estimator = lastName(ctor.qualifiedName!);
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
          ? rounds(ctor.valueOf('iterations') ?? ctor.valueOf('n_estimators'), 1000, 'iterations')
          : rounds(ctor.valueOf('n_estimators'), 100, 'n_estimators');
      report({
        node: fit.callee,
        message: `${estimator}.fit() evaluates on eval_set but never stops early, so it runs ${count}. ${tail(library)}`,
        fixes: changes.length ? [{ title, edits: changes }] : [],
      });
    }

    // Native xgboost.train(params, dtrain, num_boost_round, evals=[...])
    for (const call of sites.callsTo(XGB_TRAIN)) {
      if (call.hasStarKwargs || !hasEvalSet(model, call.argument('evals', 3))) continue;
      const state = combine([paramState(call.valueOf('early_stopping_rounds')), callbacksState(model, call.argument('callbacks'))]);
      if (state !== 'no') continue;
      report({
        node: call.callee,
        message: `xgboost.train() evaluates on evals but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 10, 'num_boost_round')}. ${tail('xgboost')}`,
        fixes: [
          {
            title: `Add early_stopping_rounds=${PATIENCE} to xgboost.train()`,
            edits: [edits.setKeywordArgument(call, 'early_stopping_rounds', String(PATIENCE))],
          },
        ],
      });
    }

    // Native lightgbm.train(params, train_set, num_boost_round, valid_sets=[...], ..., callbacks=None)
    for (const call of sites.callsTo(LGB_TRAIN)) {
      if (call.hasStarKwargs || call.hasStarArgs || !hasEvalSet(model, call.argument('valid_sets', 3))) continue;
      const params = call.argument('params', 0);
      const state = combine([
        params ? dictParamsState(model.evaluate(params), LGB_EARLY_STOPPING_PARAMS, true) : 'unknown',
        paramState(call.valueOf('early_stopping_rounds'), true), // lightgbm < 4.0
        callbacksState(model, call.argument('callbacks', 10)),
      ]);
      if (state !== 'no') continue;
      report({
        node: call.callee,
        message: `lightgbm.train() evaluates on valid_sets but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 100, 'num_boost_round')}. ${tail('lightgbm')}`,
        fixes: [{ title: `Add callbacks=[lgb.early_stopping(${PATIENCE})] to lightgbm.train()`, edits: lightgbmCallbackEdits(model, edits, call, 10) }],
      });
    }
  },
});
