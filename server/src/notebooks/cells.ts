// Notebook cells as one Python text: the code cells joined line by line, with IPython-only syntax
// (line magics, shell escapes, cell magics, `?` help) masked without moving any column, and a
// position map both ways between (cell, line, character) and the joined text. Edits made on the
// joined text (fixes, suppressions) are mapped back to per-cell edits.
//
// Masking is IPython's own input transformation done ahead of the tree-sitter parse: it only decides
// which lines IPython would hand to a magic; all findings still come from the parse tree.
import { analyzeText, analyzeTree, type AnalysisResult, type AnalyzeOptions } from '../analysis/analyze';
import type { PythonDocument } from '../analysis/document';
import { parsePython, type Node } from '../analysis/parser';
import { SourceText } from '../analysis/sourceText';
import type { Finding, Fix, Position, Range, TextEdit } from '../analysis/types';
import { applicableFix, parsesCleanly } from '../fixes/fixAll';
import { applyEdits } from '../fixes/edits';
import { isGuardedImport } from '../fixes/importer';

export interface CellInput {
  /** Code cells are analysed; markdown and raw cells only keep their place in the numbering. */
  kind: 'code' | 'markdown' | 'raw';
  text: string;
  /** The cell's document URI (LSP), when there is one. */
  uri?: string;
}

/** Cell magics whose body is Python that IPython runs (only the `%%` line is masked). */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun']);
/** Line magics whose argument is a Python statement kept visible to the analysis. */
const PYTHON_STATEMENT_LINE_MAGICS = new Set(['time', 'timeit', 'prun']);

interface MaskedSpan {
  line: number;
  start: number;
  end: number;
}

export interface CellSpan {
  /** Index of the cell in the notebook (all cells counted, 0-based). */
  index: number;
  uri?: string;
  /** The cell's own text, as written. */
  original: string;
  /** The cell's text with IPython syntax masked (same length, same lines). */
  masked: string;
  /** First line of the cell in the joined text. */
  startLine: number;
  lineCount: number;
  /** Newline sequence the cell uses. */
  eol: string;
  /** Column ranges whose characters differ from the cell's text. */
  spans: MaskedSpan[];
}

export interface CellEdit {
  cell: number;
  range: Range;
  newText: string;
}

export interface CellFix {
  title: string;
  safety: Fix['safety'];
  edits: CellEdit[];
}

/** A finding located in a cell: range in the cell's coordinates. */
export interface CellFinding {
  cell: number;
  finding: Finding;
  /** The finding's fixes mapped to cells (a fix that would touch masked IPython syntax is left out). */
  fixes: CellFix[];
}

function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lines.push(text.slice(start, i));
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  lines.push(text.slice(start));
  return lines;
}

function lineBreaks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) {
      out.push('\r\n');
      i++;
    } else if (c === 10) out.push('\n');
    else if (c === 13) out.push('\r');
  }
  return out;
}

