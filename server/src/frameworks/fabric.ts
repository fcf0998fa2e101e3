// Lightning Fabric objects: which expressions hold one. A training step written for Fabric calls
// `fabric.backward(loss)` on the object `Fabric(…)` made, which often reaches the loop as a
// function parameter or as `self.fabric`.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { localClassOf } from './callbacks';
import { isSelfAttribute, selfAssignments } from './inference';
import { FABRICS } from './lightning';
import { argumentsFor, argumentsPassed, parametersOf } from './parameters';
import { parameterName } from './training';

/** The packages a Fabric comes from: a file importing neither holds none. */
export const FABRIC_PACKAGES = ['lightning', 'lightning_fabric'];

/** What an expression holds: a Fabric, something else we can see, or we cannot tell. */
export type FabricValue = 'fabric' | 'other' | 'unknown';

/** Whether a call builds a Lightning Fabric: `Fabric(…)` under any import spelling, or a local subclass of it. */
export function buildsFabric(model: Semantic, call: CallSite): boolean {
  const q = call.qualifiedName;
  if (q) return FABRICS.has(q);
  const cls = localClassOf(model, call);
  return !!cls && model.classBases(cls).some((b) => FABRICS.has(b));
}

/**
 * What an expression holds, as far as Fabric goes: the call that made it (followed through
 * assignments and same-file returns); for a function parameter, a `Fabric` annotation
 * (`fabric: L.Fabric`) or what the file's calls of the function pass (a Fabric when any of them
 * passes one; for `__init__`, the constructions of its class); for `self.<name>`, what the class
 * assigns to it. A class of the file's own that is merely named `Fabric` builds no Fabric.
 */
export function fabricValue(model: Semantic, expr: Node, depth = 0): FabricValue {
  if (!model.importsAny(FABRIC_PACKAGES)) return 'other';
  if (depth > 6) return 'unknown';
  if (expr.type === 'parenthesized_expression') {
    const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
    return inner ? fabricValue(model, inner, depth + 1) : 'unknown';
  }
  const origin = expr.type === 'call' ? model.callSite(expr) : model.originCall(expr);
  if (origin) return buildsFabric(model, origin) ? 'fabric' : 'other';
  if (isSelfAttribute(expr)) return combine(selfAssignments(model, expr).map((v) => fabricValue(model, v, depth + 1)));
  if (expr.type !== 'identifier') return 'unknown';
  const bindings = model.lookup(expr.text, expr);
  if (bindings.length !== 1 || bindings[0].kind !== 'param') return 'unknown';
  const param = bindings[0].node;
  const annotation = param.childForFieldName('type')?.namedChild(0);
  if (annotation && FABRICS.has(model.qualifiedName(annotation) ?? '')) return 'fabric';
  const args = argumentsFor(model, expr) ?? constructorArgumentsFor(model, param);
  return args ? combine(args.map((a) => fabricValue(model, a, depth + 1))) : 'unknown';
}

/** A Fabric when any value is one; something else when every value is (and there is one); else unknown. */
function combine(values: FabricValue[]): FabricValue {
  if (values.includes('fabric')) return 'fabric';
  return values.length > 0 && values.every((v) => v === 'other') ? 'other' : 'unknown';
}

/**
 * The arguments the file's constructions of a class (`Trainer(fabric)`) pass for a parameter of its
 * `__init__`: undefined when the parameter is not one, the class is never built here, or a
 * construction passes nothing for it.
 */
function constructorArgumentsFor(model: Semantic, param: Node): Node[] | undefined {
  const init = model.enclosingFunction(param);
  const cls = init && init.childForFieldName('name')?.text === '__init__' ? model.enclosingClass(init) : undefined;
  const name = cls?.childForFieldName('name')?.text;
  if (!init || !cls || !name || model.parentOf(model.parentOf(init) ?? init)?.id !== cls.id) return undefined;
  const params = parametersOf(init, true);
  const index = params.findIndex((p) => parameterName(p) === parameterName(param));
  if (index < 0) return undefined;
  return argumentsPassed(model.callsNamed(name).filter((c) => localClassOf(model, c)?.id === cls.id), params, index);
}
