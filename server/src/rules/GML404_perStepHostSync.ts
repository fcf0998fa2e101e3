import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { Edits } from '../fixes/edits';
import { DEVICE_FACTS, deviceOf, trainingDevice } from '../frameworks/device';
import { lossName, within } from '../frameworks/loops';
import { parametersOf } from '../frameworks/parameters';
import { localFunctionCalled, parameterName, perStepRegionAround, steppedByLbfgs, stepsWithin, type TrainingStep } from '../frameworks/training';
import { defineRule, type ReportedFix } from './rule';

/** The name of the loss a step's gradient comes from (`loss` in `loss.backward()`, `accelerator.backward(loss)`). */
function stepLoss(step: TrainingStep): string | undefined {
  if (step.kind === 'torch') return lossName(step.gradient.receiver);
  if (step.kind === 'accelerate' || step.kind === 'fabric' || step.kind === 'loss-scaler') return lossName(step.gradient.positional[0]);
  return undefined;
}


/** Whether an expression (a receiver chain) copies to the host on its way: `.cpu()` or `.to("cpu")`. */
function copiesToHost(model: Semantic, expr: Node | null): boolean {
  for (let node = expr; node?.type === 'call'; ) {
    const call = model.callSite(node);
    if (isHostCopy(model, call)) return true;
    node = call.receiver;
  }
  return false;
}

function isHostCopy(model: Semantic, call: CallSite): boolean {
  if (!call.receiver || call.qualifiedName) return false;
  if (call.methodName === 'cpu') return call.positional.length === 0;
  const device = call.methodName === 'to' ? (call.positional[0] ?? call.keywords.get('device')?.value) : undefined;
  // Written in the call (`.to("cpu")`, `.to(torch.device("cpu"))`): a variable may hold another device on another run.
  return !!device && (device.type === 'string' || device.type === 'call') && deviceOf(model, device) === 'cpu';
}

/**
 * Whether a node runs only on some steps, or only when the script is configured so: in the body of
 * an `if`, `elif` or `else` between it and the region (`if step % 100 == 0:`, `if args.verbose:`).
 * The condition itself runs every step.
 */
function conditional(model: Semantic, node: Node, region: Node): boolean {
  let child = node;
  for (const a of model.ancestors(node)) {
    if (a.id === region.id) return false;
    if ((a.type === 'if_statement' || a.type === 'elif_clause') && a.childForFieldName('consequence')?.id === child.id) return true;
    if (a.type === 'else_clause') return true;
    child = a;
  }
  return false;
}

/** Whether a node runs in a closure an LBFGS step evaluates (between it and the region): LBFGS syncs on every evaluation itself. */
function inLbfgsClosure(model: Semantic, node: Node, region: Node): boolean {
  for (let fn = model.enclosingFunction(node); fn && within(fn, region); fn = model.enclosingFunction(fn)) {
    if (steppedByLbfgs(model, fn)) return true;
  }
  return false;
}

const WAITS = 'the CPU then waits for the GPU to finish the step, so it cannot queue the next one ahead and the GPU idles between steps';

