// Semantic model of one Python module: bindings per scope (imports, assignments, definitions,
// parameters), qualified names through imports and aliases, call sites with their arguments,
// literal evaluation, enclosing loops / with-blocks / functions, and calls to same-file functions.
import type { Node, Tree } from './parser';
import { pythonQuery, readyTree } from './parser';
import type { Position } from './types';
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

export interface SemanticModelOptions {
  /** The text the tree was parsed from (default: the root node's text). */
  text?: string;
  /** Kept across the models of one segmented document (see BindingCandidates). */
  bindingCandidates?: BindingCandidates;
  /** Where each tree's segment starts in the text (default: read from each tree's included range). */
  segmentStarts?: number[];
}

/**
 * Which segment trees may bind each name, kept across the models of one segmented document: a
 * module-level lookup then reads those segments only. A superset: every name spelled where the
 * tokens around it allow a binding, and every name of a segment that has errors.
 */
export class BindingCandidates {
  // Keyed by slot, not by tree: when an edit reparses one segment, its slot takes the new tree and
  // only the names that differ are re-indexed (most keystrokes change none).
  private readonly byName = new Map<string, Set<CandidateSlot>>();
  private readonly slots = new Map<Tree, CandidateSlot>();
  /** The slots whose imports bind a local name, or a qualified name; package counts; slots with a star import. */
  private readonly importsByName = new Map<string, Set<CandidateSlot>>();
  private readonly importsByQualified = new Map<string, Set<CandidateSlot>>();
  private readonly packageCounts = new Map<string, number>();
  readonly packages = new Set<string>();
  readonly starSlots = new Set<CandidateSlot>();
  /**
   * What each name resolves to at module level (SemanticModel.moduleResolution), kept across models
   * until an edit changes a statement that binds the name (see forgetResolutions).
   */
  readonly resolutions = new Map<string, ModuleResolution>();

  /**
   * Drops the kept resolutions an edit can have changed, from what its changed statements spell and
   * bind (DocumentChanges.words): `=name` for a module-level binding made or removed; every one when
   * an import changed (`<imports>`: its names may be bound in any scope, and star imports with it) or
   * when the words are not known (the document was parsed again whole).
   */
  forgetResolutions(words: ReadonlySet<string> | undefined): void {
    if (this.resolutions.size === 0) return;
    if (!words || words.has('<imports>') || words.has('<star>')) {
      this.resolutions.clear();
      return;
    }
    for (const w of words) if (w.charCodeAt(0) === 61 /* = */) this.resolutions.delete(w.slice(1));
  }

  /** Makes the index hold exactly the model's trees (each new one read once). */
  update(trees: readonly Tree[], namesOf: (i: number) => string[], importsOf: (i: number) => KeptImports, hasErrors: (i: number) => boolean): void {
    const current = new Set(trees);
    const gone: CandidateSlot[] = [];
    for (const [tree, slot] of this.slots) if (!current.has(tree)) gone.push(slot);
    const fresh: number[] = [];
    trees.forEach((tree, i) => {
      if (!this.slots.has(tree)) fresh.push(i);
    });
    if (gone.length === 1 && fresh.length === 1) {
      const slot = gone[0];
      const i = fresh[0];
      const names = new Set(namesOf(i));
      for (const n of slot.names) if (!names.has(n)) this.byName.get(n)?.delete(slot);
      for (const n of names) if (!slot.names.has(n)) addTo(this.byName, n, slot);
      // A tree with errors may bind any name it spells (see bindingNamesOf), which the edit's words
      // do not tell: the kept resolutions of every name either tree may bind go.
      const errors = hasErrors(i);
      if ((errors || slot.errors) && this.resolutions.size) {
        for (const n of slot.names) this.resolutions.delete(n);
        for (const n of names) this.resolutions.delete(n);
      }
      slot.errors = errors;
      this.removeImports(slot);
      slot.imports = importsOf(i);
      this.addImports(slot);
      this.slots.delete(slot.tree);
      slot.tree = trees[i];
      slot.names = names;
      this.slots.set(slot.tree, slot);
      return;
    }
    if (gone.length || fresh.length) this.resolutions.clear();
    for (const slot of gone) {
      for (const n of slot.names) this.byName.get(n)?.delete(slot);
      this.removeImports(slot);
      this.slots.delete(slot.tree);
    }
    for (const i of fresh) {
      const slot: CandidateSlot = { tree: trees[i], names: new Set(namesOf(i)), imports: importsOf(i), errors: hasErrors(i) };
      this.slots.set(slot.tree, slot);
      for (const n of slot.names) addTo(this.byName, n, slot);
      this.addImports(slot);
    }
  }

  private addImports(slot: CandidateSlot): void {
    const imports = slot.imports;
    for (const n of imports.byName.keys()) addTo(this.importsByName, n, slot);
    for (const q of imports.byQualified.keys()) addTo(this.importsByQualified, q, slot);
    for (const p of imports.packages) {
      this.packageCounts.set(p, (this.packageCounts.get(p) ?? 0) + 1);
      this.packages.add(p);
    }
    if (imports.starModules.length) this.starSlots.add(slot);
  }

  private removeImports(slot: CandidateSlot): void {
    const imports = slot.imports;
    for (const n of imports.byName.keys()) this.importsByName.get(n)?.delete(slot);
    for (const q of imports.byQualified.keys()) this.importsByQualified.get(q)?.delete(slot);
    for (const p of imports.packages) {
      const n = (this.packageCounts.get(p) ?? 1) - 1;
      this.packageCounts.set(p, n);
      if (n <= 0) this.packages.delete(p);
    }
    this.starSlots.delete(slot);
  }

  treesFor(name: string): ReadonlySet<CandidateSlot> | undefined {
    return this.byName.get(name);
  }

  treesImporting(name: string): ReadonlySet<CandidateSlot> | undefined {
    return this.importsByName.get(name);
  }

  treesImportingQualified(qualified: string): ReadonlySet<CandidateSlot> | undefined {
    return this.importsByQualified.get(qualified);
  }
}

/**
 * What a name resolves to at module level: nothing bound there (with the star imports and whether
 * any import, in any scope, binds the name), imports only (their one qualified name, undefined when
 * they differ), or something else.
 */
interface ModuleResolution {
  bound: 'none' | 'imports' | 'other';
  qualified: string | undefined;
  /** Whether a def or class binds it at module level (the `k=` summary). */
  definition: boolean;
  stars: readonly string[];
  importedSomewhere: boolean;
  /** resolutionSummary's text. */
  summary: string;
}

/** One segment's entry in BindingCandidates: its current tree and what that tree may bind and imports. */
interface CandidateSlot {
  tree: Tree;
  names: Set<string>;
  imports: KeptImports;
  /** Whether the tree has syntax errors. */
  errors: boolean;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** What the file's import statements bind and name. */
interface ImportIndex {
  /** Every import binding, in document order. */
  bindings: Binding[];
  packages: Set<string>;
  starModules: string[];
  localNames: Set<string>;
  byName: Map<string, Binding[]>;
  /** Where each binding's import statement starts. */
  starts: Map<Binding, number>;
}

/** A node kept as offsets from its segment's start and its type. */
interface KeptSpan {
  start: number;
  end: number;
  type: string;
}

/** A binding kept with a segment's tree (see SemanticModel.segmentBindings); no scope is the module. */
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

/** A segment's imports as plain data, offsets from the segment's start (see SemanticModel.segmentImports). */
interface KeptImports {
  bindings: Array<{ name: string; qualified?: string; start: number; end: number; type: string; scope?: KeptSpan }>;
  packages: string[];
  starModules: string[];
  /** Indexes into `bindings` by local name and by qualified name. */
  byName: Map<string, number[]>;
  byQualified: Map<string, number[]>;
}

/** What the imports bind (see SemanticModel.importView). */
interface ImportView {
  packages(): ReadonlySet<string>;
  stars(): readonly string[];
  /** Every import binding, in document order. */
  all(): readonly Binding[];
  /** The import bindings of a local name, in document order. */
  named(name: string): readonly Binding[];
  qualified(qualified: string): readonly Binding[];
  /** The local names of the import bindings of a qualified name, each once (no bindings made). */
  namesOf(qualified: string): readonly string[];
  /** Where a binding's import statement starts. */
  startOf(binding: Binding): number;
  /** A number that sorts bindings in document order (statement, then place within it). */
  orderOf(binding: Binding): number;
  /** A binding's scope key (see scopeKey). */
  scopeOf(binding: Binding): string;
}

const IMPORT_STATEMENTS = new Set(['import_statement', 'import_from_statement']);
const FUNCTION_DEFINITION = new Set(['function_definition']);
const CLASS_DEFINITION = new Set(['class_definition']);
const LAMBDA = new Set(['lambda']);
const FOR_STATEMENT = new Set(['for_statement']);
const WHILE_STATEMENT = new Set(['while_statement']);
const WITH_STATEMENT = new Set(['with_statement']);
const PARAMETER_WRAPPERS = new Set(['typed_parameter', 'default_parameter', 'typed_default_parameter', 'list_splat_pattern', 'dictionary_splat_pattern']);
/** Above this many top-level statements, parents are found from the node's top-level statement down (see parentOf). */
const FLAT_MODULE_STATEMENTS = 256;

/** Dependency tokens recorded by withinRange(…, recordAnchors): a name looked for among the anchors, and an enumeration of them by node type. */
export const ANCHOR_TOKEN_PREFIX = 'anchor:';
export const STRUCTURAL_ANCHORS = '<anchors>';
/** Joins the words of a dependency on all of them together (SemanticModel.readingAll). */
export const ALL_WORDS = '&';
/** Last names of the numpy calls evaluateCall reads (`numpy.linspace`, …). */
const NUMPY_RANGES = new Set(['linspace', 'logspace', 'geomspace', 'arange']);
const MUTATING_METHODS = new Set(['append', 'extend', 'update', 'insert', 'setdefault', 'pop', 'add']);
/** Nodes an assignment, `for` or `with` target never reaches up through. */
const STATEMENT_BOUNDARIES = new Set([
  'expression_statement', 'return_statement', 'delete_statement', 'raise_statement', 'assert_statement', 'global_statement', 'nonlocal_statement',
  'if_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement', 'function_definition', 'class_definition',
  'decorated_definition', 'lambda', 'call', 'argument_list', 'keyword_argument', 'with_clause', 'with_item', 'except_clause',
  'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'print_statement', 'exec_statement',
]);

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
    // Remembered by the model, which replays what resolving it read (see SemanticModel.remember).
    this.qualifiedCache = this.model.remember(`qualified ${this.node.id}`, () => this.model.qualifiedName(this.callee) ?? null);
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

/** Per-segment values of file-wide facts, kept across edits (implemented by IncrementalAnalysis). */
export interface SegmentFacts {
  some(key: string, test: (model: SemanticModel) => boolean): boolean;
  collect(key: string, find: (model: SemanticModel) => Node[]): Node[];
}

export class SemanticModel {
  /** The trees of the module: one, or one per segment of a long document, in document order. */
  readonly trees: readonly Tree[];
  /** The module node (of the first segment): what scopeOf answers for module-level nodes. */
  readonly root: Node;
  /** Each segment's module node, made when first asked for (see rootAt). */
  private readonly roots: Array<Node | undefined>;
  /** Where each tree's segment starts in the text. */
  private readonly starts: number[];
  /**
   * When set, the words and keywords whose places in the file the model's answers were drawn from
   * are added here (see IncrementalAnalysis): an answer can change only when a statement that
   * spells one of them changes. Whole-file reads add "*", reads of the imports block "<head>".
   */
  dependencies: Set<string> | undefined;
  private quiet = 0;
  /** Set by withinRange: reads of the anchors are recorded as dependencies too (even when quiet). */
  private recordAnchors = false;
  /**
   * When set, the anchor enumerations (anchorCallsNamed, anchorCallsTo, anchorLoops) keep only nodes
   * that start in these offset ranges: rules then examine only the segments being analysed again.
   */
  anchorRanges: ReadonlyArray<{ start: number; end: number }> | undefined;
  /** The text the tree was parsed from: where names and keywords are looked for before the tree is asked. */
  private readonly text: string;
  private importIndex: ImportIndex | undefined;
  private commentNodes: Node[] | undefined;
  private readonly statementsByKeyword = new Map<string, Node[]>();
  private readonly identifiersByName = new Map<string, Node[]>();
  /** Bindings of each name asked for, by scope key (see scopeKey). */
  private readonly bindingsByName = new Map<string, Map<string, Binding[]>>();
  private readonly callsByName = new Map<string, Node[]>();
  private readonly callSites = new Map<number, CallSite>();
  private allCallNodes: Node[] | undefined;
  /** Scope regions sorted by start offset (nested or disjoint), for scopeOf without parent walks. */
  private scopeRegions: ScopeRegion[] | undefined;
  /** Parents already asked for, by node id: a tree-sitter parent lookup walks down from the root. */
  private readonly parents = new Map<number, Node | null>();
  private evaluating = 0;
  /** When set (a performance.now() time), long-running queries throw AnalysisTimeout once it has passed. */
  deadline: number | undefined;
  private deadlineTicks = 0;