function firstNonBlank(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

/** State of a Python tokenizer across lines: an open string, bracket depth, a backslash continuation. */
interface ScanState {
  quote: string | undefined;
  depth: number;
  continued: boolean;
}

/** Scans one physical line of Python; returns whether a `?` occurs in code (outside strings and comments). */
function scanPython(line: string, state: ScanState): boolean {
  let question = false;
  state.continued = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (state.quote) {
      if (ch === '\\') {
        i += 2;
        continue;
      }
      if (line.startsWith(state.quote, i)) {
        i += state.quote.length;
        state.quote = undefined;
        continue;
      }
      i++;
      continue;
    }
    if (ch === '#') break;
    if (ch === '"' || ch === "'") {
      const triple = line.startsWith(ch.repeat(3), i);
      state.quote = triple ? ch.repeat(3) : ch;
      i += state.quote.length;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') state.depth++;
    else if (ch === ')' || ch === ']' || ch === '}') state.depth = Math.max(0, state.depth - 1);
    else if (ch === '?') question = true;
    else if (ch === '\\' && i === line.length - 1) state.continued = true;
    i++;
  }
  // A single-quoted string does not continue past the line (unless escaped, handled above).
  if (state.quote && state.quote.length === 1 && !line.endsWith('\\')) state.quote = undefined;
  return question;
}

/**
 * IPython's `lhs = !cmd` and `lhs = %magic` forms: the offset of the `!`/`%` when the line is one
 * (a target of names, dots and commas, a plain `=`), else -1.
 */
function assignmentFromMagic(line: string, at: number): number {
  let i = at;
  const isTargetChar = (c: string) => /[A-Za-z0-9_., \t]/.test(c);
  while (i < line.length && isTargetChar(line[i])) i++;
  if (i === at || line[i] !== '=' || line[i + 1] === '=') return -1;
  i++;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return line[i] === '!' || line[i] === '%' ? i : -1;
}

/** Replaces every UTF-16 unit of a line part with a space. */
function blank(s: string): string {
  return ' '.repeat(s.length);
}

/** Masks a cell's IPython syntax; returns the masked text and what was changed. */
export function maskIPython(text: string): { masked: string; spans: MaskedSpan[] } {
  const lines = splitLines(text);
  const breaks = lineBreaks(text);
  const spans: MaskedSpan[] = [];
  const out = [...lines];
  const set = (line: number, start: number, replacement: string) => {
    const old = out[line];
    out[line] = old.slice(0, start) + replacement + old.slice(start + replacement.length);
    spans.push({ line, start, end: start + replacement.length });
  };
  const commentOut = (line: number) => {
    const at = firstNonBlank(out[line]);
    if (at < out[line].length) set(line, at, '#');
  };
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first < lines.length && lines[first].slice(firstNonBlank(lines[first])).startsWith('%%')) {
    const name = lines[first].slice(firstNonBlank(lines[first]) + 2).split(/[\s]/)[0];
    if (!PYTHON_BODY_CELL_MAGICS.has(name)) {
      // The whole cell belongs to the magic (bash, html, writefile, …): nothing in it is Python.
      for (let l = first; l < lines.length; l++) if (lines[l].length) set(l, 0, blank(lines[l]));
      return { masked: join(out, breaks), spans };
    }
    set(first, 0, blank(lines[first]));
    first++;
  }
  const state: ScanState = { quote: undefined, depth: 0, continued: false };
  let l = first;
  while (l < lines.length) {
    const line = lines[l];
    const at = firstNonBlank(line);
    const head = line[at];
    if (head === '%' || head === '!') {
      // A magic or shell line, with its backslash continuations; never tokenized as Python.
      const name = head === '%' ? line.slice(at + 1).split(/[\s]/)[0] : '';
      const rest = line.slice(at + 1 + name.length);
      const argument = rest.trimStart();
      if (PYTHON_STATEMENT_LINE_MAGICS.has(name) && argument && !argument.startsWith('-') && !line.endsWith('\\')) {
        // `%time stmt` → `0;    stmt`: the statement stays in the tree, at its own columns.
        const prefix = line.length - at - argument.length;
        set(l, at, `0;${' '.repeat(prefix - 2)}`);
        scanPython(line.slice(line.length - argument.length), state);
        state.depth = 0;
        state.quote = undefined;
        l++;
        continue;
      }
      let end = l;
      while (lines[end].endsWith('\\') && end + 1 < lines.length) end++;
      for (let k = l; k <= end; k++) {
        if (k === l && at > 0 && line.length - at >= 2) set(k, at, `0#`); // keeps an indented block non-empty
        else commentOut(k);
      }
      l = end + 1;
      continue;
    }
    const assigned = assignmentFromMagic(line, at);
    if (assigned >= 0) {
      // `files = !ls` / `out = %who_ls`: the name stays bound (to an unknown value), the rest is masked.
      set(l, assigned, line.length - assigned >= 2 ? '0#' : '0');
      let end = l;
      while (lines[end].endsWith('\\') && end + 1 < lines.length) end++;
      for (let k = l + 1; k <= end; k++) commentOut(k);
      l = end + 1;
      continue;
    }
    // A Python logical line (possibly several physical lines); `?` in its code makes it a help request.
    const start = l;
    let question = false;
    do {
      if (scanPython(lines[l], state)) question = true;
      l++;
    } while (l < lines.length && (state.quote !== undefined || state.depth > 0 || state.continued));
    if (question) {
      for (let k = start; k < l; k++) commentOut(k);
      state.depth = 0;
      state.quote = undefined;
    }
  }
  return { masked: join(out, breaks), spans };
}

