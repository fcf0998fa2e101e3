// Training steps as custom loops write them: a gradient (`loss.backward()`, Accelerate's and
// Fabric's `backward(loss)`, TensorFlow's `tape.gradient(loss, vars)`) followed, in the same loop
// body or function, by a parameter update (`optimizer.step()`, `scaler.step(opt)`,
// `optimizer.apply_gradients(…)`). A gradient with no update (an adversarial attack, gradient
// inspection) is not training.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { fact, type Sites } from '../rules/rule';
import { ENGINES } from './ignite';
import { FABRICS } from './lightning';
import { ACCELERATORS } from './torch';

export type GradientKind = 'torch' | 'accelerate' | 'fabric' | 'tensorflow';

export interface TrainingStep {
  /** `loss.backward()`, `accelerator.backward(loss)`, `fabric.backward(loss)`, `tape.gradient(loss, vars)`. */
  gradient: CallSite;
  kind: GradientKind;
  /** The update that follows it: `optimizer.step()`, `scaler.step(opt)`, `optimizer.apply_gradients(…)`. */
  update: CallSite;
  /** Where the two were found together: the innermost loop around the gradient, else its function. */
  region: Node;
}

export const GRADIENT_TAPES = ['tensorflow.GradientTape', 'tensorflow.autodiff.GradientTape'];

/** How a `backward` / `gradient` call computes gradients, or undefined when it is none of these. */
export function gradientKind(model: Semantic, call: CallSite): GradientKind | undefined {
  const receiver = call.receiver;
  if (!receiver || call.qualifiedName) return undefined;
  if (call.methodName === 'gradient') return isGradientTape(model, receiver) ? 'tensorflow' : undefined;
  if (call.methodName !== 'backward') return undefined;
  const origin = model.originCall(receiver)?.qualifiedName;
  if (origin && ACCELERATORS.includes(origin)) return 'accelerate';
  if (origin && FABRICS.has(origin)) return 'fabric';
  return 'torch';
}

/** Whether an expression names a `tf.GradientTape` (assigned, or the target of `with tf.GradientTape() as tape:`). */
function isGradientTape(model: Semantic, expr: Node): boolean {
  if (expr.type !== 'identifier') return false;
  for (const b of model.lookup(expr.text, expr)) {
    if (b.kind === 'assign' && b.value && GRADIENT_TAPES.includes(model.originCall(b.value)?.qualifiedName ?? '')) return true;
    if (b.kind === 'with') {
      for (const item of withItems(b.node)) {
        if (item.alias?.text === expr.text && GRADIENT_TAPES.includes(model.originCall(item.value)?.qualifiedName ?? '')) return true;
      }
    }
  }
  return false;
}

/** Learning-rate schedulers also have `.step()`; their steps update no parameters. */
function isScheduler(model: Semantic, call: CallSite): boolean {
  const origin = call.receiver ? model.originCall(call.receiver)?.qualifiedName : undefined;
  return !!origin && (origin.includes('lr_scheduler') || origin.endsWith('Scheduler') || origin.endsWith('LR'));
}

/** The parameter update after a gradient, in the innermost loop around it or else its function. */
export function updateAfter(model: Semantic, gradient: CallSite, kind: GradientKind): { update: CallSite; region: Node } | undefined {
  const region = model.enclosingLoops(gradient.node)[0] ?? model.enclosingFunction(gradient.node);
  if (!region) return undefined;
  const names = kind === 'tensorflow' ? ['apply_gradients'] : ['step'];
  for (const name of names) {
    for (const call of model.callsNamedWithin(name, region)) {
      if (!call.receiver || call.node.startIndex < gradient.node.startIndex) continue;
      if (name === 'step' && isScheduler(model, call)) continue;
      return { update: call, region };
    }
  }
  return kind === 'tensorflow' || region.type !== 'function_definition' ? undefined : closureStep(model, region);
}

/**
 * LBFGS and the other optimizers that take a closure: `def closure(): …; loss.backward(); return loss`
 * then `optimizer.step(closure)`. The update is that step; the region is the loop around it (else its function).
 */
function closureStep(model: Semantic, fn: Node): { update: CallSite; region: Node } | undefined {
  const name = fn.childForFieldName('name');
  if (!name) return undefined;
  for (const call of model.callsNamed('step')) {
    const given = call.argument('closure', 0);
    if (!call.receiver || given?.type !== 'identifier' || given.text !== name.text) continue;
    if (!model.lookupDefinitions(given.text, given).some((b) => b.kind === 'def' && b.node.id === fn.id)) continue;
    const region = model.enclosingLoops(call.node)[0] ?? model.enclosingFunction(call.node);
    if (region) return { update: call, region };
  }
  return undefined;
}