  // Nothing is collected up front: a whole-tree query costs a quarter of the parse, and most of what
  // it would collect is never asked for. Each index is built on first use from the places where the
  // text spells the name or keyword it is about, each place checked in the tree (a name inside a
  // string or a comment, or inside a longer name, is not an identifier node there).
  constructor(tree: Tree | readonly Tree[], options: SemanticModelOptions = {}) {
    this.trees = Array.isArray(tree) ? (tree as readonly Tree[]) : [tree as Tree];
    if (this.trees.length === 0) throw new Error('a semantic model needs at least one tree');
    // Each root node is made when first needed: most edits of a long document read a few segments.
    this.roots = new Array<Node | undefined>(this.trees.length);
    this.root = this.roots[0] = readyTree(this.trees[0]).rootNode;
    this.starts = options.segmentStarts ?? this.trees.map((t, i) => (i === 0 ? 0 : (readyTree(t).getIncludedRanges()[0]?.startIndex ?? t.rootNode.startIndex)));
    if (this.starts.length !== this.trees.length) throw new Error('segmentStarts must give one start per tree');
    if (options.text === undefined && this.trees.length > 1) throw new Error('a model of several segments needs the text');
    this.text = options.text ?? this.root.text;
    this.candidates = this.trees.length > 1 ? options.bindingCandidates : undefined;
  }

