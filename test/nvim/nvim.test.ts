// Another LSP client: headless Neovim (Debian `neovim`) runs the bundled server over stdio and
// receives Green ML's diagnostics, which shows the server is not tied to VS Code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..', '..');
const HERE = join(ROOT, 'test', 'nvim');

interface NvimResult {
  ok: boolean;
  error?: string;
  nvim?: string;
  diagnostics: { lnum: number; col: number; message: string; source?: string; code?: string }[];
}

test('headless Neovim receives GML diagnostics from the bundled server', { timeout: 90_000 }, () => {
  const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  assert.equal(nvim.status, 0, 'Neovim is not installed; install it with: apt-get install -y neovim');
  const server = join(ROOT, 'dist', 'server.js');
  assert.ok(existsSync(server), `${server} missing; run npm run build`);

  const dir = mkdtempSync(join(tmpdir(), 'greenml-nvim-'));
  try {
    cpSync(join(HERE, 'fixtures', 'train.py'), join(dir, 'train.py'));
    const out = join(dir, 'result.json');
    const r = spawnSync('nvim', ['--headless', '--clean', '-n', '-i', 'NONE', '-c', `luafile ${join(HERE, 'diagnostics.lua')}`], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        GREENML_SERVER: server,
        GREENML_NODE: process.execPath,
        GREENML_FILE: join(dir, 'train.py'),
        GREENML_OUT: out,
        GREENML_TIMEOUT_MS: '30000',
        XDG_STATE_HOME: dir,
        XDG_DATA_HOME: dir,
        XDG_CACHE_HOME: dir,
      },
    });
    assert.ok(existsSync(out), `Neovim wrote no result (exit ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
    assert.equal(result.error, undefined, `Lua error: ${result.error}`);
    assert.ok(result.ok, `no diagnostics arrived within 30 s: ${JSON.stringify(result)}`);
    const codes = result.diagnostics.map((d) => String(d.code));
    assert.ok(codes.includes('GML201'), `GML201 expected, got ${JSON.stringify(result.diagnostics)}`);
    assert.ok(codes.includes('GML211'), `GML211 expected, got ${JSON.stringify(result.diagnostics)}`);
    assert.ok(result.diagnostics.every((d) => d.source === 'greenml'), 'every diagnostic has source greenml');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
