// Keyword arguments as a call receives them: written inline, or unpacked from a literal dict
// (`Estimator(**params)` with `params = dict(n_estimators=500, …)` assigned once). Each answer is
// the value, absent, or unknown when the file cannot tell.
import type { ArgumentPresence, CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { UNKNOWN, dictGet, type Value } from '../analysis/values';

/**
 * A keyword argument's value, read through `**params` when `params` is a literal dict: undefined when
 * absent, UNKNOWN when it cannot be told.
 */
export function keywordValue(call: CallSite, name: string, position?: number, model?: Semantic): Value | undefined {
  if (call.argument(name, position)) return call.valueOf(name, position);
  const splat = call.starKwargsValue();
  if (!splat) return call.valueOf(name, position);
  if (position !== undefined && call.hasStarArgs) return UNKNOWN;
  if (splat.kind !== 'dict') return model ? keyedDictValue(model, call, name) : UNKNOWN;
  return dictGet(splat, name);
}

/** Reads of a dict that cannot change it. */
const DICT_READS = new Set(['get', 'keys', 'items', 'values', 'copy']);

/**
 * The keyword one `**params` passes where `params` is a literal dict of the function (or of the module) that is then
 * given other keys one at a time (`param["subsample"] = …`, in branches too, as Optuna's examples
 * build their params): the literal's value, undefined when absent; UNKNOWN when a key assignment may
 * set it (a key that is not a literal string included), or anything else may change the dict.
 */
function keyedDictValue(model: Semantic, call: CallSite, name: string): Value | undefined {
  const splats = call.node.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type === 'dictionary_splat') ?? [];
  const node = splats.length === 1 ? splats[0]?.namedChild(0) : undefined;
  if (!node || node.type !== 'identifier') return UNKNOWN;
  // The function the dict is built in, or the module (a script's top level, where any function's use of the name counts as a change).
  const fn = model.enclosingFunction(node);
  const bindings = model.lookup(node.text, node);
  const binding = bindings.length === 1 && bindings[0].kind === 'assign' ? bindings[0] : undefined;
  const literal = binding?.value?.type === 'dictionary' ? model.evaluate(binding.value) : undefined;
  if (!binding || literal?.kind !== 'dict' || model.enclosingFunction(binding.node)?.id !== fn?.id) return UNKNOWN;
  for (const id of fn ? model.nodesWithin(fn, 'identifier') : model.identifiers(node.text)) {
    if (id.text !== node.text || id.id === node.id || (binding.node.startIndex <= id.startIndex && id.endIndex <= binding.node.endIndex)) continue;
    if (model.enclosingFunction(id)?.id !== fn?.id) return UNKNOWN;
    const parent = model.parentOf(id);
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === id.id && DICT_READS.has(parent.childForFieldName('attribute')?.text ?? '')) continue;
    if (parent?.type !== 'subscript' || parent.childForFieldName('value')?.id !== id.id) return UNKNOWN;
    const statement = model.parentOf(parent);
    const written = statement?.type === 'assignment' && statement.childForFieldName('left')?.id === parent.id;
    if (!written) {
      if (statement?.type === 'delete_statement' || statement?.type === 'augmented_assignment') return UNKNOWN;
      continue;
    }
    const keys = parent.childrenForFieldName('subscript').filter((k): k is Node => !!k);
    const key = keys.length === 1 ? model.evaluate(keys[0]) : UNKNOWN;
    if (key.kind !== 'string' || key.value === name) return UNKNOWN;
  }
  return dictGet(literal, name);
}

/**
 * Whether a call receives a keyword: written inline, or a key of the literal dict its `**params`
 * unpacks; unknown when a `**` value is not such a dict (or, for a positional slot, after `*args`).
 */
export function keywordPresence(call: CallSite, name: string, position?: number): ArgumentPresence {
  if (call.argument(name, position)) return 'present';
  if (position !== undefined && call.hasStarArgs) return 'unknown';
  const splat = call.starKwargsValue();
  if (!splat) return 'absent';
  if (splat.kind !== 'dict') return 'unknown';
  return dictGet(splat, name) === undefined ? 'absent' : 'present';
}