  /** The smallest node spanning [start, end), in whichever segment holds `start`. */
  nodeAt(start: number, end: number = start): Node | null {
    if (this.trees.length === 1) return this.root.descendantForIndex(start, end);
    let lo = 0;
    let hi = this.trees.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= start) lo = mid;
      else hi = mid - 1;
    }
    return this.rootAt(lo).descendantForIndex(start, end);
  }

  /**
   * Records that what was read lies in this node's top-level statement (its scopes, its statements):
   * `§start:end`, which IncrementalAnalysis keeps as a span (an edit touching it → read again).
   */
  readSegmentOf(node: Node): void {
    if (!this.dependencies || this.quiet !== 0 || this.trees.length === 1) return;
    const segment = this.segmentAt(node.startIndex);
    const statement = this.topLevelStatementHolding(node);
    // Outside any statement (the module node, a zero-width node between statements): the whole segment.
    const start = statement ? statement.startIndex : this.starts[segment];
    const end = statement ? statement.endIndex : this.segmentEnd(segment);
    this.dependencies.add(`§${start}:${end}`);
  }

  /** Calls named `name` (as callsNamed) inside a node, read from that node's text alone. */
  callsNamedWithin(name: string, node: Node): CallSite[] {
    this.readSegmentOf(node);
    const ids = this.quietly(() => this.identifiersAt(name, this.wordOffsetsWithin(name, [{ start: node.startIndex, end: node.endIndex }])));
    return this.callsAt(ids, name).map((n) => this.callSite(n));
  }

  /**
   * Records that what was made depends on the file's layout: its indentation unit (`<indent>`) or
   * its newline style (`<eol>`), which an edit anywhere can change (see IncrementalAnalysis).
   */
  readLayout(token: '<indent>' | '<eol>'): void {
    this.read(token);
  }

  /** With recordAnchors: the anchors were searched for `name` (undefined: enumerated by node type). */
  private readAnchors(name: string | undefined): void {
    if (this.recordAnchors && this.dependencies) this.dependencies.add(name === undefined ? STRUCTURAL_ANCHORS : `${ANCHOR_TOKEN_PREFIX}${name}`);
  }

  /** Adds a dependency (see `dependencies`). */
  private read(token: string): void {
    if (this.dependencies && this.quiet === 0) this.dependencies.add(token);
  }

  private readonly memos = new Map<string, { value: unknown; dependencies: Set<string> }>();

  /**
   * A value computed once per model under `key`. The dependencies read while computing it are added
   * again on every later use, so a caller that finds it remembered depends on the same things.
   */
  remember<T>(key: string, compute: () => T): T {
    const hit = this.memos.get(key);
    if (hit) {
      if (this.dependencies && this.quiet === 0) for (const d of hit.dependencies) this.dependencies.add(d);
      return hit.value as T;
    }
    const outer = this.dependencies;
    const quiet = this.quiet;
    const dependencies = new Set<string>();
    this.dependencies = dependencies;
    this.quiet = 0;
    let value: T;
    try {
      value = compute();
    } finally {
      this.dependencies = outer;
      this.quiet = quiet;
    }
    if (outer && quiet === 0) for (const d of dependencies) outer.add(d);
    this.memos.set(key, { value, dependencies });
    return value;
  }

  /**
   * Runs a lookup that finds its answer from where words are spelled, recording one dependency on
   * all of them together (`callbacks&append`, see ALL_WORDS) instead of one on each: when every call
   * it finds spells each word (`x.callbacks.append(…)`), only a changed statement spelling every one
   * can change the answer, and an edit to any other list's `.append(…)` leaves the record as it is.
   */
  readingAll<T>(words: readonly string[], lookup: () => T): T {
    this.read(words.join(ALL_WORDS));
    return this.quietly(lookup);
  }

  /** Runs `f` without recording dependencies: enumerations of anchors, structure within one statement. */
  private quietly<T>(f: () => T): T {
    this.quiet++;
    try {
      return f();
    } finally {
      this.quiet--;
    }
  }

  /**
   * When set (IncrementalAnalysis), file-wide facts are combined from per-segment values kept across
   * edits (see someSegment, collectSegments); otherwise they are computed over the whole file.
   */
  segmentFacts: SegmentFacts | undefined;

  /**
   * Whether `test` holds for some segment: `test` reads only the anchor enumerations (anchorCallsNamed,
   * anchorCalls, …) and must use nothing but the model it is given, because a kept segment's value is
   * computed again with a later model. `key` names the test (and any option it depends on).
   */
  someSegment(key: string, test: (model: SemanticModel) => boolean): boolean {
    this.read(`fact:${key}`);
    if (this.segmentFacts) return this.segmentFacts.some(key, test);
    return this.remember(`fact:${key}`, () => this.quietly(() => test(this)));
  }

  /** The nodes `find` finds in every segment, in document order (as someSegment, for nodes). */
  collectSegments(key: string, find: (model: SemanticModel) => Node[]): Node[] {
    this.read(`fact:${key}`);
    if (this.segmentFacts) return this.segmentFacts.collect(key, find);
    return this.remember(`fact:${key}`, () => this.quietly(() => find(this)));
  }

  /**
   * Runs `f` with the anchors set to one range and the dependencies recorded into `dependencies`
   * (a segment's value for someSegment or collectSegments), then restores both. With
   * `recordAnchors`, what is read of the anchors themselves is recorded too (ANCHOR_TOKEN_PREFIX +
   * each name looked for among them, STRUCTURAL_ANCHORS for an enumeration by node type): the
   * value can then be kept when an edit changes the range's own text without reaching those.
   */
  withinRange<T>(range: { start: number; end: number }, dependencies: Set<string>, f: () => T, recordAnchors = false): T {
    const saved = { anchors: this.anchorRanges, dependencies: this.dependencies, quiet: this.quiet, recordAnchors: this.recordAnchors };
    this.anchorRanges = [range];
    this.dependencies = dependencies;
    this.quiet = 0;
    this.recordAnchors = recordAnchors;
    try {
      return f();
    } finally {
      this.anchorRanges = saved.anchors;
      this.dependencies = saved.dependencies;
      this.quiet = saved.quiet;
      this.recordAnchors = saved.recordAnchors;
    }
  }

  /** The node spanning exactly `[start, end)` with this type (a node found again from a kept span). */
  nodeSpanning(start: number, end: number, type: string): Node | undefined {
    let node = this.nodeAt(start, end);
    while (node && node.startIndex === start && node.endIndex === end) {
      if (node.type === type) return node;
      node = node.parent;
    }
    return undefined;
  }

  /** Whether a node starts in the ranges being analysed (always, when no ranges are set). */
  isAnchor(node: Node): boolean {
    const ranges = this.anchorRanges;
    if (!ranges) return true;
    const at = node.startIndex;
    return ranges.some((r) => r.start <= at && at < r.end);
  }

  /** `callsNamed`, kept to the anchor ranges. */
  anchorCallsNamed(name: string): CallSite[] {
    return this.anchorCallNodesNamed(name).map((n) => this.callSite(n));
  }

  /**
   * The call nodes named `name` among the anchors: the file's list filtered when it is known, else
   * found from where the anchor ranges spell the name (a segment analysed alone reads only itself).
   */
  private anchorCallNodesNamed(name: string): Node[] {
    this.readAnchors(name);
    const ranges = this.anchorRanges;
    const known = this.callsByName.get(name);
    if (!ranges || known) return (known ?? this.quietly(() => this.callNodesNamed(name))).filter((n) => this.isAnchor(n));
    return this.callsAt(this.identifiersAt(name, this.wordOffsetsWithin(name, ranges)), name);
  }

  /** `callsTo`, kept to the anchor ranges. */
  anchorCallsTo(qualifiedNames: Iterable<string>): CallSite[] {
    return this.callsTo(qualifiedNames, true);
  }

  /** Every call in the anchor ranges (the whole file when none are set), in document order. */
  anchorCalls(): CallSite[] {
    return this.anchorDescendants('call').map((n) => this.callSite(n));
  }

  /** Nodes of a type in the anchor ranges (the whole file when none are set), in document order. */
  anchorDescendants(type: string): Node[] {
    this.readAnchors(undefined);
    const ranges = this.anchorRanges;
    if (!ranges) return this.quietly(() => (type === 'call' ? this.allCalls().map((c) => c.node) : this.descendantsOfType(type)));
    const out: Node[] = [];
    for (const r of ranges) {
      for (let i = 0; i < this.trees.length; i++) {
        const segmentEnd = i + 1 < this.starts.length ? this.starts[i + 1] : Infinity;
        if (this.starts[i] >= r.end || segmentEnd <= r.start) continue;
        for (const n of this.rootAt(i).descendantsOfType(type)) if (n && n.startIndex >= r.start && n.startIndex < r.end) out.push(n);
      }
    }
    return out.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /** `identifiers`, kept to the anchor ranges. */
  anchorIdentifiers(name: string): Node[] {
    this.readAnchors(name);
    const ranges = this.anchorRanges;
    const known = this.identifiersByName.get(name);
    if (!ranges || known) return (known ?? this.quietly(() => this.identifiers(name))).filter((n) => this.isAnchor(n));
    return this.identifiersAt(name, this.wordOffsetsWithin(name, ranges));
  }

  /** `statementsAfter`, kept to the anchor ranges. */
  private anchorStatements(keyword: string, types: ReadonlySet<string>): Node[] {
    const ranges = this.anchorRanges;
    const known = this.statementsByKeyword.get(statementsKey(keyword, types));
    if (!ranges || known) return (known ?? this.quietly(() => this.statementsAfter(keyword, types))).filter((n) => this.isAnchor(n));
    return this.statementsAt(keyword, types, this.wordOffsetsWithin(keyword, ranges));
  }

  /** `with` statements in the anchor ranges. */
  get anchorWithStatements(): readonly Node[] {
    return this.anchorStatements('with', WITH_STATEMENT);
  }

  /** Function definitions (nested ones included) in the anchor ranges. */
  get anchorFunctionDefinitions(): readonly Node[] {
    return this.anchorStatements('def', FUNCTION_DEFINITION);
  }

  /** Class definitions in the anchor ranges. */
  get anchorClasses(): readonly Node[] {
    return this.anchorStatements('class', CLASS_DEFINITION);
  }

  /** `loops`, kept to the anchor ranges. */
  get anchorLoops(): readonly Node[] {
    return [...this.anchorStatements('for', FOR_STATEMENT), ...this.anchorStatements('while', WHILE_STATEMENT)];
  }

  /** The top-level statements in document order, across segments, read for the block of imports at the top. */
  *headStatements(): Generator<Node> {
    this.read('<head>');
    for (const root of this.allRoots()) for (const child of root.namedChildren) if (child) yield child;
  }

  /** Nodes of these types anywhere in the file (a whole-tree walk: for rare paths only). */
  descendantsOfType(types: string | string[]): Node[] {
    this.read('*');
    return this.allRoots().flatMap((r) => r.descendantsOfType(types).filter((n): n is Node => n !== null));
  }

  /** Top-level package names imported anywhere in the file (`torch`, `sklearn`, …). */
  get importedPackages(): ReadonlySet<string> {
    this.read('<imports>');
    return this.importView().packages();
  }

  /** Every import binding, in document order. */
  get imports(): readonly Binding[] {
    this.read('<imports>');
    return this.importView().all();
  }

  /**
   * The import bindings of these qualified names, in document order: a narrower read than `imports`
   * (an edit to an import changes it only when that import binds one of them).
   */
  importsOf(qualifiedNames: Iterable<string>): Binding[] {
    const wanted = new Set(qualifiedNames);
    for (const q of wanted) this.read(`@${q}`);
    const view = this.importView();
    const out = [...wanted].flatMap((q) => view.qualified(q));
    return wanted.size > 1 ? out.sort((a, b) => view.orderOf(a) - view.orderOf(b)) : out;
  }

  /** The local names that imports bind to these qualified names (what `importsOf(...).map(b => b.name)` gives, without making the bindings). */
  importedNames(qualifiedNames: Iterable<string>): Set<string> {
    const view = this.importView();
    const names = new Set<string>();
    for (const q of qualifiedNames) {
      this.read(`@${q}`);
      for (const n of view.namesOf(q)) names.add(n);
    }
    return names;
  }

  /**
   * Records that the positions of the imports of these qualified names were read (where a fix goes
   * relative to an import): an edit touching such an import reaches the reader, even one that
   * changes no binding.
   */
  readImportPositions(qualifiedNames: Iterable<string>): void {
    for (const q of qualifiedNames) this.read(`<import-edit>${q}`);
  }

  /** Module names of `from X import *`. */
  get starImports(): readonly string[] {
    this.read('<star>');
    return this.importView().stars();
  }

  /** Every `with` statement, in document order. */
  get withStatements(): readonly Node[] {
    return this.statementsAfter('with', WITH_STATEMENT);
  }

  /** Every `for` statement in document order, then every `while` statement. */
  get loops(): readonly Node[] {
    return [...this.statementsAfter('for', FOR_STATEMENT), ...this.statementsAfter('while', WHILE_STATEMENT)];
  }

  /** Every `def`, in document order (nested ones included). */
  get functionDefinitions(): readonly Node[] {
    return this.statementsAfter('def', FUNCTION_DEFINITION);
  }

  /** Every `class`, in document order (nested ones included). */
  get classDefinitions(): readonly Node[] {
    return this.statementsAfter('class', CLASS_DEFINITION);
  }

  /** Every comment, in document order (code actions read them; a whole-tree query on first use). */
  get comments(): Node[] {
    this.read('*');
    return (this.commentNodes ??= this.allRoots().flatMap((r) => pythonQuery('(comment) @comment').captures(r).map((c) => c.node)));
  }

  /**
   * The comments that can be suppression directives: those that spell `noqa` or `greenml` in any
   * letter case (parseSuppressionComment reads nothing else), in document order.
   */
  /**
   * The comments that spell `noqa` or `greenml`, with their text and start (line, UTF-16 column), in
   * document order. A segmented document keeps each segment's as offsets with its tree, placed by
   * `positionAt`; a whole tree gives its nodes' positions (the text's line starts may not be made).
   */
  suppressionComments(positionAt: (offset: number) => Position): Array<{ text: string; line: number; column: number }> {
    if (this.trees.length === 1) {
      return this.suppressionCommentsIn(0, this.text.length).map((n) => ({ text: n.text, line: n.startPosition.row, column: n.startPosition.column }));
    }
    const out: Array<{ text: string; line: number; column: number }> = [];
    for (let i = 0; i < this.trees.length; i++) {
      const base = this.starts[i];
      let kept = SEGMENT_SUPPRESSIONS.get(this.trees[i]);
      if (!kept) {
        kept = this.suppressionCommentsIn(base, this.segmentEnd(i)).map((n) => ({ start: n.startIndex - base, end: n.endIndex - base, type: n.type }));
        SEGMENT_SUPPRESSIONS.set(this.trees[i], kept);
      }
      for (const k of kept) {
        const at = positionAt(base + k.start);
        out.push({ text: this.text.slice(base + k.start, base + k.end), line: at.line, column: at.character });
      }
    }
    return out;
  }

  /** The comments in `[start, end)` that spell `noqa` or `greenml` (any letter case), in document order. */
  private suppressionCommentsIn(start: number, end: number): Node[] {
    const found = new Map<number, Node>();
    const pattern = /noqa|greenml/gi;
    pattern.lastIndex = start;
    for (let match = pattern.exec(this.text); match && match.index < end; match = pattern.exec(this.text)) {
      const node = this.nodeAt(match.index, match.index + match[0].length);
      if (node && node.type === 'comment') found.set(node.id, node);
    }
    return [...found.values()].sort((a, b) => a.startIndex - b.startIndex);
  }

  /** Throws AnalysisTimeout past the deadline; cheap enough for hot paths (reads the clock every 256 calls). */
  checkDeadline(): void {
    if (this.deadline === undefined || (++this.deadlineTicks & 255) !== 0) return;
    if (performance.now() > this.deadline) throw new AnalysisTimeout();
  }

  // ---- where the text spells things ---------------------------------------------------------

  /**
   * Whether the tokens around a name tell its role (see mayBindBefore and callNodesNamed): true in a
   * text that parses without errors. Error recovery can build a call or an assignment around stray
   * tokens (`data ]: (…)` read as a call of `data`), so in a broken text every place is asked in the tree.
   */
  private tokensTellAt(offset: number): boolean {
    if (this.trees.length === 1) return (this.parsesCleanly ??= !this.root.hasError);
    // A segment is parsed alone: its own errors are what can mislead the tokens there.
    const i = this.segmentAt(offset);
    let clean = this.segmentsClean[i];
    if (clean === undefined) clean = this.segmentsClean[i] = !this.rootAt(i).hasError;
    return clean;
  }

  private parsesCleanly: boolean | undefined;
  private readonly segmentsClean: Array<boolean | undefined> = [];

  /** Every identifier node spelled `name`, in document order. */
  identifiers(name: string): readonly Node[] {
    this.read(name);
    let found = this.identifiersByName.get(name);
    if (!found) {
      found = this.identifiersAt(name, this.wordOffsets(name));
      this.identifiersByName.set(name, found);
    }
    return found;
  }

  /** The identifier nodes at these offsets where `name` is spelled. */
  private identifiersAt(name: string, offsets: Iterable<number>): Node[] {
    const found: Node[] = [];
    for (const at of offsets) {
      const node = this.nodeAt(at, at + name.length);
      if (node && node.type === 'identifier' && node.startIndex === at && node.endIndex === at + name.length) found.push(node);
    }
    return found;
  }

  /**
   * Offsets where `word` is spelled as a whole word (see wordOffsets). The first few words are looked
   * for one by one; once a rule has asked for more, one pass over the text indexes every word, so a
   * long file is not read again for each name.
   */
  private wordOffsets(word: string): Iterable<number> {
    // A segmented document: each segment's words are indexed once, kept with its tree across edits.
    if (this.trees.length > 1 && !NON_ASCII.test(word)) return this.segmentWordOffsets(word);
    if (this.words) return NON_ASCII.test(word) ? wordOffsets(this.text, word) : (this.words.get(word) ?? []);
    if (++this.wordsAsked > WORDS_BEFORE_INDEX) this.words = indexWords(this.text);
    return wordOffsets(this.text, word);
  }

  private words: Map<string, number[]> | undefined;
  private wordsAsked = 0;

  /** `wordOffsets` within some ranges. */
  private wordOffsetsWithin(word: string, ranges: ReadonlyArray<{ start: number; end: number }>): number[] {
    const inRanges = (at: number) => ranges.some((r) => r.start <= at && at < r.end);
    if (this.trees.length > 1 && !NON_ASCII.test(word)) return this.segmentWordOffsets(word, ranges);
    return [...this.wordOffsets(word)].filter(inRanges);
  }

  /** Where the segments (those that meet `ranges`, all when absent) spell `word`, from their kept word indexes. */
  private segmentWordOffsets(word: string, ranges?: ReadonlyArray<{ start: number; end: number }>): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.trees.length; i++) {
      const start = this.starts[i];
      const end = this.segmentEnd(i);
      if (ranges && !ranges.some((r) => r.start < end && start < r.end)) continue;
      const relative = this.segmentWords(i).get(word);
      if (!relative) continue;
      for (const r of relative) {
        const at = start + r;
        if (!ranges || ranges.some((g) => g.start <= at && at < g.end)) out.push(at);
      }
    }
    return out;
  }

  /** A segment's words with their offsets from the segment's start, indexed once per tree. */
  private segmentWords(i: number): Map<string, number[]> {
    const tree = this.trees[i];
    let words = SEGMENT_WORDS.get(tree);
    if (!words) {
      words = indexWords(this.text.slice(this.starts[i], this.segmentEnd(i)));
      SEGMENT_WORDS.set(tree, words);
    }
    return words;
  }

  /** Where segment `i` ends (where the next starts, or the end of the text). */
  private segmentEnd(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] : this.text.length;
  }

  /** The index of the segment holding an offset. */
  private segmentAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The statements (nodes of `types`) whose own keyword token is `keyword`, in document order. */
  private statementsAfter(keyword: string, types: ReadonlySet<string>): Node[] {
    this.read(keyword);
    const key = statementsKey(keyword, types);
    let found = this.statementsByKeyword.get(key);
    if (!found) {
      found = this.statementsAt(keyword, types, this.wordOffsets(keyword));
      this.statementsByKeyword.set(key, found);
    }
    return found;
  }

  /** The statements of `types` whose keyword token stands at one of these offsets. */
  private statementsAt(keyword: string, types: ReadonlySet<string>, offsets: Iterable<number>): Node[] {
    const found: Node[] = [];
    for (const at of offsets) {
      this.checkDeadline();
      const token = this.nodeAt(at, at + keyword.length);
      if (!token || token.type !== keyword || token.startIndex !== at || token.endIndex !== at + keyword.length) continue;
      const statement = this.parentOf(token);
      if (statement && types.has(statement.type)) found.push(statement);
    }
    return found;
  }

  // ---- construction of the indexes ----------------------------------------------------------

  // What the imports bind changes only with an import statement; each reader records what it read of
  // them: `<imports>` for all, `@qualified` for the bindings of a name, `+package`, `<star>`
  // (DocumentChanges reports the ones an edit changed).
  private importsIndexed(): ImportIndex {
    if (!this.importIndex) this.quietly(() => this.indexImports());
    return this.importIndex!;
  }

  /** What the imports bind, read from one index (a single tree) or from each segment's kept imports. */
  private importView(): ImportView {
    if (this.imported) return this.imported;
    if (this.trees.length === 1) {
      const index = this.importsIndexed();
      const byQualified = new Map<string, Binding[]>();
      let order: Map<Binding, number> | undefined;
      for (const b of index.bindings) {
        if (b.qualified === undefined) continue;
        const list = byQualified.get(b.qualified);
        if (list) list.push(b);
        else byQualified.set(b.qualified, [b]);
      }
      this.imported = {
        packages: () => index.packages,
        stars: () => index.starModules,
        all: () => index.bindings,
        named: (name) => index.byName.get(name) ?? [],
        qualified: (q) => byQualified.get(q) ?? [],
        namesOf: (q) => [...new Set((byQualified.get(q) ?? []).map((b) => b.name))],
        startOf: (b) => index.starts.get(b)!,
        orderOf: (b) => (order ??= new Map(index.bindings.map((x, i) => [x, i]))).get(b)!,
        scopeOf: (b) => this.scopeKey(this.scopeAt(index.starts.get(b)!)),
      };
    } else this.imported = this.segmentedImportView();
    return this.imported;
  }

  private imported: ImportView | undefined;

  private indexImports(): void {
    const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [], localNames: new Set(), byName: new Map(), starts: new Map() };
    for (const statement of this.statementsAfter('import', IMPORT_STATEMENTS)) collectImport(statement, index);
    for (const b of index.bindings) {
      index.starts.set(b, b.node.startIndex);
      index.localNames.add(b.name);
      const list = index.byName.get(b.name);
      if (list) list.push(b);
      else index.byName.set(b.name, [b]);
    }
    // Kept only once complete: the statement search can stop at the deadline.
    this.importIndex = index;
  }

  /**
   * The imports of a segmented document: each segment's are read once and kept with its tree; a
   * binding is made only when asked for (by name or qualified name), and its statement node found
   * only when that is asked for.
   */
  private segmentedImportView(): ImportView {
    const candidates = this.keptCandidates();
    const keptAt: Array<KeptImports | undefined> = [];
    const keptOf = (i: number): KeptImports => (keptAt[i] ??= this.quietly(() => this.segmentImports(i)));
    const everySegment = this.trees.map((_, i) => i);
    const made = new Map<string, Binding>();
    const starts = new Map<Binding, number>();
    const orders = new Map<Binding, number>();
    const scopes = new Map<Binding, string>();
    const binding = (i: number, k: number): Binding => {
      const key = `${i}:${k}`;
      let b = made.get(key);
      if (!b) {
        const base = this.starts[i];
        const r = keptOf(i).bindings[k];
        b = this.keptImportBinding(r, base);
        made.set(key, b);
        starts.set(b, base + r.start);
        // Segment, then place within it: document order.
        orders.set(b, i * 65536 + k);
        scopes.set(b, r.scope ? `${base + r.scope.start}:${base + r.scope.end}:${r.scope.type}` : 'module');
      }
      return b;
    };
    // The segments to read: those the kept candidates name (every one without them).
    const read = (trees: ReadonlySet<{ tree: Tree }> | undefined, pick: (k: KeptImports) => number[] | undefined): Binding[] =>
      (candidates ? this.indexesOf(trees) : everySegment).flatMap((i) => (pick(keptOf(i)) ?? []).map((k) => binding(i, k)));
    let packages: Set<string> | undefined;
    const namesByQualified = new Map<string, string[]>();
    return {
      packages: () => (packages ??= new Set(candidates ? candidates.packages : everySegment.flatMap((i) => keptOf(i).packages))),
      stars: () => (candidates ? this.indexesOf(candidates.starSlots) : everySegment).flatMap((i) => keptOf(i).starModules),
      all: () => everySegment.flatMap((i) => keptOf(i).bindings.map((_, j) => binding(i, j))),
      named: (name) => read(candidates?.treesImporting(name), (k) => k.byName.get(name)),
      qualified: (q) => read(candidates?.treesImportingQualified(q), (k) => k.byQualified.get(q)),
      namesOf: (q) => {
        // Asked again by every rule that looks for calls of q: made once per model.
        let names = namesByQualified.get(q);
        if (!names) {
          const found = new Set<string>();
          for (const i of candidates ? this.indexesOf(candidates.treesImportingQualified(q)) : everySegment) {
            const kept = keptOf(i);
            for (const k of kept.byQualified.get(q) ?? []) found.add(kept.bindings[k].name);
          }
          names = [...found];
          namesByQualified.set(q, names);
        }
        return names;
      },
      startOf: (b) => starts.get(b)!,
      orderOf: (b) => orders.get(b)!,
      scopeOf: (b) => scopes.get(b)!,
    };
  }

  /** An import binding from a segment's kept imports; its statement node is found when first asked for. */
  private keptImportBinding(r: KeptImports['bindings'][number], segmentStart: number): Binding {
    const model = this;
    let node: Node | undefined;
    const start = segmentStart + r.start;
    const end = segmentStart + r.end;
    const binding: Binding = {
      name: r.name,
      kind: 'import',
      qualified: r.qualified,
      get node(): Node {
        return (node ??= model.nodeSpanning(start, end, r.type) ?? model.nodeAt(start, end)!);
      },
    };
    return binding;
  }

  /** A segment's imports, with statement offsets from the segment's start, read once per tree. */
  private segmentImports(i: number): KeptImports {
    const tree = this.trees[i];
    let kept = SEGMENT_IMPORTS.get(tree);
    if (!kept) {
      const start = this.starts[i];
      const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [], localNames: new Set(), byName: new Map(), starts: new Map() };
      const range = [{ start, end: this.segmentEnd(i) }];
      for (const statement of this.statementsAt('import', IMPORT_STATEMENTS, this.wordOffsetsWithin('import', range))) collectImport(statement, index);
      const bindings = index.bindings.map((b) => {
          const scope = this.scopeOf(b.node);
          return {
            name: b.name,
            qualified: b.qualified,
            start: b.node.startIndex - start,
            end: b.node.endIndex - start,
            type: b.node.type,
            scope: scope.id === this.root.id ? undefined : { start: scope.startIndex - start, end: scope.endIndex - start, type: scope.type },
          };
        });
      const byName = new Map<string, number[]>();
      const byQualified = new Map<string, number[]>();
      bindings.forEach((b, k) => {
        pushTo(byName, b.name, k);
        if (b.qualified !== undefined) pushTo(byQualified, b.qualified, k);
      });
      kept = { bindings, packages: [...index.packages], starModules: index.starModules, byName, byQualified };
      SEGMENT_IMPORTS.set(tree, kept);
    }
    return kept;
  }

  /**
   * Where each function, class and lambda scope holding `offset` could begin and end (see scopeOf):
   * those of the whole file, or, in a segmented document, of the offset's segment (a scope lies
   * within its top-level statement).
   */
  private regions(offset: number): ScopeRegion[] {
    // A node's scope lies within its own top-level statement: no dependency on the rest of the file.
    if (this.trees.length === 1) return (this.scopeRegions ??= this.quietly(() => this.collectRegions()));
    const i = this.segmentAt(offset);
    let regions = this.segmentRegions[i];
    if (!regions) {
      const range = [{ start: this.starts[i], end: this.segmentEnd(i) }];
      regions = this.segmentRegions[i] = this.quietly(() => this.collectRegions(range));
    }
    return regions;
  }

  private readonly segmentRegions: Array<ScopeRegion[] | undefined> = [];

  private collectRegions(ranges?: ReadonlyArray<{ start: number; end: number }>): ScopeRegion[] {
    const spans: Array<Omit<ScopeRegion, 'parent'>> = [];
    const statements = (keyword: string, types: ReadonlySet<string>) =>
      ranges ? this.statementsAt(keyword, types, this.wordOffsetsWithin(keyword, ranges)) : this.statementsAfter(keyword, types);
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

  /**
   * Bindings of a name by scope (see scopeKey), each scope's in document order: the imports of the
   * name, and every place the name is spelled that binds it (an assignment, `for` or `with … as`
   * target, a def or class name, a parameter).
   */
  private bindingsOf(name: string): Map<string, Binding[]> {
    let byScope = this.bindingsByName.get(name);
    if (!byScope) {
      const found = this.quietly(() => (this.trees.length === 1 ? this.collectBindings(name) : this.keptBindingsOf(name)));
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
  private bindingsIn(name: string, scope: Node): Binding[] | undefined {
    if (this.trees.length === 1) return this.bindingsOf(name).get(this.scopeKey(scope));
    const key = this.scopeKey(scope);
    const cacheKey = `${key} ${name}`;
    let found = this.scopeBindings.get(cacheKey);
    if (!found) {
      found = this.quietly(() => this.keptBindingsIn(name, key, key === 'module' ? undefined : this.segmentAt(scope.startIndex)));
      this.scopeBindings.set(cacheKey, found);
    }
    return found;
  }

  private readonly scopeBindings = new Map<string, Binding[]>();

  /** `bindingsIn` from the kept imports and bindings of every segment (`segment` undefined) or of one. */
  private keptBindingsIn(name: string, key: string, segment: number | undefined): Binding[] {
    const found: FoundBinding[] = [];
    const imports = this.importView();
    for (const b of imports.named(name)) {
      if (imports.scopeOf(b) !== key) continue;
      const at = imports.startOf(b);
      found.push({ scope: key, binding: b, at, order: at });
    }
    for (const i of segment !== undefined ? [segment] : this.segmentsBinding(name)) {
      const base = this.starts[i];
      for (const k of this.segmentBindings(i, name)) {
        if (key === 'module' ? k.scope !== undefined : !k.scope || `${base + k.scope.start}:${base + k.scope.end}:${k.scope.type}` !== key) continue;
        found.push({ scope: key, binding: this.keptBinding(name, k, base), at: base + k.at, order: base + k.node.start });
      }
    }
    found.sort((a, b) => a.order - b.order || a.at - b.at);
    return found.map((f) => f.binding);
  }

  /** A scope's key in bindingsOf: "module", or where its node lies (a scope found again in a later model has the same key). */
  private scopeKey(scope: Node): string {
    return scope.id === this.root.id ? 'module' : `${scope.startIndex}:${scope.endIndex}:${scope.type}`;
  }

  private collectBindings(name: string): FoundBinding[] {
    const found: FoundBinding[] = [];
    const imports = this.importView();
    for (const b of imports.named(name)) {
      const at = imports.startOf(b);
      found.push({ scope: imports.scopeOf(b), binding: b, at, order: at });
    }
    for (const at of this.wordOffsets(name)) {
      const bound = this.bindingSpelledAt(name, at);
      if (bound) found.push({ scope: this.scopeKey(bound.scope), binding: bound.binding, at, order: bound.binding.node.startIndex });
    }
    return found;
  }

  /** The binding the name spelled at `at` makes, if any (tokens first, then the tree). */
  private bindingSpelledAt(name: string, at: number): { scope: Node; binding: Binding } | undefined {
    if (this.tokensTellAt(at) && !mayBindBefore(this.text, at, at + name.length)) return undefined;
    const id = this.nodeAt(at, at + name.length);
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
    const imports = this.importView();
    for (const b of imports.named(name)) {
      const at = imports.startOf(b);
      found.push({ scope: imports.scopeOf(b), binding: b, at, order: at });
    }
    for (let i = 0; i < this.trees.length; i++) {
      const base = this.starts[i];
      for (const k of this.segmentBindings(i, name)) {
        const scope = k.scope ? `${base + k.scope.start}:${base + k.scope.end}:${k.scope.type}` : 'module';
        found.push({ scope, binding: this.keptBinding(name, k, base), at: base + k.at, order: base + k.node.start });
      }
    }
    return found;
  }

  /** The segments that may bind a name, in document order: all, or those the kept candidates name. */
  private segmentsBinding(name: string): number[] {
    const candidates = this.keptCandidates();
    if (!candidates || NON_ASCII.test(name)) return this.trees.map((_, i) => i);
    return this.indexesOf(candidates.treesFor(name));
  }

  /** The kept candidates, brought up to this model's trees on first use. */
  private keptCandidates(): BindingCandidates | undefined {
    if (this.candidates && !this.candidatesReady) {
      this.quietly(() =>
        this.candidates!.update(
          this.trees,
          (i) => this.bindingNamesOf(i),
          (i) => this.segmentImports(i),
          (i) => this.rootAt(i).hasError,
        ),
      );
      this.candidatesReady = true;
    }
    return this.candidates;
  }

  /** The indexes of these trees among the model's, in document order. */
  private indexesOf(slots: ReadonlySet<{ tree: Tree }> | undefined): number[] {
    if (!slots) return [];
    const indexes = (this.treeIndexes ??= new Map(this.trees.map((t, i) => [t, i])));
    const out: number[] = [];
    for (const slot of slots) {
      const i = indexes.get(slot.tree);
      if (i !== undefined) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }

  private readonly candidates: BindingCandidates | undefined;
  private candidatesReady = false;
  private treeIndexes: Map<Tree, number> | undefined;

  /** The names segment `i` may bind (see BindingCandidates). */
  private bindingNamesOf(i: number): string[] {
    const base = this.starts[i];
    const clean = !this.rootAt(i).hasError;
    const out: string[] = [];
    for (const [word, offsets] of this.segmentWords(i)) {
      if (!clean || offsets.some((r) => mayBindBefore(this.text, base + r, base + r + word.length))) out.push(word);
    }
    return out;
  }

  /** Segment `i`'s bindings of a name (imports aside), kept with its tree. */
  private segmentBindings(i: number, name: string): KeptBinding[] {
    const tree = this.trees[i];
    let byName = SEGMENT_BINDINGS.get(tree);
    if (!byName) SEGMENT_BINDINGS.set(tree, (byName = new Map()));
    let kept = byName.get(name);
    if (!kept) {
      const base = this.starts[i];
      const range = [{ start: base, end: this.segmentEnd(i) }];
      const span = (n: Node): KeptSpan => ({ start: n.startIndex - base, end: n.endIndex - base, type: n.type });
      kept = [];
      const offsets = NON_ASCII.test(name) ? this.wordOffsetsWithin(name, range) : (this.segmentWords(i).get(name) ?? []).map((r) => base + r);
      for (const at of offsets) {
        const bound = this.bindingSpelledAt(name, at);
        if (!bound) continue;
        const b = bound.binding;
        kept.push({
          kind: b.kind,
          at: at - base,
          node: span(b.node),
          value: b.value ? span(b.value) : undefined,
          scope: bound.scope.id === this.root.id ? undefined : span(bound.scope),
        });
      }
      byName.set(name, kept);
    }
    return kept;
  }

  /** A kept binding as a Binding of this model: its nodes are found when first asked for. */
  private keptBinding(name: string, k: KeptBinding, base: number): Binding {
    const model = this;
    const find = (s: KeptSpan): Node => model.nodeSpanning(base + s.start, base + s.end, s.type) ?? model.nodeAt(base + s.start, base + s.end)!;
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
    const name = id.text;
    const parent = this.parentOf(id);
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
          const direct = target.id === id.id;
          let value: Node | null = container.childForFieldName('right');
          // `a = b = value`: the right side is itself an assignment.
          while (value && value.type === 'assignment') value = value.childForFieldName('right');
          return { scope: this.scopeOf(container), binding: { name, kind: direct ? 'assign' : 'other', node: container, value: direct ? (value ?? undefined) : undefined } };
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
      container = this.parentOf(container);
    }
    return undefined;
  }

  /** The `with` statement whose item aliases `target` (an as_pattern, or the as_pattern_target, is `at`). */
  private withStatementAliasing(at: Node, target: Node): Node | undefined {
    const pattern = at.type === 'as_pattern' ? at : this.parentOf(at);
    if (!pattern || pattern.type !== 'as_pattern') return undefined;
    const item = this.parentOf(pattern);
    if (!item || item.type !== 'with_item' || !sameNode(item.childForFieldName('value'), pattern)) return undefined;
    const clause = this.parentOf(item);
    const statement = clause?.type === 'with_clause' ? this.parentOf(clause) : null;
    if (!statement || statement.type !== 'with_statement') return undefined;
    return sameNode(asPatternParts(pattern).alias, target) ? statement : undefined;
  }

  /** The parameter of a `def` that an identifier names, and the def. */
  private parameterOf(id: Node, parent: Node): { node: Node; def: Node } | undefined {
    let p: Node = id;
    let up: Node | null = parent;
    // A parameter is the identifier itself, or a typed / default / splat parameter around it.
    while (up && PARAMETER_WRAPPERS.has(up.type)) {
      p = up;
      up = this.parentOf(up);
    }
    if (!up || up.type !== 'parameters') return undefined;
    const def = this.parentOf(up);
    if (!def || def.type !== 'function_definition') return undefined;
    return sameNode(parameterNameNode(p), id) ? { node: p, def } : undefined;
  }

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
      // With few top-level statements tree-sitter's own walk (one call into wasm) is the cheaper one.
      if (this.topLevelCountOf(node) > FLAT_MODULE_STATEMENTS) this.rememberAncestry(node);
      parent = this.parents.get(node.id);
      if (parent === undefined) {
        parent = node.parent;
        // Every segment's module node stands for the one module.
        if (parent && parent.type === 'module' && this.trees.length > 1) parent = this.root;
        else if (!parent && this.trees.length > 1 && node.type === 'module' && node.id !== this.root.id) parent = null;
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
    if (this.trees.length === 1) return (this.topLevelCount ??= this.root.childCount);
    const i = this.segmentAt(node.startIndex);
    let count = this.topLevelCounts[i];
    if (count === undefined) count = this.topLevelCounts[i] = this.rootAt(i).childCount;
    return count;
  }

  private readonly topLevelCounts: Array<number | undefined> = [];
  private topLevelCount: number | undefined;

  /** Segment `i`'s module node. */
  private rootAt(i: number): Node {
    let root = this.roots[i];
    if (!root) root = this.roots[i] = readyTree(this.trees[i]).rootNode;
    return root;
  }

  /** Every segment's module node (for whole-file reads). */
  private allRoots(): Node[] {
    return this.trees.map((_, i) => this.rootAt(i));
  }

  /** Each segment's top-level statements (asked for one segment at a time). */
  private readonly topLevelNodes: Array<Node[] | undefined> = [];

  /** The top-level statement (of the node's segment) that holds a node, found by binary search. */
  private topLevelStatementHolding(node: Node): Node | undefined {
    const start = node.startIndex;
    const end = node.endIndex;
    const segment = this.segmentAt(start);
    const top = (this.topLevelNodes[segment] ??= this.rootAt(segment).children.filter((c): c is Node => c !== null));
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
    return found >= 0 ? top[found] : undefined;
  }

  private rememberAncestry(node: Node): void {
    if (node.type === 'module' && this.rootAt(this.segmentAt(node.startIndex)).id === node.id) {
      this.parents.set(node.id, null);
      return;
    }
    const top = this.topLevelStatementHolding(node);
    if (!top) return;
    let current = top;
    this.parents.set(current.id, this.root);
    while (current.id !== node.id) {
      const next = current.childWithDescendant(node);
      if (!next) return;
      this.parents.set(next.id, current);
      current = next;
    }
  }

  // ---- scopes and names ---------------------------------------------------------------------

  /**
   * The scope a node's names live in: the nearest enclosing function, class or lambda body, or the module.
   * Decorators, default values and the name itself belong to the outer scope. Nodes nest by offset, so
   * the innermost scope region holding the node's start is the answer.
   */
  scopeOf(node: Node): Node {
    return this.scopeAt(node.startIndex);
  }

  /** The scope of whatever starts at an offset (see scopeOf). */
  private scopeAt(at: number): Node {
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
    return found >= 0 ? regions[found].scope : this.root;
  }

  /** Bindings of a name visible from a node, from the innermost scope that binds it (Python's LEGB, minus builtins). */
  lookup(name: string, from: Node): Binding[] {
    return this.lookupRecording(name, from, '=');
  }

  /**
   * `lookup` for a reader that looks only for definitions (def or class bindings): when there are none,
   * what it depends on is only whether a module-level one appears (`k=name`, see summaryOf).
   */
  lookupDefinitions(name: string, from: Node): Binding[] {
    const found = this.quietly(() => this.lookupRecording(name, from, '='));
    this.lookupRecording(name, from, found.some((b) => b.kind === 'def' || b.kind === 'class') ? '=' : 'k=');
    return found;
  }

  /**
   * The bindings `lookup` gives that start inside one of these spans and that `accept` keeps. When
   * there are some, the answer depends only on the text of the spans (recorded as read, see
   * readSegmentOf); when there are none, on what `lookup` depends on (recorded so).
   */
  lookupWithin(name: string, from: Node, spans: ReadonlyArray<{ start: number; end: number }>, accept: (b: Binding) => boolean): Binding[] {
    const found = this.quietly(() => this.lookupRecording(name, from, '='));
    const inside = found.filter((b) => accept(b) && spans.some((s) => b.node.startIndex >= s.start && b.node.startIndex < s.end));
    if (inside.length === 0) {
      this.lookupRecording(name, from, '=');
      return [];
    }
    this.readSegmentOf(from);
    if (this.dependencies && this.quiet === 0 && this.trees.length > 1) {
      for (const s of spans) this.dependencies.add(`§${s.start}:${Math.max(s.end, ...inside.map((b) => b.node.endIndex))}`);
    }
    return inside;
  }

  /** Where the segment holding a node starts (0 in a document of one tree). */
  segmentStartOf(node: Node): number {
    return this.starts[this.segmentAt(node.startIndex)];
  }

  /**
   * `lookup`, recording what the answer depends on. The scopes searched are the node's own (within
   * its top-level statement) and the module's: the answer changes with the node's segment
   * (readSegmentOf) and, when the search reaches the module scope, with a statement binding the name
   * there: `=name`, or `q=name` for a reader of the qualified name alone (see resolutionSummary).
   */
  private lookupRecording(name: string, from: Node, moduleToken: '=' | 'q=' | 'k='): Binding[] {
    return this.innerLookup(name, from, moduleToken) ?? this.bindingsIn(name, this.root) ?? [];
  }

  /**
   * lookupRecording's search of the scopes inside the module: the innermost one's bindings, or
   * undefined when the search reaches the module scope (recorded with `moduleToken`).
   */
  private innerLookup(name: string, from: Node, moduleToken: '=' | 'q=' | 'k='): Binding[] | undefined {
    this.checkDeadline();
    this.readSegmentOf(from);
    let scope: Node | null = this.scopeOf(from);
    let first = true;
    while (scope) {
      if (scope.id === this.root.id) {
        this.read(`${moduleToken}${name}`);
        return undefined;
      }
      // A class body's names are not visible from the functions nested in it.
      if (first || scope.type !== 'class_definition') {
        const found = this.bindingsIn(name, scope);
        if (found && found.length) return found;
      }
      first = false;
      scope = this.scopeOf(scope);
    }
    return [];
  }

  /**
   * What a name resolves to at module level (see ModuleResolution). In a segmented document it is
   * kept across models (BindingCandidates.resolutions): most edits change no module-level binding.
   */
  private moduleResolution(name: string): ModuleResolution {
    const candidates = this.trees.length > 1 && !NON_ASCII.test(name) ? this.keptCandidates() : undefined;
    const kept = candidates?.resolutions ?? (this.resolutions ??= new Map());
    let resolution = kept.get(name);
    if (!resolution) {
      resolution = this.quietly(() => {
        const bindings = this.bindingsIn(name, this.root) ?? [];
        const imports = this.importView();
        if (bindings.length === 0) {
          const stars = imports.stars();
          const importedSomewhere = imports.named(name).length > 0;
          return { bound: 'none', qualified: undefined, definition: false, stars, importedSomewhere, summary: `none ${stars.length === 1 && !importedSomewhere ? stars[0] : ''}` } as const;
        }
        const definition = bindings.some((b) => b.kind === 'def' || b.kind === 'class');
        if (bindings.some((b) => b.kind !== 'import' || !b.qualified)) return { bound: 'other', qualified: undefined, definition, stars: [], importedSomewhere: true, summary: 'x' } as const;
        const qualified = [...new Set(bindings.map((b) => b.qualified!))].sort();
        return { bound: 'imports', qualified: qualified.length === 1 ? qualified[0] : undefined, definition, stars: [], importedSomewhere: true, summary: `i ${qualified.join(' ')}` } as const;
      });
      kept.set(name, resolution);
    }
    return resolution;
  }

  /** Whether a name is bound where `from` reads it (recorded as a `q=` reader: see resolutionSummary). */
  private isBound(name: string, from: Node): boolean {
    const inner = this.innerLookup(name, from, 'q=');
    if (inner !== undefined) return inner.length > 0;
    return this.trees.length > 1 ? this.moduleResolution(name).bound !== 'none' : (this.bindingsIn(name, this.root)?.length ?? 0) > 0;
  }

  /** moduleResolution's answers in a document of one tree (kept with the model). */
  private resolutions: Map<string, ModuleResolution> | undefined;

  /**
   * What a module-level name resolves to for qualifiedName: the qualified names its module-level
   * imports give, "x" when something else binds it, "none" (with the star import that may supply it).
   * A reader that recorded `q=name` needs another look only when this changed.
   */
  resolutionSummary(name: string): string {
    return this.moduleResolution(name).summary;
  }

  /** What importsOf([qualified]) tells its readers: the local names bound to it, and whether at module level. */
  importSummary(qualified: string): string {
    const imports = this.importView();
    const names = imports.qualified(qualified).map((b) => `${b.name}${imports.scopeOf(b) === 'module' ? '' : '*'}`);
    return [...new Set(names)].sort().join(' ');
  }

  /** The value behind a dependency that can be compared across edits (`q=name`, `@qualified`, `+package`); undefined for others. */
  summaryOf(token: string): string | undefined {
    if (token.startsWith('q=')) return this.resolutionSummary(token.slice(2));
    if (token.startsWith('k=')) return String(this.moduleResolution(token.slice(2)).definition);
    if (token.startsWith('@')) return this.importSummary(token.slice(1));
    if (token.startsWith('+')) return String(this.importView().packages().has(token.slice(1)));
    return undefined;
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
    const inner = this.innerLookup(name, expr, 'q=');
    if (inner === undefined && this.trees.length > 1) {
      // The module scope of a segmented document: what `q=name` summarises, kept across edits.
      const resolution = this.moduleResolution(name);
      if (resolution.bound !== 'none') return resolution.qualified;
      this.read('<star>');
      if (resolution.stars.length !== 1) return undefined;
      this.read('<imports>');
      return resolution.importedSomewhere ? undefined : `${resolution.stars[0]}.${name}`;
    }
    const bindings = inner ?? this.bindingsIn(name, this.root) ?? [];
    if (bindings.length === 0) {
      this.read('<star>');
      const imports = this.importView();
      const stars = imports.stars();
      if (stars.length !== 1) return undefined;
      this.read('<imports>');
      return imports.named(name).length ? undefined : `${stars[0]}.${name}`;
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
    for (const p of packages) this.read(`+${p}`);
    const imported = this.importView().packages();
    return packages.some((p) => imported.has(p));
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

  /** Calls whose callee is spelled with this last name (`name(…)`, `x.name(…)`), in document order. */
  private callNodesNamed(name: string): Node[] {
    this.read(name);
    let calls = this.callsByName.get(name);
    if (!calls) {
      calls = this.callsAt(this.identifiers(name), name);
      this.callsByName.set(name, calls);
    }
    return calls;
  }

  /** The calls whose callee ends with one of these identifiers, in document order. */
  private callsAt(ids: readonly Node[], _name: string): Node[] {
    const calls: Node[] = [];
    for (const id of ids) {
      // The callee's name is followed by its argument list (or, with a comment between, maybe).
      const next = nextTokenChar(this.text, id.endIndex);
      if (this.tokensTellAt(id.startIndex) && next !== '(' && next !== '#') continue;
      const parent = this.parentOf(id);
      if (!parent) continue;
      if (parent.type === 'call') {
        if (sameNode(parent.childForFieldName('function'), id)) calls.push(parent);
      } else if (parent.type === 'attribute' && sameNode(parent.childForFieldName('attribute'), id)) {
        const call = this.parentOf(parent);
        if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), parent)) calls.push(call);
      }
    }
    // A call around another starts first (`(a.f()).f()`), and an outer call sharing the inner's start comes first.
    return calls.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /** Every call in the file, in document order (a whole-tree query: for rare paths only). */
  allCalls(): CallSite[] {
    this.read('*');
    this.allCallNodes ??= this.allRoots().flatMap((r) => pythonQuery('(call) @call').captures(r).map((c) => c.node));
    return this.allCallNodes.map((n) => this.callSite(n));
  }

  /** Calls whose callee is written with this last name: `fit` finds `model.fit(...)` and `fit(...)`. */
  callsNamed(name: string): CallSite[] {
    return this.callNodesNamed(name).map((n) => this.callSite(n));
  }

  /**
   * Calls of these methods on what `name` spells as a whole receiver or as its last attribute
   * (`name.append(…)`, `x.name.append(…)`), in document order. Found from where `name` is spelled, so
   * only a change that spells `name` can change the answer (not every call of the method).
   */
  methodCallsOn(name: string, methods: ReadonlySet<string>): CallSite[] {
    const out: CallSite[] = [];
    for (const id of this.identifiers(name)) {
      let receiver = id;
      const parent = this.parentOf(id);
      // `x.name`: the attribute node is the receiver.
      if (parent && parent.type === 'attribute' && sameNode(parent.childForFieldName('attribute'), id)) receiver = parent;
      const access = receiver === id ? parent : this.parentOf(receiver);
      if (!access || access.type !== 'attribute' || !sameNode(access.childForFieldName('object'), receiver)) continue;
      const method = access.childForFieldName('attribute')?.text;
      if (!method || !methods.has(method)) continue;
      const call = this.parentOf(access);
      if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), access)) out.push(this.callSite(call));
    }
    return out;
  }

  /** Calls whose callee resolves to one of these qualified names. */
  callsTo(qualifiedNames: Iterable<string>, anchorsOnly = false): CallSite[] {
    const wanted = new Set(qualifiedNames);
    const lastNames = new Set([...wanted].map((q) => q.slice(q.lastIndexOf('.') + 1)));
    // `from m import f as g` calls it as `g(...)`.
    for (const name of this.importedNames(wanted)) lastNames.add(name);
    const out: CallSite[] = [];
    for (const last of lastNames) {
      for (const node of anchorsOnly ? this.quietly(() => this.anchorCallNodesNamed(last)) : this.callNodesNamed(last)) {
        const site = this.callSite(node);
        const q = site.qualifiedName;
        if (q && wanted.has(q)) out.push(site);
      }
    }
    return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /**
   * Classes defined here whose bases, directly or through other classes defined here, include one of
   * these qualified names, in document order. Found from where the bases are spelled (the names'
   * last parts, their import aliases, then the subclasses' own names), not by reading every class.
   */
  subclassesOf(qualifiedNames: ReadonlySet<string>): Node[] {
    const names = new Set([...qualifiedNames].map((q) => q.slice(q.lastIndexOf('.') + 1)));
    for (const name of this.importedNames(qualifiedNames)) names.add(name);
    const classes = new Map<number, Node>();
    const pending = [...names];
    while (pending.length) {
      for (const id of this.identifiers(pending.pop()!)) {
        let parent = this.parentOf(id);
        while (parent && parent.type === 'attribute') parent = this.parentOf(parent);
        if (!parent || parent.type !== 'argument_list') continue;
        const cls = this.parentOf(parent);
        if (!cls || cls.type !== 'class_definition' || !sameNode(cls.childForFieldName('superclasses'), parent) || classes.has(cls.id)) continue;
        classes.set(cls.id, cls);
        const name = cls.childForFieldName('name')?.text;
        if (name && !names.has(name)) {
          names.add(name);
          pending.push(name);
        }
      }
    }
    return [...classes.values()].filter((c) => this.classBases(c).some((b) => qualifiedNames.has(b))).sort((a, b) => a.startIndex - b.startIndex);
  }

  /** Functions defined in this file with this name (any nesting level). */
  functionsNamed(name: string): Node[] {
    return this.definitionsNamed(name, 'function_definition');
  }

  classesNamed(name: string): Node[] {
    return this.definitionsNamed(name, 'class_definition');
  }

  /** Definitions of this type named `name`, found from where the name is spelled (document order). */
  private definitionsNamed(name: string, type: string): Node[] {
    const out: Node[] = [];
    for (const id of this.identifiers(name)) {
      const parent = this.parentOf(id);
      if (parent && parent.type === type && sameNode(parent.childForFieldName('name'), id)) out.push(parent);
    }
    return out;
  }

  /** Calls in this file that call the given function definition (by name, or as `self.method`). */
  callersOf(fn: Node): CallSite[] {
    const name = fn.childForFieldName('name')?.text;
    if (!name) return [];
    const inClass = this.enclosingClass(fn);
    const out: CallSite[] = [];
    for (const node of this.callNodesNamed(name)) {
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
        const fn = this.lookupDefinitions(site.callee.text, site.callee).find((b) => b.kind === 'def');
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
    // The last assignment before the use, else the last one in the scope. One earlier in the use's own
    // segment settles it without the rest of the file.
    const assigns = (b: Binding) => b.kind === 'assign' && !!b.value;
    const near = this.lookupWithin(expr.text, expr, [{ start: this.segmentStartOf(expr), end: expr.startIndex }], assigns);
    let chosen = near.at(-1);
    if (!chosen) {
      const bindings = this.lookup(expr.text, expr).filter(assigns);
      const before = bindings.filter((b) => b.node.startIndex < expr.startIndex);
      chosen = (before.length ? before : bindings).at(-1);
    }
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
    const value = this.evaluate(b.value);
    // Mutated containers (`grid["x"] = …`, `grid.update(…)`) are not constant: stay unknown. (Looked at
    // only for a value worth keeping: the search reads every use of the name.)
    if (value.kind === 'unknown' || this.isMutated(expr.text, b)) return { kind: 'unknown', node: expr };
    return value;
  }

  private isMutated(name: string, binding: Binding): boolean {
    const scope = this.scopeOf(binding.node);
    // A function's or class's names can be mutated only inside it: read only there.
    const local = scope.id !== this.root.id;
    if (local) this.readSegmentOf(scope);
    const ids = local ? this.quietly(() => this.identifiersAt(name, this.wordOffsetsWithin(name, [{ start: scope.startIndex, end: scope.endIndex }]))) : this.identifiers(name);
    for (const id of ids) {
      const parent = this.parentOf(id);
      if (!parent) continue;
      // `name.append(…)` and the like, in the binding's own scope.
      if (parent.type === 'attribute' && sameNode(parent.childForFieldName('object'), id)) {
        const method = parent.childForFieldName('attribute')?.text;
        const call = method && MUTATING_METHODS.has(method) ? this.parentOf(parent) : null;
        if (call && call.type === 'call' && sameNode(call.childForFieldName('function'), parent) && this.scopeOf(call).id === scope.id) return true;
      }
      // `name[…] = …` / `name[…] += …` anywhere inside the scope (nested functions included).
      if (parent.type === 'subscript' && sameNode(parent.childForFieldName('value'), id)) {
        const statement = this.parentOf(parent);
        const assigns = statement && (statement.type === 'assignment' || statement.type === 'augmented_assignment') && sameNode(statement.childForFieldName('left'), parent);
        if (assigns && id.startIndex >= scope.startIndex && id.startIndex < scope.endIndex) return true;
      }
    }
    return false;
  }

  private evaluateCall(expr: Node): Value {
    const site = this.callSite(expr);
    const callee = site.callee;
    // Only numpy's ranges are read by qualified name; `x.other(…)` needs no resolving.
    const q = callee.type === 'attribute' && !NUMPY_RANGES.has(callee.childForFieldName('attribute')?.text ?? '') ? undefined : site.qualifiedName;
    // Whether the name is bound at all is what resolutionSummary tells too: a `q=` reader.
    const builtin = callee.type === 'identifier' && !this.isBound(callee.text, callee) ? callee.text : undefined;
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
        const { inner, alias } = asPatternParts(value);
        if (inner) out.push({ value: inner, alias });
      } else {
        out.push({ value });
      }
    }
  }
  return out;
}