/**
 * ## What it flags
 *
 * A host synchronisation on every step of a GPU training loop: `.item()`, `.tolist()`, `.cpu()` (with
 * `.numpy()` after it), `.to("cpu")`, `torch.cuda.synchronize()`, and `print`, `float(…)`, `int(…)`
 * or `bool(…)` of the loss tensor itself (`total_loss += float(loss)`; not once the name is re-bound
 * to a number, `loss = loss.item()`). Every step means: in the loop that holds the training step (a gradient followed by an
 * optimizer step, or a loss scaler from another module that does both —
 * `loss_scaler(loss, optimizer, parameters=model.parameters())`, the NativeScaler of timm, MAE,
 * DeiT and ConvNeXt — where that optimizer's `zero_grad()` is called in the same function), or in
 * a function holding the step that runs once per batch (called in a loop over data, or handed to
 * a PyTorch-Ignite `Engine`) and in the loop that calls it.
 *
 * Not flagged: syncs under a condition — on the step (`if step % 100 == 0:`, `if i == len(loader) - 1:`)
 * or on the configuration (`if args.synchronize_step:`), which may hold on no step or only some
 * (a sync in the condition itself runs every step and is flagged) — syncs in evaluation loops and once per epoch,
 * full-batch training (`for epoch in range(…)` with the step right in it: one step per epoch),
 * syncs in the closure handed to a `torch.optim.LBFGS` step (`optimizer.step(closure)`: LBFGS
 * itself reads the closure's loss as a Python float on every evaluation, so removing them saves nothing),
 * `.item()` on NumPy values, and scripts that do not run on a GPU: the rule runs where the script
 * names CUDA or chooses its device at run time (`"cuda" if torch.cuda.is_available() else "cpu"`, a
 * device passed in, an Accelerate `Accelerator` or a Lightning `Fabric`) and moves work to it (a
 * device chosen and only printed leaves the loop on the CPU); it is a warning where the script names
 * CUDA (or calls `.cuda()` outside any `if`, `try` or conditional expression: it cannot run without
 * CUDA, even when it asks `torch.cuda.is_available()` to seed) and information where the device is
 * chosen at run time. A script that hides every GPU before importing torch (a literal
 * `os.environ["CUDA_VISIBLE_DEVICES"] = ""` or `"-1"` at module level) runs on the CPU and is left alone.
 *
 * ## Why
 *
 * CUDA runs kernels asynchronously: the Python loop queues the next step's work while the GPU still
 * computes the current one. A value copied to the host (`.item()`, `.cpu()`, printing a tensor) or
 * `torch.cuda.synchronize()` makes the CPU wait until the GPU has finished everything queued, so
 * the queue runs dry at every step and the GPU idles while Python builds the next one. PyTorch's
 * performance tuning guide lists avoiding unnecessary CPU-GPU synchronisation (`print(cuda_tensor)`,
 * `cuda_tensor.item()`, copies to the CPU) among its GPU-specific optimisations; the time lost per
 * step is fixed, so it weighs most on small and medium models whose steps are short.
 *
 * ## Example
 *
 * ```python
 * import torch
 *
 * device = "cuda"
 * model = Net().to(device)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(10):
 *     running_loss = 0.0
 *     for inputs, labels in train_loader:
 *         inputs, labels = inputs.to(device), labels.to(device)
 *         optimizer.zero_grad()
 *         loss = criterion(model(inputs), labels)
 *         loss.backward()
 *         optimizer.step()
 *         running_loss += loss.item()
 *     print(f"epoch {epoch}: loss {running_loss / len(train_loader):.3f}")
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 *
 * device = "cuda"
 * model = Net().to(device)
 * optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
 * for epoch in range(10):
 *     running_loss = 0.0
 *     for inputs, labels in train_loader:
 *         inputs, labels = inputs.to(device), labels.to(device)
 *         optimizer.zero_grad()
 *         loss = criterion(model(inputs), labels)
 *         loss.backward()
 *         optimizer.step()
 *         running_loss += loss.detach()
 *     print(f"epoch {epoch}: loss {running_loss / len(train_loader):.3f}")
 * ```
 *
 * ## Fix safety
 *
 * Unsafe. The fix is offered where a sync is summed (`total += loss.item()`, `total += float(loss)`): it sums
 * `loss.detach()` on the device instead, and the total becomes a tensor on the GPU. Printing and
 * formatting it (`f"{total:.3f}"`, `"%.3f" % total`, `"{:.3f}".format(total)`, `logger.info`,
 * `float(total)`, `math.exp(total)`), comparing it and computing with it (`total / n`) still work and
 * sync once, where they happen. So the fix is offered only where every read of the total, and of
 * each name assigned from it (`epoch_loss = total / n`), is one of those; a total handed to a
 * function of this file (`report(epoch, total)`, `self.log_epoch(total=running)`) is followed into
 * the parameter that receives it, and judged by its reads there. Where one is stored
 * (`history.append(epoch_loss)`, `losses += [total]`, `d[k] = total`, `self.loss = total`), returned
 * or yielded, or handed to any other call (or to a decorated function, or through `*args`), there
 * is no fix: a list of CUDA tensors breaks matplotlib, NumPy, pandas and JSON (`TypeError: can't
 * convert cuda:0 device type tensor to numpy`), so keep the `.item()` there, or sum on the device and call `.item()` once per epoch
 * yourself. A total read on every step outside a step condition (`pbar.set_postfix(loss=total)`)
 * gets no fix either: that read would sync instead of the `.item()`. Other syncs have no fix: move them under a logging condition (`if step % 100 == 0:`).
 *
 * ## Measured here
 *
 * Not measured: the cost is GPU idle time, and no GPU was lent to the session that wrote this rule
 * (on a CPU, `.item()` copies nothing and waits for nothing).
 *
 * ## References
 *
 * - PyTorch, *Performance Tuning Guide — Avoid unnecessary CPU-GPU synchronization*: https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html
 * - PyTorch, *CUDA semantics — Asynchronous execution*: https://pytorch.org/docs/stable/notes/cuda.html#asynchronous-execution
 */
