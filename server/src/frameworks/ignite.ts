// PyTorch-Ignite: the engines that train. `create_supervised_trainer(model, optimizer, loss_fn, …)`
// builds one; `Engine(process_function)` runs its process function once per iteration, and is a
// trainer when that function trains (a gradient and a parameter update). `trainer.run(data,
// max_epochs=…)` feeds the data to it.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
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
