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
import { namedStatements, statementOf, within } from './loops';
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
  return lowPrecisionModel(context) || context.sites.callsTo(ACCELERATORS).some((a) => accelerateMixed(a) !== 'no');
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
