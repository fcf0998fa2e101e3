// How XGBoost, LightGBM and CatBoost training calls switch early stopping on, read from a file:
// keyword arguments (through a literal `**params` dict too), callbacks lists, params dicts, and
// CatBoost's `est.get_params()` handed to `cv`. Each answer is yes, no, or unknown.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { UNKNOWN, dictGet, numberValue, type Value } from '../analysis/values';
import { keywordValue } from './keywordArguments';
import {
  CATBOOST_BUDGET_PARAMS,
  CATBOOST_EARLY_STOPPING_PARAMS,
  EARLY_STOPPING_CALLBACKS,
  ESTIMATORS,
  LGB_EARLY_STOPPING_PARAMS,
  callbackNeverStops,
  type BoostingLibrary,
} from './gbdt';

/** Whether early stopping is on: yes, no, or not known from the file. */
export type State = 'yes' | 'no' | 'unknown';

export function combine(states: State[]): State {
  if (states.includes('yes')) return 'yes';
  if (states.includes('unknown')) return 'unknown';
  return 'no';
}

/** A parameter that stops early when set: absent or None → no, a literal → yes (LightGBM: > 0), anything else → unknown. */
export function paramState(value: Value | undefined, positive = false): State {
  if (value === undefined || value.kind === 'none') return 'no';
  if (value.kind === 'unknown') return 'unknown';
  if (positive) {
    const n = numberValue(value);
    return n === undefined ? 'unknown' : n > 0 ? 'yes' : 'no';
  }
  return 'yes';
}

/** The element nodes of a literal list/tuple (directly or through a name assigned one), or undefined. */
export function literalItems(model: Semantic, node: Node, depth = 0): Node[] | undefined {
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
export function callbacksState(model: Semantic, node: Node | undefined, presenceUnknown = false): State {
  if (!node) return presenceUnknown ? 'unknown' : 'no';
  if (model.evaluate(node).kind === 'none') return 'no';
  const items = literalItems(model, node);
  if (!items) return 'unknown';
  return combine(
    items.map((item) => {
      const origin = model.originCall(item);
      const q = origin?.qualifiedName;
      // A callback class of this file that never asks to stop (its hooks return only False) is no early stopping; any other could be.
      if (!q) return origin && callbackNeverStops(model, origin) ? 'no' : 'unknown';
      return EARLY_STOPPING_CALLBACKS.has(q) ? 'yes' : 'no';
    }),
  );
}

/** Early stopping set through keyword arguments of a call (constructor, set_params, fit). */
export function keywordState(model: Semantic, call: CallSite, library: BoostingLibrary, where: 'ctor' | 'fit'): State {
  // `**params`: read when params is a literal dict (its keys are the keywords), else unknown.
  const splat = call.starKwargsValue();
  if (splat && splat.kind !== 'dict') return 'unknown';
  const states: State[] = [];
  const kw = (name: string) => keywordValue(call, name);
  if (splat && dictGet(splat, 'callbacks') !== undefined) states.push('unknown');
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

export function dictParamsState(params: Value, keys: string[], positive: boolean): State {
  if (params.kind === 'none') return 'no';
  if (params.kind !== 'dict') return 'unknown';
  return combine(keys.map((k) => paramState(dictGet(params, k), positive)));
}


/** The round budget a CatBoost params dict states: undefined when it states none, UNKNOWN when it cannot be told. */
export function catboostBudget(params: Value): Value | undefined {
  for (const key of CATBOOST_BUDGET_PARAMS) {
    const v = dictGet(params, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * What a CatBoost `params` argument says about early stopping and the budget: a literal dict (through
 * names, copies and `update` statements), or `est.get_params()` of a CatBoost estimator whose
 * constructor the file shows, with the dict updates made to that result. Undefined when unknown.
 */
export function catboostParams(model: Semantic, node: Node | undefined): { state: State; budget: Value | undefined } | undefined {
  if (!node) return { state: 'no', budget: undefined };
  const value = model.evaluate(node);
  if (value.kind === 'none') return { state: 'no', budget: undefined };
  if (value.kind === 'dict') return { state: dictParamsState(value, CATBOOST_EARLY_STOPPING_PARAMS, false), budget: catboostBudget(value) };
  const got = model.originCall(node);
  const ctor = got?.methodName === 'get_params' && got.receiver ? model.originCall(got.receiver) : undefined;
  if (!got || !ctor?.qualifiedName || ESTIMATORS[ctor.qualifiedName] !== 'catboost') return undefined;
  const later = model.callsOnResultOf(ctor, ['set_params']);
  const updates = model.callsOnResultOf(got, ['update']).map((u) => (u.positional.length === 1 && u.keywords.size === 0 && !u.hasStarKwargs ? model.evaluate(u.positional[0]) : UNKNOWN));
  const state = combine([
    keywordState(model, ctor, 'catboost', 'ctor'),
    ...later.map((c) => keywordState(model, c, 'catboost', 'ctor')),
    ...updates.map((u) => dictParamsState(u, CATBOOST_EARLY_STOPPING_PARAMS, false)),
  ]);
  // A budget changed after the constructor is not known.
  const changed = later.length > 0 || updates.some((u) => u.kind !== 'dict' || catboostBudget(u) !== undefined);
  return { state, budget: changed ? UNKNOWN : (keywordValue(ctor, 'iterations') ?? keywordValue(ctor, 'n_estimators')) };
}
