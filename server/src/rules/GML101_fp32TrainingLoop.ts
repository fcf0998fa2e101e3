// GML101 fp32-training-loop: a PyTorch loop that calls `.backward()` while nothing lowers the
// precision of its forward pass. Counted as mixed precision in effect:
// - `torch.autocast` / `torch.amp.autocast` / `torch.cuda.amp.autocast` / `torch.cpu.amp.autocast`
//   as a `with` item or decorator around the backward call or the loss assignment (including the
//   enclosing function being called from inside one), inside the loop, on a `forward` method, or on a
//   function called (transitively) from the loop; `enabled=False` (literal) turns one off, any other
//   non-literal `enabled` counts as on;
// - a half/bf16 model or default dtype anywhere in the file (`.half()`, `.bfloat16()`,
//   `.to(torch.bfloat16)`, `.to(dtype=…)` with a non-32-bit or unknown dtype,
//   `torch.set_default_dtype(torch.float16)` or an unknown dtype);
// - Accelerate: `Accelerator(mixed_precision="fp16"|"bf16"|"fp8")` or an unknown value. Absent, None
//   or "no" is fp32; `accelerator.backward(loss)` is then the backward call.
// One finding per loop. The fix (unsafe) wraps the statements that compute the loss in
// `with torch.autocast(device_type=…, dtype=…):`, plus a GradScaler for fp16 on CUDA in the simple
// `loss.backward(); opt.step()` case; for Accelerate it sets `mixed_precision`.
import type { Node } from '../analysis/parser';
import type { Binding, CallSite, SemanticModel } from '../analysis/semantic';
import { withItems } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { Fix, TextEdit } from '../analysis/types';
import { stringLiteral, truthiness } from '../analysis/values';
import { addKeywordArguments, ensureModuleImport, insertAt, insertLine, replaceNode, wrapStatements } from '../fixes/edits';
import type { FixOptions, Rule } from './rule';

/** Autocast entry points and the position of their `enabled` parameter. */
const AUTOCAST: Record<string, number> = {
  'torch.autocast': 2,
  'torch.amp.autocast': 2,
  'torch.amp.autocast_mode.autocast': 2,
  'torch.cuda.amp.autocast': 0,
  'torch.cuda.amp.autocast_mode.autocast': 0,
  'torch.cpu.amp.autocast': 0,
  'torch.cpu.amp.autocast_mode.autocast': 0,
};

const ACCELERATORS = ['accelerate.Accelerator', 'accelerate.accelerator.Accelerator'];
const LOW_PRECISION_DTYPES = new Set(['torch.float16', 'torch.half', 'torch.bfloat16']);
const ACCELERATE_MIXED = new Set(['fp16', 'bf16', 'fp8']);
/** Calls that end the forward+loss run when walking back from the loss assignment. */
const BOUNDARY_METHODS = new Set(['zero_grad', 'backward', 'step', 'update', 'train', 'eval']);
const DATA_MOVEMENT_METHODS = new Set(['to', 'cuda', 'cpu', 'pin_memory']);

// ---- what counts as mixed precision ---------------------------------------------------------

/** Whether an expression is (or is bound to, or may be) an enabled autocast context. */
function isAutocast(model: SemanticModel, expr: Node, depth = 0): boolean {
  if (depth > 6) return false;
  switch (expr.type) {
    case 'parenthesized_expression': {
      const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
      return !!inner && isAutocast(model, inner, depth + 1);
    }
    case 'conditional_expression': {
      const [body, , alternative] = expr.namedChildren;
      return (!!body && isAutocast(model, body, depth + 1)) || (!!alternative && isAutocast(model, alternative, depth + 1));
    }
    case 'identifier':
      return model.lookup(expr.text, expr).some((b) => b.kind === 'assign' && b.value && isAutocast(model, b.value, depth + 1));
    case 'call': {
      const site = model.originCall(expr) ?? model.callSite(expr);
      const position = AUTOCAST[site.qualifiedName ?? ''];
      if (position === undefined) return site.node.id !== expr.id && isAutocast(model, site.node, depth + 1);
      const enabled = site.valueOf('enabled', position);
      return !enabled || truthiness(enabled) !== false;
    }
    default:
      return false;
  }
}

