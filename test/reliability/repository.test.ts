// What a repository can put in front of the tools (issue 21, item 4): per-file-ignores globs made to
// backtrack, and a .py or pyproject.toml that is a FIFO or a link to /dev/zero. Neither `greenml
// check` nor the language server may hang on them or read them without limit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { globToMatcher } from '../../server/src/config/settings';
import { stdioClient } from '../helpers/lsp';
import { ensureBuilt, FIXABLE, greenml, rssMb, SERVER, tempTree } from './sandbox';

before(ensureBuilt);

/** The glob as a regular expression, the way Ruff's globset and the old converter read it: the oracle. */
function reference(glob: string): RegExp {
  const pattern = glob.includes('/') ? glob.replace(/^\.\//, '') : `**/${glob}`;
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*' && pattern[i + 2] === '/') {
      re += '(?:.*/)?';
      i += 2;
    } else if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

describe('per-file-ignores globs are matched in linear time', () => {
  it('agrees with the regular-expression reading on 40,000 random short globs and paths', () => {
    let seed = 21;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const globParts = ['a', 'b', '/', '.', '*', '?', '**', '**/'];
    const pathParts = ['a', 'b', '/', '.'];
    let compared = 0;
    for (let g = 0; g < 2000; g++) {
      let glob = '';
      for (let k = 1 + rnd(7); k > 0; k--) glob += globParts[rnd(globParts.length)];
      if (glob.includes('***')) continue; // `***` is read as `**` here; the regex reads it otherwise
      const mine = globToMatcher(glob);
      const oracle = reference(glob);
      for (let p = 0; p < 20; p++) {
        let file = '';
        for (let k = rnd(9); k > 0; k--) file += pathParts[rnd(pathParts.length)];
        assert.equal(mine(file), oracle.test(file), `glob ${JSON.stringify(glob)} on ${JSON.stringify(file)}`);
        compared++;
      }
    }
    assert.ok(compared > 30_000);
  });

  it('pathological globs take milliseconds, not minutes', () => {
    const cases: Array<[string, string]> = [
      ['*a*a*a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(40)}.py`],
      [`${'**/'.repeat(10)}x.py`, `${'d/'.repeat(60)}y.py`],
      [`${'*'.repeat(200)}b`, 'a'.repeat(200)],
      [`${'?*'.repeat(100)}z`, 'a'.repeat(300)],
    ];
    for (const [glob, file] of cases) {
      const started = performance.now();
      assert.equal(globToMatcher(glob)(file), false);
      const ms = performance.now() - started;
      assert.ok(ms < 200, `${glob} on ${file.length} characters took ${ms.toFixed(0)} ms`);
    }
  });

  it('greenml check with such a glob in pyproject.toml finishes at once (it took over 60 s)', () => {
    const dir = tempTree({
      'pyproject.toml': '[tool.greenml]\nper-file-ignores = { "*a*a*a*a*a*a*a*a*a*a*a*a*b" = ["GML1"], "**/**/**/**/**/**/**/**/**/**/x.py" = ["GML1"] }\n',
      [`${'a'.repeat(40)}.py`]: FIXABLE,
      [`${'d/'.repeat(30)}deep.py`]: FIXABLE,
    });
    const r = greenml(dir, ['check', '--format', 'json', '.'], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, 'check did not finish within 20 s');
    assert.equal(r.status, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2, 'both files checked, neither ignored');
    assert.ok(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
  });
});

describe('greenml check reads only regular files, with a limit', () => {
  it('a FIFO and links to /dev/zero and /dev/urandom named .py are reported, the others checked', () => {
    const dir = tempTree({ 'ok.py': FIXABLE });
    execFileSync('mkfifo', [path.join(dir, 'fifo.py')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.py'));
    fs.symlinkSync('/dev/urandom', path.join(dir, 'random.ipynb'));
    const r = greenml(dir, ['check', '--format', 'json', '.'], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, 'check did not finish within 20 s');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /fifo\.py: not analysed: a FIFO, not a regular file/);
    assert.match(r.stderr, /zero\.py: not analysed: a character device, not a regular file/);
    assert.match(r.stderr, /random\.ipynb: not analysed: a character device, not a regular file/);
    assert.deepEqual((JSON.parse(r.stdout) as Array<{ file: string }>).map((f) => f.file), ['ok.py']);
  });

  it('a pyproject.toml that is a FIFO or a link to /dev/zero is reported; the defaults apply', () => {
    for (const make of ['fifo', 'zero'] as const) {
      const dir = tempTree({ 't.py': FIXABLE });
      if (make === 'fifo') execFileSync('mkfifo', [path.join(dir, 'pyproject.toml')]);
      else fs.symlinkSync('/dev/zero', path.join(dir, 'pyproject.toml'));
      const r = greenml(dir, ['check', 't.py'], { timeoutMs: 20_000 });
      assert.equal(r.timedOut, false, `${make}: check did not finish within 20 s`);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`pyproject\\.toml, Green ML uses its defaults: a (FIFO|character device), not a regular file`));
      assert.match(r.stdout, /t\.py:2:10: GML105/);
    }
  });
});

describe('the language server reads only regular files, with a limit', () => {
  for (const make of ['fifo', 'zero'] as const) {
    it(`a pyproject.toml that is ${make === 'fifo' ? 'a FIFO' : 'a link to /dev/zero'}: diagnostics still come, the problem is shown, memory stays small`, async () => {
      const dir = tempTree({ 't.py': FIXABLE });
      if (make === 'fifo') execFileSync('mkfifo', [path.join(dir, 'pyproject.toml')]);
      else fs.symlinkSync('/dev/zero', path.join(dir, 'pyproject.toml'));
      const client = stdioClient(SERVER, { rootUri: pathToFileURL(dir).toString() });
      // The server's pid, to watch its memory (TestLspClient keeps its child process private).
      const pid = (client as unknown as { child: { pid: number } }).child.pid;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 100);
      try {
        await client.initialize();
        const diagnostics = await client.open(pathToFileURL(path.join(dir, 't.py')).toString(), FIXABLE);
        assert.deepEqual(diagnostics.map((d) => d.code), ['GML105']);
        const config = await client.waitFor(() => client.diagnostics.get(pathToFileURL(path.join(dir, 'pyproject.toml')).toString()), 'the GML002 diagnostic on pyproject.toml');
        assert.match(String(config.diagnostics[0].message), /Green ML uses its defaults: a (FIFO|character device), not a regular file/);
        // A second document is answered too: nothing is stuck behind the first.
        assert.equal((await client.open(pathToFileURL(path.join(dir, 'u.py')).toString(), FIXABLE)).length, 1);
        assert.ok(peak < 400, `the server grew to ${peak.toFixed(0)} MB`);
        await client.shutdown();
      } finally {
        clearInterval(sampler);
        client.kill();
      }
    });
  }
});
