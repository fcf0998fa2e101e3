// Inference as PyTorch code writes it: which calls run a model forward (`model(x)`, `self.net(x)`,
// `model.forward(x)`), how that model was made (built in code, or loaded with weights), where the
// file computes gradients or chooses the grad mode, and whether a model is in evaluation mode where
// it runs. Rules about evaluation and serving code read these instead of guessing from names.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { topPackage } from '../analysis/qualifiedName';
import { stringValue, truthiness } from '../analysis/values';
import type { FactContext } from '../rules/rule';
import { localClassOf } from './callbacks';
import { HF_PIPELINES, TRAINERS as HF_TRAINERS, pretrainedKind } from './huggingface';
import { isLightningHook } from './lightning';
import { within } from './loops';
import { argumentsFor } from './parameters';
import { functionsRunBy } from './training';
import { AUTOGRAD_NAMESPACES, GRAD_MODE, MODULE_BASES, MODULE_LOADERS, MODULE_SELF_METHODS, SET_GRAD_ENABLED } from './torch';

/** Whether an expression is `self.<name>`. */
export function isSelfAttribute(expr: Node): boolean {
  return expr.type === 'attribute' && expr.childForFieldName('object')?.type === 'identifier' && expr.childForFieldName('object')?.text === 'self';
}

/** `model` of `model.to(device).eval()`: the expression under calls of methods that return the module itself. */
export function moduleBase(expr: Node): Node {
  let current = expr;
  for (let i = 0; i < 8 && current.type === 'call'; i++) {
    const callee = current.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    const object = callee?.childForFieldName('object');
    if (!method || !object || !MODULE_SELF_METHODS.has(method)) break;
    current = object;
  }
  return current;
}

/**
 * The module a call runs forward: `model` of `model(x)` or `model.forward(x)`, `self.net` of
 * `self.net(x)`; undefined for calls of functions, classes and methods, and of imported names
 * other than a module the file loads weights into.
 */
export function forwardTarget(model: Semantic, call: CallSite): Node | undefined {
  const callee = call.callee;
  if (callee.type === 'identifier') {
    // A CamelCase name (`Trainer(…)`, `DataLoader(…)`, `Net()`) builds an object: its binding is
    // not looked up, so that an edit elsewhere does not re-examine every constructor call. Short
    // capitals (`G(z)`, `D(x)`) may hold modules and are looked up.
    if (/^[A-Z][a-z]+[A-Za-z0-9]*$/.test(callee.text)) return undefined;
    const bindings = model.lookup(callee.text, callee);
    if (bindings.length > 0 && bindings.every((b) => b.kind === 'import') && importedModule(model, callee, bindings[0].qualified)) return callee;
    if (bindings.length === 0 || call.qualifiedName || bindings.some((b) => b.kind === 'def' || b.kind === 'class' || b.kind === 'import')) return undefined;
    return callee;
  }
  if (callee.type !== 'attribute') return undefined;
  const object = callee.childForFieldName('object');
  if (call.methodName === 'forward' && object && (object.type === 'identifier' || isSelfAttribute(object))) return object;
  if (!isSelfAttribute(callee)) return undefined;
  // `self.predict(x)` calls a method of the class, not a module it holds. Read from the class
  // itself (in the call's own segment), not from every def so named in the file.
  const cls = model.enclosingClass(callee);
  return cls && definesMethod(cls, call.methodName) ? undefined : callee;
}

/**
 * Whether an imported name holds a module made in another file of the project: the file loads
 * weights into it (`from model import net; net.load_state_dict(torch.load(…))`), which only a
 * PyTorch module takes. A name from a known library is something else.
 */
function importedModule(model: Semantic, name: Node, qualified: string | undefined): boolean {
  if (!qualified || OTHER_LIBRARIES.has(topPackage(qualified)) || ['torch', 'torchvision', 'transformers'].includes(topPackage(qualified))) return false;
  return model.callsNamedSpelling('load_state_dict', name.text).some((c) => {
    const base = c.receiver && moduleBase(c.receiver);
    if (base?.type !== 'identifier' || base.text !== name.text || c.positional.length + c.keywords.size === 0) return false;
    const bindings = model.lookup(base.text, base);
    return bindings.length > 0 && bindings.every((b) => b.kind === 'import');
  });
}

