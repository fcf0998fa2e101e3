// The batches a `for` loop takes from a loader, and the copies of them it makes to the device:
// `x.to(device)`, `x.cuda()`, `batch["ids"].to(device)`, `{k: v.to(device) for k, v in batch.items()}`.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { codeRunBy } from './callables';
import { deviceOf, mayBeDtype } from './device';
import { DATALOADER_COLLATE_FN } from './torch';

/** The names a `for` statement binds: `x, y` in `for x, y in …`, `i, x, y` in `for i, (x, y) in enumerate(…)`. */
export function loopTargetNames(loop: Node): Set<string> {
  const out = new Set<string>();
  const visit = (node: Node | null | undefined): void => {
    if (!node) return;
    if (node.type === 'identifier') out.add(node.text);
    else if (['pattern_list', 'tuple_pattern', 'list_pattern', 'parenthesized_expression', 'tuple'].includes(node.type)) {
      for (const child of node.namedChildren) visit(child);
    }
  };
  visit(loop.childForFieldName('left'));
  return out;
}

/** The identifier an expression starts from: `batch` in `batch[0]`, `batch["ids"]`, `data.x`. */
function rootName(expr: Node | null | undefined): Node | undefined {
  let node = expr;
  while (node && (node.type === 'subscript' || node.type === 'attribute')) node = node.childForFieldName(node.type === 'subscript' ? 'value' : 'object');
  return node?.type === 'identifier' ? node : undefined;
}

/**
 * Whether an expression is one of the loop's batches or a part of one: a target name, an item or
 * attribute of one, or the variable of a comprehension over one (`v` in `{k: v for k, v in batch.items()}`).
 */
function isBatch(model: Semantic, expr: Node, targets: ReadonlySet<string>, loop: Node): boolean {
  const root = rootName(expr);
  if (!root) return false;
  // A comprehension variable: what its `for … in` clause iterates is the batch.
  for (const a of model.ancestors(root)) {
    if (a.id === loop.id) break;
    if (!a.type.endsWith('_comprehension') && a.type !== 'generator_expression') continue;
    for (const clause of a.namedChildren) {
      if (clause?.type !== 'for_in_clause') continue;
      const names = loopTargetNames(clause);
      if (!names.has(root.text)) continue;
      let iterated = clause.childForFieldName('right');
      // `batch.items()` / `batch.values()`
      if (iterated?.type === 'call') iterated = iterated.childForFieldName('function')?.childForFieldName('object') ?? null;
      return !!iterated && isBatch(model, iterated, targets, loop);
    }
    break;
  }
  return targets.has(root.text);
}

/**
 * The copies of a loop's batches to a device in its body: `.to(<device>)` and `.cuda(…)` calls on a
 * batch (see isBatch), leaving out `.to(<dtype>)`, `.to("cpu")` and calls given `**kwargs`.
 */
export function batchCopiesToDevice(model: Semantic, loop: Node): CallSite[] {
  const body = loop.childForFieldName('body');
  if (!body) return [];
  const targets = loopTargetNames(loop);
  const out: CallSite[] = [];
  for (const call of deviceCopiesWithin(model, body)) {
    if (!call.hasStarKwargs && isBatch(model, call.receiver!, targets, loop)) out.push(call);
  }
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The `.to(<device>)` and `.cuda(…)` method calls within a node, leaving out `.to(<dtype>)` and `.to("cpu")`. */
function deviceCopiesWithin(model: Semantic, node: Node): CallSite[] {
  return [...model.callsNamedWithin('to', node), ...model.callsNamedWithin('cuda', node)].filter((call) => {
    if (!call.receiver || call.qualifiedName) return false;
    if (call.methodName !== 'to') return true;
    const device = call.argument('device', 0);
    // `.to(torch.float16)` / `.to(weight_dtype)` converts the dtype; `.to("cpu")` copies to the host.
    return !!device && !model.qualifiedName(device)?.startsWith('torch.') && !mayBeDtype(model, device) && deviceOf(model, device) !== 'cpu';
  });
}

/**
 * Whether a DataLoader's `collate_fn`, where this file defines it (a function, a lambda, a
 * `functools.partial` of a function), copies to a device (`.to(device)`, `.cuda()`): its batches
 * then leave the loader already on the GPU. Such a loader cannot pin them (`pin_memory=True` raises
 * "cannot pin 'torch.cuda.…Tensor'") and its worker processes would have to use CUDA (which fails
 * in a forked worker once the parent has used it).
 */
export function collateMovesToDevice(model: Semantic, loader: CallSite): boolean {
  const collate = loader.argument('collate_fn', DATALOADER_COLLATE_FN);
  return !!collate && codeRunBy(model, collate).some((code) => deviceCopiesWithin(model, code).length > 0);
}
