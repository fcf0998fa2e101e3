// `greenml check` under hostile input: a 10 MB file, a 3 MB one, binary bytes, deep nesting, an
// empty file. Each is reported or analysed, the run goes on, and nothing hangs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BINARY, DEEP, NO_HANG_MS, ROOT, repeated } from './inputs';

const CLI = path.join(ROOT, 'dist', 'cli.js');
let dir: string;

before(() => {
  if (!fs.existsSync(CLI)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-robust-cli-'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const OK = 'import torch\nscaler = torch.cuda.amp.GradScaler()\n';

function run(files: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const sub = fs.mkdtempSync(path.join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(sub, name), text);
  const start = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', ...args], { cwd: sub, encoding: 'utf8', timeout: NO_HANG_MS * 3, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - start };
}

function files(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of JSON.parse(stdout) as Array<{ file: string; code: string }>) (out[f.file] ??= []).push(f.code);
  return out;
}

describe('greenml check robustness', () => {
  it('reports a 10 MB file on stderr as not analysed and checks the others', () => {
    const r = run({ 'huge.py': repeated(10 * 1024 * 1024), 'ok.py': OK });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /huge\.py: not analysed: \d+\.\d MB is above the 5 MB limit/);
    assert.deepEqual(files(r.stdout), { 'ok.py': ['GML105'] });
    assert.ok(r.ms < NO_HANG_MS, `took ${r.ms.toFixed(0)} ms`);
  });

  it('analyses a 3 MB file within a bounded time', () => {
    const r = run({ 'large.py': repeated(3 * 1024 * 1024), 'ok.py': OK });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.deepEqual(files(r.stdout)['ok.py'], ['GML105']);
    assert.ok(r.ms < NO_HANG_MS, `took ${r.ms.toFixed(0)} ms`);
  });

  it('reports binary content and an empty file does not disturb the run', () => {
    const r = run({ 'bin.py': BINARY, 'empty.py': '', 'ok.py': OK });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bin\.py: not analysed: binary content/);
    assert.deepEqual(files(r.stdout), { 'ok.py': ['GML105'] });
  });

  it('handles deeply nested expressions without crashing or hanging', () => {
    const input: Record<string, string> = { 'ok.py': OK };
    Object.values(DEEP).forEach((text, i) => (input[`deep${i}.py`] = text));
    const r = run(input);
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.deepEqual(files(r.stdout)['ok.py'], ['GML105']);
    assert.ok(r.ms < NO_HANG_MS, `took ${r.ms.toFixed(0)} ms`);
  });
});