/** Whether a class body defines a method of this name (decorated or not). */
function definesMethod(cls: Node, name: string): boolean {
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) return true;
  }
  return false;
}

/**
 * The values assigned to `self.<name>` in the class around a `self.<name>` expression; with
 * `items`, also those assigned to its items (`self.splits[k] = …`, as a DataModule's `setup`
 * replaces each split by its mapped copy).
 */
export function selfAssignments(model: Semantic, target: Node, options: { items?: boolean } = {}): Node[] {
  const cls = model.enclosingClass(target);
  const name = target.childForFieldName('attribute')?.text;
  if (!cls || !name) return [];
  const out: Node[] = [];
  for (const id of model.identifiers(name)) {
    const attribute = model.parentOf(id);
    if (!attribute || !isSelfAttribute(attribute) || attribute.childForFieldName('attribute')?.id !== id.id) continue;
    let left = attribute;
    let assignment = model.parentOf(attribute);
    if (options.items && assignment?.type === 'subscript' && assignment.childForFieldName('value')?.id === attribute.id) {
      left = assignment;
      assignment = model.parentOf(assignment);
    }
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== left.id) continue;
    const value = assignment.childForFieldName('right');
    if (value && model.enclosingClass(assignment)?.id === cls.id) out.push(value);
  }
  return out;
}

/** The statements that bind a module expression: `model = …` (the assignments its lookup finds), `self.model = …`. */
export function moduleAssignments(model: Semantic, target: Node): Node[] {
  if (target.type === 'identifier') {
    return model
      .lookup(target.text, target)
      .filter((b) => b.kind === 'assign' && b.value)
      .map((b) => b.node);
  }
  return selfAssignments(model, target)
    .map((v) => model.parentOf(v))
    .filter((n): n is Node => !!n);
}

export interface ModuleOrigin {
  /** The call that made the module: its class, a layer, a model builder or a loader. */
  made: CallSite;
  /** Whether its maker loads trained weights (a loader, `from_pretrained`, a pretrained builder); see hasTrainedWeights. */
  loaded: boolean;
  /** The local class it is an instance of, when it is one. */
  cls?: Node;
}

/**
 * Hub repositories whose entry points return plain modules: torchvision's hubconf exports its model
 * builders. Another repository's entry point may return a wrapper that runs its own forward under
 * inference mode (YOLOv5's `AutoShape`, which takes file paths and images) or anything else.
 */
const PLAIN_MODULE_HUBS: ReadonlySet<string> = new Set(['pytorch/vision']);

/** `torch.hub.load(repo, entry, …)` of a repository whose entry points we do not know (any but PLAIN_MODULE_HUBS, or a name that is not a literal). */
function unknownHubModel(model: Semantic, site: CallSite): boolean {
  if (site.qualifiedName !== 'torch.hub.load') return false;
  const repo = site.argument('repo_or_dir', 0);
  const name = repo && stringValue(model.evaluate(repo));
  const source = site.valueOf('source');
  return !name || !PLAIN_MODULE_HUBS.has(name.split(':')[0]) || (source !== undefined && stringValue(source) !== 'github');
}

