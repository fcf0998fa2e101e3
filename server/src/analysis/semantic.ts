// Semantic model of one Python module: bindings per scope (imports, assignments, definitions,
// parameters), qualified names through imports and aliases, call sites with their arguments,
// literal evaluation, enclosing loops / with-blocks / functions, and calls to same-file functions.
import type { Node, Tree } from './parser';
import { pythonQuery } from './parser';
import {
  UNKNOWN,
  binaryOp,
  numberLiteral,
  numberValue,
  rangeValue,
  stringLiteral,
  unknownItems,
  type Value,
} from './values';

export type BindingKind = 'import' | 'assign' | 'def' | 'class' | 'param' | 'loop' | 'with' | 'other';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** The statement or node that binds the name. */
  node: Node;
  /** For imports: the fully qualified name the local name stands for. */
  qualified?: string;
  /** For plain `name = value` assignments: the value expression. */
  value?: Node;
}

export interface KeywordArgument {
  name: string;
  /** The whole `name=value` node. */
  node: Node;
  value: Node;
}

/** Whether an argument is there, absent, or cannot be told (absent but *args/**kwargs are passed). */
export type ArgumentPresence = 'present' | 'absent' | 'unknown';

const COLLECT = `
(import_statement) @import
(import_from_statement) @import
(call) @call
(assignment) @assign
(function_definition) @def
(class_definition) @class
(for_statement) @loop
(with_statement) @with
(while_statement) @while
(lambda) @lambda
(assignment left: (subscript value: (identifier) @subscripted))
(augmented_assignment left: (subscript value: (identifier) @subscripted))
(augmented_assignment) @augassign
`;

/** COLLECT plus the comments, for files whose suppression comments will be read anyway. */
const COLLECT_WITH_COMMENTS = `${COLLECT}(comment) @comment
`;

export interface SemanticModelOptions {
  /** Collect comments in the same pass (otherwise `comments` runs its own query on first use). */
  comments?: boolean;
}

/** The part of a function, class or lambda whose names live in its own scope, as an offset range. */
interface ScopeRegion {
  scope: Node;
  start: number;
  end: number;
  /** Index of the innermost region around this one, -1 for the module. */
  parent: number;
}

export class CallSite {
  readonly node: Node;
  private calleeNode: Node | undefined;
  private args: Node | null | undefined;
  private parsedArguments:
    | { positional: Node[]; keywords: Map<string, KeywordArgument>; hasStarArgs: boolean; hasStarKwargs: boolean }
    | undefined;
  private qualifiedCache: string | null | undefined;

  constructor(
    node: Node,
    private readonly model: SemanticModel,
  ) {
    this.node = node;
  }

  // Callee and arguments are read from the tree on first use: most call sites are only ever asked for their name.
  get callee(): Node {
    return (this.calleeNode ??= this.node.childForFieldName('function')!);
  }

  get argumentList(): Node | null {
    if (this.args === undefined) {
      const args = this.node.childForFieldName('arguments');
      this.args = args && args.type === 'argument_list' ? args : null;
    }
    return this.args;
  }

  /** Positional arguments, in order, up to the first keyword; `*args` entries are excluded. */
  get positional(): Node[] {
    return this.parseArguments().positional;
  }

  get keywords(): Map<string, KeywordArgument> {
    return this.parseArguments().keywords;
  }

  get hasStarArgs(): boolean {
    return this.parseArguments().hasStarArgs;
  }

  get hasStarKwargs(): boolean {
    return this.parseArguments().hasStarKwargs;
  }

  private parseArguments(): NonNullable<CallSite['parsedArguments']> {
    if (this.parsedArguments) return this.parsedArguments;
    const parsed = { positional: [] as Node[], keywords: new Map<string, KeywordArgument>(), hasStarArgs: false, hasStarKwargs: false };
    const list = this.argumentList;
    if (list) {
      for (const arg of list.namedChildren) {
        if (!arg || arg.type === 'comment') continue;
        if (arg.type === 'keyword_argument') {
          const name = arg.childForFieldName('name');
          const value = arg.childForFieldName('value');
          if (name && value) parsed.keywords.set(name.text, { name: name.text, node: arg, value });
        } else if (arg.type === 'list_splat') {
          parsed.hasStarArgs = true;
        } else if (arg.type === 'dictionary_splat') {
          parsed.hasStarKwargs = true;
        } else {
          parsed.positional.push(arg);
        }
      }
    }
    this.parsedArguments = parsed;
    return parsed;
  }

