// Edit helpers shared by rules, bound to one file: replace a node, add or set keyword arguments,
// insert lines, wrap statements in a block, add imports (importer.ts). Every helper writes in the
// file's own indentation and newline style.
import type { CallSite } from '../analysis/model/calls';
import type { SemanticModel } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { SourceText } from '../analysis/sourceText';
import type { Range, TextEdit } from '../analysis/types';
import { Importer } from './importer';

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

export class Edits {
  constructor(
    readonly source: SourceText,
    private readonly model: SemanticModel,
  ) {}

  /**
   * Imports for one fix that writes code at `at` (the node it edits): the name to write for a module
   * or a name — through an import only when that import has run by the time `at` runs — and each
   * import edit once, placed so that it runs before `at`.
   */
  importer(at?: Node): Importer {
    return new Importer(this.model, this.source, at);
  }

  replace(node: Node, newText: string): TextEdit {
    return replaceNode(node, newText);
  }

  /** Replaces the text between two offsets. */
  replaceRange(start: number, end: number, newText: string): TextEdit {
    return { range: this.source.rangeOf(start, end), newText };
  }

  insertAt(offset: number, text: string): TextEdit {
    return insertAt(this.source, offset, text);
  }

  /** Inserts a whole line (without newline) before the given line. */
  insertLine(line: number, text: string): TextEdit {
    return insertLine(this.source, line, text);
  }

  /** The indentation of a line. */
  indentOf(line: number): string {
    return this.source.indentOf(line);
  }

  /** The file's newline. */
  get eol(): string {
    this.model.readLayout('eol');
    return this.source.eol;
  }

  /** One level of indentation as the file writes it (an edit anywhere can change it: recorded). */
  get indentUnit(): string {
    this.model.readLayout('indent');
    return this.source.indentUnit;
  }

  /**
   * Adds `name=value` arguments at the end of a call's argument list. One-line calls get `, a=b`;
   * calls written one argument per line get a new line with the same indentation, and a trailing
   * comma when the call already had one.
   */
  addKeywordArguments(call: CallSite, args: Array<[string, string]>): TextEdit {
    const source = this.source;
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
      const body = text.map((t) => `${source.eol}${indent}${t}`).join(',');
      // A comment after the last argument stays with it: the new arguments go on the lines after it.
      const anchor = trailingComma ? afterLast! : last;
      const lineEnd = source.lineEnd(anchor.endPosition.row);
      const rest = source.text.slice(anchor.endIndex, lineEnd);
      if (rest.trim().startsWith('#')) return { range: source.rangeOf(anchor.endIndex, lineEnd), newText: `${trailingComma ? '' : ','}${rest}${body}${trailingComma ? ',' : ''}` };
      if (trailingComma) return insertAt(source, afterLast!.endIndex, `${body},`);
      return insertAt(source, last.endIndex, `,${body}`);
    }
    if (trailingComma) return insertAt(source, afterLast!.endIndex, ` ${text.join(', ')}`);
    return insertAt(source, last.endIndex, `, ${text.join(', ')}`);
  }

  /** Sets a keyword argument's value: replaces it when present, adds it otherwise. */
  setKeywordArgument(call: CallSite, name: string, value: string): TextEdit {
    const existing = call.keywords.get(name);
    if (existing) return replaceNode(existing.value, value);
    return this.addKeywordArguments(call, [[name, value]]);
  }

  /** Removes a keyword argument with its separating comma. */
  removeKeywordArgument(call: CallSite, name: string): TextEdit | undefined {
    const existing = call.keywords.get(name);
    if (!existing) return undefined;
    const text = this.source.text;
    const node = existing.node;
    const prev = node.previousSibling;
    const next = node.nextSibling;
    let start = node.startIndex;
    let end = node.endIndex;
    if (next?.type === ',') {
      end = next.endIndex;
      // swallow the whitespace after the comma on the same line
      while (end < text.length && text[end] === ' ') end++;
    } else if (prev?.type === ',') {
      start = prev.startIndex;
    }
    return { range: this.source.rangeOf(start, end), newText: '' };
  }

  /**
   * Wraps whole statements (from the first's line to the last's end) in a block opened by `header`
   * (e.g. `with torch.autocast("cuda"):`), indenting them one level. Lines inside multi-line strings
   * are left untouched so string contents do not change.
   */
  wrapStatements(first: Node, last: Node, header: string): TextEdit[] {
    const source = this.source;
    const startLine = first.startPosition.row;
    const endLine = last.endPosition.row;
    const indent = source.indentOf(startLine);
    const unit = this.blockStep(first);
    const edits: TextEdit[] = [{ range: { start: { line: startLine, character: 0 }, end: { line: startLine, character: 0 } }, newText: `${indent}${header}${source.eol}` }];
    for (let line = startLine; line <= endLine; line++) {
      if (source.lineText(line).trim() === '') continue;
      const offset = source.lineStart(line);
      if (line !== startLine && this.insideString(offset)) continue;
      edits.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: unit });
    }
    return edits;
  }

  /**
   * One level of indentation where `statement` stands: what its block adds to the indentation of the
   * statement that opens the block (`for …:` at 4 spaces, body at 8: four spaces). At module level, or
   * when that is not a plain step, the file's unit (which an edit anywhere can change: recorded).
   * A fix that opens a block below `statement` indents that block by this much.
   */
  blockStep(statement: Node): string {
    const indent = this.source.indentOf(statement.startPosition.row);
    const block = this.model.parentOf(statement);
    const opener = block?.type === 'block' ? this.model.parentOf(block) : null;
    if (opener && opener.startPosition.row !== statement.startPosition.row) {
      const outer = this.source.indentOf(opener.startPosition.row);
      if (indent.length > outer.length && indent.startsWith(outer)) return indent.slice(outer.length);
    }
    return this.indentUnit;
  }

  private insideString(offset: number): boolean {
    let node: Node | null = this.model.nodeAt(offset, offset);
    while (node) {
      if (node.type === 'string' && node.startIndex < offset && offset < node.endIndex) return true;
      node = node.parent;
    }
    return false;
  }
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
