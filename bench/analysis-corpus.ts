// The fixed ML corpus the analysis benchmarks run on: real PyTorch and scikit-learn sources from
// Debian's python3-torch (1.13) and python3-sklearn (1.2) packages, plus this repository's own
// training-script fixtures and examples. Nothing is downloaded; a missing part is an error, never
// a smaller corpus.
//
// Prerequisite: apt-get install -y python3-torch python3-sklearn
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeTree } from '../server/src/analysis/analyze';
import { parsePython } from '../server/src/analysis/parser';
import { SourceText } from '../server/src/analysis/sourceText';
import { effectiveConfig, type EffectiveConfig } from '../server/src/config/settings';

export const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

/** Directories (relative to dist-packages) searched recursively for .py files, tests included. */
export const CORPUS_PACKAGE_DIRS = [
  'torch/nn',
  'torch/optim',
  'torch/utils/data',
  'torch/cuda',
  'torch/amp',
  'sklearn/linear_model',
  'sklearn/ensemble',
  'sklearn/model_selection',
  'sklearn/neural_network',
] as const;

/** Our own scripts, relative to the repository root (top level of each directory only). */
export const CORPUS_REPO_DIRS = ['test/fixtures/scripts', 'examples'] as const;

export const MIN_CORPUS_LINES = 100_000;

export interface CorpusFile {
  path: string;
  text: string;
  lines: number;
}

export interface Corpus {
  files: CorpusFile[];
  lines: number;
  bytes: number;
  /** Absolute directories, for passing to `greenml check`. */
  dirs: string[];
}

export function repoRoot(): string {
  // Compiled to out/bench/: the repository is two levels up; run from source (ts) one level up.
  for (const candidate of [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..')]) {
    if (fs.existsSync(path.join(candidate, 'package.json')) && fs.existsSync(path.join(candidate, 'server'))) return candidate;
  }
  throw new Error(`cannot find the repository root from ${__dirname}`);
}

/** The .py files in a directory (and below it when `recursive`, `__pycache__` aside), in directory order. */
export function pyFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive && e.name !== '__pycache__') out.push(...pyFiles(p, true));
    } else if (e.isFile() && e.name.endsWith('.py')) out.push(p);
  }
  return out;
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return text.length > 0 && text.charCodeAt(text.length - 1) !== 10 ? n + 1 : n;
}

/** Loads the whole corpus into memory, or throws a clear error naming what is missing. */
export function loadCorpus(): Corpus {
  const root = repoRoot();
  const missing = CORPUS_PACKAGE_DIRS.filter((d) => !fs.existsSync(path.join(DIST_PACKAGES, d)));
  if (missing.length) {
    throw new Error(
      `benchmark corpus missing: ${missing.map((d) => path.join(DIST_PACKAGES, d)).join(', ')}\n` +
        'Install it with: apt-get install -y python3-torch python3-sklearn',
    );
  }
  const dirs = [...CORPUS_PACKAGE_DIRS.map((d) => path.join(DIST_PACKAGES, d)), ...CORPUS_REPO_DIRS.map((d) => path.join(root, d))];
  const names = [
    ...CORPUS_PACKAGE_DIRS.flatMap((d) => pyFiles(path.join(DIST_PACKAGES, d), true)),
    ...CORPUS_REPO_DIRS.flatMap((d) => pyFiles(path.join(root, d), false)),
  ].sort();
  const files = names.map((p) => {
    const text = fs.readFileSync(p, 'utf8');
    return { path: p, text, lines: countLines(text) };
  });
  const lines = files.reduce((n, f) => n + f.lines, 0);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  if (lines < MIN_CORPUS_LINES) {
    throw new Error(`benchmark corpus has only ${lines} lines (< ${MIN_CORPUS_LINES}); is python3-torch / python3-sklearn complete? apt-get install -y python3-torch python3-sklearn`);
  }
  return { files, lines, bytes, dirs };
}

export function describeCorpus(c: Corpus): string {
  return `${c.files.length} files, ${c.lines} lines, ${(c.bytes / 1048576).toFixed(1)} MiB: ${CORPUS_PACKAGE_DIRS.map((d) => `${DIST_PACKAGES}/${d}`).join(', ')}, ${CORPUS_REPO_DIRS.join(', ')}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(s.length, rank) - 1];
}

/**
 * The CPU time the hypervisor gave to other guests while this VM wanted it (the "steal" column of
 * /proc/stat), as a share of the time the VM's CPUs were busy or stolen since `since` (idle and
 * I/O wait left out); undefined where there is no /proc/stat.
 * On a shared VM this is what makes one run slower than the next: reported beside the timings.
 */
export function stealSince(since?: number[]): { percent: number | undefined; sample: number[] | undefined } {
  let sample: number[] | undefined;
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    sample = line.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return { percent: undefined, sample: undefined };
  }
  if (!since) return { percent: undefined, sample };
  const delta = (i: number) => (sample[i] ?? 0) - (since[i] ?? 0);
  // user nice system idle iowait irq softirq steal: everything but idle (3) and iowait (4).
  const wanted = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + delta(i), 0);
  return { percent: wanted > 0 ? +((100 * delta(7)) / wanted).toFixed(1) : undefined, sample };
}

export function machine(): string {
  let cpu = 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1];
  } catch {
    /* not Linux */
  }
  return `${os.availableParallelism?.() ?? os.cpus().length} CPUs (${cpu}), node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Parses and analyses every corpus file once with `config` (default: every default rule); returns the milliseconds. */
export function analyseRound(corpus: Corpus, counts?: Map<string, number>, config: EffectiveConfig = effectiveConfig(undefined, undefined)): number {
  const t0 = performance.now();
  for (const f of corpus.files) {
    const tree = parsePython(f.text);
    const result = analyzeTree(tree, new SourceText(f.text), { config, relativePath: path.basename(f.path) });
    if (counts) for (const x of result.findings) counts.set(x.code, (counts.get(x.code) ?? 0) + 1);
    tree.delete();
  }
  return performance.now() - t0;
}