/** The training steps among the sites (or, given the model, of the whole file), in document order. */
export function trainingSteps(model: Semantic, sites: Pick<Sites, 'callsNamed'>): TrainingStep[] {
  const out: TrainingStep[] = [];
  for (const gradient of [...sites.callsNamed('backward'), ...sites.callsNamed('gradient')]) {
    const kind = gradientKind(model, gradient);
    if (!kind) continue;
    const found = updateAfter(model, gradient, kind);
    if (found) out.push({ gradient, kind, ...found });
  }
  return out.sort((a, b) => a.gradient.node.startIndex - b.gradient.node.startIndex);
}

/** Whether a loop (its body, or a same-file function it calls) holds a training step. */
export function loopTrains(model: Semantic, loop: Node, depth = 0): boolean {
  for (const name of ['backward', 'gradient']) {
    for (const call of model.callsNamedWithin(name, loop)) {
      const kind = gradientKind(model, call);
      if (kind && updateAfter(model, call, kind)) return true;
    }
  }
  // `for batch in loader: train_step(model, batch, opt)`
  return depth < 2 && callsTrainingFunction(model, loop, depth);
}

/** Whether a node calls, by its plain name, a function defined in this file whose body trains. */
function callsTrainingFunction(model: Semantic, node: Node, depth: number): boolean {
  for (const call of model.callsWithin(node)) {
    const callee = call.callee;
    if (callee.type !== 'identifier') continue;
    const fn = model.lookupDefinitions(callee.text, callee).find((b) => b.kind === 'def');
    const body = fn?.node.childForFieldName('body');
    if (body && loopTrains(model, body, depth + 1)) return true;
  }
  return false;
}

const ITERATION_WRAPPERS = new Set(['enumerate', 'tqdm', 'iter', 'zip', 'trange']);

/** The `for` loops that iterate a name (directly, or through `enumerate(…)`, `tqdm(…)`, `zip(…)`), within a node. */
function loopsOver(model: Semantic, name: string, within: Node | undefined): Node[] {
  const out: Node[] = [];
  for (const id of model.identifiers(name)) {
    if (within && !(id.startIndex >= within.startIndex && id.endIndex <= within.endIndex)) continue;
    let node: Node = id;
    let parent = model.parentOf(node);
    // Up through `enumerate(loader)`, `tqdm(loader, desc=…)`: the name is an argument of a wrapper call.
    while (parent && (parent.type === 'argument_list' || parent.type === 'keyword_argument')) {
      const call = parent.type === 'argument_list' ? model.parentOf(parent) : model.parentOf(model.parentOf(parent) ?? parent);
      const callee = call?.type === 'call' ? call.childForFieldName('function') : null;
      const calleeName = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
      if (!call || !calleeName || !ITERATION_WRAPPERS.has(calleeName)) break;
      node = call;
      parent = model.parentOf(call);
    }
    if (parent?.type === 'for_statement' && parent.childForFieldName('right')?.id === node.id) out.push(parent);
  }
  return out;
}

/**
 * Whether what a call makes (a DataLoader, a dataset) is consumed by training: iterated by a loop
 * that trains, passed to a same-file function that iterates it in one, or handed to a trainer's
 * `fit` (Lightning). Follows the value through `name = Call(…)` and one level of function parameters.
 */
export function feedsTraining(model: Semantic, made: CallSite, trainerFit: (call: CallSite) => boolean): boolean {
  const parent = model.parentOf(made.node);
  // `for x, y in DataLoader(…):`
  if (parent?.type === 'for_statement' && parent.childForFieldName('right')?.id === made.node.id) return loopTrains(model, parent);
  const assigned = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === made.node.id ? parent.childForFieldName('left') : null;
  if (assigned?.type !== 'identifier') return false;
  return nameFeedsTraining(model, assigned.text, undefined, trainerFit, 0);
}

function nameFeedsTraining(model: Semantic, name: string, within: Node | undefined, trainerFit: (call: CallSite) => boolean, depth: number): boolean {
  if (loopsOver(model, name, within).some((loop) => loopTrains(model, loop))) return true;
  if (depth >= 1) return false;
  for (const id of model.identifiers(name)) {
    if (within && !(id.startIndex >= within.startIndex && id.endIndex <= within.endIndex)) continue;
    const args = model.parentOf(id);
    const keyword = args?.type === 'keyword_argument' ? args : undefined;
    const list = keyword ? model.parentOf(keyword) : args;
    if (list?.type !== 'argument_list') continue;
    const callNode = model.parentOf(list);
    if (callNode?.type !== 'call') continue;
    const call = model.callSite(callNode);
    if (trainerFit(call)) return true;
    // A same-file function: the parameter the loader is passed as, iterated in its body.
    const callee = call.callee;
    if (callee.type !== 'identifier') continue;
    const fn = model.lookupDefinitions(callee.text, callee).find((b) => b.kind === 'def')?.node;
    const parameters = fn?.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
    const index = keyword ? -1 : call.positional.findIndex((p) => p.id === id.id);
    const parameter = keyword
      ? parameters.find((p) => parameterName(p) === keyword.childForFieldName('name')?.text)
      : parameters[index];
    const parameterText = parameter ? parameterName(parameter) : undefined;
    if (fn && parameterText && nameFeedsTraining(model, parameterText, fn, trainerFit, depth + 1)) return true;
  }
  return false;
}

