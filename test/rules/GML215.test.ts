import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML215 sklearn-no-early-stopping', () => {
  describe('flags estimators whose early_stopping is off', () => {
    it('MLPClassifier, by default', () => {
      const [finding] = expectFindings(`
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=300).fit(X_train, y_train)
        #     ^^^^^^^^^^^^^ GML215: early_stopping is off by default
      `);
      assert.match(finding.message, /^MLPClassifier runs all its epochs up to max_iter=300 .*early_stopping is off by default/);
    });

    it('MLPRegressor, with early_stopping=False and the default max_iter', () => {
      const [finding] = expectFindings(`
        from sklearn.neural_network import MLPRegressor

        regr = MLPRegressor(early_stopping=False).fit(X_train, y_train)
        #      ^^^^^^^^^^^^ GML215: early_stopping is False
      `);
      assert.match(finding.message, /up to max_iter=200 \(the default\).*early_stopping is False/);
    });

    it('MLP and gradient boosting keep the promise their measurement backs', () => {
      const findings = expectFindings(`
        from sklearn.ensemble import GradientBoostingClassifier
        from sklearn.neural_network import MLPClassifier

        mlp = MLPClassifier(max_iter=300)
        #     ^^^^^^^^^^^^^ GML215: often well before the cap
        gb = GradientBoostingClassifier(n_estimators=500)
        #    ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215: often well before the cap
      `);
      for (const f of findings) assert.doesNotMatch(f.message, /saving can be small/);
    });

    it('each of them, with an unsafe "Set early_stopping=True" fix', () => {
      const found = expectFindings(`
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        a = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=300)
        #   ^^^^^^^^^^^^^ GML215
        b = MLPRegressor(early_stopping=False)
        #   ^^^^^^^^^^^^ GML215
      `);
      for (const f of found) {
        assert.equal(f.fixes[0].safety, 'unsafe');
        assert.equal(f.fixes[0].title, 'Set early_stopping=True (unsafe)');
      }
    });
  });

  describe('gradient boosting', () => {
    it('flags GradientBoostingClassifier without n_iter_no_change', () => {
      expectFindings(`
        from sklearn import ensemble

        clf = ensemble.GradientBoostingClassifier(n_estimators=500, learning_rate=0.1)
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
    });

    it('flags GradientBoostingRegressor with n_iter_no_change=None', () => {
      expectFindings(`
        from sklearn import ensemble

        reg = ensemble.GradientBoostingRegressor(n_iter_no_change=None)
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
    });

    it('leaves HistGradientBoosting with its default early_stopping="auto" alone', () => {
      expectNone('GML215', `
        from sklearn import ensemble

        clf = ensemble.HistGradientBoostingClassifier()
      `);
    });

    it('leaves HistGradientBoosting with early_stopping="auto" written out alone', () => {
      expectNone('GML215', `
        from sklearn import ensemble

        reg = ensemble.HistGradientBoostingRegressor(early_stopping="auto")
      `);
    });

    it('flags HistGradientBoosting with early_stopping=False', () => {
      expectFindings(`
        from sklearn import ensemble

        reg = ensemble.HistGradientBoostingRegressor(early_stopping=False)
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
    });

    it('GradientBoosting is fixed with n_iter_no_change=10, unsafe', () => {
      const [finding] = expectFindings(`
        from sklearn import ensemble

        clf = ensemble.GradientBoostingClassifier(n_estimators=500)
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
      assert.equal(finding.fixes[0].title, 'Set n_iter_no_change=10 (unsafe)');
    });

    it('HistGradientBoosting is fixed with early_stopping=True, unsafe', () => {
      const [finding] = expectFindings(`
        from sklearn import ensemble

        reg = ensemble.HistGradientBoostingRegressor(early_stopping=False)
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
      assert.equal(finding.fixes[0].title, 'Set early_stopping=True (unsafe)');
    });
  });

  describe('stays quiet', () => {
    it('on early_stopping=True', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(early_stopping=True)
      `);
    });

    it('on early_stopping from the command line', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(early_stopping=args.es)
      `);
    });

    it('on **params', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(**params)
      `);
    });

    it('on the lbfgs solver, which has no epochs to stop', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(solver="lbfgs", alpha=1e-5, hidden_layer_sizes=(5, 2), random_state=1)
      `);
    });

    it('on a solver it cannot read', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(solver=cfg.solver)
      `);
    });

    it('on the linear models, which already stop on a training-loss plateau (the validation stop saved little when measured)', () => {
      expectNone('GML215', `
        from sklearn.linear_model import SGDClassifier, SGDRegressor, Perceptron, PassiveAggressiveClassifier

        c = SGDClassifier(loss="log_loss")
        d = SGDRegressor()
        e = Perceptron(tol=1e-3, random_state=0)
        f = PassiveAggressiveClassifier(C=0.5)
      `);
    });

    it('on an iteration cap below 20, which the early stop (10 iterations without improvement) could barely shorten', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier
        from sklearn.ensemble import GradientBoostingClassifier

        mlp = MLPClassifier(hidden_layer_sizes=(40,), max_iter=10, alpha=1e-4, solver="sgd")
        gb = GradientBoostingClassifier(n_estimators=15)
      `);
      expectFindings(`
        from sklearn.neural_network import MLPClassifier

        mlp = MLPClassifier(hidden_layer_sizes=(40,), max_iter=20, solver="sgd")
        #     ^^^^^^^^^^^^^ GML215
      `);
    });

    it('on GradientBoosting with n_iter_no_change', () => {
      expectNone('GML215', `
        from sklearn.ensemble import GradientBoostingClassifier

        clf = GradientBoostingClassifier(n_estimators=500, validation_fraction=0.2, n_iter_no_change=5, tol=0.01)
      `);
    });

    it('on n_iter_no_change from a variable it cannot read', () => {
      expectNone('GML215', `
        from sklearn.ensemble import GradientBoostingClassifier

        clf = GradientBoostingClassifier(n_iter_no_change=patience)
      `);
    });

    it('when set_params turns early stopping on later', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier()
        clf.set_params(early_stopping=True)
      `);
    });

    it('when set_params(**best_params) may turn it on', () => {
      expectNone('GML215', `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier()
        clf.set_params(**search.best_params_)
      `);
    });
  });

  describe('resolves names', () => {
    it('through a from-import alias', () => {
      expectFindings(`
        from sklearn.neural_network import MLPClassifier as MLP

        clf = MLP()
        #     ^^^ GML215
      `);
    });

    it('through a module alias', () => {
      expectFindings(`
        import sklearn.neural_network as nn

        clf = nn.MLPClassifier()
        #     ^^^^^^^^^^^^^^^^ GML215
      `);
    });

    it('through the full dotted path', () => {
      expectFindings(`
        import sklearn

        reg = sklearn.ensemble.GradientBoostingRegressor()
        #     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML215
      `);
    });

    it('and leaves a local class with the same name alone', () => {
      expectNone('GML215', `
        import sklearn

        class MLPClassifier:
            pass

        clf = MLPClassifier()
      `);
    });

    it('and leaves a parameter named like a sklearn module alone', () => {
      expectNone('GML215', `
        import sklearn

        def build(neural_network):
            return neural_network.MLPClassifier()
      `);
    });

    it('and leaves a file that does not import sklearn alone', () => {
      expectNone('GML215', `
        clf = MLPClassifier()
      `);
    });
  });

  describe('fix', () => {
    it('adds early_stopping=True after the arguments', () => {
      expectFix(
        'GML215',
        `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(max_iter=500)
        `,
        `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(max_iter=500, early_stopping=True)
        `,
      );
    });

    it('adds early_stopping=True to an empty call', () => {
      expectFix(
        'GML215',
        `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier()
        `,
        `
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(early_stopping=True)
        `,
      );
    });

    it('replaces early_stopping=False in place', () => {
      expectFix(
        'GML215',
        `
        from sklearn.neural_network import MLPRegressor

        reg = MLPRegressor(early_stopping=False, tol=1e-4)
        `,
        `
        from sklearn.neural_network import MLPRegressor

        reg = MLPRegressor(early_stopping=True, tol=1e-4)
        `,
      );
    });

    it('replaces n_iter_no_change=None and adds no import', () => {
      expectFix(
        'GML215',
        `
        from sklearn.ensemble import GradientBoostingClassifier

        clf = GradientBoostingClassifier(n_iter_no_change=None)
        `,
        `
        from sklearn.ensemble import GradientBoostingClassifier

        clf = GradientBoostingClassifier(n_iter_no_change=10)
        `,
      );
    });

    it('keeps tab indentation', () => {
      expectFix(
        'GML215',
        `
        from sklearn.neural_network import MLPClassifier

        def build():
        \treturn MLPClassifier(
        \t\thidden_layer_sizes=(128,),
        \t\tmax_iter=400,
        \t)
        `,
        `
        from sklearn.neural_network import MLPClassifier

        def build():
        \treturn MLPClassifier(
        \t\thidden_layer_sizes=(128,),
        \t\tmax_iter=400,
        \t\tearly_stopping=True,
        \t)
        `,
      );
    });

    it('keeps two-space indentation', () => {
      expectFix(
        'GML215',
        `
        from sklearn.ensemble import GradientBoostingRegressor

        def build():
          return GradientBoostingRegressor(
            n_estimators=1000,
            learning_rate=0.05
          )
        `,
        `
        from sklearn.ensemble import GradientBoostingRegressor

        def build():
          return GradientBoostingRegressor(
            n_estimators=1000,
            learning_rate=0.05,
            n_iter_no_change=10
          )
        `,
      );
    });

    it('keeps CRLF newlines', () => {
      expectFix(
        'GML215',
        `
        from sklearn.neural_network import MLPRegressor
        regr = MLPRegressor()
        regr.fit(X_train, y_train)
        `,
        `
        from sklearn.neural_network import MLPRegressor
        regr = MLPRegressor(early_stopping=True)
        regr.fit(X_train, y_train)
        `,
        { eol: '\r\n' },
      );
    });
  });
});
