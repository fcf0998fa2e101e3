// `greenml check` as users run it: the bundled dist/cli.js in a child process, on fixture trees
// copied to temporary folders.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureScriptsOfLines } from '../helpers/analysis';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SCRIPTS = path.join(ROOT, 'test', 'fixtures', 'scripts');

const temps: string[] = [];

before(() => {
  if (!fs.existsSync(CLI)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
});

after(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

/** A temporary tree: `files` maps relative paths to a fixture name (copied) or literal text. */
function tree(files: Record<string, string | { fixture: string }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-cli-'));
  temps.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(target, content);
    else fs.copyFileSync(path.join(SCRIPTS, content.fixture), target);
  }
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function greenml(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DEPRECATED = { fixture: 'torch_cuda_amp_deprecated.py' }; // GML105 (safe fix) on lines 17 and 24
const GRID = { fixture: 'sklearn_gridsearch_svc.py' }; // GML201 (unsafe fix) on line 27
const CLEAN_A = { fixture: 'torch_cifar_amp.py' };
const CLEAN_B = { fixture: 'sklearn_halving.py' };
const CLEAN_C = { fixture: 'keras_fit_with_es.py' };

interface JsonFinding {
  file: string;
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

function json(run: Run): JsonFinding[] {
  const parsed: unknown = JSON.parse(run.stdout);
  assert.ok(Array.isArray(parsed), 'JSON output is one array');
  return parsed as JsonFinding[];
}

describe('greenml check: exit codes', () => {
  it('exits 0 on a clean tree and says so', () => {
    const dir = tree({ 'a.py': CLEAN_A, 'pkg/b.py': CLEAN_B, 'pkg/deep/c.py': CLEAN_C });
    const r = greenml(dir, '.');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'All checks passed (3 files).\n');
    assert.equal(r.stderr, '');
  });

  it('exits 1 when something is found', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'ok.py': CLEAN_A });
    const r = greenml(dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
  });

  for (const [label, args] of [
    ['an unknown option', ['--bogus']],
    ['an unknown code in --select', ['--select', 'GML999']],
    ['an unknown prefix in --ignore', ['--ignore', 'XYZ1']],
    ['an unknown format', ['--format', 'xml']],
    ['--select without a value', ['--select']],
    ['a nonexistent only path', ['does-not-exist.py']],
  ] as const) {
    it(`exits 2 on ${label}`, () => {
      const dir = tree({ 'train.py': DEPRECATED });
      const r = greenml(dir, ...args);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.notEqual(r.stderr, '', 'explains on stderr');
      assert.ok(!r.stdout.includes('GML105'), 'nothing analysed');
    });
  }

  it('reports a nonexistent path but still checks the others', () => {
    const dir = tree({ 'train.py': DEPRECATED });
    const r = greenml(dir, 'missing.py', 'train.py');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing\.py: no such file or directory/);
    assert.match(r.stdout, /^train\.py:17:10: GML105 /m);
  });
});

describe('greenml check: text output', () => {
  it('prints path:line:col: CODE message per finding, then a summary', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'search/grid.py': GRID, 'ok.py': CLEAN_A });
    const r = greenml(dir, '.');
    assert.equal(r.status, 1);
    const lines = r.stdout.trimEnd().split('\n');
    const findings = lines.filter((l) => /^\S+:\d+:\d+: GML\d{3}/.test(l));
    assert.deepEqual(
      findings.map((l) => l.split(' ').slice(0, 3).join(' ')),
      ['search/grid.py:27:14: GML201 [unsafe', 'train.py:17:10: GML105 [*]', 'train.py:24:14: GML105 [*]'],
    );
    assert.ok(lines.includes('Found 3 problems in 2 of 3 files. 2 fixable with --fix. 1 more with --fix --unsafe-fixes.'), r.stdout);
  });
});

