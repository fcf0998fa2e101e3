// Owns imports and module resolution: what each import statement binds (local name → qualified
// name), which packages the file imports, star imports, and the keys an edit compares to tell
// whether it changed an import. A segmented document keeps each segment's imports with its tree.
import { key } from '../dependency';
import type { Node, Tree } from '../parser';
import type { Binding } from './bindings';
import type { ModelParts } from './parts';
import { IMPORT_STATEMENTS } from './spellings';
import { isWithin, memberOf, qualifiedName, selfAndParents, topPackage, type QualifiedName } from '../qualifiedName';

/** What the file's import statements bind and name. */
interface ImportIndex {
  /** Every import binding, in document order. */
  bindings: Binding[];
  packages: Set<string>;
  starModules: string[];
}

/** A segment's imports as plain data, offsets from the segment's start (see segmentImports). */
export interface KeptImports {
  bindings: Array<{ name: string; qualified?: QualifiedName; start: number; end: number; type: string; scope?: { start: number; end: number; type: string } }>;
  packages: string[];
  starModules: string[];
  /** Indexes into `bindings` by local name and by qualified name. */
  byName: Map<string, number[]>;
  byQualified: Map<string, number[]>;
}

/** What the imports bind, read from one index (a single tree) or from each segment's kept imports. */
export interface ImportView {
  packages(): ReadonlySet<string>;
  stars(): readonly string[];
  /** Every import binding, in document order. */
  all(): readonly Binding[];
  /** Each local name with the qualified name an import binds it to (no bindings made). */
  pairs(): ReadonlyArray<{ name: string; qualified: string }>;
  /** The import bindings of a local name, in document order. */
  named(name: string): readonly Binding[];
  qualified(qualified: string): readonly Binding[];
  /** The local names of the import bindings of a qualified name, each once (no bindings made). */
  namesOf(qualified: string): readonly string[];
  /** Where a binding's import statement starts. */
  startOf(binding: Binding): number;
  /** A number that sorts bindings in document order (statement, then place within it). */
  orderOf(binding: Binding): number;
  /** A binding's scope key (see Scopes.scopeKey). */
  scopeOf(binding: Binding): string;
}

/** Each segment tree's imports (see segmentImports). */
const SEGMENT_IMPORTS = new WeakMap<Tree, KeptImports>();

export class Imports {
  private view: ImportView | undefined;
  private readonly namesAroundPrefix = new Map<string, Set<string> | undefined>();

  constructor(private readonly m: ModelParts) {}

  /** Top-level package names imported anywhere in the file (`torch`, `sklearn`, …). */
  packages(): ReadonlySet<string> {
    this.m.recorder.read(key.imports);
    return this.imports().packages();
  }

  /** Every import binding, in document order. */
  all(): readonly Binding[] {
    this.m.recorder.read(key.imports);
    return this.imports().all();
  }

  /** The import bindings of these qualified names, in document order (a narrower read than `all`). */
  of(qualifiedNames: Iterable<string>): Binding[] {
    const wanted = new Set(qualifiedNames);
    for (const q of wanted) this.m.recorder.read(key.importOf(q));
    const view = this.imports();
    const out = [...wanted].flatMap((q) => view.qualified(q));
    return wanted.size > 1 ? out.sort((a, b) => view.orderOf(a) - view.orderOf(b)) : out;
  }

  /**
   * `of`, for a reader of where those import statements stand (a fix inserting beside them): an
   * edit touching such an import reaches the reader even when it changes no binding.
   */
  statementsOf(qualifiedNames: Iterable<string>): Binding[] {
    const names = [...qualifiedNames];
    for (const q of names) this.m.recorder.read(key.importStatement(q));
    return this.of(names);
  }

  /** The local names that imports bind to these qualified names (no bindings made). */
  namesOf(qualifiedNames: Iterable<string>): Set<string> {
    const view = this.imports();
    const names = new Set<string>();
    for (const q of qualifiedNames) {
      this.m.recorder.read(key.importOf(q));
      for (const n of view.namesOf(q)) names.add(n);
    }
    return names;
  }

