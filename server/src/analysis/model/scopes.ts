// Owns scopes and bindings: the function, class and lambda scopes, what binds each name in each
// scope (imports, assignments, loop and `with` targets, definitions, parameters), found from where
// the text spells the name. A segmented document keeps each segment's bindings of a name with its
// tree, and which segments may bind each name (BindingCandidates).
import type { Node, Tree } from '../parser';
import { mayBindBefore } from '../words';
import type { Binding, BindingCandidates, BindingKind } from './bindings';
import { asPatternParts, parameterNameNode, sameNode } from './navigation';
import type { OffsetRange } from './module';
import type { ModelParts } from './parts';
import { CLASS_DEFINITION, FUNCTION_DEFINITION, LAMBDA } from './spellings';

/** The part of a function, class or lambda whose names live in its own scope, as an offset range. */
interface ScopeRegion {
  scope: Node;
  start: number;
  end: number;
  /** Index of the innermost region around this one, -1 for the module. */
  parent: number;
}

/** A node kept as offsets from its segment's start and its type. */
interface KeptSpan {
  start: number;
  end: number;
  type: string;
}

/** A binding kept with a segment's tree (see segmentBindings); no scope is the module. */
interface KeptBinding {
  kind: BindingKind;
  at: number;
  node: KeptSpan;
  value?: KeptSpan;
  scope?: KeptSpan;
}

interface FoundBinding {
  scope: string;
  binding: Binding;
  at: number;
  order: number;
}

const PARAMETER_WRAPPERS = new Set(['typed_parameter', 'default_parameter', 'typed_default_parameter', 'list_splat_pattern', 'dictionary_splat_pattern']);
/** Nodes an assignment, `for` or `with` target never reaches up through. */
const STATEMENT_BOUNDARIES = new Set([
  'expression_statement', 'return_statement', 'delete_statement', 'raise_statement', 'assert_statement', 'global_statement', 'nonlocal_statement',
  'if_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement', 'function_definition', 'class_definition',
  'decorated_definition', 'lambda', 'call', 'argument_list', 'keyword_argument', 'with_clause', 'with_item', 'except_clause',
  'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'print_statement', 'exec_statement',
]);

/** Each segment tree's bindings by name (see segmentBindings). */
const SEGMENT_BINDINGS = new WeakMap<Tree, Map<string, KeptBinding[]>>();

export class Scopes {
  /** Scope regions sorted by start offset (nested or disjoint), for scopeOf without parent walks. */
  private scopeRegions: ScopeRegion[] | undefined;
  private readonly segmentRegions: Array<ScopeRegion[] | undefined> = [];
  /** Bindings of each name asked for, by scope key (see scopeKey). */
  private readonly bindingsByName = new Map<string, Map<string, Binding[]>>();
  private readonly scopeBindings = new Map<string, Binding[]>();
  private candidatesReady = false;
  private treeIndexes: Map<Tree, number> | undefined;

  constructor(
    private readonly m: ModelParts,
    private readonly kept: BindingCandidates | undefined,
  ) {}

  // ---- scopes -------------------------------------------------------------------------------

  /**
   * The scope a node's names live in: the nearest enclosing function, class or lambda body, or the module.
   * Decorators, default values and the name itself belong to the outer scope. Nodes nest by offset, so
   * the innermost scope region holding the node's start is the answer.
   */
  scopeOf(node: Node): Node {
    return this.scopeAt(node.startIndex);
  }

