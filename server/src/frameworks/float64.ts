// float64 in PyTorch code: which expressions name float64 (a dtype, a tensor type), which models are
// made float64, and where the tensors a model is called with got their dtype — so that a model is
// never converted to float32 without the data it is fed.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { stringLiteral } from '../analysis/values';
import { optimizedModels } from './modelSize';
import { argumentsFor, isParameter } from './parameters';
import { parameterFor, sameVariable } from './trainedValues';
import { localFunctionCalled } from './training';
import {
  DATALOADERS,
  DEFAULT_DTYPE_SETTERS,
  dtypeArgument,
  FROM_DATA,
  IN_MEMORY_DATASETS,
  NUMPY_FLOAT64,
  NUMPY_FLOAT64_STRINGS,
  TORCH_DOUBLE_TENSORS,
  TORCH_FLOAT64,
} from './torch';

export type Float64 = 'torch' | 'numpy' | 'tensor type';

/** The last names of the float64 dtypes and tensor types (`torch.float64`, `np.double`, `torch.DoubleTensor`). */
const FLOAT64_NAMES = new Set(['float64', 'double', 'float_', 'DoubleTensor']);

/** How an expression names float64: a PyTorch dtype, a NumPy dtype (object or string), a legacy tensor type. */
export function float64Kind(model: Semantic, expr: Node, numpyStrings: boolean): Float64 | undefined {
  // Most dtypes and devices given are not spelled like float64 (nor imported as such): they need no resolving.
  const last = expr.type === 'attribute' ? expr.childForFieldName('attribute')?.text : expr.type === 'identifier' ? expr.text : undefined;
  if (last !== undefined && !FLOAT64_NAMES.has(last) && !model.importedNames([...TORCH_FLOAT64, ...NUMPY_FLOAT64, ...TORCH_DOUBLE_TENSORS]).has(last)) return undefined;
  const q = model.qualifiedName(expr);
  if (q && TORCH_FLOAT64.has(q)) return 'torch';
  if (q && NUMPY_FLOAT64.has(q)) return 'numpy';
  if (q && TORCH_DOUBLE_TENSORS.has(q)) return 'tensor type';
  const text = expr.type === 'string' ? stringLiteral(expr) : undefined;
  if (text !== undefined && TORCH_DOUBLE_TENSORS.has(text)) return 'tensor type';
  return numpyStrings && text !== undefined && NUMPY_FLOAT64_STRINGS.has(text) ? 'numpy' : undefined;
}