  /**
   * The local names imports bind at or under `prefix`, or above it (`torch` for `torch.cuda`): every
   * name through which a call under `prefix` can be spelled. Undefined when a star import of a
   * module there may bind names no import statement spells.
   */
  namesAround(prefix: string): Set<string> | undefined {
    const recorder = this.m.recorder;
    // What lies under the prefix (compared), and what each module above it binds (`import torch` for `torch.cuda`).
    recorder.read(key.importsUnder(prefix));
    for (const above of selfAndParents(prefix)) if (above !== prefix) recorder.read(key.importOf(above));
    recorder.read(key.starImports);
    // Asked by several rules' facts in every segment: found once per model.
    if (this.namesAroundPrefix.has(prefix)) return this.namesAroundPrefix.get(prefix);
    const view = this.imports();
    const related = (q: string) => isWithin(q, prefix) || isWithin(prefix, q);
    let names: Set<string> | undefined;
    if (!view.stars().some(related)) {
      names = new Set<string>();
      for (const b of view.pairs()) if (related(b.qualified)) names.add(b.name);
    }
    this.namesAroundPrefix.set(prefix, names);
    return names;
  }

  /** Module names of `from X import *`. */
  stars(): readonly string[] {
    this.m.recorder.read(key.starImports);
    return this.imports().stars();
  }

  /** Whether any import in the file comes from one of these top-level packages. */
  any(packages: readonly string[]): boolean {
    for (const p of packages) this.m.recorder.read(key.package(p));
    const imported = this.imports().packages();
    return packages.some((p) => imported.has(p));
  }

  /** What `of([qualified])` tells its readers: the local names bound to it, and whether at module level. */
  summary(qualified: string): string {
    const view = this.imports();
    const names = view.qualified(qualified).map((b) => `${b.name}${view.scopeOf(b) === 'module' ? '' : '*'}`);
    return [...new Set(names)].sort().join(' ');
  }

  hasPackage(name: string): boolean {
    return this.imports().packages().has(name);
  }

  /** What `namesAround` reads under a prefix: each local name bound at or under it. */
  summaryUnder(prefix: string): string {
    const names = this.imports()
      .pairs()
      .filter((b) => isWithin(b.qualified, prefix))
      .map((b) => `${b.name}=${b.qualified}`);
    return [...new Set(names)].sort().join(' ');
  }

  /** What the imports bind, read without recording (the readers above record what they read). */
  imports(): ImportView {
    return (this.view ??= this.m.module.segmented ? this.segmentedView() : this.singleView());
  }

  private singleView(): ImportView {
    const index = this.m.recorder.quietly(() => this.index());
    const byName = new Map<string, Binding[]>();
    const byQualified = new Map<string, Binding[]>();
    const starts = new Map<Binding, number>();
    for (const b of index.bindings) {
      starts.set(b, b.node.startIndex);
      push(byName, b.name, b);
      if (b.qualified !== undefined) push(byQualified, b.qualified, b);
    }
    let order: Map<Binding, number> | undefined;
    let pairs: Array<{ name: string; qualified: string }> | undefined;
    return {
      packages: () => index.packages,
      stars: () => index.starModules,
      all: () => index.bindings,
      pairs: () => (pairs ??= index.bindings.flatMap((b) => (b.qualified ? [{ name: b.name, qualified: b.qualified }] : []))),
      named: (name) => byName.get(name) ?? [],
      qualified: (q) => byQualified.get(q) ?? [],
      namesOf: (q) => [...new Set((byQualified.get(q) ?? []).map((b) => b.name))],
      startOf: (b) => starts.get(b)!,
      orderOf: (b) => (order ??= new Map(index.bindings.map((x, i) => [x, i]))).get(b)!,
      scopeOf: (b) => this.m.scopes.scopeKey(this.m.scopes.scopeAt(starts.get(b)!)),
    };
  }

