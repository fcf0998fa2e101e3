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

export const PARSE_GUARD = {
  /** A text whose lines are indented to more different widths than this (and that holds a quote) is not parsed. */
  maxIndentDepths: 300,
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
  const limits = `${PARSE_GUARD.maxIndentDepths}/${PARSE_GUARD.checkParserAbove}`;
  if (last && last.text === text && last.limits === limits) return last.verdict;
  last = { text, limits, verdict: judge(text, lineStarts) };
  return last.verdict;
}

function judge(text: string, lineStarts: ArrayLike<number> | undefined): GuardVerdict {
  const { maxIndentDepths, checkParserAbove } = PARSE_GUARD;
  const threshold = Math.min(maxIndentDepths, checkParserAbove);
  if (indentWidthCount(text, threshold, lineStarts) <= threshold) return SAFE;
  const count = indentWidthCount(text, Number.POSITIVE_INFINITY, lineStarts);
  if (count > maxIndentDepths && /['"`]/.test(text)) {
    return {
      refusal:
        `its lines are indented to ${count} different depths, more than the ${maxIndentDepths} that its Python parser (tree-sitter-python) reads safely ` +
        '(CPython itself allows at most 100 nested blocks)',
      checkParser: false,
    };
  }
  return { checkParser: count > checkParserAbove };
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