describe('greenml check: --format json', () => {
  it('is one array of findings with exactly the documented keys and 1-based positions', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'ok.py': CLEAN_A });
    const r = greenml(dir, '--format', 'json');
    assert.equal(r.status, 1);
    const out = json(r);
    assert.equal(out.length, 2);
    for (const f of out) {
      assert.deepEqual(Object.keys(f).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'fixes', 'line', 'message', 'name', 'severity'].sort());
      for (const x of f.fixes) assert.deepEqual(Object.keys(x).sort(), ['safety', 'title']);
    }
    // By hand: line 17 is `scaler = GradScaler()`: the callee starts after 9 characters and is 10 long.
    const first = out[0];
    assert.equal(first.file, 'train.py');
    assert.deepEqual([first.line, first.column, first.endLine, first.endColumn], [17, 10, 17, 20]);
    assert.equal(first.code, 'GML105');
    assert.equal(first.name, 'deprecated-cuda-amp');
    assert.equal(first.severity, 'warning');
    assert.deepEqual(first.fixes.map((x) => x.safety), ['safe']);
    // Line 24 is `        with autocast():`: the callee starts after 13 characters and is 8 long.
    assert.deepEqual([out[1].line, out[1].column, out[1].endLine, out[1].endColumn], [24, 14, 24, 22]);
  });

  it('is an empty array on a clean tree', () => {
    const dir = tree({ 'ok.py': CLEAN_A });
    const r = greenml(dir, '--format=json');
    assert.equal(r.status, 0);
    assert.deepEqual(json(r), []);
  });
});

describe('greenml check: --format sarif', () => {
  it('has the SARIF 2.1.0 shape', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'grid.py': GRID });
    const r = greenml(dir, '--format', 'sarif');
    assert.equal(r.status, 1);
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      $schema: string;
      runs: Array<{
        tool: { driver: { name: string; rules: Array<{ id: string }> } };
        results: Array<{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }> }>;
      }>;
    };
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    assert.equal(sarif.runs.length, 1);
    const run = sarif.runs[0];
    const ids = run.tool.driver.rules.map((x) => x.id);
    for (const code of ['GML101', 'GML105', 'GML201', 'GML215', 'GML001']) assert.ok(ids.includes(code), `rule ${code} missing`);
    assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
    assert.equal(run.results.length, 3);
    for (const res of run.results) {
      assert.match(res.ruleId, /^GML\d{3}$/);
      assert.equal(ids[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.ok(res.message.text.length > 0);
      const loc = res.locations[0].physicalLocation;
      assert.ok(loc.artifactLocation.uri.endsWith('.py'));
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    }
    const grid = run.results.find((x) => x.ruleId === 'GML201')!;
    assert.equal(grid.locations[0].physicalLocation.artifactLocation.uri, 'grid.py');
    assert.equal(grid.locations[0].physicalLocation.region.startLine, 27);
  });
});

describe('greenml check: --select and --ignore', () => {
  const files = { 'train.py': DEPRECATED, 'grid.py': GRID };
  const codes = (r: Run) => json(r).map((f) => f.code).sort();

  it('--select keeps only the selected codes or prefixes', () => {
    assert.deepEqual(codes(greenml(tree(files), '--format', 'json', '--select', 'GML2')), ['GML201']);
    assert.deepEqual(codes(greenml(tree(files), '--format', 'json', '--select', 'GML105')), ['GML105', 'GML105']);
    const r = greenml(tree(files), '--select', 'GML101');
    assert.equal(r.status, 0, 'nothing selected is found');
  });

  it('--ignore drops codes or prefixes', () => {
    assert.deepEqual(codes(greenml(tree(files), '--format', 'json', '--ignore', 'GML105')), ['GML201']);
    assert.deepEqual(codes(greenml(tree(files), '--format', 'json', '--ignore=GML1,GML2')), []);
  });
});

describe('greenml check: directory walking', () => {
  it('skips .git, virtual environments, node_modules and site-packages', () => {
    const dir = tree({
      'train.py': DEPRECATED,
      '.git/hooks/x.py': DEPRECATED,
      '.venv/lib/y.py': DEPRECATED,
      'env/pyvenv.cfg': 'home = /usr/bin\n',
      'env/lib/z.py': DEPRECATED,
      'node_modules/pkg/w.py': DEPRECATED,
      'lib/python3.11/site-packages/torchish/v.py': DEPRECATED,
      'src/inner.py': GRID,
      'notes.txt': 'not python',
    });
    const out = json(greenml(dir, '--format', 'json'));
    assert.deepEqual([...new Set(out.map((f) => f.file))].sort(), [path.join('src', 'inner.py'), 'train.py']);
  });
});