  private index(): ImportIndex {
    const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [] };
    for (const statement of this.m.spellings.statementsAfter('import', IMPORT_STATEMENTS)) collectImport(statement, index);
    return index;
  }

  /**
   * The imports of a segmented document: each segment's are read once and kept with its tree; a
   * binding is made only when asked for (by name or qualified name), and its statement node found
   * only when that is asked for.
   */
  private segmentedView(): ImportView {
    const module = this.m.module;
    const candidates = this.m.scopes.candidates();
    const keptAt: Array<KeptImports | undefined> = [];
    const keptOf = (i: number): KeptImports => (keptAt[i] ??= this.m.recorder.quietly(() => this.segmentImports(i)));
    const everySegment = module.trees.map((_, i) => i);
    const made = new Map<string, Binding>();
    const starts = new Map<Binding, number>();
    const orders = new Map<Binding, number>();
    const scopes = new Map<Binding, string>();
    const binding = (i: number, k: number): Binding => {
      const id = `${i}:${k}`;
      let b = made.get(id);
      if (!b) {
        const base = module.starts[i];
        const r = keptOf(i).bindings[k];
        b = this.keptImportBinding(r, base);
        made.set(id, b);
        starts.set(b, base + r.start);
        // Segment, then place within it: document order.
        orders.set(b, i * 65536 + k);
        scopes.set(b, r.scope ? `${base + r.scope.start}:${base + r.scope.end}:${r.scope.type}` : 'module');
      }
      return b;
    };
    // The segments to read: those the kept candidates name (every one without them).
    const read = (trees: ReadonlySet<{ tree: Tree }> | undefined, pick: (k: KeptImports) => number[] | undefined): Binding[] =>
      (candidates ? this.m.scopes.indexesOf(trees) : everySegment).flatMap((i) => (pick(keptOf(i)) ?? []).map((k) => binding(i, k)));
    let packages: Set<string> | undefined;
    let pairs: Array<{ name: string; qualified: string }> | undefined;
    const namesByQualified = new Map<string, string[]>();
    return {
      packages: () => (packages ??= new Set(candidates ? candidates.packages : everySegment.flatMap((i) => keptOf(i).packages))),
      stars: () => (candidates ? this.m.scopes.indexesOf(candidates.starSlots) : everySegment).flatMap((i) => keptOf(i).starModules),
      all: () => everySegment.flatMap((i) => keptOf(i).bindings.map((_, j) => binding(i, j))),
      pairs: () => (pairs ??= everySegment.flatMap((i) => keptOf(i).bindings.flatMap((r) => (r.qualified ? [{ name: r.name, qualified: r.qualified }] : [])))),
      named: (name) => read(candidates?.treesImporting(name), (k) => k.byName.get(name)),
      qualified: (q) => read(candidates?.treesImportingQualified(q), (k) => k.byQualified.get(q)),
      namesOf: (q) => {
        // Asked again by every rule that looks for calls of q: made once per model.
        let names = namesByQualified.get(q);
        if (!names) {
          const found = new Set<string>();
          for (const i of candidates ? this.m.scopes.indexesOf(candidates.treesImportingQualified(q)) : everySegment) {
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
    const module = this.m.module;
    let node: Node | undefined;
    const start = segmentStart + r.start;
    const end = segmentStart + r.end;
    return {
      name: r.name,
      kind: 'import',
      qualified: r.qualified,
      get node(): Node {
        return (node ??= module.nodeSpanning(start, end, r.type) ?? module.nodeAt(start, end)!);
      },
    };
  }

  /** A segment's imports, with statement offsets from the segment's start, read once per tree. */
  segmentImports(i: number): KeptImports {
    const module = this.m.module;
    const tree = module.trees[i];
    let kept = SEGMENT_IMPORTS.get(tree);
    if (!kept) {
      const start = module.starts[i];
      const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [] };
      for (const statement of this.m.spellings.statementsWithin('import', IMPORT_STATEMENTS, [{ start, end: module.segmentEnd(i) }])) collectImport(statement, index);
      const bindings = index.bindings.map((b) => {
        const scope = this.m.scopes.scopeOf(b.node);
        return {
          name: b.name,
          qualified: b.qualified,
          start: b.node.startIndex - start,
          end: b.node.endIndex - start,
          type: b.node.type,
          scope: scope.id === module.root.id ? undefined : { start: scope.startIndex - start, end: scope.endIndex - start, type: scope.type },
        };
      });
      const byName = new Map<string, number[]>();
      const byQualified = new Map<string, number[]>();
      bindings.forEach((b, k) => {
        push(byName, b.name, k);
        if (b.qualified !== undefined) push(byQualified, b.qualified, k);
      });
      kept = { bindings, packages: [...index.packages], starModules: index.starModules, byName, byQualified };
      SEGMENT_IMPORTS.set(tree, kept);
    }
    return kept;
  }
}

function push<K, V>(map: Map<K, V[]>, k: K, value: V): void {
  const list = map.get(k);
  if (list) list.push(value);
  else map.set(k, [value]);
}

/** `a . b . c` → "a.b.c", from the identifiers of a dotted_name. */
export function dottedName(node: Node): string {
  if (node.type !== 'dotted_name') return node.text;
  const text = node.text;
  // Written without spaces or comments (nearly always), the text is the name.
  if (/^[\w.]+$/.test(text)) return text;
  return node.namedChildren.filter((c) => c && c.type === 'identifier').map((c) => c!.text).join('.');
}

/** Adds one import statement's bindings, packages and star modules to the index. */
function collectImport(node: Node, index: ImportIndex): void {
  if (node.type === 'import_statement') {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        const full = dottedName(child);
        const top = topPackage(full);
        index.packages.add(top);
        index.bindings.push({ name: top, kind: 'import', node, qualified: qualifiedName(top) });
      } else if (child.type === 'aliased_import') {
        const nameNode = child.childForFieldName('name');
        const full = nameNode ? dottedName(nameNode) : '';
        const alias = child.childForFieldName('alias')?.text;
        index.packages.add(topPackage(full));
        if (alias) index.bindings.push({ name: alias, kind: 'import', node, qualified: qualifiedName(full) });
      }
    }
    return;
  }
  // import_from_statement
  const moduleNode = node.childForFieldName('module_name');
  if (!moduleNode) return;
  const relative = moduleNode.type === 'relative_import';
  const moduleName = relative ? moduleNode.text : dottedName(moduleNode);
  if (!relative) index.packages.add(topPackage(moduleName));
  for (const child of node.namedChildren) {
    if (!child || child.id === moduleNode.id) continue;
    if (child.type === 'wildcard_import') {
      if (!relative) index.starModules.push(moduleName);
    } else if (child.type === 'dotted_name') {
      const name = dottedName(child);
      index.bindings.push({ name, kind: 'import', node, qualified: relative ? undefined : memberOf(moduleName, name) });
    } else if (child.type === 'aliased_import') {
      const nameNode = child.childForFieldName('name');
      const name = nameNode ? dottedName(nameNode) : '';
      const alias = child.childForFieldName('alias')?.text;
      if (alias) index.bindings.push({ name: alias, kind: 'import', node, qualified: relative ? undefined : memberOf(moduleName, name) });
    }
  }
}