export const perStepHostSync = defineRule({
  code: 'GML404',
  name: 'per-step-host-sync',
  summary: '`.item()`, `.cpu()`, `print(loss)`, `float(loss)` or `torch.cuda.synchronize()` on every step of a GPU training loop.',
  defaultSeverity: 'warning',
  frameworks: ['torch', 'ignite', 'accelerate', 'lightning', 'lightning_fabric'],
  fixSafety: 'unsafe',
  facts: DEVICE_FACTS,
  check({ model, sites, facts, edits, report }) {
    const syncs = [...sites.callsNamed('item'), ...sites.callsNamed('tolist'), ...sites.callsNamed('cpu'), ...sites.callsNamed('to'), ...sites.callsTo(['torch.cuda.synchronize']), ...sites.callsNamed('print'), ...[...NUMBER_CASTS].flatMap((n) => sites.callsNamed(n))];
    let device: ReturnType<typeof trainingDevice> | undefined;
    const seen = new Set<number>();
    const known = new Map<number, TrainingStep[]>();
    for (const call of syncs.sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      if (seen.has(call.node.id) || !maySync(call)) continue;
      seen.add(call.node.id);
      const region = perStepRegionAround(model, call.node, known);
      if (!region || conditional(model, call.node, region) || inLbfgsClosure(model, call.node, region)) continue;
      const losses = new Set((known.get(region.id) ?? stepsWithin(model, region)).map(stepLoss).filter((n): n is string => !!n));
      const what = syncOf(model, call, losses, region);
      if (!what) continue;
      // Where the script computes is asked last: finding it reads every call of the file.
      device ??= trainingDevice(facts);
      if (device !== 'cuda' && device !== 'runtime') return;
      report({ node: what.node, message: what.message, severity: device === 'cuda' ? 'warning' : 'information', fixes: accumulateFix(model, call, region, edits) });
    }
  },
});

/** Whether a call has the shape of a sync (`x.item()`, `x.cpu()`, `x.to("cpu")`, `print(…)`), before asking what it is. */
function maySync(call: CallSite): boolean {
  const args = call.argumentList?.namedChildren.length ?? 0;
  switch (call.methodName) {
    case 'item':
    case 'tolist':
    case 'cpu':
      return !!call.receiver && args === 0;
    case 'to':
      return !!call.receiver && (call.positional[0]?.type === 'string' || call.positional[0]?.type === 'call' || call.keywords.has('device'));
    case 'print':
      return args > 0;
    case 'float':
    case 'int':
    case 'bool':
      return !call.receiver && args === 1 && !!castTensor(call);
    default:
      return true;
  }
}

/** What a call syncs, if it does: its message and the node to point at. */
function syncOf(model: Semantic, call: CallSite, losses: ReadonlySet<string>, region: Node): { node: Node; message: string } | undefined {
  const q = call.qualifiedName;
  if (q === 'torch.cuda.synchronize') {
    return { node: call.node, message: `\`torch.cuda.synchronize()\` on every training step makes the CPU wait for all queued GPU work: ${WAITS}. Synchronise only where you time or log.` };
  }
  if (call.methodName === 'print' && call.callee.type === 'identifier' && !q) {
    const printed = [...losses].flatMap((name) => model.identifiers(name).filter((id) => within(id, call.node) && model.parentOf(id)?.type !== 'attribute'));
    if (printed.length === 0) return undefined;
    return { node: call.node, message: `Printing the loss tensor \`${printed[0].text}\` on every training step copies it to the host: ${WAITS}. Print every N steps (\`if step % N == 0:\`).` };
  }
  if (NUMBER_CASTS.has(call.methodName) && call.callee.type === 'identifier' && !q) {
    const cast = castLoss(model, call, losses, region);
    if (!cast) return undefined;
    return { node: call.node, message: `\`${call.node.text}\` reads the loss tensor as a Python number on every training step, a copy to the host like \`.item()\`: ${WAITS}. Keep running totals on the device (\`total += ${cast.text}.detach()\`) and convert when you log.` };
  }
  const receiver = call.receiver;
  if (!receiver || q) return undefined;
  if (call.methodName === 'item' || call.methodName === 'tolist') {
    if (call.argumentList?.namedChildren.length || copiesToHost(model, receiver)) return undefined;
    const origin = model.originCall(receiver)?.qualifiedName ?? '';
    if (origin.startsWith('numpy.') || origin.startsWith('pandas.')) return undefined;
    const text = call.node.text.length > 40 ? `.${call.methodName}()` : call.node.text;
    return { node: call.node, message: `\`${text}\` copies a value to the host on every training step: ${WAITS}. Keep running totals on the device (\`total += loss.detach()\`) and call \`.${call.methodName}()\` when you log.` };
  }
  if (!isHostCopy(model, call) || copiesToHost(model, receiver)) return undefined;
  return { node: call.node, message: `\`.${call.methodName}(${call.argumentList?.namedChildren.map((c) => c?.text).join(', ') ?? ''})\` copies a tensor to the host on every training step: ${WAITS}. Keep it on the device until you log or evaluate.` };
}

