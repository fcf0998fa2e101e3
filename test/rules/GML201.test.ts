import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GreenmlSettings } from '../../server/src/config/settings';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// Counting, names and fixes are tested with grid-search-min-fits = 1, so that small grids stay readable;
// the threshold itself has its own tests.
const ALL: GreenmlSettings = { gridSearchMinFits: 1 };

describe('GML201 exhaustive-grid-search', () => {
  it('flags GridSearchCV with candidates × the default 5 folds, +1 refit, for a literal dict grid', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(SVC(), grid)
      #        ^^^^^^^^^^^^ GML201: 24 candidates × 5 folds = 120 fits (+1 refit)
      search.fit(X, y)
    `, { settings: ALL });
  });

  it('offers two fixes, both unsafe and titled so', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(SVC(), grid)
      #        ^^^^^^^^^^^^ GML201
      search.fit(X, y)
    `, { settings: ALL });
    assert.equal(finding.fixes.length, 2);
    assert.ok(finding.fixes.every((x) => x.safety === 'unsafe' && x.title.endsWith(' (unsafe)')));
  });

  it('sums the candidates of a list of dicts given as param_grid=, with cv=3 and no refit', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      g = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 0.01]}]
      s = GridSearchCV(est, param_grid=g, cv=3, refit=False)
      #   ^^^^^^^^^^^^ GML201: 6 candidates × 3 folds = 18 fits.
    `, { settings: ALL });
  });

  // ---- cross-validation folds -------------------------------------------------------------------

  it('reads the folds of a StratifiedKFold held in a variable, and a range grid', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, StratifiedKFold
      cv = StratifiedKFold(n_splits=4, shuffle=True)
      a = GridSearchCV(est, {"alpha": range(1, 5)}, cv=cv)
      #   ^^^^^^^^^^^^ GML201: 4 candidates × 4 folds = 16 fits
    `, { settings: ALL });
  });

  it('reads KFold(3) by position', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, KFold
      b = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold(3))
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 3 folds = 6 fits
    `, { settings: ALL });
  });

  it('reads KFold() as its default 5 folds', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, KFold
      c = GridSearchCV(est, {"alpha": [1, 2]}, cv=KFold())
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 5 folds = 10 fits
    `, { settings: ALL });
  });

  it('counts RepeatedKFold as splits × repeats', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV, RepeatedKFold
      d = GridSearchCV(est, {"alpha": [1, 2]}, cv=RepeatedKFold(n_splits=2, n_repeats=3))
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 6 folds = 12 fits
    `, { settings: ALL });
  });

  it('counts np.logspace values, with cv=None as 5 folds', () => {
    expectFindings(`
      import numpy as np
      from sklearn.model_selection import GridSearchCV
      e = GridSearchCV(est, {"alpha": np.logspace(-3, 3, 7)}, cv=None)
      #   ^^^^^^^^^^^^ GML201: 7 candidates × 5 folds = 35 fits
    `, { settings: ALL });
  });

  // ---- what it cannot count ---------------------------------------------------------------------

  it('still warns, with no number, when the grid is unknown', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, make_grid(), cv=5)
      #   ^^^^^^^^^^^^ GML201: grid size not known statically
    `, { settings: ALL });
    assert.doesNotMatch(finding.message, /\d+ fits/);
  });

  it('counts the candidates when only the folds are unknown', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2]}, cv=args.folds)
      #   ^^^^^^^^^^^^ GML201: 2 candidates, each fitted once per CV fold
    `, { settings: ALL });
  });

  it('does not count a grid that is changed after it is built', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      g = {"a": [1, 2]}
      g["b"] = [3, 4]
      s = GridSearchCV(est, g)
      #   ^^^^^^^^^^^^ GML201: not known statically
    `, { settings: ALL });
  });

  // ---- how it is imported -----------------------------------------------------------------------

  it('flags GridSearchCV imported under another name', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV as GS
      s = GS(est, {"a": [1]})
      #   ^^ GML201
    `, { settings: ALL });
  });

  it('flags GridSearchCV through an aliased module', () => {
    expectFindings(`
      import sklearn.model_selection as ms
      s = ms.GridSearchCV(est, {"a": [1]})
      #   ^^^^^^^^^^^^^^^ GML201
    `, { settings: ALL });
  });

  it('flags GridSearchCV through its full module path', () => {
    expectFindings(`
      import sklearn
      s = sklearn.model_selection.GridSearchCV(est, {"a": [1]})
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML201
    `, { settings: ALL });
  });

  it('flags a loop over ParameterGrid with the number of combinations', () => {
    expectFindings(`
      from sklearn.model_selection import ParameterGrid
      for p in ParameterGrid({"a": [1, 2, 3], "b": [4, 5]}):
      #        ^^^^^^^^^^^^^ GML201: all 6 combinations
          fit(p)
    `, { settings: ALL });
  });

  // ---- what it leaves alone ---------------------------------------------------------------------

  it('leaves RandomizedSearchCV alone', () => {
    expectNone('GML201', `
      from sklearn.model_selection import RandomizedSearchCV
      s = RandomizedSearchCV(est, {"a": [1, 2]}, n_iter=5)
    `, ALL);
  });

  it('leaves HalvingGridSearchCV alone', () => {
    expectNone('GML201', `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1, 2]})
    `, ALL);
  });

  it('leaves a local function named GridSearchCV alone', () => {
    expectNone('GML201', `
      import sklearn
      def GridSearchCV(est, grid):
          return est
      s = GridSearchCV(est, {"a": [1]})
    `, ALL);
  });

  it('leaves a local class named ParameterGrid alone', () => {
    expectNone('GML201', `
      import sklearn
      class ParameterGrid:
          pass
      p = ParameterGrid()
    `, ALL);
  });

  it('leaves a parameter that shadows a module alone', () => {
    expectNone('GML201', `
      import sklearn
      def tune(ms):
          return ms.GridSearchCV(est, {})
    `, ALL);
  });

  it('runs only where sklearn is imported', () => {
    expectNone('GML201', `
      s = GridSearchCV(est, {"a": [1]})
    `, ALL);
  });

  // ---- which fixes it offers --------------------------------------------------------------------

  it('offers no halving fix for multi-metric scoring (HalvingGridSearchCV scores one metric)', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2, 3, 4, 5, 6]}, scoring=["accuracy", "f1"], refit="f1")
      #   ^^^^^^^^^^^^ GML201
    `, { settings: ALL });
    assert.equal(finding.fixes.length, 1);
    assert.equal(finding.fixes[0].title, 'Replace GridSearchCV with RandomizedSearchCV(n_iter=2) (unsafe)');
  });

  it('samples at least two candidates, and offers no random sample of a grid of two (it would be the grid again)', () => {
    const [four] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2, 3, 4]})
      #   ^^^^^^^^^^^^ GML201: 4 candidates × 5 folds = 20 fits
    `, { settings: ALL });
    assert.deepEqual(four.fixes.map((f) => f.title), [
      'Replace GridSearchCV with successive halving (HalvingGridSearchCV) (unsafe)',
      'Replace GridSearchCV with RandomizedSearchCV(n_iter=2) (unsafe)',
    ]);
    const [two] = expectFindings(`
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2]}, cv=10)
      #   ^^^^^^^^^^^^ GML201: 2 candidates × 10 folds = 20 fits
    `, { settings: ALL });
    assert.deepEqual(two.fixes.map((f) => f.title), ['Replace GridSearchCV with successive halving (HalvingGridSearchCV) (unsafe)']);
    const [tune] = expectFindings(`
      from tune_sklearn import TuneGridSearchCV
      s = TuneGridSearchCV(est, {"a": [1, 2]})
      #   ^^^^^^^^^^^^^^^^ GML201
    `, { settings: ALL });
    assert.equal(tune.fixes.length, 0);
    const [sampled] = expectFindings(`
      from sklearn.model_selection import ParameterGrid
      for params in ParameterGrid({"a": [1, 2, 3]}):
      #             ^^^^^^^^^^^^^ GML201
          fit(params)
    `, { settings: ALL });
    assert.deepEqual(sampled.fixes.map((f) => f.title), ['Sample 2 combinations with ParameterSampler instead (unsafe)']);
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
    `, { settings: ALL });
    assert.equal(finding.fixes[1].title, 'Replace GridSearchCV with RandomizedSearchCV(n_iter=8) (unsafe)');
  });

  it('offers no fix for a ParameterGrid that is not looped over', () => {
    const [finding] = expectFindings(`
      from sklearn.model_selection import ParameterGrid
      n = len(ParameterGrid({"a": [1]}))
      #       ^^^^^^^^^^^^^ GML201
    `, { settings: ALL });
    assert.equal(finding.fixes.length, 0);
  });

  // ---- grid-search-min-fits ---------------------------------------------------------------------

  it('stays quiet on a search below grid-search-min-fits (20 by default): 2 values × 3 folds = 6 fits', () => {
    expectNone('GML201', `
      from sklearn.model_selection import GridSearchCV
      from xgboost import XGBClassifier
      search = GridSearchCV(XGBClassifier(), {"max_depth": [2, 4]}, cv=3)
      search.fit(X, y)
    `);
  });

  it('stays quiet on a one-candidate ParameterGrid', () => {
    expectNone('GML201', `
      from sklearn.model_selection import ParameterGrid
      for params in ParameterGrid({"C": [1.0], "kernel": ["rbf"]}):
          SVC(**params).fit(X, y)
    `);
  });

  it('reports a search of exactly grid-search-min-fits fits: 4 candidates × 5 folds = 20', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      search = GridSearchCV(SVC(), {"C": [1, 10], "gamma": [0.1, 1]})
      #        ^^^^^^^^^^^^ GML201: 4 candidates × 5 folds = 20 fits
    `);
  });

  it('still reports a search whose size is not known, whatever the threshold', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      search = GridSearchCV(SVC(), param_grid, cv=3)
      #        ^^^^^^^^^^^^ GML201: grid size not known statically
    `, { settings: { gridSearchMinFits: 1000 } });
  });

  it('still reports a small literal grid whose folds are not known', () => {
    expectFindings(`
      from sklearn.model_selection import GridSearchCV
      search = GridSearchCV(SVC(), {"C": [1, 10]}, cv=folds)
      #        ^^^^^^^^^^^^ GML201: 2 candidates, each fitted once per CV fold
    `);
  });

  it('follows a raised threshold: 12 candidates × 5 folds = 60 fits is quiet under grid-search-min-fits = 100', () => {
    const fixture = [
      'from sklearn.model_selection import GridSearchCV',
      'search = GridSearchCV(SVC(), {"C": [0.1, 1, 10, 100], "gamma": [1e-3, 1e-2, 1e-1]})',
    ].join('\n');
    expectNone('GML201', fixture, { gridSearchMinFits: 100 });
    expectFindings(`${fixture}\n#        ^^^^^^^^^^^^ GML201: 60 fits`, { settings: { gridSearchMinFits: 60 } });
  });

  // ---- tune-sklearn -----------------------------------------------------------------------------

  it('flags TuneGridSearchCV with candidates × its default 5 folds', () => {
    expectFindings(`
      from tune_sklearn import TuneGridSearchCV
      from sklearn.linear_model import SGDClassifier
      parameter_grid = {"alpha": [1e-4, 1e-3, 1e-2, 1e-1], "epsilon": [0.01, 0.1]}
      tune_search = TuneGridSearchCV(SGDClassifier(), parameter_grid, max_iters=10)
      #             ^^^^^^^^^^^^^^^^ GML201: TuneGridSearchCV is exhaustive: 8 candidates × 5 folds = 40 fits
      tune_search.fit(x_train, y_train)
    `);
  });

  it('flags TuneGridSearchCV through a module alias, and a list-of-dicts grid with cv=3', () => {
    expectFindings(`
      import tune_sklearn as ts
      param_grid = [{"C": [1, 10, 100]}, {"kernel": ["rbf"], "C": [1, 10, 100], "gamma": [0.1, 0.01]}]
      grid = ts.TuneGridSearchCV(pipe, param_grid=param_grid, cv=3)
      #      ^^^^^^^^^^^^^^^^^^^ GML201: 9 candidates × 3 folds = 27 fits
    `);
  });

  it('leaves TuneGridSearchCV alone when early_stopping ends poor candidates early', () => {
    expectNone('GML201', `
      from tune_sklearn import TuneGridSearchCV
      from ray.tune.schedulers import MedianStoppingRule
      scheduler = MedianStoppingRule(grace_period=10.0)
      tune_search = TuneGridSearchCV(clf, {"alpha": [1e-4, 1e-3, 1e-2, 1e-1], "epsilon": [0.01, 0.1]}, early_stopping=scheduler, max_iters=10)
    `, ALL);
  });

  it('flags TuneGridSearchCV with early_stopping=False (no early stopping)', () => {
    expectFindings(`
      from tune_sklearn import TuneGridSearchCV
      gs = TuneGridSearchCV(net, {"lr": [0.01, 0.02, 0.05], "module__num_units": [10, 20]}, early_stopping=False)
      #    ^^^^^^^^^^^^^^^^ GML201: 30 fits
    `);
  });

  it('leaves a local class named TuneGridSearchCV alone', () => {
    expectNone('GML201', `
      class TuneGridSearchCV:
          def __init__(self, est, grid): ...
      gs = TuneGridSearchCV(net, {"lr": [0.01, 0.02, 0.05, 0.1, 0.2], "module__num_units": [10, 20, 40, 80]})
    `, ALL);
  });

  it('leaves TuneSearchCV (random search) alone', () => {
    expectNone('GML201', `
      from tune_sklearn import TuneSearchCV
      search = TuneSearchCV(pipe, param_grid, search_optimization="random", n_trials=10)
    `, ALL);
  });
});
