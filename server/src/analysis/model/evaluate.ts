// Owns literal evaluation: the value of an expression as far as literals, simple arithmetic,
// names assigned once (and never mutated) and a few builtins (`range`, `list`, `dict`, numpy's
// ranges) determine it. Anything else is unknown, which rules treat as "could be either".
import type { Node } from '../parser';
import { UNKNOWN, binaryOp, numberLiteral, numberValue, rangeValue, stringLiteral, unknownItems, type Value } from '../values';
import type { Binding } from './bindings';
import { sameNode } from './navigation';
import type { ModelParts } from './parts';

/** Last names of the numpy calls evaluateCall reads (`numpy.linspace`, …). */
const NUMPY_RANGES = new Set(['linspace', 'logspace', 'geomspace', 'arange']);
const MUTATING_METHODS = new Set(['append', 'extend', 'update', 'insert', 'setdefault', 'pop', 'add']);

export class Evaluator {
  private evaluating = 0;

  constructor(private readonly m: ModelParts) {}

  /** The value of an expression as far as literals determine it; UNKNOWN otherwise. */
  evaluate(expr: Node): Value {
    if (this.evaluating > 32) return UNKNOWN;
    this.evaluating++;
    try {
      return this.evaluateInner(expr);
    } finally {
      this.evaluating--;
    }
  }

  private evaluateInner(expr: Node): Value {
    switch (expr.type) {
      case 'integer':
      case 'float': {
        const n = numberLiteral(expr.text);
        return n === undefined ? { kind: 'unknown', node: expr } : { kind: 'number', value: n };
      }
      case 'true':
        return { kind: 'bool', value: true };
      case 'false':
        return { kind: 'bool', value: false };
      case 'none':
        return { kind: 'none' };
      case 'string': {
        const s = stringLiteral(expr);
        return s === undefined ? { kind: 'unknown', node: expr } : { kind: 'string', value: s };
      }
      case 'concatenated_string': {
        let out = '';
        for (const part of expr.namedChildren) {
          if (!part || part.type !== 'string') continue;
          const s = stringLiteral(part);
          if (s === undefined) return { kind: 'unknown', node: expr };
          out += s;
        }
        return { kind: 'string', value: out };
      }
      case 'parenthesized_expression': {
        const inner = expr.namedChildren.find((c) => c && c.type !== 'comment');
        return inner ? this.evaluate(inner) : { kind: 'unknown', node: expr };
      }
      case 'list':
      case 'tuple':
      case 'set': {
        const items: Value[] = [];
        for (const child of expr.namedChildren) {
          if (!child || child.type === 'comment') continue;
          if (child.type === 'list_splat') return { kind: 'unknown', node: expr };
          items.push(this.evaluate(child));
        }
        return { kind: expr.type, items };
      }
      case 'dictionary': {
        const entries: Array<{ key: Value; value: Value }> = [];
        for (const child of expr.namedChildren) {
          if (!child || child.type === 'comment') continue;
          if (child.type !== 'pair') return { kind: 'unknown', node: expr };
          const k = child.childForFieldName('key');
          const v = child.childForFieldName('value');
          entries.push({ key: k ? this.evaluate(k) : UNKNOWN, value: v ? this.evaluate(v) : UNKNOWN });
        }
        return { kind: 'dict', entries };
      }
      case 'unary_operator': {
        const operand = expr.childForFieldName('argument');
        const op = expr.childForFieldName('operator')?.text;
        const v = operand ? this.evaluate(operand) : UNKNOWN;
        if (v.kind === 'number') return op === '-' ? { kind: 'number', value: -v.value } : op === '+' ? v : { kind: 'unknown', node: expr };
        return { kind: 'unknown', node: expr };
      }
      case 'binary_operator': {
        const l = expr.childForFieldName('left');
        const r = expr.childForFieldName('right');
        const op = expr.childForFieldName('operator')?.text ?? '';
        if (!l || !r) return { kind: 'unknown', node: expr };
        const v = binaryOp(op, this.evaluate(l), this.evaluate(r));
        return v.kind === 'unknown' ? { kind: 'unknown', node: expr } : v;
      }
      case 'identifier':
        return this.evaluateName(expr);
      case 'call':
        return this.evaluateCall(expr);
      default:
        return { kind: 'unknown', node: expr };
    }
  }

