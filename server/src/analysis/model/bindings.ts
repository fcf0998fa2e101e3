// Owns what a binding is, what a top-level statement can bind in the module scope (which module-level
// lookups an edit can change), and the index of which segments may bind each name, kept across the
// models of one segmented document.
import type { Node, Tree } from '../parser';
import type { QualifiedName } from '../qualifiedName';
import { importedLocalNames, type KeptImports } from './imports';

export type BindingKind = 'import' | 'assign' | 'def' | 'class' | 'param' | 'loop' | 'with' | 'other';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** The statement or node that binds the name. */
  node: Node;
  /** For imports: the fully qualified name the local name stands for. */
  qualified?: QualifiedName;
  /** For plain `name = value` assignments: the value expression. */
  value?: Node;
}

/**
 * What a name resolves to at module level: nothing bound there (with the star imports and whether
 * any import, in any scope, binds the name), imports only (their one qualified name, undefined when
 * they differ), or something else.
 */
export interface ModuleResolution {
  bound: 'none' | 'imports' | 'other';
  qualified: QualifiedName | undefined;
  /** Whether a def or class binds it at module level. */
  definition: boolean;
  stars: readonly string[];
  importedSomewhere: boolean;
  /** What is compared across edits (the `resolution` dependency). */
  summary: string;
}

/** One segment's entry in BindingCandidates: its current tree and what that tree may bind and imports. */
export interface CandidateSlot {
  tree: Tree;
  names: Set<string>;
  imports: KeptImports;
  /** Whether the tree has syntax errors. */
  errors: boolean;
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
   * What each name resolves to at module level, kept across models until an edit changes a
   * statement that binds the name (see forgetResolutions).
   */
  readonly resolutions = new Map<string, ModuleResolution>();

  /**
   * Drops the kept resolutions an edit can have changed: a name some changed statement binds at module
   * level; every one when an import changed (its names may be bound in any scope, and star imports
   * with it) or when the changes are not known (the document was parsed again whole).
   */
  forgetResolutions(changes: { moduleBindings: ReadonlySet<string>; imports: boolean; starImports: boolean } | undefined): void {
    if (this.resolutions.size === 0) return;
    if (!changes || changes.imports || changes.starImports) {
      this.resolutions.clear();
      return;
    }
    for (const n of changes.moduleBindings) this.resolutions.delete(n);
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
      // A tree with errors may bind any name it spells (see bindingNamesOf), which the changed
      // statements do not tell: the kept resolutions of every name either tree may bind go.
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

function addTo<K, V>(map: Map<K, Set<V>>, k: K, value: V): void {
  const set = map.get(k);
  if (set) set.add(value);
  else map.set(k, new Set([value]));
}

/**
 * The names a top-level statement can bind in the module scope as Scopes.bindingAt sees them
 * (a def or class name, assignment, `for` and `with … as` targets, imports), and more: every name
 * in an error node that stands as a target. Error nodes are otherwise read like any other (bindingAt
 * walks up through them to the module, where nothing is bound). Nested function, class and lambda
 * bodies are scopes of their own and are not read. Used to tell which module-level lookups an
 * edit to the statement can change.
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
    case 'import_from_statement':
      for (const name of importedLocalNames(statement)) out.add(name);
      break;
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
  } else for (const child of target.namedChildren) if (child) targetNames(child, out);
}
