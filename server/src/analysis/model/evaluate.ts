// Owns literal evaluation: the value of an expression as far as literals, simple arithmetic,
// subscripts of known dicts and lists, names assigned once (and never mutated, or a dict changed only by `update` statements beside it),
// the last of several assignments that runs straight before the use, and a few builtins (`range`, `list`, `dict`, numpy's
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
      case 'subscript':
        return this.evaluateSubscript(expr);
      case 'call':
        return this.evaluateCall(expr);
      default:
        return { kind: 'unknown', node: expr };
    }
  }

  /**
   * A name has a value when its scope assigns it exactly once, from an expression that has one; or,
   * assigned several times (`epochs = 10` in one notebook cell, `epochs = range(…)` in a later one),
   * when the last assignment before the use runs unconditionally before it in the same scope. A dict
   * changed only by `name.update(…)` statements beside its assignment has the value those before the
   * use give it; any other change (`name[k] = …`, `name.append(…)`) leaves it unknown.
   */
  private evaluateName(expr: Node): Value {
    const b = this.reachingBinding(expr);
    if (!b || b.kind !== 'assign' || !b.value) return { kind: 'unknown', node: expr };
    const value = this.evaluate(b.value);
    // Mutated containers are not constant. (Looked at only for a value worth keeping: the search
    // reads every use of the name.)
    if (value.kind === 'unknown') return { kind: 'unknown', node: expr };
    const updates = this.mutationsOf(expr.text, b);
    if (updates === 'other') return { kind: 'unknown', node: expr };
    const reaching = updates.filter((u) => u.startIndex > b.node.endIndex && u.endIndex <= expr.startIndex);
    // Read from another scope (a function's body), the name may be read after any of the updates.
    if (updates.length > 0 && this.m.scopes.scopeOf(expr).id !== this.m.scopes.scopeOf(b.node).id) return { kind: 'unknown', node: expr };
    if (reaching.length === 0) return value;
    if (value.kind !== 'dict') return { kind: 'unknown', node: expr };
    let merged: Value = value;
    for (const update of reaching) {
      merged = this.applyUpdate(merged, update);
      if (merged.kind === 'unknown') return { kind: 'unknown', node: expr };
    }
    return merged;
  }

  /**
   * `config["epochs"]` of a dict with that literal key (every key of the dict known), `sizes[0]` /
   * `sizes[-1]` of a list or tuple; a slice, a key the dict may not hold, a container without a
   * value, or one the file hands to a call (which may fill it) is unknown.
   */
  private evaluateSubscript(expr: Node): Value {
    const container = expr.childForFieldName('value');
    const index = expr.childForFieldName('subscript');
    if (!container || !index || expr.namedChildren.filter((c) => c && c.type !== 'comment').length !== 2) return { kind: 'unknown', node: expr };
    const key = this.evaluate(index);
    const value = key.kind === 'string' || key.kind === 'number' ? this.evaluate(container) : UNKNOWN;
    // A container handed to a call may be filled there (`restart_from_checkpoint(run_variables=to_restore)`).
    // Asked last: it reads every use of the name.
    if (value.kind === 'unknown' || (container.type === 'identifier' && this.handedToCall(container))) return { kind: 'unknown', node: expr };
    if (value.kind === 'dict' && key.kind === 'string' && value.entries.every((e) => e.key.kind === 'string' || e.key.kind === 'number')) {
      const entry = value.entries.filter((e) => e.key.kind === 'string' && e.key.value === key.value).at(-1);
      if (entry && entry.value.kind !== 'unknown') return entry.value;
    }
    if ((value.kind === 'list' || value.kind === 'tuple') && key.kind === 'number' && Number.isInteger(key.value)) {
      const item = value.items.at(key.value);
      if (item && item.kind !== 'unknown') return item;
    }
    return { kind: 'unknown', node: expr };
  }

  /** Whether a name is an argument of a call anywhere in its binding's reach (`f(d)`, `f(x=d)`; not `f(**d)`, which copies it). */
  private handedToCall(name: Node): boolean {
    return this.m.spellings.identifiers(name.text).some((id) => {
      let parent = this.m.nav.parentOf(id);
      if (parent?.type === 'keyword_argument' && sameNode(parent.childForFieldName('value'), id)) parent = this.m.nav.parentOf(parent);
      return parent?.type === 'argument_list';
    });
  }

  /** The binding whose value reaches a use of a name: its only binding, or the last assignment that runs straight before it. */
  reachingBinding(use: Node): Binding | undefined {
    const bindings = this.m.names.lookup(use.text, use);
    return bindings.length === 1 ? bindings[0] : this.lastAssignmentBefore(use, bindings);
  }

  /**
   * Of several plain assignments of a name in the use's own scope, the last one before the use, when
   * it runs unconditionally before it (its block holds the use) and no assignment after the use can
   * run again before it (none in a loop around the use).
   */
  private lastAssignmentBefore(expr: Node, bindings: readonly Binding[]): Binding | undefined {
    if (bindings.length < 2 || bindings.some((b) => b.kind !== 'assign' || !b.value)) return undefined;
    const scope = this.m.scopes.scopeOf(expr);
    if (bindings.some((b) => this.m.scopes.scopeOf(b.node).id !== scope.id)) return undefined;
    const before = bindings.filter((b) => b.node.endIndex <= expr.startIndex).sort((a, b) => a.node.startIndex - b.node.startIndex);
    const last = before[before.length - 1];
    if (!last || !this.holds(this.blockOf(last.node), expr)) return undefined;
    const loops = this.loopsAround(expr, scope);
    const after = bindings.filter((b) => b.node.startIndex >= expr.endIndex);
    if (after.some((b) => loops.some((l) => b.node.startIndex >= l.startIndex && b.node.endIndex <= l.endIndex))) return undefined;
    return last;
  }

  /** The block (or module) whose statement a binding or call is: undefined when it is part of a larger statement. */
  private blockOf(node: Node): Node | undefined {
    const statement = this.m.nav.parentOf(node);
    if (statement?.type !== 'expression_statement') return undefined;
    const block = this.m.nav.parentOf(statement);
    return block && (block.type === 'block' || block.type === 'module') ? block : undefined;
  }

  /** Whether a block runs everything it holds: a module holds every module-level use (each segment has its own module node). */
  private holds(block: Node | undefined, node: Node): boolean {
    if (!block) return false;
    if (block.type === 'module') return this.m.scopes.scopeOf(node).id === this.m.module.root.id;
    return node.startIndex >= block.startIndex && node.endIndex <= block.endIndex;
  }

  private loopsAround(node: Node, scope: Node): Node[] {
    const out: Node[] = [];
    for (let a = this.m.nav.parentOf(node); a && a.id !== scope.id; a = this.m.nav.parentOf(a)) {
      if (a.type === 'for_statement' || a.type === 'while_statement') out.push(a);
    }
    return out;
  }

  /**
   * What changes a name's value in its binding's scope: the `name.update(…)` calls that are statements
   * of the binding's own block, or 'other' when anything else changes it (`name.append(…)`,
   * `name[k] = …`, `name += …`, an update inside a branch or loop).
   */
  private mutationsOf(name: string, binding: Binding): Node[] | 'other' {
    const scope = this.m.scopes.scopeOf(binding.node);
    // A function's or class's names can be mutated only inside it: read only there.
    const local = scope.id !== this.m.module.root.id;
    if (local) this.m.readStatementOf(scope);
    const ids = local ? this.m.spellings.identifiersWithin(name, [{ start: scope.startIndex, end: scope.endIndex }]) : this.m.spellings.identifiers(name);
    const updates: Node[] = [];
    const home = this.blockOf(binding.node);
    for (const id of ids) {
      const parent = this.m.nav.parentOf(id);
      if (!parent) continue;
      // `name.append(…)` and the like, in the binding's own scope.
      if (parent.type === 'attribute' && sameNode(parent.childForFieldName('object'), id)) {
        const method = parent.childForFieldName('attribute')?.text;
        const call = method && MUTATING_METHODS.has(method) ? this.m.nav.parentOf(parent) : null;
        if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), parent) && this.m.scopes.scopeOf(call).id === scope.id) {
          const block = this.blockOf(call);
          const beside = !!home && !!block && (block.id === home.id || (block.type === 'module' && home.type === 'module'));
          if (method !== 'update' || !beside) return 'other';
          updates.push(call);
        }
      }
      // `name += …` in the binding's scope.
      if (parent.type === 'augmented_assignment' && sameNode(parent.childForFieldName('left'), id) && this.m.scopes.scopeOf(parent).id === scope.id) return 'other';
      // `name[…] = …` / `name[…] += …` anywhere inside the scope (nested functions included).
      if (parent.type === 'subscript' && sameNode(parent.childForFieldName('value'), id)) {
        const statement = this.m.nav.parentOf(parent);
        const assigns = statement && (statement.type === 'assignment' || statement.type === 'augmented_assignment') && sameNode(statement.childForFieldName('left'), parent);
        if (assigns && id.startIndex >= scope.startIndex && id.startIndex < scope.endIndex) return 'other';
      }
    }
    return updates.sort((a, b) => a.startIndex - b.startIndex);
  }

  /** A dict after `d.update({…})` / `d.update(k=v)`: its entries replaced or added; unknown when the argument has no value. */
  private applyUpdate(dict: Value, update: Node): Value {
    if (dict.kind !== 'dict') return UNKNOWN;
    const site = this.m.calls.callSite(update);
    if (site.hasStarArgs || site.hasStarKwargs || site.positional.length > 1) return UNKNOWN;
    const added: Array<{ key: Value; value: Value }> = [];
    if (site.positional.length === 1) {
      const v = this.evaluate(site.positional[0]);
      if (v.kind !== 'dict') return UNKNOWN;
      added.push(...v.entries);
    }
    for (const k of site.keywords.values()) added.push({ key: { kind: 'string', value: k.name }, value: this.evaluate(k.value) });
    const sameKey = (a: Value, b: Value) => a.kind === 'string' && b.kind === 'string' && a.value === b.value;
    const kept = dict.entries.filter((e) => !added.some((n) => sameKey(n.key, e.key)));
    return { kind: 'dict', entries: [...kept, ...added] };
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
    // `params.copy()`, `dict(params)`: the same dict.
    if (callee.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'copy' && site.positional.length === 0 && site.keywords.size === 0) {
      const object = callee.childForFieldName('object');
      const v = object ? this.evaluate(object) : UNKNOWN;
      return v.kind === 'dict' ? v : { kind: 'unknown', node: expr };
    }
    if (builtin === 'dict' && site.positional.length === 1 && site.keywords.size === 0 && !site.hasStarArgs && !site.hasStarKwargs) {
      const v = this.evaluate(site.positional[0]);
      return v.kind === 'dict' ? v : { kind: 'unknown', node: expr };
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
