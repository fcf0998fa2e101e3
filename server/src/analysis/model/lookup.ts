// Owns name resolution: which bindings a name refers to where it is read (Python's LEGB, minus
// builtins), what a module-level name resolves to (kept across edits of a segmented document), and
// qualified names through imports and aliases (`T.cuda.amp.autocast` → `torch.cuda.amp.autocast`).
import { key } from '../dependency';
import type { Node } from '../parser';
import { memberOf, type QualifiedName } from '../qualifiedName';
import type { Binding, ModuleResolution } from './bindings';
import type { OffsetRange } from './module';
import type { ModelParts } from './parts';

/** How a lookup that reaches the module scope is recorded: any binding, the resolution alone, or definitions alone. */
type ModuleRead = 'binding' | 'resolution' | 'definition';

export class Lookup {
  /** moduleResolution's answers in a document of one tree (kept with the model). */
  private resolutions: Map<string, ModuleResolution> | undefined;

  constructor(private readonly m: ModelParts) {}

  /** Bindings of a name visible from a node, from the innermost scope that binds it. */
  lookup(name: string, from: Node): Binding[] {
    return this.lookupRecording(name, from, 'binding');
  }

  /**
   * `lookup` for a reader that looks only for definitions (def or class bindings): when there are none,
   * what it depends on is only whether a module-level one appears.
   */
  lookupDefinitions(name: string, from: Node): Binding[] {
    const found = this.m.recorder.quietly(() => this.lookupRecording(name, from, 'binding'));
    this.lookupRecording(name, from, found.some((b) => b.kind === 'def' || b.kind === 'class') ? 'binding' : 'definition');
    return found;
  }

  /**
   * The bindings `lookup` gives that start inside one of these spans and that `accept` keeps. When
   * there are some, the answer depends only on the text of the spans; when there are none, on what
   * `lookup` depends on.
   */
  lookupWithin(name: string, from: Node, spans: readonly OffsetRange[], accept: (b: Binding) => boolean): Binding[] {
    const recorder = this.m.recorder;
    const found = recorder.quietly(() => this.lookupRecording(name, from, 'binding'));
    const inside = found.filter((b) => accept(b) && spans.some((s) => b.node.startIndex >= s.start && b.node.startIndex < s.end));
    if (inside.length === 0) {
      this.lookupRecording(name, from, 'binding');
      return [];
    }
    this.m.readStatementOf(from);
    if (recorder.recording && this.m.module.segmented) {
      for (const s of spans) recorder.read(key.statement(s.start, Math.max(s.end, ...inside.map((b) => b.node.endIndex))));
    }
    return inside;
  }

  /**
   * `lookup`, recording what the answer depends on. The scopes searched are the node's own (within
   * its top-level statement) and the module's: the answer changes with the node's statement and,
   * when the search reaches the module scope, with a statement binding the name there (recorded as
   * `read` says).
   */
  private lookupRecording(name: string, from: Node, read: ModuleRead): Binding[] {
    return this.innerLookup(name, from, read) ?? this.m.scopes.bindingsIn(name, this.m.module.root) ?? [];
  }

  /**
   * lookupRecording's search of the scopes inside the module: the innermost one's bindings, or
   * undefined when the search reaches the module scope (recorded as `read` says).
   */
  private innerLookup(name: string, from: Node, read: ModuleRead): Binding[] | undefined {
    const { recorder, scopes, module } = this.m;
    recorder.checkDeadline();
    this.m.readStatementOf(from);
    let scope: Node | null = scopes.scopeOf(from);
    let first = true;
    while (scope) {
      if (scope.id === module.root.id) {
        recorder.read(read === 'binding' ? key.moduleBinding(name) : read === 'resolution' ? key.resolution(name) : key.definition(name));
        return undefined;
      }
      // A class body's names are not visible from the functions nested in it.
      if (first || scope.type !== 'class_definition') {
        const found = scopes.bindingsIn(name, scope);
        if (found && found.length) return found;
      }
      first = false;
      scope = scopes.scopeOf(scope);
    }
    return [];
  }