/** The local names one import statement binds. */
export function importedLocalNames(statement: Node): string[] {
  const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [] };
  collectImport(statement, index);
  return index.bindings.map((b) => b.name);
}

/**
 * What the import statements within a statement bind and name, as comparable keys (`name=qualified`,
 * `*module`, `+package`), sorted; empty when it holds no import.
 */
/**
 * Keys for what a top-level statement's imports bind, compared before and after an edit:
 * `name=qualified`, `?name=qualified` for an import under a branch, `*module` for a star import,
 * `+package` for each package.
 */
export function importKeys(statement: Node): string[] {
  if (!statement.text.includes('import')) return [];
  const index: ImportIndex = { bindings: [], packages: new Set(), starModules: [] };
  for (const node of statement.type === 'import_statement' || statement.type === 'import_from_statement' ? [statement] : statement.descendantsOfType([...IMPORT_STATEMENTS])) {
    if (node) collectImport(node, index);
  }
  // An import under a branch binds the same name, but a fix may no longer reuse it (see Importer.bindsAt): `?` marks it.
  const branch = (b: Binding) => (isConditional(b.node) ? '?' : '');
  const keys = [...index.bindings.map((b) => `${branch(b)}${b.name}=${b.qualified ?? ''}`), ...index.starModules.map((m) => `*${m}`), ...[...index.packages].map((p) => `+${p}`)];
  return keys.sort();
}

/** Blocks whose statements always run when the statement that owns them does. */
const ALWAYS_RUN = new Set(['try_statement', 'with_statement', 'finally_clause']);

/** Whether an import sits in a block of its scope that may not run: an `if`, `else`, `for`, `while` or `except` branch. */
function isConditional(node: Node): boolean {
  for (let parent = node.parent; parent && parent.type !== 'module'; parent = parent.parent) {
    if (parent.type !== 'block') continue;
    const owner = parent.parent?.type ?? '';
    // The body of the import's own scope.
    if (owner === 'function_definition' || owner === 'class_definition') return false;
    if (!ALWAYS_RUN.has(owner)) return true;
  }
  return false;
}
