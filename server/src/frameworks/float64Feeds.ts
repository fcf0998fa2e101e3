// What a float64 model or raw tensor is given to compute with: the inputs of a model's calls and
// the operands a tensor is matrix-multiplied with. Those must change dtype with it; a use that
// cannot be followed (the model handed to a trainer, kept on an object) means they are not known.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { SAME_DTYPE } from './float64';
import { parameterFor, sameVariable } from './trainedValues';
import { localFunctionCalled } from './training';

/** A computation a float64 value takes part in, and the other values it is given there. */
export interface Feed {
  node: Node;
  inputs: Node[];
}

/** What a model or tensor's name meets: its feeds, whether it is used as a module, and whether a use could not be followed. */
export interface Meetings {
  feeds: Feed[];
  module: boolean;
  escapes: boolean;
}

/** `nn.Module` methods that run no computation on a tensor given to them. */
const MODULE_METHODS = new Set([
  'parameters', 'named_parameters', 'buffers', 'named_buffers', 'modules', 'named_modules', 'children', 'named_children',
  'state_dict', 'load_state_dict', 'zero_grad', 'train', 'eval', 'apply', 'register_buffer', 'register_parameter', 'add_module',
]);
/** Methods of both modules and tensors that run no computation with another tensor. */
const SELF_METHODS = new Set(['to', 'cuda', 'cpu', 'requires_grad_', 'type', 'double', 'float', 'half', 'bfloat16', 'share_memory']);
/** Module methods that return the module: what they return is the model under another name unless it is kept in the same one. */
const RETURNS_SELF = new Set(['to', 'cuda', 'cpu', 'requires_grad_', 'type', 'double', 'float', 'half', 'bfloat16', 'train', 'eval', 'apply']);
/** Builtins and calls that read a value without computing with it. */
const INERT_BUILTINS = new Set(['print', 'len', 'isinstance', 'type', 'str', 'repr', 'id']);
const INERT_CALLS = new Set(['torch.save']);
/** Wrappers whose result runs the model they are given. */
const MODEL_WRAPPERS = new Set(['torch.nn.DataParallel', 'torch.nn.parallel.DataParallel', 'torch.nn.parallel.DistributedDataParallel', 'torch.compile']);
/** PyTorch calls that multiply their tensors as matrices: every tensor given must share one dtype. */
const MATRIX_PRODUCTS = new Set(
  ['matmul', 'mm', 'bmm', 'mv', 'dot', 'addmm', 'einsum', 'nn.functional.linear', 'nn.functional.bilinear', 'nn.functional.conv1d', 'nn.functional.conv2d', 'nn.functional.conv3d'].map((n) => `torch.${n}`),
);
const MATRIX_METHODS = new Set(['matmul', 'mm', 'bmm', 'mv', 'dot']);
/** Tensor attributes that keep its dtype. */
const SAME_DTYPE_ATTRIBUTES = new Set(['T', 'mT', 'data']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '**', '//', '%']);

const argumentOf = (model: Semantic, node: Node): CallSite | undefined => {
  const parent = model.parentOf(node);
  const list = parent?.type === 'keyword_argument' && parent.childForFieldName('value')?.id === node.id ? model.parentOf(parent) : parent;
  const call = list?.type === 'argument_list' ? model.parentOf(list) : null;
  return call?.type === 'call' ? model.callSite(call) : undefined;
};

/** Whether a use binds the name rather than reads it (`model = …`, `w -= …`, `for x, y in …`). */
function binds(model: Semantic, use: Node): boolean {
  const parent = model.parentOf(use);
  if (!parent) return false;
  if ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && parent.childForFieldName('left')?.id === use.id) return true;
  return ['pattern_list', 'tuple_pattern', 'list_pattern'].includes(parent.type);
}

/** Whether a model's method's result (`model.to(device)`) is only the statement or kept in the same name. */
function keptInPlace(model: Semantic, call: Node, id: Node): boolean {
  const parent = model.parentOf(call);
  if (parent?.type === 'expression_statement') return true;
  const left = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === call.id ? parent.childForFieldName('left') : null;
  return left?.type === 'identifier' && sameVariable(model, left, id);
}

