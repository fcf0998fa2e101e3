// Following a same-file function's parameter to the arguments the file's calls of the function pass.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { parameterName } from './training';

const SPLATS = new Set(['list_splat_pattern', 'dictionary_splat_pattern', 'keyword_separator', 'positional_separator']);

/** The argument of a call that a same-file function's parameter (by name, after `self` for methods) receives. */
export function argumentFor(call: CallSite, params: Node[], index: number): Node | undefined {
  const name = parameterName(params[index]);
  if (!name) return undefined;
  return call.keywords.get(name)?.value ?? call.positional[index];
}

/**
 * The name of the parameter of `fn` (the same-file function `call` calls) that receives `argument`:
 * the keyword's name, or the parameter at its position (after `self` for a method called on an object).
 */
export function parameterReceiving(model: Semantic, call: CallSite, fn: Node, argument: Node): string | undefined {
  const keyword = model.parentOf(argument);
  if (keyword?.type === 'keyword_argument') return keyword.childForFieldName('name')?.text;
  const parameters = (fn.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? []).slice(call.callee.type === 'attribute' ? 1 : 0);
  const index = call.positional.findIndex((p) => p.id === argument.id);
  return index >= 0 && parameters[index] ? parameterName(parameters[index]) : undefined;
}

/** The parameters of a function definition, without `self`/`cls` for methods, and without `*args`/`**kwargs`. */
export function parametersOf(fn: Node, method: boolean): Node[] {
  const all = fn.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p) ?? [];
  return all.slice(method ? 1 : 0).filter((p) => !SPLATS.has(p.type));
}

/**
 * The arguments the file's calls of a function pass for one of its parameters (a parameter `param`
 * is a use of): undefined when the function is never called here or a call passes nothing for it.
 */
export function argumentsFor(model: Semantic, param: Node): Node[] | undefined {
  const fn = model.enclosingFunction(param);
  if (!fn) return undefined;
  const params = parametersOf(fn, fn.parent?.parent?.type === 'class_definition');
  const index = params.findIndex((p) => parameterName(p) === param.text);
  return index < 0 ? undefined : argumentsPassed(model.callersOf(fn), params, index);
}

/** What each of these calls passes for the parameter at `index`: undefined when there is no call, or one passes nothing for it. */
export function argumentsPassed(calls: readonly CallSite[], params: Node[], index: number): Node[] | undefined {
  if (calls.length === 0) return undefined;
  const out: Node[] = [];
  for (const call of calls) {
    const arg = argumentFor(call, params, index);
    if (!arg) return undefined;
    out.push(arg);
  }
  return out;
}

/** Whether a name is a parameter of its function. */
export function isParameter(model: Semantic, id: Node): boolean {
  if (id.type !== 'identifier') return false;
  const bindings = model.lookup(id.text, id);
  return bindings.length === 1 && bindings[0].kind === 'param';
}

/**
 * Whether `test` holds for what an expression stands for: for a function parameter, every argument
 * the file's calls of the function pass for it (false when there is none to read); otherwise the
 * expression itself.
 */
export function holdsForValue(model: Semantic, expr: Node, test: (value: Node) => boolean): boolean {
  if (test(expr)) return true;
  if (!isParameter(model, expr)) return false;
  const args = argumentsFor(model, expr);
  return !!args && args.length > 0 && args.every(test);
}

/**
 * Whether a node runs only in the branch of an `if flag:` (also `if flag and …:`) whose flag is a
 * parameter that every call of its function in the file passes a literal `False` for
 * (`train_model(…, validate=False)`): code this file never runs. A flag with no call to read, or a
 * call passing anything else or nothing for it, is unknown: false.
 */
export function offInEveryCall(model: Semantic, node: Node): boolean {
  let child = node;
  for (const a of model.ancestors(node)) {
    if (a.type === 'if_statement' && a.childForFieldName('consequence')?.id === child.id && conditionOffInEveryCall(model, a.childForFieldName('condition'))) return true;
    child = a;
  }
  return false;
}

function conditionOffInEveryCall(model: Semantic, condition: Node | null): boolean {
  if (!condition) return false;
  if (condition.type === 'parenthesized_expression') return conditionOffInEveryCall(model, condition.namedChild(0));
  if (condition.type === 'boolean_operator' && condition.childForFieldName('operator')?.type === 'and') {
    return conditionOffInEveryCall(model, condition.childForFieldName('left')) || conditionOffInEveryCall(model, condition.childForFieldName('right'));
  }
  return isParameter(model, condition) && holdsForValue(model, condition, (arg) => arg.type === 'false');
}