describe('greenml check: files that cannot be analysed', () => {
  it('reports an unreadable file and binary bytes on stderr and goes on', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'data.py': 'import torch\n\u0000\u0001\u0002 binary\n', 'x.py/inside.txt': 'a folder named like a script\n' });
    fs.symlinkSync(path.join(dir, 'gone.py'), path.join(dir, 'y.py'));
    const r = greenml(dir, '--format', 'json');
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual([...new Set(json(r).map((f) => f.file))], ['train.py']);
    assert.match(r.stderr, /data\.py: not analysed: binary content/);
    assert.match(r.stderr, /y\.py: cannot read/);
  });

  it('reports an explicitly named directory-like path that cannot be read and goes on', () => {
    const dir = tree({ 'train.py': DEPRECATED });
    fs.symlinkSync(path.join(dir, 'gone.py'), path.join(dir, 'y.py'));
    const r = greenml(dir, 'y.py', 'train.py');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /y\.py/);
    assert.match(r.stdout, /train\.py:17:10: GML105/);
  });
});

describe('greenml check: --fix', () => {
  it('applies safe fixes only; --unsafe-fixes applies the rest; the files then check clean', () => {
    const dir = tree({ 'train.py': DEPRECATED, 'grid.py': GRID });
    const gridBefore = fs.readFileSync(path.join(dir, 'grid.py'), 'utf8');
    const trainBefore = fs.readFileSync(path.join(dir, 'train.py'), 'utf8');

    const safe = greenml(dir, '--fix');
    assert.equal(safe.status, 1, 'the unsafe finding is still there');
    assert.match(safe.stdout, /^Fixed 2 problems\.$/m);
    const train = fs.readFileSync(path.join(dir, 'train.py'), 'utf8');
    assert.notEqual(train, trainBefore);
    assert.match(train, /torch\.amp\.GradScaler\("cuda"\)/);
    assert.equal(fs.readFileSync(path.join(dir, 'grid.py'), 'utf8'), gridBefore, 'unsafe GML201 fix not applied without --unsafe-fixes');
    assert.deepEqual(json(greenml(dir, '--format', 'json')).map((f) => f.code), ['GML201']);

    const unsafe = greenml(dir, '--fix', '--unsafe-fixes');
    assert.equal(unsafe.status, 0, unsafe.stdout + unsafe.stderr);
    assert.notEqual(fs.readFileSync(path.join(dir, 'grid.py'), 'utf8'), gridBefore);
    const final = greenml(dir);
    assert.equal(final.status, 0, final.stdout);
    assert.equal(final.stdout, 'All checks passed (2 files).\n');
  });
});

describe('greenml check: pyproject.toml', () => {
  it('respects [tool.greenml] ignore, and --no-config ignores it', () => {
    const dir = tree({ 'pyproject.toml': '[project]\nname = "demo"\n\n[tool.greenml]\nignore = ["GML105"]\n', 'pkg/train.py': DEPRECATED, 'pkg/grid.py': GRID });
    assert.deepEqual(json(greenml(dir, '--format', 'json')).map((f) => f.code), ['GML201']);
    assert.deepEqual(json(greenml(dir, '--format', 'json', '--no-config')).map((f) => f.code).sort(), ['GML105', 'GML105', 'GML201']);
  });

  it('grid-search-min-fits in [tool.greenml]: the 60-fit fixture search is quiet under 100 and reported under 60; a bad value is reported', () => {
    const quiet = tree({ 'pyproject.toml': '[tool.greenml]\ngrid-search-min-fits = 100\n', 'grid.py': GRID });
    assert.deepEqual(json(greenml(quiet, '--format', 'json')), []);
    assert.deepEqual(json(greenml(quiet, '--format', 'json', '--no-config')).map((f) => f.code), ['GML201'], 'the default threshold (20) reports 60 fits');
    const loud = tree({ 'pyproject.toml': '[tool.greenml]\ngrid-search-min-fits = 60\n', 'grid.py': GRID });
    assert.deepEqual(json(greenml(loud, '--format', 'json')).map((f) => f.code), ['GML201']);
    const bad = tree({ 'pyproject.toml': '[tool.greenml]\ngrid-search-min-fits = "many"\n', 'grid.py': GRID });
    const r = greenml(bad, '--format', 'json');
    assert.match(r.stderr, /grid-search-min-fits must be a whole number of fits, at least 1 \(line 2\)/);
    assert.deepEqual(json(r).map((f) => f.code), ['GML201'], 'the default is used');
  });

  it('reports a broken pyproject.toml on stderr with its line and uses the defaults', () => {
    const dir = tree({ 'pyproject.toml': '[tool.greenml]\nignore = ["GML105"\nselect = 3\n', 'train.py': DEPRECATED });
    const r = greenml(dir, '--format', 'json');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /pyproject\.toml: Invalid TOML.*\(line \d+\)/);
    assert.deepEqual(json(r).map((f) => f.code), ['GML105', 'GML105']);
  });
});

