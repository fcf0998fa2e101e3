import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

describe('GML201 exhaustive-grid-search', () => {
  it('flags GridSearchCV with candidates × the default 5 folds, +1 refit, for a literal dict grid', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(SVC(), grid)
      #        ^^^^^^^^^^^^ GML201: 24 candidates × 5 folds = 120 fits (+1 refit)
      search.fit(X, y)
    `);
  });

  it('offers two fixes, both unsafe and titled so', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(SVC(), grid)
      #        ^^^^^^^^^^^^ GML201
      search.fit(X, y)
    `);
    assert.equal(finding.fixes.length, 2);
    assert.ok(finding.fixes.every((x) => x.safety === 'unsafe' && x.title.endsWith(' (unsafe)')));
  });

  it('sums the candidates of a list of dicts given as param_grid=, with cv=3 and no refit', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      g = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 0.01]}]
      s = GridSearchCV(est, param_grid=g, cv=3, refit=False)
      #   ^^^^^^^^^^^^ GML201: 6 candidates × 3 folds = 18 fits.
    `);
  });

  // ---- cross-validation folds -------------------------------------------------------------------

  it('reads the folds of a StratifiedKFold held in a variable, and a range grid', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, StratifiedKFold
      cv = StratifiedKFold(n_splits=4, shuffle=True)
      a = GridSearchCV(est, {"alpha": range(1, 5)}, cv=cv)
      #   ^^^^^^^^^^^^ GML201: 4 candidates × 4 folds = 16 fits
    `);
  });

  it('reads KFold(3) by position', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, KFold
      b = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold(3))
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 3 folds = 6 fits
    `);
  });

  it('reads KFold() as its default 5 folds', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, KFold
      c = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold())
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 5 folds = 10 fits
    `);
  });

  it('counts RepeatedKFold as splits × repeats', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, RepeatedKFold
      d = GridSearchCV(est, {"alpha": [1, 2]}, cv=RepeatedKFold(n_splits=2, n_repeats=3))
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 6 folds = 12 fits
    `);
  });

  it('counts np.logspace values, with cv=None as 5 folds', () => {
    expectFindings(`
      import numpy as np
      from sklearn.model_selection import GridSearchCV
      e = GridSearchCV(est, {"alpha": np.logspace(-3, 3, 7)}, cv=None)
      #   ^^^^^^^^^^^^ GML201: 7 candidates × 5 folds = 35 fits
    `);
  });

  // ---- what it cannot count ---------------------------------------------------------------------

  it('still warns, with no number, when the grid is unknown', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, make_grid(), cv=5)
      #   ^^^^^^^^^^^^ GML201: grid size not known statically
    `);
    assert.doesNotMatch(finding.message, /\d+ fits/);
  });

  it('counts the candidates when only the folds are unknown', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2]}, cv=args.folds)
      #   ^^^^^^^^^^^^ GML201: 2 candidates, each fitted once per CV fold
    `);
  });

  it('does not count a grid that is changed after it is built', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      g = {"a": [1, 2]}
      g["b"] = [3, 4]
      s = GridSearchCV(est, g)
      #   ^^^^^^^^^^^^ GML201: not known statically
    `);
  });

  // ---- how it is imported -----------------------------------------------------------------------

  it('flags GridSearchCV imported under another name', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV as GS
      s = GS(est, {"a": [1]})
      #   ^^ GML201
    `);
  });

  it('flags GridSearchCV through an aliased module', () => {
    expectFindings(`
      import sklearn.model_selection as ms
      s = ms.GridSearchCV(est, {"a": [1]})
      #   ^^^^^^^^^^^^^^^ GML201
    `);
  });

  it('flags GridSearchCV through its full module path', () => {
    expectFindings(`
      import sklearn
      s = sklearn.model_selection.GridSearchCV(est, {"a": [1]})
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML201
    `);
  });

  it('flags a loop over ParameterGrid with the number of combinations', () => {
    expectFindings(`
      from sklearn.model_selection import ParameterGrid
      for p in ParameterGrid({"a": [1, 2, 3], "b": [4, 5]}):
      #        ^^^^^^^^^^^^^ GML201: all 6 combinations
          fit(p)
    `);
  });

  // ---- what it leaves alone ---------------------------------------------------------------------

  it('leaves RandomizedSearchCV alone', () => {
    expectNone('GML201', `
      from sklearn.model_selection import RandomizedSearchCV
      s = RandomizedSearchCV(est, {"a": [1, 2]}, n_iter=5)
    `);
  });

  it('leaves HalvingGridSearchCV alone', () => {
    expectNone('GML201', `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1, 2]})
    `);
  });

  it('leaves a local function named GridSearchCV alone', () => {
    expectNone('GML201', `
      import sklearn
      def GridSearchCV(est, grid):
          return est
      s = GridSearchCV(est, {"a": [1]})
    `);
  });

  it('leaves a local class named ParameterGrid alone', () => {
    expectNone('GML201', `
      import sklearn
      class ParameterGrid:
          pass
      p = ParameterGrid()
    `);
  });

  it('leaves a parameter that shadows a module alone', () => {
    expectNone('GML201', `
      import sklearn
      def tune(ms):
          return ms.GridSearchCV(est, {})
    `);
  });

  it('runs only where sklearn is imported', () => {
    expectNone('GML201', `
      s = GridSearchCV(est, {"a": [1]})
    `);
  });

  // ---- which fixes it offers --------------------------------------------------------------------

  it('offers no halving fix for multi-metric scoring (HalvingGridSearchCV scores one metric)', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2]}, scoring=["accuracy", "f1"], refit="f1")
      #   ^^^^^^^^^^^^ GML201
    `);
    assert.equal(finding.fixes.length, 1);
    assert.match(finding.fixes[0].title, /RandomizedSearchCV/);
  });

  it('titles the randomized fix with its n_iter, a third of the candidates', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(
      #        ^^^^^^^^^^^^ GML201
          estimator=SVC(),
          param_grid=grid,
          cv=5,
      )
    `);
    assert.equal(finding.fixes[1].title, 'Replace GridSearchCV with RandomizedSearchCV(n_iter=8) (unsafe)');
  });

  it('offers no fix for a ParameterGrid that is not looped over', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import ParameterGrid
      n = len(ParameterGrid({"a": [1]}))
      #       ^^^^^^^^^^^^^ GML201
    `);
    assert.equal(finding.fixes.length, 0);
  });
});
