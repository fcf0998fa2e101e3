import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { GreenmlSettings } from '../../server/src/config/settings';
import { applyFix, assertNone, assertOne, useParser } from '../helpers/analysis';
import { expectFix } from '../helpers/markers';

useParser();

// Counting, names and fixes are tested with grid-search-min-fits = 1, so that small grids stay readable;
// the threshold itself has its own tests.
const ALL: GreenmlSettings = { gridSearchMinFits: 1 };

// Fix 0 replaces GridSearchCV with HalvingGridSearchCV, fix 1 with RandomizedSearchCV; ParameterGrid's one fix samples it.
const HALVING = 0;
const RANDOMIZED = 1;

describe('GML201 exhaustive-grid-search: fixes', () => {
  it('halving: adds HalvingGridSearchCV to the existing import, the experimental import before it, and keeps GridSearchCV while it is used', () => {
    expectFix(
      'GML201',
      `
      import numpy as np
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import SVC

      search = GridSearchCV(SVC(), {"C": [1, 10]}, cv=3)
      other = GridSearchCV
      `,
      `
      import numpy as np
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV
      from sklearn.svm import SVC

      search = HalvingGridSearchCV(SVC(), {"C": [1, 10]}, cv=3, return_train_score=False)
      other = GridSearchCV
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('halving: reuses the imports the file has, takes out the GridSearchCV nothing uses any more, and keeps return_train_score=True', () => {
    expectFix(
      'GML201',
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV
      s = GridSearchCV(est, {"a": [1]}, return_train_score=True)
      `,
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1]}, return_train_score=True)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('halving: puts the experimental import before an existing HalvingGridSearchCV import, and removes the GridSearchCV import left unused', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import HalvingGridSearchCV
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1]})
      `,
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1]}, return_train_score=False)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('halving: an `import sklearn.experimental.enable_halving_search_cv` counts as the experimental import', () => {
    expectFix(
      'GML201',
      `
      import sklearn.experimental.enable_halving_search_cv
      import sklearn.model_selection as ms
      s = ms.GridSearchCV(est, {"a": [1]})
      `,
      `
      import sklearn.experimental.enable_halving_search_cv
      import sklearn.model_selection as ms
      s = ms.HalvingGridSearchCV(est, {"a": [1]}, return_train_score=False)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('halving: ms.GridSearchCV becomes ms.HalvingGridSearchCV, and pre_dispatch gives way to return_train_score=False', () => {
    expectFix(
      'GML201',
      `
      import sklearn.model_selection as ms
      search = ms.GridSearchCV(est, {"a": [1, 2]}, pre_dispatch="2*n_jobs")
      `,
      `
      import sklearn.model_selection as ms
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      search = ms.HalvingGridSearchCV(est, {"a": [1, 2]}, return_train_score=False)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('halving: an aliased GridSearchCV loses pre_dispatch and keeps return_train_score=True', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import GridSearchCV as GS
      s = GS(est, {"a": [1]}, pre_dispatch=4, return_train_score=True)
      `,
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import GridSearchCV as GS, HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1]}, return_train_score=True)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('randomized: renames param_grid=, sets n_iter to a third of the candidates, and reuses the import (without the GridSearchCV nothing uses any more)', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = GridSearchCV(
          estimator=SVC(),
          param_grid=grid,
          cv=5,
      )
      `,
      `
      from sklearn.model_selection import RandomizedSearchCV
      from sklearn.svm import SVC
      grid = {"C": [0.1, 1, 10], "gamma": [1e-3, 1e-2, 1e-1, 1], "kernel": ["rbf", "poly"]}
      search = RandomizedSearchCV(
          estimator=SVC(),
          param_distributions=grid,
          cv=5,
          n_iter=8,
          random_state=0,
      )
      `,
      { settings: ALL, fixIndex: RANDOMIZED },
    );
  });

  it('randomized: n_iter=10 when the grid is unknown, through an aliased module', () => {
    expectFix(
      'GML201',
      `
      import sklearn.model_selection as ms
      s = ms.GridSearchCV(est, grid_from_config)
      `,
      `
      import sklearn.model_selection as ms
      s = ms.RandomizedSearchCV(est, grid_from_config, n_iter=10, random_state=0)
      `,
      { settings: ALL, fixIndex: RANDOMIZED },
    );
  });

  it('randomized: writes RandomizedSearchCV over the GridSearchCV import that nothing else uses', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2, 3]})
      `,
      `
      from sklearn.model_selection import RandomizedSearchCV
      s = RandomizedSearchCV(est, {"a": [1, 2, 3]}, n_iter=2, random_state=0)
      `,
      { settings: ALL, fixIndex: RANDOMIZED },
    );
  });

  it('ParameterGrid: the loop samples a third of the combinations with ParameterSampler', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import ParameterGrid
      for p in ParameterGrid({"a": [1, 2, 3], "b": [4, 5, 6]}):
          fit(p)
      `,
      `
      from sklearn.model_selection import ParameterSampler
      for p in ParameterSampler({"a": [1, 2, 3], "b": [4, 5, 6]}, n_iter=3, random_state=0):
          fit(p)
      `, { settings: ALL },
    );
  });

  it('halving: keeps tab indentation', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import GridSearchCV
      def tune(est, X, y):
      \tsearch = GridSearchCV(est, {"a": [1, 2]})
      \treturn search.fit(X, y)
      `,
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      def tune(est, X, y):
      \tsearch = HalvingGridSearchCV(est, {"a": [1, 2]}, return_train_score=False)
      \treturn search.fit(X, y)
      `,
      { settings: ALL, fixIndex: HALVING },
    );
  });

  it('randomized: keeps two-space indentation and one argument per line', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import GridSearchCV
      def tune(est):
        s = GridSearchCV(
          est,
          {"a": [1, 2, 3, 4, 5, 6]},
        )
        return s
      `,
      `
      from sklearn.model_selection import RandomizedSearchCV
      def tune(est):
        s = RandomizedSearchCV(
          est,
          {"a": [1, 2, 3, 4, 5, 6]},
          n_iter=2,
          random_state=0,
        )
        return s
      `,
      { settings: ALL, fixIndex: RANDOMIZED },
    );
  });

  it('halving: keeps CRLF newlines', () => {
    expectFix(
      'GML201',
      `
      import numpy as np
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1]})
      `,
      `
      import numpy as np
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      s = HalvingGridSearchCV(est, {"a": [1]}, return_train_score=False)
      `,
      { settings: ALL, fixIndex: HALVING, eol: '\r\n' },
    );
  });

  it('randomized: keeps CRLF newlines', () => {
    expectFix(
      'GML201',
      `
      import numpy as np
      from sklearn.model_selection import GridSearchCV
      s = GridSearchCV(est, {"a": [1, 2, 3]})
      `,
      `
      import numpy as np
      from sklearn.model_selection import RandomizedSearchCV
      s = RandomizedSearchCV(est, {"a": [1, 2, 3]}, n_iter=2, random_state=0)
      `,
      { settings: ALL, fixIndex: RANDOMIZED, eol: '\r\n' },
    );
  });

  it('halving: extends a parenthesised multi-line import in its layout, keeping GridSearchCV while it is used', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import (
          GridSearchCV,
          train_test_split,
      )
      search = GridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=5)
      assert isinstance(search, GridSearchCV)
      `,
      `
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import (
          GridSearchCV,
          train_test_split,
          HalvingGridSearchCV,
      )
      search = HalvingGridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=5, return_train_score=False)
      assert isinstance(search, GridSearchCV)
      `,
      { fixIndex: HALVING },
    );
  });

  it('randomized: replaces the name inside a parenthesised import with no trailing comma', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import (train_test_split,
                                           GridSearchCV)
      search = GridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=5)
      `,
      `
      from sklearn.model_selection import (train_test_split,
                                           RandomizedSearchCV)
      search = RandomizedSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=5, n_iter=2, random_state=0)
      `,
      { fixIndex: RANDOMIZED },
    );
  });

  it('randomized: adds to a multi-line import without a trailing comma, one name per line', () => {
    expectFix(
      'GML201',
      `
      from sklearn.model_selection import (
          GridSearchCV,
          KFold
      )
      search = GridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=KFold(5))
      best = GridSearchCV.__name__
      `,
      `
      from sklearn.model_selection import (
          GridSearchCV,
          KFold,
          RandomizedSearchCV
      )
      search = RandomizedSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, cv=KFold(5), n_iter=2, random_state=0)
      best = GridSearchCV.__name__
      `,
      { fixIndex: RANDOMIZED },
    );
  });

  it('halving: an import below other code is renamed where it stands (it binds the name where the old one was bound)', () => {
    expectFix(
      'GML201',
      `
      import numpy as np
      print("setup")
      from sklearn.model_selection import GridSearchCV
      search = GridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]})
      `,
      `
      import numpy as np
      print("setup")
      from sklearn.experimental import enable_halving_search_cv  # noqa: F401
      from sklearn.model_selection import HalvingGridSearchCV
      search = HalvingGridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, return_train_score=False)
      `,
      { fixIndex: HALVING },
    );
  });

  it('randomized: joins the GridSearchCV import below other code where it stands, while GridSearchCV is still used', () => {
    expectFix(
      'GML201',
      `
      import numpy as np
      print("setup")
      from sklearn.model_selection import GridSearchCV
      search = GridSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]})
      kind = GridSearchCV
      `,
      `
      import numpy as np
      print("setup")
      from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
      search = RandomizedSearchCV(SVC(), {"C": [1, 10, 100], "gamma": [0.1, 0.01]}, n_iter=2, random_state=0)
      kind = GridSearchCV
      `,
      { fixIndex: RANDOMIZED },
    );
  });

  // ---- a real script ----------------------------------------------------------------------------

  function gridSearchFixture(): string {
    const name = 'sklearn_gridsearch_svc.py';
    const candidates = [path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', name), path.resolve('test', 'fixtures', 'scripts', name)];
    const found = candidates.find((c) => fs.existsSync(c));
    assert.ok(found, `fixture ${name} not found`);
    return fs.readFileSync(found, 'utf8');
  }

  it('the SVC grid-search fixture: 12 candidates × 5 folds', () => {
    assert.match(assertOne(gridSearchFixture(), 'GML201').message, /12 candidates × 5 folds = 60 fits/);
  });

  for (const index of [HALVING, RANDOMIZED]) {
    it(`the SVC grid-search fixture runs to completion after fix ${index} (Debian python3 and sklearn)`, () => {
      const python = '/usr/bin/python3';
      const probe = spawnSync(python, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
      assert.equal(probe.status, 0, `${python} cannot import sklearn (${probe.error?.message ?? probe.stderr.trim()}): run \`apt-get install -y python3-sklearn\``);
      const original = gridSearchFixture();
      const fixed = applyFix(original, assertOne(original, 'GML201'), index);
      assertNone(fixed, 'GML201');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gml201-'));
      try {
        const file = path.join(dir, `fixed_${index}.py`);
        fs.writeFileSync(file, fixed);
        const run = spawnSync(python, [file], { encoding: 'utf8', timeout: 300_000, cwd: dir });
        assert.equal(run.status, 0, `fixed script (fix ${index}) failed:\n${run.stderr}`);
        const lines = run.stdout.trim().split('\n');
        assert.match(lines.at(-1) ?? '', /^test accuracy: 0\.\d+$/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('tune-sklearn: TuneGridSearchCV becomes TuneSearchCV with a third of the candidates as n_trials, in the same import', () => {
    expectFix(
      'GML201',
      `
      from tune_sklearn import TuneGridSearchCV
      param_grid = {"lr": [0.01, 0.02, 0.05], "module__num_units": [10, 20, 40]}
      gs = TuneGridSearchCV(net, param_grid=param_grid, scoring="accuracy")
      gs.fit(X, y)
      `,
      `
      from tune_sklearn import TuneSearchCV
      param_grid = {"lr": [0.01, 0.02, 0.05], "module__num_units": [10, 20, 40]}
      gs = TuneSearchCV(net, param_distributions=param_grid, scoring="accuracy", n_trials=3, random_state=0)
      gs.fit(X, y)
      `,
    );
  });

  it('tune-sklearn: a module-qualified TuneGridSearchCV is renamed in place', () => {
    expectFix(
      'GML201',
      `
      import tune_sklearn
      gs = tune_sklearn.TuneGridSearchCV(net, {"lr": [0.01, 0.02, 0.05], "units": [10, 20, 40]})
      `,
      `
      import tune_sklearn
      gs = tune_sklearn.TuneSearchCV(net, {"lr": [0.01, 0.02, 0.05], "units": [10, 20, 40]}, n_trials=3, random_state=0)
      `,
    );
  });
});
