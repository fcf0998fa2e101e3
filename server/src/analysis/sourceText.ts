// Offsets, positions, lines, indentation and newline style of a source text.
import type { Position, Range } from './types';

export class SourceText {
  readonly text: string;
  private cachedLineStarts: Uint32Array | undefined;
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
    const text = next.text;
    const stop = Math.min(text.length, end + delta + 1);
    const kept = upperBound(old, from);
    let resume = kept;
    while (resume < old.length && old[resume] <= end + 1) resume++;
    let counted = 0;
    for (let at = from; at < stop; at++) if (startsLineAfter(text, at)) counted++;
    // Exactly sized, outside the JS heap's young generation (a typed array's store): one per edit.
    const starts = new Uint32Array(kept + counted + old.length - resume);
    starts.set(old.subarray(0, kept));
    let n = kept;
    for (let at = from; at < stop; at++) if (startsLineAfter(text, at)) starts[n++] = at + 1;
    for (let i = resume; i < old.length; i++) starts[n++] = old[i] + delta;
    next.cachedLineStarts = starts;
    if (this.cachedIndentUnit !== undefined && keepsIndentation(this.text, start, end, insert, old[Math.max(0, upperBound(old, start) - 1)])) next.cachedIndentUnit = this.cachedIndentUnit;
    return next;
  }

  // Built on first use: most files analysed by `greenml check` have no finding and never need it.
  private get lineStarts(): Uint32Array {
    if (this.cachedLineStarts) return this.cachedLineStarts;
    const text = this.text;
    let starts: Uint32Array;
    if (!text.includes('\r')) {
      // Line feeds only (most files): found with indexOf, not character by character.
      let count = 1;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
      starts = new Uint32Array(count);
      let n = 1;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts[n++] = at + 1;
    } else {
      let count = 1;
      for (let i = 0; i < text.length; i++) if (startsLineAfter(text, i)) count++;
      starts = new Uint32Array(count);
      let n = 1;
      for (let i = 0; i < text.length; i++) if (startsLineAfter(text, i)) starts[n++] = i + 1;
    }
    this.cachedLineStarts = starts;
    return starts;
  }

  /** Where each line starts (after "\n", "\r\n" or a lone "\r"), in order; read-only. */
  get lineStartOffsets(): ArrayLike<number> {
    return this.lineStarts;
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

  /**
   * The offset of a position, clamped as editors clamp one: a line past the last is the end of the
   * text, a negative one its start; a column past the line's end is that end, a negative one its start.
   */
  offsetAt(pos: Position): number {
    const line = Math.floor(pos.line);
    if (line >= this.lineStarts.length) return this.text.length;
    // Also NaN: no position turns into an offset outside the text.
    if (!(line >= 0)) return 0;
    const start = this.lineStarts[line];
    const character = Math.floor(pos.character);
    return character > 0 ? Math.min(start + character, this.lineEnd(line)) : start;
  }

  /**
   * The offsets a range replaces, as an editor applies it: each end clamped (offsetAt), and a range
   * whose end comes before its start taken the other way round, as VS Code's Range and
   * vscode-languageserver-textdocument do.
   */
  rangeOffsets(range: Range): { start: number; end: number } {
    const a = this.offsetAt(range.start);
    const b = this.offsetAt(range.end);
    return a <= b ? { start: a, end: b } : { start: b, end: a };
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

  /**
   * One level of indentation as the file's code writes it: a tab, or the smallest step in spaces
   * (default 4). Like Python's tokenizer, it reads indentation only where a logical line starts: not
   * on lines inside a string (a docstring's text), inside brackets or after a backslash continuation.
   */
  get indentUnit(): string {
    if (this.cachedIndentUnit !== undefined) return this.cachedIndentUnit;
    // Read by character codes: this runs over the whole file whenever a fix is built.
    const text = this.text;
    let smallest = 0;
    let tabs = 0;
    let spaces = 0;
    let previous = 0;
    let brackets = 0;
    /** The quote character of the string open at this point, 0 outside strings. */
    let quote = 0;
    let triple = false;
    let continued = false;
    for (let line = 0; line < this.lineCount; line++) {
      const start = this.lineStart(line);
      const end = this.lineEnd(line);
      let i = start;
      if (quote === 0 && brackets === 0 && !continued) {
        let sawTab = false;
        while (i < end) {
          const c = text.charCodeAt(i);
          if (c === 9) sawTab = true;
          else if (c !== 32) break;
          i++;
        }
        // Blank lines and comments do not count (other whitespace, like a form feed, may come first).
        if (!(i === end || text.charCodeAt(i) === 35 || (!isVisibleAscii(text.charCodeAt(i)) && isBlankOrComment(text.slice(i, end))))) {
          const width = i - start;
          if (width > 0 && text.charCodeAt(start) === 9) tabs++;
          else if (width > 0) spaces++;
          const step = width - previous;
          if (step > 0 && !sawTab && (smallest === 0 || step < smallest)) smallest = step;
          previous = width;
        }
      }
      continued = false;
      // The rest of the line: where strings, brackets and comments open and close.
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        if (quote !== 0) {
          if (c === 92) {
            // A backslash escapes the next character; at the end of the line, the line break.
            if (i + 1 === end) continued = true;
            i++;
          } else if (c === quote && (!triple || (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote))) {
            if (triple) i += 2;
            quote = 0;
          }
        } else if (c === 35) {
          break;
        } else if (c === 34 || c === 39) {
          quote = c;
          triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
          if (triple) i += 2;
        } else if (c === 40 || c === 91 || c === 123) {
          brackets++;
        } else if (c === 41 || c === 93 || c === 125) {
          if (brackets > 0) brackets--;
        } else if (c === 92 && i + 1 === end) {
          continued = true;
        }
      }
      // A string in one pair of quotes ends with its line, unless a backslash carries it on.
      if (quote !== 0 && !triple && !continued) quote = 0;
    }
    this.cachedIndentUnit = tabs > spaces ? '\t' : ' '.repeat(smallest || 4);
    return this.cachedIndentUnit;
  }

  rangeOf(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }
}

