// Whether PyTorch mixed precision is in effect where a backward call runs — a 16-bit model, Accelerate
// with mixed precision, or an autocast context or decorator reaching the call — and the parts of the
// fix that turns it on: the device the autocast targets and the GradScaler form of a training step.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { withItems } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { fact, type FactContext, type FactValues, type FixOptions } from '../rules/rule';
import { deviceOf, type TrainingDevice } from './device';
import { isSelfAttribute, selfAssignments } from './inference';
import { namedStatements, statementOf, within, type Region } from './loops';
import { ACCELERATORS, accelerateMixed, dtypeKind, isAutocast } from './torch';

/** A half/bf16 model, tensor or default dtype. */
function lowPrecisionModel({ model, sites }: FactContext): boolean {
  for (const name of ['half', 'bfloat16']) {
    if (sites.callsNamed(name).some((c) => c.receiver && c.positional.length === 0 && !c.qualifiedName)) return true;
  }
  for (const name of ['to', 'type']) {
    for (const c of sites.callsNamed(name)) {
      if (!c.receiver || c.qualifiedName) continue;
      if (c.positional.some((a) => dtypeKind(model, a) === 'low')) return true;
      const dtype = c.keywords.get('dtype');
      if (dtype && dtypeKind(model, dtype.value) !== 'full') return true;
    }
  }
  for (const c of sites.callsTo(['torch.set_default_dtype'])) {
    const arg = c.argument('d', 0);
    if (!arg || dtypeKind(model, arg) !== 'full') return true;
  }
  return false;
}

/** Low precision, or Accelerate with mixed precision, set up somewhere: autocast is then in effect everywhere. */
function mixedEverywhere(context: FactContext): boolean {
  return lowPrecisionModel(context) || context.sites.callsTo(ACCELERATORS).some((a) => accelerateMixed(a, context.model) !== 'no');
}

