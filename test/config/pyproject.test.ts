// [tool.greenml] in pyproject.toml: every key, bad TOML, unknown keys, wrong types, defaults, and
// which file applies to a script (the nearest one above it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { findPyproject, loadProjectConfig, parsePyproject } from '../../server/src/config/pyproject';
import { effectiveConfig } from '../../server/src/config/settings';

const temps: string[] = [];
after(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

function toml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

describe('parsePyproject', () => {
  it('reads every key', () => {
    const { settings, problems } = parsePyproject(
      toml(
        '[project]',
        'name = "demo"',
        '',
        '[tool.greenml]',
        'select = ["GML1", "GML201"]',
        'ignore = ["GML105"]',
        'extend-select = ["GML2"]',
        'unsafe-fixes = true',
        'target-device = "cpu"',
        'prefer-dtype = "fp16"',
        'analysis-time-budget-ms = 5000',
        'grid-search-min-fits = 50',
        '',
        '[tool.greenml.per-file-ignores]',
        '"tests/*.py" = ["GML101", "GML2"]',
        '',
        '[tool.greenml.severity]',
        'GML201 = "error"',
        'gml105 = "hint"',
      ),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      select: ['GML1', 'GML201'],
      ignore: ['GML105'],
      extendSelect: ['GML2'],
      unsafeFixes: true,
      targetDevice: 'cpu',
      preferDtype: 'fp16',
      analysisTimeBudgetMs: 5000,
      gridSearchMinFits: 50,
      perFileIgnores: { 'tests/*.py': ['GML101', 'GML2'] },
      severity: { GML201: 'error', GML105: 'hint' },
    });
  });

  it('has no settings and no problems without a [tool.greenml] table', () => {
    assert.deepEqual(parsePyproject(toml('[project]', 'name = "x"', '[tool.ruff]', 'line-length = 100')), { problems: [] });
    assert.deepEqual(parsePyproject(''), { problems: [] });
  });

  it('reports bad TOML as one problem on the offending line', () => {
    const text = toml('[project]', 'name = "demo"', '', '[tool.greenml]', 'ignore = ["GML105"', 'select = ["GML1"]');
    const { settings, problems } = parsePyproject(text);
    assert.equal(settings, undefined, 'defaults are used');
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /Invalid TOML/);
    // The unterminated array starts on line 5 (index 4); the parser notices it there or on the next line.
    assert.ok([4, 5].includes(problems[0].range.start.line), `line ${problems[0].range.start.line}`);
  });

  it('reports a duplicate key (invalid TOML) on its line', () => {
    const { problems } = parsePyproject(toml('[tool.greenml]', 'unsafe-fixes = true', 'unsafe-fixes = false'));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].range.start.line, 2);
  });

  it('reports an unknown key once, on its line, and keeps the valid keys', () => {
    const { settings, problems } = parsePyproject(toml('[tool.greenml]', 'ignore = ["GML201"]', 'selectt = ["GML1"]'));
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /Unknown key "selectt"/);
    assert.equal(problems[0].range.start.line, 2);
    assert.deepEqual(settings, { ignore: ['GML201'] });
  });

  it('reports wrong types, one problem per key, and drops those keys', () => {
    const { settings, problems } = parsePyproject(
      toml(
        '[tool.greenml]',
        'select = "GML1"',
        'ignore = [1, 2]',
        'unsafe-fixes = "yes"',
        'target-device = "tpu"',
        'prefer-dtype = 16',
        'severity = "error"',
        'per-file-ignores = ["x.py"]',
        'analysis-time-budget-ms = 9',
        'grid-search-min-fits = 0',
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.range.start.line),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.match(problems[8].message, /grid-search-min-fits must be a whole number of fits, at least 1/);
    assert.match(problems[7].message, /analysis-time-budget-ms must be a whole number of milliseconds, at least 10/);
    assert.match(problems[0].message, /select must be a list of rule codes/);
    assert.match(problems[3].message, /target-device must be one of cuda, cpu, mps/);
    assert.deepEqual(settings, {});
  });

  it('reports an unknown rule code in a list and keeps the others', () => {
    const { settings, problems } = parsePyproject(toml('[tool.greenml]', 'ignore = ["GML105", "E501", "GML2"]'));
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /unknown rule code "E501"/);
    assert.deepEqual(settings, { ignore: ['GML105', 'GML2'] });
  });

  it('reports a bad severity value and keeps the good ones', () => {
    const { settings, problems } = parsePyproject(toml('[tool.greenml.severity]', 'GML101 = "fatal"', 'GML201 = "information"'));
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /severity\.GML101/);
    assert.deepEqual(settings, { severity: { GML201: 'information' } });
  });

  it('rejects a time budget that is not a whole number of at least 10 ms', () => {
    for (const bad of ['"5000"', '2.5', '0', '-100', 'true']) {
      const { settings, problems } = parsePyproject(toml('[tool.greenml]', `analysis-time-budget-ms = ${bad}`));
      assert.equal(problems.length, 1, bad);
      assert.deepEqual(settings, {}, bad);
    }
  });

  it('takes the time budget from the editor, else [tool.greenml], else 2000 ms', () => {
    assert.equal(effectiveConfig(undefined, undefined).timeBudgetMs, 2000);
    assert.equal(effectiveConfig({ analysisTimeBudgetMs: 7000 }, undefined).timeBudgetMs, 7000);
    assert.equal(effectiveConfig({ analysisTimeBudgetMs: 7000 }, { analysisTimeBudgetMs: 300 }).timeBudgetMs, 300);
  });

  it('uses the defaults when the table is broken', () => {
    const { settings } = parsePyproject(toml('[tool.greenml', 'ignore = ["GML105"]'));
    const config = effectiveConfig(settings, undefined);
    assert.equal(config.isEnabled('GML105'), true);
    assert.equal(config.unsafeFixes, false);
    assert.equal(config.fixOptions.preferDtype, 'bf16');
    assert.equal(config.fixOptions.targetDevice, undefined);
    assert.equal(config.severityOf('GML201', 'warning'), 'warning');
    assert.equal(config.timeBudgetMs, 2000);
  });
});

