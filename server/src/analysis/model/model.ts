// The semantic model of one Python module: the one query API rules ask (Semantic), made of parts
// that each own one concern (see parts.ts). Nothing is collected up front: each index is built on
// first use from the places where the text spells the name or keyword it is about.
import { key, summaryOf, type ComparedValues, type DependencyKey } from '../dependency';
import type { Node, Tree } from '../parser';
import { pythonQuery } from '../parser';
import type { QualifiedName } from '../qualifiedName';
import type { Position } from '../types';
import type { Value } from '../values';
import type { Binding, BindingCandidates } from './bindings';
import { Calls, type CallSite } from './calls';
import { Evaluator } from './evaluate';
import { Imports } from './imports';
import { Lookup } from './lookup';
import { ModuleText, type OffsetRange } from './module';
import { Navigation, sameNode } from './navigation';
import type { ModelParts } from './parts';
import { Recorder } from './recorder';
import { Scopes } from './scopes';
import { UnitSites } from './sites';
import { CLASS_DEFINITION, FOR_STATEMENT, FUNCTION_DEFINITION, Spellings, WHILE_STATEMENT, WITH_STATEMENT } from './spellings';

export interface SemanticModelOptions {
  /** The text the tree was parsed from (default: the root node's text). */
  text?: string;
  /** Kept across the models of one segmented document (see BindingCandidates). */
  bindingCandidates?: BindingCandidates;
  /** Where each tree's segment starts in the text (default: read from each tree's included range). */
  segmentStarts?: number[];
}

/**
 * What rules may ask of the file: names, bindings, calls, structure and values. Every answer is
 * about the whole file; the sites a rule reports on come from its context (rules/rule.ts).
 */
export interface Semantic {
  /** The module node: the module scope. */
  readonly root: Node;
  /**
   * A value computed once per model under `id` (a helper asked the same question by many sites);
   * a later use depends on what computing it read.
   */
  remember<T>(id: string, compute: () => T): T;
  // names and bindings
  qualifiedName(expr: Node): QualifiedName | undefined;
  lookup(name: string, from: Node): Binding[];
  /**
   * The binding whose value reaches a use of a name: its only binding, or of several plain
   * assignments in the use's scope the last one, when it runs unconditionally before the use and no
   * later one can run again before it (notebook cells run top to bottom). Undefined otherwise.
   */
  reachingBinding(use: Node): Binding | undefined;
  /**
   * The uses, after it, of the name a plain assignment `name = value` binds, where that assignment is
   * the binding that reaches them (`history = model.fit(…)` … `history.history`); none for any
   * other `value`.
   */
  usesOfValue(value: Node): Node[];
  lookupDefinitions(name: string, from: Node): Binding[];
  lookupWithin(name: string, from: Node, spans: readonly OffsetRange[], accept: (b: Binding) => boolean): Binding[];
  scopeOf(node: Node): Node;
  isModuleLevel(node: Node): boolean;
  // imports
  importsAny(packages: readonly string[]): boolean;
  importsOf(qualifiedNames: Iterable<string>): Binding[];
  importedNames(qualifiedNames: Iterable<string>): Set<string>;
  /** Module names of `from X import *`. */
  readonly starImports: readonly string[];
  // calls and definitions
  callSite(node: Node): CallSite;
  callsNamed(name: string): CallSite[];
  /**
   * `callsNamed`, for a reader that keeps only the calls spelling `word` too (on their receiver):
   * recorded as one read of both words (see Calls.callsNamedSpelling).
   */
  callsNamedSpelling(name: string, word: string): CallSite[];
  /** Whether any call in the file is spelled with this last name (a yes/no that few edits change). */
  hasCallNamed(name: string): boolean;
  callsNamedWithin(name: string, node: Node): CallSite[];
  callsWithin(node: Node): CallSite[];
  callsOnResultOf(origin: CallSite, path: readonly string[]): CallSite[];
  methodCallsOn(name: string, methods: ReadonlySet<string>): CallSite[];
  callersOf(fn: Node): CallSite[];
  originCall(expr: Node): CallSite | undefined;
  inContext(node: Node, accept: (contextExpression: Node) => boolean): boolean;
  classBases(cls: Node): QualifiedName[];
  classesNamed(name: string): Node[];
  functionsNamed(name: string): Node[];
  subclassesOf(qualifiedNames: ReadonlySet<string>): Node[];
  identifiers(name: string): readonly Node[];
  /** Identifiers spelling `name` inside a node, read from that node alone (recorded as a read of its statement). */
  identifiersWithin(name: string, node: Node): Node[];
  // structure
  parentOf(node: Node): Node | null;
  ancestors(node: Node): Generator<Node>;
  enclosingFunction(node: Node): Node | undefined;
  enclosingClass(node: Node): Node | undefined;
  enclosingLoops(node: Node): Node[];
  /** Nodes of these types inside a node, in document order, read from that node alone (recorded as a read of its statement). */
  nodesWithin(node: Node, types: string | string[]): Node[];
  decoratorsOf(def: Node): Node[];
  // values
  evaluate(expr: Node): Value;
}

