// Budget (DESIGN §7, issue 2): full analysis ≤ 1.3 × tree-sitter parsing alone, and the workspace
// scan ≥ 100,000 lines/s on one core.
//
// In ONE process, over the fixed corpus of bench/analysis-corpus.ts (held in memory, so file I/O is
// in neither figure): "parse" = parsePython per file then tree.delete(); "analyse" = parsePython +
// SourceText + analyzeTree with every rule and the default configuration (what `greenml check`
// does per file, minus printing) then tree.delete(). One warm-up round of each, then ROUNDS rounds
// alternating parse/analyse; medians and their ratio are reported. The same for the corpus's training
// scripts alone (test/fixtures/scripts and examples: code dense in ML calls, where every rule has
// work), 3 × ROUNDS rounds since they are small. Then the real CLI is timed, 5 rounds
// alternating: `node dist/cli.js check --format json --no-config --jobs 1 <corpus dirs>` (everything
// on one thread: start-up, wasm load, file walk, reads, analysis, JSON), the same with the default
// worker threads, and `--jobs 1 --select GML103` (a rule whose package, transformers, only
// 4 corpus files name: the semantic model is built for those alone, so this is about start-up + reads
// + parse) for comparison.
//
// Usage: node esbuild.mjs && npx tsc -p . && node out/bench/analysis-check.js [rounds=7] [--no-cli]
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPython, parsePython } from '../server/src/analysis/parser';
import { analyseRound, CORPUS_REPO_DIRS, describeCorpus, loadCorpus, machine, median, repoRoot, type Corpus } from './analysis-corpus';

function parseRound(corpus: Corpus): number {
  const t0 = performance.now();
  for (const f of corpus.files) parsePython(f.text).delete();
  return performance.now() - t0;
}

function runCli(root: string, args: string[]): { ms: number; status: number | null; findings: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', '--format', 'json', '--no-config', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`greenml check exited ${r.status}: ${r.stderr}`);
  return { ms, status: r.status, findings: (JSON.parse(r.stdout) as unknown[]).length };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 7);
  const withCli = !process.argv.includes('--no-cli');
  const corpus = loadCorpus();
  await loadPython();
  console.log(`machine: ${machine()}`);
  console.log(`corpus: ${describeCorpus(corpus)}`);

  const counts = new Map<string, number>();
  parseRound(corpus);
  analyseRound(corpus, counts);
  const parse: number[] = [];
  const analyse: number[] = [];
  for (let i = 0; i < rounds; i++) {
    parse.push(parseRound(corpus));
    analyse.push(analyseRound(corpus));
  }
  // The budget holds on training code too (DESIGN §7): the corpus's training scripts alone, timed the same way.
  const root = repoRoot();
  const training: Corpus = { ...corpus, files: corpus.files.filter((f) => !path.relative(root, f.path).startsWith('..')) };
  const trainingParse: number[] = [];
  const trainingAnalyse: number[] = [];
  for (let i = 0; i < rounds * 3; i++) {
    trainingParse.push(parseRound(training));
    trainingAnalyse.push(analyseRound(training));
  }
  const p = median(parse);
  const a = median(analyse);
  const tp = median(trainingParse);
  const ta = median(trainingAnalyse);
  const result: Record<string, unknown> = {
    rounds,
    files: corpus.files.length,
    lines: corpus.lines,
    findings: Object.fromEntries([...counts].sort()),
    parse_ms: parse.map((x) => +x.toFixed(0)),
    analyse_ms: analyse.map((x) => +x.toFixed(0)),
    parse_median_ms: +p.toFixed(1),
    analyse_median_ms: +a.toFixed(1),
    ratio: +(a / p).toFixed(3),
    budget_ratio: 1.3,
    in_process_lines_per_s: Math.round(corpus.lines / (a / 1000)),
    training_code: {
      files: training.files.length,
      lines: training.files.reduce((n, f) => n + f.lines, 0),
      dirs: CORPUS_REPO_DIRS,
      rounds: rounds * 3,
      parse_median_ms: +tp.toFixed(1),
      analyse_median_ms: +ta.toFixed(1),
      ratio: +(ta / tp).toFixed(3),
    },
  };
  if (withCli) {
    const oneThread: number[] = [];
    const threads: number[] = [];
    const gated: number[] = [];
    let findings = 0;
    let threadFindings = 0;
    for (let i = 0; i < 5; i++) {
      const f = runCli(root, ['--jobs', '1', ...corpus.dirs]);
      findings = f.findings;
      oneThread.push(f.ms);
      const t = runCli(root, corpus.dirs);
      threadFindings = t.findings;
      threads.push(t.ms);
      gated.push(runCli(root, ['--jobs', '1', '--select', 'GML103', ...corpus.dirs]).ms);
    }
    if (threadFindings !== findings) throw new Error(`threads found ${threadFindings}, one thread ${findings}`);
    const one = median(oneThread);
    const many = median(threads);
    result.cli_command = `node dist/cli.js check --format json --no-config [--jobs 1] ${corpus.dirs.join(' ')}`;
    result.cli_findings = findings;
    result.cli_threads_default = Math.min(os.availableParallelism(), 8);
    result.cli_one_thread_wall_ms = oneThread.map((x) => +x.toFixed(0));
    result.cli_one_thread_median_ms = +one.toFixed(0);
    result.cli_one_thread_lines_per_s = Math.round(corpus.lines / (one / 1000));
    result.cli_default_wall_ms = threads.map((x) => +x.toFixed(0));
    result.cli_default_median_ms = +many.toFixed(0);
    result.cli_default_lines_per_s = Math.round(corpus.lines / (many / 1000));
    result.cli_select_GML103_one_thread_median_ms = +median(gated).toFixed(0);
  }
  console.log(JSON.stringify(result, null, 2));
  const ok = a / p <= 1.3;
  console.log(`analysis/parse ratio ${(a / p).toFixed(3)} (budget 1.3): ${ok ? 'MET' : 'MISSED'}`);
  console.log(`on the training scripts alone ${(ta / tp).toFixed(3)} (budget 1.3): ${ta / tp <= 1.3 ? 'MET' : 'MISSED'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
