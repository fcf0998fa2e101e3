// `greenml check [PATH…]`: the same engine as the language server, for terminals, CI and pre-commit.
// Exit codes: 0 nothing found, 1 findings, 2 usage or internal error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { loadPython } from '../analysis/parser';
import type { Finding } from '../analysis/types';
import type { ProjectConfig } from '../config/pyproject';
import { isTimeBudget, MIN_TIME_BUDGET_MS, selectorMatches } from '../config/settings';
import { applicableFix } from '../fixes/fixAll';
import { RULES } from '../rules/registry';
import { ENGINE_CODES } from '../rules/engineCodes';
import { ruleDocsUrl } from '../rules/rule';
import { checkFile } from './checkFile';
import { toSarif } from './sarif';
import { isNotebookPath } from './notebookFiles';

export const CHECK_USAGE = `Usage: greenml check [PATH...] [options]

Reports energy-wasting patterns in Python files and Jupyter notebooks. Directories are searched
for .py and .ipynb files, skipping .git, virtual environments, node_modules and site-packages.
Notebook findings name the cell: nb.ipynb:cell 3:4:5 (line and column within the cell).
Default PATH: .

Options:
  --format text|json|sarif   output format (default: text)
  --select CODES             only these rule codes or prefixes, comma-separated (e.g. GML1,GML201);
                             opt-in rules (GML107) run only when their code is named (ALL,GML107)
  --ignore CODES             never report these codes or prefixes
  --fix                      apply safe fixes in place
  --unsafe-fixes             with --fix, apply unsafe fixes too; without it, show them as available
  --no-config                ignore [tool.greenml] in pyproject.toml files
  -j, --jobs N               check files on N threads (default: one per core, up to 8, for 16+ files)
  --time-budget-ms MS        analysis time budget per file (default 2000); when it runs out, GML004
  -v, --verbose              say on stderr how many files were checked, on how many threads, in what time
  -h, --help                 show this help

With --fix, a file is rewritten atomically (a temporary file beside it, then renamed over it), in its
declared encoding, and only when it parses; links to files outside the checked tree are not followed.
Only regular files are read (5 MB at most for a .py file).

Exit status: 0 when nothing is found, 1 when something is, 2 on a usage or internal error or when
fixes could not be written.
`;

export interface CheckOptions {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  select?: string[];
  ignore?: string[];
  fix: boolean;
  unsafeFixes: boolean;
  useConfig: boolean;
  /** Threads to check files on; undefined = one per core for larger runs. */
  jobs?: number;
  verbose?: boolean;
  /** Per-file analysis budget in ms; undefined = the engine's default (2000). */
  timeBudgetMs?: number;
}

export class UsageError extends Error {}

