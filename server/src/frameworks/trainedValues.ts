// What a training step trains and what feeds it: whether a value (a model, a tensor, a dataset)
// reaches a training step — used in the step's loop or function, its parameters handed to an
// optimizer, or passed on through names, PyTorch wrappers and functions of the file.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { parameterReceiving } from './parameters';
import { localFunctionCalled, loopTrains } from './training';

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
export function parameterFor(model: Semantic, call: CallSite, argument: Node): Node | undefined {
  const fn = localFunctionCalled(model, call);
  const body = fn?.childForFieldName('body');
  const name = fn && body ? parameterReceiving(model, call, fn, argument) : undefined;
  if (!name || !body) return undefined;
  return model.identifiers(name).find((id) => id.startIndex >= body.startIndex && id.endIndex <= body.endIndex && model.lookup(name, id).some((b) => b.kind === 'param'));
}

/** The name an element of `a, b = x, y` is assigned to, when both sides list as many plain items. */
function pairedName(model: Semantic, values: Node, element: Node): Node | undefined {
  const assignment = model.parentOf(values);
  const pattern = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === values.id ? assignment.childForFieldName('left') : null;
  if (pattern?.type !== 'pattern_list' && pattern?.type !== 'tuple_pattern') return undefined;
  const names = pattern.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const items = values.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const name = names[items.findIndex((i) => i.id === element.id)];
  return names.length === items.length && name?.type === 'identifier' ? name : undefined;
}

/** Which calls carry a value on: a method called on it (`.to(device)`), a call it is passed to (`TensorDataset(x, y)`). */
export interface Carry {
  method(call: CallSite): boolean;
  call(call: CallSite): boolean;
  /** Whether a part of a value carries it on: a slice or item (`x[:, 0:1]`), an element of a list passed to a call (`torch.cat([a, b])`). */
  parts?: boolean;
}

/** Every method carries a value; so does every PyTorch call it is passed to. */
export const CARRY_ANY: Carry = { method: () => true, call: (c) => !!c.qualifiedName?.startsWith('torch.') };

/**
 * Whether values reach the training steps of a file, given the steps' loops and functions (the
 * `trainingRegions` of TRAINING_FACTS): used in one, their parameters handed to an optimizer, passed
 * on through PyTorch wrappers — `TensorDataset`, `DataLoader`, `DataParallel` — names, and functions
 * of the file. What carries a value on is the rule's to say (`carry`): a float64 tensor stops at `.float()`.
 */
export class TrainingUse {
  /** Whether each variable (by its scope's first binding) trains, for the questions asked first. */
  private readonly variables = new Map<number, boolean>();
  /** The variables whose answer is being found (a name that reaches itself is not trained by that alone). */
  private readonly pending = new Set<number>();

  constructor(
    private readonly model: Semantic,
    private readonly regions: readonly Node[],
    private readonly carry: Carry = CARRY_ANY,
  ) {}

  /** Whether a node lies in the loop or function of a training step. */
  inTrainingRegion(node: Node): boolean {
    return this.regions.some((r) => node.startIndex >= r.startIndex && node.endIndex <= r.endIndex);
  }

  /** Whether the variable a name stands for (where it is bound or used) is trained or feeds training. */
  trains(id: Node, depth = 0): boolean {
    if (depth > 8 || this.regions.length === 0) return false;
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
    if (this.carry.parts && parent.type === 'subscript' && parent.childForFieldName('value')?.id === expr.id) return this.reaches(parent, depth + 1);
    if (this.carry.parts && (parent.type === 'list' || parent.type === 'tuple') && ['argument_list', 'keyword_argument'].includes(model.parentOf(parent)?.type ?? '')) return this.reaches(parent, depth + 1);
    // `x, t = a[:, 0:1], a[:, 1:2]`: each element goes to the name in its place.
    const paired = parent.type === 'expression_list' ? pairedName(model, parent, expr) : undefined;
    if (paired) return this.inTrainingRegion(paired) || this.trains(paired, depth + 1);
    if (parent.type === 'assignment') {
      const left = parent.childForFieldName('left');
      return parent.childForFieldName('right')?.id === expr.id && left?.type === 'identifier' && (this.inTrainingRegion(left) || this.trains(left, depth + 1));
    }
    return parent.type === 'for_statement' && parent.childForFieldName('right')?.id === expr.id && loopTrains(model, parent);
  }
}