export class SemanticModel implements Semantic, ModelParts, ComparedValues {
  readonly module: ModuleText;
  readonly recorder = new Recorder();
  readonly nav: Navigation;
  readonly spellings: Spellings;
  readonly imports: Imports;
  readonly scopes: Scopes;
  readonly names: Lookup;
  readonly calls: Calls;
  readonly values: Evaluator;
  readonly sites: UnitSites;
  private commentNodes: Node[] | undefined;

  constructor(tree: Tree | readonly Tree[], options: SemanticModelOptions = {}) {
    const trees = Array.isArray(tree) ? (tree as readonly Tree[]) : [tree as Tree];
    this.module = new ModuleText(trees, options.text, options.segmentStarts);
    this.nav = new Navigation(this.module, this.recorder);
    this.spellings = new Spellings(this.module, this.nav, this.recorder);
    this.imports = new Imports(this);
    this.scopes = new Scopes(this, this.module.segmented ? options.bindingCandidates : undefined);
    this.names = new Lookup(this);
    this.calls = new Calls(this);
    this.values = new Evaluator(this);
    this.sites = new UnitSites(this);
  }

  // ---- ModelParts -----------------------------------------------------------------------------

  readStatementOf(node: Node): void {
    if (!this.recorder.recording || !this.module.segmented) return;
    const range = this.module.statementRangeOf(node);
    this.recorder.read(key.statement(range.start, range.end));
  }

  // ---- engine --------------------------------------------------------------------------------

  get trees(): readonly Tree[] {
    return this.module.trees;
  }

  get root(): Node {
    return this.module.root;
  }

  /** Where the model's answers are recorded as read from (set per unit by an incremental analysis). */
  get dependencies(): Set<DependencyKey> | undefined {
    return this.recorder.dependencies;
  }

  set dependencies(dependencies: Set<DependencyKey> | undefined) {
    this.recorder.dependencies = dependencies;
  }

  /** When set (a performance.now() time), long-running queries throw AnalysisTimeout once it has passed. */
  get deadline(): number | undefined {
    return this.recorder.deadline;
  }

  set deadline(deadline: number | undefined) {
    this.recorder.deadline = deadline;
  }

  nodeAt(start: number, end?: number): Node | null {
    return this.module.nodeAt(start, end);
  }

  /** Records that what was made depends on the file's indentation unit or newline style. */
  readLayout(which: 'indent' | 'eol'): void {
    this.recorder.read(which === 'indent' ? key.indent : key.eol);
  }

  /** A value computed once per model; later uses depend on what computing it read. */
  remember<T>(id: string, compute: () => T): T {
    return this.recorder.remember(id, compute);
  }

  /** The top-level statements in document order, across segments, read for the block of imports at the top. */
  *headStatements(): Generator<Node> {
    this.recorder.read(key.head);
    for (const root of this.module.allRoots()) for (const child of root.namedChildren) if (child) yield child;
  }

  /** Nodes of these types anywhere in the file (a whole-tree walk: for rare paths only). */
  descendantsOfType(types: string | string[]): Node[] {
    this.recorder.read(key.wholeFile);
    return this.module.allRoots().flatMap((r) => r.descendantsOfType(types).filter((n): n is Node => n !== null));
  }

  /** Every comment, in document order (code actions read them; a whole-tree query on first use). */
  get comments(): Node[] {
    this.recorder.read(key.wholeFile);
    return (this.commentNodes ??= this.module.allRoots().flatMap((r) => pythonQuery('(comment) @comment').captures(r).map((c) => c.node)));
  }

  // ---- compared values (dependency.ts) ---------------------------------------------------------

  resolutionSummary(name: string): string {
    return this.names.moduleResolution(name).summary;
  }

  hasDefinition(name: string): boolean {
    return this.names.moduleResolution(name).definition;
  }