function dtypeKind(model: SemanticModel, expr: Node): 'low' | 'full' | 'unknown' {
  const q = model.qualifiedName(expr);
  if (q && LOW_PRECISION_DTYPES.has(q)) return 'low';
  // Any other torch dtype (torch.float32, torch.long, …) keeps the model in full precision.
  if (q && q.startsWith('torch.')) return 'full';
  const v = model.evaluate(expr);
  if (v.kind === 'string') return ['float16', 'half', 'bfloat16'].includes(v.value) ? 'low' : 'full';
  return 'unknown';
}

/** A half/bf16 model, tensor or default dtype among the anchors (a file-wide fact, per segment). */
function lowPrecisionModel(model: SemanticModel): boolean {
  for (const name of ['half', 'bfloat16']) {
    if (model.anchorCallsNamed(name).some((c) => c.receiver && c.positional.length === 0 && !c.qualifiedName)) return true;
  }
  for (const name of ['to', 'type']) {
    for (const c of model.anchorCallsNamed(name)) {
      if (!c.receiver || c.qualifiedName) continue;
      if (c.positional.some((a) => dtypeKind(model, a) === 'low')) return true;
      const dtype = c.keywords.get('dtype');
      if (dtype && dtypeKind(model, dtype.value) !== 'full') return true;
    }
  }
  for (const c of model.anchorCallsTo(['torch.set_default_dtype'])) {
    const arg = c.argument('d', 0);
    if (!arg || dtypeKind(model, arg) !== 'full') return true;
  }
  return false;
}

function accelerateMixed(call: CallSite): 'no' | 'mixed' | 'unknown' {
  const v = call.valueOf('mixed_precision', 2);
  if (v === undefined || v.kind === 'none') return 'no';
  if (v.kind === 'string') return v.value === 'no' ? 'no' : ACCELERATE_MIXED.has(v.value) ? 'mixed' : 'unknown';
  return 'unknown';
}

/** Whether `inner` lies within `outer` (or is it). */
function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

interface Span {
  start: number;
  end: number;
}

function spanOf(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/**
 * The calls through which a function runs: its callers in this file, the callers of the functions
 * those calls sit in, and so on. Computed once per function: every backward call asks again.
 */
function callChain(model: SemanticModel, fn: Node, memo: Map<number, Node[]>): Node[] {
  const known = memo.get(fn.id);
  if (known) return known;
  const calls: Node[] = [];
  const visited = new Set<number>([fn.id]);
  const pending = [fn];
  while (pending.length) {
    for (const caller of model.callersOf(pending.pop()!)) {
      calls.push(caller.node);
      const outer = model.enclosingFunction(caller.node);
      if (outer && !visited.has(outer.id)) {
        visited.add(outer.id);
        pending.push(outer);
      }
    }
  }
  memo.set(fn.id, calls);
  return calls;
}

function inAny(span: Span, regions: readonly Span[]): boolean {
  return regions.some((r) => span.start >= r.start && span.end <= r.end);
}

/** Node types an autocast expression can sit in on its way up to a `with` item or a decorator. */
const CONTEXT_WRAPPERS = new Set(['attribute', 'call', 'parenthesized_expression', 'conditional_expression', 'as_pattern', 'with_item', 'with_clause']);

/**
 * The `with` statements and decorated functions whose context can be an autocast (what isAutocast
 * accepts), in document order: a superset, each then checked with isAutocast. Found from where
 * autocast is spelled (its names and import aliases), then the names it is assigned to and the
 * functions that return it, rather than by reading every `with` and `def` in the file.
 */
function autocastCandidates(model: SemanticModel): { withs: Node[]; defs: Node[] } {
  const names = new Set(Object.keys(AUTOCAST).map((q) => q.slice(q.lastIndexOf('.') + 1)));
  for (const name of model.importedNames(Object.keys(AUTOCAST))) names.add(name);
  const withs = new Map<number, Node>();
  const defs = new Map<number, Node>();
  const pending = [...names];
  const follow = (name: string | undefined) => {
    if (name && !names.has(name)) {
      names.add(name);
      pending.push(name);
    }
  };
  while (pending.length) {
    for (const id of model.identifiers(pending.pop()!)) {
      let node: Node = id;
      let parent = model.parentOf(node);
      while (parent && CONTEXT_WRAPPERS.has(parent.type)) {
        node = parent;
        parent = model.parentOf(parent);
      }
      if (!parent) continue;
      if (parent.type === 'with_statement') withs.set(parent.id, parent);
      else if (parent.type === 'decorator') {
        const definition = model.parentOf(parent)?.childForFieldName('definition');
        if (definition && definition.type === 'function_definition') defs.set(definition.id, definition);
      } else if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === node.id) {
        const left = parent.childForFieldName('left');
        for (const target of left ? [left, ...left.descendantsOfType('identifier')] : []) if (target && target.type === 'identifier') follow(target.text);
      } else if (parent.type === 'return_statement') {
        follow(model.enclosingFunction(parent)?.childForFieldName('name')?.text);
      }
    }
  }
  const ordered = (m: Map<number, Node>) => [...m.values()].sort((a, b) => a.startIndex - b.startIndex);
  return { withs: ordered(withs), defs: ordered(defs) };
}