function join(lines: string[], breaks: string[]): string {
  let s = lines[0];
  for (let i = 1; i < lines.length; i++) s += breaks[i - 1] + lines[i];
  return s;
}

function eolOf(text: string): string {
  const i = text.indexOf('\n');
  if (i > 0 && text.charCodeAt(i - 1) === 13) return '\r\n';
  if (i < 0 && text.includes('\r')) return '\r';
  return '\n';
}

/**
 * Jupyter compiles each cell on its own: a cell with a syntax error (an exercise's `model = <YOUR
 * CODE>`, a line cut short) runs nothing, and the cells after it run as usual. In the joined text
 * the parser's error recovery can run on past the cell's end and swallow the statements of the next
 * cells. Where an error does, the cell's statements that do not parse are masked (the whole cell
 * when that is not enough), as IPython syntax is, so that the cells after it are read as they run.
 * An error that stays inside its cell (a line being typed) is left to the parser's recovery.
 */
function containSpilledErrors(cells: CellSpan[]): void {
  if (cells.length < 2) return;
  const tree = parsePython(cells.map((c) => c.masked).join('\n'));
  const spilling = new Set<CellSpan>();
  try {
    if (!tree.rootNode.hasError) return;
    // A top-level statement with an error that runs on past the end of the cell it starts in.
    let c = 0;
    for (const statement of tree.rootNode.children) {
      if (!statement || !(statement.hasError || statement.type === 'ERROR')) continue;
      while (c + 1 < cells.length && cells[c + 1].startLine <= statement.startPosition.row) c++;
      const cell = cells[c];
      if (statement.endPosition.row >= cell.startLine + cell.lineCount) spilling.add(cell);
    }
  } finally {
    tree.delete();
  }
  for (const cell of spilling) maskUnparsedStatements(cell);
}

/** Masks a cell's top-level statements that hold a syntax error; the whole cell when the rest still does not parse. */
function maskUnparsedStatements(cell: CellSpan): void {
  const lines = splitLines(cell.masked);
  const breaks = lineBreaks(cell.masked);
  const blankLines = (from: number, to: number) => {
    for (let l = from; l <= to && l < lines.length; l++) {
      if (!lines[l].length) continue;
      lines[l] = blank(lines[l]);
      cell.spans.push({ line: l, start: 0, end: lines[l].length });
    }
  };
  const tree = parsePython(cell.masked);
  try {
    for (const statement of tree.rootNode.children) {
      if (statement && (statement.hasError || statement.type === 'ERROR')) blankLines(statement.startPosition.row, statement.endPosition.row);
    }
  } finally {
    tree.delete();
  }
  cell.masked = join(lines, breaks);
  if (!parsesCleanly(cell.masked)) {
    blankLines(0, lines.length - 1);
    cell.masked = join(lines, breaks);
  }
}

export class ConcatenatedNotebook {
  /** The joined Python text of the code cells. */
  readonly text: string;
  readonly cells: CellSpan[];
  readonly source: SourceText;
  private readonly byIndex: Map<number, CellSpan>;

  constructor(inputs: readonly CellInput[]) {
    const cells: CellSpan[] = [];
    let line = 0;
    inputs.forEach((input, index) => {
      if (input.kind !== 'code') return;
      const { masked, spans } = maskIPython(input.text);
      const lineCount = splitLines(input.text).length;
      cells.push({ index, uri: input.uri, original: input.text, masked, startLine: line, lineCount, eol: eolOf(input.text), spans });
      line += lineCount;
    });
    containSpilledErrors(cells);
    this.cells = cells;
    this.byIndex = new Map(cells.map((c) => [c.index, c]));
    this.text = cells.map((c) => c.masked).join('\n');
    this.source = new SourceText(this.text);
  }

  cell(index: number): CellSpan | undefined {
    return this.byIndex.get(index);
  }

  cellByUri(uri: string): CellSpan | undefined {
    return this.cells.find((c) => c.uri === uri);
  }

