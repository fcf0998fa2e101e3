// Training steps as custom loops write them: a gradient (`loss.backward()`, Accelerate's and
// Fabric's `backward(loss)`, TensorFlow's `tape.gradient(loss, vars)`) followed, in the same loop
// body or function, by a parameter update (`optimizer.step()`, `scaler.step(opt)`,
// `optimizer.apply_gradients(…)`). A gradient with no update (an adversarial attack, gradient
// inspection) is not training. A loss-scaler object from another module that does both
// (`loss_scaler(loss, optimizer, parameters=…)`, timm's and MAE's NativeScaler) is a step too.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { fact, type Sites } from '../rules/rule';
import { countCall, countsEpochs } from './epochLoops';
import { GBDT_CV, LGB_TRAIN, XGB_TRAIN } from './gbdt';
import { isIgniteTrainingRun, runByEngine } from './ignite';
import { fabricValue } from './fabric';
import { returnedByTrainDataloaderHook, trainerOf } from './lightning';
import { parameterReceiving } from './parameters';
import { CROSS_VALIDATION } from './sklearn';
import { acceleratorCalls } from './torch';

/** `loss-scaler`: one call does the backward pass and the update (`loss_scaler(loss, optimizer, parameters=…)`). */
export type GradientKind = 'torch' | 'accelerate' | 'fabric' | 'tensorflow' | 'loss-scaler';

export interface TrainingStep {
  /** `loss.backward()`, `accelerator.backward(loss)`, `fabric.backward(loss)`, `tape.gradient(loss, vars)`, `loss_scaler(loss, optimizer, …)`. */
  gradient: CallSite;
  kind: GradientKind;
  /** The update that follows it: `optimizer.step()`, `scaler.step(opt)`, `optimizer.apply_gradients(…)`; for a loss scaler, its call again. */
  update: CallSite;
  /** Where the two were found together: the innermost loop around the gradient, else its function. */
  region: Node;
}

export const GRADIENT_TAPES = ['tensorflow.GradientTape', 'tensorflow.autodiff.GradientTape', 'tensorflow.compat.v1.GradientTape', 'tensorflow.compat.v2.GradientTape'];

