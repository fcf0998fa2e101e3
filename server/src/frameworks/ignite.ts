// PyTorch-Ignite: the engines that run a process function once per iteration (a training step when
// the function computes gradients and steps an optimizer).

export const IGNITE_PACKAGES = ['ignite'];

/** `Engine(process_function)`: the function runs once per iteration. */
export const ENGINES: ReadonlySet<string> = new Set([
  'ignite.engine.Engine',
  'ignite.engine.engine.Engine',
  'ignite.engine.DeterministicEngine',
  'ignite.engine.deterministic.DeterministicEngine',
]);