/** `a . b . c` → "a.b.c", from the identifiers of a dotted_name. */
function dottedName(node: Node): string {
  if (node.type !== 'dotted_name') return node.text;
  const text = node.text;
  // Written without spaces or comments (nearly always), the text is the name.
  if (/^[\w.]+$/.test(text)) return text;
  return node.namedChildren.filter((c) => c && c.type === 'identifier').map((c) => c!.text).join('.');
}

/** `a as b` inside a `with` item: the value `a`, and the alias target `b` (tuple or name). */
function asPatternParts(pattern: Node): { inner: Node | undefined; alias: Node | undefined } {
  const inner = pattern.namedChild(0) ?? undefined;
  const target = pattern.childForFieldName('alias') ?? pattern.namedChild(1);
  const alias = target?.type === 'as_pattern_target' ? (target.namedChild(0) ?? undefined) : (target ?? undefined);
  return { inner, alias };
}

function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}

/** The identifier a parameter binds (`a` in `a`, `a: int`, `a=1`, `*a`, `**a`), as parameterName reads it. */
function parameterNameNode(p: Node): Node | undefined {
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

const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;
const NON_ASCII = /[^\x00-\x7f]/;
/** Words looked for one by one before the model indexes them all (see SemanticModel.wordOffsets). */
const WORDS_BEFORE_INDEX = 24;

/** Each segment tree's words with their offsets from the segment's start (see segmentWords). */
const SEGMENT_WORDS = new WeakMap<Tree, Map<string, number[]>>();
/** Each segment tree's suppression comments (see suppressionComments). */
const SEGMENT_SUPPRESSIONS = new WeakMap<Tree, KeptSpan[]>();
/** Each segment tree's imports (see segmentImports). */
const SEGMENT_IMPORTS = new WeakMap<Tree, KeptImports>();
/** Each segment tree's bindings by name (see segmentBindings). */
const SEGMENT_BINDINGS = new WeakMap<Tree, Map<string, KeptBinding[]>>();

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function statementsKey(keyword: string, types: ReadonlySet<string>): string {
  return `${keyword} ${[...types].join(' ')}`;
}

/**
 * Every maximal run of ASCII letters, digits and underscores, by its text, with its offsets: the same
 * places wordOffsets finds for a word of such characters.
 */
function indexWords(text: string): Map<string, number[]> {
  const words = new Map<string, number[]>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isWordCode(c)) {
      i++;
      continue;
    }
    const start = i;
    do c = text.charCodeAt(++i);
    while (i < n && isWordCode(c));
    const word = text.slice(start, i);
    const list = words.get(word);
    if (list) list.push(start);
    else words.set(word, [start]);
  }
  return words;
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Whether a name spelled at [start, end) can be a binding (an assignment, `for` or `with` target, a
 * def or class name, a parameter), judged from the tokens around it; what passes is decided in the
 * tree. No binding is followed by `.` (an attribute's object), by an operator (`==`, `+`, `x += 1`
 * does not bind in this model either), or by `(` or `[` unless `def` or `class` comes before it.
 */
