// Training steps as custom loops write them: a gradient (`loss.backward()`, Accelerate's and
// Fabric's `backward(loss)`, TensorFlow's `tape.gradient(loss, vars)`) followed, in the same loop
// body or function, by a parameter update (`optimizer.step()`, `scaler.step(opt)`,
// `optimizer.apply_gradients(…)`). A gradient with no update (an adversarial attack, gradient
// inspection) is not training.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import type { Sites } from '../rules/rule';
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

function parameterName(p: Node): string | undefined {
  if (p.type === 'identifier') return p.text;
  const name = p.childForFieldName('name') ?? p.namedChild(0);
  return name?.type === 'identifier' ? name.text : undefined;
}

/** The same variable: both names resolve to the bindings of one scope. */
export function sameVariable(model: Semantic, a: Node, b: Node): boolean {
  if (a.text !== b.text) return false;
  const x = model.lookup(a.text, a)[0];
  const y = model.lookup(b.text, b)[0];
  return !!x && !!y && x.node.id === y.node.id;
}

const CONTAINERS = new Set(['call', 'argument_list', 'keyword_argument', 'list', 'tuple', 'dictionary', 'pair', 'parenthesized_expression', 'expression_list']);

/** `X.parameters()` handed to an optimizer (`torch.optim.SGD(model.parameters(), …)`, parameter groups included). */
function parametersToOptimizer(model: Semantic, id: Node): boolean {
  const attribute = model.parentOf(id);
  const method = attribute?.type === 'attribute' && attribute.childForFieldName('object')?.id === id.id ? attribute.childForFieldName('attribute')?.text : undefined;
  if (method !== 'parameters' && method !== 'named_parameters') return false;
  let node = model.parentOf(attribute!);
  if (node?.type !== 'call') return false;
  for (node = model.parentOf(node); node && CONTAINERS.has(node.type); node = model.parentOf(node)) {
    if (node.type === 'call' && /optim/i.test(model.callSite(node).qualifiedName ?? '')) return true;
  }
  return false;
}

/** The use of a same-file function's parameter that an argument is passed to (its first use in the body), if any. */
function parameterFor(model: Semantic, call: CallSite, argument: Node): Node | undefined {
  const callee = call.callee;
  if (callee.type !== 'identifier') return undefined;
  const fn = model.lookupDefinitions(callee.text, callee).find((b) => b.kind === 'def')?.node;
  const body = fn?.childForFieldName('body');
  if (!fn || !body) return undefined;
  const parameters = fn.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
  const keyword = model.parentOf(argument);
  let wanted: string | undefined;
  if (keyword?.type === 'keyword_argument') wanted = keyword.childForFieldName('name')?.text;
  else {
    const index = call.positional.findIndex((p) => p.id === argument.id);
    wanted = index >= 0 && parameters[index] ? parameterName(parameters[index]) : undefined;
  }
  if (!wanted) return undefined;
  const name = wanted;
  return model.identifiers(name).find((id) => id.startIndex >= body.startIndex && id.endIndex <= body.endIndex && model.lookup(name, id).some((b) => b.kind === 'param'));
}

/** Which calls carry a value on: a method called on it (`.to(device)`), a call it is passed to (`TensorDataset(x, y)`). */
export interface Carry {
  method(call: CallSite): boolean;
  call(call: CallSite): boolean;
}

/** Every method carries a value; so does every PyTorch call it is passed to. */
export const CARRY_ANY: Carry = { method: () => true, call: (c) => !!c.qualifiedName?.startsWith('torch.') };

/**
 * Where a file trains, found once per check: its training steps, and whether a value reaches them
 * (used in a step's loop or function, its parameters handed to an optimizer, passed on through
 * PyTorch wrappers — `TensorDataset`, `DataLoader`, `DataParallel` — names, and same-file functions).
 * What carries a value on is the rule's to say (`carry`): a float64 tensor stops at `.float()`.
 */
export class TrainingUse {
  private found: TrainingStep[] | undefined;
  /** Whether each variable (by its scope's first binding) trains, for the questions asked first. */
  private readonly variables = new Map<number, boolean>();
  /** The variables whose answer is being found (a name that reaches itself is not trained by that alone). */
  private readonly pending = new Set<number>();

  constructor(
    private readonly model: Semantic,
    private readonly carry: Carry = CARRY_ANY,
  ) {}

  get steps(): TrainingStep[] {
    return (this.found ??= trainingSteps(this.model, this.model));
  }

  /** Whether a node lies in the loop or function of a training step. */
  inTrainingRegion(node: Node): boolean {
    return this.steps.some((s) => node.startIndex >= s.region.startIndex && node.endIndex <= s.region.endIndex);
  }

