// A/B of two builds of the engine in one process, so both see the same machine load: in every
// round each file is parsed alone (the baseline), then analysed by both builds in turn, the order
// swapped every round, so that a slower stretch of the machine weighs on both alike (a whole-corpus
// round per build left their ratio spread by ±15 % on this shared VM; per file it is ±2 %: an A/A run
// of one build gives 0.98–1.01). Findings must be equal. Reports the summed times, each build
// against the parse baseline, and this build's time over the other's.
//
// Usage (compare with an earlier commit REV; directories default to the bench corpus):
//   git worktree add /tmp/greenml-old REV && ln -s "$PWD/node_modules" /tmp/greenml-old/node_modules
//   (cd /tmp/greenml-old && npx tsc -p .) && npx tsc -p . && node out/bench/analysis-ab.js /tmp/greenml-old/out [rounds=5] [dir ...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeTree } from '../server/src/analysis/analyze';
import { loadPython, parsePython } from '../server/src/analysis/parser';
import { SourceText } from '../server/src/analysis/sourceText';
import { effectiveConfig } from '../server/src/config/settings';
import { describeCorpus, loadCorpus, machine, pyFiles } from './analysis-corpus';

interface Engine {
  analyse(text: string): number;
}

function thisEngine(): Engine {
  const config = effectiveConfig(undefined, undefined);
  return {
    analyse(text) {
      const tree = parsePython(text);
      const n = analyzeTree(tree, new SourceText(text), { config }).findings.length;
      tree.delete();
      return n;
    },
  };
}

async function otherEngine(outDir: string): Promise<Engine> {
  const at = (p: string) => require(path.resolve(outDir, p)) as Record<string, any>;
  const parser = at('server/src/analysis/parser.js');
  const analyze = at('server/src/analysis/analyze.js');
  const sourceText = at('server/src/analysis/sourceText.js');
  const settings = at('server/src/config/settings.js');
  await parser.loadPython();
  const config = settings.effectiveConfig(undefined, undefined);
  return {
    analyse(text) {
      const tree = parser.parsePython(text);
      const n = analyze.analyzeTree(tree, new sourceText.SourceText(text), { config }).findings.length as number;
      tree.delete();
      return n;
    },
  };
}

/** The .py files under some directories (recursively), or the bench corpus's when none are given. */
function filesOf(dirs: string[]): { texts: string[]; description: string } {
  if (dirs.length === 0) {
    const corpus = loadCorpus();
    return { texts: corpus.files.map((f) => f.text), description: describeCorpus(corpus) };
  }
  const texts = dirs.flatMap((dir) => pyFiles(dir, true)).map((p) => fs.readFileSync(p, 'utf8'));
  if (texts.length === 0) throw new Error(`no .py files under ${dirs.join(', ')}`);
  return { texts, description: `${texts.length} files under ${dirs.join(', ')}` };
}

async function main(): Promise<void> {
  const [otherOut, roundsArg, ...dirs] = process.argv.slice(2);
  if (!otherOut) throw new Error('usage: node out/bench/analysis-ab.js OTHER_OUT_DIR [rounds] [dir ...]');
  const rounds = Number(roundsArg ?? 5);
  if (!(rounds > 0)) throw new Error(`rounds must be a positive number, got ${roundsArg}`);
  await loadPython();
  const { texts, description } = filesOf(dirs);
  const mine = thisEngine();
  const other = await otherEngine(otherOut);
  // Warm-up: every file once through each build.
  for (const text of texts) {
    other.analyse(text);
    mine.analyse(text);
  }
  let parse = 0;
  let a = 0;
  let b = 0;
  for (let round = 0; round < rounds; round++) {
    let findingsA = 0;
    let findingsB = 0;
    for (const text of texts) {
      let t = performance.now();
      parsePython(text).delete();
      parse += performance.now() - t;
      for (const which of round % 2 === 0 ? ['other', 'this'] : ['this', 'other']) {
        t = performance.now();
        if (which === 'other') findingsA += other.analyse(text);
        else findingsB += mine.analyse(text);
        if (which === 'other') a += performance.now() - t;
        else b += performance.now() - t;
      }
    }
    if (findingsA !== findingsB) throw new Error(`findings differ: other ${findingsA}, this ${findingsB}`);
  }
  console.log(`machine: ${machine()}`);
  console.log(`files: ${description}; ${rounds} rounds`);
  console.log(`parse ${parse.toFixed(0)} ms; other ${a.toFixed(0)} ms = ${(a / parse).toFixed(3)} ×; this ${b.toFixed(0)} ms = ${(b / parse).toFixed(3)} ×; this / other = ${(b / a).toFixed(3)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