/** dtype strings NumPy and PyTorch read as something other than float64 (`"float"` is float64 in NumPy). */
const OTHER_DTYPE_STRINGS = new Set(['float32', 'float16', 'f4', 'f2', 'single', 'half', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool', 'torch.FloatTensor']);

/** Whether an expression names a dtype other than float64: a PyTorch or NumPy dtype object, a known dtype string. */
function namesOtherDtype(model: Semantic, expr: Node): boolean {
  if (float64Kind(model, expr, true)) return false;
  if (expr.type === 'string') return OTHER_DTYPE_STRINGS.has(stringLiteral(expr) ?? '');
  const q = model.qualifiedName(expr);
  return !!q && (q.startsWith('torch.') || q.startsWith('numpy.')) && q !== 'numpy.float_';
}

/** A place that makes a value float64: a `.double()` call, or a dtype naming float64 (and what it names it for). */
export interface Float64Place {
  node: Node;
  kind: Float64 | 'double';
}

/** Where a tensor's dtype comes from: the float64 places on its way, and whether its whole way was followed. */
export interface DtypeSources {
  places: Float64Place[];
  known: boolean;
}

/** Methods whose result keeps the dtype of the tensor they are called on. */
export const SAME_DTYPE: ReadonlySet<string> = new Set(['to', 'cuda', 'cpu', 'detach', 'requires_grad_', 'view', 'reshape', 'unsqueeze', 'squeeze', 'clone', 'contiguous', 'permute', 'transpose', 'flatten', 't', 'expand', 'repeat', 'view_as', 'reshape_as', 'expand_as', 'pin_memory', 'numpy', 'copy']);
/** Casts to a dtype other than float64. */
const OTHER_CASTS = new Set(['float', 'half', 'bfloat16', 'int', 'long', 'short', 'bool']);
/**
 * PyTorch factories that make tensors of the default dtype when given none, or of an integer or
 * other fixed dtype (`torch.randint`, `torch.LongTensor`): indices fed to an `nn.Embedding` take
 * no part in a float64-to-float32 change, and an integer tensor given to a layer that computes
 * with it fails in both dtypes.
 */
const TORCH_FACTORIES = new Set(
  ['randn', 'rand', 'zeros', 'ones', 'empty', 'full', 'linspace', 'logspace', 'eye', 'Tensor', 'FloatTensor', 'randint', 'arange', 'normal', 'randperm', 'LongTensor', 'IntTensor', 'ShortTensor', 'CharTensor', 'ByteTensor', 'BoolTensor', 'HalfTensor', 'BFloat16Tensor', 'argmax', 'argmin', 'argsort'].map((n) => `torch.${n}`),
);
/** Tensor methods whose result has an integer dtype whatever the tensor's. */
const INTEGER_RESULTS = new Set(['argmax', 'argmin', 'argsort', 'nonzero']);
/** PyTorch calls that join tensors into one of their dtype. */
const JOINS = new Set(['cat', 'concat', 'concatenate', 'stack', 'hstack', 'vstack'].map((n) => `torch.${n}`));
/** PyTorch calls whose result has the dtype of the tensors they compute with. */
const SAME_DTYPE_CALLS = new Set(
  ['tanh', 'sigmoid', 'relu', 'exp', 'log', 'sin', 'cos', 'abs', 'sqrt', 'square', 'matmul', 'mm', 'bmm', 'nn.functional.linear']
    .concat(['relu', 'tanh', 'sigmoid', 'gelu', 'silu', 'elu', 'leaky_relu', 'softplus', 'dropout'].map((n) => `nn.functional.${n}`))
    .map((n) => `torch.${n}`),
);
/** NumPy calls that keep their data's dtype when given none. */
const NUMPY_FROM_DATA = new Set(['numpy.array', 'numpy.asarray']);
/** Calls around a loader in a `for` that yield its batches with an index or progress bar. */
const ITERATION_WRAPPERS = new Set(['enumerate', 'tqdm', 'iter']);

/**
 * Where the dtype of what an expression holds comes from, followed back through names (a
 * function's parameter to the file's calls), slices, dtype-keeping methods (`.to(device)`,
 * `.requires_grad_()`), `torch.cat` / `torch.stack`, `torch.tensor` / `torch.from_numpy` of NumPy
 * data, arithmetic, and the batches of a `DataLoader(TensorDataset(…))`. A `.double()` or a float64
 * dtype is a place; another dtype, a cast to one, or a PyTorch factory's default dtype ends the way;
 * anything else (a value from a file, NumPy's own float64 default, a function of another module)
 * is unknown.
 */
export function dtypeSources(model: Semantic, expr: Node): DtypeSources {
  const out: DtypeSources = { places: [], known: true };
  const seen = new Set<number>();
  const unknown = () => {
    out.known = false;
  };
  const visit = (e: Node | null | undefined, depth: number): void => {
    if (!out.known) return;
    if (!e || depth > 24) return unknown();
    if (seen.has(e.id)) return;
    seen.add(e.id);
    switch (e.type) {
      case 'parenthesized_expression':
        return visit(e.namedChild(0), depth + 1);
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'string':
      case 'comparison_operator':
        // Python numbers, flags and text; a comparison's bool tensor.
        return;
      case 'list':
      case 'tuple':
      case 'expression_list':
        for (const item of e.namedChildren) if (item && item.type !== 'comment') visit(item, depth + 1);
        return;
      case 'subscript':
        return visit(e.childForFieldName('value'), depth + 1);
      case 'binary_operator':
        visit(e.childForFieldName('left'), depth + 1);
        return visit(e.childForFieldName('right'), depth + 1);
      case 'unary_operator':
        return visit(e.childForFieldName('argument'), depth + 1);
      case 'identifier':
        return name(e, depth);
      case 'call':
        return call(model.callSite(e), depth);
      default:
        return unknown();
    }
  };
  const name = (id: Node, depth: number): void => {
    if (isParameter(model, id)) {
      const args = argumentsFor(model, id);
      if (!args) return unknown();
      for (const arg of args) visit(arg, depth + 1);
      return;
    }
    const binding = model.reachingBinding(id);
    if (binding?.kind === 'assign' && binding.value) return visit(binding.value, depth + 1);
    if (binding?.kind === 'loop') return visit(batchItem(model, binding.node, id), depth + 1);
    return unknown();
  };
  const call = (site: CallSite, depth: number): void => {
    const q = site.qualifiedName;
    const given = site.argumentList?.namedChildren.filter((a) => a && a.type !== 'comment').length ?? 0;
    if (site.receiver && !q) {
      const method = site.methodName;
      if (method === 'double' && given === 0) return void out.places.push({ node: site.node, kind: 'double' });
      if (OTHER_CASTS.has(method) && given === 0) return;
      if (INTEGER_RESULTS.has(method)) return;
      if (method === 'to' || method === 'type' || method === 'astype') {
        const dtype = method === 'astype' ? site.argument('dtype', 0) : (dtypeArgument(model, site) ?? (method === 'type' ? site.positional[0] : undefined));
        if (!dtype) return method === 'to' ? visit(site.receiver, depth + 1) : unknown();
        const kind = float64Kind(model, dtype, method === 'astype');
        if (kind && (method === 'astype') === (kind === 'numpy')) return void out.places.push({ node: dtype, kind });
        return namesOtherDtype(model, dtype) ? undefined : unknown();
      }
      return SAME_DTYPE.has(method) ? visit(site.receiver, depth + 1) : unknown();
    }
    if (!q || !(q.startsWith('torch.') || q.startsWith('numpy.'))) return unknown();
    const dtype = site.keywords.get('dtype')?.value;
    if (dtype) {
      const kind = float64Kind(model, dtype, q.startsWith('numpy.'));
      if (kind === (q.startsWith('torch.') ? 'torch' : 'numpy')) return void out.places.push({ node: dtype, kind });
      return namesOtherDtype(model, dtype) ? undefined : unknown();
    }
    if (FROM_DATA.has(q) || NUMPY_FROM_DATA.has(q)) return visit(site.positional[0] ?? site.keywords.get('data')?.value, depth + 1);
    if (JOINS.has(q)) return visit(site.argument('tensors', 0), depth + 1);
    if (SAME_DTYPE_CALLS.has(q)) {
      for (const arg of site.positional) visit(arg, depth + 1);
      return;
    }
    return TORCH_FACTORIES.has(q) ? undefined : unknown();
  };
  visit(expr, 0);
  return out;
}

/**
 * The tensor a `for` loop's target name receives from a `DataLoader(TensorDataset(a, b, …))`: the
 * dataset's tensor at the name's place in the batch (`for xb, yb in loader`, `for i, (xb, yb) in
 * enumerate(loader)`). Undefined when the loop iterates anything else.
 */
function batchItem(model: Semantic, loop: Node, use: Node): Node | undefined {
  const path: number[] = [];
  const left = loop.childForFieldName('left');
  const target = left && (left.type === 'identifier' ? left : left.descendantsOfType('identifier').find((n) => n?.text === use.text));
  if (!left || !target) return undefined;
  let node: Node = target;
  while (node.id !== left.id) {
    const parent = model.parentOf(node);
    if (!parent || !['pattern_list', 'tuple_pattern', 'list_pattern', 'parenthesized_expression'].includes(parent.type)) return undefined;
    if (parent.type !== 'parenthesized_expression') path.unshift(parent.namedChildren.filter((n) => n && n.type !== 'comment').findIndex((n) => n!.id === node.id));
    node = parent;
  }
  let iterated = loop.childForFieldName('right');
  while (iterated?.type === 'call') {
    const wrapper = model.callSite(iterated);
    const callee = wrapper.callee.type === 'identifier' ? wrapper.callee.text : wrapper.methodName;
    if (!ITERATION_WRAPPERS.has(callee)) break;
    if (callee === 'enumerate' && path.shift() !== 1) return undefined;
    iterated = wrapper.positional[0] ?? null;
  }
  const loader = iterated ? (iterated.type === 'call' ? model.callSite(iterated) : model.originCall(iterated)) : undefined;
  if (!loader || !DATALOADERS.includes(loader.qualifiedName ?? '') || path.length !== 1) return undefined;
  const dataset = loader.argument('dataset', 0);
  const made = dataset && (dataset.type === 'call' ? model.callSite(dataset) : model.originCall(dataset));
  if (!made || !IN_MEMORY_DATASETS.has(made.qualifiedName ?? '')) return undefined;
  return made.positional[path[0]];
}

/**
 * The calls of the model a name holds: `model(x)` wherever the same variable is called, and the
 * calls of a same-file function's parameter it is passed as (`train(model, …)` calling `net(x)`).
 */
export function modelCalls(model: Semantic, id: Node, depth = 0): CallSite[] {
  const out: CallSite[] = [];
  if (depth > 3) return out;
  for (const use of model.identifiers(id.text)) {
    if (!sameVariable(model, use, id)) continue;
    const parent = model.parentOf(use);
    if (parent?.type === 'call' && parent.childForFieldName('function')?.id === use.id) {
      out.push(model.callSite(parent));
      continue;
    }
    const list = parent?.type === 'keyword_argument' ? model.parentOf(parent) : parent;
    const callNode = list?.type === 'argument_list' ? model.parentOf(list) : null;
    if (callNode?.type !== 'call') continue;
    const site = model.callSite(callNode);
    const parameter = localFunctionCalled(model, site) ? parameterFor(model, site, use) : undefined;
    if (parameter) out.push(...modelCalls(model, parameter, depth + 1));
  }
  return out;
}

const CASTS: ReadonlySet<string> = new Set(['double', 'to', 'type']);

/** Methods that return the model they are called on. */
const SAME_MODEL = new Set(['to', 'cuda', 'cpu', 'train', 'eval', 'requires_grad_']);

/**
 * Whether the model an expression holds is made float64: `.double()`, `.to(torch.float64)` or
 * `.type(torch.DoubleTensor)` on it (where it is built or as a statement on the same name), a
 * `dtype=torch.float64` where it is built, or `torch.set_default_dtype(torch.float64)` (or
 * `set_default_tensor_type(torch.DoubleTensor)`) at module level. A cast back (`.float()`) after
 * it counts only where it is built.
 */
export function isFloat64Model(model: Semantic, expr: Node, depth = 0): boolean {
  if (depth > 6) return false;
  if (defaultDtypeFloat64(model)) return true;
  if (isParameter(model, expr)) {
    const args = argumentsFor(model, expr);
    return !!args && args.length > 0 && args.every((a) => isFloat64Model(model, a, depth + 1));
  }
  const made = expr.type === 'call' ? model.callSite(expr) : model.originCall(expr);
  if (made && castsToFloat64(model, made)) return true;
  if (made?.receiver && !made.qualifiedName && SAME_MODEL.has(made.methodName) && !dtypeArgument(model, made) && isFloat64Model(model, made.receiver, depth + 1)) return true;
  const dtype = made?.qualifiedName?.startsWith('torch.') ? made.keywords.get('dtype')?.value : undefined;
  if (dtype && float64Kind(model, dtype, false) === 'torch') return true;
  // `model.double()` as a statement on the same name.
  if (expr.type !== 'identifier') return false;
  // Read from where the name is spelled: `.to(…)` calls are everywhere, the model's name is not.
  for (const call of model.methodCallsOn(expr.text, CASTS)) {
    const statement = model.parentOf(call.node);
    if (statement?.type === 'expression_statement' && call.receiver?.type === 'identifier' && sameVariable(model, call.receiver, expr) && castsToFloat64(model, call)) return true;
  }
  return false;
}

/** Whether every model a PyTorch training step's optimizer (`step()`'s receiver) trains is made float64. */
export function trainsFloat64Model(model: Semantic, optimizer: Node | undefined): boolean {
  const models = optimizer && optimizedModels(model, optimizer);
  return !!models && models.length > 0 && models.every((m) => isFloat64Model(model, m));
}

/** Whether the module sets float64 as the default dtype: `torch.set_default_dtype(torch.float64)` at module level. */
export function defaultDtypeFloat64(model: Semantic): boolean {
  return ['set_default_dtype', 'set_default_tensor_type'].some((name) =>
    model.callsNamed(name).some((c) => {
      const dtype = c.argument('d', 0) ?? c.argument('t', 0);
      return DEFAULT_DTYPE_SETTERS.has(c.qualifiedName ?? '') && model.isModuleLevel(c.node) && !!dtype && !!float64Kind(model, dtype, false);
    }),
  );
}

/** `.double()`, `.to(torch.float64)`, `.type(torch.DoubleTensor)`. */
function castsToFloat64(model: Semantic, call: CallSite): boolean {
  if (!call.receiver || call.qualifiedName) return false;
  if (call.methodName === 'double') return (call.argumentList?.namedChildren.length ?? 0) === 0;
  if (call.methodName !== 'to' && call.methodName !== 'type') return false;
  const dtype = dtypeArgument(model, call) ?? (call.methodName === 'type' ? call.positional[0] : undefined);
  const kind = dtype && float64Kind(model, dtype, false);
  return !!kind && kind !== 'numpy';
}