  /** Whether the variable a name stands for (where it is bound or used) is trained or feeds training. */
  trains(id: Node, depth = 0): boolean {
    if (depth > 8 || this.steps.length === 0) return false;
    const binding = this.model.lookup(id.text, id)[0];
    if (!binding || this.pending.has(binding.node.id)) return false;
    // Answers are kept for first questions only: a nested one is cut off by depth and by the names
    // being found, so keeping it would make answers depend on the order of the questions.
    const known = depth === 0 ? this.variables.get(binding.node.id) : undefined;
    if (known !== undefined) return known;
    this.pending.add(binding.node.id);
    let trained = false;
    try {
      for (const use of this.model.identifiers(id.text)) {
        if (!sameVariable(this.model, use, id)) continue;
        if (parametersToOptimizer(this.model, use)) trained = true;
        else if (this.stopped(use)) continue;
        else trained = this.inTrainingRegion(use) || this.reaches(use, depth + 1);
        if (trained) break;
      }
    } finally {
      this.pending.delete(binding.node.id);
    }
    if (depth === 0) this.variables.set(binding.node.id, trained);
    return trained;
  }

  /** Whether a use hands the value to a call that does not carry it on (`x.float()`, `torch.tensor(x, dtype=torch.float32)`). */
  private stopped(use: Node): boolean {
    const call = this.callOn(use);
    if (call) return !this.carry.method(call);
    const passedTo = this.callTaking(use);
    return !!passedTo && !!passedTo.qualifiedName?.startsWith('torch.') && !this.carry.call(passedTo);
  }

  /** The method call made on an expression (`x.to(device)` for `x`), if any. */
  private callOn(expr: Node): CallSite | undefined {
    const attribute = this.model.parentOf(expr);
    if (attribute?.type !== 'attribute' || attribute.childForFieldName('object')?.id !== expr.id) return undefined;
    const call = this.model.parentOf(attribute);
    return call?.type === 'call' && call.childForFieldName('function')?.id === attribute.id ? this.model.callSite(call) : undefined;
  }

  /** The call an expression is an argument of (positional or keyword value), if any. */
  private callTaking(expr: Node): CallSite | undefined {
    const parent = this.model.parentOf(expr);
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('value')?.id !== expr.id) return undefined;
    const list = parent?.type === 'keyword_argument' ? this.model.parentOf(parent) : parent;
    const call = list?.type === 'argument_list' ? this.model.parentOf(list) : null;
    return call?.type === 'call' ? this.model.callSite(call) : undefined;
  }

  /**
   * Whether what an expression holds reaches training: assigned to a name that does, passed to a
   * call that carries it (or to a same-file function whose parameter does), iterated by a loop that
   * trains, or carried through a method call.
   */
  reaches(expr: Node, depth = 0): boolean {
    if (depth > 10) return false;
    const model = this.model;
    const parent = model.parentOf(expr);
    if (!parent) return false;
    if (parent.type === 'parenthesized_expression') return this.reaches(parent, depth + 1);
    const method = this.callOn(expr);
    if (method) return this.carry.method(method) && this.reaches(method.node, depth + 1);
    const taking = this.callTaking(expr);
    if (taking) {
      if (taking.qualifiedName) return this.carry.call(taking) && this.reaches(taking.node, depth + 1);
      const parameter = parameterFor(model, taking, expr);
      return !!parameter && this.trains(parameter, depth + 1);
    }
    if (parent.type === 'assignment') {
      const left = parent.childForFieldName('left');
      return parent.childForFieldName('right')?.id === expr.id && left?.type === 'identifier' && (this.inTrainingRegion(left) || this.trains(left, depth + 1));
    }
    return parent.type === 'for_statement' && parent.childForFieldName('right')?.id === expr.id && loopTrains(model, parent);
  }
}

/** `for epoch in range(…)`: with the step right in it, one step per epoch (full-batch training). */
function isEpochLoop(loop: Node): boolean {
  if (loop.type !== 'for_statement') return false;
  const target = loop.childForFieldName('left');
  const right = loop.childForFieldName('right');
  const callee = right?.type === 'call' ? right.childForFieldName('function')?.text : undefined;
  return target?.type === 'identifier' && /epoch/i.test(target.text) && (callee === 'range' || callee === 'trange');
}

/**
 * The code that runs once per training step: a step's loop, or the function holding it when that
 * function runs once per batch (handed to an ignite `Engine`, or called in a loop that is not an
 * epoch loop), with the loops that call it. A step right in `for epoch in range(…)` is full-batch
 * training: one step per epoch, not counted.
 */
export function perStepRegions(model: Semantic, steps: readonly TrainingStep[]): Node[] {
  const out = new Map<number, Node>();
  for (const step of steps) {
    const region = step.region;
    if (region.type !== 'function_definition') {
      if (!isEpochLoop(region)) out.set(region.id, region);
      continue;
    }
    const name = region.childForFieldName('name');
    for (const id of name ? model.identifiers(name.text) : []) {
      const list = model.parentOf(id);
      const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
      if (call?.type !== 'call' || !ENGINES.has(model.callSite(call).qualifiedName ?? '')) continue;
      if (model.lookupDefinitions(id.text, id).some((b) => b.node.id === region.id)) out.set(region.id, region);
    }
    for (const caller of model.callersOf(region)) {
      const loop = model.enclosingLoops(caller.node)[0];
      if (!loop || isEpochLoop(loop)) continue;
      out.set(region.id, region);
      out.set(loop.id, loop);
    }
  }
  return [...out.values()].sort((a, b) => a.startIndex - b.startIndex);
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