  /** Fully qualified name of the callee when it resolves through imports (`torch.autocast`). */
  get qualifiedName(): string | undefined {
    if (this.qualifiedCache === undefined) this.qualifiedCache = this.model.qualifiedName(this.callee) ?? null;
    return this.qualifiedCache ?? undefined;
  }

  /** Last segment of the callee as written: `fit` for `model.fit(...)`. */
  get methodName(): string {
    return this.callee.type === 'attribute' ? (this.callee.childForFieldName('attribute')?.text ?? '') : this.callee.text;
  }

  /** The object a method is called on (`model` in `model.fit(...)`), if any. */
  get receiver(): Node | null {
    return this.callee.type === 'attribute' ? this.callee.childForFieldName('object') : null;
  }

  /** The argument node for a parameter given by keyword or by position. */
  argument(keyword: string, position?: number): Node | undefined {
    const kw = this.keywords.get(keyword);
    if (kw) return kw.value;
    if (position !== undefined && position < this.positional.length) return this.positional[position];
    return undefined;
  }

  presence(keyword: string, position?: number): ArgumentPresence {
    if (this.argument(keyword, position)) return 'present';
    if (this.hasStarKwargs || (position !== undefined && this.hasStarArgs)) return 'unknown';
    return 'absent';
  }

  /** Evaluated argument: its value, undefined when absent, UNKNOWN when it may be passed through */
  valueOf(keyword: string, position?: number): Value | undefined {
    const node = this.argument(keyword, position);
    if (node) return this.model.evaluate(node);
    return this.presence(keyword, position) === 'unknown' ? UNKNOWN : undefined;
  }
}

/** Thrown by model queries once the model's deadline has passed: the per-file time budget bounds every rule. */
export class AnalysisTimeout extends Error {
  constructor() {
    super('analysis time budget exceeded');
    this.name = 'AnalysisTimeout';
  }
}

export class SemanticModel {
  readonly tree: Tree;
  readonly root: Node;
  /** Top-level package names imported anywhere in the file (`torch`, `sklearn`, …). */
  readonly importedPackages = new Set<string>();
  /** Every import binding, in document order. */
  readonly imports: Binding[] = [];
  private commentNodes: Node[] | undefined;
  readonly withStatements: Node[] = [];
  readonly loops: Node[] = [];
  /** Every `def`, in document order (nested ones included). */
  readonly functionDefinitions: Node[] = [];
  /** Every `class`, in document order (nested ones included). */
  readonly classDefinitions: Node[] = [];
  /** Every `x = …` (each target of a chain too) and every `x += …`, in document order. */
  readonly assignments: Node[] = [];
  readonly augmentedAssignments: Node[] = [];
  /** Module names of `from X import *`. */
  readonly starImports: string[] = [];
  private readonly scopes = new Map<number, Map<string, Binding[]>>();
  private readonly callNodes: Node[] = [];
  private readonly callsByMethod = new Map<string, Node[]>();
  private readonly callSites = new Map<number, CallSite>();
  private readonly functionsByName = new Map<string, Node[]>();
  private readonly classesByName = new Map<string, Node[]>();
  private readonly importedLocalNames = new Set<string>();
  /** Scope regions sorted by start offset (nested or disjoint), for scopeOf without parent walks. */
  private readonly regions: ScopeRegion[] = [];
  /** Parents already asked for, by node id: a tree-sitter parent lookup walks down from the root. */
  private readonly parents = new Map<number, Node | null>();
  /** Start offsets of `name[...] = …` / `name[...] += …` targets (subscripts that mutate `name`), by name. */
  private readonly subscriptTargets = new Map<string, number[]>();
  private evaluating = 0;
  /** When set (a performance.now() time), long-running queries throw AnalysisTimeout once it has passed. */
  deadline: number | undefined;
  private deadlineTicks = 0;

