// Offsets, positions, lines, indentation and newline style of a source text.
import type { Position, Range } from './types';

export class SourceText {
  readonly text: string;
  private cachedLineStarts: number[] | undefined;
  private cachedIndentUnit: string | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /**
   * The text with `[start, end)` replaced by `insert`. Its line starts are made from this text's
   * (kept before the change, moved after it) instead of by reading the whole new text again.
   */
  withEdit(start: number, end: number, insert: string): SourceText {
    const next = new SourceText(this.text.slice(0, start) + insert + this.text.slice(end));
    const old = this.cachedLineStarts;
    if (!old) return next;
    // A "\r\n" pair split or joined by the edit changes which offsets start lines: recount around it.
    const from = Math.max(0, start - 1);
    const delta = insert.length - (end - start);
    const starts: number[] = [];
    let i = 0;
    while (i < old.length && old[i] <= from) starts.push(old[i++]);
    const text = next.text;
    const stop = Math.min(text.length, end + delta + 1);
    for (let at = from; at < stop; at++) {
      const c = text.charCodeAt(at);
      if (c === 10 || (c === 13 && text.charCodeAt(at + 1) !== 10)) starts.push(at + 1);
    }
    while (i < old.length && old[i] <= end + 1) i++;
    for (; i < old.length; i++) starts.push(old[i] + delta);
    next.cachedLineStarts = starts;
    return next;
  }

  // Built on first use: most files analysed by `greenml check` have no finding and never need it.
  private get lineStarts(): number[] {
    if (this.cachedLineStarts) return this.cachedLineStarts;
    const text = this.text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.cachedLineStarts = starts;
    return starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The newline sequence the file already uses (first one found), "\n" for files without one. */
  get eol(): string {
    const i = this.text.indexOf('\n');
    if (i > 0 && this.text.charCodeAt(i - 1) === 13) return '\r\n';
    if (i < 0 && this.text.includes('\r')) return '\r';
    return '\n';
  }

  offsetAt(pos: Position): number {
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[Math.max(0, pos.line)];
    return Math.min(start + Math.max(0, pos.character), this.lineEnd(pos.line));
  }

  positionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo] };
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.min(Math.max(0, line), this.lineStarts.length - 1)];
  }

  /** Offset just before the line's newline sequence. */
  lineEnd(line: number): number {
    if (line + 1 < this.lineStarts.length) {
      let end = this.lineStarts[line + 1] - 1;
      if (this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
      return end;
    }
    return this.text.length;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** Leading whitespace of a line. */
  indentOf(line: number): string {
    const t = this.lineText(line);
    let i = 0;
    while (i < t.length && (t[i] === ' ' || t[i] === '\t')) i++;
    return t.slice(0, i);
  }

  /** One level of indentation as the file writes it: a tab, or the smallest step in spaces (default 4). */
  get indentUnit(): string {
    if (this.cachedIndentUnit !== undefined) return this.cachedIndentUnit;
    let smallest = 0;
    let tabs = 0;
    let spaces = 0;
    let previous = 0;
    for (let line = 0; line < this.lineCount; line++) {
      const t = this.lineText(line);
      if (t.trim() === '' || t.trimStart().startsWith('#')) continue;
      const indent = this.indentOf(line);
      if (indent.startsWith('\t')) tabs++;
      else if (indent.length > 0) spaces++;
      const width = indent.length;
      const step = width - previous;
      if (step > 0 && !indent.includes('\t') && (smallest === 0 || step < smallest)) smallest = step;
      previous = width;
    }
    this.cachedIndentUnit = tabs > spaces ? '\t' : ' '.repeat(smallest || 4);
    return this.cachedIndentUnit;
  }

  rangeOf(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }
}