/** Builtins that read a 0-d tensor as a Python number, copying it to the host. */
const NUMBER_CASTS: ReadonlySet<string> = new Set(['float', 'int', 'bool']);

/** The name a cast reads, by its shape alone: `x` in `float(x)` or `float(x.detach())`. */
function castTensor(call: CallSite): Node | undefined {
  let arg: Node | undefined = call.positional[0];
  if (arg?.type === 'call') {
    const fn = arg.childForFieldName('function');
    const args = arg.childForFieldName('arguments');
    arg = fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'detach' && !args?.namedChildren.length ? (fn.childForFieldName('object') ?? undefined) : undefined;
  }
  return arg?.type === 'identifier' ? arg : undefined;
}

/**
 * The loss tensor a `float(loss)` / `int(…)` / `bool(…)` of the builtin reads: its argument is one of
 * the step's loss names (or `loss.detach()`), still bound to the tensor (not re-bound to a number by
 * `loss = loss.item()`).
 */
function castLoss(model: Semantic, call: CallSite, losses: ReadonlySet<string>, region: Node): Node | undefined {
  const arg = castTensor(call);
  if (!arg || !losses.has(arg.text) || model.lookup(call.callee.text, call.callee).length > 0) return undefined;
  // Only the region's own assignments are read: what the name holds elsewhere in the file does not matter here.
  const toNumber = (a: Node) => {
    const value = a.childForFieldName('right');
    const made = value?.type === 'call' ? model.callSite(value) : undefined;
    return a.childForFieldName('left')?.text === arg.text && !!made && (['item', 'tolist'].includes(made.methodName) || NUMBER_CASTS.has(made.methodName));
  };
  return model.nodesWithin(region, 'assignment').some(toNumber) ? undefined : arg;
}

/**
 * `total += loss.item()` (or `+= x.sum().item() * n`, `+= float(loss)`): sum on the device instead.
 * `int(…)` and `bool(…)` are not offered: they change the value, not only where it lives.
 */
function accumulateFix(model: Semantic, call: CallSite, region: Node, edits: Edits): ReportedFix[] {
  const tensor = call.methodName === 'item' ? call.receiver : call.methodName === 'float' && !call.receiver && castTensor(call) ? call.positional[0] : undefined;
  if (!tensor) return [];
  let statement: Node | null = call.node;
  while (statement && statement.type !== 'augmented_assignment' && statement.type !== 'expression_statement') statement = model.parentOf(statement);
  if (statement?.type !== 'augmented_assignment' || statement.childForFieldName('operator')?.text !== '+=') return [];
  const right = statement.childForFieldName('right');
  if (!right || !within(call.node, right) || statement.childForFieldName('left')?.type !== 'identifier') return [];
  // The total becomes a CUDA tensor: offered only where every read of it works on one, and where it is
  // not read on every step (`pbar.set_postfix(loss=total)`), which would only move the sync there.
  if (totalLeaves(model, statement) || readOnEveryStep(model, statement, region)) return [];
  const detached = tensor.type === 'call' && model.callSite(tensor).methodName === 'detach' ? tensor.text : `${tensor.text}.detach()`;
  const replaced = call.methodName === 'item' ? '.item()' : 'float(…)';
  return [{ title: `Accumulate on the device: ${detached} instead of ${replaced}`, edits: [edits.replace(call.node, detached)] }];
}