  /** Cell position → position in the joined text. */
  toJoined(cellIndex: number, pos: Position): Position | undefined {
    const cell = this.cell(cellIndex);
    if (!cell) return undefined;
    const line = Math.min(Math.max(0, pos.line), cell.lineCount - 1);
    return { line: cell.startLine + line, character: pos.character };
  }

  /** Position in the joined text → the cell holding it and the position in that cell. */
  fromJoined(pos: Position): { cell: CellSpan; position: Position } | undefined {
    let lo = 0;
    let hi = this.cells.length - 1;
    if (hi < 0) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cells[mid].startLine <= pos.line) lo = mid;
      else hi = mid - 1;
    }
    const cell = this.cells[lo];
    const line = pos.line - cell.startLine;
    if (line < 0 || line >= cell.lineCount) return undefined;
    return { cell, position: { line, character: pos.character } };
  }

  /** A joined-text range in cell coordinates; a range crossing into a later cell is cut at the end of its first cell. */
  rangeToCell(range: Range): { cell: CellSpan; range: Range } | undefined {
    const start = this.fromJoined(range.start);
    if (!start) return undefined;
    const end = this.fromJoined(range.end);
    if (end && end.cell === start.cell) return { cell: start.cell, range: { start: start.position, end: end.position } };
    const last = start.cell.lineCount - 1;
    const lastText = splitLines(start.cell.original)[last];
    return { cell: start.cell, range: { start: start.position, end: { line: last, character: lastText.length } } };
  }

  /**
   * Maps edits on the joined text to cell edits. Returns undefined when an edit would change masked
   * IPython syntax. `preambleEndLine` (see `leadingBlockEnd`) lets a whole-line insertion at the
   * start of a cell that sits right after the leading import block go to the end of the previous
   * cell instead, so added imports join the notebook's imports.
   */
  mapEdits(edits: readonly TextEdit[], preambleEndLine = -1): CellEdit[] | undefined {
    const out: CellEdit[] = [];
    for (const raw of edits) {
      const edit = this.trim(raw);
      const start = this.fromJoined(edit.range.start);
      const end = this.fromJoined(edit.range.end);
      if (!start || !end) return undefined;
      const insertion = edit.range.start.line === edit.range.end.line && edit.range.start.character === edit.range.end.character;
      if (start.cell === end.cell) {
        if (this.touchesMask(start.cell, start.position, end.position, insertion)) return undefined;
        const first = this.cells[0];
        const isLineInsertion = insertion && start.position.line === 0 && start.position.character === 0 && /(\r\n|\n|\r)$/.test(edit.newText);
        // Another edit at the same place (a block header and its indentation) keeps them together;
        // added imports join the import cell even when code is inserted at the same place.
        const alone = !edits.some((o) => o !== raw && o.range.start.line === edit.range.start.line && o.range.start.character === 0);
        if (isLineInsertion && (alone || importLines(edit.newText)) && start.cell !== first && start.cell.startLine <= preambleEndLine) {
          const prev = this.cells[this.cells.indexOf(start.cell) - 1];
          const lines = splitLines(prev.original);
          const lastLine = lines.length - 1;
          const body = edit.newText.replace(/(\r\n|\n|\r)$/, '');
          const pos = { line: lastLine, character: lines[lastLine].length };
          const text = lines[lastLine].trim() === '' && lines.length === 1 ? body : `\n${body}`;
          out.push({ cell: prev.index, range: { start: pos, end: pos }, newText: withEol(text, prev.eol) });
          continue;
        }
        out.push({ cell: start.cell.index, range: { start: start.position, end: end.position }, newText: withEol(edit.newText, start.cell.eol) });
        continue;
      }
      // An edit across cells: the new text goes into the first cell; the rest of the range is deleted cell by cell.
      const from = this.cells.indexOf(start.cell);
      const to = this.cells.indexOf(end.cell);
      if (this.touchesMask(start.cell, start.position, this.cellEnd(start.cell), false) || this.touchesMask(end.cell, { line: 0, character: 0 }, end.position, false)) return undefined;
      out.push({ cell: start.cell.index, range: { start: start.position, end: this.cellEnd(start.cell) }, newText: withEol(edit.newText, start.cell.eol) });
      for (let k = from + 1; k < to; k++) {
        const c = this.cells[k];
        if (c.spans.length) return undefined;
        out.push({ cell: c.index, range: { start: { line: 0, character: 0 }, end: this.cellEnd(c) }, newText: '' });
      }
      out.push({ cell: end.cell.index, range: { start: { line: 0, character: 0 }, end: end.position }, newText: '' });
    }
    return out;
  }

  /** Drops the part of an edit that leaves text unchanged (so a wide replacement lands in the one cell it changes). */
  private trim(edit: TextEdit): TextEdit {
    const startOffset = this.source.offsetAt(edit.range.start);
    const endOffset = this.source.offsetAt(edit.range.end);
    const old = this.text.slice(startOffset, endOffset);
    if (old.length === 0) return edit;
    let p = 0;
    const max = Math.min(old.length, edit.newText.length);
    while (p < max && old.charCodeAt(p) === edit.newText.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && old.charCodeAt(old.length - 1 - s) === edit.newText.charCodeAt(edit.newText.length - 1 - s)) s++;
    if (p === 0 && s === 0) return edit;
    return { range: this.source.rangeOf(startOffset + p, endOffset - s), newText: edit.newText.slice(p, edit.newText.length - s) };
  }

  private cellEnd(cell: CellSpan): Position {
    const lines = splitLines(cell.original);
    return { line: lines.length - 1, character: lines[lines.length - 1].length };
  }

  private touchesMask(cell: CellSpan, start: Position, end: Position, insertion: boolean): boolean {
    for (const s of cell.spans) {
      if (s.line < start.line || s.line > end.line) continue;
      const from = s.line === start.line ? start.character : -Infinity;
      const to = s.line === end.line ? end.character : Infinity;
      if (insertion ? from > s.start && from < s.end : from < s.end && to > s.start) return true;
    }
    return false;
  }

  /** Cell texts after applying cell edits (cells without edits unchanged); keyed by cell index. */
  applyCellEdits(edits: readonly CellEdit[]): Map<number, string> {
    const byCell = new Map<number, TextEdit[]>();
    for (const e of edits) {
      const list = byCell.get(e.cell) ?? [];
      list.push({ range: e.range, newText: e.newText });
      byCell.set(e.cell, list);
    }
    const out = new Map<number, string>();
    for (const [index, list] of byCell) out.set(index, applyEdits(new SourceText(this.cell(index)!.original), list));
    return out;
  }
}