  /** The scope of whatever starts at an offset (see scopeOf). */
  scopeAt(at: number): Node {
    const regions = this.regions(at);
    let lo = 0;
    let hi = regions.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (regions[mid].start <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (found >= 0 && regions[found].end <= at) found = regions[found].parent;
    return found >= 0 ? regions[found].scope : this.m.module.root;
  }

  /** A scope's key: "module", or where its node lies (a scope found again in a later model has the same key). */
  scopeKey(scope: Node): string {
    return scope.id === this.m.module.root.id ? 'module' : `${scope.startIndex}:${scope.endIndex}:${scope.type}`;
  }

  /**
   * Where each function, class and lambda scope holding `offset` could begin and end: those of the
   * whole file, or, in a segmented document, of the offset's segment (a scope lies within its
   * top-level statement, so no dependency on the rest of the file).
   */
  private regions(offset: number): ScopeRegion[] {
    const module = this.m.module;
    if (!module.segmented) return (this.scopeRegions ??= this.m.recorder.quietly(() => this.collectRegions()));
    const i = module.segmentAt(offset);
    let regions = this.segmentRegions[i];
    if (!regions) {
      const range = [{ start: module.starts[i], end: module.segmentEnd(i) }];
      regions = this.segmentRegions[i] = this.m.recorder.quietly(() => this.collectRegions(range));
    }
    return regions;
  }

  private collectRegions(ranges?: readonly OffsetRange[]): ScopeRegion[] {
    const spans: Array<Omit<ScopeRegion, 'parent'>> = [];
    const spellings = this.m.spellings;
    const statements = (keyword: string, types: ReadonlySet<string>) => (ranges ? spellings.statementsWithin(keyword, types, ranges) : spellings.statementsAfter(keyword, types));
    for (const node of [...statements('def', FUNCTION_DEFINITION), ...statements('class', CLASS_DEFINITION)]) {
      const body = node.childForFieldName('body');
      if (body) spans.push({ scope: node, start: body.startIndex, end: body.endIndex });
    }
    for (const node of statements('lambda', LAMBDA)) {
      // Everything but the parameters (whose defaults belong outside); a lambda without parameters binds nothing.
      const params = node.childForFieldName('parameters');
      if (params) spans.push({ scope: node, start: params.endIndex, end: node.endIndex });
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const regions: ScopeRegion[] = [];
    const open: number[] = [];
    for (const r of spans) {
      while (open.length && regions[open[open.length - 1]].end <= r.start) open.pop();
      regions.push({ ...r, parent: open.length ? open[open.length - 1] : -1 });
      open.push(regions.length - 1);
    }
    return regions;
  }

  // ---- bindings -----------------------------------------------------------------------------

  /**
   * Bindings of a name by scope (see scopeKey), each scope's in document order: the imports of the
   * name, and every place the name is spelled that binds it (an assignment, `for` or `with … as`
   * target, a def or class name, a parameter).
   */
  private bindingsOf(name: string): Map<string, Binding[]> {
    let byScope = this.bindingsByName.get(name);
    if (!byScope) {
      const found = this.m.recorder.quietly(() => (this.m.module.segmented ? this.keptBindingsOf(name) : this.collectBindings(name)));
      // Document order of the binding statements (then of the names within one), as the scope's list reads.
      found.sort((a, b) => a.order - b.order || a.at - b.at);
      byScope = new Map();
      for (const { scope, binding } of found) {
        const list = byScope.get(scope);
        if (list) list.push(binding);
        else byScope.set(scope, [binding]);
      }
      this.bindingsByName.set(name, byScope);
    }
    return byScope;
  }

  /**
   * The bindings of a name in one scope. In a segmented document only that scope's are made: the
   * module's from every segment, a function's or class's from its own segment.
   */
  bindingsIn(name: string, scope: Node): Binding[] | undefined {
    const module = this.m.module;
    if (!module.segmented) return this.bindingsOf(name).get(this.scopeKey(scope));
    const scopeKey = this.scopeKey(scope);
    const cacheKey = `${scopeKey} ${name}`;
    let found = this.scopeBindings.get(cacheKey);
    if (!found) {
      found = this.m.recorder.quietly(() => this.keptBindingsIn(name, scopeKey, scopeKey === 'module' ? undefined : module.segmentAt(scope.startIndex)));
      this.scopeBindings.set(cacheKey, found);
    }
    return found;
  }

  /** `bindingsIn` from the kept imports and bindings of every segment (`segment` undefined) or of one. */
  private keptBindingsIn(name: string, scopeKey: string, segment: number | undefined): Binding[] {
    const found: FoundBinding[] = [];
    const imports = this.m.imports.imports();
    for (const b of imports.named(name)) {
      if (imports.scopeOf(b) !== scopeKey) continue;
      const at = imports.startOf(b);
      found.push({ scope: scopeKey, binding: b, at, order: at });
    }
    for (const i of segment !== undefined ? [segment] : this.segmentsBinding(name)) {
      const base = this.m.module.starts[i];
      for (const k of this.segmentBindings(i, name)) {
        if (scopeKey === 'module' ? k.scope !== undefined : !k.scope || `${base + k.scope.start}:${base + k.scope.end}:${k.scope.type}` !== scopeKey) continue;
        found.push({ scope: scopeKey, binding: this.keptBinding(name, k, base), at: base + k.at, order: base + k.node.start });
      }
    }
    found.sort((a, b) => a.order - b.order || a.at - b.at);
    return found.map((f) => f.binding);
  }

  private collectBindings(name: string): FoundBinding[] {
    const found: FoundBinding[] = [];
    const imports = this.m.imports.imports();
    for (const b of imports.named(name)) {
      const at = imports.startOf(b);
      found.push({ scope: imports.scopeOf(b), binding: b, at, order: at });
    }
    for (const at of this.m.module.wordOffsets(name)) {
      const bound = this.bindingSpelledAt(name, at);
      if (bound) found.push({ scope: this.scopeKey(bound.scope), binding: bound.binding, at, order: bound.binding.node.startIndex });
    }
    return found;
  }

  /** The binding the name spelled at `at` makes, if any (tokens first, then the tree). */
  private bindingSpelledAt(name: string, at: number): { scope: Node; binding: Binding } | undefined {
    const module = this.m.module;
    if (module.tokensTellAt(at) && !mayBindBefore(module.text, at, at + name.length)) return undefined;
    const id = module.nodeAt(at, at + name.length);
    if (!id || id.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) return undefined;
    return this.bindingAt(id);
  }

  /**
   * `collectBindings` for a segmented document: each segment's bindings of a name are found once per
   * tree and kept as offsets from the segment's start; here they become bindings whose nodes are
   * found again only when asked for.
   */
  private keptBindingsOf(name: string): FoundBinding[] {
    const found: FoundBinding[] = [];
    const imports = this.m.imports.imports();
    for (const b of imports.named(name)) {
      const at = imports.startOf(b);
      found.push({ scope: imports.scopeOf(b), binding: b, at, order: at });
    }
    const module = this.m.module;
    for (let i = 0; i < module.trees.length; i++) {
      const base = module.starts[i];
      for (const k of this.segmentBindings(i, name)) {
        const scope = k.scope ? `${base + k.scope.start}:${base + k.scope.end}:${k.scope.type}` : 'module';
        found.push({ scope, binding: this.keptBinding(name, k, base), at: base + k.at, order: base + k.node.start });
      }
    }
    return found;
  }

  /** The segments that may bind a name, in document order: all, or those the kept candidates name. */
  private segmentsBinding(name: string): number[] {
    const candidates = this.candidates();
    if (!candidates) return this.m.module.trees.map((_, i) => i);
    return this.indexesOf(candidates.treesFor(name));
  }

  /** The kept candidates (of a segmented document), brought up to this model's trees on first use. */
  candidates(): BindingCandidates | undefined {
    if (this.kept && !this.candidatesReady) {
      const module = this.m.module;
      this.m.recorder.quietly(() =>
        this.kept!.update(
          module.trees,
          (i) => this.bindingNamesOf(i),
          (i) => this.m.imports.segmentImports(i),
          (i) => module.rootAt(i).hasError,
        ),
      );
      this.candidatesReady = true;
    }
    return this.kept;
  }

  /** The indexes of these trees among the model's, in document order. */
  indexesOf(slots: ReadonlySet<{ tree: Tree }> | undefined): number[] {
    if (!slots) return [];
    const indexes = (this.treeIndexes ??= new Map(this.m.module.trees.map((t, i) => [t, i])));
    const out: number[] = [];
    for (const slot of slots) {
      const i = indexes.get(slot.tree);
      if (i !== undefined) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }

  /** The names segment `i` may bind (see BindingCandidates). */
  private bindingNamesOf(i: number): string[] {
    const module = this.m.module;
    const base = module.starts[i];
    const clean = !module.rootAt(i).hasError;
    const out: string[] = [];
    for (const [word, offsets] of module.segmentWords(i)) {
      if (!clean || offsets.some((r) => mayBindBefore(module.text, base + r, base + r + word.length))) out.push(word);
    }
    return out;
  }

  /** Segment `i`'s bindings of a name (imports aside), kept with its tree. */
  private segmentBindings(i: number, name: string): KeptBinding[] {
    const module = this.m.module;
    const tree = module.trees[i];
    let byName = SEGMENT_BINDINGS.get(tree);
    if (!byName) SEGMENT_BINDINGS.set(tree, (byName = new Map()));
    let kept = byName.get(name);
    if (!kept) {
      const base = module.starts[i];
      const span = (n: Node): KeptSpan => ({ start: n.startIndex - base, end: n.endIndex - base, type: n.type });
      kept = [];
      for (const r of module.segmentWords(i).get(name) ?? []) {
        const at = base + r;
        const bound = this.bindingSpelledAt(name, at);
        if (!bound) continue;
        const b = bound.binding;
        kept.push({
          kind: b.kind,
          at: at - base,
          node: span(b.node),
          value: b.value ? span(b.value) : undefined,
          scope: bound.scope.id === module.root.id ? undefined : span(bound.scope),
        });
      }
      byName.set(name, kept);
    }
    return kept;
  }

  /** A kept binding as a Binding of this model: its nodes are found when first asked for. */
  private keptBinding(name: string, k: KeptBinding, base: number): Binding {
    const module = this.m.module;
    const find = (s: KeptSpan): Node => module.nodeSpanning(base + s.start, base + s.end, s.type) ?? module.nodeAt(base + s.start, base + s.end)!;
    let node: Node | undefined;
    let value: Node | undefined;
    return {
      name,
      kind: k.kind,
      get node(): Node {
        return (node ??= find(k.node));
      },
      get value(): Node | undefined {
        return k.value ? (value ??= find(k.value)) : undefined;
      },
    };
  }

  /** The binding an identifier makes where it stands, and its scope; undefined when it binds nothing here. */
  private bindingAt(id: Node): { scope: Node; binding: Binding } | undefined {
    const nav = this.m.nav;
    const name = id.text;
    const parent = nav.parentOf(id);
    if (!parent) return undefined;
    if ((parent.type === 'function_definition' || parent.type === 'class_definition') && sameNode(parent.childForFieldName('name'), id)) {
      return { scope: this.scopeOf(parent), binding: { name, kind: parent.type === 'function_definition' ? 'def' : 'class', node: parent } };
    }
    const parameter = this.parameterOf(id, parent);
    if (parameter) return { scope: parameter.def, binding: { name, kind: 'param', node: parameter.node } };
    // Up through tuple / list patterns to the target of an assignment, a `for` or a `with … as`.
    let target = id;
    let container: Node | null = parent;
    while (container) {
      switch (container.type) {
        case 'assignment': {
          if (!sameNode(container.childForFieldName('left'), target)) return undefined;
          let value: Node | null = container.childForFieldName('right');
          // `a = b = value`: the right side is itself an assignment.
          while (value && value.type === 'assignment') value = value.childForFieldName('right');
          // `net, preds = build(), []`: a name paired with its element of a tuple as long as the pattern.
          const direct = target.id === id.id;
          if (!direct) value = value && sameNode(nav.parentOf(id), target) ? pairedElement(target, id, value) : null;
          return { scope: this.scopeOf(container), binding: { name, kind: direct || value ? 'assign' : 'other', node: container, value: value ?? undefined } };
        }
        case 'for_statement':
          if (!sameNode(container.childForFieldName('left'), target)) return undefined;
          return { scope: this.scopeOf(container), binding: { name, kind: 'loop', node: container } };
        case 'as_pattern_target':
        case 'as_pattern': {
          const withStatement = this.withStatementAliasing(container, target);
          return withStatement ? { scope: this.scopeOf(withStatement), binding: { name, kind: 'with', node: withStatement } } : undefined;
        }
        case 'attribute':
        case 'subscript':
        case 'module':
        case 'block':
          return undefined;
      }
      if (STATEMENT_BOUNDARIES.has(container.type)) return undefined;
      target = container;
      container = nav.parentOf(container);
    }
    return undefined;
  }

  /** The `with` statement whose item aliases `target` (an as_pattern, or the as_pattern_target, is `at`). */
  private withStatementAliasing(at: Node, target: Node): Node | undefined {
    const nav = this.m.nav;
    const pattern = at.type === 'as_pattern' ? at : nav.parentOf(at);
    if (!pattern || pattern.type !== 'as_pattern') return undefined;
    const item = nav.parentOf(pattern);
    if (!item || item.type !== 'with_item' || !sameNode(item.childForFieldName('value'), pattern)) return undefined;
    const clause = nav.parentOf(item);
    const statement = clause?.type === 'with_clause' ? nav.parentOf(clause) : null;
    if (!statement || statement.type !== 'with_statement') return undefined;
    return sameNode(asPatternParts(pattern).alias, target) ? statement : undefined;
  }

  /** The parameter of a `def` that an identifier names, and the def. */
  private parameterOf(id: Node, parent: Node): { node: Node; def: Node } | undefined {
    const nav = this.m.nav;
    let p: Node = id;
    let up: Node | null = parent;
    // A parameter is the identifier itself, or a typed / default / splat parameter around it.
    while (up && PARAMETER_WRAPPERS.has(up.type)) {
      p = up;
      up = nav.parentOf(up);
    }
    if (!up || up.type !== 'parameters') return undefined;
    const def = nav.parentOf(up);
    if (!def || def.type !== 'function_definition') return undefined;
    return sameNode(parameterNameNode(p), id) ? { node: p, def } : undefined;
  }
}

/** The element of a tuple value an unpacking target's name receives, when both list as many plain items. */
function pairedElement(pattern: Node, id: Node, value: Node): Node | null {
  if (!['pattern_list', 'tuple_pattern'].includes(pattern.type) || !['expression_list', 'tuple'].includes(value.type)) return null;
  const names = pattern.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const items = value.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  if (names.length !== items.length || [...names, ...items].some((n) => n.type === 'list_splat' || n.type === 'list_splat_pattern')) return null;
  const at = names.findIndex((n) => sameNode(n, id));
  if (at < 0) return null;
  // `a, b = b, a + b` reads the names it rebinds: their values before the statement, not paired here.
  const bound = new Set(names.map((n) => n.text));
  const element = items[at];
  const reads = element.type === 'identifier' ? [element] : element.descendantsOfType('identifier');
  return reads.some((r) => r && bound.has(r.text)) ? null : element;
}
