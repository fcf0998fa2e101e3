// `greenml check` on notebooks: the bundled dist/cli.js on copies of the fixture notebooks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const NOTEBOOKS = path.join(ROOT, 'test', 'fixtures', 'notebooks');
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

function copyTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-nb-'));
  temps.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const read = (name: string) => fs.readFileSync(path.join(NOTEBOOKS, name), 'utf8');

function greenml(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('greenml check on notebooks', () => {
  it('walks directories for .ipynb files and prints findings with the cell number', () => {
    const dir = copyTree({ 'nb/grid.ipynb': read('grid_search.ipynb'), 'nb/clean.ipynb': read('clean_halving.ipynb') });
    const r = greenml(dir, '.');
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.includes('GML'));
    assert.equal(lines.length, 1, r.stdout);
    assert.ok(lines[0].startsWith(`${path.join('nb', 'grid.ipynb')}:cell 3:4:10: GML201 [unsafe fix] GridSearchCV is exhaustive`), lines[0]);
    assert.match(r.stdout, /Found 1 problem in 1 of 2 files/);
  });

  it('JSON names the cell and gives the line within it', () => {
    const dir = copyTree({ 'grid.ipynb': read('grid_search.ipynb') });
    const r = greenml(dir, '--format', 'json', 'grid.ipynb');
    const out = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(out.length, 1);
    assert.deepEqual(
      { file: out[0].file, cell: out[0].cell, line: out[0].line, column: out[0].column, endLine: out[0].endLine, endColumn: out[0].endColumn, code: out[0].code },
      { file: 'grid.ipynb', cell: 3, line: 4, column: 10, endLine: 4, endColumn: 22, code: 'GML201' },
    );
    assert.deepEqual(Object.keys(out[0]).slice(0, 3), ['file', 'cell', 'line']);
  });

  it('SARIF regions are within the cell, which the message and properties name', () => {
    const dir = copyTree({ 'grid.ipynb': read('grid_search.ipynb') });
    const sarif = JSON.parse(greenml(dir, '--format', 'sarif', 'grid.ipynb').stdout) as {
      runs: Array<{ results: Array<{ message: { text: string }; properties: { cell: number }; locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } } }> }> }>;
    };
    const [result] = sarif.runs[0].results;
    assert.match(result.message.text, /^cell 3: GridSearchCV is exhaustive/);
    assert.equal(result.properties.cell, 3);
    assert.deepEqual(result.locations[0].physicalLocation.region.startLine, 4);
    assert.deepEqual(result.locations[0].physicalLocation.region.startColumn, 10);
  });

  it('reports a notebook that is not valid JSON and goes on with the others', () => {
    const dir = copyTree({ 'a_broken.ipynb': '{"cells": [', 'grid.ipynb': read('grid_search.ipynb') });
    const r = greenml(dir, '.');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a_broken\.ipynb: not analysed: not valid JSON/);
    assert.match(r.stdout, /grid\.ipynb:cell 3:4:10: GML201/);
  });

  it('--fix rewrites the cell sources in the JSON, keeping outputs and formatting', () => {
    const original = read('grid_search.ipynb');
    const dir = copyTree({ 'grid.ipynb': original });
    const r = greenml(dir, '--fix', '--unsafe-fixes', 'grid.ipynb');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Fixed 1 problem\./);
    const after = fs.readFileSync(path.join(dir, 'grid.ipynb'), 'utf8');
    // Exactly two places change: the end of cell 1's source list and one line of cell 3.
    const expected = original
      .replace(
        '    "from sklearn.model_selection import GridSearchCV, train_test_split\\n",\n',
        '    "from sklearn.experimental import enable_halving_search_cv  # noqa: F401\\n",\n    "from sklearn.model_selection import HalvingGridSearchCV, train_test_split\\n",\n',
      )
      .replace('"search = GridSearchCV(SVC(), param_grid, cv=5, n_jobs=-1)\\n"', '"search = HalvingGridSearchCV(SVC(), param_grid, cv=5, n_jobs=-1, return_train_score=False)\\n"');
    assert.notEqual(expected, original);
    assert.equal(after, expected);
    const before = JSON.parse(original) as { cells: Array<{ outputs?: unknown }> };
    const now = JSON.parse(after) as typeof before;
    assert.deepEqual(now.cells.map((c) => c.outputs), before.cells.map((c) => c.outputs));
    // Checking again finds nothing.
    assert.equal(greenml(dir, 'grid.ipynb').status, 0);
  });

  it('skips a notebook whose kernel is not Python, saying so', () => {
    const r_nb = JSON.stringify({ cells: [{ cell_type: 'code', metadata: {}, outputs: [], source: ['library(ggplot2)'] }], metadata: { kernelspec: { language: 'R', name: 'ir' } }, nbformat: 4, nbformat_minor: 5 });
    const dir = copyTree({ 'r.ipynb': r_nb });
    const r = greenml(dir, 'r.ipynb');
    assert.match(r.stderr, /not analysed: the notebook kernel language is R, not Python/);
  });
});
