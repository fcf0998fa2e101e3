// The names a fix writes for modules and imported names, and the import edits that make them
// valid: an existing import is used as it is when it binds the name where the fix writes code
// (earlier in the file, in a scope and branch that reach the edit); a name from a module the import
// block already imports from joins that `from M import …` statement; otherwise one import line is
// added after the file's import block (or, when that block does not come before the edit, just
// above the edited statement), once per fix however often it is asked for. A notebook is analysed
// as its code cells joined in order, so "earlier" is "in an earlier cell or above in the same one":
// an import in a late cell does not serve an edit in an earlier one.
import type { Binding } from '../analysis/model/bindings';
import type { SemanticModel } from '../analysis/model/model';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import type { Node } from '../analysis/parser';
import { insertAt, insertLine } from './edits';
import { topPackage } from '../analysis/qualifiedName';

export interface ImportedName {
  /** What generated code writes: `torch`, `lgb`, `EarlyStopping`, `keras.callbacks.EarlyStopping`. */
  name: string;
  /** The import to add, when none binds the name yet (given once per importer). */
  edit?: TextEdit;
  /** Row of the existing import statement that binds the name, or will once `edit` is applied; undefined when `edit` adds a line. */
  row?: number;
}

export class Importer {
  private readonly added = new Set<string>();

  /**
   * `at`: the node the fix edits (where the code using the names goes). Without it, every
   * module-level import counts, wherever it stands.
   */
  constructor(
    private readonly model: SemanticModel,
    private readonly source: SourceText,
    private readonly at?: Node,
  ) {}

  /**
   * The local name an import that binds at the edit gives one of these qualified names, if any.
   * Read with where the import statements stand: wrapping one in an `if` binds the same name, but it
   * may no longer have run at the edit (only the fixes that import that name are checked again).
   */
  existing(qualifiedNames: Iterable<string>): string | undefined {
    return this.topLevel(this.model.importStatementsOf(qualifiedNames))[0]?.name;
  }

  /**
   * The import bindings of these qualified names that bind at the edit, for a fix that places code
   * relative to where those import statements stand (an edit touching them sends the reader to be
   * checked again).
   */
  statementsOf(qualifiedNames: Iterable<string>): Binding[] {
    return this.topLevel(this.model.importStatementsOf(qualifiedNames));
  }

  /** `import <module>` (or `import <module> as <alias>`) unless the file binds a name to that module at top level. */
  module(module: string, alias?: string): ImportedName {
    const existing = this.existing([module]);
    if (existing) return { name: existing };
    // `import torch.nn` binds `torch`, through which `torch.nn` is reachable.
    if (!alias && module.includes('.')) {
      const top = topPackage(module);
      if (this.topLevel(this.model.importStatementsOf([top])).some((b) => b.name === top)) return { name: module };
    }
    return { name: alias ?? module, edit: this.line(alias ? `import ${module} as ${alias}` : `import ${module}`) };
  }

  /**
   * `from <module> import <name><suffix>` unless that name is already imported from there at top
   * level: added to a `from <module> import …` statement of the import block when there is one
   * (`suffix` ` as x` included; a comment suffix needs a line of its own), else as a new line.
   */
  from(module: string, name: string, suffix = ''): ImportedName {
    const bound = this.topLevel(this.model.importStatementsOf([`${module}.${name}`]))[0];
    if (bound) return { name: bound.name, row: bound.node.startPosition.row };
    const local = suffix.startsWith(' as ') ? suffix.slice(4).split(/\s/)[0] : name;
    const statement = suffix.trimStart().startsWith('#') ? undefined : this.fromStatement(module);
    if (statement && !this.added.has(`${statement.id}:${name}${suffix}`)) {
      this.added.add(`${statement.id}:${name}${suffix}`);
      return { name: local, edit: this.appendName(statement, `${name}${suffix}`), row: statement.startPosition.row };
    }
    if (statement) return { name: local, row: statement.startPosition.row };
    return { name: local, edit: this.line(`from ${module} import ${name}${suffix}`) };
  }