/** Whether a text is import statements only (one per line). */
function importLines(text: string): boolean {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => /^(import|from)\s/.test(l));
}

function withEol(text: string, eol: string): string {
  return eol === '\n' ? text.replace(/\r\n?/g, '\n') : text.replace(/\r\n|\r|\n/g, eol);
}

/** The line after the leading block of comments, docstring and imports (where new imports go; the same block as Importer.insertionLine). */
export function leadingBlockEnd(root: Node): number {
  let line = 0;
  let imports = false;
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'comment') {
      if (!imports && stmt.startPosition.row <= line) line = stmt.endPosition.row + 1;
      continue;
    }
    imports = true;
    const docstring = stmt.type === 'expression_statement' && stmt.namedChild(0)?.type === 'string';
    if (docstring || stmt.type === 'future_import_statement' || stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || isGuardedImport(stmt)) {
      line = stmt.endPosition.row + 1;
      continue;
    }
    break;
  }
  return line;
}

export interface NotebookAnalysis {
  notebook: ConcatenatedNotebook;
  result: AnalysisResult;
  findings: CellFinding[];
  preambleEndLine: number;
  /** Frees the parse tree when the analysis made its own (no `document`); findings stay valid. */
  dispose(): void;
}

/** Maps a finding on the joined text to its cell, with its fixes as cell edits. */
export function toCellFinding(notebook: ConcatenatedNotebook, finding: Finding, preambleEndLine: number): CellFinding | undefined {
  const located = notebook.rangeToCell(finding.range);
  if (!located) return undefined;
  let fixes: CellFix[] | undefined;
  return {
    cell: located.cell.index,
    finding: { ...finding, range: located.range },
    // Mapped on first use: diagnostics need none of it.
    get fixes(): CellFix[] {
      if (!fixes) {
        fixes = [];
        for (const fix of finding.fixes) {
          const edits = notebook.mapEdits(fix.edits, preambleEndLine);
          if (edits) fixes.push({ title: fix.title, safety: fix.safety, edits });
        }
      }
      return fixes;
    },
  };
}

