// Shared by the I/O, tracker and settings reliability tests: the bundled CLI and server run in child
// processes (a hang then fails a test instead of stopping the suite), temporary trees, and the real
// faults the tests need — a full file system (a small tmpfs), a read-only one, a FIFO, /dev/zero — or,
// where this machine cannot make one (not root, no mount), the fallback each test names.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const SERVER = path.join(ROOT, 'dist', 'server.js');
/** A script with two GML105 findings whose fixes are safe (lines 17 and 24). */
export const DEPRECATED_AMP = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'scripts', 'torch_cuda_amp_deprecated.py'), 'utf8');
/** One GML105 finding with a safe fix, and what the fix makes of it. */
export const FIXABLE = 'import torch\nscaler = torch.cuda.amp.GradScaler()\n';
export const FIXED = 'import torch\nscaler = torch.amp.GradScaler("cuda")\n';

export function ensureBuilt(): void {
  if (fs.existsSync(CLI) && fs.existsSync(SERVER)) return;
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
}

const temps: string[] = [];
const mounts: string[] = [];
after(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/** A temporary folder, removed after the tests; `files` maps relative paths to their text. */
export function tempTree(files: Record<string, string | Buffer> = {}, prefix = 'greenml-rel-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return dir;
}

export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** `greenml ARGS` in `cwd`, killed after `timeoutMs` (a hang is then `timedOut`, not a stuck suite). */
export function greenml(cwd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Ran {
  const started = performance.now();
  const [cmd, ...pre] = opts.prefix ?? [process.execPath];
  const r = spawnSync(cmd, [...pre, ...(opts.prefix ? [process.execPath] : []), CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: performance.now() - started, timedOut: r.signal === 'SIGKILL' };
}

/** Like greenml(), asynchronously, with the child's pid (to signal it, or sample its memory). */
export function greenmlAsync(cwd: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}, onSpawn?: (pid: number) => void): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      c.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    c.stdout!.on('data', (d) => (stdout += d));
    c.stderr!.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('spawn', () => onSpawn?.(c.pid!));
    c.on('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started, timedOut });
    });
  });
}

/** Resident memory of a process in MB (VmRSS), or undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A fresh tmpfs of `sizeKb` mounted on a new temporary folder (unmounted after the tests), or
 * undefined when this machine cannot mount one (not root, or mounting not allowed).
 */
export function smallTmpfs(sizeKb: number): string | undefined {
  if (!isRoot) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return undefined;
  }
  mounts.push(dir);
  temps.push(dir);
  return dir;
}

/** Makes a mounted tmpfs read-only (remount); false when that is not possible. */
export function remountReadOnly(dir: string): boolean {
  return spawnSync('mount', ['-o', 'remount,ro', dir]).status === 0;
}

/** Fills the file system holding `dir` to the last byte (with a file named `filler`). */
export function fillFileSystem(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  const block = Buffer.alloc(4096, 0x78);
  try {
    for (let size = block.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          fs.writeSync(fd, block, 0, size);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A command prefix that runs the CLI with writes past `kb` KB failing with EFBIG (RLIMIT_FSIZE, the
 * SIGXFSZ signal ignored so the write returns the error): the fallback for a full disk where no
 * tmpfs can be mounted. The same write path fails, for a different reason.
 */
export function fileSizeLimitPrefix(kb: number): string[] {
  return ['sh', '-c', `trap '' XFSZ; ulimit -f ${Math.max(1, Math.floor((kb * 1024) / 512))}; exec "$@"`, 'sh'];
}

/** Runs as `nobody` when this process is root (setpriv), so that file modes apply; else as is. */
export function asUnprivileged(): string[] | undefined {
  if (!isRoot) return undefined;
  return spawnSync('setpriv', ['--version']).status === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
}

/** The names in a folder (sorted), to check nothing was left behind. */
export function names(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Pids of processes whose command line contains `marker` (test-started processes only). */
export function pidsWith(marker: string): number[] {
  const r = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

/** Polls until a probe holds (the tracking tests' helper). */
export { waitFor } from '../tracking/helpers';