/** The `with` statements and decorated functions that open an enabled autocast, in document order. */
function autocastSites({ model, sites }: FactContext): Node[] {
  const accept = (expr: Node) => isAutocast(model, expr);
  const found: Node[] = [];
  for (const w of sites.withStatements()) if (withItems(w).some((i) => accept(i.value))) found.push(w);
  for (const def of sites.functionDefinitions()) if (model.decoratorsOf(def).some(accept)) found.push(def);
  return found.sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * Where autocast reaches: each autocast site, and each call through which the function holding a
 * site runs (its callers in this file, their callers, …); for a site in a function named `forward`,
 * that function's name (autocast then covers every model call). A backward call is in effect when
 * one of these lies in its loop or function.
 */
function autocastReach(context: FactContext): Node[] {
  const out: Node[] = [];
  const chains = new Map<number, Node[]>();
  for (const site of autocastSites(context)) {
    out.push(site);
    const fn = site.type === 'function_definition' ? site : context.model.enclosingFunction(site);
    if (!fn) continue;
    const name = fn.childForFieldName('name');
    if (name?.text === 'forward') out.push(name);
    out.push(...callChain(context.model, fn, chains));
  }
  return out;
}

/**
 * The calls through which a function runs: its callers in this file, the callers of the functions
 * those calls sit in, and so on. Computed once per function: every backward call asks again.
 */
function callChain(model: Semantic, fn: Node, memo: Map<number, Node[]>): Node[] {
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

/** File-level facts of mixed precision, declared by a rule with `...MIXED_PRECISION_FACTS`. */
export const MIXED_PRECISION_FACTS = {
  mixedEverywhere: fact.any(mixedEverywhere),
  autocastReach: fact.nodes(autocastReach),
};

export type MixedPrecisionFacts = FactValues<typeof MIXED_PRECISION_FACTS>;

/** Whether mixed precision is in effect for a backward call: autocast around it, around its loss, or reaching its loop. */
export class Precision {
  /** Where autocast reaches (see autocastReach), each place once, and whether a `forward` opens one. */
  private reach: { nodes: Node[]; inForward: boolean } | undefined;
  private readonly accept: (expr: Node) => boolean;

  constructor(
    private readonly model: Semantic,
    private readonly facts: MixedPrecisionFacts,
  ) {
    this.accept = (expr) => isAutocast(model, expr);
  }

  /** Whether autocast is in effect for a backward call whose loss is computed by `lossStatements`, in `regions` (its loop, and its function when reached through a call). */
  inEffect(backward: CallSite, lossStatements: Node[], regions: Node[]): boolean {
    if (this.model.inContext(backward.node, this.accept)) return true;
    if (lossStatements.some((s) => this.model.inContext(s, this.accept))) return true;
    if (!this.reach) {
      const reach: { nodes: Node[]; inForward: boolean } = { nodes: [], inForward: false };
      const seen = new Set<string>();
      for (const node of this.facts.autocastReach) {
        if (node.type === 'identifier') reach.inForward = true;
        const key = `${node.startIndex}:${node.endIndex}`;
        if (!seen.has(key)) reach.nodes.push(node);
        seen.add(key);
      }
      this.reach = reach;
    }
    // An autocast site in the regions, a function with one called from inside them, or one in `forward`.
    return this.reach.inForward || this.reach.nodes.some((node) => regions.some((region) => within(node, region)));
  }
}

// ---- the fix: autocast's device, the GradScaler -------------------------------------------------

/**
 * The device the autocast targets, as Python source: the configured one, the one the script names,
 * or the expression the loop moves its tensors with when the script picks its device at run time
 * (never a literal "cuda" written into a script that may run on the CPU).
 */
export function autocastDevice(model: Semantic, device: TrainingDevice, options: FixOptions, torch: string, loop: Node): { text: string; cuda: boolean; runtime: boolean } {
  if (options.targetDevice) return { text: JSON.stringify(options.targetDevice), cuda: options.targetDevice === 'cuda', runtime: false };
  if (device === 'cuda') return { text: '"cuda"', cuda: true, runtime: false };
  if (device === 'mps') return { text: '"mps"', cuda: false, runtime: false };
  // `x.to(device)` in the loop: autocast on the same device, whatever it turns out to be.
  for (const call of model.callsNamedWithin('to', loop)) {
    const target = call.positional[0] ?? call.keywords.get('device')?.value;
    if (!target || !(target.type === 'identifier' || target.type === 'attribute') || deviceOf(model, target) !== undefined) continue;
    if (model.qualifiedName(target)?.startsWith('torch.')) continue;
    return { text: `${torch}.device(${target.text}).type`, cuda: true, runtime: true };
  }
  return { text: `"cuda" if ${torch}.cuda.is_available() else "cpu"`, cuda: true, runtime: true };
}

// ---- the fix: losses autocast refuses ----------------------------------------------------------

/** Binary cross-entropy on probabilities: CUDA autocast raises "unsafe to autocast" for it, whatever the dtype. */
const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set(['torch.nn.functional.binary_cross_entropy']);
const REFUSED_MODULES: ReadonlySet<string> = new Set(['torch.nn.BCELoss', 'torch.nn.modules.loss.BCELoss']);
/** The last names of those: a file that never spells one (in an import or a call) has none of them. */
const REFUSED_WORDS = ['binary_cross_entropy', 'BCELoss'];

/** Whether the file spells a loss autocast refuses anywhere: asked first, so that files without one read no losses. */
function spellsRefusedLoss(model: Semantic): boolean {
  return REFUSED_WORDS.some((word) => model.identifiers(word).length > 0);
}

/** The targets the file assigns a loss autocast refuses to, as written: `criterion`, `self.loss_fn`. */
function refusedLossHolders(model: Semantic): Set<string> {
  const holders = new Set<string>();
  for (const word of REFUSED_WORDS) {
    for (const id of model.identifiers(word)) {
      // From the name up to the value it is part of: `nn.BCELoss`, `nn.BCELoss()`, `F.binary_cross_entropy`.
      let value = id;
      for (let parent = model.parentOf(value); parent && (parent.type === 'attribute' || parent.type === 'call'); parent = model.parentOf(value)) {
        if (parent.type === 'call' && parent.childForFieldName('function')?.id !== value.id) break;
        value = parent;
      }
      const assignment = model.parentOf(value);
      const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === value.id ? assignment.childForFieldName('left') : null;
      if (target) holders.add(target.text);
    }
  }
  return holders;
}

/**
 * Whether a loss — a callable (`criterion` or `self.criterion` holding `nn.BCELoss()`, `F.binary_cross_entropy`) or a
 * class handed to a library (skorch's `criterion=nn.BCELoss`) — is binary cross-entropy on
 * probabilities, which CUDA autocast refuses. A name is taken for one when any of its assignments
 * makes one (`criterion = nn.BCELoss()` in one branch of an `if`): a fix then keeps it out of autocast.
 */
export function refusedByAutocast(model: Semantic, loss: Node): boolean {
  if (!spellsRefusedLoss(model)) return false;
  const name = model.qualifiedName(loss);
  if (name && (REFUSED_FUNCTIONS.has(name) || REFUSED_MODULES.has(name))) return true;
  // A name is looked at only when the file assigns it such a loss somewhere (resolving every `self.<x>(…)` call is not cheap).
  if ((loss.type === 'identifier' || isSelfAttribute(loss)) && !refusedLossHolders(model).has(loss.text)) return false;
  const made = (value: Node) => {
    const origin = model.originCall(value);
    return !!origin?.qualifiedName && REFUSED_MODULES.has(origin.qualifiedName);
  };
  // `self.loss_fn(out, y)` in a LightningModule: `self.loss_fn = nn.BCELoss()` in its class.
  if (isSelfAttribute(loss)) return selfAssignments(model, loss).some((v) => made(v) || REFUSED_FUNCTIONS.has(model.qualifiedName(v) ?? ''));
  if (loss.type !== 'identifier') return made(loss);
  return model.lookup(loss.text, loss).some((b) => b.kind === 'assign' && !!b.value && (made(b.value) || REFUSED_FUNCTIONS.has(model.qualifiedName(b.value) ?? '')));
}

/** A call of a loss autocast refuses: `F.binary_cross_entropy(p, y)`, `criterion(p, y)` with `criterion = nn.BCELoss()`. */
function refusedLossCall(model: Semantic, call: CallSite): boolean {
  if (REFUSED_MODULES.has(call.qualifiedName ?? '')) return false; // `nn.BCELoss()` builds the loss, it does not compute it
  return REFUSED_FUNCTIONS.has(call.qualifiedName ?? '') || refusedByAutocast(model, call.callee);
}

/** Whether code (a LightningModule class, say) calls a loss autocast refuses anywhere in it. */
export function callsRefusedLoss(model: Semantic, code: Node): boolean {
  return spellsRefusedLoss(model) && model.callsWithin(code).some((c) => refusedLossCall(model, c));
}

/** Methods that reshape or cast a tensor, cheap enough to run outside the autocast block with the loss. */
const RESHAPES: ReadonlySet<string> = new Set(['view', 'reshape', 'squeeze', 'unsqueeze', 'flatten', 'view_as', 'reshape_as', 'float', 'contiguous', 'permute', 'transpose']);

/** A tensor the loss reads as it is (`out`, `out[0]`, `out.view(-1)`): nothing of the model runs in it. */
function plainTensor(expr: Node | null | undefined): boolean {
  if (!expr) return false;
  if (expr.type === 'identifier') return true;
  if (expr.type === 'attribute') return plainTensor(expr.childForFieldName('object'));
  if (expr.type === 'subscript') return plainTensor(expr.childForFieldName('value'));
  if (expr.type !== 'call') return false;
  const callee = expr.childForFieldName('function');
  return callee?.type === 'attribute' && RESHAPES.has(callee.childForFieldName('attribute')?.text ?? '') && plainTensor(callee.childForFieldName('object'));
}

/** The name a plain tensor expression starts from (`out` in `out[0].view(-1)`). */
function rootName(expr: Node | null | undefined): string | undefined {
  if (!expr) return undefined;
  if (expr.type === 'identifier') return expr.text;
  if (expr.type === 'attribute') return rootName(expr.childForFieldName('object'));
  if (expr.type === 'subscript') return rootName(expr.childForFieldName('value'));
  if (expr.type === 'call') return rootName(expr.childForFieldName('function')?.childForFieldName('object'));
  return undefined;
}

/** Whether an expression already casts to float32: `out.float()`. */
function castsToFloat(expr: Node): boolean {
  const callee = expr.type === 'call' ? expr.childForFieldName('function') : null;
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'float' && !expr.childForFieldName('arguments')?.namedChildCount;
}

/** The names a statement assigns, in nested blocks too (`out, h = model(x)`). */
function assignedNames(statement: Node): string[] {
  return statement.descendantsOfType('assignment').flatMap((a) => {
    const left = a?.childForFieldName('left');
    if (!left) return [];
    return left.type === 'identifier' ? [left.text] : left.descendantsOfType('identifier').map((id) => id?.text ?? '');
  });
}

/** Why the fix is withheld when a binary cross-entropy loss cannot be moved out of the autocast block. */
const REFUSED_LOSS_WITHHELD =
  'No fix is offered: the loss is binary cross-entropy on probabilities (nn.BCELoss / F.binary_cross_entropy), which CUDA autocast refuses whatever the dtype, ' +
  'and it cannot be moved out of the autocast block here. Compute it from logits with nn.BCEWithLogitsLoss (drop the final sigmoid), which autocast runs in float32, and wrap the forward pass and loss in torch.autocast.';

/**
 * The edits that put a loss region under autocast (`header` opens the block). A binary
 * cross-entropy on probabilities stays outside, since CUDA autocast refuses it: the statements
 * around it get a block each, and its input is cast back to float32 (`criterion(out.float(), y)`;
 * the target too when the block computes it). Withheld (a reason) when such a loss sits in a
 * compound statement, shares a line with the block, runs more than a plain tensor through it
 * (`criterion(model(x), y)`), or leaves no computation to wrap.
 */
export function autocastRegionEdits(model: Semantic, edits: Edits, region: Region, header: string): { edits: TextEdit[]; keptOut: boolean } | { withheld: string } {
  const siblings = namedStatements(region.block);
  const statements = siblings.slice(siblings.findIndex((s) => s.id === region.first.id), siblings.findIndex((s) => s.id === region.last.id) + 1);
  const refused = (s: Node) => model.callsWithin(s).filter((c) => refusedLossCall(model, c));
  if (!statements.some((s) => refused(s).length > 0)) return { edits: edits.wrapStatements(region.first, region.last, header), keptOut: false };

  const changes: TextEdit[] = [];
  const assignedInBlocks = new Set<string>();
  let run: Node[] = [];
  let wrapped = false;
  let previousRow = -1;
  // Wraps the statements since the last loss in a block of their own, when they compute anything.
  const closeRun = (nextRow: number): boolean => {
    if (run.some((s) => s.descendantsOfType('call').length > 0)) {
      if (run[0].startPosition.row <= previousRow || run[run.length - 1].endPosition.row >= nextRow) return false;
      changes.push(...edits.wrapStatements(run[0], run[run.length - 1], header));
      for (const s of run) for (const id of assignedNames(s)) assignedInBlocks.add(id);
      wrapped = true;
    }
    if (run.length) previousRow = run[run.length - 1].endPosition.row;
    run = [];
    return true;
  };
  const castToFloat = (expr: Node) => {
    if (!castsToFloat(expr)) changes.push(edits.insertAt(expr.endIndex, '.float()'));
  };
  for (const statement of statements) {
    const calls = refused(statement);
    if (calls.length === 0) {
      run.push(statement);
      continue;
    }
    if (statement.type !== 'expression_statement' || !closeRun(statement.startPosition.row)) return { withheld: REFUSED_LOSS_WITHHELD };
    for (const call of calls) {
      const input = call.argument('input', 0);
      const target = call.argument('target', 1);
      // F.binary_cross_entropy(input, target, weight, …): a weight the block computes would be 16-bit too.
      const weight = REFUSED_FUNCTIONS.has(call.qualifiedName ?? '') && call.argument('weight', 2);
      if (!input || !target || weight || !plainTensor(input)) return { withheld: REFUSED_LOSS_WITHHELD };
      castToFloat(input);
      // A target the block computed (or one made from its output, `torch.ones_like(out)`) may be 16-bit.
      if (plainTensor(target) && !assignedInBlocks.has(rootName(target) ?? '')) continue;
      if (!['identifier', 'attribute', 'subscript', 'call'].includes(target.type)) return { withheld: REFUSED_LOSS_WITHHELD };
      castToFloat(target);
    }
    previousRow = statement.endPosition.row;
  }
  if (!closeRun(Number.MAX_SAFE_INTEGER) || !wrapped) return { withheld: REFUSED_LOSS_WITHHELD };
  return { edits: changes, keptOut: true };
}

/** The first of the names bound neither where the scaler goes nor at module level (else the last). */
function freeName(model: Semantic, at: Node, candidates: string[]): string {
  return candidates.find((n) => model.lookup(n, at).length === 0 && model.lookup(n, model.root).length === 0) ?? candidates[candidates.length - 1];
}

/** `loss.backward()` followed in its block by `optimizer.step()`: rewritten to the GradScaler form. */
export function gradScalerEdits(
  model: Semantic,
  edits: Edits,
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
  const loopIndent = edits.indentOf(outerLoop.startPosition.row);
  return [
    edits.insertLine(outerLoop.startPosition.row, `${loopIndent}${scaler} = ${torch}.amp.GradScaler(${device})`),
    edits.replace(receiver, `${scaler}.scale(${receiver.text})`),
    edits.replace(step.node, `${scaler}.step(${step.receiver!.text})`),
    edits.insertAt(stepStatement.endIndex, `${edits.eol}${edits.indentOf(stepStatement.startPosition.row)}${scaler}.update()`),
  ];
}
