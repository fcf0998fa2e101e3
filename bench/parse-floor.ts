// What the edit-latency and ratio budgets are up against: the cost of web-tree-sitter itself on the
// 5,024-line file of bench/analysis-edit.ts, with no Green ML analysis at all.
//
// - full parse of the file;
// - incremental reparse after tree.edit() of a one-character insertion at seeded random positions
//   (the same PRNG and alphabet as analysis-edit.ts; each edit is undone before the next);
// - reparse with the old tree and no edit at all (the floor of any incremental reparse);
// - a query that matches almost nothing (`(ellipsis) @e`): the floor of any whole-tree query;
// - the number of parser input reads (4 KiB chunks) of the no-edit reparse, showing whether the
//   whole text is read again;
// - what a segmented document would pay instead: a fresh parse of only the run of whole top-level
//   statements (about 100 lines) around each edited position, edit applied.
//
// Usage: npx tsc -p . && node out/bench/parse-floor.js [rounds=40]
import { Parser } from 'web-tree-sitter';
import { loadPython, parsePython, pythonLanguage, pythonQuery } from '../server/src/analysis/parser';
import { PythonDocument } from '../server/src/analysis/document';
import { buildEditFile } from './analysis-edit';
import { seededRandom as mulberry32 } from '../test/helpers/random';
import { countLines, machine, median, percentile } from './analysis-corpus';

function summary(xs: number[]): string {
  return `p50 ${median(xs).toFixed(2)} / p95 ${percentile(xs, 95).toFixed(2)} / min ${Math.min(...xs).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 40);
  await loadPython();
  const { text } = buildEditFile();
  const lines = text.split('\n');

  const full: number[] = [];
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    const s = performance.now();
    parsePython(text).delete();
    full.push(performance.now() - s);
  }

  const doc = new PythonDocument(text);
  const random = mulberry32(2024);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789 ()=.,';
  const incremental: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const line = Math.floor(random() * lines.length);
    const character = Math.floor(random() * (lines[line].length + 1));
    const ch = alphabet[Math.floor(random() * alphabet.length)];
    const s = performance.now();
    doc.update([{ range: { start: { line, character }, end: { line, character } }, text: ch }]);
    incremental.push(performance.now() - s);
    doc.update([{ range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' }]);
  }

  const tree = parsePython(text);
  const parser = new Parser();
  parser.setLanguage(pythonLanguage());
  const noEdit: number[] = [];
  let reads = 0;
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    reads = 0;
    const s = performance.now();
    const again = parser.parse((index) => {
      reads++;
      return text.slice(index, index + 4096);
    }, tree);
    noEdit.push(performance.now() - s);
    again?.delete();
  }

  // Segments: runs of whole top-level statements of about SEGMENT_LINES lines.
  const SEGMENT_LINES = 100;
  const bounds: number[] = [0];
  let lastRow = 0;
  for (const stmt of tree.rootNode.children) {
    if (stmt && stmt.startPosition.row - lastRow >= SEGMENT_LINES) {
      bounds.push(stmt.startIndex);
      lastRow = stmt.startPosition.row;
    }
  }
  bounds.push(text.length);
  const segment: number[] = [];
  const segmentRandom = mulberry32(2024);
  let segmentLines = 0;
  for (let i = 0; i < rounds; i++) {
    const line = Math.floor(segmentRandom() * lines.length);
    const character = Math.floor(segmentRandom() * (lines[line].length + 1));
    const ch = alphabet[Math.floor(segmentRandom() * alphabet.length)];
    const offset = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character;
    const k = bounds.findIndex((b, j) => j + 1 < bounds.length && b <= offset && offset < bounds[j + 1]);
    const piece = text.slice(bounds[k], offset) + ch + text.slice(offset, bounds[k + 1]);
    segmentLines += piece.split('\n').length - 1;
    const s = performance.now();
    parsePython(piece).delete();
    segment.push(performance.now() - s);
  }

  const query = pythonQuery('(ellipsis) @e');
  const emptyQuery: number[] = [];
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    const s = performance.now();
    query.captures(tree.rootNode);
    emptyQuery.push(performance.now() - s);
  }
  const topLevel = tree.rootNode.namedChildCount;
  tree.delete();
  parser.delete();
  doc.dispose();

  console.log(`machine: ${machine()}`);
  console.log(`file: ${countLines(text)} lines, ${Buffer.byteLength(text)} bytes, ${topLevel} top-level statements`);
  console.log(`full parse:                     ${summary(full)}`);
  console.log(`incremental reparse, 1 char:    ${summary(incremental)}  (${rounds} edits)`);
  console.log(`reparse with no edit:           ${summary(noEdit)}  (${reads} input reads of 4 KiB = ${((reads * 4096) / Buffer.byteLength(text)).toFixed(2)} × the text)`);
  console.log(`segment parse (~${Math.round(segmentLines / rounds)} lines): ${summary(segment)}  (${bounds.length - 1} segments)`);
  console.log(`whole-tree query, ~no matches:  ${summary(emptyQuery)}  (${(median(emptyQuery) / median(full)).toFixed(2)} × full parse)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
