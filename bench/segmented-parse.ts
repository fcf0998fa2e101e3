// Research for the edit-latency budget (DESIGN §7: edit → diagnostics p95 ≤ 10 ms on 5,000 lines),
// not a product path: would a document kept as SEGMENTS (runs of whole top-level statements, each
// parsed as its own tree) reparse fast enough, and would its trees equal the whole-file parse?
//
// The file is analysis-edit.ts's 5,024-line file. It is cut into segments of at least 100 lines at
// top-level statement starts; each segment is parsed from the FULL text with tree-sitter's
// `includedRanges` set to the segment, so its nodes carry absolute positions. Then, for N seeded
// random edits (analysis-edit.ts's generator: insert one character, delete it again), only the
// segment holding the edit is parsed again (a fresh parse of its new range); every later segment's
// tree gets `tree.edit()` so its positions shift, and is not reparsed. After every edit all segment
// trees are compared with a fresh parse of the whole text: each segment's top-level statements must
// have the same start, end and S-expression as the whole-file tree's statements in that range.
// A mismatch is counted apart when the reparsed segment has a syntax error (an error can run on
// into the next segment in a whole-file parse: a segmented engine would fall back to a wider parse
// there) and when it has none (which would make the design unsound).
//
// Usage: npx tsc -p . && node out/bench/segmented-parse.js [edits=400]
import { Parser, type Tree } from 'web-tree-sitter';
import { loadPython, pythonLanguage } from '../server/src/analysis/parser';
import { seededRandom } from '../test/helpers/random';
import { buildEditFile } from './analysis-edit';
import { countLines, machine, median, percentile } from './analysis-corpus';

const MIN_SEGMENT_LINES = 100;

interface Segment {
  start: number;
  end: number;
  tree: Tree;
}

interface Point {
  row: number;
  column: number;
}

function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

function parseRange(parser: Parser, text: string, start: number, end: number): Tree {
  const range = { startIndex: start, endIndex: end, startPosition: pointAt(text, start), endPosition: pointAt(text, end) };
  const tree = parser.parse(text, null, { includedRanges: [range] });
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** Runs of whole top-level statements of at least MIN_SEGMENT_LINES lines, covering the text. */
function cut(parser: Parser, text: string): Segment[] {
  const whole = parser.parse(text)!;
  const starts: number[] = [0];
  let lastRow = 0;
  for (const stmt of whole.rootNode.children) {
    if (!stmt || stmt.startPosition.column !== 0 || stmt.startIndex === 0) continue;
    if (stmt.startPosition.row - lastRow >= MIN_SEGMENT_LINES) {
      starts.push(stmt.startIndex);
      lastRow = stmt.startPosition.row;
    }
  }
  whole.delete();
  return starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    return { start, end, tree: parseRange(parser, text, start, end) };
  });
}

/** Whether every segment's statements equal the whole-file parse's statements in its range. */
function matches(parser: Parser, text: string, segments: Segment[]): boolean {
  const whole = parser.parse(text)!;
  try {
    const statements = whole.rootNode.children.filter((c) => c !== null);
    let i = 0;
    for (const s of segments) {
      for (const child of s.tree.rootNode.children) {
        if (!child) continue;
        const w = statements[i++];
        if (!w || w.startIndex !== child.startIndex || w.endIndex !== child.endIndex || w.toString() !== child.toString()) return false;
      }
    }
    return i === statements.length;
  } finally {
    whole.delete();
  }
}

async function main(): Promise<void> {
  const edits = Number(process.argv[2] ?? 400);
  await loadPython();
  const parser = new Parser();
  parser.setLanguage(pythonLanguage());
  let { text } = buildEditFile();
  const lines = text.split('\n');
  const t0 = performance.now();
  const segments = cut(parser, text);
  const cutMs = performance.now() - t0;
  const initialSegments = segments.length;
  if (!matches(parser, text, segments)) throw new Error('segment trees differ from the whole-file parse before any edit');

  const random = seededRandom(2024);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789 ()=.,';
  const reparseMs: number[] = [];
  const shiftMs: number[] = [];
  let withError = 0;
  let mismatchWithError = 0;
  let mismatchClean = 0;
  let inserted: { line: number; character: number } | undefined;
  for (let i = 0; i < edits; i++) {
    let line: number;
    let character: number;
    let insert: string;
    let removed: number;
    if (!inserted) {
      line = Math.floor(random() * lines.length);
      character = Math.floor(random() * (lines[line].length + 1));
      insert = alphabet[Math.floor(random() * alphabet.length)];
      removed = 0;
      inserted = { line, character };
    } else {
      ({ line, character } = inserted);
      insert = '';
      removed = 1;
      inserted = undefined;
    }
    let offset = 0;
    for (let l = 0; l < line; l++) offset += lines[l].length + 1;
    offset += character;
    const startPosition = { row: line, column: character };
    const oldEndPosition = { row: line, column: character + removed };
    const newEndPosition = { row: line, column: character + insert.length };
    const delta = insert.length - removed;
    text = text.slice(0, offset) + insert + text.slice(offset + removed);
    lines[line] = lines[line].slice(0, character) + insert + lines[line].slice(character + removed);

    // The segment holding the edit: parsed again, alone, over its new range.
    const k = segments.findIndex((s) => offset < s.end) >= 0 ? segments.findIndex((s) => offset < s.end) : segments.length - 1;
    const s0 = performance.now();
    segments[k].end += delta;
    const fresh = parseRange(parser, text, segments[k].start, segments[k].end);
    reparseMs.push(performance.now() - s0);
    segments[k].tree.delete();
    segments[k].tree = fresh;
    // Later segments: positions shifted, trees not reparsed.
    const s1 = performance.now();
    for (let j = k + 1; j < segments.length; j++) {
      const s = segments[j];
      s.start += delta;
      s.end += delta;
      s.tree.edit({ startIndex: offset, oldEndIndex: offset + removed, newEndIndex: offset + insert.length, startPosition, oldEndPosition, newEndPosition });
    }
    shiftMs.push(performance.now() - s1);

    const hasError = fresh.rootNode.hasError;
    if (hasError) withError++;
    if (!matches(parser, text, segments)) {
      if (hasError) mismatchWithError++;
      else mismatchClean++;
      // Start again from a clean cut, as an engine would after a wide reparse.
      for (const s of segments) s.tree.delete();
      segments.splice(0, segments.length, ...cut(parser, text));
    }
  }
  for (const s of segments) s.tree.delete();

  const p95 = percentile(reparseMs, 95);
  console.log(`machine: ${machine()}`);
  console.log(
    JSON.stringify(
      {
        file_lines: countLines(text),
        segments: initialSegments,
        initial_cut_and_parse_ms: +cutMs.toFixed(1),
        edits,
        segment_reparse_p50_ms: +median(reparseMs).toFixed(2),
        segment_reparse_p95_ms: +p95.toFixed(2),
        segment_reparse_max_ms: +Math.max(...reparseMs).toFixed(2),
        shift_later_segments_p50_ms: +median(shiftMs).toFixed(3),
        shift_later_segments_p95_ms: +percentile(shiftMs, 95).toFixed(3),
        edits_leaving_a_syntax_error_in_the_segment: withError,
        mismatches_with_that_error: mismatchWithError,
        mismatches_without_error: mismatchClean,
      },
      null,
      2,
    ),
  );
  console.log(mismatchClean === 0 ? 'segment trees equal the whole-file parse after every edit whose segment parses cleanly' : `UNSOUND: ${mismatchClean} mismatches without a syntax error`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
