// The code a callable argument runs when it is called, where this file defines it: a function named
// by it, a lambda, `functools.partial(fn, …)` of a function, a name assigned one of these, and the
// same-file functions a lambda calls (`lambda batch: collate(batch, device)`).
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { PARTIAL } from './optuna';
import { localFunctionCalled } from './training';

/** The function definitions and lambdas a callable expression runs, as far as this file shows them; none when unknown. */
export function codeRunBy(model: Semantic, callable: Node, depth = 0): Node[] {
  if (depth > 2) return [];
  if (callable.type === 'lambda') {
    const called = model.callsWithin(callable).map((c) => localFunctionCalled(model, c)).filter((fn): fn is Node => !!fn);
    return [callable, ...called];
  }
  if (callable.type === 'identifier') {
    const bindings = model.lookup(callable.text, callable);
    const fn = bindings.find((b) => b.kind === 'def')?.node;
    if (fn) return [fn];
    // `collate = functools.partial(collate_batch, device=device)`: one plain assignment.
    const only = bindings.length === 1 && bindings[0].kind === 'assign' ? bindings[0].value : undefined;
    return only ? codeRunBy(model, only, depth + 1) : [];
  }
  if (callable.type === 'call') {
    const call = model.callSite(callable);
    const target = PARTIAL.includes(call.qualifiedName ?? '') ? call.positional[0] : undefined;
    return target ? codeRunBy(model, target, depth + 1) : [];
  }
  return [];
}