  importSummary(qualified: string): string {
    return this.imports.summary(qualified);
  }

  hasPackage(name: string): boolean {
    return this.imports.hasPackage(name);
  }

  importsUnderSummary(prefix: string): string {
    return this.imports.summaryUnder(prefix);
  }

  hasCallNamed(name: string): boolean {
    return this.calls.hasCallNamed(name);
  }

  /** The value behind a compared dependency now (undefined for the others). */
  summaryOf(dependency: DependencyKey): string | undefined {
    return summaryOf(dependency, this);
  }

  // ---- Semantic -------------------------------------------------------------------------------

  qualifiedName(expr: Node): QualifiedName | undefined {
    return this.names.qualifiedName(expr);
  }

  lookup(name: string, from: Node): Binding[] {
    return this.names.lookup(name, from);
  }

  lookupDefinitions(name: string, from: Node): Binding[] {
    return this.names.lookupDefinitions(name, from);
  }

  lookupWithin(name: string, from: Node, spans: readonly OffsetRange[], accept: (b: Binding) => boolean): Binding[] {
    return this.names.lookupWithin(name, from, spans, accept);
  }

  scopeOf(node: Node): Node {
    return this.scopes.scopeOf(node);
  }

  isModuleLevel(node: Node): boolean {
    return this.scopes.scopeOf(node).id === this.module.root.id;
  }

  importsAny(packages: readonly string[]): boolean {
    return this.imports.any(packages);
  }

  importsOf(qualifiedNames: Iterable<string>): Binding[] {
    return this.imports.of(qualifiedNames);
  }

  /** `importsOf`, for a reader of where the import statements stand. */
  importStatementsOf(qualifiedNames: Iterable<string>): Binding[] {
    return this.imports.statementsOf(qualifiedNames);
  }

  importedNames(qualifiedNames: Iterable<string>): Set<string> {
    return this.imports.namesOf(qualifiedNames);
  }

  /** Top-level package names imported anywhere in the file. */
  get importedPackages(): ReadonlySet<string> {
    return this.imports.packages();
  }

  /** Every import binding, in document order. */
  get allImports(): readonly Binding[] {
    return this.imports.all();
  }

  /** Module names of `from X import *`. */
  get starImports(): readonly string[] {
    return this.imports.stars();
  }

  callSite(node: Node): CallSite {
    return this.calls.callSite(node);
  }

  callsNamed(name: string): CallSite[] {
    return this.calls.callsNamed(name);
  }

  callsNamedSpelling(name: string, word: string): CallSite[] {
    return this.calls.callsNamedSpelling(name, word);
  }

  callsNamedWithin(name: string, node: Node): CallSite[] {
    return this.calls.callsNamedWithin(name, node);
  }

  callsTo(qualifiedNames: Iterable<string>): CallSite[] {
    return this.calls.callsTo(qualifiedNames);
  }

  callsWithin(node: Node): CallSite[] {
    return this.calls.callsWithin(node);
  }

  callsOnResultOf(origin: CallSite, path: readonly string[]): CallSite[] {
    return this.calls.callsOnResultOf(origin, path);
  }

  methodCallsOn(name: string, methods: ReadonlySet<string>): CallSite[] {
    return this.calls.methodCallsOn(name, methods);
  }

  callersOf(fn: Node): CallSite[] {
    return this.calls.callersOf(fn);
  }

  originCall(expr: Node): CallSite | undefined {
    return this.calls.originCall(expr);
  }

  inContext(node: Node, accept: (contextExpression: Node) => boolean): boolean {
    return this.calls.inContext(node, accept);
  }

  classBases(cls: Node): QualifiedName[] {
    return this.calls.classBases(cls);
  }

  classesNamed(name: string): Node[] {
    return this.calls.definitionsNamed(name, 'class_definition');
  }

  functionsNamed(name: string): Node[] {
    return this.calls.definitionsNamed(name, 'function_definition');
  }

  subclassesOf(qualifiedNames: ReadonlySet<string>): Node[] {
    return this.calls.subclassesOf(qualifiedNames);
  }

  identifiers(name: string): readonly Node[] {
    return this.spellings.identifiers(name);
  }

  identifiersWithin(name: string, node: Node): Node[] {
    this.readStatementOf(node);
    return this.spellings.identifiersWithin(name, [{ start: node.startIndex, end: node.endIndex }]);
  }