/** What a call that makes a module made, or undefined when it makes no module we know. */
function madeModule(model: Semantic, site: CallSite, depth: number): ModuleOrigin | undefined {
  const q = site.qualifiedName;
  if (q) {
    if (MODULE_LOADERS.has(q)) return unknownHubModel(model, site) ? undefined : { made: site, loaded: true };
    const pretrained = pretrainedKind(q);
    if (pretrained) return pretrained === 'model' ? { made: site, loaded: true } : undefined;
    if (q.endsWith('.from_config') && q.startsWith('transformers.')) return { made: site, loaded: false };
    // Wrappers that return (something that runs like) the module they are given.
    if (/^torch\.(nn\.(parallel\.)?(DataParallel|DistributedDataParallel)|compile|jit\.(script|trace|freeze|optimize_for_inference))$/.test(q)) {
      const inner = site.positional[0];
      return inner && depth < 4 ? originOfValue(model, inner, depth + 1) : undefined;
    }
    if (/^torch\.nn\.([A-Z]\w*|modules\.\w+\.[A-Z]\w*)$/.test(q) && !/\.(Parameter|ParameterList|ParameterDict)$/.test(q)) return { made: site, loaded: false };
    if (/^torchvision\.models\.(\w+\.)*[a-z]\w*$/.test(q) && !q.endsWith('.get_weight') && !q.endsWith('.list_models')) {
      const weights = site.valueOf('weights');
      const pretrained = site.valueOf('pretrained');
      const loaded = (weights !== undefined && weights.kind !== 'none') || (pretrained !== undefined && truthiness(pretrained) !== false);
      return { made: site, loaded };
    }
    if (q === 'timm.create_model' || q === 'timm.models.create_model') {
      const pretrained = site.valueOf('pretrained', 1);
      return { made: site, loaded: pretrained !== undefined && truthiness(pretrained) !== false };
    }
    return undefined;
  }
  const cls = localClassOf(model, site);
  if (cls && model.classBases(cls).some((b) => MODULE_BASES.has(b))) return { made: site, loaded: false, cls };
  return undefined;
}

/** The name a call's result is assigned to, through module methods (`model = Net().to(device)` → `model`). */
function assignedName(model: Semantic, call: Node): Node | undefined {
  let current = call;
  for (let i = 0; i < 8; i++) {
    const parent = model.parentOf(current);
    if (parent?.type === 'assignment') {
      const left = parent.childForFieldName('left');
      return parent.childForFieldName('right')?.id === current.id && left?.type === 'identifier' ? left : undefined;
    }
    const call = parent?.type === 'attribute' ? model.parentOf(parent) : undefined;
    if (!call || call.type !== 'call' || !MODULE_SELF_METHODS.has(parent!.childForFieldName('attribute')?.text ?? '')) return undefined;
    current = call;
  }
  return undefined;
}

/** How the module a value expression holds was made (`Net().to(device)` → `Net()`), when we know its maker. */
export function originOfValue(model: Semantic, value: Node, depth = 0): ModuleOrigin | undefined {
  let site = model.originCall(value);
  for (let i = 0; site && i < 8 && !site.qualifiedName && MODULE_SELF_METHODS.has(site.methodName) && site.receiver; i++) site = model.originCall(site.receiver);
  return site ? madeModule(model, site, depth) : undefined;
}

/** Whether `<target>.load_state_dict(…)` is called anywhere in the file. */
export function loadsStateDict(model: Semantic, target: Node): boolean {
  return model.callsNamed('load_state_dict').some((c) => !!c.receiver && moduleBase(c.receiver).text === target.text);
}

/** How the module an expression holds was made, when it is a PyTorch module made in this file. */
export function moduleOrigin(model: Semantic, target: Node): ModuleOrigin | undefined {
  const values = target.type === 'identifier' ? [target] : selfAssignments(model, target);
  for (const value of values) {
    const origin = originOfValue(model, value);
    if (origin) return origin;
  }
  return undefined;
}

/**
 * Whether a module holds trained weights where it runs: its maker loaded them, or
 * `load_state_dict` is called on it (under the name it is used by, or the name it was made as:
 * `model = Net(); model.load_state_dict(…)` in a loading function).
 */
export function hasTrainedWeights(model: Semantic, origin: ModuleOrigin, target: Node): boolean {
  if (origin.loaded || loadsStateDict(model, target)) return true;
  const made = assignedName(model, origin.made.node);
  return !!made && loadsStateDict(model, made);
}

/** Libraries whose objects are never PyTorch modules (an `.eval()` on one of theirs is something else). */
const OTHER_LIBRARIES: ReadonlySet<string> = new Set(['sklearn', 'xgboost', 'lightgbm', 'catboost', 'keras', 'tensorflow', 'tf_keras', 'numpy', 'pandas', 'scipy', 'sympy', 'jax', 'flax', 'statsmodels']);