  /** A name has a value when its scope assigns it exactly once, from an expression that has one. */
  private evaluateName(expr: Node): Value {
    const bindings = this.m.names.lookup(expr.text, expr);
    if (bindings.length !== 1) return { kind: 'unknown', node: expr };
    const b = bindings[0];
    if (b.kind !== 'assign' || !b.value) return { kind: 'unknown', node: expr };
    const value = this.evaluate(b.value);
    // Mutated containers (`grid["x"] = …`, `grid.update(…)`) are not constant: stay unknown. (Looked at
    // only for a value worth keeping: the search reads every use of the name.)
    if (value.kind === 'unknown' || this.isMutated(expr.text, b)) return { kind: 'unknown', node: expr };
    return value;
  }

  private isMutated(name: string, binding: Binding): boolean {
    const scope = this.m.scopes.scopeOf(binding.node);
    // A function's or class's names can be mutated only inside it: read only there.
    const local = scope.id !== this.m.module.root.id;
    if (local) this.m.readStatementOf(scope);
    const ids = local ? this.m.spellings.identifiersWithin(name, [{ start: scope.startIndex, end: scope.endIndex }]) : this.m.spellings.identifiers(name);
    for (const id of ids) {
      const parent = this.m.nav.parentOf(id);
      if (!parent) continue;
      // `name.append(…)` and the like, in the binding's own scope.
      if (parent.type === 'attribute' && sameNode(parent.childForFieldName('object'), id)) {
        const method = parent.childForFieldName('attribute')?.text;
        const call = method && MUTATING_METHODS.has(method) ? this.m.nav.parentOf(parent) : null;
        if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), parent) && this.m.scopes.scopeOf(call).id === scope.id) return true;
      }
      // `name[…] = …` / `name[…] += …` anywhere inside the scope (nested functions included).
      if (parent.type === 'subscript' && sameNode(parent.childForFieldName('value'), id)) {
        const statement = this.m.nav.parentOf(parent);
        const assigns = statement && (statement.type === 'assignment' || statement.type === 'augmented_assignment') && sameNode(statement.childForFieldName('left'), parent);
        if (assigns && id.startIndex >= scope.startIndex && id.startIndex < scope.endIndex) return true;
      }
    }
    return false;
  }

  private evaluateCall(expr: Node): Value {
    const site = this.m.calls.callSite(expr);
    const callee = site.callee;
    // Only numpy's ranges are read by qualified name; `x.other(…)` needs no resolving.
    const q = callee.type === 'attribute' && !NUMPY_RANGES.has(callee.childForFieldName('attribute')?.text ?? '') ? undefined : site.qualifiedName;
    // Whether the name is bound at all is what resolutionSummary tells too: a `q=` reader.
    const builtin = callee.type === 'identifier' && !this.m.names.isBound(callee.text, callee) ? callee.text : undefined;
    const numbers = (): number[] | undefined => {
      const out: number[] = [];
      for (const a of site.positional) {
        const n = numberValue(this.evaluate(a));
        if (n === undefined) return undefined;
        out.push(n);
      }
      return out;
    };
    if (builtin === 'range' && !site.hasStarArgs && site.keywords.size === 0) {
      const args = numbers();
      return args && args.length >= 1 && args.length <= 3 ? rangeValue(args) : { kind: 'unknown', node: expr };
    }
    if ((builtin === 'list' || builtin === 'tuple') && site.positional.length === 1) {
      const v = this.evaluate(site.positional[0]);
      if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') return { kind: builtin, items: v.items };
      return { kind: 'unknown', node: expr };
    }
    if (builtin === 'dict' && site.positional.length === 0 && !site.hasStarKwargs) {
      return {
        kind: 'dict',
        entries: [...site.keywords.values()].map((k) => ({ key: { kind: 'string', value: k.name } as Value, value: this.evaluate(k.value) })),
      };
    }
    if (q === 'numpy.linspace' || q === 'numpy.logspace' || q === 'numpy.geomspace') {
      const num = site.valueOf('num', 2);
      const count = num === undefined ? 50 : numberValue(num);
      return count === undefined ? { kind: 'unknown', node: expr } : unknownItems(count);
    }
    if (q === 'numpy.arange' && site.keywords.size === 0) {
      const args = numbers();
      if (!args || args.length === 0 || args.length > 3) return { kind: 'unknown', node: expr };
      const [start, stop, step] = args.length === 1 ? [0, args[0], 1] : [args[0], args[1], args[2] ?? 1];
      return step === 0 ? { kind: 'unknown', node: expr } : unknownItems(Math.max(0, Math.ceil((stop - start) / step)));
    }
    return { kind: 'unknown', node: expr };
  }
}
