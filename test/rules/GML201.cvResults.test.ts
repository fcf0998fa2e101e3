import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { exhaustiveGridSearch } from '../../server/src/rules/GML201_exhaustiveGridSearch';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// HalvingGridSearchCV's cv_results_ has one row per candidate per round, RandomizedSearchCV's one per
// sampled candidate: code that reads the rows as the grid's (a heatmap) breaks after either fix.
describe('GML201 exhaustive-grid-search: cv_results_ read as one row per grid candidate', () => {
  const search = (after: string) => `
        import numpy as np
        import pandas as pd
        import matplotlib.pyplot as plt
        from sklearn.model_selection import GridSearchCV
        from sklearn.svm import SVC

        param_grid = {"C": [0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}
        grid = GridSearchCV(SVC(), param_grid=param_grid, cv=5)
        #      ^^^^^^^^^^^^ GML201: 12 candidates × 5 folds = 60 fits
        grid.fit(X_train, y_train)
${after
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
      `;
  const fixCount = (after: string) => {
    const [finding] = expectFindings(search(after));
    return finding.fixes.length;
  };

  describe('reported, without the fixes', () => {
    it('reshaped inline, as a heatmap of the grid', () => {
      for (const after of [
        'plt.matshow(grid.cv_results_["mean_test_score"].reshape(3, 4))',
        'scores = np.array(grid.cv_results_["mean_test_score"]).reshape(3, 4)',
        'scores = np.reshape(grid.cv_results_["mean_test_score"], (3, -1))',
        'plt.imshow((grid.cv_results_["mean_test_score"]).reshape(len(param_grid["C"]), -1))',
      ]) {
        assert.equal(fixCount(after), 0, after);
      }
    });

    it('reshaped through names: a series, a frame of the results and its column', () => {
      for (const after of [
        ['scores = grid.cv_results_["mean_test_score"]', 'scores = scores.reshape(3, 4)'].join('\n'),
        ['results = pd.DataFrame(grid.cv_results_)', 'scores = np.array(results.mean_test_score).reshape(3, 4)'].join('\n'),
        ['results = grid.cv_results_', 'means = results["mean_test_score"].to_numpy()', 'print(means.reshape(3, 4))'].join('\n'),
      ]) {
        assert.equal(fixCount(after), 0, after);
      }
    });

    it('indexed or sliced at a literal position', () => {
      for (const after of [
        'print(grid.cv_results_["params"][5], grid.cv_results_["mean_test_score"][5])',
        ['means = grid.cv_results_["mean_test_score"]', 'print("C=10, gamma=10:", means[-1])'].join('\n'),
        ['results = pd.DataFrame(grid.cv_results_)', 'first_row = results.iloc[:4]'].join('\n'),
      ]) {
        assert.equal(fixCount(after), 0, after);
      }
    });

    it('paired with a literal sequence as long as the grid', () => {
      expectFindings(`
        from sklearn.linear_model import Ridge
        from sklearn.model_selection import GridSearchCV
        import matplotlib.pyplot as plt

        alphas = [0.001, 0.01, 0.1, 1, 10, 100]
        grid = GridSearchCV(Ridge(), {"alpha": alphas}, cv=5)
        #      ^^^^^^^^^^^^ GML201: 6 candidates
        grid.fit(X_train, y_train)
        plt.semilogx(alphas, grid.cv_results_["mean_test_score"])
      `).forEach((f) => assert.equal(f.fixes.length, 0));
    });

    it('a search assigned from its own .fit(…), which returns it', () => {
      const [finding] = expectFindings(`
        from sklearn.model_selection import GridSearchCV
        from sklearn.svm import SVC

        grid = GridSearchCV(SVC(), {"C": [0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]}).fit(X, y)
        #      ^^^^^^^^^^^^ GML201
        heatmap = grid.cv_results_["mean_test_score"].reshape(3, 4)
      `);
      assert.equal(finding.fixes.length, 0);
    });

    it('tune-sklearn: TuneGridSearchCV whose cv_results_ is reshaped', () => {
      const [finding] = expectFindings(`
        from tune_sklearn import TuneGridSearchCV

        tune_search = TuneGridSearchCV(clf, {"alpha": [1e-4, 1e-3, 1e-2, 1e-1], "epsilon": [0.01, 0.1]}, max_iters=10)
        #             ^^^^^^^^^^^^^^^^ GML201
        tune_search.fit(x_train, y_train)
        print(tune_search.cv_results_["mean_test_score"].reshape(4, 2))
      `);
      assert.equal(finding.fixes.length, 0);
    });
  });

  describe('keeps the fixes', () => {
    it('for reads that hold with more or fewer rows: a frame of the results, its head, the best candidate', () => {
      for (const after of [
        ['results = pd.DataFrame(grid.cv_results_)', 'display(results.head())'].join('\n'),
        'print(grid.best_params_, grid.best_score_)',
        ['results = pd.DataFrame(grid.cv_results_)', 'print(results.sort_values("rank_test_score")[["params", "mean_test_score"]])'].join('\n'),
        'plt.plot(grid.cv_results_["mean_test_score"])',
        'print(grid.cv_results_["mean_test_score"].max())',
      ]) {
        assert.equal(fixCount(after), 2, after);
      }
    });

    it('when another search, or an object that is not the search, has its cv_results_ reshaped', () => {
      const found = expectFindings(`
        from sklearn.model_selection import GridSearchCV
        from sklearn.svm import SVC

        grid = GridSearchCV(SVC(), {"C": [0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]})
        #      ^^^^^^^^^^^^ GML201
        grid.fit(X, y)
        poly_grid = GridSearchCV(pipe, {"poly__degree": [1, 2, 3], "ridge__alpha": [0.01, 0.1, 1, 10]})
        #           ^^^^^^^^^^^^ GML201
        poly_grid.fit(X, y)
        print(grid.best_params_)
        scores = poly_grid.cv_results_["mean_test_score"].reshape(3, 4)

        def heatmap(search):
            return search.cv_results_["mean_test_score"].reshape(3, 4)
      `);
      assert.deepEqual(
        found.map((f) => f.fixes.length),
        [2, 0],
      );
    });

    it('for the search a name held before it was assigned another search, whose results are reshaped', () => {
      const found = expectFindings(`
        from sklearn.model_selection import GridSearchCV
        from sklearn.svm import SVC

        grid = GridSearchCV(SVC(), {"C": [0.1, 1, 10], "gamma": [0.01, 0.1, 1, 10]})
        #      ^^^^^^^^^^^^ GML201
        grid.fit(X, y)
        print(grid.best_score_)
        grid = GridSearchCV(SVC(kernel="poly"), {"C": [0.1, 1, 10], "degree": [2, 3, 4, 5]})
        #      ^^^^^^^^^^^^ GML201
        grid.fit(X, y)
        scores = grid.cv_results_["mean_test_score"].reshape(3, 4)
      `);
      assert.deepEqual(
        found.map((f) => f.fixes.length),
        [2, 0],
      );
    });
  });

  describe('notebooks: the search in one cell, its results in a later one', () => {
    const cells = [
      { kind: 'code' as const, text: 'from sklearn.model_selection import GridSearchCV\nfrom sklearn.linear_model import Ridge\n' },
      { kind: 'code' as const, text: 'param_grid = {"poly__degree": [1, 2, 3], "ridge__alpha": [0.001, 0.01, 0.1, 1, 10, 100]}\n' },
      { kind: 'code' as const, text: 'grid = GridSearchCV(pipe, param_grid=param_grid, cv=5, n_jobs=-1)\ngrid.fit(X_train, y_train)\n' },
      { kind: 'markdown' as const, text: 'The mean cross-validation score of each setting:' },
      { kind: 'code' as const, text: 'plt.matshow(grid.cv_results_["mean_test_score"].reshape(3, -1), vmin=0)\nplt.colorbar()\n' },
      { kind: 'code' as const, text: 'grid = GridSearchCV(pipe, {"ridge__alpha": [0.001, 0.01, 0.1, 1, 10, 100]}, cv=5)\ngrid.fit(X_train, y_train)\nprint(grid.best_params_)\n' },
    ];

    it('withholds the fixes of the search whose results are reshaped, and keeps those of the next one', () => {
      const analysis = analyzeNotebook(cells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML201');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.fixes.length]),
        [
          [2, 0],
          [5, 2],
        ],
      );
      const fixed = fixNotebook(cells, { unsafe: true, rules: [exhaustiveGridSearch] });
      assert.equal(fixed.cells[2].text, cells[2].text);
      assert.match(fixed.cells[5].text, /^grid = HalvingGridSearchCV\(/);
    });
  });
});
