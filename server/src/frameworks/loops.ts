// Training loops as PyTorch code writes them: the statement a node stands in, the variable a
// `.backward()` is called on, the statements that assign it and the run of statements that computes
// it, and the loop a backward call runs in (its own, or one around a call of its function).
import type { Binding } from '../analysis/model/bindings';
import type { Semantic } from '../analysis/model/model';
import type { CallSite } from '../analysis/model/calls';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { runByEngine } from './ignite';
import { GRAD_MODE } from './torch';

/** Calls that end the forward+loss run when walking back from the loss assignment. */
const BOUNDARY_METHODS = new Set(['zero_grad', 'backward', 'step', 'update', 'train', 'eval']);
const DATA_MOVEMENT_METHODS = new Set(['to', 'cuda', 'cpu', 'pin_memory']);

/** Whether `inner` lies within `outer` (or is it). */
export function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** The variable holding the tensor whose backward is called: `loss` in `scaler.scale(loss / n).backward()`. */
export function lossName(expr: Node | null | undefined, depth = 0): string | undefined {
  if (!expr || depth > 8) return undefined;
  switch (expr.type) {
    case 'identifier':
      return expr.text;
    case 'parenthesized_expression':
      return lossName(expr.namedChildren.find((c) => c && c.type !== 'comment'), depth + 1);
    case 'binary_operator':
      return lossName(expr.childForFieldName('left'), depth + 1) ?? lossName(expr.childForFieldName('right'), depth + 1);
    case 'attribute':
      return lossName(expr.childForFieldName('object'), depth + 1);
    case 'subscript':
      return lossName(expr.childForFieldName('value'), depth + 1);
    case 'call': {
      const callee = expr.childForFieldName('function');
      const args = expr.childForFieldName('arguments');
      const first = args?.namedChildren.find((c) => c && c.type !== 'comment' && c.type !== 'keyword_argument');
      // `scaler.scale(loss)`: the loss is the argument; `loss.mean()`: the receiver.
      if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'scale' && first) return lossName(first, depth + 1);
      if (callee?.type === 'attribute') return lossName(callee.childForFieldName('object'), depth + 1);
      return undefined;
    }
    default:
      return undefined;
  }
}

function targetsName(target: Node | null, name: string): boolean {
  if (!target) return false;
  if (target.type === 'identifier') return target.text === name;
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'parenthesized_expression') {
    return target.namedChildren.some((c) => targetsName(c, name));
  }
  return false;
}

/** Whether a statement assigns the name (itself or in a nested block, not in a nested function). */
function assigns(statement: Node, name: string): boolean {
  const nodes = [statement, ...statement.descendantsOfType(['assignment', 'augmented_assignment', 'named_expression'])];
  for (const n of nodes) {
    if (!n || !['assignment', 'augmented_assignment', 'named_expression'].includes(n.type)) continue;
    let p = n.parent;
    let nested = false;
    while (p && p.id !== statement.id) {
      if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') nested = true;
      p = p.parent;
    }
    if (nested) continue;
    if (targetsName(n.childForFieldName(n.type === 'named_expression' ? 'name' : 'left'), name)) return true;
  }
  return false;
}

/** The statement (child of a block or the module) that contains a node. */
export function statementOf(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current && current.parent) {
    if (current.parent.type === 'block' || current.parent.type === 'module') return current;
    current = current.parent;
  }
  return undefined;
}

