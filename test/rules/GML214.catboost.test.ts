import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

// CatBoost: `early_stopping_rounds` or the `od_type` / `od_wait` overfitting detector, in the
// constructor, `fit`, a params dict, `catboost.cv` and `grid_search`.
describe('GML214 gbdt-no-early-stopping', () => {
  describe('CatBoost', () => {
    it('flags fit with eval_set and no early stopping', () => {
      expectFindings(`
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(iterations=3000, verbose=200)
        model.fit(train_pool, eval_set=val_pool)
        ^^^^^^^^^ GML214: all 3000 boosting rounds (iterations=3000)
      `);
    });

    it('gives the default 1000 iterations when none are set', () => {
      expectFindings(`
        import catboost

        model = catboost.CatBoostRegressor()
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
        ^^^^^^^^^ GML214: all 1000 boosting rounds (default iterations)
      `);
    });

    it('fix: adds early_stopping_rounds to the constructor', () => {
      expectFix(
        'GML214',
        `
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(iterations=3000, verbose=200)
        model.fit(train_pool, eval_set=val_pool)
        `,
        `
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(iterations=3000, verbose=200, early_stopping_rounds=50)
        model.fit(train_pool, eval_set=val_pool)
        `,
      );
    });

    it('fix: adds early_stopping_rounds to fit for the CatBoost(params) base class', () => {
      expectFix(
        'GML214',
        `
        from catboost import CatBoost

        model = CatBoost({"loss_function": "RMSE"})
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
        `,
        `
        from catboost import CatBoost

        model = CatBoost({"loss_function": "RMSE"})
        model.fit(X_train, y_train, eval_set=(X_val, y_val), early_stopping_rounds=50)
        `,
      );
    });

    it('reads CatBoostClassifier(**params) when params is a literal dict assigned in an earlier cell', () => {
      const [finding] = expectFindings(`
        from catboost import CatBoostClassifier, Pool, metrics

        params = {
            "iterations": 500,
            "learning_rate": 0.1,
            "eval_metric": metrics.Accuracy(),
            "random_seed": 42,
            "use_best_model": False,
        }
        train_pool = Pool(X_train, y_train)
        validate_pool = Pool(X_validation, y_validation)
        model = CatBoostClassifier(**params)
        model.fit(train_pool, eval_set=validate_pool)
        ^^^^^^^^^ GML214: all 500 boosting rounds (iterations=500)
      `);
      assert.equal(finding.severity, 'warning');
    });

    it('reads a copy of the params dict changed with update(), before each use', () => {
      expectFindings(`
        from catboost import CatBoostClassifier as CBC

        params = {"iterations": 500, "learning_rate": 0.1}
        best_params = params.copy()
        best_params.update({"use_best_model": True})
        best = CBC(**best_params)
        best.fit(train_pool, eval_set=validate_pool)
        ^^^^^^^^ GML214: all 500 boosting rounds
        small_params = params.copy()
        small_params.update({"iterations": 10})
        small = CBC(**small_params)
        small.fit(train_pool, eval_set=validate_pool)
      `);
    });

    it('counts od_type / od_wait added to the params dict with update()', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        params = {"iterations": 500, "learning_rate": 0.1}
        earlystop_params = params.copy()
        earlystop_params.update({"od_type": "Iter", "od_wait": 40})
        earlystop_model = CatBoostClassifier(**earlystop_params)
        earlystop_model.fit(train_pool, eval_set=validate_pool)
      `);
    });

    it('stays quiet on **params that are not a literal dict, or a dict changed in a branch', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        tuned = CatBoostClassifier(**study.best_params)
        tuned.fit(train_pool, eval_set=validate_pool)
        params = {"iterations": 500}
        if patient:
            params.update({"od_type": "Iter"})
        model = CatBoostClassifier(**params)
        model.fit(train_pool, eval_set=validate_pool)
      `);
    });

    it('fix: early_stopping_rounds goes after **params in the constructor', () => {
      expectFix(
        'GML214',
        `
        from catboost import CatBoostClassifier

        params = {"iterations": 500, "learning_rate": 0.1}
        model = CatBoostClassifier(**params)
        model.fit(train_pool, eval_set=validate_pool)
        `,
        `
        from catboost import CatBoostClassifier

        params = {"iterations": 500, "learning_rate": 0.1}
        model = CatBoostClassifier(**params, early_stopping_rounds=50)
        model.fit(train_pool, eval_set=validate_pool)
        `,
      );
    });

    it('flags catboost.cv with the params of an estimator (get_params, then update) and no early_stopping_rounds', () => {
      expectFindings(`
        from catboost import CatBoostClassifier, Pool, metrics, cv

        model = CatBoostClassifier(custom_loss=[metrics.Accuracy()], random_seed=42, logging_level="Silent")
        cv_params = model.get_params()
        cv_params.update({"loss_function": metrics.Logloss()})
        cv_data = cv(
                  ^^ GML214: each fold runs all 1000 boosting rounds (default iterations)
            Pool(X, y, cat_features=categorical_features_indices),
            cv_params,
            plot=True
        )
      `);
    });

    it('flags catboost.cv with a literal params dict, through import catboost as cb', () => {
      expectFindings(`
        import catboost as cb

        def objective(trial):
            model = cb.CatBoostClassifier(iterations=500, learning_rate=trial.suggest_float("lr", 1e-3, 0.5))
            scores = cb.cv(cb.Pool(X, y), model.get_params(), logging_level="Silent")
                     ^^^^^ GML214: all 500 boosting rounds (iterations=500)
            return scores["test-Logloss-mean"].min()

        summary = cb.cv(pool, {"iterations": 2000, "loss_function": "Logloss"}, fold_count=5)
                  ^^^^^ GML214: all 2000 boosting rounds
      `);
    });

    it('fix: adds early_stopping_rounds to cv()', () => {
      expectFix(
        'GML214',
        `
        from catboost import cv

        scores = cv(pool, {"iterations": 2000, "loss_function": "Logloss"})
        `,
        `
        from catboost import cv

        scores = cv(pool, {"iterations": 2000, "loss_function": "Logloss"}, early_stopping_rounds=50)
        `,
      );
    });

    it('catboost.cv: counts early_stopping_rounds and od_type; quiet on params it cannot read, a small budget, and a local cv()', () => {
      expectNone('GML214', `
        import catboost
        from catboost import Pool

        a = catboost.cv(pool, {"iterations": 2000}, early_stopping_rounds=100)
        b = catboost.cv(pool, {"iterations": 2000, "od_type": "Iter", "od_wait": 50})
        c = catboost.cv(pool, load_params("best.json"))
        d = catboost.cv(pool, {"iterations": 40})
        model = catboost.CatBoostClassifier(early_stopping_rounds=20)
        e = catboost.cv(pool, model.get_params())
      `);
      expectNone('GML214', `
        def cv(pool, params):
            return params

        scores = cv(pool, {"iterations": 2000})
      `);
    });

    it('grid_search on an estimator with a large budget: information, at the constructor', () => {
      const [finding] = expectFindings(`
        import catboost

        titanic_model = catboost.CatBoostClassifier(
                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML214: trains all 1000 boosting rounds for every candidate of grid_search()
            iterations=1000)
        grid = {"learning_rate": [0.03, 0.1], "depth": [4, 6, 10]}
        grid_search_results = titanic_model.grid_search(grid, train_pool, shuffle=False, verbose=3, plot=True)
        randomized = titanic_model.randomized_search(grid, train_pool, n_iter=12)
      `);
      assert.equal(finding.severity, 'information');
      assert.equal(finding.fixes.length, 0);
    });

    it('grid_search: quiet with early stopping, a small or unknown budget, a grid over the budget, or an unreadable grid', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        a = CatBoostClassifier(iterations=1000, early_stopping_rounds=50)
        a.grid_search({"depth": [4, 6]}, pool)
        b = CatBoostClassifier(iterations=200)
        b.grid_search({"depth": [4, 6]}, pool)
        default_budget = CatBoostClassifier(loss_function="Logloss")
        default_budget.grid_search({"depth": [4, 6]}, pool)
        c = CatBoostClassifier(iterations=cfg.iterations)
        c.grid_search({"depth": [4, 6]}, pool)
        d = CatBoostClassifier(iterations=1000)
        d.grid_search({"depth": [4, 6], "iterations": [100, 1000]}, pool)
        e = CatBoostClassifier(iterations=1000)
        e.grid_search(make_grid(), pool)
      `);
    });

    it('counts early_stopping_rounds in the constructor', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(early_stopping_rounds=100)
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
      `);
    });

    it('counts the od_type / od_wait overfitting detector', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(od_type="Iter", od_wait=40)
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
      `);
    });

    it('counts early_stopping_rounds in fit', () => {
      expectNone('GML214', `
        from catboost import CatBoostClassifier

        model = CatBoostClassifier()
        model.fit(X_train, y_train, eval_set=(X_val, y_val), early_stopping_rounds=30)
      `);
    });

    it('counts od_* in the params dict of CatBoost', () => {
      expectNone('GML214', `
        from catboost import CatBoost

        model = CatBoost({"od_type": "Iter", "od_wait": 20})
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
      `);
    });

    it('stays quiet on a params dict it cannot read', () => {
      expectNone('GML214', `
        from catboost import CatBoost

        model = CatBoost(params)
        model.fit(X_train, y_train, eval_set=(X_val, y_val))
      `);
    });
  });
});