/** How a `backward` / `gradient` call computes gradients, or undefined when it is none of these. */
export function gradientKind(model: Semantic, call: CallSite): GradientKind | undefined {
  const receiver = call.receiver;
  if (!receiver || call.qualifiedName) return undefined;
  if (call.methodName === 'gradient') return isGradientTape(model, receiver) ? 'tensorflow' : undefined;
  if (call.methodName !== 'backward') return undefined;
  if (acceleratorCalls(model, receiver)) return 'accelerate';
  if (fabricValue(model, receiver) === 'fabric') return 'fabric';
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

/**
 * The parameter update after a gradient: in the loops around it, innermost first (with gradient
 * accumulation the step comes in an outer one, after several backward calls), else in its function;
 * else (a closure passed to `optimizer.step(closure)`) in the loop around that function, or where
 * the closure is stepped when it is defined elsewhere.
 */
export function updateAfter(model: Semantic, gradient: CallSite, kind: GradientKind): { update: CallSite; region: Node } | undefined {
  const fn = model.enclosingFunction(gradient.node);
  const loops = model.enclosingLoops(gradient.node);
  // [region, whether the update must follow the gradient there]
  const regions: Array<[Node | undefined, boolean]> = [...loops.map((l): [Node, boolean] => [l, true]), [fn, true], [fn && model.enclosingLoops(fn)[0], false]];
  // TensorFlow: an optimizer's `apply_gradients`, or a variable's own `v.assign_sub(lr * g)`.
  const names = kind === 'tensorflow' ? ['apply_gradients', 'assign_sub'] : ['step'];
  for (const [region, follows] of regions) {
    if (!region) continue;
    for (const name of names) {
      for (const call of model.callsNamedWithin(name, region)) {
        // In the gradient's own regions the update follows it; around a closure, it calls it.
        if (!call.receiver || (follows && call.node.startIndex < gradient.node.startIndex)) continue;
        if (name === 'step' && isScheduler(model, call)) continue;
        return { update: call, region };
      }
    }
  }
  return kind === 'tensorflow' || !fn ? undefined : closureStep(model, fn);
}

/**
 * LBFGS and the other optimizers that take a closure, defined away from the loop that steps it:
 * `def closure(): …; loss.backward(); return loss`, then `optimizer.step(closure)` elsewhere. The
 * update is that step; the region is the loop around it (else its function).
 */
function closureStep(model: Semantic, fn: Node): { update: CallSite; region: Node } | undefined {
  for (const call of stepsGivenClosure(model, fn)) {
    const region = model.enclosingLoops(call.node)[0] ?? model.enclosingFunction(call.node);
    if (region) return { update: call, region };
  }
  return undefined;
}

/** The `optimizer.step(closure)` calls (`closure=` or first argument) that are handed this function by name. */
function stepsGivenClosure(model: Semantic, fn: Node): CallSite[] {
  const name = fn.childForFieldName('name');
  if (!name) return [];
  return model.callsNamed('step').filter((call) => {
    const given = call.argument('closure', 0);
    if (!call.receiver || given?.type !== 'identifier' || given.text !== name.text) return false;
    return model.lookupDefinitions(given.text, given).some((b) => b.kind === 'def' && b.node.id === fn.id);
  });
}

const LBFGS = new Set(['torch.optim.LBFGS', 'torch.optim.lbfgs.LBFGS']);

/**
 * Whether a function is the closure of a `torch.optim.LBFGS` step (`optimizer = torch.optim.LBFGS(…)`,
 * then `optimizer.step(closure)`): LBFGS evaluates it several times per step and reads each loss
 * as a Python float itself (`float(closure())`), so the closure's evaluations sync anyway.
 */
export function steppedByLbfgs(model: Semantic, fn: Node): boolean {
  return stepsGivenClosure(model, fn).some((call) => LBFGS.has(model.originCall(call.receiver!)?.qualifiedName ?? ''));
}

/** The training step a `backward` / `gradient` call starts, if it is one (a gradient with an update after it). */
export function stepOf(model: Semantic, gradient: CallSite): TrainingStep | undefined {
  const kind = gradientKind(model, gradient);
  const found = kind && updateAfter(model, gradient, kind);
  return kind && found ? { gradient, kind, ...found } : undefined;
}

/** The training steps among the sites (or, given the model, of the whole file), in document order. */
export function trainingSteps(model: Semantic, sites: Pick<Sites, 'callsNamed' | 'identifiers'>): TrainingStep[] {
  const out: TrainingStep[] = [];
  for (const gradient of [...sites.callsNamed('backward'), ...sites.callsNamed('gradient')]) {
    const step = stepOf(model, gradient);
    if (step) out.push(step);
  }
  out.push(...lossScalerSteps(model, sites));
  return out.sort((a, b) => a.gradient.node.startIndex - b.gradient.node.startIndex);
}

/**
 * The loss-scaler steps among the sites: a call of an object the file does not define
 * (`loss_scaler(loss, optimizer, clip_grad=…, parameters=model.parameters())`, timm's, MAE's, DeiT's
 * and ConvNeXt's NativeScaler) handed the loss first and the optimizer second, with the
 * `parameters=` it clips, where that optimizer's `zero_grad()` is called in the same function. Its
 * backward and update happen in the other module; the region is the loop around the call, else
 * its function. Found from the `parameters=` keyword (cheap to find by its spelling).
 */
function lossScalerSteps(model: Semantic, sites: Pick<Sites, 'identifiers'>): TrainingStep[] {
  const out: TrainingStep[] = [];
  for (const id of sites.identifiers('parameters')) {
    const keyword = model.parentOf(id);
    const list = keyword?.type === 'keyword_argument' && keyword.childForFieldName('name')?.id === id.id ? model.parentOf(keyword) : null;
    const node = list?.type === 'argument_list' ? model.parentOf(list) : null;
    if (node?.type !== 'call') continue;
    const call = model.callSite(node);
    const region = model.enclosingLoops(node)[0] ?? model.enclosingFunction(node);
    if (region && isLossScalerCall(model, call)) out.push({ gradient: call, kind: 'loss-scaler', update: call, region });
  }
  return out;
}

const LITERALS = new Set(['integer', 'float', 'string', 'true', 'false', 'none', 'list', 'tuple', 'dictionary']);

/** `loss_scaler(loss, optimizer, …, parameters=…)`: see lossScalerSteps. */
function isLossScalerCall(model: Semantic, call: CallSite): boolean {
  const [loss, optimizer] = call.positional;
  if (!loss || !optimizer || LITERALS.has(loss.type) || !call.keywords.has('parameters')) return false;
  // A function of the file is read through its body (a step inside it is found there; none, none).
  if (call.qualifiedName || localFunctionCalled(model, call) || (call.callee.type === 'identifier' && model.lookupDefinitions(call.callee.text, call.callee).some((b) => b.kind === 'def' || b.kind === 'class'))) return false;
  return zeroesGradients(model, optimizer, call.node);
}

/** Whether `optimizer.zero_grad()` is called on the same name (`optimizer`, `self.optimizer`) in the function around a node (or at the top level). */
function zeroesGradients(model: Semantic, optimizer: Node, at: Node): boolean {
  if (optimizer.type !== 'identifier' && optimizer.type !== 'attribute') return false;
  const fn = model.enclosingFunction(at);
  const calls = fn ? model.callsNamedWithin('zero_grad', fn) : model.callsNamed('zero_grad');
  return calls.some((c) => {
    const receiver = c.receiver;
    if (!receiver || receiver.text !== optimizer.text || model.enclosingFunction(c.node)?.id !== fn?.id) return false;
    return receiver.type !== 'identifier' || model.lookup(receiver.text, receiver)[0]?.node.id === model.lookup(optimizer.text, optimizer)[0]?.node.id;
  });
}

/** The optimizer a step updates: `optimizer` in `optimizer.step()`, `scaler.step(optimizer)`, `loss_scaler(loss, optimizer, …)`. */
export function stepOptimizer(step: TrainingStep): Node | undefined {
  if (step.kind === 'loss-scaler') return step.update.positional[1];
  return step.update.positional[0] ?? step.update.receiver ?? undefined;
}

/**
 * Whether the file computes a gradient anywhere (`.backward(…)`, `tape.gradient(…)`), or zeroes an
 * optimizer's gradients (a loss scaler's step does the backward pass in another module): every
 * training step has one, so without it no loop or function here trains — asked once, before the
 * per-loop reads.
 */
export function computesGradients(model: Semantic): boolean {
  return model.hasCallNamed('backward') || model.hasCallNamed('gradient') || model.hasCallNamed('zero_grad');
}

/** The training steps whose gradient lies inside a node (a loop, a function), found from the node alone. */
export function stepsWithin(model: Semantic, node: Node): TrainingStep[] {
  return trainingSteps(model, { callsNamed: (name) => model.callsNamedWithin(name, node), identifiers: (name) => model.identifiersWithin(name, node) });
}

/** Whether a loop (its body, or a same-file function it calls) holds a training step. */
export function loopTrains(model: Semantic, loop: Node, depth = 0): boolean {
  if (!computesGradients(model)) return false;
  if (trainsHere(model, loop)) return true;
  // `for batch in loader: train_step(model, batch, opt)`
  return depth < 2 && trainingFunctionsCalled(model, loop, depth).length > 0;
}

/**
 * Whether a node itself (not the functions it calls) holds a training step. With `whole`, the update
 * must lie in the node too: a gradient-accumulation loop (`for micro_step in range(n): loss.backward()`,
 * the optimizer stepping after it) holds only half of one.
 */
export function trainsHere(model: Semantic, node: Node, whole = false): boolean {
  if (!computesGradients(model)) return false;
  if (stepsWithin(model, node).some((s) => !whole || (s.update.node.startIndex >= node.startIndex && s.update.node.endIndex <= node.endIndex))) return true;
  // `loss, grads = grad(model, x, y)` then `optimizer.apply_gradients(zip(grads, …))`: gradients a
  // tape computed in a helper, applied here.
  return model.callsNamedWithin('apply_gradients', node).some((c) => !!c.receiver) && model.callsNamed('gradient').some((g) => gradientKind(model, g) === 'tensorflow');
}

/** Methods that train a model in place (scikit-learn, Keras, XGBoost's and LightGBM's estimators). */
const FIT_METHODS = ['fit', 'partial_fit'];

/** Functions that train models themselves: XGBoost's and LightGBM's `train` and `cv`, scikit-learn's cross-validation helpers. */
const TRAINING_FUNCTIONS: ReadonlySet<string> = new Set([...XGB_TRAIN, ...LGB_TRAIN, ...GBDT_CV, ...CROSS_VALIDATION]);

/**
 * Whether a model is trained within a node: a training step (see loopTrains), a `fit` /
 * `partial_fit` method call, XGBoost's / LightGBM's `train` or `cv`, or scikit-learn's
 * `cross_val_score` / `cross_validate` / `cross_val_predict`.
 */
export function trainsWithin(model: Semantic, node: Node): boolean {
  if (FIT_METHODS.some((name) => model.callsNamedWithin(name, node).some((call) => !!call.receiver))) return true;
  for (const name of new Set([...TRAINING_FUNCTIONS].map((q) => q.split('.').pop()!))) {
    if (model.callsNamedWithin(name, node).some((call) => TRAINING_FUNCTIONS.has(call.qualifiedName ?? ''))) return true;
  }
  return loopTrains(model, node);
}

/** `trainsWithin` for the sites of a file-level fact: whether the code trains a model anywhere. */
export function trainsAnywhere(model: Semantic, sites: Sites): boolean {
  if (FIT_METHODS.some((name) => sites.callsNamed(name).some((call) => !!call.receiver))) return true;
  return sites.callsTo(TRAINING_FUNCTIONS).length > 0 || trainingSteps(model, sites).length > 0;
}

/**
 * The function defined in this file that a call runs: `train(…)` by its plain name, or
 * `self.train_epoch(…)` inside a method of the class that defines `train_epoch`.
 */
export function localFunctionCalled(model: Semantic, call: CallSite): Node | undefined {
  const callee = call.callee;
  if (callee.type === 'identifier') return model.lookupDefinitions(callee.text, callee).find((b) => b.kind === 'def')?.node;
  const receiver = call.receiver;
  if (receiver?.type !== 'identifier' || receiver.text !== 'self') return undefined;
  const cls = model.enclosingClass(call.node);
  if (!cls) return undefined;
  return model.functionsNamed(call.methodName).find((fn) => model.enclosingClass(fn)?.id === cls.id);
}

/** The same-file functions a node calls whose body trains (directly, or through the functions they call). */
export function trainingFunctionsCalled(model: Semantic, node: Node, depth = 0): Node[] {
  const out: Node[] = [];
  if (!computesGradients(model)) return out;
  for (const call of model.callsWithin(node)) {
    for (const fn of functionsRunBy(model, call)) {
      const body = fn.childForFieldName('body');
      if (body && !out.some((f) => f.id === fn.id) && loopTrains(model, body, depth + 1)) out.push(fn);
    }
  }
  return out;
}

/** The same-file functions a call runs: the one it calls, and those it is handed by name (`strategy.run(train_step, …)`). */
export function functionsRunBy(model: Semantic, call: CallSite): Node[] {
  const called = localFunctionCalled(model, call);
  const out = called ? [called] : [];
  for (const arg of call.positional) {
    if (arg.type !== 'identifier') continue;
    const fn = model.lookupDefinitions(arg.text, arg).find((b) => b.kind === 'def')?.node;
    if (fn) out.push(fn);
  }
  return out;
}

const ITERATION_WRAPPERS = new Set(['enumerate', 'tqdm', 'iter', 'zip', 'trange']);

/** The `for` loops that iterate a name (directly, or through `enumerate(…)`, `tqdm(…)`, `zip(…)`), within a node. */
function loopsOver(model: Semantic, name: string, within: Node | undefined, accept?: (id: Node) => boolean, element = false): Node[] {
  const out: Node[] = [];
  for (const id of model.identifiers(name)) {
    if (within && !(id.startIndex >= within.startIndex && id.endIndex <= within.endIndex)) continue;
    if (accept && !accept(id)) continue;
    let node: Node = id;
    let parent = model.parentOf(node);
    // A dict of loaders: `loaders["train"]`, `dataloaders[phase]` is what the loop iterates.
    if (element) {
      if (parent?.type !== 'subscript' || parent.childForFieldName('value')?.id !== id.id) continue;
      node = parent;
      parent = model.parentOf(node);
    }
    // Up through `enumerate(loader)`, `tqdm(loader, desc=…)`: the name is an argument of a wrapper call.
    while (parent && (parent.type === 'argument_list' || parent.type === 'keyword_argument')) {
      const call = parent.type === 'argument_list' ? model.parentOf(parent) : model.parentOf(model.parentOf(parent) ?? parent);
      const callee = call?.type === 'call' ? call.childForFieldName('function') : null;
      const calleeName = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
      if (!call || !calleeName || !ITERATION_WRAPPERS.has(calleeName)) break;
      node = call;
      parent = model.parentOf(call);
    }
    // `for batch in (loaders[phase]):`
    while (parent?.type === 'parenthesized_expression') {
      node = parent;
      parent = model.parentOf(node);
    }
    if (parent?.type === 'for_statement' && parent.childForFieldName('right')?.id === node.id) out.push(parent);
  }
  return out;
}

/** Where what a call makes is consumed by training: the training loops that iterate it, and whether a trainer's `fit` takes it. */
export interface TrainingConsumers {
  /** `for` loops that iterate it (directly, or as a same-file function's parameter) and train. */
  loops: Node[];
  /** Whether it is handed to a trainer's `fit` (Lightning), directly or through a same-file function. */
  trainerFit: boolean;
}

/** Whether a call hands data to a framework's training run: a Lightning Trainer's `fit`, an Ignite training engine's `run`. */
export function isTrainerRun(model: Semantic, call: CallSite): boolean {
  if (call.methodName === 'fit') return !!call.receiver && !!trainerOf(model, call.receiver);
  return isIgniteTrainingRun(model, call);
}

/**
 * Whether a DataLoader feeds training: iterated by a loop that trains (see `feedsTraining`), handed
 * to a Lightning Trainer's `fit` or an Ignite trainer's `run`, or returned by the `train_dataloader`
 * hook of a LightningModule / LightningDataModule (the Trainer's `fit` iterates it).
 */
export function loaderFeedsTraining(model: Semantic, loader: CallSite): boolean {
  return feedsTraining(model, loader, (call) => isTrainerRun(model, call)) || returnedByTrainDataloaderHook(model, loader);
}

/**
 * Whether what a call makes (a DataLoader, a dataset) is consumed by training: iterated by a loop
 * that trains, passed to a same-file function that iterates it in one, or handed to a trainer's
 * `fit` (Lightning). Follows the value through `name = Call(…)`, one level of function parameters (only where a call
 * hands it over: a use of a name reads it only where it resolves to the same binding), and a same-file
 * factory function that returns it (directly, through a local name, or in a tuple its callers unpack)
 * to the file's calls of that function.
 */
export function feedsTraining(model: Semantic, made: CallSite, trainerFit: (call: CallSite) => boolean): boolean {
  const found = trainingConsumers(model, made, trainerFit, { first: true });
  return found.trainerFit || found.loops.length > 0;
}

/**
 * The training loops (and trainer fits) that consume what a call makes, as `feedsTraining` finds
 * them; all of them unless `first`. With `sameValue`, a name is followed only where it holds this
 * call's value (between its assignment and the next one), not where the same name is bound to
 * something else elsewhere in the file. `trains` remembers which loops train, for a caller that asks about several calls in one
 * check (it must not outlive the check).
 */
export function trainingConsumers(
  model: Semantic,
  made: { node: Node },
  trainerFit: (call: CallSite) => boolean,
  options: { first?: boolean; sameValue?: boolean; trains?: Map<number, boolean>; factoryDepth?: number; element?: boolean } = {},
): TrainingConsumers {
  const first = options.first ?? false;
  const trains = options.trains ?? new Map<number, boolean>();
  const out: TrainingConsumers = { loops: [], trainerFit: false };
  // A value of a dict (`{"train": DataLoader(…), …}`, `{x: DataLoader(…) for x in phases}`): the dict is followed, and its items iterated.
  const dict = options.element ? undefined : dictHolding(model, made.node);
  if (dict) return trainingConsumers(model, { node: dict }, trainerFit, { ...options, trains, element: true });
  const element = options.element ?? false;
  const parent = model.parentOf(made.node);
  // `for x, y in DataLoader(…):`
  if (!element && parent?.type === 'for_statement' && parent.childForFieldName('right')?.id === made.node.id) {
    if (loopTrains(model, parent)) out.loops.push(parent);
    return out;
  }
  const assigned = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === made.node.id ? parent.childForFieldName('left') : null;
  if (assigned?.type === 'identifier') collectConsumers(model, assigned.text, parent!, undefined, trainerFit, 0, first, out, new Set(), trains, options.sameValue ? parent! : undefined, element);
  // Passed as it is made: `trainer.fit(model, DataLoader(…))`, `train(model, DataLoader(…), opt)`.
  const passed = !assigned ? passedTo(model, made.node) : undefined;
  if (passed && !element && trainerFit(passed.call)) out.trainerFit = true;
  else if (passed?.fn && passed.parameter) collectConsumers(model, passed.parameter, passed.fn, passed.fn, trainerFit, 1, first, out, new Set(), trains, undefined, element);
  // A factory function (`def get_loader(…): return DataLoader(…)`): what its calls in this file make, once.
  const factory = (options.factoryDepth ?? 0) < 1 ? factoryReturning(model, made.node) : undefined;
  if (factory && !(first && out.loops.length > 0)) {
    for (const caller of model.callersOf(factory)) {
      const found = trainingConsumers(model, caller, trainerFit, { ...options, trains, factoryDepth: 1 });
      addConsumers(out, found);
      if (first && (out.trainerFit || out.loops.length > 0)) break;
    }
  }
  return out;
}

/**
 * The same-file function whose result a value is (a factory): `return Call(…)`, or `name = Call(…)`
 * in the function's own body with every `return` of the function returning `name`. Its calls
 * (`model.callersOf`) hold the value one level up.
 */
export function factoryReturning(model: Semantic, value: Node): Node | undefined {
  const parent = model.parentOf(value);
  const fn = parent ? model.enclosingFunction(value) : undefined;
  if (!parent || !fn) return undefined;
  if (parent.type === 'return_statement') return fn;
  const assigned = parent.type === 'assignment' && parent.childForFieldName('right')?.id === value.id ? parent.childForFieldName('left') : null;
  if (assigned?.type !== 'identifier') return undefined;
  const returns = fn.descendantsOfType('return_statement').filter((r): r is Node => !!r && model.enclosingFunction(r)?.id === fn.id);
  const returnsName = (r: Node) => r.namedChild(0)?.type === 'identifier' && r.namedChild(0)?.text === assigned?.text;
  return returns.length > 0 && returns.every(returnsName) ? fn : undefined;
}

/**
 * Whether a use of `name` reads the value `assignment` gave it, as far as document order tells: it
 * comes after the assignment and before the next plain assignment of the name in the same scope.
 * (Cheap on purpose: it is asked for every use of the name, and a long file re-binds `train_loader`
 * many times.)
 */
function readsAssignment(model: Semantic, name: string, assignment: Node): (id: Node) => boolean {
  let next = Infinity;
  for (const b of model.lookup(name, assignment)) {
    if (b.kind === 'assign' && b.node.startIndex > assignment.startIndex) next = Math.min(next, b.node.startIndex);
  }
  return (id) => id.startIndex >= assignment.endIndex && id.startIndex < next;
}

/**
 * Whether a use of `name` reads the variable bound where `boundAt` lies (an assignment, or a
 * function whose parameter it is): the use resolves to the bindings of that scope, not to a
 * parameter or local of another function that only shares the name (`def train(dataloader):`
 * next to a module-level `dataloader = DataLoader(…)`).
 */
function readsVariable(model: Semantic, name: string, boundAt: Node): (id: Node) => boolean {
  const from = boundAt.type === 'function_definition' ? (boundAt.childForFieldName('body') ?? boundAt) : boundAt;
  const bound = model.lookup(name, from)[0]?.node.id;
  return (id) => bound !== undefined && model.lookup(name, id)[0]?.node.id === bound;
}

/**
 * Collects the consumers of the variable `name` bound at `boundAt` (see readsVariable), read within
 * `within` (a function, for a parameter) or anywhere: loops over it, calls it is passed to (a
 * same-file function's parameter is followed by its uses), names it is copied to.
 */
function collectConsumers(
  model: Semantic,
  name: string,
  boundAt: Node,
  within: Node | undefined,
  trainerFit: (call: CallSite) => boolean,
  depth: number,
  first: boolean,
  out: TrainingConsumers,
  seen: Set<string>,
  trains: Map<number, boolean>,
  binding?: Node,
  element = false,
): void {
  const done = () => first && (out.trainerFit || out.loops.length > 0);
  // With a binding (sameValue, at the top level): only the uses that read its value.
  const readsValue = binding && !within ? readsAssignment(model, name, binding) : undefined;
  const readsName = readsVariable(model, name, boundAt);
  const accept = (id: Node) => (!readsValue || readsValue(id)) && readsName(id);
  const key = `${boundAt.id}:${within?.id ?? ''}:${name}`;
  if (seen.has(key)) return;
  seen.add(key);
  for (const loop of loopsOver(model, name, within, accept, element)) {
    if (out.loops.some((l) => l.id === loop.id)) continue;
    let trainsHere = trains.get(loop.id);
    if (trainsHere === undefined) trains.set(loop.id, (trainsHere = loopTrains(model, loop)));
    if (trainsHere) out.loops.push(loop);
    if (done()) return;
  }
  if (depth >= 1) return;
  for (const id of model.identifiers(name)) {
    if (within && !(id.startIndex >= within.startIndex && id.endIndex <= within.endIndex)) continue;
    if (accept && !accept(id)) continue;
    const args = model.parentOf(id);
    // `return {"train": train_loader, …}`: the dict is followed, and its items iterated.
    const dict = element ? undefined : dictHolding(model, id);
    if (dict) {
      const found = trainingConsumers(model, { node: dict }, trainerFit, { first, trains, element: true });
      addConsumers(out, found);
      if (done()) return;
      continue;
    }
    // `return train_loader, val_loader`: the names the file's callers unpack it into.
    for (const { name: unpacked, assignment } of namesUnpackedFrom(model, id)) {
      collectConsumers(model, unpacked, assignment, undefined, trainerFit, depth, first, out, seen, trains, binding ? assignment : undefined, element);
      if (done()) return;
    }
    // `active_loader = train_loader`: the other name iterates the same loader.
    const alias = args?.type === 'assignment' && args.childForFieldName('right')?.id === id.id ? args.childForFieldName('left') : null;
    if (alias?.type === 'identifier') {
      collectConsumers(model, alias.text, args!, within, trainerFit, depth, first, out, seen, trains, binding ? args! : undefined, element);
      if (done()) return;
      continue;
    }
    const passed = passedTo(model, id);
    if (!passed) continue;
    if (!element && trainerFit(passed.call)) {
      out.trainerFit = true;
      if (done()) return;
      continue;
    }
    if (passed.fn && passed.parameter) collectConsumers(model, passed.parameter, passed.fn, passed.fn, trainerFit, depth + 1, first, out, seen, trains, undefined, element);
    if (done()) return;
  }
}

/**
 * Where the file's callers unpack a value a function returns in a tuple (`return train_loader,
 * val_loader`): the name at its position in each `train_loader, val_loader = get_loaders(…)`, and
 * that assignment.
 */
function namesUnpackedFrom(model: Semantic, returned: Node): Array<{ name: string; assignment: Node }> {
  // `return a, b` (an expression list) or `return (a, b)` (a tuple).
  const tuple = model.parentOf(returned);
  if ((tuple?.type !== 'expression_list' && tuple?.type !== 'tuple') || model.parentOf(tuple)?.type !== 'return_statement') return [];
  const index = tuple.namedChildren.findIndex((c) => c?.id === returned.id);
  const fn = model.enclosingFunction(returned);
  const out: Array<{ name: string; assignment: Node }> = [];
  for (const caller of fn ? model.callersOf(fn) : []) {
    const assignment = model.parentOf(caller.node);
    const left = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === caller.node.id ? assignment.childForFieldName('left') : null;
    if (left?.type !== 'pattern_list' && left?.type !== 'tuple_pattern') continue;
    const targets = left.namedChildren;
    const target = targets.length === tuple.namedChildren.length ? targets[index] : undefined;
    if (target?.type === 'identifier') out.push({ name: target.text, assignment: assignment! });
  }
  return out;
}

/** Adds what another search found to `out`, each loop once. */
function addConsumers(out: TrainingConsumers, found: TrainingConsumers): void {
  out.trainerFit ||= found.trainerFit;
  for (const loop of found.loops) if (!out.loops.some((l) => l.id === loop.id)) out.loops.push(loop);
}

/**
 * The call an argument is passed to and, for a same-file function, the function and the name of
 * the parameter that receives it (positional or keyword).
 */
function passedTo(model: Semantic, arg: Node): { call: CallSite; fn?: Node; parameter?: string } | undefined {
  const parent = model.parentOf(arg);
  const keyword = parent?.type === 'keyword_argument' ? parent : undefined;
  const list = keyword ? model.parentOf(keyword) : parent;
  if (list?.type !== 'argument_list') return undefined;
  const callNode = model.parentOf(list);
  if (callNode?.type !== 'call') return undefined;
  const call = model.callSite(callNode);
  const callee = call.callee;
  if (callee.type !== 'identifier') return { call };
  const fn = model.lookupDefinitions(callee.text, callee).find((b) => b.kind === 'def')?.node;
  const parameter = fn && parameterReceiving(model, call, fn, arg);
  // A keyword counts only where it names a parameter of the function (not one `**kwargs` takes).
  const declared = !keyword || !!fn?.childForFieldName('parameters')?.namedChildren.some((p) => !!p && parameterName(p) === parameter);
  return { call, fn, parameter: parameter && declared ? parameter : undefined };
}

/** The dict literal or comprehension a call is a value of: `{"train": DataLoader(…)}`, `{x: DataLoader(…) for x in …}`. */
function dictHolding(model: Semantic, value: Node): Node | undefined {
  const pair = model.parentOf(value);
  if (pair?.type !== 'pair' || pair.childForFieldName('value')?.id !== value.id) return undefined;
  const dict = model.parentOf(pair);
  return dict?.type === 'dictionary' || dict?.type === 'dictionary_comprehension' ? dict : undefined;
}

/** The name a parameter binds (`x`, `x: int`, `x=1`, `*args`). */
export function parameterName(p: Node): string | undefined {
  if (p.type === 'identifier') return p.text;
  const name = p.childForFieldName('name') ?? p.namedChild(0);
  return name?.type === 'identifier' ? name.text : undefined;
}

/** `for epoch in range(…)` (epochLoops.ts's counting loop over epochs): with the step right in it, one step per epoch (full-batch training). */
function isEpochLoop(model: Semantic, loop: Node): boolean {
  return loop.type === 'for_statement' && countsEpochs(loop) && !!countCall(model, loop.childForFieldName('right'));
}

/** Builtins a loop calls, which are never a training function of the file. */
const BUILTINS = new Set(['print', 'len', 'range', 'enumerate', 'zip', 'min', 'max', 'sum', 'float', 'int', 'str', 'list', 'dict', 'tuple', 'isinstance', 'round', 'abs', 'next', 'iter', 'sorted', 'any', 'all', 'format', 'getattr', 'setattr', 'hasattr']);

/** Whether a function holding a training step runs once per batch: handed to an ignite Engine, or called in a loop that is not an epoch loop. */
function runsPerBatch(model: Semantic, fn: Node): boolean {
  if (runByEngine(model, fn)) return true;
  return model.callersOf(fn).some((c) => {
    const loop = model.enclosingLoops(c.node)[0];
    return !!loop && !isEpochLoop(model, loop);
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
    if (within(loop).some((s) => s.region.id === loop.id)) return isEpochLoop(model, loop) ? undefined : loop;
    for (const call of model.callsWithin(loop)) {
      if ((call.callee.type === 'identifier' && BUILTINS.has(call.callee.text)) || model.enclosingFunction(call.node)?.id !== model.enclosingFunction(loop)?.id) continue;
      const fn = localFunctionCalled(model, call);
      if (fn && !isEpochLoop(model, loop) && within(fn).some((s) => s.region.id === fn.id)) return loop;
    }
  }
  const fn = model.enclosingFunction(node);
  if (!fn) return undefined;
  const steps = within(fn);
  if (steps.some((s) => s.region.id === fn.id)) return runsPerBatch(model, fn) ? fn : undefined;
  // A closure: `def closure(): …; loss.backward(); …` stepped by the loop around it.
  const closure = steps.find((s) => s.region.type !== 'function_definition' && s.region.startIndex <= fn.startIndex && s.region.endIndex >= fn.endIndex);
  return closure && !isEpochLoop(model, closure.region) ? closure.region : undefined;
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
  // `optimizer.step()`, `scaler.step(optimizer)` with a GradScaler, `loss_scaler(loss, optimizer, …)`.
  const candidates = step.kind === 'loss-scaler' ? [stepOptimizer(step)] : [step.update.positional[0], step.update.receiver];
  for (const given of candidates) {
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
  /** The loop or function of every training step. */
  trainingRegions: fact.nodes(({ model, sites }) => trainingSteps(model, sites).map((s) => s.region)),
};

