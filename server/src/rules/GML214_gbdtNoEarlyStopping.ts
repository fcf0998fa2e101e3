// GML214 gbdt-no-early-stopping: XGBoost, LightGBM and CatBoost training that evaluates on an eval
// set but never stops early, so every boosting round runs after the validation metric has stopped
// improving. Fixes (unsafe) use the form current versions accept:
// - XGBoost sklearn API: `early_stopping_rounds=` in the constructor (removed from fit() in 2.1);
// - `xgboost.train(...)`: `early_stopping_rounds=` on the call;
// - LightGBM: `callbacks=[lgb.early_stopping(n)]` on fit()/train() (fit/train's
//   `early_stopping_rounds=` was removed in 4.0);
// - CatBoost: `early_stopping_rounds=` in the constructor (on fit() for the `CatBoost(params)` base).
// Anything that could carry early stopping unseen (a callbacks variable, `**kwargs`, an unknown
// params dict) means no warning.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { dictGet, numberValue, type Value } from '../analysis/values';
import { addKeywordArguments, ensureModuleImport, insertAt, replaceNode, setKeywordArgument } from '../fixes/edits';
import type { Rule } from './rule';

/** Early-stopping patience the fixes write (boosting rounds without improvement). */
export const PATIENCE = 50;

type Library = 'xgboost' | 'lightgbm' | 'catboost';
type State = 'yes' | 'no' | 'unknown';

const ESTIMATORS: Record<string, Library> = {};
for (const name of ['XGBClassifier', 'XGBRegressor', 'XGBRanker']) {
  ESTIMATORS[`xgboost.${name}`] = 'xgboost';
  ESTIMATORS[`xgboost.sklearn.${name}`] = 'xgboost';
}
for (const name of ['LGBMClassifier', 'LGBMRegressor', 'LGBMRanker']) {
  ESTIMATORS[`lightgbm.${name}`] = 'lightgbm';
  ESTIMATORS[`lightgbm.sklearn.${name}`] = 'lightgbm';
}
for (const name of ['CatBoostClassifier', 'CatBoostRegressor', 'CatBoostRanker', 'CatBoost']) {
  ESTIMATORS[`catboost.${name}`] = 'catboost';
  ESTIMATORS[`catboost.core.${name}`] = 'catboost';
}

const XGB_TRAIN = ['xgboost.train', 'xgboost.training.train'];
const LGB_TRAIN = ['lightgbm.train', 'lightgbm.engine.train'];

const EARLY_STOPPING_CALLBACKS = new Set([
  'xgboost.callback.EarlyStopping',
  'lightgbm.early_stopping',
  'lightgbm.callback.early_stopping',
]);