  /**
   * The new name for a fix that replaces the use `use` of `replaced` (a qualified name the file
   * imports as `from <module> import <Name>`), so that the old name's import is not left unused:
   * when nothing else uses the old name, the new one is written over it in that statement, or,
   * when the new name is imported already (an earlier fix replaced another use), the old name is
   * taken out of its statement (the whole statement when it imports nothing else). When the old
   * name is used elsewhere, the new one joins the old one's statement. Without such a statement,
   * as `from`.
   */
  fromReplacing(module: string, name: string, replaced: string, use: Node): ImportedName {
    const binding = this.statementsOf([replaced]).find((b) => b.node.type === 'import_from_statement' && moduleOf(b.node) === module);
    const oldName = replaced.slice(replaced.lastIndexOf('.') + 1);
    // The statement's entry for the old name: `GridSearchCV`, or `GridSearchCV as GS`.
    const entry = binding?.node.childrenForFieldName('name').find((n): n is Node => {
      if (n?.type === 'aliased_import') return n.childForFieldName('name')?.text === oldName && n.childForFieldName('alias')?.text === binding.name;
      return n?.type === 'dotted_name' && n.text === oldName && binding.name === oldName;
    });
    const inside = (n: Node, outer: Node) => n.startIndex >= outer.startIndex && n.endIndex <= outer.endIndex;
    const unusedAfter = !!entry && !this.model.identifiers(binding!.name).some((id) => !inside(id, binding!.node) && !inside(id, use));
    if (this.existing([`${module}.${name}`])) {
      const imported = this.from(module, name);
      const key = `${binding?.node.id}:-${oldName}`;
      const removal = unusedAfter && !this.added.has(key) ? this.withoutName(binding!.node, entry!) : undefined;
      if (!removal) return imported;
      this.added.add(key);
      return { ...imported, edit: removal };
    }
    if (!binding || this.added.has(`${binding.node.id}:${name}`)) return this.from(module, name);
    this.added.add(`${binding.node.id}:${name}`);
    const row = binding.node.startPosition.row;
    // Written over an unaliased old name only: over `GridSearchCV as GS` it would bind `GS`.
    if (unusedAfter && entry!.type === 'dotted_name') return { name, edit: { range: this.source.rangeOf(entry!.startIndex, entry!.endIndex), newText: name }, row };
    return { name, edit: this.appendName(binding.node, name), row };
  }

  /**
   * Takes one imported name out of a from-import: up to the next name (or from the previous one,
   * for the last), or the whole statement's lines when it is the only name and the statement stands
   * alone on its lines in the module. Undefined where that cannot be done cleanly.
   */
  private withoutName(statement: Node, entry: Node): TextEdit | undefined {
    const names = statement.childrenForFieldName('name').filter((n): n is Node => !!n);
    const index = names.findIndex((n) => n.id === entry.id);
    if (index < 0) return undefined;
    const remove = (start: number, end: number): TextEdit => ({ range: this.source.rangeOf(start, end), newText: '' });
    if (index + 1 < names.length) return remove(entry.startIndex, names[index + 1].startIndex);
    if (index > 0) return remove(names[index - 1].endIndex, entry.endIndex);
    // The only name: the statement goes, if that leaves no block empty and nothing else on its lines.
    if (this.model.parentOf(statement)?.type !== 'module') return undefined;
    const first = statement.startPosition.row;
    const last = statement.endPosition.row;
    const start = this.source.lineStart(first);
    const end = this.source.lineEnd(last);
    if (this.source.text.slice(start, statement.startIndex).trim() || this.source.text.slice(statement.endIndex, end).trim()) return undefined;
    return remove(start, last + 1 < this.source.lineCount ? this.source.lineStart(last + 1) : end);
  }

  /** The first `from <module> import a, b` statement (not `*`) of the file's leading import block. */
  private fromStatement(module: string): Node | undefined {
    const end = this.insertionLine();
    for (const stmt of this.model.headStatements()) {
      if (stmt.startPosition.row >= end || (this.at && stmt.endIndex > this.at.startIndex)) break;
      if (stmt.type !== 'import_from_statement' || moduleOf(stmt) !== module) continue;
      if (stmt.namedChildren.some((c) => c?.type === 'wildcard_import')) continue;
      return stmt;
    }
    return undefined;
  }

  /** Adds `text` after the last name of a from-import, continuing a one-name-per-line parenthesised layout. */
  private appendName(statement: Node, text: string): TextEdit {
    const names = statement.childrenForFieldName('name').filter((n): n is Node => !!n);
    const last = names[names.length - 1];
    const afterLast = last.nextSibling;
    const trailingComma = afterLast?.type === ',';
    if (last.startPosition.row > statement.startPosition.row && statement.text.includes('(')) {
      const indent = this.source.text.slice(this.source.offsetAt({ line: last.startPosition.row, character: 0 }), last.startIndex);
      const line = `${this.source.eol}${/^\s*$/.test(indent) ? indent : '    '}${text}`;
      return trailingComma ? insertAt(this.source, afterLast!.endIndex, `${line},`) : insertAt(this.source, last.endIndex, `,${line}`);
    }
    return trailingComma ? insertAt(this.source, afterLast!.endIndex, ` ${text}`) : insertAt(this.source, last.endIndex, `, ${text}`);
  }

  /** Where a new top-level import goes: after the module docstring, `__future__` imports and the leading import block. */
  insertionLine(): number {
    let line = 0;
    let imports = false;
    for (const stmt of this.model.headStatements()) {
      // A header comment stays above; a comment after the imports belongs to the code below it.
      if (stmt.type === 'comment') {
        if (!imports && stmt.startPosition.row === line) line = stmt.endPosition.row + 1;
        continue;
      }
      imports = true;
      const isDocstring = stmt.type === 'expression_statement' && stmt.namedChild(0)?.type === 'string' && line === stmt.startPosition.row;
      // Imports guarded by try/except at the top (an optional dependency, a notebook's install-on-Colab cell) stay in the block too.
      if (isDocstring || stmt.type === 'future_import_statement' || stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || isGuardedImport(stmt)) {
        line = stmt.endPosition.row + 1;
        continue;
      }
      break;
    }
    return line;
  }