/**
 * Whether an expression certainly holds no PyTorch module whose forward records gradients: it was
 * made by another library's call (a tokenizer, a pipeline, a scikit-learn estimator), loaded from a
 * torch.hub repository whose entry points we do not know (YOLOv5's wrapper runs under inference
 * mode itself), or made by a local class that derives from nothing, or only from classes that are
 * not modules.
 */
export function certainlyNotModule(model: Semantic, target: Node): boolean {
  const values = target.type === 'identifier' ? [target] : selfAssignments(model, target);
  if (values.length === 0) return false;
  return values.every((value) => {
    const site = model.originCall(value);
    if (!site) return false;
    const q = site.qualifiedName;
    // Tokenizers, processors and pipelines are callables, not modules (pipelines run under no_grad).
    if (q) return OTHER_LIBRARIES.has(topPackage(q)) || HF_PIPELINES.includes(q) || unknownHubModel(model, site) || (pretrainedKind(q) ?? 'model') !== 'model';
    const cls = localClassOf(model, site);
    if (!cls) return false;
    const declared = cls.childForFieldName('superclasses')?.namedChildren.filter((c) => c && c.type !== 'keyword_argument' && c.type !== 'comment') ?? [];
    const bases = model.classBases(cls);
    return bases.length === declared.length && !bases.some((b) => MODULE_BASES.has(b) || b.startsWith('torch.'));
  });
}

/**
 * Whether a `with` item or decorator may choose the grad mode: `torch.no_grad()`, `@torch.inference_mode()`,
 * `torch.set_grad_enabled(…)`, `torch.enable_grad()`; a conditional expression with one of them in a
 * branch (`torch.no_grad() if evaluating else nullcontext()`), or a name assigned one; a parameter
 * that a call of its function in this file passes one for, or that no call here shows (unknown); or a
 * decorator defined in this file that enters one (`def no_grad_wrapper(fn): …`).
 */
export function mayChooseGradMode(model: Semantic, expr: Node, depth = 0): boolean {
  let q = expr.type === 'call' ? model.callSite(expr).qualifiedName : model.qualifiedName(expr);
  if (!q && expr.type === 'identifier') q = model.originCall(expr)?.qualifiedName;
  if (q && GRAD_MODE.has(q)) return true;
  if (depth > 4) return false;
  switch (expr.type) {
    case 'parenthesized_expression': {
      const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
      return !!inner && mayChooseGradMode(model, inner, depth + 1);
    }
    case 'conditional_expression': {
      const [body, , alternative] = expr.namedChildren;
      return (!!body && mayChooseGradMode(model, body, depth + 1)) || (!!alternative && mayChooseGradMode(model, alternative, depth + 1));
    }
    case 'call': {
      // `@no_grad_wrapper()`, `grad_context()` where `grad_context = torch.no_grad if … else …`.
      const callee = expr.childForFieldName('function');
      return !!callee && callee.type === 'identifier' && mayChooseGradMode(model, callee, depth + 1);
    }
    case 'identifier':
      return model.lookup(expr.text, expr).some((b) => {
        if (b.kind === 'assign') return !!b.value && mayChooseGradMode(model, b.value, depth + 1);
        if (b.kind === 'def') return model.callsWithin(b.node).some((c) => GRAD_MODE.has(c.qualifiedName ?? ''));
        if (b.kind !== 'param') return false;
        const passed = argumentsFor(model, expr);
        return !passed || passed.some((arg) => mayChooseGradMode(model, arg, depth + 1));
      });
    default:
      return false;
  }
}

/** `torch.set_grad_enabled(False)` (or any value) called as a statement: the grad mode from there on is the script's choice. */
export function setsGradModeGlobally({ sites, model }: FactContext): boolean {
  return sites.callsTo(SET_GRAD_ENABLED).some((c) => model.parentOf(c.node)?.type === 'expression_statement');
}

const AUTOGRAD_FUNCTIONS: ReadonlySet<string> = new Set(['grad', 'vjp', 'jvp', 'jacrev', 'jacfwd', 'jacobian', 'hessian', 'hvp', 'vhp', 'grad_and_value']);