describe('greenml check: worker threads', () => {
  /** Every fixture script, a file that cannot be parsed well, and a sub-project with a bad [tool.greenml]. */
  function bigTree(): string {
    const files: Record<string, string | { fixture: string }> = {};
    for (const f of fs.readdirSync(SCRIPTS).filter((n) => n.endsWith('.py'))) files[`scripts/${f}`] = { fixture: f };
    files['broken/half_typed.py'] = 'import torch\nfor x in (:\n';
    files['sub/pyproject.toml'] = '[tool.greenml]\nno-such-key = 1\n';
    files['sub/grid.py'] = GRID;
    files['binary.py'] = 'import torch\u0000\u0001';
    return tree(files);
  }

  it('reports exactly what one thread reports, in the same order, with the same errors and exit code', () => {
    const dir = bigTree();
    const one = greenml(dir, '--format', 'json', '-j', '1', '.');
    const two = greenml(dir, '--format', 'json', '--jobs', '2', '.');
    const three = greenml(dir, '--format', 'json', '--jobs=3', '.');
    assert.equal(one.status, 1, one.stderr);
    assert.ok(json(one).length >= 10, `findings on the fixture tree: ${json(one).length}`);
    for (const other of [two, three]) {
      assert.equal(other.status, one.status);
      assert.equal(other.stdout, one.stdout);
      assert.equal(other.stderr, one.stderr);
    }
    assert.match(one.stderr, /no-such-key/);
    assert.equal(one.stderr.split('\n').filter((l) => l.includes('no-such-key')).length, 1, 'a pyproject problem is reported once');
    assert.match(one.stderr, /binary\.py: not analysed: binary content/);
  });

  it('really uses the threads it is given, and one thread for small runs', () => {
    const dir = bigTree();
    const fileCount = fs.readdirSync(SCRIPTS).filter((n) => n.endsWith('.py')).length + 3;
    assert.match(greenml(dir, '-v', '-j', '2', '.').stderr, new RegExp(`checked ${fileCount} files on 2 threads in \\d+ ms`));
    const small = tree({ 'a.py': CLEAN_A, 'b.py': GRID });
    assert.match(greenml(small, '--verbose', '.').stderr, /checked 2 files on 1 thread in \d+ ms/);
  });

  it('fixes files from worker threads exactly as from one', () => {
    const a = bigTree();
    const b = bigTree();
    const ra = greenml(a, '--fix', '--unsafe-fixes', '-j', '1', '.');
    const rb = greenml(b, '--fix', '--unsafe-fixes', '-j', '2', '.');
    assert.equal(ra.stdout, rb.stdout);
    assert.match(ra.stdout, /Fixed \d+ problems?/);
    for (const f of fs.readdirSync(path.join(a, 'scripts'))) {
      assert.equal(fs.readFileSync(path.join(b, 'scripts', f), 'utf8'), fs.readFileSync(path.join(a, 'scripts', f), 'utf8'), f);
    }
  });

  it('rejects a bad --jobs value with exit 2', () => {
    for (const bad of ['0', 'two', '1.5', '65']) {
      const r = greenml(os.tmpdir(), '--jobs', bad, 'nothing-here');
      assert.equal(r.status, 2, `--jobs ${bad}`);
      assert.match(r.stderr, /--jobs needs a whole number of threads from 1 to 64/);
    }
  });
});