/** The name a parameter binds (`x`, `x: int`, `x=1`, `*args`). */
export function parameterName(p: Node): string | undefined {
  if (p.type === 'identifier') return p.text;
  const name = p.childForFieldName('name') ?? p.namedChild(0);
  return name?.type === 'identifier' ? name.text : undefined;
}

/** `for epoch in range(…)`: with the step right in it, one step per epoch (full-batch training). */
function isEpochLoop(loop: Node): boolean {
  if (loop.type !== 'for_statement') return false;
  const target = loop.childForFieldName('left');
  const right = loop.childForFieldName('right');
  const callee = right?.type === 'call' ? right.childForFieldName('function')?.text : undefined;
  return target?.type === 'identifier' && /epoch/i.test(target.text) && (callee === 'range' || callee === 'trange');
}

/** The training steps whose gradient lies inside a node (a loop, a function), found from the node alone. */
export function stepsWithin(model: Semantic, node: Node): TrainingStep[] {
  const out: TrainingStep[] = [];
  for (const name of ['backward', 'gradient']) {
    for (const gradient of model.callsNamedWithin(name, node)) {
      const kind = gradientKind(model, gradient);
      const found = kind && updateAfter(model, gradient, kind);
      if (kind && found) out.push({ gradient, kind, ...found });
    }
  }
  return out;
}

/** Builtins a loop calls, which are never a training function of the file. */
const BUILTINS = new Set(['print', 'len', 'range', 'enumerate', 'zip', 'min', 'max', 'sum', 'float', 'int', 'str', 'list', 'dict', 'tuple', 'isinstance', 'round', 'abs', 'next', 'iter', 'sorted', 'any', 'all', 'format', 'getattr', 'setattr', 'hasattr']);

/** Whether a function is handed to a PyTorch-Ignite `Engine`, which runs it once per iteration. */
function runByEngine(model: Semantic, fn: Node): boolean {
  const name = fn.childForFieldName('name');
  return (name ? model.identifiers(name.text) : []).some((id) => {
    const list = model.parentOf(id);
    const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
    return call?.type === 'call' && ENGINES.has(model.callSite(call).qualifiedName ?? '') && model.lookupDefinitions(id.text, id).some((b) => b.node.id === fn.id);
  });
}

/** Whether a function holding a training step runs once per batch: handed to an ignite Engine, or called in a loop that is not an epoch loop. */
function runsPerBatch(model: Semantic, fn: Node): boolean {
  if (runByEngine(model, fn)) return true;
  return model.callersOf(fn).some((c) => {
    const loop = model.enclosingLoops(c.node)[0];
    return !!loop && !isEpochLoop(loop);
  });
}

/**
 * The innermost code around a node that runs once per training step, found from the node's
 * surroundings: a loop that is a step's own loop (not `for epoch in range(…)` with the step right
 * in it: full-batch training, one step per epoch), a loop that calls a function holding a step, or
 * a function holding a step that runs once per batch (handed to an ignite `Engine`, or called in a
 * loop over batches); a step's closure (`optimizer.step(closure)`) runs with the loop around it.
 */
export function perStepRegionAround(model: Semantic, node: Node, known = new Map<number, TrainingStep[]>()): Node | undefined {
  // The steps within each loop and function asked about, kept for the next node of the same check.
  const within = (n: Node) => {
    let steps = known.get(n.id);
    if (!steps) known.set(n.id, (steps = stepsWithin(model, n)));
    return steps;
  };
  for (const loop of model.enclosingLoops(node)) {
    if (within(loop).some((s) => s.region.id === loop.id)) return isEpochLoop(loop) ? undefined : loop;
    for (const call of model.callsWithin(loop)) {
      if (call.callee.type !== 'identifier' || BUILTINS.has(call.callee.text) || model.enclosingFunction(call.node)?.id !== model.enclosingFunction(loop)?.id) continue;
      const fn = model.lookupDefinitions(call.callee.text, call.callee).find((b) => b.kind === 'def')?.node;
      if (fn && !isEpochLoop(loop) && within(fn).some((s) => s.region.id === fn.id)) return loop;
    }
  }
  const fn = model.enclosingFunction(node);
  if (!fn) return undefined;
  const steps = within(fn);
  if (steps.some((s) => s.region.id === fn.id)) return runsPerBatch(model, fn) ? fn : undefined;
  // A closure: `def closure(): …; loss.backward(); …` stepped by the loop around it.
  const closure = steps.find((s) => s.region.type !== 'function_definition' && s.region.startIndex <= fn.startIndex && s.region.endIndex >= fn.endIndex);
  return closure && !isEpochLoop(closure.region) ? closure.region : undefined;
}

