import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixAllText } from '../../server/src/fixes/fixAll';
import { fixNotebook } from '../../server/src/notebooks/cells';
import { exhaustiveGridSearch } from '../../server/src/rules/GML201_exhaustiveGridSearch';
import { applyFix, check, useParser, validPython } from '../helpers/analysis';
import { dedent } from '../helpers/markers';

useParser();

// Fix 0 replaces GridSearchCV with HalvingGridSearchCV, fix 1 with RandomizedSearchCV.
const HALVING = 0;
const RANDOMIZED = 1;

/** Every fix of the file applied (`greenml check --fix --unsafe-fixes`), one at a time. */
function fixAll(text: string, withheld = 0): string {
  const result = fixAllText(text, { unsafe: true });
  assert.deepEqual(result.applied.filter((c) => c !== 'GML201'), []);
  assert.equal(result.remaining.filter((f) => f.code === 'GML201').length, withheld);
  assert.ok(validPython(result.text), result.text);
  return result.text;
}

describe('GML201 exhaustive-grid-search: the fixes of several searches in one file', () => {
  const twoSearches = dedent(`
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    from sklearn.model_selection import GridSearchCV

    grid = GridSearchCV(SVC(), {"C": [0.01, 0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}, cv=5)
    grid.fit(X_train, y_train)
    poly = GridSearchCV(SVC(kernel="poly"), {"C": [0.01, 0.1, 1, 10], "degree": [2, 3, 4]}, cv=5)
    poly.fit(X_train, y_train)
  `);

  it('one fix: the new name joins the GridSearchCV import that the other search still uses, not another statement of the module', () => {
    const [first] = check(twoSearches).filter((f) => f.code === 'GML201');
    const halving = applyFix(twoSearches, first, HALVING);
    assert.match(halving, /^from sklearn\.model_selection import train_test_split$/m);
    assert.match(halving, /\nfrom sklearn\.experimental import enable_halving_search_cv {2}# noqa: F401\nfrom sklearn\.model_selection import GridSearchCV, HalvingGridSearchCV\n/);
    const randomized = applyFix(twoSearches, first, RANDOMIZED);
    assert.match(randomized, /^from sklearn\.model_selection import train_test_split$/m);
    assert.match(randomized, /^from sklearn\.model_selection import GridSearchCV, RandomizedSearchCV$/m);
  });

  it('all fixes: both searches halve, and the GridSearchCV import nothing uses any more is gone', () => {
    assert.equal(
      fixAll(twoSearches),
      dedent(`
        from sklearn.model_selection import train_test_split
        from sklearn.svm import SVC

        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

        from sklearn.experimental import enable_halving_search_cv  # noqa: F401
        from sklearn.model_selection import HalvingGridSearchCV

        grid = HalvingGridSearchCV(SVC(), {"C": [0.01, 0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}, cv=5, return_train_score=False)
        grid.fit(X_train, y_train)
        poly = HalvingGridSearchCV(SVC(kernel="poly"), {"C": [0.01, 0.1, 1, 10], "degree": [2, 3, 4]}, cv=5, return_train_score=False)
        poly.fit(X_train, y_train)
      `),
    );
  });

  it('all fixes: GridSearchCV leaves a shared or parenthesised import in its layout, and an aliased one too', () => {
    const shared = fixAll(
      dedent(`
        from sklearn.model_selection import GridSearchCV, train_test_split
        grid = GridSearchCV(est, {"alpha": [0.01, 0.1, 1, 10, 100]})
        other = GridSearchCV(est, {"l1_ratio": [0.1, 0.5, 0.9], "alpha": [0.1, 1]})
      `),
    );
    assert.match(shared, /^from sklearn\.model_selection import train_test_split, HalvingGridSearchCV$/m);
    const parenthesised = fixAll(
      dedent(`
        from sklearn.model_selection import (
            train_test_split,
            GridSearchCV,
        )
        grid = GridSearchCV(est, {"alpha": [0.01, 0.1, 1, 10, 100]})
        other = GridSearchCV(est, {"l1_ratio": [0.1, 0.5, 0.9], "alpha": [0.1, 1]})
      `),
    );
    assert.match(parenthesised, /^from sklearn\.model_selection import \(\n {4}train_test_split,\n {4}HalvingGridSearchCV,\n\)$/m);
    const aliased = fixAll(
      dedent(`
        from sklearn.model_selection import GridSearchCV as GS
        grid = GS(est, {"alpha": [0.01, 0.1, 1, 10, 100]})
        other = GS(est, {"l1_ratio": [0.1, 0.5, 0.9], "alpha": [0.1, 1]})
      `),
    );
    assert.doesNotMatch(aliased, /GridSearchCV as GS|\bGS\b/);
    assert.match(aliased, /^from sklearn\.model_selection import HalvingGridSearchCV$/m);
  });

  it('all fixes keep GridSearchCV imported while a search the fix leaves alone uses it', () => {
    const fixed = fixAll(
      dedent(`
        import numpy as np
        from sklearn.model_selection import GridSearchCV
        grid = GridSearchCV(est, {"alpha": [0.01, 0.1, 1, 10, 100], "l1_ratio": [0.1, 0.5, 0.9]})
        grid.fit(X, y)
        heatmap = np.array(grid.cv_results_["mean_test_score"]).reshape(5, 3)
        other = GridSearchCV(est, {"alpha": [0.01, 0.1, 1, 10, 100]})
        other.fit(X, y)
      `),
      1,
    );
    assert.match(fixed, /^from sklearn\.model_selection import GridSearchCV, HalvingGridSearchCV$/m);
    assert.match(fixed, /^grid = GridSearchCV\(/m);
    assert.match(fixed, /^other = HalvingGridSearchCV\(/m);
  });

  it('a notebook: the searches of later cells join the GridSearchCV import of their own cell, which goes once none is left', () => {
    const cells = [
      { kind: 'code' as const, text: 'from sklearn.svm import SVC\nfrom sklearn.model_selection import train_test_split\nX_train, X_test, y_train, y_test = train_test_split(X, y)' },
      { kind: 'code' as const, text: 'from sklearn.model_selection import GridSearchCV\nparam_grid = {"C": [0.01, 0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}' },
      { kind: 'code' as const, text: 'grid = GridSearchCV(SVC(), param_grid, cv=5)\ngrid.fit(X_train, y_train)' },
      { kind: 'code' as const, text: 'grid = GridSearchCV(pipe, {"svc__C": [0.01, 0.1, 1, 10]}, cv=5)\ngrid.fit(X_train, y_train)' },
    ];
    const fixed = fixNotebook(cells, { unsafe: true, rules: [exhaustiveGridSearch] });
    assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML201').length, 0);
    assert.equal(fixed.cells[0].text, cells[0].text);
    assert.equal(
      fixed.cells[1].text,
      'from sklearn.experimental import enable_halving_search_cv  # noqa: F401\nfrom sklearn.model_selection import HalvingGridSearchCV\nparam_grid = {"C": [0.01, 0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}',
    );
    assert.match(fixed.cells[3].text, /^grid = HalvingGridSearchCV\(pipe, /);
  });
});
