// A/B of two builds of the engine on the corpus, in one process, so both see the same machine load:
// each round parses every file (baseline), analyses it with the other build, then with this one.
// Findings must be equal. Ratios are medians over the rounds, against the same parse baseline.
//
// Usage (compare with an earlier commit REV):
//   git worktree add /tmp/greenml-old REV && ln -s "$PWD/node_modules" /tmp/greenml-old/node_modules
//   (cd /tmp/greenml-old && npx tsc -p .) && npx tsc -p . && node out/bench/analysis-ab.js /tmp/greenml-old/out [rounds=5]
import * as path from 'node:path';
import { analyzeTree } from '../server/src/analysis/analyze';
import { loadPython, parsePython } from '../server/src/analysis/parser';
import { SourceText } from '../server/src/analysis/sourceText';
import { effectiveConfig } from '../server/src/config/settings';
import { describeCorpus, loadCorpus, machine, median, type Corpus } from './analysis-corpus';

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

function timed(corpus: Corpus, run: (text: string) => number): { ms: number; findings: number } {
  const t0 = performance.now();
  let findings = 0;
  for (const f of corpus.files) findings += run(f.text);
  return { ms: performance.now() - t0, findings };
}

async function main(): Promise<void> {
  const otherOut = process.argv[2];
  if (!otherOut) throw new Error('usage: node out/bench/analysis-ab.js OTHER_OUT_DIR [rounds]');
  const rounds = Number(process.argv[3] ?? 5);
  await loadPython();
  const corpus = loadCorpus();
  const mine = thisEngine();
  const other = await otherEngine(otherOut);
  const parseOnly = (text: string) => {
    parsePython(text).delete();
    return 0;
  };
  timed(corpus, other.analyse);
  timed(corpus, mine.analyse);
  const parse: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    parse.push(timed(corpus, parseOnly).ms);
    const ra = timed(corpus, other.analyse);
    const rb = timed(corpus, mine.analyse);
    if (ra.findings !== rb.findings) throw new Error(`findings differ: other ${ra.findings}, this ${rb.findings}`);
    a.push(ra.ms);
    b.push(rb.ms);
  }
  const p = median(parse);
  console.log(`machine: ${machine()}`);
  console.log(`corpus: ${describeCorpus(corpus)}`);
  console.log(`parse median ${p.toFixed(0)} ms; other ${median(a).toFixed(0)} ms = ${(median(a) / p).toFixed(3)} ×; this ${median(b).toFixed(0)} ms = ${(median(b) / p).toFixed(3)} ×`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