/** Whether a call computes or asks for gradients: `.backward()`, `requires_grad_()`, `tape.gradient(…)`, an autograd function. */
function isGradientCall(call: CallSite): boolean {
  const name = call.methodName;
  if (name === 'backward' || name === 'requires_grad_') return !!call.receiver;
  if (name === 'gradient') return !!call.receiver && !call.qualifiedName;
  return AUTOGRAD_FUNCTIONS.has(name) && AUTOGRAD_NAMESPACES.some((p) => call.qualifiedName?.startsWith(p));
}

/** The gradient use a `requires_grad` or `grad` identifier makes: `requires_grad=` (unless a literal False), `x.requires_grad = …`, a read of `x.grad`. */
function gradientIdentifierUse(model: Semantic, id: Node): Node | undefined {
  const parent = model.parentOf(id);
  if (id.text === 'requires_grad') {
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) {
      const value = parent.childForFieldName('value');
      return !value || truthiness(model.evaluate(value)) !== false ? parent : undefined;
    }
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) {
      const assignment = model.parentOf(parent);
      return assignment?.type === 'assignment' && assignment.childForFieldName('left')?.id === parent.id ? assignment : undefined;
    }
    return undefined;
  }
  if (id.text !== 'grad' || parent?.type !== 'attribute' || parent.childForFieldName('attribute')?.id !== id.id) return undefined;
  const use = model.parentOf(parent);
  // `torch.autograd.grad(…)` is a call, counted as one.
  return use?.type === 'call' && use.childForFieldName('function')?.id === parent.id ? undefined : parent;
}

/**
 * Where the file computes or asks for gradients, in document order: `.backward()`, autograd
 * functions (`torch.autograd.grad`, `torch.func.vjp`), TensorFlow's `tape.gradient`, `requires_grad_()`,
 * `requires_grad=` (unless a literal False) and `x.requires_grad = …`, and reads of `x.grad`.
 */