function mayBindBefore(text: string, start: number, end: number): boolean {
  const next = nextTokenChar(text, end);
  if (next === '.' || NON_BINDING_FOLLOWERS.has(next)) return false;
  if (next === '=') return text[text.indexOf('=', end) + 1] !== '=';
  if (next !== '(' && next !== '[') return true;
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  const keyword = (word: string): boolean => text.startsWith(word, i - word.length + 1) && (i - word.length < 0 || !IDENTIFIER_CHAR.test(text[i - word.length]));
  return keyword('def') || keyword('class');
}

const NON_BINDING_FOLLOWERS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '!', '@', '~']);

/** The first character at or after `at` that is not white space or a backslash line continuation ('' at the end). */
function nextTokenChar(text: string, at: number): string {
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '\\' && c !== '\f') return c;
  }
  return '';
}

/**
 * Offsets where `word` is spelled with no ASCII letter, digit or underscore right before or after it.
 * A superset of where it stands as a whole token (a neighbour outside ASCII is left for the tree to judge).
 */
function* wordOffsets(text: string, word: string): Generator<number> {
  // An empty name (a MISSING identifier tree-sitter put in a broken text) is spelled nowhere.
  if (word.length === 0) return;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (at > 0 && IDENTIFIER_CHAR.test(text[at - 1])) continue;
    const after = at + word.length;
    if (after < text.length && IDENTIFIER_CHAR.test(text[after])) continue;
    yield at;
  }
}