describe('greenml check: --time-budget-ms', () => {
  /**
   * A long script (its analysis takes far more than 10 ms) of a fixed size, so that the whole
   * analysis stays within the spawn timeout however many fixtures are added.
   */
  const longScript = (): string => fixtureScriptsOfLines(8000);

  it('reports GML004 on line 1 when the budget runs out, and not with a budget large enough', () => {
    const dir = tree({ 'long.py': longScript() });
    const tight = json(greenml(dir, '--format', 'json', '--time-budget-ms', '10', '.'));
    const budget = tight.filter((f) => f.code === 'GML004');
    assert.equal(budget.length, 1, JSON.stringify(tight.map((f) => `${f.file}:${f.code}`)));
    assert.equal(budget[0].line, 1);
    assert.equal(budget[0].severity, 'information');
    assert.match(budget[0].message, /10 ms time budget ran out.*--time-budget-ms for greenml check/);
    const relaxed = json(greenml(dir, '--format', 'json', '--time-budget-ms', '600000', '.'));
    assert.ok(!relaxed.some((f) => f.code === 'GML004'));
    assert.ok(relaxed.length > tight.length, `a whole analysis finds more: ${relaxed.length} vs ${tight.length}`);
  });

  it('reads analysis-time-budget-ms from [tool.greenml]; --time-budget-ms overrides it', () => {
    const dir = tree({ 'pyproject.toml': '[tool.greenml]\nanalysis-time-budget-ms = 10\n', 'long.py': longScript() });
    const fromProject = json(greenml(dir, '--format', 'json', '.'));
    assert.equal(fromProject.filter((f) => f.code === 'GML004').length, 1, 'the 10 ms budget of pyproject.toml ran out');
    assert.match(fromProject.find((f) => f.code === 'GML004')!.message, /10 ms time budget ran out.*analysis-time-budget-ms in \[tool\.greenml\]/);
    const overridden = json(greenml(dir, '--format', 'json', '--time-budget-ms', '600000', '.'));
    assert.ok(!overridden.some((f) => f.code === 'GML004'), 'the command line wins over pyproject.toml');
    // --no-config: the default budget, 2000 ms, which a shorter file (well over 10 ms of analysis,
    // well under 2000 ms even on a loaded machine) does not exhaust. Its size is fixed (about 300
    // lines): three copies of every fixture grew with each rule's fixtures, to 6,500 lines and 5 s of
    // analysis on a loaded machine. (There, a fresh process analysing 340 lines took 1.0–1.5 s, most
    // of it warming up.)
    const shorter = tree({ 'pyproject.toml': '[tool.greenml]\nanalysis-time-budget-ms = 10\n', 'short.py': fixtureScriptsOfLines(300) });
    const limited = json(greenml(shorter, '--format', 'json', '.'));
    assert.ok(limited.some((f) => f.code === 'GML004'), 'the 10 ms budget of pyproject.toml runs out on the shorter file');
    const ignored = json(greenml(shorter, '--format', 'json', '--no-config', '.'));
    assert.deepEqual(ignored.filter((x) => x.code === 'GML004').map((f) => f.message), [], 'the default budget covers the shorter file');
    assert.ok(ignored.length > limited.length, `more findings with 2000 ms than with 10 ms: ${ignored.length} vs ${limited.length}`);
  });

  it('rejects a budget that is not a whole number of at least 10 ms', () => {
    for (const bad of ['0', '9', 'fast', '2.5']) {
      const r = greenml(os.tmpdir(), '--time-budget-ms', bad, 'nothing-here');
      assert.equal(r.status, 2, `--time-budget-ms ${bad}`);
      assert.match(r.stderr, /--time-budget-ms needs a whole number of milliseconds, at least 10/);
    }
  });
});