export function gradientUses({ model, sites }: FactContext): Node[] {
  const out: Node[] = [];
  for (const name of ['backward', 'requires_grad_', 'gradient', ...AUTOGRAD_FUNCTIONS]) for (const c of sites.callsNamed(name)) if (isGradientCall(c)) out.push(c.node);
  for (const name of ['requires_grad', 'grad']) {
    for (const id of sites.identifiers(name)) {
      const use = gradientIdentifierUse(model, id);
      if (use) out.push(use);
    }
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * `gradientUses` inside one node, read from that node alone, and the calls in it that run same-file
 * functions or methods computing gradients (`self._update(…)`, `optimizer.step(closure)`; three
 * levels down): what a loop, statement or function needs gradients for, without reading the rest
 * of the file.
 */
export function gradientsWithin(model: Semantic, node: Node, depth = 0): readonly Node[] {
  // Asked again for the same loop or function by each forward in it and each call of it: kept per model.
  return model.remember(`gradients within ${node.id} ${depth}`, () => findGradientsWithin(model, node, depth));
}

function findGradientsWithin(model: Semantic, node: Node, depth: number): Node[] {
  const calls = model.callsWithin(node);
  const out = calls.filter(isGradientCall).map((c) => c.node);
  for (const name of ['requires_grad', 'grad']) {
    for (const id of model.identifiersWithin(name, node)) {
      const use = gradientIdentifierUse(model, id);
      if (use) out.push(use);
    }
  }
  if (depth < 3) {
    for (const call of calls) {
      if (call.qualifiedName) continue;
      // `update(…)`, `self._update(…)`, or `optimizer.step(closure)`: functions and methods of this file a call runs.
      for (const fn of functionsRunBy(model, call)) {
        const body = fn.childForFieldName('body');
        if (body && !within(node, fn) && gradientsWithin(model, body, depth + 1).length) {
          out.push(call.node);
          break;
        }
      }
    }
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** The top-level statement a node is part of. */
function topLevelStatement(model: Semantic, node: Node): Node {
  let top = node;
  for (const a of model.ancestors(node)) {
    if (a.type === 'module') break;
    top = a;
  }
  return top;
}

/**
 * The top-level statements that compute gradients: those holding a gradient use outside any
 * function, or a call of a same-file function that computes some (three levels down). A node fact
 * of whole top-level statements, not of the gradient calls in them: typing inside a training loop
 * (even a keystroke that breaks its syntax) leaves it as it was, so module-level evaluation code
 * that reads it is not checked again after every keystroke there; an edit inside a function body
 * changes it only when it changes whether that function computes gradients. See gradientsAfter.
 */
export function moduleLevelGradients(context: FactContext): Node[] {
  const { model, sites } = context;
  const found = gradientUses(context).filter((n) => !model.enclosingFunction(n));
  for (const call of sites.calls()) {
    if (model.enclosingFunction(call.node) || call.qualifiedName) continue;
    const runs = functionsRunBy(model, call).some((fn) => {
      const body = fn.childForFieldName('body');
      return !!body && gradientsWithin(model, body, 0).length > 0;
    });
    if (runs) found.push(call.node);
  }
  const out = new Map<number, Node>();
  for (const node of found) {
    const top = topLevelStatement(model, node);
    out.set(top.id, top);
  }
  return [...out.values()].sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * The gradient code after a node, in its function or, at module level, from `moduleLevelGradients`:
 * the top-level statements that start after it, and in the top-level statement holding it (an epoch
 * loop that trains, then evaluates) the gradient uses after it, read from that statement alone.
 */
export function gradientsAfter(model: Semantic, node: Node, moduleLevel: () => readonly Node[]): Node[] {
  const fn = model.enclosingFunction(node);
  if (fn) return gradientsWithin(model, fn).filter((g) => g.startIndex >= node.endIndex);
  const out: Node[] = [];
  for (const top of moduleLevel()) {
    if (top.startIndex >= node.endIndex) out.push(top);
    else if (within(node, top)) out.push(...gradientsWithin(model, top).filter((g) => g.startIndex >= node.endIndex));
  }
  return out;
}

/** Whether a `train(…)` call switches to evaluation mode (`train(False)`, `train(mode=False)`). */
function trainSetsEval(call: CallSite): boolean {
  const mode = call.valueOf('mode', 0);
  return mode !== undefined && truthiness(mode) === false;
}

export interface ModeSwitch {
  node: Node;
  evaluation: boolean;
}

/** `<target>.eval()` / `<target>.train(…)` calls (also at the end of a chain: `model = Net().eval()`), within a node or the file. */
export function modeSwitches(model: Semantic, target: Node, within?: Node): ModeSwitch[] {
  const text = target.text;
  const out: ModeSwitch[] = [];
  // Every call kept spells the target's last name: `model` of `model.to(device).eval()`, `net` of `self.net.eval()`.
  const word = target.type === 'attribute' ? (target.childForFieldName('attribute')?.text ?? text) : text;
  const calls = (name: string) => (within ? model.callsNamedWithin(name, within) : model.callsNamedSpelling(name, word));
  for (const c of calls('eval')) {
    if (c.receiver && moduleBase(c.receiver).text === text && c.positional.length === 0 && c.keywords.size === 0) out.push({ node: c.node, evaluation: true });
  }
  for (const c of calls('train')) {
    if (c.receiver && moduleBase(c.receiver).text === text && !c.hasStarArgs && !c.hasStarKwargs) out.push({ node: c.node, evaluation: trainSetsEval(c) });
  }
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/**
 * The call that put the module in evaluation mode for a forward at `at`: the last `.eval()` /
 * `.train(False)` on it before `at` in the same function (with no `.train()` after it), or, for a
 * module bound at module level and run in a function, an `.eval()` at module level when nothing in
 * the file ever puts it back in training mode.
 */
export function evalModeAt(model: Semantic, target: Node, at: Node): Node | undefined {
  const fn = model.enclosingFunction(at);
  // In a function, its own body is read first: most forwards are settled there.
  const here = modeSwitches(model, target, fn).filter((s) => s.node.startIndex < at.startIndex && model.enclosingFunction(s.node)?.id === fn?.id);
  const last = here[here.length - 1];
  if (last) return last.evaluation ? last.node : undefined;
  if (!fn) return undefined;
  const switches = modeSwitches(model, target);
  if (switches.some((s) => !s.evaluation)) return undefined;
  const bindings = target.type === 'identifier' ? model.lookup(target.text, target) : [];
  if (bindings.length === 0 || bindings.some((b) => model.enclosingFunction(b.node))) return undefined;
  return switches.find((s) => !model.enclosingFunction(s.node))?.node;
}

/**
 * Whether code at a node runs where a framework manages gradients or is the model itself: a
 * LightningModule hook (Lightning runs evaluation hooks under no_grad), a `forward`, a method of a
 * module class or of a trainer class.
 */
export function managedByFramework(model: Semantic, node: Node): boolean {
  const fn = model.enclosingFunction(node);
  if (!fn) return false;
  const name = fn.childForFieldName('name')?.text ?? '';
  if (name === 'forward' || isLightningHook(name)) return true;
  const cls = model.enclosingClass(fn);
  return !!cls && model.classBases(cls).some((b) => MODULE_BASES.has(b) || HF_TRAINERS.has(b) || b.startsWith('ignite.') || b.startsWith('lightning.') || b.startsWith('pytorch_lightning.'));
}

/** Whether `requires_grad = <value>` / `requires_grad_(<value>)` switches gradients off: a literal False. */
function switchesOff(model: Semantic, value: Node | undefined): boolean {
  return !!value && truthiness(model.evaluate(value)) === false;
}

/** Whether two expressions name the same module: one binding of a name, or `self.<attr>` in one class. */
function sameModule(model: Semantic, a: Node, b: Node): boolean {
  if (a.text !== b.text) return false;
  if (a.type !== 'identifier') return isSelfAttribute(a) && model.enclosingClass(a)?.id === model.enclosingClass(b)?.id;
  const binding = model.reachingBinding(a);
  return !!binding && binding.node.id === model.reachingBinding(b)?.node.id;
}

/**
 * The file's `x.requires_grad = False` assignments and `m.requires_grad_(False)` calls; undefined
 * when anything in it turns gradients on (`requires_grad = True`, `requires_grad_()`, a value that
 * is not a literal). Read once per file.
 */
function parameterFreezes(model: Semantic): { assignments: Node[]; calls: CallSite[] } | undefined {
  return model.remember('parameter freezes', () => {
    const assignments: Node[] = [];
    for (const id of model.identifiers('requires_grad')) {
      // `x.requires_grad = …`, as gradientUses reads it (a `requires_grad=` keyword is another matter).
      const assignment = gradientIdentifierUse(model, id);
      if (assignment?.type !== 'assignment') continue;
      if (!switchesOff(model, assignment.childForFieldName('right') ?? undefined)) return undefined;
      assignments.push(assignment);
    }
    const calls = model.callsNamed('requires_grad_').filter((c) => !!c.receiver);
    if (calls.some((c) => !switchesOff(model, c.argument('requires_grad', 0)))) return undefined;
    return { assignments, calls };
  });
}

/**
 * Whether every parameter of the module a forward at `at` runs was frozen before it, and nothing in
 * the file turns gradients back on: `for p in model.parameters(): p.requires_grad = False` or
 * `model.requires_grad_(False)`. Autograd then records nothing for inputs that need no gradient.
 */
export function frozenBefore(model: Semantic, target: Node, at: Node): boolean {
  const freezes = parameterFreezes(model);
  if (!freezes) return false;
  if (freezes.calls.some((call) => call.node.startIndex < at.startIndex && sameModule(model, call.receiver!, target))) return true;
  // `for p in model.parameters(): p.requires_grad = False` (each parameter of the module, not a part of it).
  return freezes.assignments.some((off) => {
    const loop = model.enclosingLoops(off).find((l) => l.type === 'for_statement');
    const variable = loop?.childForFieldName('left');
    const iterable = loop?.childForFieldName('right');
    const parameters = iterable?.type === 'call' ? model.callSite(iterable) : undefined;
    const owner = off.childForFieldName('left')?.childForFieldName('object');
    return (
      !!loop && loop.endIndex <= at.startIndex && variable?.type === 'identifier' && owner?.text === variable.text &&
      parameters?.methodName === 'parameters' && parameters.positional.length === 0 && !!parameters.receiver && sameModule(model, parameters.receiver, target)
    );
  });
}