export function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  const opts: CheckOptions = { paths: [], format: 'text', fix: false, unsafeFixes: false, useConfig: true };
  const codes = (v: string | undefined, flag: string): string[] => {
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a comma-separated list of rule codes`);
    const list = v.split(',').map((c) => c.trim()).filter(Boolean);
    const known = [...RULES.map((r) => r.code), ...ENGINE_CODES.map((c) => c.code)];
    for (const c of list) {
      if (!known.some((k) => selectorMatches(c, k))) throw new UsageError(`${flag}: unknown rule code or prefix '${c}'`);
    }
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not '${f ?? ''}'`);
        opts.format = f;
        break;
      }
      case '--select':
        opts.select = codes(value(), '--select');
        break;
      case '--ignore':
        opts.ignore = codes(value(), '--ignore');
        break;
      case '--fix':
        opts.fix = true;
        break;
      case '--unsafe-fixes':
        opts.unsafeFixes = true;
        break;
      case '--no-config':
        opts.useConfig = false;
        break;
      case '--time-budget-ms': {
        const v = value();
        const n = Number(v);
        if (!v || !isTimeBudget(n)) throw new UsageError(`--time-budget-ms needs a whole number of milliseconds, at least ${MIN_TIME_BUDGET_MS}, not '${v ?? ''}'`);
        opts.timeBudgetMs = n;
        break;
      }
      case '-v':
      case '--verbose':
        opts.verbose = true;
        break;
      case '-j':
      case '--jobs': {
        const v = value();
        const n = Number(v);
        if (!v || !Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--jobs needs a whole number of threads from 1 to 64, not '${v ?? ''}'`);
        opts.jobs = n;
        break;
      }
      case '--':
        opts.paths.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
        opts.paths.push(arg);
    }
  }
  if (opts.paths.length === 0) opts.paths.push('.');
  return opts;
}

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', 'site-packages', '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.ruff_cache', '.pytest_cache', 'dist-packages']);

function isVirtualEnv(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'pyvenv.cfg'));
}

/** Python files under the given paths, sorted, each once. */
export function collectFiles(paths: string[], onError: (p: string, message: string) => void): string[] {
  const out = new Set<string>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      onError(dir, (err as Error).message);
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || isVirtualEnv(p)) continue;
        walk(p);
        // Symlinked scripts are checked too (symlinked folders are not followed); a dangling one, or
        // a FIFO, socket or device named like a script, is then reported instead of skipped silently.
      } else if (e.name.endsWith('.py') || isNotebookPath(e.name)) out.add(p);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (err) {
      onError(p, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message);
      continue;
    }
    if (stat.isDirectory()) walk(p);
    else out.add(p);
  }
  return [...out].sort();
}

export interface FileReport {
  file: string;
  findings: Finding[];
  error?: string;
  fixed?: number;
  /** Notebooks: the 1-based cell number of each finding (whose range is then within that cell). */
  cells?: number[];
}

export interface JsonFinding {
  file: string;
  cell?: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  name: string;
  severity: string;
  message: string;
  fixes: Array<{ title: string; safety: string }>;
}

export function toJson(reports: FileReport[]): JsonFinding[] {
  return reports.flatMap((r) =>
    r.findings.map((f, i) => ({
      file: r.file,
      ...(r.cells ? { cell: r.cells[i] } : {}),
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      endLine: f.range.end.line + 1,
      endColumn: f.range.end.character + 1,
      code: f.code,
      name: f.name,
      severity: f.severity,
      message: f.message,
      fixes: f.fixes.map((x) => ({ title: x.title, safety: x.safety })),
    })),
  );
}

export async function checkMain(argv: string[]): Promise<number> {
  let opts: CheckOptions | 'help';
  try {
    opts = parseCheckArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`greenml check: ${err.message}\n\n${CHECK_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(CHECK_USAGE);
    return 0;
  }
  const started = performance.now();
  const walkErrors: FileError[] = [];
  const files = collectFiles(opts.paths, (file, message) => walkErrors.push({ file, message }));
  const jobs = workerCount(opts, files.length);
  const { results, threads } = jobs > 1 ? await checkInWorkers(files, opts, jobs) : { results: await checkInThisThread(files, opts), threads: 1 };

  // Results come back in file order whatever thread produced them; a project's pyproject problems
  // are reported once even when several threads loaded it.
  const errors: FileError[] = [...walkErrors];
  const seen = new Set<string>();
  const reports: FileReport[] = [];
  let failedWrites = 0;
  for (const r of results) {
    if (r.writeFailed) failedWrites++;
    for (const e of r.errors) {
      const key = `${e.file}\0${e.message}`;
      if (!seen.has(key)) errors.push(e);
      seen.add(key);
    }
    if (r.report) reports.push(r.report);
  }

  const total = reports.reduce((n, r) => n + r.findings.length, 0);
  const fixedCount = reports.reduce((n, r) => n + (r.fixed ?? 0), 0);
  for (const e of errors) process.stderr.write(`greenml: ${e.file}: ${e.message}\n`);
  if (opts.verbose) {
    process.stderr.write(`greenml: checked ${files.length} file${files.length === 1 ? '' : 's'} on ${threads} thread${threads === 1 ? '' : 's'} in ${Math.round(performance.now() - started)} ms\n`);
  }
  switch (opts.format) {
    case 'json':
      process.stdout.write(`${JSON.stringify(toJson(reports), null, 2)}\n`);
      break;
    case 'sarif':
      process.stdout.write(`${JSON.stringify(toSarif(reports, errors), null, 2)}\n`);
      break;
    default:
      process.stdout.write(formatText(reports, opts, fixedCount, files.length, failedWrites));
  }
  const failedInputs = opts.paths.length > 0 && files.length === 0 && errors.length > 0;
  if (failedInputs || failedWrites > 0) return 2;
  return total > 0 ? 1 : 0;
}

export interface FileError {
  file: string;
  message: string;
}

/** What checking one file produced: its report (absent when it could not be analysed) and errors. */
export interface FileResult {
  report?: FileReport;
  errors: FileError[];
  /** --fix: fixes were made but could not be written (read-only file, full disk…): exit status 2. */
  writeFailed?: boolean;
}

/** Below this many files, starting worker threads (each loads the parser) costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 16;

/** Threads to use: --jobs when given, else one per available core, and one for small runs. */
export function workerCount(opts: CheckOptions, fileCount: number): number {
  if (opts.jobs !== undefined) return Math.max(1, Math.min(opts.jobs, fileCount));
  if (fileCount < MIN_FILES_FOR_WORKERS) return 1;
  return Math.max(1, Math.min(os.availableParallelism(), 8, Math.floor(fileCount / 4)));
}

async function checkInThisThread(files: string[], opts: CheckOptions): Promise<FileResult[]> {
  await loadPython();
  const projects = new Map<string, ProjectConfig>();
  return files.map((file) => checkFile(file, opts, projects));
}

/** The message a check worker is started with (workerData), and the ones it exchanges. */
export interface CheckWorkerData {
  greenmlCheckWorker: true;
  opts: CheckOptions;
}
type ToWorker = { index: number; file: string } | { done: true };
type FromWorker = { index: number; result: FileResult } | { failed: string };

/** The script a worker thread runs: the CLI bundle itself (dist/cli.js), or main.js beside this file when unbundled. */
function workerScript(): string {
  const unbundled = path.join(__dirname, 'main.js');
  return fs.existsSync(unbundled) ? unbundled : __filename;
}

/**
 * Checks the files on `jobs` worker threads. Files are handed out one at a time, so a slow file
 * does not hold back a whole share; results are put back in file order.
 */
async function checkInWorkers(files: string[], opts: CheckOptions, jobs: number): Promise<{ results: FileResult[]; threads: number }> {
  const results: FileResult[] = new Array(files.length);
  /** Threads that checked at least one file (what --verbose reports). */
  const working = new Set<number>();
  let next = 0;
  const data: CheckWorkerData = { greenmlCheckWorker: true, opts };
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: data });
      let current: number | undefined;
      const handOut = () => {
        if (next < files.length) {
          current = next++;
          worker.postMessage({ index: current, file: files[current] } satisfies ToWorker);
        } else {
          current = undefined;
          worker.postMessage({ done: true } satisfies ToWorker);
        }
      };
      worker.on('message', (msg: FromWorker) => {
        if ('failed' in msg) return reject(new Error(msg.failed));
        if (!('index' in msg)) return;
        results[msg.index] = msg.result;
        working.add(worker.threadId);
        handOut();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (current !== undefined) reject(new Error(`a check worker exited (code ${code}) while checking ${files[current]}`));
        else resolve();
      });
      // The first file is sent at once (it waits in the worker's queue while the parser loads), so
      // every thread gets work even when one starts much later than another.
      handOut();
    });
  await Promise.all(Array.from({ length: jobs }, runWorker));
  return { results, threads: working.size };
}