/**
 * How the model a name holds is used: its calls (`model(x)`, `model.forward(x)`, a submodule's
 * `model.encoder(x)`), also through the same-file functions it is passed to and a `DataParallel`
 * around it. A module method (`.parameters()`, `.train()`) runs nothing; any other use (handed to a
 * trainer, a class of the file, kept on an object or in a list) escapes.
 */
export function modelMeetings(model: Semantic, id: Node, depth = 0): Meetings {
  const out: Meetings = { feeds: [], module: false, escapes: depth > 3 };
  if (out.escapes) return out;
  const merge = (other: Meetings) => {
    out.feeds.push(...other.feeds);
    out.module ||= other.module;
    out.escapes ||= other.escapes;
  };
  const called = (site: CallSite, module: boolean) => {
    out.module ||= module;
    out.feeds.push({ node: site.node, inputs: site.argumentValues });
  };
  for (const use of model.identifiers(id.text)) {
    if (!sameVariable(model, use, id) || binds(model, use)) continue;
    const parent = model.parentOf(use);
    if (parent?.type === 'call' && parent.childForFieldName('function')?.id === use.id) {
      called(model.callSite(parent), true);
      continue;
    }
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === use.id) {
      let top = parent;
      for (let up = model.parentOf(top); up?.type === 'attribute' && up.childForFieldName('object')?.id === top.id; up = model.parentOf(top)) top = up;
      const call = model.parentOf(top);
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== top.id) continue;
      const method = top.childForFieldName('attribute')!.text;
      if (top.id === parent.id && (MODULE_METHODS.has(method) || SELF_METHODS.has(method))) {
        out.module ||= MODULE_METHODS.has(method);
        if (RETURNS_SELF.has(method) && !keptInPlace(model, call, id)) out.escapes = true;
        continue;
      }
      // `model.forward(x)`, `model.encoder(x)`: the model runs on what it is given (a tensor's `x.sum(1)` says nothing).
      called(model.callSite(call), method === 'forward' && top.id === parent.id);
      continue;
    }
    const site = argumentOf(model, use);
    if (!site) {
      out.escapes = true;
      continue;
    }
    const parameter = localFunctionCalled(model, site) ? parameterFor(model, site, use) : undefined;
    if (parameter) {
      merge(modelMeetings(model, parameter, depth + 1));
      continue;
    }
    if (site.callee.type === 'identifier' && INERT_BUILTINS.has(site.callee.text) && model.lookup(site.callee.text, site.callee).length === 0) continue;
    if (INERT_CALLS.has(site.qualifiedName ?? '')) continue;
    const parentOfCall = model.parentOf(site.node);
    const wrapped = MODEL_WRAPPERS.has(site.qualifiedName ?? '') && parentOfCall?.type === 'assignment' ? parentOfCall.childForFieldName('left') : null;
    if (wrapped?.type === 'identifier') {
      if (!sameVariable(model, wrapped, id)) merge(modelMeetings(model, wrapped, depth + 1));
      out.module = true;
      continue;
    }
    out.escapes = true;
  }
  return out;
}

/** The expression a tensor's use carries its dtype to: up through parentheses, arithmetic, `.t()`, `.T`, `.to(device)`. */
function carried(model: Semantic, use: Node): Node {
  let node = use;
  for (let hop = 0; hop < 12; hop++) {
    const parent = model.parentOf(node);
    if (!parent) break;
    if (parent.type === 'parenthesized_expression' || parent.type === 'unary_operator') node = parent;
    else if (parent.type === 'binary_operator' && ARITHMETIC.has(parent.childForFieldName('operator')?.text ?? '')) node = parent;
    else if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === node.id) {
      const name = parent.childForFieldName('attribute')!.text;
      const call = model.parentOf(parent);
      if (SAME_DTYPE_ATTRIBUTES.has(name)) node = parent;
      else if (SAME_DTYPE.has(name) && call?.type === 'call' && call.childForFieldName('function')?.id === parent.id) node = call;
      else break;
    } else break;
  }
  return node;
}