  /**
   * What a name resolves to at module level (see ModuleResolution). In a segmented document it is
   * kept across models (BindingCandidates.resolutions): most edits change no module-level binding.
   */
  moduleResolution(name: string): ModuleResolution {
    const candidates = this.m.module.segmented ? this.m.scopes.candidates() : undefined;
    const kept = candidates?.resolutions ?? (this.resolutions ??= new Map());
    let resolution = kept.get(name);
    if (!resolution) {
      resolution = this.m.recorder.quietly((): ModuleResolution => {
        const bindings = this.m.scopes.bindingsIn(name, this.m.module.root) ?? [];
        const imports = this.m.imports.imports();
        if (bindings.length === 0) {
          const stars = imports.stars();
          const importedSomewhere = imports.named(name).length > 0;
          return { bound: 'none', qualified: undefined, definition: false, stars, importedSomewhere, summary: `none ${stars.length === 1 && !importedSomewhere ? stars[0] : ''}` };
        }
        const definition = bindings.some((b) => b.kind === 'def' || b.kind === 'class');
        if (bindings.some((b) => b.kind !== 'import' || !b.qualified)) return { bound: 'other', qualified: undefined, definition, stars: [], importedSomewhere: true, summary: 'x' };
        const qualified = [...new Set(bindings.map((b) => b.qualified!))].sort();
        return { bound: 'imports', qualified: qualified.length === 1 ? qualified[0] : undefined, definition, stars: [], importedSomewhere: true, summary: `i ${qualified.join(' ')}` };
      });
      kept.set(name, resolution);
    }
    return resolution;
  }

  /** Whether a name is bound where `from` reads it (recorded as a reader of its resolution). */
  isBound(name: string, from: Node): boolean {
    const inner = this.innerLookup(name, from, 'resolution');
    if (inner !== undefined) return inner.length > 0;
    return this.m.module.segmented ? this.moduleResolution(name).bound !== 'none' : (this.m.scopes.bindingsIn(name, this.m.module.root)?.length ?? 0) > 0;
  }

  /**
   * Fully qualified name of an identifier or attribute chain, resolved through imports:
   * `T.cuda.amp.autocast` → `torch.cuda.amp.autocast` after `import torch as T`. A name that is
   * (also) bound by anything other than an import in its scope does not resolve.
   */
  qualifiedName(expr: Node): QualifiedName | undefined {
    if (expr.type === 'attribute') {
      const object = expr.childForFieldName('object');
      const attr = expr.childForFieldName('attribute');
      if (!object || !attr) return undefined;
      const base = this.qualifiedName(object);
      return base ? memberOf(base, attr.text) : undefined;
    }
    if (expr.type === 'parenthesized_expression') {
      const inner = expr.namedChild(0);
      return inner ? this.qualifiedName(inner) : undefined;
    }
    if (expr.type !== 'identifier') return undefined;
    const { recorder, module, scopes } = this.m;
    const name = expr.text;
    const inner = this.innerLookup(name, expr, 'resolution');
    if (inner === undefined && module.segmented) {
      // The module scope of a segmented document: what the resolution summarises, kept across edits.
      const resolution = this.moduleResolution(name);
      if (resolution.bound !== 'none') return resolution.qualified;
      recorder.read(key.starImports);
      if (resolution.stars.length !== 1) return undefined;
      recorder.read(key.imports);
      return resolution.importedSomewhere ? undefined : memberOf(resolution.stars[0], name);
    }
    const bindings = inner ?? scopes.bindingsIn(name, module.root) ?? [];
    if (bindings.length === 0) {
      recorder.read(key.starImports);
      const imports = this.m.imports.imports();
      const stars = imports.stars();
      if (stars.length !== 1) return undefined;
      recorder.read(key.imports);
      return imports.named(name).length ? undefined : memberOf(stars[0], name);
    }
    let qualified: QualifiedName | undefined;
    for (const b of bindings) {
      if (b.kind !== 'import' || !b.qualified) return undefined;
      if (qualified !== undefined && qualified !== b.qualified) return undefined;
      qualified = b.qualified;
    }
    return qualified;
  }
}