/** Body of a check worker thread: loads the parser, then checks each file it is sent. */
export async function runCheckWorker(data: CheckWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runCheckWorker must run in a worker thread');
  try {
    await loadPython();
  } catch (err) {
    port.postMessage({ failed: `cannot load the Python parser: ${(err as Error).message}` } satisfies FromWorker);
    return;
  }
  const projects = new Map<string, ProjectConfig>();
  port.on('message', (msg: ToWorker) => {
    if ('done' in msg) {
      port.close();
      return;
    }
    port.postMessage({ index: msg.index, result: checkFile(msg.file, data.opts, projects) } satisfies FromWorker);
  });
}

export function isCheckWorker(data: unknown): data is CheckWorkerData {
  return !isMainThread && typeof data === 'object' && data !== null && (data as CheckWorkerData).greenmlCheckWorker === true;
}

function formatText(reports: FileReport[], opts: CheckOptions, fixedCount: number, fileCount: number, failedWrites: number): string {
  let out = '';
  let fixable = 0;
  let unsafeOnly = 0;
  for (const r of reports) {
    for (const [i, f] of r.findings.entries()) {
      const safe = !!applicableFix(f, false);
      const any = f.fixes.length > 0;
      if (safe || (any && opts.unsafeFixes)) fixable++;
      else if (any) unsafeOnly++;
      const marker = safe ? ' [*]' : any ? ' [unsafe fix]' : '';
      out += `${r.file}:${r.cells ? `cell ${r.cells[i]}:` : ''}${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.code}${marker} ${f.message}\n`;
    }
  }
  const total = reports.reduce((n, r) => n + r.findings.length, 0);
  if (fixedCount > 0) out += `Fixed ${fixedCount} problem${fixedCount === 1 ? '' : 's'}.\n`;
  if (failedWrites > 0) out += `Could not write the fixes to ${failedWrites} file${failedWrites === 1 ? '' : 's'} (see the errors above); ${failedWrites === 1 ? 'it is' : 'they are'} unchanged.\n`;
  if (total === 0 && failedWrites === 0) {
    out += `All checks passed (${fileCount} file${fileCount === 1 ? '' : 's'}).\n`;
    return out;
  }
  out += `Found ${total} problem${total === 1 ? '' : 's'} in ${reports.filter((r) => r.findings.length).length} of ${fileCount} file${fileCount === 1 ? '' : 's'}.`;
  if (fixable) out += ` ${fixable} fixable with --fix${opts.unsafeFixes ? ' --unsafe-fixes' : ''}.`;
  if (unsafeOnly) out += ` ${unsafeOnly} more with --fix --unsafe-fixes.`;
  out += `\nRule documentation: ${ruleDocsUrl('').replace(/\.md$/, '')}\n`;
  return out;
}
