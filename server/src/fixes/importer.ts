// The names a fix writes for modules and imported names, and the import edits that make them
// valid: an existing top-level import is used as it is; otherwise one import line is added after the
// file's import block, once per fix however often it is asked for.
import type { Binding } from '../analysis/model/bindings';
import type { SemanticModel } from '../analysis/model/model';
import type { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { insertLine } from './edits';
import { topPackage } from '../analysis/qualifiedName';

export interface ImportedName {
  /** What generated code writes: `torch`, `lgb`, `EarlyStopping`, `keras.callbacks.EarlyStopping`. */
  name: string;
  /** The import to add, when none binds the name yet (given once per importer). */
  edit?: TextEdit;
}

export class Importer {
  private readonly added = new Set<string>();

  constructor(
    private readonly model: SemanticModel,
    private readonly source: SourceText,
  ) {}

  /** The local name a top-level import binds to one of these qualified names, if any. */
  existing(qualifiedNames: Iterable<string>): string | undefined {
    return this.topLevel(this.model.importsOf(qualifiedNames))[0]?.name;
  }

  /**
   * The top-level import bindings of these qualified names, for a fix that places code relative to
   * where those import statements stand (an edit touching them sends the reader to be checked again).
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
      if (this.topLevel(this.model.importsOf([top])).some((b) => b.name === top)) return { name: module };
    }
    return { name: alias ?? module, edit: this.line(alias ? `import ${module} as ${alias}` : `import ${module}`) };
  }

  /** `from <module> import <name><suffix>` unless that name is already imported from there at top level. */
  from(module: string, name: string, suffix = ''): ImportedName {
    const existing = this.existing([`${module}.${name}`]);
    if (existing) return { name: existing };
    const local = suffix.startsWith(' as ') ? suffix.slice(4).split(/\s/)[0] : name;
    return { name: local, edit: this.line(`from ${module} import ${name}${suffix}`) };
  }

  /** Where a new top-level import goes: after the module docstring, `__future__` imports and the leading import block. */
  insertionLine(): number {
    let line = 0;
    for (const stmt of this.model.headStatements()) {
      if (stmt.type === 'comment') {
        if (stmt.startPosition.row === line) line = stmt.endPosition.row + 1;
        continue;
      }
      const isDocstring = stmt.type === 'expression_statement' && stmt.namedChild(0)?.type === 'string' && line === stmt.startPosition.row;
      if (isDocstring || stmt.type === 'future_import_statement' || stmt.type === 'import_statement' || stmt.type === 'import_from_statement') {
        line = stmt.endPosition.row + 1;
        continue;
      }
      // Imports guarded by try/except at the top stay in the block too.
      break;
    }
    return line;
  }

  /** An import line after the import block, or nothing when this importer already added the same line. */
  private line(text: string): TextEdit | undefined {
    if (this.added.has(text)) return undefined;
    this.added.add(text);
    return insertLine(this.source, this.insertionLine(), text);
  }

  private topLevel(bindings: Binding[]): Binding[] {
    return bindings.filter((b) => this.model.isModuleLevel(b.node));
  }
}