  /** Every comment, in document order; queried on first use (only suppressions and code actions read them). */
  get comments(): Node[] {
    return (this.commentNodes ??= pythonQuery('(comment) @comment').captures(this.root).map((c) => c.node));
  }

  /** Throws AnalysisTimeout past the deadline; cheap enough for hot paths (reads the clock every 256 calls). */
  checkDeadline(): void {
    if (this.deadline === undefined || (++this.deadlineTicks & 255) !== 0) return;
    if (performance.now() > this.deadline) throw new AnalysisTimeout();
  }

  constructor(tree: Tree, options: SemanticModelOptions = {}) {
    this.tree = tree;
    this.root = tree.rootNode;
    if (options.comments) this.commentNodes = [];
    this.collect(options.comments ? COLLECT_WITH_COMMENTS : COLLECT);
  }

  // ---- construction -------------------------------------------------------------------------

  private collect(query: string): void {
    const captures = pythonQuery(query).captures(this.root);
    this.buildRegions(captures);
    const whileLoops: Node[] = [];
    for (const { name, node } of captures) {
      switch (name) {
        case 'import':
          this.collectImport(node);
          break;
        case 'call':
          this.collectCall(node);
          break;
        case 'assign':
          this.assignments.push(node);
          this.collectAssignment(node);
          break;
        case 'augassign':
          this.augmentedAssignments.push(node);
          break;
        case 'def':
          this.functionDefinitions.push(node);
          this.collectDefinition(node, 'def');
          break;
        case 'class':
          this.classDefinitions.push(node);
          this.collectDefinition(node, 'class');
          break;
        case 'loop': {
          this.loops.push(node);
          const left = node.childForFieldName('left');
          if (left) this.bindTargets(left, 'loop', node, undefined);
          break;
        }
        case 'with':
          this.withStatements.push(node);
          for (const item of withItems(node)) {
            const alias = item.alias;
            if (alias) this.bindTargets(alias, 'with', node, item.value);
          }
          break;
        case 'while':
          whileLoops.push(node);
          break;
        case 'comment':
          this.commentNodes!.push(node);
          break;
        case 'subscripted': {
          const list = this.subscriptTargets.get(node.text);
          if (list) list.push(node.startIndex);
          else this.subscriptTargets.set(node.text, [node.startIndex]);
          break;
        }
      }
    }
    this.loops.push(...whileLoops);
  }

  /** Records where each function, class and lambda scope begins and ends (see scopeOf). */
  private buildRegions(captures: ReadonlyArray<{ name: string; node: Node }>): void {
    const regions: Array<Omit<ScopeRegion, 'parent'>> = [];
    for (const { name, node } of captures) {
      if (name === 'def' || name === 'class') {
        const body = node.childForFieldName('body');
        if (body) regions.push({ scope: node, start: body.startIndex, end: body.endIndex });
      } else if (name === 'lambda') {
        // Everything but the parameters (whose defaults belong outside); a lambda without parameters binds nothing.
        const params = node.childForFieldName('parameters');
        if (params) regions.push({ scope: node, start: params.endIndex, end: node.endIndex });
      }
    }
    regions.sort((a, b) => a.start - b.start || b.end - a.end);
    const open: number[] = [];
    for (const r of regions) {
      while (open.length && this.regions[open[open.length - 1]].end <= r.start) open.pop();
      this.regions.push({ ...r, parent: open.length ? open[open.length - 1] : -1 });
      open.push(this.regions.length - 1);
    }
  }