/** Low precision, or Accelerate with mixed precision, set up among the anchors: autocast is then in effect everywhere. */
function mixedEverywhere(model: SemanticModel): boolean {
  return lowPrecisionModel(model) || model.anchorCallsTo(ACCELERATORS).some((a) => accelerateMixed(a) !== 'no');
}

/**
 * The `with` statements and decorated functions that open an enabled autocast, in document order.
 * Per segment every `with` and decorated `def` of the segment is checked; for the whole file the
 * candidates are found from where autocast is spelled (autocastCandidates).
 */
function autocastSites(model: SemanticModel): Node[] {
  const accept = (expr: Node) => isAutocast(model, expr);
  const candidates = model.anchorRanges
    ? { withs: model.anchorWithStatements, defs: model.anchorFunctionDefinitions }
    : autocastCandidates(model);
  const sites: Node[] = [];
  for (const w of candidates.withs) if (withItems(w).some((i) => accept(i.value))) sites.push(w);
  for (const def of candidates.defs) if (model.decoratorsOf(def).some(accept)) sites.push(def);
  return sites.sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * Where autocast reaches, among the anchors' autocast sites: each site, and each call through which
 * the function holding a site runs (its callers in this file, their callers, …); for a site in a
 * function named `forward`, that function's name (autocast then covers every model call). A file-wide
 * fact, per segment: a backward call is in effect when one of these lies in its loop or function.
 */
function autocastReach(model: SemanticModel): Node[] {
  const out: Node[] = [];
  const chains = new Map<number, Node[]>();
  for (const site of autocastSites(model)) {
    out.push(site);
    const fn = site.type === 'function_definition' ? site : model.enclosingFunction(site);
    if (!fn) continue;
    const name = fn.childForFieldName('name');
    if (name?.text === 'forward') out.push(name);
    out.push(...callChain(model, fn, chains));
  }
  return out;
}

class Precision {
  readonly fileWide: boolean;
  private readonly accept: (expr: Node) => boolean;
  /** Where autocast reaches (see autocastReach), as offsets, and whether a `forward` opens one. */
  private reach: { spans: Span[]; inForward: boolean } | undefined;

  constructor(private readonly model: SemanticModel) {
    this.accept = (expr) => isAutocast(model, expr);
    this.fileWide = model.someSegment('GML101 mixed everywhere', mixedEverywhere);
  }

  /** Whether autocast is in effect for a backward call in `loop` (reached through `fn` when the call sits in a function called from the loop). */
  inEffect(backward: CallSite, lossStatements: Node[], regions: Node[]): boolean {
    if (this.fileWide) return true;
    if (this.model.inContext(backward.node, this.accept)) return true;
    if (lossStatements.some((s) => this.model.inContext(s, this.accept))) return true;
    const spans = regions.map(spanOf);
    if (!this.model.segmentFacts) return this.reachesLazily(spans);
    if (!this.reach) {
      const nodes = this.model.collectSegments('GML101 autocast reach', autocastReach);
      const seen = new Set<string>();
      const reach: { spans: Span[]; inForward: boolean } = { spans: [], inForward: false };
      for (const node of nodes) {
        if (node.type === 'identifier') reach.inForward = true;
        const span = spanOf(node);
        const key = `${span.start}:${span.end}`;
        if (!seen.has(key)) reach.spans.push(span);
        seen.add(key);
      }
      this.reach = reach;
    }
    // An autocast site in the regions, a function with one called from inside them, or one in `forward`.
    return this.reach.inForward || this.reach.spans.some((span) => inAny(span, spans));
  }

  /**
   * The same question for a whole-file analysis, answered site by site and stopping at the first
   * yes: call chains are followed only for the sites that need them (the kept, per-segment form
   * above pays for every chain once, so that later edits need none of them again).
   */
  private reachesLazily(spans: Span[]): boolean {
    this.sites ??= this.model.collectSegments('GML101 autocast sites', autocastSites).map((site) => ({
      span: spanOf(site),
      fn: site.type === 'function_definition' ? site : this.model.enclosingFunction(site),
    }));
    for (const site of this.sites) {
      if (inAny(site.span, spans)) return true;
      if (!site.fn) continue;
      if (site.fn.childForFieldName('name')?.text === 'forward') return true;
      // Called, directly or through other same-file functions, from inside one of the regions.
      let chain = this.chainSpans.get(site.fn.id);
      if (!chain) this.chainSpans.set(site.fn.id, (chain = callChain(this.model, site.fn, this.chains).map(spanOf)));
      if (chain.some((c) => inAny(c, spans))) return true;
    }
    return false;
  }

  private sites: Array<{ span: Span; fn: Node | undefined }> | undefined;
  private readonly chains = new Map<number, Node[]>();
  /** Each site function's call chain as offsets (read once: a node's offsets are a call into the parser). */
  private readonly chainSpans = new Map<number, Span[]>();
}

// ---- the loss and the statements that compute it ----------------------------------------------

/** The variable holding the tensor whose backward is called: `loss` in `scaler.scale(loss / n).backward()`. */
function lossName(expr: Node | null | undefined, depth = 0): string | undefined {
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
function statementOf(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current && current.parent) {
    if (current.parent.type === 'block' || current.parent.type === 'module') return current;
    current = current.parent;
  }
  return undefined;
}

function namedStatements(block: Node): Node[] {
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
  for (const call of [expr, ...expr.descendantsOfType('call')]) {
    if (!call || call.type !== 'call') continue;
    const callee = call.childForFieldName('function');
    if (callee?.type === 'attribute' && BOUNDARY_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) return false;
  }
  return true;
}

interface Region {
  first: Node;
  last: Node;
  block: Node;
}

/**
 * The run of statements that computes the loss: from the statement that last assigns it before the
 * backward call (searching the backward's block, then the enclosing blocks up to `limit`) back over
 * plain forward statements, stopping at zero_grad/step/backward calls and data movement.
 */
function lossRegion(backwardStatement: Node, name: string, limit: Node): Region | undefined {
  let statement: Node | undefined = backwardStatement;
  while (statement && statement.parent && within(statement, limit) && statement.id !== limit.id) {
    const block: Node = statement.parent;
    const siblings = namedStatements(block);
    const index = siblings.findIndex((s) => s.id === statement!.id);
    for (let j = index - 1; j >= 0; j--) {
      if (!assigns(siblings[j], name)) continue;
      let first = siblings[j];
      for (let k = j - 1; k >= 0 && isForwardStatement(siblings[k]); k--) first = siblings[k];
      return { first, last: siblings[j], block };
    }
    if (block.id === limit.id || block.type === 'module') return undefined;
    statement = statementOf(block.parent ?? block);
  }
  return undefined;
}

// ---- fix construction ---------------------------------------------------------------------------

/** The device the autocast targets, as Python source: a literal, or a run-time choice. */
function deviceExpression(model: SemanticModel, options: FixOptions, torch: string): { text: string; cuda: boolean } {
  // Computed once per file: it scans every call and string, and a file can hold many training loops.
  return model.remember(`GML101 device ${options.targetDevice ?? ''}|${torch}`, () => scanDevice(model, options, torch));
}

function scanDevice(model: SemanticModel, options: FixOptions, torch: string): { text: string; cuda: boolean } {
  if (options.targetDevice) return { text: JSON.stringify(options.targetDevice), cuda: options.targetDevice === 'cuda' };
  if (model.someSegment('GML101 cuda is_available', callsCudaIsAvailable)) {
    return { text: `"cuda" if ${torch}.cuda.is_available() else "cpu"`, cuda: true };
  }
  // Strings are not indexed: look for them only when no call settles it.
  const cuda = model.someSegment('GML101 cuda call', callsCuda) || model.someSegment('GML101 cuda string', spellsCudaDevice);
  return cuda ? { text: '"cuda"', cuda: true } : { text: '"cpu"', cuda: false };
}

function callsCudaIsAvailable(model: SemanticModel): boolean {
  return model.anchorCallsTo(['torch.cuda.is_available']).length > 0;
}

function callsCuda(model: SemanticModel): boolean {
  return model.anchorCalls().some((c) => (c.methodName === 'cuda' && c.receiver && !c.qualifiedName) || (c.qualifiedName ?? '').startsWith('torch.cuda.'));
}

function spellsCudaDevice(model: SemanticModel): boolean {
  return model.anchorDescendants('string').some((s) => {
    const v = stringLiteral(s);
    return v === 'cuda' || (v !== undefined && v.startsWith('cuda:'));
  });
}

function freeName(model: SemanticModel, at: Node, candidates: string[]): string {
  return candidates.find((n) => model.lookup(n, at).length === 0 && model.lookup(n, model.root).length === 0) ?? candidates[candidates.length - 1];
}

/** `loss.backward()` followed in its block by `optimizer.step()`: rewritten to the GradScaler form. */
function gradScalerEdits(
  model: SemanticModel,
  source: SourceText,
  backward: CallSite,
  outerLoop: Node,
  torch: string,
  device: string,
): TextEdit[] | undefined {
  const statement = statementOf(backward.node);
  const receiver = backward.receiver;
  if (!statement || statement.type !== 'expression_statement' || statement.namedChild(0)?.id !== backward.node.id) return undefined;
  if (!receiver || receiver.type !== 'identifier' || backward.argumentList?.namedChildren.length) return undefined;
  const siblings = namedStatements(statement.parent!);
  let step: CallSite | undefined;
  for (const s of siblings.slice(siblings.findIndex((x) => x.id === statement.id) + 1)) {
    const expr = s.type === 'expression_statement' ? s.namedChild(0) : null;
    if (expr?.type !== 'call') continue;
    const site = model.callSite(expr);
    if (site.methodName === 'backward') break;
    if (site.methodName === 'step' && site.receiver?.type === 'identifier' && (site.argumentList?.namedChildren.length ?? 0) === 0) {
      step = site;
      break;
    }
  }
  if (!step) return undefined;
  const scaler = freeName(model, outerLoop, ['scaler', 'grad_scaler', 'amp_scaler']);
  const stepStatement = statementOf(step.node)!;
  const loopIndent = source.indentOf(outerLoop.startPosition.row);
  return [
    insertLine(source, outerLoop.startPosition.row, `${loopIndent}${scaler} = ${torch}.amp.GradScaler(${device})`),
    replaceNode(receiver, `${scaler}.scale(${receiver.text})`),
    replaceNode(step.node, `${scaler}.step(${step.receiver!.text})`),
    insertAt(source, stepStatement.endIndex, `${source.eol}${source.indentOf(stepStatement.startPosition.row)}${scaler}.update()`),
  ];
}

interface LoopGroup {
  backwards: CallSite[];
  /** The loop, and the function holding the backward when it is reached through a call. */
  regions: Node[];
  /** Where the loss is searched for: the loop body, or the function body. */
  limit: Node;
  /** Outermost loop around the backward inside its own function, when there is one. */
  outerLoop?: Node;
  accelerator?: CallSite;
}

/** The loop a backward call runs in: its own, or one around a call of its function. */
function loopOf(model: SemanticModel, call: CallSite): { loop: Node; regions: Node[]; limit: Node; outerLoop?: Node } | undefined {
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
  const loop = search(fn);
  return loop ? { loop, regions: [loop, fn], limit: body } : undefined;
}

export const fp32TrainingLoop: Rule = {
  code: 'GML101',
  name: 'fp32-training-loop',
  summary: 'PyTorch training loop calling `.backward()` with no autocast, half-precision model or Accelerate mixed precision in effect.',
  defaultSeverity: 'warning',
  requires: ['torch'],
  fixSafety: 'unsafe',
  check({ model, source, options, report }) {
    const backwards = model.anchorCallsNamed('backward').filter((c) => c.callee.type === 'attribute' && !c.qualifiedName);
    if (backwards.length === 0) return;
    const precision = new Precision(model);
    if (precision.fileWide) return;
    const importsAccelerate = model.importsAny(['accelerate']);
    const groups = new Map<number, LoopGroup>();
    for (const call of backwards) {
      const receiver = call.receiver!;
      const origin = model.originCall(receiver);
      let accelerator: CallSite | undefined;
      if (origin && ACCELERATORS.includes(origin.qualifiedName ?? '')) {
        if (accelerateMixed(origin) !== 'no') continue;
        accelerator = origin;
      } else if (importsAccelerate && call.positional.length > 0 && !origin) {
        continue; // `accelerator.backward(loss)` on an accelerator we cannot see
      }
      const place = loopOf(model, call);
      if (!place) continue;
      const loss = accelerator ? call.argument('loss', 0) : receiver;
      const name = lossName(loss);
      // Prefer the assignments inside the loop: a loss computed under autocast in a separate validation loop does not count.
      const isAssignment = (b: Binding) => b.kind === 'assign' || b.kind === 'other';
      let lossStatements: Node[] = [];
      if (name) {
        const inLoop = model
          .lookupWithin(name, call.node, place.regions.map(spanOf), isAssignment)
          .map((b) => b.node)
          .filter((a) => place.regions.some((r) => within(a, r)));
        lossStatements = inLoop.length ? inLoop : model.lookup(name, call.node).filter(isAssignment).map((b) => b.node);
      }
      if (precision.inEffect(call, lossStatements, place.regions)) continue;
      const group = groups.get(place.loop.id);
      if (group) group.backwards.push(call);
      else groups.set(place.loop.id, { backwards: [call], regions: place.regions, limit: place.limit, outerLoop: place.outerLoop, accelerator });
    }

    for (const group of groups.values()) {
      const first = group.backwards[0];
      report({
        node: first.node,
        message:
          'Training loop runs in fp32: `.backward()` is reached with no autocast, half-precision model or ' +
          'Accelerate mixed precision in effect. bf16/fp16 autocast runs matmuls and convolutions on Tensor ' +
          'Cores (16× the fp32 peak on an A100) and typically cuts step time, and energy, by 1.5–3×.',
        fixes: buildFix(model, source, options, group),
      });
    }
  },
};

function buildFix(model: SemanticModel, source: SourceText, options: FixOptions, group: LoopGroup): Fix[] {
  const fp16 = options.preferDtype === 'fp16';
  if (group.accelerator) {
    const value = JSON.stringify(fp16 ? 'fp16' : 'bf16');
    const accelerator = group.accelerator;
    const given = accelerator.argument('mixed_precision', 2);
    if (!accelerator.argumentList) return [];
    const edit = given ? replaceNode(given, value) : addKeywordArguments(accelerator, source, [['mixed_precision', value]]);
    return [{ title: `Enable Accelerate mixed precision: Accelerator(mixed_precision=${value}) (unsafe)`, safety: 'unsafe', edits: [edit] }];
  }

  // Regions for every backward of the loop: overlapping ones in one block merge, others stay apart.
  const regions: Region[] = [];
  for (const call of group.backwards) {
    const statement = statementOf(call.node);
    const name = lossName(call.receiver);
    const region = statement && name ? lossRegion(statement, name, group.limit) : undefined;
    if (!region) return [];
    regions.push(region);
  }
  regions.sort((a, b) => a.first.startIndex - b.first.startIndex);
  const merged: Region[] = [];
  for (const r of regions) {
    const prev = merged[merged.length - 1];
    if (prev && r.first.startIndex <= prev.last.endIndex) {
      if (prev.block.id !== r.block.id) return [];
      if (r.last.endIndex > prev.last.endIndex) prev.last = r.last;
      continue;
    }
    if (prev && prev.last.endPosition.row >= r.first.startPosition.row) return [];
    merged.push({ ...r });
  }

  const torch = ensureModuleImport(model, source, 'torch');
  const device = deviceExpression(model, options, torch.name);
  const dtype = `${torch.name}.${fp16 ? 'float16' : 'bfloat16'}`;
  const header = `with ${torch.name}.autocast(device_type=${device.text}, dtype=${dtype}):`;
  const edits: TextEdit[] = [];
  if (torch.edit) edits.push(torch.edit);
  for (const r of merged) edits.push(...wrapStatements(source, model, r.first, r.last, header));

  const shownDevice = device.text.startsWith('"') ? device.text : 'the run-time device';
  let title = `Wrap the forward pass and loss in torch.autocast(device_type=${shownDevice}, dtype=${dtype.replace(torch.name, 'torch')})`;
  if (fp16 && device.cuda) {
    const scaler = group.backwards.length === 1 && group.outerLoop ? gradScalerEdits(model, source, group.backwards[0], group.outerLoop, torch.name, device.text) : undefined;
    if (scaler) {
      edits.push(...scaler);
      title += ' and scale the loss with torch.amp.GradScaler (needs torch ≥ 2.3)';
    } else {
      title += '; fp16 also needs a torch.amp.GradScaler, add it by hand';
    }
  }
  return [{ title: `${title} (unsafe)`, safety: 'unsafe', edits }];
}