/** Whether a total is read in the per-step region outside a step condition: every step, then. */
function readOnEveryStep(model: Semantic, statement: Node, region: Node): boolean {
  const name = statement.childForFieldName('left')?.text ?? '';
  return readsReached(model, name, statement, model.scopeOf(statement)).some((read) => within(read, region) && !conditional(model, read, region));
}

/** Builtins that read a 0-d CUDA tensor as a number or text (`round()` is not one: a tensor has no `__round__`). */
const NUMBER_READERS = new Set(['print', 'str', 'repr', 'format', 'float', 'int', 'abs', 'bool']);
/** Methods that format or log what they are given: `"{:.3f}".format(t)`, `logger.info("%f", t)`, tqdm's `set_postfix`, TensorBoard's `add_scalar` (which reads tensors). */
const FORMATTING_METHODS = new Set(['format', 'info', 'debug', 'warning', 'error', 'critical', 'add_scalar', 'set_postfix']);

/**
 * Whether the total a `total += …` statement sums, or a name assigned from it (`epoch_loss = total / n`),
 * is read anywhere a CUDA tensor would not do: stored (`history.append(epoch_loss)`, `d[k] = …`,
 * `self.loss = …`, a list or tuple), returned or yielded, or handed to any call that does not just
 * print, format or convert it (matplotlib, NumPy, JSON and MLflow need Python numbers). Printing,
 * formatting, comparing and arithmetic on it work on a tensor. Handed to a function of this file
 * (`report(epoch, total)`, `self.log_epoch(total=running)`), it is followed into the parameter that
 * receives it, whose reads there are judged the same way.
 */
function totalLeaves(model: Semantic, statement: Node, seen = new Set<number>()): boolean {
  const target = statement.childForFieldName('left');
  if (target?.type !== 'identifier' || seen.size >= 8) return true;
  // Keyed by statement: `total = total / n` derives the same name anew.
  if (seen.has(statement.id)) return false;
  seen.add(statement.id);
  return readsLeave(model, target.text, statement, model.scopeOf(statement), seen);
}

/** Whether a read of the value `from` gives `name` in `scope` leaves it, as totalLeaves judges one. */
function readsLeave(model: Semantic, name: string, from: Node, scope: Node, seen: Set<number>): boolean {
  return readsReached(model, name, from, scope).some((read) => {
    const use = useOfNumber(model, read);
    if (use === 'reads' || use === 'leaves') return use === 'leaves';
    return 'param' in use ? parameterLeaves(model, use, seen) : totalLeaves(model, use, seen);
  });
}

/** Whether the parameter a total is passed to is read, in its function, anywhere a CUDA tensor would not do. */
function parameterLeaves(model: Semantic, { fn, param }: ParameterUse, seen: Set<number>): boolean {
  const name = parameterName(param);
  const body = fn.childForFieldName('body');
  if (!name || !body || seen.size >= 8) return true;
  if (seen.has(param.id)) return false;
  seen.add(param.id);
  const scope = model.scopeOf(body);
  // A nested function or class reading it may keep it.
  if (model.identifiersWithin(name, body).some((id) => model.scopeOf(id).id !== scope.id)) return true;
  return readsLeave(model, name, param, scope, seen);
}

/** The parameter of a same-file function that an argument of a call of it binds. */
interface ParameterUse {
  fn: Node;
  param: Node;
}

/**
 * The parameter of the same-file function a call runs that receives an argument (positional, or
 * `name=value`); undefined when the call spreads `*args` / `**kwargs`, the function is decorated
 * (the decorator may do anything with it) or takes the argument into `*args` / `**kwargs`.
 */
function parameterReceiving(model: Semantic, call: CallSite, argument: Node): ParameterUse | undefined {
  if (call.hasStarArgs || call.hasStarKwargs) return undefined;
  const fn = localFunctionCalled(model, call);
  if (!fn || model.parentOf(fn)?.type === 'decorated_definition') return undefined;
  const params = parametersOf(fn, call.receiver?.text === 'self');
  if (argument.type === 'keyword_argument') {
    const name = argument.childForFieldName('name')?.text;
    const param = params.find((p) => parameterName(p) === name);
    return param ? { fn, param } : undefined;
  }
  const index = call.positional.findIndex((p) => p.id === argument.id);
  const param = index >= 0 ? params[index] : undefined;
  return param ? { fn, param } : undefined;
}