  /**
   * The parent of a node, remembered. tree-sitter finds a parent by walking down from the root, and at
   * the root it steps through every top-level statement before the node's: in a long flat script that
   * is thousands of steps per lookup. So the walk starts at the node's top-level statement (found by
   * binary search), and every node passed on the way down gets its parent remembered too.
   */
  parentOf(node: Node): Node | null {
    let parent = this.parents.get(node.id);
    if (parent === undefined) {
      this.rememberAncestry(node);
      parent = this.parents.get(node.id);
      if (parent === undefined) {
        parent = node.parent;
        this.parents.set(node.id, parent);
      }
    }
    return parent;
  }

  private topLevelNodes: Node[] | undefined;

  private rememberAncestry(node: Node): void {
    if (node.id === this.root.id) {
      this.parents.set(node.id, null);
      return;
    }
    const top = (this.topLevelNodes ??= this.root.children.filter((c): c is Node => c !== null));
    const start = node.startIndex;
    const end = node.endIndex;
    let lo = 0;
    let hi = top.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (top[mid].startIndex <= start) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Zero-width nodes can share a start offset with their neighbours: take the one that holds the node.
    while (found >= 0 && !(top[found].startIndex <= start && end <= top[found].endIndex)) found--;
    if (found < 0) return;
    let current = top[found];
    this.parents.set(current.id, this.root);
    while (current.id !== node.id) {
      const next = current.childWithDescendant(node);
      if (!next) return;
      this.parents.set(next.id, current);
      current = next;
    }
  }

  private addBinding(scope: Node, binding: Binding): void {
    let names = this.scopes.get(scope.id);
    if (!names) {
      names = new Map();
      this.scopes.set(scope.id, names);
    }
    const list = names.get(binding.name);
    if (list) list.push(binding);
    else names.set(binding.name, [binding]);
  }

  private collectImport(node: Node): void {
    const scope = this.scopeOf(node);
    if (node.type === 'import_statement') {
      for (const child of node.namedChildren) {
        if (!child) continue;
        if (child.type === 'dotted_name') {
          const full = dottedName(child);
          const top = full.split('.')[0];
          this.importedPackages.add(top);
          this.addImport(scope, { name: top, kind: 'import', node, qualified: top });
        } else if (child.type === 'aliased_import') {
          const nameNode = child.childForFieldName('name');
          const full = nameNode ? dottedName(nameNode) : '';
          const alias = child.childForFieldName('alias')?.text;
          this.importedPackages.add(full.split('.')[0]);
          if (alias) this.addImport(scope, { name: alias, kind: 'import', node, qualified: full });
        }
      }
      return;
    }
    // import_from_statement
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    const relative = moduleNode.type === 'relative_import';
    const moduleName = relative ? moduleNode.text : dottedName(moduleNode);
    if (!relative) this.importedPackages.add(moduleName.split('.')[0]);
    for (const child of node.namedChildren) {
      if (!child || child.id === moduleNode.id) continue;
      if (child.type === 'wildcard_import') {
        if (!relative) this.starImports.push(moduleName);
      } else if (child.type === 'dotted_name') {
        const name = dottedName(child);
        this.addImport(scope, { name, kind: 'import', node, qualified: relative ? undefined : `${moduleName}.${name}` });
      } else if (child.type === 'aliased_import') {
        const nameNode = child.childForFieldName('name');
        const name = nameNode ? dottedName(nameNode) : '';
        const alias = child.childForFieldName('alias')?.text;
        if (alias) this.addImport(scope, { name: alias, kind: 'import', node, qualified: relative ? undefined : `${moduleName}.${name}` });
      }
    }
  }

  private addImport(scope: Node, binding: Binding): void {
    this.imports.push(binding);
    this.importedLocalNames.add(binding.name);
    this.addBinding(scope, binding);
  }

  private collectCall(node: Node): void {
    this.callNodes.push(node);
    const callee = node.childForFieldName('function');
    if (!callee) return;
    const name = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee.type === 'identifier' ? callee.text : undefined;
    if (!name) return;
    const list = this.callsByMethod.get(name);
    if (list) list.push(node);
    else this.callsByMethod.set(name, [node]);
  }