/** Whether a line starts after the character at `at` ("\n", or a "\r" not followed by "\n"). */
function startsLineAfter(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 10 || (c === 13 && text.charCodeAt(at + 1) !== 10);
}

/** The number of line starts in `starts` (ascending) that are at most `offset`. */
function upperBound(starts: Uint32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isVisibleAscii(c: number): boolean {
  return c > 32 && c < 127;
}

/** Characters that open or close a string, a bracket, a comment or a continuation: which lines start a logical line depends on them. */
function opensOrCloses(c: number): boolean {
  return c === 34 || c === 39 || c === 35 || c === 92 || c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125;
}

function isBlankOrComment(rest: string): boolean {
  const t = rest.trimStart();
  return t === '' || t.startsWith('#');
}

/**
 * Whether replacing `[start, end)` of `text` with `insert` leaves every line's indentation, and
 * whether it is blank, a comment or the start of a logical line, as they were (so the indentation
 * unit is the same): no line break removed or added, no quote, bracket, `#` or backslash written,
 * removed or next to the edit, and the edit lies after the first visible character of its line.
 */
function keepsIndentation(text: string, start: number, end: number, insert: string, lineStart: number): boolean {
  // Between a "\r" and a "\n": the edit splits a "\r\n" pair or makes one, which moves line breaks.
  if (text.charCodeAt(start - 1) === 13 && text.charCodeAt(end) === 10) return false;
  // Next to a quote or after a backslash: the edit may open or close a string (or a continuation).
  if (opensOrCloses(text.charCodeAt(start - 1)) || opensOrCloses(text.charCodeAt(end))) return false;
  for (let at = start; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 10 || c === 13 || opensOrCloses(c)) return false;
  }
  for (let at = 0; at < insert.length; at++) {
    const c = insert.charCodeAt(at);
    if (c === 10 || c === 13 || opensOrCloses(c)) return false;
  }
  let i = lineStart;
  while (i < start && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i < start && isVisibleAscii(text.charCodeAt(i));
}
