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

/** Whether a text may be given to the parser (the last answer is kept: a document's segments are parsed from one text). */
export function judgeText(text: string): GuardVerdict {
  const limits = `${PARSE_GUARD.maxIndentDepths}/${PARSE_GUARD.checkParserAbove}`;
  if (last && last.text === text && last.limits === limits) return last.verdict;
  last = { text, limits, verdict: judge(text) };
  return last.verdict;
}

function judge(text: string): GuardVerdict {
  const { maxIndentDepths, checkParserAbove } = PARSE_GUARD;
  const threshold = Math.min(maxIndentDepths, checkParserAbove);
  if (indentWidthCount(text, threshold) <= threshold) return SAFE;
  const count = indentWidthCount(text);
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
 * count 1, tabs 8; a line break, carriage return or form feed starts again at 0; a backslash before
 * a line break carries the width on). Counting stops once it is above `stopAbove`.
 */
export function indentWidthCount(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  const widths = new Set<number>();
  const n = text.length;
  let width = 0;
  // Whether the current run of whitespace holds a line break: only such a run is an indentation.
  let afterBreak = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) width++;
    else if (c === 9) width += 8;
    else if (c === 10 || c === 13 || c === 12) {
      width = 0;
      afterBreak = true;
    } else if (c === 92 && (text.charCodeAt(i + 1) === 10 || text.charCodeAt(i + 1) === 13)) {
      // A line continuation: the next line's whitespace adds to this run's width.
      i += text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10 ? 2 : 1;
    } else {
      if (afterBreak && width > 0) {
        widths.add(width);
        if (widths.size > stopAbove) return widths.size;
      }
      width = 0;
      afterBreak = false;
    }
  }
  return widths.size;
}
