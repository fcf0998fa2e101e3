import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import {
  certainlyNotModule,
  evalModeAt,
  forwardTarget,
  frozenBefore,
  gradientsAfter,
  gradientsWithin,
  hasTrainedWeights,
  managedByFramework,
  mayChooseGradMode,
  modeSwitches,
  moduleLevelGradients,
  moduleOrigin,
  setsGradModeGlobally,
  type ModuleOrigin,
} from '../frameworks/inference';
import { unitTestAround } from '../frameworks/epochLoops';
import { argumentsFor, isParameter } from '../frameworks/parameters';
import { statementOf, within } from '../frameworks/loops';
import { defineRule, fact } from './rule';

/** Functions whose name says they evaluate or serve a model. */
const INFERENCE_FUNCTION = /^_*(predict|evaluate|eval|test|validate|valid|validation|infer|inference|generate|sample|score|classify|translate|embed|encode|decode|serve|handle)(_|$|[A-Z])/i;

const COMPREHENSIONS = new Set(['list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

/** List and dict methods that store a value in their receiver. */
const STORING_METHODS = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault', 'put']);

/** Methods after which a value no longer shares an inference tensor's storage or is no tensor. */
const DETACHING_METHODS = new Set(['item', 'tolist', 'numpy', 'clone']);

/** Calls whose result is a plain Python value, never a tensor. */
const PLAIN_METHODS = new Set(['item', 'tolist', 'size', 'dim', 'numel', 'format']);
const PLAIN_FUNCTIONS = new Set(['len', 'int', 'float', 'bool', 'str', 'round']);

/**
 * Whether an expression's value holds no tensor: a number, `.item()`, `len(…)`, `x.size(0)`,
 * arithmetic of those, a list or tuple of them, and (given the model) a name every binding of which
 * is such a value (`i = 1` … `i += 1`).
 */
function plainValue(expr: Node | null, model?: Semantic): boolean {
  if (!expr) return false;
  switch (expr.type) {
    case 'integer':
    case 'float':
    case 'string':
    case 'true':
    case 'false':
    case 'none':
      return true;
    case 'parenthesized_expression':
      return plainValue(expr.namedChild(0), model);
    case 'binary_operator':
      return plainValue(expr.childForFieldName('left'), model) && plainValue(expr.childForFieldName('right'), model);
    case 'list':
    case 'tuple':
      return expr.namedChildren.every((c) => !c || c.type === 'comment' || plainValue(c, model));
    case 'identifier':
      return !!model && plainName(model, expr);
    case 'call': {
      const callee = expr.childForFieldName('function');
      if (callee?.type === 'identifier') return PLAIN_FUNCTIONS.has(callee.text);
      return callee?.type === 'attribute' && PLAIN_METHODS.has(callee.childForFieldName('attribute')?.text ?? '');
    }
    default:
      return false;
  }
}

/** Whether every binding of a name, where it is read, assigns a plain value, and every `name += …` of its scope adds one (names in those values are not followed). */
function plainName(model: Semantic, id: Node): boolean {
  const bindings = model.lookup(id.text, id);
  if (bindings.length === 0 || !bindings.every((b) => b.kind === 'assign' && plainValue(b.value ?? null))) return false;
  const scope = model.enclosingFunction(bindings[0].node);
  return model.identifiers(id.text).every((other) => {
    const parent = model.parentOf(other);
    if (parent?.type !== 'augmented_assignment' || parent.childForFieldName('left')?.id !== other.id) return true;
    return model.enclosingFunction(other)?.id !== scope?.id || plainValue(parent.childForFieldName('right'));
  });
}

/** NumPy constructors of a new array; with a numeric dtype (or none) it holds copies of what is stored in it, never a tensor. */
const NUMPY_ARRAYS: ReadonlySet<string> = new Set(['numpy.zeros', 'numpy.ones', 'numpy.empty']);

/** Whether a `dtype` argument is a numeric one: absent, a NumPy scalar type other than `object_`, a dtype string other than "O"/"object", or builtin `float`/`int`/`bool`/`complex`. */
function numericDtype(model: Semantic, dtype: Node | undefined): boolean {
  if (!dtype) return true;
  const value = model.evaluate(dtype);
  if (value.kind === 'string') return !['O', 'object'].includes(value.value);
  const q = model.qualifiedName(dtype);
  if (q?.startsWith('numpy.')) return !/^numpy\.(object_?|dtype)$/.test(q);
  return dtype.type === 'identifier' && ['float', 'int', 'bool', 'complex'].includes(dtype.text) && model.lookup(dtype.text, dtype).length === 0;
}

/** Whether a name holds a numeric NumPy array wherever it is read here: every binding of it is `np.zeros(…)`, `np.ones(…)` or `np.empty(…)` with a numeric dtype. */
function numpyArrayName(model: Semantic, id: Node): boolean {
  const bindings = model.lookup(id.text, id);
  return (
    bindings.length > 0 &&
    bindings.every((b) => {
      if (b.kind !== 'assign' || b.value?.type !== 'call') return false;
      const call = model.callSite(b.value);
      return NUMPY_ARRAYS.has(call.qualifiedName ?? '') && !call.hasStarArgs && !call.hasStarKwargs && numericDtype(model, call.argument('dtype', 1));
    })
  );
}

function inComprehension(model: Semantic, node: Node): boolean {
  const statement = statementOf(node);
  for (const a of model.ancestors(node)) {
    if (COMPREHENSIONS.has(a.type)) return true;
    if (a.id === statement?.id) break;
  }
  return false;
}

/** Whether a node runs in a unit test that asserts (pytest's `def test_…`): it checks the code on a few inputs; `def test(model, loader)` evaluates. */
function inAssertingUnitTest(model: Semantic, node: Node): boolean {
  const test = unitTestAround(model, node);
  return !!test && test.descendantsOfType('assert_statement').length > 0;
}

/**
 * The origin of the model a function parameter holds, when every call of the function in this file
 * passes a model the rule would accept as a global (built or loaded here, or in evaluation mode where
 * the call runs); undefined when the function is never called here or any argument is unknown.
 */
function parameterModel(model: Semantic, param: Node): { origin: ModuleOrigin | undefined } | undefined {
  if (!isParameter(model, param)) return undefined;
  const args = argumentsFor(model, param);
  if (!args) return undefined;
  let first: ModuleOrigin | undefined;
  for (const arg of args) {
    if (arg.type !== 'identifier' || certainlyNotModule(model, arg)) return undefined;
    const origin = moduleOrigin(model, arg);
    if (!origin && !evalModeAt(model, arg, arg)) return undefined;
    first ??= origin;
  }
  return { origin: first };
}

/**
 * Whether a forward runs in training or gradient code that its own loop or statement shows: the
 * innermost loop around it computes gradients (and puts nothing in evaluation mode), or its
 * statement does. Read from that loop alone, so most training steps are settled without the rest
 * of the file.
 */
function needsGradientsLocally(model: Semantic, call: CallSite): boolean {
  const statement = statementOf(call.node);
  if (statement && gradientsWithin(model, statement).length) return true;
  const inner = model.enclosingLoops(call.node)[0];
  return !!inner && model.callsNamedWithin('eval', inner).length === 0 && gradientsWithin(model, inner).length > 0;
}

/**
 * The block to run under inference mode for a forward call that runs in evaluation code: the
 * outermost loop around it in the evaluation part (after the `.eval()`, not switching back to
 * training), or its statement; undefined when the code is not evaluation or needs gradients.
 * A function is read on its own; the rest of the file only for a forward at module level.
 */
function inferenceBlock(model: Semantic, call: CallSite, target: Node, evalCall: Node | undefined, origin: ModuleOrigin | undefined, fileGradients: () => Node[]): Node | undefined {
  const fn = model.enclosingFunction(call.node);
  const loops = model.enclosingLoops(call.node);
  const region: Node[] = [];
  for (const loop of loops) {
    if (evalCall && within(evalCall, loop)) break;
    region.push(loop);
  }
  // Gradients in those loops (or in a function they call) make them training or an attack.
  if (region.some((loop) => gradientsWithin(model, loop).length > 0)) return undefined;
  const statement = statementOf(call.node);
  if (!statement) return undefined;
  const later = gradientsAfter(model, call.node, fileGradients);
  if (evalCall) {
    // A gradient after the forward, before the module goes back to training mode, may use its output (a saliency map).
    const back = modeSwitches(model, target, fn).find((s) => !s.evaluation && s.node.startIndex > call.node.endIndex && model.enclosingFunction(s.node)?.id === fn?.id);
    if (later.some((g) => !back || g.startIndex < back.node.startIndex)) return undefined;
  } else {
    if (fn ? gradientsWithin(model, fn).length > 0 : later.length > 0) return undefined;
    const repeated = loops.length > 0 || inComprehension(model, call.node);
    const inferenceFunction = !!fn && INFERENCE_FUNCTION.test(fn.childForFieldName('name')?.text ?? '');
    // A loaded model run once by a script whose module-level code computes no gradients is an inference script.
    if (!repeated && !inferenceFunction && !(origin && fileGradients().length === 0 && hasTrainedWeights(model, origin, target))) return undefined;
  }
  let block: Node | undefined;
  for (const loop of region) {
    if (modeSwitches(model, target, loop).some((s) => !s.evaluation)) break;
    block = loop;
  }
  return block ?? statement;
}

/** The name at the root of `x`, `x[0]`, `x.y.z`, `x[0].view(…)`: the variable the expression reads from. */
function rootName(expr: Node | null): Node | undefined {
  let current = expr;
  for (let i = 0; current && i < 16; i++) {
    if (current.type === 'identifier') return current;
    if (current.type === 'subscript') current = current.childForFieldName('value');
    else if (current.type === 'attribute') current = current.childForFieldName('object');
    else if (current.type === 'call') {
      const callee = current.childForFieldName('function');
      if (callee?.type !== 'attribute' || DETACHING_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) return undefined;
      current = callee;
    } else return undefined;
  }
  return undefined;
}

/** The names a statement or block binds or stores into: assignment and loop targets, `x += …`, `xs.append(…)`. */
function namesStoredIn(model: Semantic, block: Node): { names: Set<string>; onObject: boolean } {
  const names = new Set<string>();
  let onObject = false;
  const targets = (t: Node | null) => {
    if (!t) return;
    if (t.type === 'identifier') names.add(t.text);
    else if (t.type === 'attribute') onObject = true;
    else if (t.type === 'subscript') {
      // `preds[i:j] = …` into a numeric NumPy array copies the values into it.
      const root = rootName(t);
      if (root && !(t.childForFieldName('value')?.id === root.id && numpyArrayName(model, root))) names.add(root.text);
    } else for (const c of t.namedChildren) targets(c);
  };
  for (const n of block.descendantsOfType(['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause', 'named_expression', 'as_pattern_target'])) {
    if (!n) continue;
    if ((n.type === 'assignment' || n.type === 'augmented_assignment') && plainValue(n.childForFieldName('right'))) continue;
    if (n.type === 'named_expression') targets(n.childForFieldName('name'));
    else if (n.type === 'as_pattern_target') targets(n.namedChild(0));
    else targets(n.childForFieldName('left'));
  }
  if (block.type === 'for_statement') targets(block.childForFieldName('left'));
  for (const call of model.callsWithin(block)) {
    if (!STORING_METHODS.has(call.methodName) || !call.receiver) continue;
    // `submission.append([i, pred.item()])`: only plain values go in.
    if (!call.hasStarArgs && !call.hasStarKwargs && (call.argumentList?.namedChildren ?? []).every((a) => !a || a.type === 'comment' || plainValue(a, model))) continue;
    const root = rootName(call.receiver);
    if (root) names.add(root.text);
    else if (call.receiver.type === 'attribute') onObject = true;
  }
  return { names, onObject };
}

/** How a read of a name after the block uses it: changes it in place, hands it out of the function, or derives another name from it. */
function useOf(model: Semantic, id: Node): { kind: 'in-place' | 'escapes' | 'derives'; name?: string } | undefined {
  let current = id;
  let parent = model.parentOf(current);
  // Up through `x[0]`, `x.data`, `x.view(…)`, `x[0].cpu()`.
  while (parent && ((parent.type === 'subscript' && parent.childForFieldName('value')?.id === current.id) || (parent.type === 'attribute' && parent.childForFieldName('object')?.id === current.id))) {
    if (parent.type === 'attribute') {
      const method = parent.childForFieldName('attribute')?.text ?? '';
      const call = model.parentOf(parent);
      if (call?.type === 'call' && call.childForFieldName('function')?.id === parent.id) {
        if (/^[a-z]\w*_$/.test(method)) return { kind: 'in-place' };
        if (DETACHING_METHODS.has(method)) return undefined;
        current = call;
        parent = model.parentOf(current);
        continue;
      }
    }
    current = parent;
    parent = model.parentOf(current);
  }
  if (!parent) return undefined;
  if ((parent.type === 'augmented_assignment' || (parent.type === 'assignment' && current.id !== id.id)) && parent.childForFieldName('left')?.id === current.id) return { kind: 'in-place' };
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === current.id) {
    const left = parent.childForFieldName('left');
    if (left?.type === 'identifier') return { kind: 'derives', name: left.text };
  }
  for (let up: Node | null = parent, i = 0; up && i < 4; up = model.parentOf(up), i++) {
    if (up.type === 'return_statement' || up.type === 'yield') return { kind: 'escapes' };
    if (!['expression_list', 'tuple', 'list', 'parenthesized_expression'].includes(up.type)) break;
  }
  return undefined;
}

/**
 * Why running a block under inference mode could break the code after it, or undefined when nothing
 * made in it can: tensors made there may not be changed in place nor saved for a backward pass
 * outside inference mode, so a result returned, stored on an object, changed in place or followed by
 * gradients makes the fix unsafe.
 */
function inferenceModeRisk(model: Semantic, block: Node, fileGradients: () => Node[]): string | undefined {
  const fn = model.enclosingFunction(block);
  if (block.descendantsOfType(['return_statement', 'yield']).some((n) => n && model.enclosingFunction(n)?.id === fn?.id)) return 'the block returns a value made in it';
  const { names, onObject } = namesStoredIn(model, block);
  if (onObject) return 'the block stores a result on an object';
  if (gradientsAfter(model, block, fileGradients).length > 0) return 'gradients are computed after the block';
  const pending = [...names];
  const seen = new Set(pending);
  while (pending.length) {
    const name = pending.pop()!;
    for (const id of model.identifiers(name)) {
      if (id.startIndex < block.endIndex || (fn && !within(id, fn))) continue;
      const use = useOf(model, id);
      if (use?.kind === 'in-place') return `\`${name}\` is changed in place after the block`;
      if (use?.kind === 'escapes' && fn) return `\`${name}\` is returned after the block`;
      if (use?.kind === 'derives' && use.name && !seen.has(use.name) && seen.size < 32) {
        seen.add(use.name);
        pending.push(use.name);
      }
    }
  }
  return undefined;
}

const facts = {
  moduleLevelGradients: fact.nodes(moduleLevelGradients),
  setsGradModeGlobally: fact.any(setsGradModeGlobally),
};

/**
 * ## What it flags
 *
 * A PyTorch model run forward in evaluation or inference code with autograd on: no
 * `torch.no_grad()` / `torch.inference_mode()` around it (as a `with` block, a decorator, or around
 * a call of its function), and no `torch.set_grad_enabled(…)` in the script. A context that may turn
 * gradients off counts as one: `torch.set_grad_enabled(is_train)`, a conditional
 * (`nullcontext() if train else torch.no_grad()`, or a name assigned one), a parameter that a call in
 * the file passes a grad-mode context for or that no call here shows (`with grad_context:`), and a
 * decorator defined in the file that enters one. Evaluation code is
 * a forward after `model.eval()` (with no `model.train()` between), a loop or comprehension running
 * a model built or loaded in the file that computes no gradients, a function named for inference
 * (`predict`, `evaluate`, `generate`, …) that computes none, and a script that loads a model and
 * computes no gradients at all. A model that a function receives as a parameter counts when every
 * call of the function in the file passes a model that would count in its place (built or loaded in
 * the file, or put in evaluation mode before the call); a function never called in the file, or
 * called once with an unknown object, is left alone. A name imported from another module counts
 * when the file loads weights into it (`from model import net`, `net.load_state_dict(…)`): only a
 * PyTorch module takes a state dict. It stays quiet where gradients are needed or handled for you: code
 * that calls `.backward()`, `torch.autograd.grad`, `requires_grad_()` or reads `.grad` (saliency
 * maps, adversarial examples), a loop that trains (also through a function or method it calls, or
 * a closure it hands to `optimizer.step`), LightningModule hooks (`validation_step`, `test_step`,
 * `predict_step`: Lightning disables gradients itself), a model's own `forward`, Hugging Face
 * `model.generate(…)` and pipelines, which run under `no_grad` already, models from
 * `torch.hub.load` of any repository but torchvision's (`pytorch/vision`), whose entry points may
 * return wrappers that do (YOLOv5's, which take image paths), and unit tests (a
 * `def test_…` that asserts), which run a few forwards to check the code. A model whose every
 * parameter the file froze before the forward (`for p in model.parameters(): p.requires_grad =
 * False`, `model.requires_grad_(False)`), with nothing in the file turning `requires_grad` back on,
 * records no graph either: left alone (freezing a part, `model.backbone`, does not count). A model held in a
 * CamelCase name (`Encoder(x)`) is not checked: such a call reads as a class being built.
 *
 * ## Why
 *
 * With autograd on, every operation of the forward pass records itself in a graph and keeps the
 * tensors the backward pass would need, until the output is freed. Evaluation never calls
 * `backward()`, so that bookkeeping is pure cost: time for every operation, and the activations of
 * the whole pass held in memory (on a GPU this often limits the batch size). PyTorch's
 * documentation describes `torch.inference_mode()` as `no_grad` with better performance, since it
 * also skips view tracking and version counter bumps. The finding is a warning: the recorded
 * work and the held memory are certain; what they cost in time depends on the model and, on a
 * CPU, on the memory allocator (see Measured here).
 *
 * ## Example
 *
 * ```python
 * import torch
 * from torch import nn
 *
 * model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
 * model.load_state_dict(torch.load("model.pt"))
 * model.eval()
 * correct = 0
 * for x, y in test_loader:
 *     correct += (model(x).argmax(1) == y).sum().item()
 * print(correct / len(test_loader.dataset))
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 * from torch import nn
 *
 * model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
 * model.load_state_dict(torch.load("model.pt"))
 * model.eval()
 * correct = 0
 * with torch.inference_mode():
 *     for x, y in test_loader:
 *         correct += (model(x).argmax(1) == y).sum().item()
 * print(correct / len(test_loader.dataset))
 * ```
 *
 * ## Fix safety
 *
 * Safe when nothing made in the wrapped block can outlive inference mode in a way it forbids; the
 * fix is offered as unsafe otherwise, and the finding's fix says why. Tensors made under
 * `inference_mode` cannot be changed in place (`total /= n` on a tensor summed in the block) nor
 * saved for a backward pass (fed to a layer that is trained) outside it. So the fix is unsafe when
 * the block returns a value, stores a result on an object (`self.cache = out`), when a name it
 * assigns is changed in place after it or returned from the function, or when gradients are
 * computed after it in the same function. `.item()`, `.tolist()`, `.numpy()` and `.clone()` make
 * values that are safe to use anywhere. So does storing only plain values in a list or dict
 * (`submission.append([i, pred.item()])`, where every binding of `i` is a number) or writing into
 * a NumPy array that every binding of the name builds with `np.zeros`, `np.ones` or `np.empty` and
 * a numeric dtype (`preds[a:b] = y.cpu().numpy()`, which copies the values): such a name is not
 * followed after the block. Where one of these applies and you cannot change the code
 * after the block, `torch.no_grad()` gives most of the saving without those limits. Neither context
 * switches the model to evaluation mode: keep `model.eval()` (dropout, batch norm).
 *
 * ## Measured here
 *
 * On a CPU, whether evaluation without autograd takes less time depends on the memory allocator
 * more than on autograd. `bench/evidence/GML401`: an MLP of six 512-wide blocks evaluated on
 * 40,000 samples in batches of 256, three passes, with autograd on (before) or under
 * `torch.inference_mode()` (after). Debian's python3-torch 1.13.1, one thread, a shared 2-vCPU
 * AMD EPYC VM (load average 9–16 from other work during the runs); energy estimated from CPU time
 * (4 W per CPU-second) and resident memory (no RAPL). Median of 5 runs (spread):
 *
 * | run | autograd on | inference_mode | change |
 * |---|---|---|---|
 * | evaluation alone, a fresh process, glibc malloc (`before.py` → `after.py`) | 38.1 J (34.7–41.4) | 59.4 J (57.0–78.4) | ×1.56 |
 * | after a training epoch in the same process (`before_trained.py` → `after_trained.py`) | 61.2 J (58.0–64.2) | 58.5 J (53.6–63.6) | ×0.95 |
 * | evaluation alone, jemalloc (`LD_PRELOAD=…/libjemalloc.so.2`) | 57.6 J (37.2–60.5) | 27.8 J (26.6–28.5) | ×0.48 |
 *
 * With autograd on, a forward pass's activations stay alive until its output is freed, which
 * keeps glibc's heap large; under inference mode each activation is freed as soon as the next
 * layer has read it, and glibc hands the top of its heap back to the system and faults it in
 * again for the next batch (one run of each: 517,000 minor page faults under inference mode
 * against 104,000, and a peak resident memory of 263 MB against 287 MB). After a
 * training epoch the heap has grown and stays, so only the autograd work is saved; with jemalloc
 * the retained activations are what costs. So on a CPU the saving is not certain, and the message
 * promises none: the work autograd records and the memory it holds are certain, and the PyTorch
 * tuning guide recommends jemalloc or TCMalloc for CPU inference. On a GPU, autograd's saved
 * activations take GPU memory (often what limits the batch size); that needs a GPU and was not
 * measured here.
 *
 * Commands: `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML401/result.json bench/evidence/GML401/before.py bench/evidence/GML401/after.py`;
 * the same with `before_trained.py after_trained.py` (`result_trained.json`), and with
 * `LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2` (Debian's libjemalloc2) in the
 * environment (`result_jemalloc.json`).
 *
 * ## References
 *
 * - PyTorch, *Performance Tuning Guide* (CPU: switch the memory allocator to jemalloc or TCMalloc): https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html
 * - PyTorch, *torch.inference_mode*: https://pytorch.org/docs/stable/generated/torch.autograd.grad_mode.inference_mode.html
 * - PyTorch, *Autograd mechanics — Locally disabling gradient computation*: https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation
 * - PyTorch, *Inference mode* (the semantics of inference tensors): https://pytorch.org/cppdocs/notes/inference_mode.html
 */
export const gradTrackingInference = defineRule({
  code: 'GML401',
  name: 'grad-tracking-inference',
  summary: 'A model runs forward in evaluation or inference code with autograd on (no `torch.no_grad()` / `torch.inference_mode()`).',
  defaultSeverity: 'warning',
  frameworks: ['torch'],
  fixSafety: 'safe',
  facts,
  check({ model, sites, facts, edits, report }) {
    if (facts.setsGradModeGlobally) return;
    // The top-level statements that compute gradients: read only for a forward at module level.
    const fileGradients = () => facts.moduleLevelGradients;
    const done = new Set<number>();
    for (const call of sites.calls()) {
      const target = forwardTarget(model, call);
      if (!target || managedByFramework(model, call.node) || needsGradientsLocally(model, call) || inAssertingUnitTest(model, call.node)) continue;
      if (model.inContext(call.node, (e) => mayChooseGradMode(model, e))) continue;
      let origin = moduleOrigin(model, target);
      if (!origin && certainlyNotModule(model, target)) continue;
      const evalCall = evalModeAt(model, target, call.node);
      // A model handed in as a parameter is the one every call of the function in this file passes.
      if (!origin && !evalCall) {
        const passed = parameterModel(model, target);
        if (!passed) continue;
        origin = passed.origin;
      }
      const block = inferenceBlock(model, call, target, evalCall, origin, fileGradients);
      if (!block || done.has(block.id) || frozenBefore(model, target, call.node)) continue;
      done.add(block.id);
      const torch = edits.importer(block).module('torch');
      const risk = inferenceModeRisk(model, block, fileGradients);
      const changes = edits.wrapStatements(block, block, `with ${torch.name}.inference_mode():`);
      if (torch.edit) changes.push(torch.edit);
      const where = evalCall ? `after \`${target.text}.eval()\`` : 'in code that computes no gradients';
      report({
        node: call.node,
        message:
          `\`${target.text}\` runs forward with autograd on ${where}: every operation records itself for a backward pass that never comes ` +
          'and keeps the tensors that pass would need alive until the output is freed. Run it under `torch.inference_mode()`.',
        fixes: [{ title: `Run the ${block.type === 'for_statement' || block.type === 'while_statement' ? 'loop' : 'statement'} under torch.inference_mode()${risk ? ` — review: ${risk}` : ''}`, edits: changes, safety: risk ? 'unsafe' : 'safe' }],
      });
    }
  },
});