/**
 * Analyses a notebook's code cells as one program. With `document` (already holding the joined text,
 * e.g. kept up to date incrementally by the language server) its tree is analysed instead of a fresh
 * parse; the analysis then reads that tree and must not be used once the document is updated or disposed.
 */
export function analyzeNotebook(input: readonly CellInput[] | ConcatenatedNotebook, options: AnalyzeOptions = {}, document?: PythonDocument): NotebookAnalysis {
  const notebook = input instanceof ConcatenatedNotebook ? input : new ConcatenatedNotebook(input);
  if (document && document.text !== notebook.text) throw new Error("analyzeNotebook: the document does not hold the notebook's joined text");
  const result = document ? analyzeTree(document.tree, document.sourceText, options) : analyzeText(notebook.text, options);
  const preambleEndLine = leadingBlockEnd(result.model.root);
  const findings: CellFinding[] = [];
  for (const f of result.findings) {
    const located = toCellFinding(notebook, f, preambleEndLine);
    if (located) findings.push(located);
  }
  return { notebook, result, findings, preambleEndLine, dispose: () => result.dispose() };
}

export interface NotebookFixResult {
  /** Every cell's text after fixing (markdown and raw cells unchanged). */
  cells: CellInput[];
  applied: string[];
  remaining: CellFinding[];
  /** Set when fixes were available but the code cells do not parse: nothing was fixed (as for a file). */
  notFixed?: 'syntax-errors';
  /** Set when fixing stopped at the round limit with fixes still to apply. */
  stoppedAfterRounds?: number;
}

/** Applies applicable fixes one at a time, re-analysing after each (like fixAllText for a file). */
export function fixNotebook(cells: readonly CellInput[], options: AnalyzeOptions & { unsafe: boolean; maxRounds?: number }): NotebookFixResult {
  let current = cells.map((c) => ({ ...c }));
  const applied: string[] = [];
  const skip = new Set<string>();
  const maxRounds = options.maxRounds ?? 50;
  for (let round = 0; round <= maxRounds; round++) {
    const analysis = analyzeNotebook(current, options);
    analysis.dispose();
    const candidate = analysis.findings.find((f) => !skip.has(keyOf(f)) && applicableCellFix(f, options.unsafe));
    const target = round < maxRounds ? candidate : undefined;
    if (!target) return { cells: current, applied, remaining: analysis.findings, ...(candidate ? { stoppedAfterRounds: maxRounds } : {}) };
    if (round === 0 && !parsesCleanly(analysis.notebook.text)) return { cells: current, applied, remaining: analysis.findings, notFixed: 'syntax-errors' };
    const fix = applicableCellFix(target, options.unsafe)!;
    const changed = analysis.notebook.applyCellEdits(fix.edits);
    let any = false;
    current = current.map((c, i) => {
      const text = changed.get(i);
      if (text === undefined || text === c.text) return c;
      any = true;
      return { ...c, text };
    });
    if (!any) skip.add(keyOf(target));
    else applied.push(target.finding.code);
  }
  const last = analyzeNotebook(current, options);
  last.dispose();
  return { cells: current, applied, remaining: last.findings };
}

/** The fix fixAll would apply, when it could be mapped to the cells. */
export function applicableCellFix(f: CellFinding, unsafe: boolean): CellFix | undefined {
  const wanted = applicableFix(f.finding, unsafe);
  if (!wanted) return undefined;
  return f.fixes.find((x) => x.title === wanted.title && x.safety === wanted.safety);
}

function keyOf(f: CellFinding): string {
  return `${f.cell}:${f.finding.code}:${f.finding.range.start.line}:${f.finding.range.start.character}:${f.finding.message}`;
}
