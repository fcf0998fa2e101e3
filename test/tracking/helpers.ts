// Shared helpers for the tracking tests.
import { spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'tracking');

export function tmpDir(prefix = 'greenml-track-'): string {
  return fs.mkdtempSync(join(os.tmpdir(), prefix));
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: SpawnOptions = {}, onSpawn?: (pid: number) => void): Promise<Ran> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d) => (stdout += d));
    c.stderr!.on('data', (d) => (stderr += d));
    c.on('error', rej);
    c.on('spawn', () => onSpawn?.(c.pid!));
    c.on('exit', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

/** An env without nvidia-smi on PATH surprises (fixture dir excluded) and without a sysfs override. */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.GREENML_SYSFS_ROOT;
  return { ...env, ...extra };
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function readLabel(outputDir: string): Record<string, any> {
  const dir = join(outputDir, 'runs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length !== 1) throw new Error(`expected one label in ${dir}, found ${files.length}`);
  return JSON.parse(fs.readFileSync(join(dir, files[0]), 'utf8'));
}