/** LightGBM's parameter `early_stopping_round` and its aliases. */
const LGB_PARAMS = ['early_stopping_round', 'early_stopping_rounds', 'early_stopping', 'n_iter_no_change'];
/** CatBoost parameters that turn the overfitting detector on. */
const CATBOOST_PARAMS = ['early_stopping_rounds', 'od_type', 'od_wait'];

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
function literalItems(model: SemanticModel, node: Node, depth = 0): Node[] | undefined {
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
function callbacksState(model: SemanticModel, node: Node | undefined, presenceUnknown = false): State {
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
function keywordState(model: SemanticModel, call: CallSite, library: Library, where: 'ctor' | 'fit'): State {
  if (call.hasStarKwargs) return 'unknown';
  const states: State[] = [];
  const kw = (name: string) => call.valueOf(name);
  if (library === 'xgboost') {
    states.push(paramState(kw('early_stopping_rounds')));
    states.push(callbacksState(model, call.argument('callbacks')));
  } else if (library === 'lightgbm') {
    if (where === 'ctor') for (const p of LGB_PARAMS) states.push(paramState(kw(p), true));
    else {
      states.push(paramState(kw('early_stopping_rounds'), true)); // lightgbm < 4.0
      states.push(callbacksState(model, call.argument('callbacks')));
    }
  } else {
    states.push(paramState(kw('early_stopping_rounds')));
    if (where === 'ctor') {
      for (const p of CATBOOST_PARAMS) states.push(paramState(kw(p)));
      const params = call.argument('params', 0);
      if (params) states.push(dictParamsState(model.evaluate(params), CATBOOST_PARAMS, false));
    }
  }
  return combine(states);
}

function dictParamsState(params: Value, keys: string[], positive: boolean): State {
  if (params.kind === 'none') return 'no';
  if (params.kind !== 'dict') return 'unknown';
  return combine(keys.map((k) => paramState(dictGet(params, k), positive)));
}

/** `est.set_params(...)` calls on the estimator a constructor call created. */
function setParamsCalls(model: SemanticModel, ctor: CallSite): CallSite[] {
  return model.callsNamed('set_params').filter((c) => c.receiver && model.originCall(c.receiver)?.node.id === ctor.node.id);
}

/** Whether an eval-set argument is given and not None / an empty literal. */
function hasEvalSet(model: SemanticModel, node: Node | undefined): boolean {
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
function lightgbmCallbackEdits(model: SemanticModel, source: SourceText, call: CallSite, position?: number): TextEdit[] {
  const edits: TextEdit[] = [];
  let callbackExpr: string;
  const fromImport = model.importsOf(['lightgbm.early_stopping', 'lightgbm.callback.early_stopping']).find((b) => model.scopeOf(b.node).id === model.root.id);
  if (fromImport) callbackExpr = `${fromImport.name}(${PATIENCE})`;
  else {
    const lgb = ensureModuleImport(model, source, 'lightgbm', 'lgb');
    if (lgb.edit) edits.push(lgb.edit);
    callbackExpr = `${lgb.name}.early_stopping(${PATIENCE})`;
  }
  const existing = call.argument('callbacks', position);
  if (!existing) {
    edits.push(addKeywordArguments(call, source, [['callbacks', `[${callbackExpr}]`]]));
  } else if (model.evaluate(existing).kind === 'none') {
    edits.push(replaceNode(existing, `[${callbackExpr}]`));
  } else if (existing.type === 'list') {
    const items = existing.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const last = items.at(-1);
    if (last) edits.push(insertAt(source, last.endIndex, `, ${callbackExpr}`));
    else edits.push(insertAt(source, existing.endIndex - 1, callbackExpr));
  } else {
    edits.push(replaceNode(existing, `[*${existing.text}, ${callbackExpr}]`));
  }
  return edits;
}

const LABEL: Record<Library, string> = { xgboost: 'XGBoost', lightgbm: 'LightGBM', catboost: 'CatBoost' };

export const gbdtNoEarlyStopping: Rule = {
  code: 'GML214',
  name: 'gbdt-no-early-stopping',
  summary: 'XGBoost / LightGBM / CatBoost training with an eval set but no early stopping runs every boosting round.',
  defaultSeverity: 'warning',
  requires: ['xgboost', 'lightgbm', 'catboost'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    const tail = (library: Library) =>
      `${LABEL[library]} keeps adding trees after the validation metric stops improving; early stopping ends training ${PATIENCE} rounds after the best one and typically saves most of the later rounds' compute.`;

    // scikit-learn style estimators: est = XGBClassifier(...); est.fit(X, y, eval_set=[...])
    for (const fit of model.anchorCallsNamed('fit')) {
      const receiver = fit.receiver;
      if (!receiver || fit.hasStarKwargs) continue;
      const ctor = model.originCall(receiver);
      const library = ctor?.qualifiedName ? ESTIMATORS[ctor.qualifiedName] : undefined;
      if (!ctor || !library) continue;
      if (!hasEvalSet(model, fit.argument('eval_set'))) continue;
      const later = setParamsCalls(model, ctor);
      const state = combine([
        keywordState(model, ctor, library, 'ctor'),
        keywordState(model, fit, library, 'fit'),
        ...later.map((c) => keywordState(model, c, library, 'ctor')),
      ]);
      if (state !== 'no') continue;
      const estimator = ctor.qualifiedName!.slice(ctor.qualifiedName!.lastIndexOf('.') + 1);
      let edits: TextEdit[];
      let title: string;
      if (library === 'lightgbm') {
        edits = lightgbmCallbackEdits(model, source, fit);
        title = `Add callbacks=[lgb.early_stopping(${PATIENCE})] to fit() (unsafe)`;
      } else if (library === 'catboost' && estimator === 'CatBoost') {
        // The base class takes a params dict only; fit() accepts early_stopping_rounds.
        edits = [setKeywordArgument(fit, source, 'early_stopping_rounds', String(PATIENCE))];
        title = `Add early_stopping_rounds=${PATIENCE} to fit() (unsafe)`;
      } else {
        edits = ctor.argumentList ? [setKeywordArgument(ctor, source, 'early_stopping_rounds', String(PATIENCE))] : [];
        title = `Add early_stopping_rounds=${PATIENCE} to the ${estimator} constructor (unsafe)`;
      }
      const count =
        library === 'catboost'
          ? rounds(ctor.valueOf('iterations') ?? ctor.valueOf('n_estimators'), 1000, 'iterations')
          : rounds(ctor.valueOf('n_estimators'), 100, 'n_estimators');
      report({
        node: fit.callee,
        message: `${estimator}.fit() evaluates on eval_set but never stops early, so it runs ${count}. ${tail(library)}`,
        fixes: edits.length ? [{ title, safety: 'unsafe', edits }] : [],
      });
    }

    // Native xgboost.train(params, dtrain, num_boost_round, evals=[...])
    for (const call of model.anchorCallsTo(XGB_TRAIN)) {
      if (call.hasStarKwargs || !hasEvalSet(model, call.argument('evals', 3))) continue;
      const state = combine([paramState(call.valueOf('early_stopping_rounds')), callbacksState(model, call.argument('callbacks'))]);
      if (state !== 'no') continue;
      report({
        node: call.callee,
        message: `xgboost.train() evaluates on evals but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 10, 'num_boost_round')}. ${tail('xgboost')}`,
        fixes: [
          {
            title: `Add early_stopping_rounds=${PATIENCE} to xgboost.train() (unsafe)`,
            safety: 'unsafe',
            edits: [setKeywordArgument(call, source, 'early_stopping_rounds', String(PATIENCE))],
          },
        ],
      });
    }

    // Native lightgbm.train(params, train_set, num_boost_round, valid_sets=[...], ..., callbacks=None)
    for (const call of model.anchorCallsTo(LGB_TRAIN)) {
      if (call.hasStarKwargs || call.hasStarArgs || !hasEvalSet(model, call.argument('valid_sets', 3))) continue;
      const params = call.argument('params', 0);
      const state = combine([
        params ? dictParamsState(model.evaluate(params), LGB_PARAMS, true) : 'unknown',
        paramState(call.valueOf('early_stopping_rounds'), true), // lightgbm < 4.0
        callbacksState(model, call.argument('callbacks', 10)),
      ]);
      if (state !== 'no') continue;
      report({
        node: call.callee,
        message: `lightgbm.train() evaluates on valid_sets but never stops early, so it runs ${rounds(call.valueOf('num_boost_round', 2), 100, 'num_boost_round')}. ${tail('lightgbm')}`,
        fixes: [{ title: `Add callbacks=[lgb.early_stopping(${PATIENCE})] to lightgbm.train() (unsafe)`, safety: 'unsafe', edits: lightgbmCallbackEdits(model, source, call, 10) }],
      });
    }
  },
};
