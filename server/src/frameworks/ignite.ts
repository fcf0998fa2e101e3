// PyTorch-Ignite: the engines that train. `create_supervised_trainer(model, optimizer, loss_fn, …)`
// builds one; `Engine(process_function)` runs its process function once per iteration, and is a
// trainer when that function trains (a gradient and a parameter update). `trainer.run(data,
// max_epochs=…)` feeds the data to it.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { loopTrains } from './training';

export const IGNITE_PACKAGES = ['ignite'];

export const SUPERVISED_TRAINERS: ReadonlySet<string> = new Set(['ignite.engine.create_supervised_trainer']);

/** `Engine(process_function)`: the function runs once per iteration. */
export const ENGINES: ReadonlySet<string> = new Set([
  'ignite.engine.Engine',
  'ignite.engine.engine.Engine',
  'ignite.engine.DeterministicEngine',
  'ignite.engine.deterministic.DeterministicEngine',
]);

/** Whether a same-file function is the process function of an `Engine(…)`: the engine runs it once per iteration. */
export function runByEngine(model: Semantic, fn: Node): boolean {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return false;
  for (const id of model.identifiers(name)) {
    const list = model.parentOf(id);
    const keyword = list?.type === 'keyword_argument' ? list : undefined;
    const args = keyword ? model.parentOf(keyword) : list;
    const call = args?.type === 'argument_list' ? model.parentOf(args) : null;
    if (call?.type !== 'call') continue;
    const site = model.callSite(call);
    if (!ENGINES.has(site.qualifiedName ?? '')) continue;
    if (site.argument('process_function', 0)?.id === id.id && model.lookupDefinitions(name, id).some((b) => b.node.id === fn.id)) return true;
  }
  return false;
}

/** Whether a call is `trainer.run(data, …)` on an Ignite engine that trains. */
export function isIgniteTrainingRun(model: Semantic, call: CallSite): boolean {
  if (call.methodName !== 'run' || !call.receiver) return false;
  const engine = model.originCall(call.receiver);
  const q = engine?.qualifiedName;
  if (!engine || !q) return false;
  if (SUPERVISED_TRAINERS.has(q)) return true;
  if (!ENGINES.has(q)) return false;
  // Engine(process_function): a function defined here whose body trains.
  const process = engine.argument('process_function', 0);
  if (process?.type !== 'identifier') return false;
  const fn = model.lookupDefinitions(process.text, process).find((b) => b.kind === 'def')?.node;
  const body = fn?.childForFieldName('body');
  return !!body && loopTrains(model, body);
}

export const EVALUATORS: ReadonlySet<string> = new Set(['ignite.engine.create_supervised_evaluator']);

export const IGNITE_EARLY_STOPPING: ReadonlySet<string> = new Set([
  'ignite.handlers.EarlyStopping',
  'ignite.handlers.early_stopping.EarlyStopping',
  'ignite.contrib.engines.common.add_early_stopping_by_val_score',
  'ignite.engine.common.add_early_stopping_by_val_score',
]);

export const EVENTS = ['ignite.engine.Events', 'ignite.engine.events.Events'];

/** Metric classes whose value is better when lower (the score an EarlyStopping handler negates). */
export const LOSS_METRICS: ReadonlySet<string> = new Set(['ignite.metrics.Loss', 'ignite.metrics.loss.Loss', 'ignite.metrics.MeanSquaredError', 'ignite.metrics.MeanAbsoluteError']);

/** Whether an engine (the receiver of a `run`) evaluates: built by `create_supervised_evaluator`, or an `Engine` whose process function does not train. */
export function isIgniteEvaluator(model: Semantic, call: CallSite): boolean {
  const q = call.qualifiedName;
  if (!q) return false;
  if (EVALUATORS.has(q)) return true;
  if (!ENGINES.has(q)) return false;
  const process = call.argument('process_function', 0);
  if (process?.type !== 'identifier') return false;
  const fn = model.lookupDefinitions(process.text, process).find((b) => b.kind === 'def')?.node;
  const body = fn?.childForFieldName('body');
  return !!body && !loopTrains(model, body);
}