  private collectAssignment(node: Node): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left) return;
    // `a = b = value`: the right side is itself an assignment; its own capture binds `b`.
    let value: Node | null = right;
    while (value && value.type === 'assignment') value = value.childForFieldName('right');
    this.bindTargets(left, 'assign', node, value ?? undefined);
  }

  private bindTargets(target: Node, kind: BindingKind, statement: Node, value: Node | undefined): void {
    const scope = this.scopeOf(statement);
    if (target.type === 'identifier') {
      this.addBinding(scope, { name: target.text, kind, node: statement, value: kind === 'assign' ? value : undefined });
      return;
    }
    if (target.type === 'attribute' || target.type === 'subscript') return;
    for (const child of target.namedChildren) {
      if (child) this.bindTargets(child, kind === 'assign' ? 'other' : kind, statement, undefined);
    }
  }

  private collectDefinition(node: Node, kind: 'def' | 'class'): void {
    const nameNode = node.childForFieldName('name');
    if (!nameNode) return;
    const name = nameNode.text;
    this.addBinding(this.scopeOf(node), { name, kind, node });
    const index = kind === 'def' ? this.functionsByName : this.classesByName;
    const list = index.get(name);
    if (list) list.push(node);
    else index.set(name, [node]);
    if (kind === 'def') {
      const params = node.childForFieldName('parameters');
      if (params) {
        for (const p of params.namedChildren) {
          const id = p && parameterName(p);
          if (id) this.addBinding(node, { name: id, kind: 'param', node: p! });
        }
      }
    }
  }

  // ---- scopes and names ---------------------------------------------------------------------

  /**
   * The scope a node's names live in: the nearest enclosing function, class or lambda body, or the module.
   * Decorators, default values and the name itself belong to the outer scope. Nodes nest by offset, so
   * the innermost scope region holding the node's start is the answer.
   */
  scopeOf(node: Node): Node {
    const at = node.startIndex;
    const regions = this.regions;
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
    return found >= 0 ? regions[found].scope : this.root;
  }

  /** Bindings of a name visible from a node, from the innermost scope that binds it (Python's LEGB, minus builtins). */
  lookup(name: string, from: Node): Binding[] {
    this.checkDeadline();
    let scope: Node | null = this.scopeOf(from);
    let first = true;
    while (scope) {
      // A class body's names are not visible from the functions nested in it.
      if (first || scope.type !== 'class_definition') {
        const found = this.scopes.get(scope.id)?.get(name);
        if (found && found.length) return found;
      }
      first = false;
      if (scope.id === this.root.id) break;
      scope = this.scopeOf(scope);
    }
    return [];
  }

  /**
   * Fully qualified name of an identifier or attribute chain, resolved through imports:
   * `T.cuda.amp.autocast` → `torch.cuda.amp.autocast` after `import torch as T`. A name that is
   * (also) bound by anything other than an import in its scope does not resolve.
   */
  qualifiedName(expr: Node): string | undefined {
    if (expr.type === 'attribute') {
      const object = expr.childForFieldName('object');
      const attr = expr.childForFieldName('attribute');
      if (!object || !attr) return undefined;
      const base = this.qualifiedName(object);
      return base ? `${base}.${attr.text}` : undefined;
    }
    if (expr.type === 'parenthesized_expression') {
      const inner = expr.namedChild(0);
      return inner ? this.qualifiedName(inner) : undefined;
    }
    if (expr.type !== 'identifier') return undefined;
    const name = expr.text;
    const bindings = this.lookup(name, expr);
    if (bindings.length === 0) {
      if (this.starImports.length === 1 && !this.importedLocalNames.has(name)) return `${this.starImports[0]}.${name}`;
      return undefined;
    }
    let qualified: string | undefined;
    for (const b of bindings) {
      if (b.kind !== 'import' || !b.qualified) return undefined;
      if (qualified !== undefined && qualified !== b.qualified) return undefined;
      qualified = b.qualified;
    }
    return qualified;
  }

  /** Whether any import in the file comes from one of these top-level packages. */
  importsAny(packages: readonly string[]): boolean {
    return packages.some((p) => this.importedPackages.has(p));
  }

  // ---- calls --------------------------------------------------------------------------------

  callSite(node: Node): CallSite {
    let site = this.callSites.get(node.id);
    if (!site) {
      site = new CallSite(node, this);
      this.callSites.set(node.id, site);
    }
    return site;
  }

  /** Every call in the file, in document order. */
  allCalls(): CallSite[] {
    return this.callNodes.map((n) => this.callSite(n));
  }

  /** Calls whose callee is written with this last name: `fit` finds `model.fit(...)` and `fit(...)`. */
  callsNamed(name: string): CallSite[] {
    return (this.callsByMethod.get(name) ?? []).map((n) => this.callSite(n));
  }

  /** Calls whose callee resolves to one of these qualified names. */
  callsTo(qualifiedNames: Iterable<string>): CallSite[] {
    const wanted = new Set(qualifiedNames);
    const lastNames = new Set([...wanted].map((q) => q.slice(q.lastIndexOf('.') + 1)));
    // `from m import f as g` calls it as `g(...)`.
    for (const b of this.imports) if (b.qualified && wanted.has(b.qualified)) lastNames.add(b.name);
    const out: CallSite[] = [];
    for (const last of lastNames) {
      for (const node of this.callsByMethod.get(last) ?? []) {
        const site = this.callSite(node);
        const q = site.qualifiedName;
        if (q && wanted.has(q)) out.push(site);
      }
    }
    return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** Functions defined in this file with this name (any nesting level). */
  functionsNamed(name: string): Node[] {
    return this.functionsByName.get(name) ?? [];
  }

  classesNamed(name: string): Node[] {
    return this.classesByName.get(name) ?? [];
  }

  /** Calls in this file that call the given function definition (by name, or as `self.method`). */
  callersOf(fn: Node): CallSite[] {
    const name = fn.childForFieldName('name')?.text;
    if (!name) return [];
    const inClass = this.enclosingClass(fn);
    const out: CallSite[] = [];
    for (const node of this.callsByMethod.get(name) ?? []) {
      const site = this.callSite(node);
      if (site.callee.type === 'identifier') {
        const bindings = this.lookup(name, site.callee);
        if (bindings.some((b) => b.node.id === fn.id)) out.push(site);
      } else if (inClass) {
        const receiver = site.receiver;
        if (receiver && receiver.type === 'identifier' && (receiver.text === 'self' || receiver.text === 'cls')) out.push(site);
      }
    }
    return out;
  }

  // ---- structure ----------------------------------------------------------------------------

  *ancestors(node: Node): Generator<Node> {
    this.checkDeadline();
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

  /**
   * Whether a node runs inside a context that the predicate accepts: a `with` item or a decorator
   * around it, or, inside a function, around any call of that function from this file.
   * The predicate gets the context expression (the `with` item's value or the decorator).
   */
  inContext(node: Node, accept: (contextExpression: Node) => boolean, visited = new Set<number>()): boolean {
    let child = node;
    for (const a of this.ancestors(node)) {
      if (a.type === 'with_statement') {
        const body = a.childForFieldName('body');
        if (body && body.id === child.id) {
          for (const item of withItems(a)) if (accept(item.value)) return true;
        }
      } else if (a.type === 'function_definition') {
        if (this.decoratorsOf(a).some(accept)) return true;
        if (visited.has(a.id)) return false;
        visited.add(a.id);
        return this.callersOf(a).some((caller) => this.inContext(caller.node, accept, visited));
      }
      child = a;
    }
    return false;
  }

  /** The call that produced a variable's value, following simple assignments and same-file function returns. */
  originCall(expr: Node, depth = 0): CallSite | undefined {
    if (depth > 8) return undefined;
    if (expr.type === 'call') {
      const site = this.callSite(expr);
      if (site.callee.type === 'identifier' && !site.qualifiedName) {
        const fn = this.lookup(site.callee.text, site.callee).find((b) => b.kind === 'def');
        if (fn) {
          for (const ret of fn.node.descendantsOfType('return_statement')) {
            const value = ret?.namedChild(0);
            if (value && this.enclosingFunction(ret!)?.id === fn.node.id) {
              const origin = this.originCall(value, depth + 1);
              if (origin) return origin;
            }
          }
        }
      }
      return site;
    }
    if (expr.type === 'parenthesized_expression') {
      const inner = expr.namedChild(0);
      return inner ? this.originCall(inner, depth + 1) : undefined;
    }
    if (expr.type !== 'identifier') return undefined;
    const bindings = this.lookup(expr.text, expr).filter((b) => b.kind === 'assign' && b.value);
    // The last assignment before the use, else the last one in the scope.
    const before = bindings.filter((b) => b.node.startIndex < expr.startIndex);
    const chosen = (before.length ? before : bindings).at(-1);
    return chosen?.value ? this.originCall(chosen.value, depth + 1) : undefined;
  }

  /** Qualified names of the bases of a class defined in this file, following local base classes. */
  classBases(cls: Node, depth = 0): string[] {
    if (depth > 8) return [];
    const out: string[] = [];
    const supers = cls.childForFieldName('superclasses');
    for (const base of supers?.namedChildren ?? []) {
      if (!base || base.type === 'keyword_argument') continue;
      const q = this.qualifiedName(base);
      if (q) out.push(q);
      else if (base.type === 'identifier') {
        for (const local of this.classesNamed(base.text)) out.push(...this.classBases(local, depth + 1));
      }
    }
    return out;
  }

  // ---- values -------------------------------------------------------------------------------

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
    const bindings = this.lookup(expr.text, expr);
    if (bindings.length !== 1) return { kind: 'unknown', node: expr };
    const b = bindings[0];
    if (b.kind !== 'assign' || !b.value) return { kind: 'unknown', node: expr };
    // Mutated containers (`grid["x"] = …`, `grid.update(…)`) are not constant: stay unknown.
    if (this.isMutated(expr.text, b)) return { kind: 'unknown', node: expr };
    return this.evaluate(b.value);
  }

  private isMutated(name: string, binding: Binding): boolean {
    const scope = this.scopeOf(binding.node);
    for (const method of ['append', 'extend', 'update', 'insert', 'setdefault', 'pop', 'add']) {
      for (const node of this.callsByMethod.get(method) ?? []) {
        const receiver = this.callSite(node).receiver;
        if (receiver && receiver.type === 'identifier' && receiver.text === name && this.scopeOf(node).id === scope.id) return true;
      }
    }
    // A subscript assignment anywhere inside the scope (nested functions included).
    const targets = this.subscriptTargets.get(name);
    if (targets) {
      const start = scope.startIndex;
      const end = scope.endIndex;
      if (targets.some((at) => at >= start && at < end)) return true;
    }
    return false;
  }

  private evaluateCall(expr: Node): Value {
    const site = this.callSite(expr);
    const q = site.qualifiedName;
    const callee = site.callee;
    const builtin = callee.type === 'identifier' && this.lookup(callee.text, callee).length === 0 ? callee.text : undefined;
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
        const inner = value.namedChild(0);
        const target = value.childForFieldName('alias') ?? value.namedChild(1);
        const alias = target?.type === 'as_pattern_target' ? (target.namedChild(0) ?? undefined) : (target ?? undefined);
        if (inner) out.push({ value: inner, alias });
      } else {
        out.push({ value });
      }
    }
  }
  return out;
}

function parameterName(p: Node): string | undefined {
  switch (p.type) {
    case 'identifier':
      return p.text;
    case 'typed_parameter':
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern': {
      const first = p.namedChild(0);
      if (!first) return undefined;
      return first.type === 'identifier' ? first.text : parameterName(first);
    }
    case 'default_parameter':
    case 'typed_default_parameter':
      return p.childForFieldName('name')?.text;
    default:
      return undefined;
  }
}

/** `a . b . c` → "a.b.c", from the identifiers of a dotted_name. */
function dottedName(node: Node): string {
  if (node.type !== 'dotted_name') return node.text;
  return node.namedChildren.filter((c) => c && c.type === 'identifier').map((c) => c!.text).join('.');
}