/**
 * The loops that repeat a training step: `steps`, the loop that runs it once per batch (its own, or
 * the loop around a call of the function holding it), and `epochs`, the loop around that one (in
 * the same function, or around a call of that function), when there is one.
 */
export function trainingLoopsOf(model: Semantic, step: TrainingStep): { steps: Node; epochs?: Node } | undefined {
  const loopAround = (node: Node): Node | undefined => {
    const own = model.enclosingLoops(node)[0];
    if (own) return own;
    const fn = model.enclosingFunction(node);
    for (const caller of fn ? model.callersOf(fn) : []) {
      const loop = model.enclosingLoops(caller.node)[0];
      if (loop) return loop;
    }
    return undefined;
  };
  const steps = step.region.type === 'function_definition' ? loopAround(step.region) : step.region;
  if (!steps) return undefined;
  return { steps, epochs: loopAround(steps) };
}

/** The function parameter an identifier names, and its position, if it names one. */
function parameterIndex(model: Semantic, id: Node): { fn: Node; index: number } | undefined {
  const binding = model.lookup(id.text, id).find((b) => b.kind === 'param');
  const fn = binding ? model.enclosingFunction(binding.node) : undefined;
  const parameters = fn?.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
  const index = parameters.findIndex((p) => parameterName(p) === id.text);
  return fn && index >= 0 ? { fn, index } : undefined;
}

/**
 * The model a step trains, as a name usable at `at`: `model` in `optimizer = torch.optim.SGD(model.parameters(), …)`
 * for the optimizer the step updates, followed from a function's parameters to the arguments of
 * its call inside `at` (`train(model, optimizer)` in the epoch loop).
 */
export function trainedModelAt(model: Semantic, step: TrainingStep, at: Node): Node | undefined {
  // `optimizer.step()`, or `scaler.step(optimizer)` with a GradScaler.
  for (const given of [step.update.positional[0], step.update.receiver]) {
    const found = given && modelOfOptimizer(model, given, at);
    if (found) return found;
  }
  return undefined;
}

function modelOfOptimizer(model: Semantic, given: Node, at: Node): Node | undefined {
  let optimizer: Node | null = given;
  for (let hop = 0; optimizer?.type === 'identifier' && hop < 3; hop++) {
    const parameter = parameterIndex(model, optimizer);
    if (!parameter) break;
    const call = model.callersOf(parameter.fn).find((c) => c.node.startIndex >= at.startIndex && c.node.endIndex <= at.endIndex);
    const name: string = optimizer.text;
    optimizer = call ? (call.keywords.get(name)?.value ?? call.positional[parameter.index] ?? null) : null;
  }
  const made = optimizer ? model.originCall(optimizer) : undefined;
  if (!made || !/optim/i.test(made.qualifiedName ?? '')) return undefined;
  const params = made.argument('params', 0);
  if (params?.type !== 'call') return undefined;
  const parameters = model.callSite(params);
  return parameters.methodName === 'parameters' && parameters.receiver?.type === 'identifier' ? parameters.receiver : undefined;
}

/**
 * Where a file trains, as file-level facts (a rule declares them with `...TRAINING_FACTS`): each
 * part of the file finds its own steps, so a rule checking one part does not read the others'.
 */
export const TRAINING_FACTS = {
  /** The gradient call of every training step. */
  trainingGradients: fact.nodes(({ model, sites }) => trainingSteps(model, sites).map((s) => s.gradient.node)),
  /** The loop or function of every training step. */
  trainingRegions: fact.nodes(({ model, sites }) => trainingSteps(model, sites).map((s) => s.region)),
};

/** The training step of a gradient call (one of TRAINING_FACTS' `trainingGradients`). */
export function stepAt(model: Semantic, gradient: Node): TrainingStep | undefined {
  const call = model.callSite(gradient);
  const kind = gradientKind(model, call);
  const found = kind && updateAfter(model, call, kind);
  return kind && found ? { gradient: call, kind, ...found } : undefined;
}
