// Datasets of the file that keep every item they have loaded in the process: `__getitem__` (or a
// function or method it calls) memoized with an unbounded `functools.cache` / `lru_cache(maxsize=None)`,
// or writing each item into a dict the dataset holds (`self.cache[i] = item`).
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { classMethods, localClassOf } from './callbacks';
import { parametersOf } from './parameters';
import { localFunctionCalled, parameterName } from './training';

const CACHE = new Set(['functools.cache']);
const LRU_CACHE = new Set(['functools.lru_cache']);

/**
 * Whether a decorator memoizes without a bound we can read: `@functools.cache`, `@lru_cache(maxsize=None)`,
 * or a `maxsize` that is not a literal. A literal bound (and the bare `@lru_cache`, 128 items) keeps
 * only a part of a data set.
 */
function unboundedCache(model: Semantic, decorator: Node): boolean {
  if (decorator.type !== 'call') return CACHE.has(model.qualifiedName(decorator) ?? '');
  const call = model.callSite(decorator);
  if (CACHE.has(call.qualifiedName ?? '')) return true;
  if (!LRU_CACHE.has(call.qualifiedName ?? '')) return false;
  const size = call.argument('maxsize', 0);
  if (!size) return false;
  const value = model.evaluate(size);
  return value.kind === 'none' || value.kind === 'unknown';
}

/** `self.<name>` on the left of `self.<name>[key] = …` or `self.<name> = …`, as its attribute name. */
function selfAttribute(node: Node | null): string | undefined {
  if (node?.type !== 'attribute' || node.childForFieldName('object')?.text !== 'self') return undefined;
  return node.childForFieldName('attribute')?.text;
}

/** `{}` or the builtin `dict()`. */
function isEmptyDict(model: Semantic, expr: Node): boolean {
  if (expr.type === 'dictionary') return expr.namedChildren.every((c) => c?.type === 'comment');
  const callee = expr.type === 'call' ? expr.childForFieldName('function') : null;
  return callee?.type === 'identifier' && callee.text === 'dict' && model.lookup('dict', callee).length === 0 && !expr.childForFieldName('arguments')?.namedChildCount;
}

/** The attributes a class sets to an empty dict (`self.cache = {}`, `self.cache = dict()`). */
function emptyDicts(model: Semantic, cls: Node): Set<string> {
  const out = new Set<string>();
  for (const a of model.nodesWithin(cls, 'assignment')) {
    const name = selfAttribute(a.childForFieldName('left'));
    const right = a.childForFieldName('right');
    if (name && right && isEmptyDict(model, right)) out.add(name);
  }
  return out;
}

/** Whether a function writes each item into one of these dicts under a key made from its parameters: `self.cache[i] = …`, `self.cache[self.paths[i]] = …`. */
function writesInto(model: Semantic, fn: Node, dicts: ReadonlySet<string>): boolean {
  const parameters = new Set(parametersOf(fn, !!model.enclosingClass(fn)).map(parameterName));
  return model.nodesWithin(fn, 'assignment').some((a) => {
    const left = a.childForFieldName('left');
    const name = left?.type === 'subscript' ? selfAttribute(left.childForFieldName('value')) : undefined;
    const key = left?.childForFieldName('subscript');
    if (!name || !key || !dicts.has(name)) return false;
    const names = key.type === 'identifier' ? [key] : key.descendantsOfType('identifier');
    return names.some((id) => !!id && parameters.has(id.text) && model.lookup(id.text, id).some((b) => b.kind === 'param'));
  });
}

/**
 * Whether a dataset expression is an instance of a Dataset class of this file that keeps every item
 * in the process once loaded: its `__getitem__`, or a function or method of the file it calls
 * (`self.load(i)`, `decode(path)`), is memoized without a bound or stores each item in a dict the
 * class starts empty. From the second pass on its items come from memory.
 */
export function cachesEveryItem(model: Semantic, dataset: Node): boolean {
  const origin = dataset.type === 'call' ? model.callSite(dataset) : model.originCall(dataset);
  const cls = origin && localClassOf(model, origin);
  const getitem = cls && classMethods(model, cls).get('__getitem__');
  if (!cls || !getitem) return false;
  const dicts = emptyDicts(model, cls);
  const calls: Array<CallSite | undefined> = [undefined, ...model.callsWithin(getitem)];
  return calls.some((call) => {
    const fn = call ? localFunctionCalled(model, call) : getitem;
    if (!fn) return false;
    return model.decoratorsOf(fn).some((d) => unboundedCache(model, d)) || (dicts.size > 0 && writesInto(model, fn, dicts));
  });
}
