// Texts the Python parser cannot read safely, recognised before it reads them.
//
// tree-sitter-python's external scanner keeps a stack of indentation widths and, after each token,
// serialises it with the open string delimiters into tree-sitter's 1,024-byte buffer. With an odd
// number of delimiters (inside a string) and 384 or more widths on the stack, it writes one byte past
// the buffer (scanner.c, tree_sitter_python_external_scanner_serialize), corrupting the parser: every
// later parse in the process fails or silently returns an empty tree. The stack holds strictly
// increasing widths, each the width of the whitespace after some line break, so the number of
// different such widths in a text bounds its depth; a text with no quote character never opens a
// delimiter. A text over the limit with a quote is not given to the parser (see parser.ts); CPython
// itself allows at most 100 nested blocks, so no valid script comes near it.
import type { SourceText } from './sourceText';

export const PARSE_GUARD = {
  /**
   * A text whose lines are indented to more different widths than this (and that holds a quote) is
   * not parsed. The scanner's overflow is at about 384; the fuzz run found a document edited in the
   * editor that broke the parser's WebAssembly instance (every later parse threw "null function or
   * function signature mismatch") at about 230, so the limit keeps well below both.
   */
  maxIndentDepths: 200,
  /** After parsing a text with more than this many, the parser is checked on a known text before it is used again. */
  checkParserAbove: 100,
};

export interface GuardVerdict {
  /** Why the text must not be parsed; undefined when it may be. */
  refusal?: string;
  /** Whether the parser should be checked after parsing it (an unusual text that may still be read). */
  checkParser: boolean;
}

const SAFE: GuardVerdict = { checkParser: false };
let last: { text: string; limits: string; verdict: GuardVerdict } | undefined;

/**
 * Whether a text may be given to the parser. The last answer is kept: a document's segments are
 * parsed from one text. `lineStarts`, the text's line starts when they are at hand, saves finding them.
 */
export function judgeText(text: string, lineStarts?: ArrayLike<number>): GuardVerdict {
  return remember(text, judge(text, lineStarts).verdict);
}

function remember(text: string, verdict: GuardVerdict): GuardVerdict {
  last = { text, limits: limits(), verdict };
  return verdict;
}

function limits(): string {
  return `${PARSE_GUARD.maxIndentDepths}/${PARSE_GUARD.checkParserAbove}`;
}

/** The verdict on a text, and how many widths it counted (exactly, up to the lower limit). */
function judge(text: string, lineStarts: ArrayLike<number> | undefined): { verdict: GuardVerdict; count: number } {
  if (last && last.text === text && last.limits === limits()) return { verdict: last.verdict, count: Number.POSITIVE_INFINITY };
  const { maxIndentDepths, checkParserAbove } = PARSE_GUARD;
  const threshold = Math.min(maxIndentDepths, checkParserAbove);
  const few = indentWidthCount(text, threshold, lineStarts);
  if (few <= threshold) return { verdict: SAFE, count: few };
  const count = indentWidthCount(text, Number.POSITIVE_INFINITY, lineStarts);
  if (count > maxIndentDepths && /['"`]/.test(text)) {
    const refusal =
      `its lines are indented to ${count} different depths, more than the ${maxIndentDepths} that its Python parser (tree-sitter-python) reads safely ` +
      '(CPython itself allows at most 100 nested blocks)';
    return { verdict: { refusal, checkParser: false }, count };
  }
  return { verdict: { checkParser: count > checkParserAbove }, count };
}

/** The texts a document went through, each with a number its count of widths is known not to exceed. */
const widthBounds = new WeakMap<SourceText, number>();

/**
 * judgeText for a text an edit made (`insert` written at `start` of `before`): on most keystrokes no
 * line is read. Every line start has one width, measured up to the first token after it, so an edit
 * can add at most one for each line start it writes, one for the line it starts in, and one for each
 * whitespace line ended by a backslash just before that line (carried into it). While that bound
 * stays at or under the limits the text is safe; past them, it is counted again.
 */
export function judgeEdit(before: SourceText, next: SourceText, start: number, insert: string): GuardVerdict {
  const known = widthBounds.get(before);
  if (known !== undefined) {
    const bound = known + lineBreaks(insert) + 1 + carriedInto(next, next.positionAt(start).line);
    if (bound <= Math.min(PARSE_GUARD.maxIndentDepths, PARSE_GUARD.checkParserAbove)) {
      widthBounds.set(next, bound);
      return remember(next.text, SAFE);
    }
  }
  const { verdict, count } = judge(next.text, next.lineStartOffsets);
  if (Number.isFinite(count)) widthBounds.set(next, count);
  return remember(next.text, verdict);
}

function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/** How many lines just before `line` are whitespace ended by a backslash (their widths run on into it). */
function carriedInto(source: SourceText, line: number): number {
  const text = source.text;
  let n = 0;
  for (let l = line - 1; l >= 0; l--, n++) {
    let i = source.lineStart(l);
    const end = source.lineEnd(l);
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 12)) i++;
    if (!(i === end - 1 && text.charCodeAt(i) === 92)) break;
  }
  return n;
}

