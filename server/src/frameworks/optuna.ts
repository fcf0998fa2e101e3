// Optuna: the studies (`study.optimize(objective, n_trials=…)` calls the objective once per trial)
// and the objective functions they run, what a trial is called there, and
// whether an objective lets the pruner stop a trial (`trial.report` + `trial.should_prune()`, or the
// trial handed to a pruning callback).
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { parameterNameNode } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { classMethods, localClassOf } from './callbacks';
import { within } from './loops';

export const OPTUNA_PACKAGES = ['optuna'];

export const STUDY_FACTORIES: ReadonlySet<string> = new Set(['optuna.create_study', 'optuna.study.create_study', 'optuna.load_study', 'optuna.study.load_study']);

/** The pruner that never prunes: a study given it is not meant to prune. */
export const NOP_PRUNERS: ReadonlySet<string> = new Set(['optuna.pruners.NopPruner']);

export const PARTIAL = ['functools.partial'];

/** Calls a trial can be given that cannot prune it. */
const HARMLESS = new Set(['print', 'str', 'repr', 'len', 'id', 'type', 'isinstance', 'hash']);

export interface Objective {
  /** The function the study runs (or that a lambda / `functools.partial` / `__call__` hands the trial to). */
  fn: Node;
  /** The trial's name in that function. */
  trial: string;
}

function parameters(fn: Node): Node[] {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p).map((p) => parameterNameNode(p) ?? p);
}

function defNamed(model: Semantic, id: Node): Node | undefined {
  return id.type === 'identifier' ? model.lookupDefinitions(id.text, id).find((b) => b.kind === 'def')?.node : undefined;
}

/** The objective a study's `optimize(func, …)` runs, when it is defined in this file. */
export function objectiveOf(model: Semantic, optimize: CallSite): Objective | undefined {
  const func = optimize.argument('func', 0);
  if (!func) return undefined;
  const fn = defNamed(model, func);
  if (fn) {
    const trial = parameters(fn)[0];
    return trial?.type === 'identifier' ? { fn, trial: trial.text } : undefined;
  }
  if (func.type === 'lambda') {
    // `lambda trial: objective(trial, X, y)`
    const given = func.childForFieldName('parameters')?.namedChild(0);
    const body = func.childForFieldName('body');
    if (given?.type !== 'identifier' || body?.type !== 'call') return undefined;
    const call = model.callSite(body);
    const target = defNamed(model, call.callee);
    const index = call.positional.findIndex((a) => a.type === 'identifier' && a.text === given.text);
    const trial = target && index >= 0 ? parameters(target)[index] : undefined;
    return target && trial?.type === 'identifier' ? { fn: target, trial: trial.text } : undefined;
  }
  if (func.type === 'call') {
    const call = model.callSite(func);
    // `functools.partial(objective, X=X)`: the trial is still the first parameter.
    if (PARTIAL.includes(call.qualifiedName ?? '')) {
      const target = call.positional[0] && defNamed(model, call.positional[0]);
      const trial = target ? parameters(target)[0] : undefined;
      return target && trial?.type === 'identifier' ? { fn: target, trial: trial.text } : undefined;
    }
    // `study.optimize(Objective(data))`: the class's `__call__(self, trial)`.
    const cls = localClassOf(model, call);
    const method = cls ? classMethods(model, cls).get('__call__') : undefined;
    const trial = method ? parameters(method)[1] : undefined;
    return method && trial?.type === 'identifier' ? { fn: method, trial: trial.text } : undefined;
  }
  return undefined;
}

/** The study an `optimize` call runs on: `optuna.create_study(…)` / `load_study(…)`, if that is where it comes from. */
export function studyOf(model: Semantic, optimize: CallSite): CallSite | undefined {
  const origin = optimize.receiver ? model.originCall(optimize.receiver) : undefined;
  return origin && STUDY_FACTORIES.has(origin.qualifiedName ?? '') ? origin : undefined;
}

/** Whether a call is `study.optimize(…)` on a study made by `optuna.create_study` / `load_study`. */
export function isStudyOptimize(model: Semantic, call: CallSite): boolean {
  return call.methodName === 'optimize' && !!studyOf(model, call);
}

/** Whether a study cannot prune: several objectives (`directions=[…]`), or the `NopPruner`. */
export function studyCannotPrune(model: Semantic, study: CallSite): boolean {
  if (study.keywords.has('directions')) return true;
  const pruner = study.argument('pruner');
  const made = pruner && (pruner.type === 'call' ? model.callSite(pruner) : model.originCall(pruner));
  return !!made && NOP_PRUNERS.has(made.qualifiedName ?? '');
}

/** Optuna's integrations (`optuna.integration.*`, package `optuna_integration`), and pruning callbacks by name (`KerasPruningCallback`, a team's own `make_pruning_callback`). */
function pruningCallback(call: CallSite): boolean {
  const q = call.qualifiedName ?? '';
  if (q.startsWith('optuna.integration.') || q.startsWith('optuna_integration.')) return true;
  const name = call.callee.type === 'attribute' ? call.callee.childForFieldName('attribute')?.text : call.callee.text;
  return /prun/i.test(name ?? '');
}

/**
 * How an objective lets the pruner act: `prunes` when it calls `trial.should_prune()` (here or in a
 * function of this file it hands the trial to); `unknown` when it hands the trial to a pruning
 * callback (Optuna's integrations, a callable whose name says pruning) or, during the training
 * (`training`: the loop or `fit` call that trains), to code from elsewhere; `never` otherwise. A
 * trial handed to code from elsewhere before training, to build the model (`define_model(trial)`),
 * cannot stop the training that follows. Without `training` (a function of this file the
 * objective calls), any hand-over to code from elsewhere is `unknown`.
 */
export function pruning(model: Semantic, fn: Node, trial: string, training?: Node, depth = 0): 'prunes' | 'unknown' | 'never' {
  const body = fn.childForFieldName('body');
  if (!body) return 'unknown';
  if (model.callsNamedWithin('should_prune', body).some((c) => c.receiver?.text === trial)) return 'prunes';
  for (const id of model.identifiers(trial)) {
    if (!within(id, body)) continue;
    const keyword = model.parentOf(id);
    const list = keyword?.type === 'keyword_argument' ? model.parentOf(keyword) : keyword;
    const callNode = list?.type === 'argument_list' ? model.parentOf(list) : null;
    if (callNode?.type !== 'call') continue;
    const call = model.callSite(callNode);
    if (call.callee.type === 'identifier' && HARMLESS.has(call.callee.text) && !call.qualifiedName) continue;
    const target = defNamed(model, call.callee);
    if (!target) {
      if (!training || pruningCallback(call) || within(callNode, training)) return 'unknown';
      continue;
    }
    if (depth >= 2) return 'unknown';
    const index = keyword?.type === 'keyword_argument' ? -1 : call.positional.findIndex((a) => a.id === id.id);
    const named = keyword?.type === 'keyword_argument' ? keyword.childForFieldName('name')?.text : parameters(target)[index]?.text;
    if (!named) return 'unknown';
    const inner = pruning(model, target, named, undefined, depth + 1);
    if (inner !== 'never') return inner;
  }
  return 'never';
}

/** Samplers that enumerate the search space: one trial per combination, whatever the scores say. */
export const OPTUNA_GRID_SAMPLERS = ['optuna.samplers.GridSampler', 'optuna.samplers._grid.GridSampler'];
export const OPTUNA_EXHAUSTIVE_SAMPLERS = [...OPTUNA_GRID_SAMPLERS, 'optuna.samplers.BruteForceSampler', 'optuna.samplers._brute_force.BruteForceSampler'];
