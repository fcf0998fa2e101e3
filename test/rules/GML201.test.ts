import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML201';
const EXPERIMENTAL = 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401';

/** Applies fix `index`, checks the standard fix properties, and that a second pass has nothing left. */
function fixWith(src: string, index: number): string {
  const fixed = assertFixes(src, CODE, undefined, index);
  assert.deepEqual(findings(fixed, CODE), []);
  return fixed;
}

describe('GML201 exhaustive-grid-search', () => {
  it('counts candidates × default 5 folds (+1 refit) for a literal dict grid', () => {
    const src = py(
      'from sklearn.model_selection import GridSearchCV',
      'from sklearn.svm import SVC',
      'grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}',
      'search = GridSearchCV(SVC(), grid)',
      'search.fit(X, y)',
    );
    const f = assertOne(src, CODE);
    assert.match(f.message, /24 candidates × 5 folds = 120 fits \(\+1 refit\)/);
    assert.equal(f.fixes.length, 2);
    assert.ok(f.fixes.every((x) => x.safety === 'unsafe' && x.title.endsWith(' (unsafe)')));
    assert.deepEqual(f.range.start, { line: 3, character: 9 });
  });

  it('sums list-of-dict grids, reads cv ints, splitters, param_grid= and refit=False', () => {
    const listGrid = py(
      'from sklearn.model_selection import GridSearchCV',
      'g = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 0.01]}]',
      's = GridSearchCV(est, param_grid=g, cv=3, refit=False)',
    );
    assert.match(assertOne(listGrid, CODE).message, /6 candidates × 3 folds = 18 fits\./);
    const kfold = py(
      'import numpy as np',
      'from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, RepeatedKFold',
      'cv = StratifiedKFold(n_splits=4, shuffle=True)',
      'a = GridSearchCV(est, {"alpha": range(1, 5)}, cv=cv)',
      'b = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold(3))',
      'c = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold())',
      'd = GridSearchCV(est, {"alpha": [1, 2]}, cv=RepeatedKFold(n_splits=2, n_repeats=3))',
      'e = GridSearchCV(est, {"alpha": np.logspace(-3, 3, 7)}, cv=None)',
    );
    const messages = findings(kfold, CODE).map((f) => f.message);
    assert.match(messages[0], /4 candidates × 4 folds = 16 fits/);
    assert.match(messages[1], /2 candidates × 3 folds = 6 fits/);
    assert.match(messages[2], /2 candidates × 5 folds = 10 fits/);
    assert.match(messages[3], /2 candidates × 6 folds = 12 fits/);
    assert.match(messages[4], /7 candidates × 5 folds = 35 fits/);
  });

  it('still warns without a number when the grid or cv is unknown', () => {
    const unknownGrid = assertOne(py('from sklearn.model_selection import GridSearchCV', 's = GridSearchCV(est, make_grid(), cv=5)'), CODE);
    assert.match(unknownGrid.message, /grid size not known statically/);
    assert.doesNotMatch(unknownGrid.message, /\d+ fits/);
    const unknownCv = assertOne(py('from sklearn.model_selection import GridSearchCV', 's = GridSearchCV(est, {"a": [1, 2]}, cv=args.folds)'), CODE);
    assert.match(unknownCv.message, /2 candidates, each fitted once per CV fold/);
    const mutated = assertOne(py('from sklearn.model_selection import GridSearchCV', 'g = {"a": [1, 2]}', 'g["b"] = [3, 4]', 's = GridSearchCV(est, g)'), CODE);
    assert.match(mutated.message, /not known statically/);
  });

  it('resolves aliases and module imports', () => {
    assertOne(py('from sklearn.model_selection import GridSearchCV as GS', 's = GS(est, {"a": [1]})'), CODE);
    assertOne(py('import sklearn.model_selection as ms', 's = ms.GridSearchCV(est, {"a": [1]})'), CODE);
    assertOne(py('import sklearn', 's = sklearn.model_selection.GridSearchCV(est, {"a": [1]})'), CODE);
    const pg = assertOne(py('from sklearn.model_selection import ParameterGrid', 'for p in ParameterGrid({"a": [1, 2, 3], "b": [4, 5]}):', '    fit(p)'), CODE);
    assert.match(pg.message, /all 6 combinations/);
  });

  it('leaves cheaper searches and look-alike local names alone', () => {
    assertNone(py('from sklearn.model_selection import RandomizedSearchCV', 's = RandomizedSearchCV(est, {"a": [1, 2]}, n_iter=5)'), CODE);
    assertNone(py(EXPERIMENTAL, 'from sklearn.model_selection import HalvingGridSearchCV', 's = HalvingGridSearchCV(est, {"a": [1, 2]})'), CODE);
    assertNone(py('import sklearn', 'def GridSearchCV(est, grid):', '    return est', 's = GridSearchCV(est, {"a": [1]})'), CODE);
    assertNone(py('import sklearn', 'class ParameterGrid:', '    pass', 'p = ParameterGrid()'), CODE);
    assertNone(py('import sklearn', 'def tune(ms):', '    return ms.GridSearchCV(est, {})'), CODE);
    // A rule only runs where sklearn is imported.
    assertNone(py('s = GridSearchCV(est, {"a": [1]})'), CODE);
  });

  it('halving fix: adds the experimental import before the HalvingGridSearchCV import, once, and keeps the old import', () => {
    const src = py(
      'import numpy as np',
      'from sklearn.model_selection import GridSearchCV',
      'from sklearn.svm import SVC',
      '',
      'search = GridSearchCV(SVC(), {"C": [1, 10]}, cv=3)',
      'other = GridSearchCV',
    );
    const fixed = fixWith(src, 0);
    assert.equal(count(fixed, EXPERIMENTAL), 1);
    assert.equal(count(fixed, 'from sklearn.model_selection import HalvingGridSearchCV'), 1);
    assert.ok(fixed.indexOf(EXPERIMENTAL) < fixed.indexOf('from sklearn.model_selection import HalvingGridSearchCV'));
    assert.match(fixed, /from sklearn\.model_selection import GridSearchCV\n/);
    assert.match(fixed, /search = HalvingGridSearchCV\(SVC\(\), \{"C": \[1, 10\]\}, cv=3, return_train_score=False\)/);
  });

  it('halving fix: reuses existing imports, and puts the experimental import before an existing HalvingGridSearchCV import', () => {
    const both = py(EXPERIMENTAL, 'from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV', 's = GridSearchCV(est, {"a": [1]}, return_train_score=True)');
    const fixed = fixWith(both, 0);
    assert.equal(count(fixed, 'enable_halving_search_cv'), 1);
    assert.equal(count(fixed, 'import GridSearchCV, HalvingGridSearchCV'), 1);
    assert.match(fixed, /s = HalvingGridSearchCV\(est, \{"a": \[1\]\}, return_train_score=True\)/);
    const missingExperimental = py('from sklearn.model_selection import HalvingGridSearchCV', 'from sklearn.model_selection import GridSearchCV', 's = GridSearchCV(est, {"a": [1]})');
    const fixed2 = fixWith(missingExperimental, 0);
    assert.ok(fixed2.startsWith(`${EXPERIMENTAL}\nfrom sklearn.model_selection import HalvingGridSearchCV\n`));
    const moduleExperimental = py('import sklearn.experimental.enable_halving_search_cv', 'import sklearn.model_selection as ms', 's = ms.GridSearchCV(est, {"a": [1]})');
    assert.equal(count(fixWith(moduleExperimental, 0), 'enable_halving_search_cv'), 1);
  });

  it('halving fix on ms.GridSearchCV writes ms.HalvingGridSearchCV and adds the experimental import; drops pre_dispatch', () => {
    const src = py('import sklearn.model_selection as ms', 'search = ms.GridSearchCV(est, {"a": [1, 2]}, pre_dispatch="2*n_jobs")');
    const fixed = fixWith(src, 0);
    assert.equal(fixed, py('import sklearn.model_selection as ms', EXPERIMENTAL, 'search = ms.HalvingGridSearchCV(est, {"a": [1, 2]}, return_train_score=False)'));
    const aliased = fixWith(py('from sklearn.model_selection import GridSearchCV as GS', 's = GS(est, {"a": [1]}, pre_dispatch=4, return_train_score=True)'), 0);
    assert.match(aliased, /s = HalvingGridSearchCV\(est, \{"a": \[1\]\}, return_train_score=True\)/);
  });

  it('offers no halving fix for multi-metric scoring (HalvingGridSearchCV scores one metric)', () => {
    const f = assertOne(py('from sklearn.model_selection import GridSearchCV', 's = GridSearchCV(est, {"a": [1, 2]}, scoring=["accuracy", "f1"], refit="f1")'), CODE);
    assert.equal(f.fixes.length, 1);
    assert.match(f.fixes[0].title, /RandomizedSearchCV/);
  });

  it('randomized fix: renames param_grid=, sets n_iter to a third of the candidates, imports once', () => {
    const src = py(
      'from sklearn.model_selection import GridSearchCV, RandomizedSearchCV',
      'grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}',
      'search = GridSearchCV(',
      '    estimator=SVC(),',
      '    param_grid=grid,',
      '    cv=5,',
      ')',
    );
    const f = assertOne(src, CODE);
    assert.equal(f.fixes[1].title, 'Replace GridSearchCV with RandomizedSearchCV(n_iter=8) (unsafe)');
    const fixed = fixWith(src, 1);
    assert.equal(count(fixed, 'RandomizedSearchCV'), 2);
    assert.match(fixed, /search = RandomizedSearchCV\(\n {4}estimator=SVC\(\),\n {4}param_distributions=grid,\n {4}cv=5,\n {4}n_iter=8,\n {4}random_state=0,\n\)/);
    const unknown = fixWith(py('import sklearn.model_selection as ms', 's = ms.GridSearchCV(est, grid_from_config)'), 1);
    assert.match(unknown, /s = ms\.RandomizedSearchCV\(est, grid_from_config, n_iter=10, random_state=0\)/);
    const fromImport = fixWith(py('from sklearn.model_selection import GridSearchCV', 's = GridSearchCV(est, {"a": [1, 2, 3]})'), 1);
    assert.equal(count(fromImport, 'from sklearn.model_selection import RandomizedSearchCV\n'), 1);
  });

  it('ParameterGrid fix: loops over a ParameterSampler sample', () => {
    const src = py('from sklearn.model_selection import ParameterGrid', 'for p in ParameterGrid({"a": [1, 2, 3], "b": [4, 5, 6]}):', '    fit(p)');
    const fixed = fixWith(src, 0);
    assert.match(fixed, /for p in ParameterSampler\(\{"a": \[1, 2, 3\], "b": \[4, 5, 6\]\}, n_iter=3, random_state=0\):/);
    assert.equal(count(fixed, 'from sklearn.model_selection import ParameterSampler\n'), 1);
    // Not a loop iterable (len(), indexing): no fix.
    assert.equal(assertOne(py('from sklearn.model_selection import ParameterGrid', 'n = len(ParameterGrid({"a": [1]}))'), CODE).fixes.length, 0);
  });

  it('keeps tab and 2-space indentation and CRLF newlines', () => {
    const tabbed = py('from sklearn.model_selection import GridSearchCV', 'def tune(est, X, y):', '\tsearch = GridSearchCV(est, {"a": [1, 2]})', '\treturn search.fit(X, y)');
    const t = fixWith(tabbed, 0);
    assert.match(t, /\n\tsearch = HalvingGridSearchCV\(est, \{"a": \[1, 2\]\}, return_train_score=False\)\n\treturn/);
    const twoSpace = py('from sklearn.model_selection import GridSearchCV', 'def tune(est):', '  s = GridSearchCV(', '    est,', '    {"a": [1, 2]},', '  )', '  return s');
    const s = fixWith(twoSpace, 1);
    assert.match(s, /\n {2}s = RandomizedSearchCV\(\n {4}est,\n {4}\{"a": \[1, 2\]\},\n {4}n_iter=1,\n {4}random_state=0,\n {2}\)/);
    const crlf = 'import numpy as np\r\nfrom sklearn.model_selection import GridSearchCV\r\ns = GridSearchCV(est, {"a": [1]})\r\n';
    const c = fixWith(crlf, 0);
    assert.equal(c, `import numpy as np\r\nfrom sklearn.model_selection import GridSearchCV\r\n${EXPERIMENTAL}\r\nfrom sklearn.model_selection import HalvingGridSearchCV\r\ns = HalvingGridSearchCV(est, {"a": [1]}, return_train_score=False)\r\n`);
    fixWith(crlf, 1);
  });

  it('the halving- and randomized-fixed fixture runs to completion with Debian python3 and sklearn', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import sklearn (${probe.error?.message ?? probe.stderr.trim()}): run \`apt-get install -y python3-sklearn\``);
    const fixture = locateFixture('sklearn_gridsearch_svc.py');
    const original = fs.readFileSync(fixture, 'utf8');
    const f = assertOne(original, CODE);
    assert.match(f.message, /12 candidates × 5 folds = 60 fits/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gml201-'));
    try {
      for (const index of [0, 1]) {
        const fixed = applyFix(original, f, index);
        assertNone(fixed, CODE);
        const file = path.join(dir, `fixed_${index}.py`);
        fs.writeFileSync(file, fixed);
        const run = spawnSync(python, [file], { encoding: 'utf8', timeout: 300_000, cwd: dir });
        assert.equal(run.status, 0, `fixed script (fix ${index}) failed:\n${run.stderr}`);
        const lines = run.stdout.trim().split('\n');
        assert.match(lines.at(-1) ?? '', /^test accuracy: 0\.\d+$/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function locateFixture(name: string): string {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', name), path.resolve('test', 'fixtures', 'scripts', name)];
  const found = candidates.find((c) => fs.existsSync(c));
  assert.ok(found, `fixture ${name} not found`);
  return found;
}