describe('nearest pyproject.toml', () => {
  function layout(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-config-'));
    temps.push(root);
    fs.mkdirSync(path.join(root, 'sub', 'deep', 'er'), { recursive: true });
    fs.mkdirSync(path.join(root, 'other'), { recursive: true });
    fs.writeFileSync(path.join(root, 'pyproject.toml'), toml('[tool.greenml]', 'ignore = ["GML105"]'));
    fs.writeFileSync(path.join(root, 'sub', 'pyproject.toml'), toml('[tool.greenml]', 'ignore = ["GML201"]'));
    return root;
  }

  it('wins over the ones further up', () => {
    const root = layout();
    const deep = loadProjectConfig(path.join(root, 'sub', 'deep', 'er'));
    assert.equal(deep.file, path.join(root, 'sub', 'pyproject.toml'));
    assert.equal(deep.root, path.join(root, 'sub'));
    assert.deepEqual(deep.settings, { ignore: ['GML201'] });
    const other = loadProjectConfig(path.join(root, 'other'));
    assert.equal(other.file, path.join(root, 'pyproject.toml'));
    assert.deepEqual(other.settings, { ignore: ['GML105'] });
  });

  it('does not look above the stop folder', () => {
    const root = layout();
    assert.equal(findPyproject(path.join(root, 'other'), path.join(root, 'other')), undefined);
    assert.equal(findPyproject(path.join(root, 'sub', 'deep'), path.join(root, 'sub', 'deep')), undefined);
    assert.equal(findPyproject(path.join(root, 'sub', 'deep'), path.join(root, 'sub')), path.join(root, 'sub', 'pyproject.toml'));
  });

  it('turns a broken file into problems, not an exception', () => {
    const root = layout();
    fs.writeFileSync(path.join(root, 'sub', 'pyproject.toml'), toml('[tool.greenml]', 'ignore = [', ''));
    const deep = loadProjectConfig(path.join(root, 'sub', 'deep'));
    assert.equal(deep.settings, undefined);
    assert.equal(deep.problems.length, 1);
  });
});
