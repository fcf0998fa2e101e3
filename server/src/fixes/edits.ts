// Edit helpers shared by rules: replace a node, add keyword arguments, add imports, wrap a block.
// Every helper writes in the file's own indentation and newline style.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { Range, TextEdit } from '../analysis/types';

export function nodeRange(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

export function replaceNode(node: Node, newText: string): TextEdit {
  return { range: nodeRange(node), newText };
}

export function insertAt(source: SourceText, offset: number, text: string): TextEdit {
  const pos = source.positionAt(offset);
  return { range: { start: pos, end: pos }, newText: text };
}

/**
 * Adds `name=value` arguments at the end of a call's argument list. One-line calls get `, a=b`;
 * calls written one argument per line get a new line with the same indentation, and a trailing
 * comma when the call already had one.
 */
export function addKeywordArguments(call: CallSite, source: SourceText, args: Array<[string, string]>): TextEdit {
  const list = call.argumentList;
  if (!list) throw new Error('call has no argument list');
  const items = list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const text = args.map(([k, v]) => `${k}=${v}`);
  const close = list.endIndex - 1; // offset of ')'
  if (items.length === 0) return insertAt(source, close, text.join(', '));
  const last = items[items.length - 1];
  // Token after the last argument: a trailing comma or the closing parenthesis.
  const afterLast = last.nextSibling;
  const trailingComma = afterLast?.type === ',';
  // Written one argument per line (the last one starts below the parenthesis): continue that layout.
  if (last.startPosition.row > list.startPosition.row) {
    const indent = source.indentOf(last.startPosition.row);
    const eol = source.eol;
    const body = text.map((t) => `${eol}${indent}${t}`).join(',');
    if (trailingComma) return insertAt(source, afterLast!.endIndex, `${body},`);
    return insertAt(source, last.endIndex, `,${body}`);
  }
  if (trailingComma) return insertAt(source, afterLast!.endIndex, ` ${text.join(', ')}`);
  return insertAt(source, last.endIndex, `, ${text.join(', ')}`);
}

/** Sets a keyword argument's value: replaces it when present, adds it otherwise. */
export function setKeywordArgument(call: CallSite, source: SourceText, name: string, value: string): TextEdit {
  const existing = call.keywords.get(name);
  if (existing) return replaceNode(existing.value, value);
  return addKeywordArguments(call, source, [[name, value]]);
}

/** Removes a keyword argument with its separating comma. */
export function removeKeywordArgument(call: CallSite, source: SourceText, name: string): TextEdit | undefined {
  const existing = call.keywords.get(name);
  if (!existing) return undefined;
  const node = existing.node;
  const prev = node.previousSibling;
  const next = node.nextSibling;
  let start = node.startIndex;
  let end = node.endIndex;
  if (next?.type === ',') {
    end = next.endIndex;
    // swallow the whitespace after the comma on the same line
    while (end < source.text.length && source.text[end] === ' ') end++;
  } else if (prev?.type === ',') {
    start = prev.startIndex;
  }
  return { range: source.rangeOf(start, end), newText: '' };
}

/** Where a new top-level import goes: after the module docstring, `__future__` imports and the leading import block. */
export function importInsertionLine(model: SemanticModel): number {
  let line = 0;
  for (const stmt of model.headStatements()) {
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

/**
 * An edit adding `import <module>` (or `import <module> as <alias>`) unless the file already binds
 * a name to that module at top level; returns the name to use in generated code.
 */
export function ensureModuleImport(model: SemanticModel, source: SourceText, module: string, alias?: string): { name: string; edit?: TextEdit } {
  for (const b of model.importsOf([module])) {
    if (model.scopeOf(b.node).id === model.root.id) return { name: b.name };
  }
  // `import torch.nn` binds `torch`, through which `torch.nn` is reachable.
  if (!alias && module.includes('.')) {
    const top = module.split('.')[0];
    for (const b of model.importsOf([top])) {
      if (b.name === top && model.scopeOf(b.node).id === model.root.id) return { name: module };
    }
  }
  const line = importInsertionLine(model);
  const text = alias ? `import ${module} as ${alias}` : `import ${module}`;
  return { name: alias ?? module, edit: insertLine(source, line, text) };
}

/** An edit adding `from <module> import <name>` unless that name is already imported from there. */
export function ensureFromImport(
  model: SemanticModel,
  source: SourceText,
  module: string,
  name: string,
  suffix = '',
): { name: string; edit?: TextEdit } {
  const qualified = `${module}.${name}`;
  for (const b of model.importsOf([qualified])) {
    if (model.scopeOf(b.node).id === model.root.id) return { name: b.name };
  }
  const line = importInsertionLine(model);
  return { name, edit: insertLine(source, line, `from ${module} import ${name}${suffix}`) };
}

/** Inserts a whole line (without newline) before the given line, using the file's newline. */
export function insertLine(source: SourceText, line: number, text: string): TextEdit {
  const eol = source.eol;
  if (line >= source.lineCount) {
    const end = source.text.length;
    const needsBreak = end > 0 && !source.text.endsWith('\n') && !source.text.endsWith('\r');
    return insertAt(source, end, `${needsBreak ? eol : ''}${text}${eol}`);
  }
  const pos = { line, character: 0 };
  return { range: { start: pos, end: pos }, newText: `${text}${eol}` };
}

/**
 * One level of indentation where `statement` stands: what its block adds to the indentation of the
 * statement that opens the block (`for …:` at 4 spaces, body at 8: four spaces). At module level, or
 * when that is not a plain step, the file's unit (which an edit anywhere can change: recorded).
 */
function blockStep(source: SourceText, model: SemanticModel, statement: Node, indent: string): string {
  const block = model.parentOf(statement);
  const opener = block?.type === 'block' ? model.parentOf(block) : null;
  if (opener && opener.startPosition.row !== statement.startPosition.row) {
    const outer = source.indentOf(opener.startPosition.row);
    if (indent.length > outer.length && indent.startsWith(outer)) return indent.slice(outer.length);
  }
  model.readLayout('<indent>');
  return source.indentUnit;
}

/**
 * Wraps whole statements (from the first's line to the last's end) in a block opened by `header`
 * (e.g. `with torch.autocast("cuda"):`), indenting them one level. Lines inside multi-line strings
 * are left untouched so string contents do not change.
 */
export function wrapStatements(source: SourceText, model: SemanticModel, first: Node, last: Node, header: string): TextEdit[] {
  const startLine = first.startPosition.row;
  const endLine = last.endPosition.row;
  const indent = source.indentOf(startLine);
  const unit = blockStep(source, model, first, indent);
  const edits: TextEdit[] = [{ range: { start: { line: startLine, character: 0 }, end: { line: startLine, character: 0 } }, newText: `${indent}${header}${source.eol}` }];
  for (let line = startLine; line <= endLine; line++) {
    if (source.lineText(line).trim() === '') continue;
    const offset = source.lineStart(line);
    if (line !== startLine && insideString(model, offset)) continue;
    edits.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: unit });
  }
  return edits;
}

function insideString(model: SemanticModel, offset: number): boolean {
  let node: Node | null = model.nodeAt(offset, offset);
  while (node) {
    if (node.type === 'string' && node.startIndex < offset && offset < node.endIndex) return true;
    node = node.parent;
  }
  return false;
}

/** Applies non-overlapping edits to a text; edits are given in any order. */
export function applyEdits(source: SourceText, edits: readonly TextEdit[]): string {
  const resolved = edits
    .map((e, i) => ({ start: source.offsetAt(e.range.start), end: source.offsetAt(e.range.end), text: e.newText, i }))
    .sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const e of resolved) {
    if (e.start < cursor) throw new Error('overlapping edits');
    out += source.text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + source.text.slice(cursor);
}
