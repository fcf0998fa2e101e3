// Owns tree navigation: parents (remembered, found from the top-level statement down), ancestors,
// the loops, functions and classes around a node, decorators and `with` items.
import type { Node } from '../parser';
import type { ModuleText } from './module';
import type { Recorder } from './recorder';

/** Above this many top-level statements, parents are found from the node's top-level statement down (see parentOf). */
const FLAT_MODULE_STATEMENTS = 256;

export class Navigation {
  /** Parents already asked for, by node id: a tree-sitter parent lookup walks down from the root. */
  private readonly parents = new Map<number, Node | null>();
  private readonly topLevelCounts: Array<number | undefined> = [];
  private topLevelCount: number | undefined;

  constructor(
    private readonly module: ModuleText,
    private readonly recorder: Recorder,
  ) {}

  /**
   * The parent of a node, remembered. tree-sitter finds a parent by walking down from the root, and at
   * the root it steps through every top-level statement before the node's: in a long flat script that
   * is thousands of steps per lookup. So the walk starts at the node's top-level statement (found by
   * binary search), and every node passed on the way down gets its parent remembered too. In a file
   * with fewer top-level statements, tree-sitter's walk is cheaper than many steps from here.
   */
  parentOf(node: Node): Node | null {
    let parent = this.parents.get(node.id);
    if (parent === undefined) {
      if (this.topLevelCountOf(node) > FLAT_MODULE_STATEMENTS) this.rememberAncestry(node);
      parent = this.parents.get(node.id);
      if (parent === undefined) {
        parent = node.parent;
        const segmented = this.module.segmented;
        // Every segment's module node stands for the one module.
        if (parent && parent.type === 'module' && segmented) parent = this.module.root;
        else if (!parent && segmented && node.type === 'module' && node.id !== this.module.root.id) parent = null;
        this.parents.set(node.id, parent);
      }
    }
    return parent;
  }

  /**
   * How many top-level statements tree-sitter's parent walk would step through for this node: those
   * of its segment's tree (a segment is parsed alone), or of the whole file when it is one tree.
   */
  private topLevelCountOf(node: Node): number {
    if (!this.module.segmented) return (this.topLevelCount ??= this.module.root.childCount);
    const i = this.module.segmentAt(node.startIndex);
    let count = this.topLevelCounts[i];
    if (count === undefined) count = this.topLevelCounts[i] = this.module.rootAt(i).childCount;
    return count;
  }

  private rememberAncestry(node: Node): void {
    if (this.module.isModuleNode(node)) {
      this.parents.set(node.id, null);
      return;
    }
    const top = this.module.topLevelStatementHolding(node);
    if (!top) return;
    let current = top;
    this.parents.set(current.id, this.module.root);
    while (current.id !== node.id) {
      const next = current.childWithDescendant(node);
      if (!next) return;
      this.parents.set(next.id, current);
      current = next;
    }
  }

  *ancestors(node: Node): Generator<Node> {
    this.recorder.checkDeadline();
    let current = this.parentOf(node);
    while (current) {
      yield current;
      current = this.parentOf(current);
    }
  }

  enclosingFunction(node: Node): Node | undefined {
    for (const a of this.ancestors(node)) if (a.type === 'function_definition') return a;
    return undefined;
  }

  enclosingClass(node: Node): Node | undefined {
    for (const a of this.ancestors(node)) if (a.type === 'class_definition') return a;
    return undefined;
  }

  /** `for`/`while` statements around a node whose body contains it, innermost first, within its function. */
  enclosingLoops(node: Node): Node[] {
    const out: Node[] = [];
    let child = node;
    for (const a of this.ancestors(node)) {
      if (a.type === 'function_definition' || a.type === 'class_definition' || a.type === 'lambda') break;
      if (a.type === 'for_statement' || a.type === 'while_statement') {
        const body = a.childForFieldName('body');
        if (body && body.id === child.id) out.push(a);
      }
      child = a;
    }
    return out;
  }

  /** Decorator expressions of a function or class definition. */
  decoratorsOf(def: Node): Node[] {
    const parent = this.parentOf(def);
    if (!parent || parent.type !== 'decorated_definition') return [];
    const out: Node[] = [];
    for (const child of parent.namedChildren) {
      if (child && child.type === 'decorator') {
        const expr = child.namedChild(0);
        if (expr) out.push(expr);
      }
    }
    return out;
  }
}

export interface WithItem {
  value: Node;
  alias?: Node;
}

/** The items of a `with` statement: `with a as b, c:` → [{a, b}, {c}]. */
export function withItems(withStatement: Node): WithItem[] {
  const out: WithItem[] = [];
  for (const clause of withStatement.namedChildren) {
    if (!clause || clause.type !== 'with_clause') continue;
    for (const item of clause.namedChildren) {
      if (!item || item.type !== 'with_item') continue;
      const value = item.childForFieldName('value');
      if (!value) continue;
      // tree-sitter-python writes `a as b` as an as_pattern inside the item's value.
      if (value.type === 'as_pattern') {
        const { inner, alias } = asPatternParts(value);
        if (inner) out.push({ value: inner, alias });
      } else {
        out.push({ value });
      }
    }
  }
  return out;
}

/** `a as b` inside a `with` item: the value `a`, and the alias target `b` (tuple or name). */
export function asPatternParts(pattern: Node): { inner: Node | undefined; alias: Node | undefined } {
  const inner = pattern.namedChild(0) ?? undefined;
  const target = pattern.childForFieldName('alias') ?? pattern.namedChild(1);
  const alias = target?.type === 'as_pattern_target' ? (target.namedChild(0) ?? undefined) : (target ?? undefined);
  return { inner, alias };
}

export function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}

/** The identifier a parameter binds (`a` in `a`, `a: int`, `a=1`, `*a`, `**a`). */
export function parameterNameNode(p: Node): Node | undefined {
  switch (p.type) {
    case 'identifier':
      return p;
    case 'typed_parameter':
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern': {
      const first = p.namedChild(0);
      if (!first) return undefined;
      return first.type === 'identifier' ? first : parameterNameNode(first);
    }
    case 'default_parameter':
    case 'typed_default_parameter':
      return p.childForFieldName('name') ?? undefined;
    default:
      return undefined;
  }
}