  /**
   * The line after the run of top-level imports that holds the import statement `first`, for code
   * that must follow every import of that run (a global setting for the modules they import). Comments
   * and environment settings between the imports (`os.environ[…] = …`, `sys.path.insert(…)`, which a
   * script puts before the import they configure) belong to the run; any other statement ends it.
   */
  lineAfterImportRun(first: Node): number {
    let line = first.endPosition.row + 1;
    let started = false;
    for (const stmt of this.model.headStatements()) {
      if (!started) {
        started = stmt.id === first.id;
        continue;
      }
      if (stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || stmt.type === 'future_import_statement' || isGuardedImport(stmt)) {
        line = stmt.endPosition.row + 1;
        continue;
      }
      if (stmt.type === 'comment' || this.setsEnvironment(stmt)) continue;
      break;
    }
    return line;
  }

  /** `os.environ[…] = …`, `os.environ.setdefault(…)` / `update(…)`, `os.putenv(…)`, `sys.path.insert(…)` / `append(…)`. */
  private setsEnvironment(stmt: Node): boolean {
    const expr = stmt.type === 'expression_statement' ? stmt.namedChild(0) : null;
    if (expr?.type === 'assignment') {
      const target = expr.childForFieldName('left');
      return target?.type === 'subscript' && this.model.qualifiedName(target.childForFieldName('value')!) === 'os.environ';
    }
    if (expr?.type !== 'call') return false;
    return ENVIRONMENT_SETTERS.has(this.model.qualifiedName(expr.childForFieldName('function')!) ?? '');
  }

  /**
   * An import line after the import block, or nothing when this importer already added the same
   * line. When the edit comes before the end of that block, the line goes right above the statement
   * the edit is in, indented as it is.
   */
  private line(text: string): TextEdit | undefined {
    if (this.added.has(text)) return undefined;
    this.added.add(text);
    const line = this.insertionLine();
    const statement = this.at && this.editedStatement(this.at);
    if (!statement || line <= statement.startPosition.row) return insertLine(this.source, line, text);
    const row = statement.startPosition.row;
    return insertLine(this.source, row, `${this.source.indentOf(row)}${text}`);
  }

  /** The statement (of the module or of a block) that holds `node`. */
  private editedStatement(node: Node): Node {
    let statement = node;
    for (let parent = this.model.parentOf(statement); parent && parent.type !== 'module' && parent.type !== 'block'; parent = this.model.parentOf(statement)) statement = parent;
    return statement;
  }

  /** The bindings that bind their name at the edit (any module-level one when no edit was given). */
  private topLevel(bindings: Binding[]): Binding[] {
    const at = this.at;
    if (!at) return bindings.filter((b) => this.model.isModuleLevel(b.node));
    return bindings.filter((b) => this.bindsAt(b.node, at));
  }

  /**
   * Whether the import statement `statement` has run, binding its name, when the code at `at` runs:
   * it stands earlier in the file, in the module or in a function that encloses `at` (a class body's
   * names are not seen from the methods inside it), and every block it sits in on the way there
   * encloses `at` too, or always runs (a `try` body, a `with` body, a `finally`) — an import under an
   * `if`, `for`, `except` or `else` branch that does not hold the edit may not have run.
   */
  private bindsAt(statement: Node, at: Node): boolean {
    if (statement.endIndex > at.startIndex) return false;
    const scope = this.model.scopeOf(statement);
    if (scope.id !== this.model.root.id) {
      if (!encloses(scope, at)) return false;
      // Names of a class body are not visible in the functions defined in it.
      if (scope.type === 'class_definition' && this.model.scopeOf(at).id !== scope.id) return false;
    }
    for (let node = this.model.parentOf(statement); node && node.id !== scope.id; node = this.model.parentOf(node)) {
      if (node.type !== 'block' || encloses(node, at)) continue;
      const owner = this.model.parentOf(node);
      const alwaysRuns = owner?.type === 'try_statement' || owner?.type === 'with_statement' || owner?.type === 'finally_clause';
      if (!alwaysRuns) return false;
    }
    return true;
  }
}

const ENVIRONMENT_SETTERS: ReadonlySet<string> = new Set(['os.environ.setdefault', 'os.environ.update', 'os.putenv', 'sys.path.insert', 'sys.path.append']);

function encloses(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** `try:` whose body starts with an import (`try: import google.colab …`, `try: import ujson as json`). */
export function isGuardedImport(statement: Node): boolean {
  if (statement.type !== 'try_statement') return false;
  const first = statement.childForFieldName('body')?.namedChildren.find((c) => c && c.type !== 'comment');
  return first?.type === 'import_statement' || first?.type === 'import_from_statement';
}

/** `sklearn.model_selection` of `from sklearn.model_selection import …` (relative imports keep their dots). */
function moduleOf(statement: Node): string | undefined {
  return statement.childForFieldName('module_name')?.text.replace(/\s+/g, '');
}