  /** Every `with` statement, in document order. */
  get withStatements(): readonly Node[] {
    return this.spellings.statementsAfter('with', WITH_STATEMENT);
  }

  /** Every `for` statement in document order, then every `while` statement. */
  get loops(): readonly Node[] {
    return [...this.spellings.statementsAfter('for', FOR_STATEMENT), ...this.spellings.statementsAfter('while', WHILE_STATEMENT)];
  }

  /** Every `def`, in document order (nested ones included). */
  get functionDefinitions(): readonly Node[] {
    return this.spellings.statementsAfter('def', FUNCTION_DEFINITION);
  }

  /** Every `class`, in document order (nested ones included). */
  get classDefinitions(): readonly Node[] {
    return this.spellings.statementsAfter('class', CLASS_DEFINITION);
  }

  parentOf(node: Node): Node | null {
    return this.nav.parentOf(node);
  }

  ancestors(node: Node): Generator<Node> {
    return this.nav.ancestors(node);
  }

  enclosingFunction(node: Node): Node | undefined {
    return this.nav.enclosingFunction(node);
  }

  enclosingClass(node: Node): Node | undefined {
    return this.nav.enclosingClass(node);
  }

  enclosingLoops(node: Node): Node[] {
    return this.nav.enclosingLoops(node);
  }

  nodesWithin(node: Node, types: string | string[]): Node[] {
    this.readStatementOf(node);
    return node.descendantsOfType(types).filter((n): n is Node => n !== null);
  }

  decoratorsOf(def: Node): Node[] {
    // The decorators stand in the definition's statement, which may be another segment's.
    this.readStatementOf(def);
    return this.nav.decoratorsOf(def);
  }

  evaluate(expr: Node): Value {
    return this.values.evaluate(expr);
  }

  reachingBinding(use: Node): Binding | undefined {
    return this.values.reachingBinding(use);
  }

  usesOfValue(value: Node): Node[] {
    const statement = this.parentOf(value);
    const target = statement?.type === 'assignment' && sameNode(statement.childForFieldName('right'), value) ? statement.childForFieldName('left') : null;
    if (target?.type !== 'identifier') return [];
    return this.identifiers(target.text).filter((id) => id.startIndex > statement!.endIndex && sameNode(this.reachingBinding(id)?.value, value));
  }

  // ---- suppression comments -----------------------------------------------------------------

  /**
   * The comments that spell `noqa` or `greenml` (any letter case), with their text and start (line,
   * UTF-16 column), in document order. A segmented document keeps each segment's as offsets with
   * its tree, placed by `positionAt`; a whole tree gives its nodes' positions.
   */
  suppressionComments(positionAt: (offset: number) => Position): Array<{ text: string; line: number; column: number }> {
    const module = this.module;
    if (!module.segmented) {
      return this.suppressionCommentsIn(0, module.text.length).map((n) => ({ text: n.text, line: n.startPosition.row, column: n.startPosition.column }));
    }
    const out: Array<{ text: string; line: number; column: number }> = [];
    for (let i = 0; i < module.trees.length; i++) {
      const base = module.starts[i];
      let kept = SEGMENT_SUPPRESSIONS.get(module.trees[i]);
      if (!kept) {
        kept = this.suppressionCommentsIn(base, module.segmentEnd(i)).map((n) => ({ start: n.startIndex - base, end: n.endIndex - base }));
        SEGMENT_SUPPRESSIONS.set(module.trees[i], kept);
      }
      for (const k of kept) {
        const at = positionAt(base + k.start);
        out.push({ text: module.text.slice(base + k.start, base + k.end), line: at.line, column: at.character });
      }
    }
    return out;
  }

  /** The comments in `[start, end)` that spell `noqa` or `greenml` (any letter case), in document order. */
  private suppressionCommentsIn(start: number, end: number): Node[] {
    const text = this.module.text;
    const found = new Map<number, Node>();
    const pattern = /noqa|greenml/gi;
    pattern.lastIndex = start;
    for (let match = pattern.exec(text); match && match.index < end; match = pattern.exec(text)) {
      const node = this.module.nodeAt(match.index, match.index + match[0].length);
      if (node && node.type === 'comment') found.set(node.id, node);
    }
    return [...found.values()].sort((a, b) => a.startIndex - b.startIndex);
  }
}

/** Each segment tree's suppression comments, as offsets from the segment's start (see suppressionComments). */
const SEGMENT_SUPPRESSIONS = new WeakMap<Tree, OffsetRange[]>();