export function namedStatements(block: Node): Node[] {
  return block.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

function isDataExpression(expr: Node | null): boolean {
  if (!expr) return false;
  switch (expr.type) {
    case 'identifier':
    case 'attribute':
    case 'subscript':
      return true;
    case 'expression_list':
    case 'tuple':
    case 'parenthesized_expression':
      return expr.namedChildren.every((c) => !c || c.type === 'comment' || isDataExpression(c));
    case 'call': {
      const callee = expr.childForFieldName('function');
      return callee?.type === 'attribute' && DATA_MOVEMENT_METHODS.has(callee.childForFieldName('attribute')?.text ?? '');
    }
    case 'dictionary_comprehension':
    case 'list_comprehension': {
      // `{k: v.to(device) for k, v in batch.items()}`
      const body = expr.childForFieldName('body');
      return isDataExpression(body?.type === 'pair' ? body.childForFieldName('value') : body);
    }
    default:
      return false;
  }
}

/** A statement that may go inside the autocast block: a plain expression or assignment that is not optimizer bookkeeping or data movement. */
function isForwardStatement(statement: Node): boolean {
  if (statement.type !== 'expression_statement') return false;
  const expr = statement.namedChild(0);
  if (!expr) return false;
  if (expr.type === 'assignment' && isDataExpression(expr.childForFieldName('right'))) return false;
  return !endsForward(statement);
}

/**
 * A `with torch.no_grad():` block (any grad-mode context) of plain forward statements, also under
 * `if`/`else` (DINO's `if "vit" in args.arch:`): a frozen backbone's forward before the trainable
 * head (linear probing), most of the step's compute, which the autocast block should cover too.
 */
function isGradModeForward(model: Semantic, statement: Node): boolean {
  if (statement.type !== 'with_statement') return false;
  const items = withItems(statement);
  if (items.length === 0 || !items.every((i) => i.value.type === 'call' && GRAD_MODE.has(model.callSite(i.value).qualifiedName ?? ''))) return false;
  const body = statement.childForFieldName('body');
  return !!body && plainStatements(body) && body.descendantsOfType('expression_statement').some((s) => !!s && isForwardStatement(s));
}

/** Whether a block holds only expression statements that do not end the forward run, and `if`/`elif`/`else` branches of them. */
function plainStatements(block: Node): boolean {
  return namedStatements(block).every((s) => (s.type === 'expression_statement' ? !endsForward(s) : plainBranches(s)));
}

/** An `if` statement whose every branch holds only plain statements (see plainStatements). */
function plainBranches(statement: Node): boolean {
  if (statement.type !== 'if_statement') return false;
  const branches = [statement, ...statement.namedChildren.filter((c): c is Node => !!c && (c.type === 'elif_clause' || c.type === 'else_clause'))];
  return branches.every((b) => {
    const body = b.childForFieldName(b.type === 'else_clause' ? 'body' : 'consequence');
    return !!body && plainStatements(body);
  });
}

/**
 * An `if`/`else` of plain forward statements (word_language_model's `if model_type == "Transformer":
 * output = model(data) else: output, hidden = model(data, hidden)`): the forward the loss is
 * computed from, which the autocast block must cover with the loss.
 */
function isBranchedForward(statement: Node): boolean {
  return plainBranches(statement) && statement.descendantsOfType('expression_statement').some((s) => !!s && isForwardStatement(s));
}

export interface Region {
  first: Node;
  last: Node;
  block: Node;
}

/**
 * The run of statements that computes the loss: from the statement that last assigns it before the
 * backward call (searching the backward's block, then the enclosing blocks up to `limit`) back over
 * plain forward statements and no-grad blocks of them, stopping at zero_grad/step/backward calls
 * and data movement.
 */
export function lossRegion(model: Semantic, backwardStatement: Node, name: string, limit: Node): Region | undefined {
  let statement: Node | undefined = backwardStatement;
  while (statement && statement.parent && within(statement, limit) && statement.id !== limit.id) {
    const block: Node = statement.parent;
    const siblings = namedStatements(block);
    const index = siblings.findIndex((s) => s.id === statement!.id);
    for (let j = index - 1; j >= 0; j--) {
      if (!assigns(siblings[j], name)) continue;
      let first = j;
      while (first > 0 && (isForwardStatement(siblings[first - 1]) || isGradModeForward(model, siblings[first - 1]))) first--;
      return { first: siblings[earliestFeedingForward(model, siblings, first, j)], last: siblings[j], block };
    }
    if (block.id === limit.id || block.type === 'module') return undefined;
    statement = statementOf(block.parent ?? block);
  }
  return undefined;
}

/**
 * The loss regions of a loop's backward calls, in document order, for one autocast block each:
 * overlapping ones in one block merge, others stay apart. Undefined when a backward's region is not
 * found, or two overlap across blocks or share a line.
 */
export function lossRegions(model: Semantic, backwards: readonly CallSite[], limit: Node): Region[] | undefined {
  const regions: Region[] = [];
  for (const call of backwards) {
    const statement = statementOf(call.node);
    const name = lossName(call.receiver);
    const region = statement && name ? lossRegion(model, statement, name, limit) : undefined;
    if (!region) return undefined;
    regions.push(region);
  }
  regions.sort((a, b) => a.first.startIndex - b.first.startIndex);
  const merged: Region[] = [];
  for (const r of regions) {
    const prev = merged[merged.length - 1];
    if (prev && r.first.startIndex <= prev.last.endIndex) {
      if (prev.block.id !== r.block.id) return undefined;
      if (r.last.endIndex > prev.last.endIndex) prev.last = r.last;
      continue;
    }
    if (prev && prev.last.endPosition.row >= r.first.startPosition.row) return undefined;
    merged.push({ ...r });
  }
  return merged;
}

/**
 * The statements that assign a backward call's loss (`name`): those inside its regions (its loop,
 * and its function when reached through a call), since a loss computed under autocast in a separate
 * validation loop does not count; with none there, every assignment the call sees.
 */
export function lossAssignments(model: Semantic, backward: CallSite, name: string, regions: readonly Node[]): Node[] {
  const isAssignment = (b: Binding) => b.kind === 'assign' || b.kind === 'other';
  const inLoop = model
    .lookupWithin(name, backward.node, regions.map((r) => ({ start: r.startIndex, end: r.endIndex })), isAssignment)
    .map((b) => b.node)
    .filter((a) => regions.some((r) => within(a, r)));
  return inLoop.length ? inLoop : model.lookup(name, backward.node).filter(isAssignment).map((b) => b.node);
}

/**
 * Where the loss's computation starts, given the run of forward statements `[first, last]` before
 * it: earlier forward statements that compute what the run reads count too, past data movement and
 * aliases between them (`fake_score = outputs` between a GAN's discriminator passes and
 * `d_loss = d_loss_real + d_loss_fake`), and an `if`/`else` of forward statements that feeds it, up
 * to the previous optimizer call or other compound statement.
 */
function earliestFeedingForward(model: Semantic, siblings: Node[], first: number, last: number): number {
  const needed = new Set<string>();
  const read = (statement: Node) => {
    for (const id of statement.descendantsOfType('identifier')) if (id) needed.add(id.text);
  };
  for (let k = first; k <= last; k++) read(siblings[k]);
  let earliest = first;
  for (let k = first - 1; k >= 0; k--) {
    const statement = siblings[k];
    const block = isGradModeForward(model, statement) || isBranchedForward(statement);
    if ((statement.type !== 'expression_statement' && !block) || endsForward(statement)) break;
    if (!assignedNames(statement).some((id) => needed.has(id.text))) continue;
    read(statement);
    if (block || isForwardStatement(statement)) earliest = k;
  }
  return earliest;
}

/** The names a plain statement assigns (`a = …`, `a, b = …`), or the statements of a no-grad block or `if` branches assign. */
function assignedNames(statement: Node): Node[] {
  const assignments = statement.type === 'with_statement' || statement.type === 'if_statement' ? statement.descendantsOfType('assignment') : [statement.namedChild(0)];
  return assignments.flatMap((a) => {
    const target = a?.type === 'assignment' ? a.childForFieldName('left') : null;
    if (!target) return [];
    return target.type === 'identifier' ? [target] : target.descendantsOfType('identifier').filter((id): id is Node => !!id);
  });
}

/** Whether a statement calls an optimizer or mode method that ends the forward run (`zero_grad`, `step`, `backward`, …). */
function endsForward(statement: Node): boolean {
  return statement.descendantsOfType('call').some((call) => {
    const callee = call?.childForFieldName('function');
    return callee?.type === 'attribute' && BOUNDARY_METHODS.has(callee.childForFieldName('attribute')?.text ?? '');
  });
}

/** Where a backward call runs: its loop, and where its loss is searched for. */
export interface LoopPlace {
  /** The loop the backward call runs in. */
  loop: Node;
  /** The loop, and the function holding the backward when it is reached through a call. */
  regions: Node[];
  /** Where the loss is searched for: the loop body, or the function body. */
  limit: Node;
  /** Outermost loop around the backward inside its own function, when there is one. */
  outerLoop?: Node;
}

/** The loop a backward call runs in: its own, one around a call of its function, one its function (a closure) is defined in, or an Ignite engine's (the function itself). */
export function loopOf(model: Semantic, call: CallSite): LoopPlace | undefined {
  const loops = model.enclosingLoops(call.node);
  if (loops.length) return { loop: loops[0], regions: [loops[0]], limit: loops[0].childForFieldName('body') ?? loops[0], outerLoop: loops[loops.length - 1] };
  const fn = model.enclosingFunction(call.node);
  const body = fn?.childForFieldName('body');
  if (!fn || !body) return undefined;
  const visited = new Set<number>();
  const search = (f: Node): Node | undefined => {
    if (visited.has(f.id) || visited.size > 16) return undefined;
    visited.add(f.id);
    for (const caller of model.callersOf(f)) {
      const around = model.enclosingLoops(caller.node);
      if (around.length) return around[0];
      const outer = model.enclosingFunction(caller.node);
      const found = outer && search(outer);
      if (found) return found;
    }
    return undefined;
  };
  // A closure defined in the loop (`optimizer.step(closure)`) runs in that loop.
  const loop = search(fn) ?? model.enclosingLoops(fn)[0];
  if (loop) return { loop, regions: [loop, fn], limit: body };
  // An Ignite process function (`Engine(train_step)`): the engine's loop runs it once per iteration.
  return runByEngine(model, fn) ? { loop: fn, regions: [fn], limit: body } : undefined;
}
