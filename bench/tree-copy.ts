// What reading every node once costs through web-tree-sitter, against parsing: the floor of any
// design that copies the tree into JavaScript (type, offsets, field and parent of every node, one
// TreeCursor walk) so that rules read arrays instead of calling into the wasm heap. Run on training
// code, where the check/parse budget (DESIGN §7) leaves 0.3 × the parse time for all the analysis.
//
// Usage: npx tsc -p . && node out/bench/tree-copy.js [rounds=8] [dir ...]   (default: test/fixtures/scripts and examples)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPython, parsePython, type Tree } from '../server/src/analysis/parser';
import { CORPUS_REPO_DIRS, machine, pyFiles, repoRoot } from './analysis-corpus';

/** Every node's type id, offsets, field id and parent index, in document order; returns the node count. */
function copyTree(tree: Tree): number {
  const types: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const fields: number[] = [];
  const parents: number[] = [];
  const open: number[] = [-1];
  const cursor = tree.walk();
  for (;;) {
    const index = types.length;
    types.push(cursor.nodeTypeId);
    starts.push(cursor.startIndex);
    ends.push(cursor.endIndex);
    fields.push(cursor.currentFieldId);
    parents.push(open[open.length - 1]);
    if (cursor.gotoFirstChild()) {
      open.push(index);
      continue;
    }
    let done = false;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
      open.pop();
    }
    if (done) break;
  }
  cursor.delete();
  return types.length;
}

async function main(): Promise<void> {
  const [roundsArg, ...dirArgs] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? 8);
  if (!(rounds > 0)) throw new Error(`rounds must be a positive number, got ${roundsArg}`);
  const dirs = dirArgs.length ? dirArgs : CORPUS_REPO_DIRS.map((d) => path.join(repoRoot(), d));
  const texts = dirs.flatMap((dir) => pyFiles(dir, true)).map((p) => fs.readFileSync(p, 'utf8'));
  if (texts.length === 0) throw new Error(`no .py files under ${dirs.join(', ')}`);
  await loadPython();
  let parse = 0;
  let copy = 0;
  let nodes = 0;
  for (let round = 0; round <= rounds; round++) {
    for (const text of texts) {
      let t = performance.now();
      const tree = parsePython(text);
      const parsed = performance.now() - t;
      t = performance.now();
      const n = copyTree(tree);
      const copied = performance.now() - t;
      tree.delete();
      // Round 0 warms the JIT up and is not counted.
      if (round === 0) continue;
      parse += parsed;
      copy += copied;
      nodes += n;
    }
  }
  console.log(`machine: ${machine()}`);
  console.log(`${texts.length} files under ${dirs.join(', ')}; ${rounds} rounds, ${Math.round(nodes / rounds)} nodes per round`);
  console.log(`parse ${parse.toFixed(0)} ms; copy of every node ${copy.toFixed(0)} ms = ${(copy / parse).toFixed(2)} × parse`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