/** Adds one import statement's bindings, packages and star modules to the index. */
function collectImport(node: Node, index: ImportIndex): void {
  if (node.type === 'import_statement') {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        const full = dottedName(child);
        const top = full.split('.')[0];
        index.packages.add(top);
        index.bindings.push({ name: top, kind: 'import', node, qualified: top });
      } else if (child.type === 'aliased_import') {
        const nameNode = child.childForFieldName('name');
        const full = nameNode ? dottedName(nameNode) : '';
        const alias = child.childForFieldName('alias')?.text;
        index.packages.add(full.split('.')[0]);
        if (alias) index.bindings.push({ name: alias, kind: 'import', node, qualified: full });
      }
    }
    return;
  }
  // import_from_statement
  const moduleNode = node.childForFieldName('module_name');
  if (!moduleNode) return;
  const relative = moduleNode.type === 'relative_import';
  const moduleName = relative ? moduleNode.text : dottedName(moduleNode);
  if (!relative) index.packages.add(moduleName.split('.')[0]);
  for (const child of node.namedChildren) {
    if (!child || child.id === moduleNode.id) continue;
    if (child.type === 'wildcard_import') {
      if (!relative) index.starModules.push(moduleName);
    } else if (child.type === 'dotted_name') {
      const name = dottedName(child);
      index.bindings.push({ name, kind: 'import', node, qualified: relative ? undefined : `${moduleName}.${name}` });
    } else if (child.type === 'aliased_import') {
      const nameNode = child.childForFieldName('name');
      const name = nameNode ? dottedName(nameNode) : '';
      const alias = child.childForFieldName('alias')?.text;
      if (alias) index.bindings.push({ name: alias, kind: 'import', node, qualified: relative ? undefined : `${moduleName}.${name}` });
    }
  }
}