/**
 * The reads of a name in `scope` that the value `statement` gives it can reach: after it, or in a
 * loop around it (read on the next pass), unless a plain assignment of the name between the two
 * runs straight before the read (`total = 0.0` before the evaluation loop reuses the name).
 */
function readsReached(model: Semantic, name: string, statement: Node, scope: Node): Node[] {
  const loops = model.enclosingLoops(statement).filter((l) => within(l, scope));
  const resets = model
    .lookup(name, statement)
    .filter((b) => b.node.type === 'assignment' && b.node.id !== statement.id && model.scopeOf(b.node).id === scope.id);
  return model.identifiers(name).filter((id) => {
    if (model.scopeOf(id).id !== scope.id || within(id, statement) || bindsHere(model, id)) return false;
    if (id.startIndex < statement.endIndex) return loops.some((l) => within(id, l));
    return !resets.some((b) => {
      const block = model.parentOf(model.parentOf(b.node) ?? b.node);
      return b.node.startIndex >= statement.endIndex && b.node.endIndex <= id.startIndex && !!block && within(id, block);
    });
  });
}

/** Whether an identifier is a target (`total = 0.0`, `total /= n`, `for total in …`, `a, total = …`) rather than a read. */
function bindsHere(model: Semantic, id: Node): boolean {
  let node = id;
  for (let parent = model.parentOf(node); parent; node = parent, parent = model.parentOf(node)) {
    if (['pattern_list', 'tuple_pattern', 'list_pattern'].includes(parent.type)) continue;
    if (['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause'].includes(parent.type)) return parent.childForFieldName('left')?.id === node.id;
    return false;
  }
  return false;
}

/**
 * How a read of a total uses it: 'reads' where a tensor does as well as a number (printed, formatted,
 * compared, a condition), the assignment that derives another name from it (`avg = total / n`), the
 * parameter of a same-file function it is passed to, or 'leaves' where it is stored, returned, or
 * handed on.
 */
function useOfNumber(model: Semantic, read: Node): 'reads' | 'leaves' | Node | ParameterUse {
  let node = read;
  for (let parent = model.parentOf(node); parent; node = parent, parent = model.parentOf(node)) {
    switch (parent.type) {
      case 'binary_operator':
      case 'unary_operator':
      case 'parenthesized_expression':
      case 'keyword_argument':
        continue;
      case 'conditional_expression':
        if (parent.namedChild(1)?.id === node.id) return 'reads';
        continue;
      case 'comparison_operator':
      case 'boolean_operator':
      case 'not_operator':
      case 'interpolation':
      case 'if_statement':
      case 'elif_clause':
      case 'while_statement':
      case 'assert_statement':
      case 'expression_statement':
        return 'reads';
      case 'tuple':
        // `"%.3f %.3f" % (total, acc)`: formatted.
        return formatted(model, parent) ? 'reads' : 'leaves';
      case 'assignment':
      case 'augmented_assignment':
        return parent.childForFieldName('right')?.id === node.id && parent.childForFieldName('left')?.type === 'identifier' ? parent : 'leaves';
      case 'argument_list': {
        const call = model.parentOf(parent);
        if (call?.type !== 'call') return 'leaves';
        const site = model.callSite(call);
        return printsOrFormats(model, site) ? 'reads' : (parameterReceiving(model, site, node) ?? 'leaves');
      }
      default:
        return 'leaves';
    }
  }
  return 'leaves';
}

/** Whether a tuple is the right side of `"…" % (…)`. */
function formatted(model: Semantic, tuple: Node): boolean {
  const parent = model.parentOf(tuple);
  return parent?.type === 'binary_operator' && parent.childForFieldName('operator')?.text === '%' && parent.childForFieldName('right')?.id === tuple.id && parent.childForFieldName('left')?.type === 'string';
}

/** `print(…)`, `float(…)`, `math.exp(…)`, `"{:.3f}".format(…)`, `logger.info(…)`, `writer.add_scalar(…)`: calls that only read a value as a number or text. */
function printsOrFormats(model: Semantic, call: CallSite): boolean {
  // `math` functions read any value with `__float__`, as a 0-d tensor has.
  if (call.qualifiedName?.startsWith('math.')) return true;
  if (call.callee.type === 'identifier') return NUMBER_READERS.has(call.callee.text) && model.lookup(call.callee.text, call.callee).length === 0;
  return !!call.receiver && FORMATTING_METHODS.has(call.methodName);
}