/**
 * How many different widths the scanner can measure for the whitespace after a line break (spaces
 * count 1, tabs 8; a line break or form feed starts again at 0; a backslash before a line break
 * carries the width on to the next line). Counting stops once it is above `stopAbove`. Only line
 * starts are read: from `lineStarts` when given (a document keeps them up to date across edits, and
 * this runs on every edit), else found with indexOf.
 */
export function indentWidthCount(text: string, stopAbove = Number.POSITIVE_INFINITY, lineStarts?: ArrayLike<number>): number {
  const widths = new DistinctCount();
  const n = text.length;
  // Widths of the whitespace-only lines ended by a backslash just before this line: a run that starts
  // on one of them carries on into this line, so it measures their sum with this line's width.
  const carried: number[] = [];
  const lone = !lineStarts && text.includes('\r') && /\r(?!\n)/.test(text);
  for (let line = 0, at = 0; at < n; ) {
    let width = 0;
    let i = at;
    let c = text.charCodeAt(i);
    for (;; c = text.charCodeAt(++i)) {
      if (c === 32) width++;
      else if (c === 9) width += 8;
      else if (c === 12) {
        // A form feed starts the width again, here and for the lines carried into this one.
        width = 0;
        carried.length = 0;
      } else break;
    }
    if (c === 92 && (text.charCodeAt(i + 1) === 10 || text.charCodeAt(i + 1) === 13)) carried.push(width);
    else {
      if (!(i >= n || c === 10 || c === 13)) {
        // A token after the whitespace: the run from this line start, and from each carried one.
        let total = width;
        if (total > 0 && widths.add(total) > stopAbove) return widths.size;
        for (let k = carried.length - 1; k >= 0; k--) {
          total += carried[k];
          if (total > 0 && widths.add(total) > stopAbove) return widths.size;
        }
      }
      // A line of whitespace alone ends at its line break, which starts every run again.
      carried.length = 0;
    }
    if (lineStarts) {
      if (++line >= lineStarts.length) break;
      at = lineStarts[line];
    } else {
      // A lone carriage return is a line break too (see withLineFeeds in parser.ts).
      const feed = text.indexOf('\n', i);
      const ret = lone ? text.indexOf('\r', i) : -1;
      const next = ret >= 0 && (feed < 0 || ret < feed) && text.charCodeAt(ret + 1) !== 10 ? ret : feed;
      if (next < 0) break;
      at = next + 1;
    }
  }
  return widths.size;
}

/** Counts different non-negative integers: a bitmap for the usual small ones, a set for the rest. */
class DistinctCount {
  size = 0;
  private readonly small = new Uint8Array(1024);
  private large: Set<number> | undefined;

  /** Adds a number; returns how many different ones there are now. */
  add(value: number): number {
    if (value < 1024) {
      if (this.small[value] === 0) {
        this.small[value] = 1;
        this.size++;
      }
    } else {
      this.large ??= new Set();
      if (!this.large.has(value)) {
        this.large.add(value);
        this.size++;
      }
    }
    return this.size;
  }
}