/** Whether a use is inside the arguments of an optimizer (`torch.optim.SGD([w, b], lr=0.1)`). */
function givenToOptimizer(model: Semantic, use: Node): boolean {
  for (let node = model.parentOf(use); node && ['list', 'tuple', 'dictionary', 'pair', 'argument_list', 'keyword_argument', 'call'].includes(node.type); node = model.parentOf(node)) {
    if (node.type === 'call' && /^torch\.optim\./.test(model.callSite(node).qualifiedName ?? '')) return true;
  }
  return false;
}

/**
 * What a float64 tensor's name is matrix-multiplied with (`x @ w`, `torch.matmul(x, w)`,
 * `F.linear(x, w, b)`, also after `.t()` or arithmetic, and in the same-file functions it is passed
 * to): PyTorch does not promote there, so each must change dtype with it. `module` is set when
 * the name is given to an optimizer, a raw parameter; a raw parameter also escapes when passed to
 * a function of another module or kept anywhere else, since it may be multiplied there.
 */
export function tensorMeetings(model: Semantic, id: Node, depth = 0): Meetings {
  const out: Meetings = { feeds: [], module: false, escapes: depth > 3 };
  if (out.escapes) return out;
  let unfollowed = false;
  for (const use of model.identifiers(id.text)) {
    if (!sameVariable(model, use, id) || binds(model, use)) continue;
    if (givenToOptimizer(model, use)) {
      out.module = true;
      continue;
    }
    const value = carried(model, use);
    const parent = model.parentOf(value);
    if (parent?.type === 'binary_operator' && parent.childForFieldName('operator')?.text === '@') {
      const other = parent.childForFieldName(parent.childForFieldName('left')?.id === value.id ? 'right' : 'left');
      if (other) out.feeds.push({ node: parent, inputs: [other] });
      continue;
    }
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === value.id) {
      const call = model.parentOf(parent);
      if (call?.type === 'call' && MATRIX_METHODS.has(parent.childForFieldName('attribute')!.text)) out.feeds.push({ node: call, inputs: model.callSite(call).positional });
      // Any other method computes on the tensor alone (`w.grad`, `w.sum()`, `w.item()`).
      continue;
    }
    // What the tensor becomes in a name (`h = x @ w1 + b1`) meets what that name meets.
    const assignment = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === value.id ? parent.childForFieldName('left') : undefined;
    if (assignment?.type === 'identifier') {
      // Kept in the same name (`h = h + b`): its uses are this loop's own.
      if (sameVariable(model, assignment, id)) continue;
      const inner = tensorMeetings(model, assignment, depth + 1);
      out.feeds.push(...inner.feeds);
      unfollowed ||= inner.escapes;
      continue;
    }
    const site = argumentOf(model, value);
    if (site && MATRIX_PRODUCTS.has(site.qualifiedName ?? '')) {
      out.feeds.push({ node: site.node, inputs: site.argumentValues.filter((a) => a.id !== value.id) });
      continue;
    }
    const parameter = site && localFunctionCalled(model, site) ? parameterFor(model, site, value) : undefined;
    if (parameter) {
      const inner = tensorMeetings(model, parameter, depth + 1);
      out.feeds.push(...inner.feeds);
      unfollowed ||= inner.escapes;
      continue;
    }
    // Elementwise PyTorch calls promote mixed dtypes; a function of another module may multiply the tensor out of sight.
    if (site) {
      if (site.qualifiedName?.startsWith('torch.') || (site.callee.type === 'identifier' && INERT_BUILTINS.has(site.callee.text))) continue;
      unfollowed = true;
      continue;
    }
    // Kept where it cannot be followed: returned, on an object, in a container, under another name's item.
    if (!parent || ['return_statement', 'list', 'tuple', 'dictionary', 'pair', 'set', 'assignment', 'expression_list', 'yield'].includes(parent.type)) unfollowed = true;
  }
  out.escapes = unfollowed;
  return out;
}