/**
 * The names a top-level statement can bind in the module scope as SemanticModel.bindingAt sees them
 * (a def or class name, assignment, `for` and `with … as` targets, imports), and more: every name
 * in an error node that stands as a target. Error nodes are otherwise read like any other (bindingAt
 * walks up through them to the module, where nothing is bound). Nested function, class and lambda
 * bodies are scopes of their own and are not read. Used to tell which module-level lookups an
 * edit to the statement can change (IncrementalAnalysis).
 */
export function moduleBindingNames(statement: Node, out: Set<string>): void {
  switch (statement.type) {
    case 'function_definition':
    case 'class_definition': {
      const name = statement.childForFieldName('name');
      if (name) out.add(name.text);
      return;
    }
    case 'lambda':
    case 'identifier':
    case 'comment':
    case 'string':
      return;
    case 'import_statement':
    case 'import_from_statement': {
      const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [], localNames: new Set(), byName: new Map(), starts: new Map() };
      collectImport(statement, index);
      for (const b of index.bindings) out.add(b.name);
      break;
    }
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement': {
      const left = statement.childForFieldName('left');
      if (left) targetNames(left, out);
      break;
    }
    case 'as_pattern': {
      const alias = statement.childForFieldName('alias');
      if (alias) targetNames(alias, out);
      break;
    }
    case 'named_expression': {
      const name = statement.childForFieldName('name');
      if (name) out.add(name.text);
      break;
    }
  }
  if (statement.type.startsWith('case')) {
    for (const id of statement.descendantsOfType('identifier')) if (id) out.add(id.text);
    return;
  }
  for (const child of statement.namedChildren) if (child) moduleBindingNames(child, out);
}

function targetNames(target: Node, out: Set<string>): void {
  if (target.type === 'identifier') out.add(target.text);
  else if (target.type === 'attribute' || target.type === 'subscript') return;
  else if (target.type === 'ERROR') {
    // Error recovery inside a target: any name in it may be bound.
    for (const id of target.descendantsOfType('identifier')) if (id) out.add(id.text);
  }
  else for (const child of target.namedChildren) if (child) targetNames(child, out);
}

/**
 * What the import statements within a statement bind and name, as comparable keys (`name=qualified`,
 * `*module`, `+package`), sorted; empty when it holds no import.
 */
export function importKeys(statement: Node): string[] {
  if (!statement.text.includes('import')) return [];
  const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [], localNames: new Set(), byName: new Map(), starts: new Map() };
  for (const node of statement.type === 'import_statement' || statement.type === 'import_from_statement' ? [statement] : statement.descendantsOfType([...IMPORT_STATEMENTS])) {
    if (node) collectImport(node, index);
  }
  const keys = [...index.bindings.map((b) => `${b.name}=${b.qualified ?? ''}`), ...index.starModules.map((m) => `*${m}`), ...[...index.packages].map((p) => `+${p}`)];
  return keys.sort();
}
