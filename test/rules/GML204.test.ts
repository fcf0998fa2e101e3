import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const NOTEBOOKS = [path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks'), path.resolve('test', 'fixtures', 'notebooks')].find((d) => fs.existsSync(d))!;

describe('GML204 library-grid-search', () => {
  describe('Ray Tune', () => {
    it('flags a Tuner whose param_space holds tune.grid_search values, with grid × num_samples trials', () => {
      const [finding] = expectFindings(`
        from ray import tune

        param_space = {
            "lr": tune.grid_search([1e-4, 1e-3, 1e-2, 1e-1]),
            "momentum": tune.grid_search([0.8, 0.9, 0.99]),
            "hidden": 128,
        }
        tuner = tune.Tuner(train_mnist, param_space=param_space, tune_config=tune.TuneConfig(metric="mean_accuracy", mode="max", num_samples=2))
        #       ^^^^^^^^^^ GML204: 12 grid combinations × num_samples=2 = 24 trials
        results = tuner.fit()
      `);
      assert.equal(finding.severity, 'warning');
      assert.match(finding.message, /ASHAScheduler/);
    });

    it('flags the legacy tune.run(config=...) with nested grids, through `import ray.tune as tune`', () => {
      expectFindings(`
        import ray.tune as tune

        analysis = tune.run(
        #          ^^^^^^^^ GML204: 30 trials
            train_func,
            config={"alpha": tune.grid_search([1e-3, 1e-4, 1e-5, 1e-6, 1e-7]), "model": {"layers": tune.grid_search([1, 2, 3]), "width": tune.grid_search([64, 128])}},
        )
      `);
    });

    it('reports a grid whose values are not literal, without a count', () => {
      expectFindings(`
        from ray import tune

        tuner = tune.Tuner(trainable, param_space={"lr": tune.grid_search(learning_rates), "bs": tune.grid_search([32, 64])})
        #       ^^^^^^^^^^ GML204: the number of trials is not known statically
      `);
    });

    it('stays quiet below grid-search-min-fits: 4 trials', () => {
      expectNone('GML204', `
        from ray import tune

        analysis = tune.run(train_func, config={"alpha": tune.grid_search([1e-3, 1e-4, 1e-5, 1e-6])})
      `);
    });

    it('stays quiet with an ASHA scheduler, which ends poor trials early', () => {
      expectNone('GML204', `
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler

        scheduler = ASHAScheduler(max_t=10, grace_period=1, reduction_factor=2)
        tuner = tune.Tuner(
            train_cifar,
            param_space={"lr": tune.grid_search([1e-4, 1e-3, 1e-2, 1e-1]), "batch_size": tune.grid_search([16, 32, 64, 128, 256])},
            tune_config=tune.TuneConfig(metric="loss", mode="min", scheduler=scheduler),
        )
      `, { gridSearchMinFits: 1 });
    });

    it('stays quiet with sampled spaces (tune.choice, tune.loguniform)', () => {
      expectNone('GML204', `
        from ray import tune

        config = {"lr": tune.loguniform(1e-4, 1e-1), "batch_size": tune.choice([2, 4, 8, 16])}
        result = tune.run(train_cifar, config=config, num_samples=10)
      `, { gridSearchMinFits: 1 });
    });

    it('stays quiet when the tune_config or the space cannot be read', () => {
      expectNone('GML204', `
        from ray import tune

        tuner = tune.Tuner(trainable, param_space={"lr": tune.grid_search([1, 2, 3, 4, 5])}, tune_config=make_tune_config())
        other = tune.Tuner(trainable, param_space=parse_config_json(args.config))
      `, { gridSearchMinFits: 1 });
    });

    it('leaves a local grid_search helper alone', () => {
      expectNone('GML204', `
        import ray

        def grid_search(values):
            return values

        tuner = ray.tune.Tuner(trainable, param_space={"lr": grid_search([1, 2, 3, 4, 5]), "bs": grid_search([1, 2, 3, 4, 5])})
      `);
    });

    it('fix: tune.choice and num_samples on the TuneConfig', () => {
      expectFix(
        'GML204',
        `
        from ray import tune

        tuner = tune.Tuner(
            train_model,
            param_space={"lr": tune.grid_search([1e-4, 1e-3, 1e-2, 1e-1]), "batch_size": tune.grid_search([16, 32, 64, 128, 256])},
            tune_config=tune.TuneConfig(metric="loss", mode="min"),
        )
        `,
        `
        from ray import tune

        tuner = tune.Tuner(
            train_model,
            param_space={"lr": tune.choice([1e-4, 1e-3, 1e-2, 1e-1]), "batch_size": tune.choice([16, 32, 64, 128, 256])},
            tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=7),
        )
        `,
      );
    });

    it('fix: adds a TuneConfig to a Tuner that has none, and replaces num_samples on tune.run', () => {
      expectFix(
        'GML204',
        `
        from ray import tune
        tuner = tune.Tuner(train_model, param_space={"lr": tune.grid_search([0.1, 0.01, 0.001, 0.0001, 1e-5]), "wd": tune.grid_search([0, 1e-4, 1e-3, 1e-2])})
        `,
        `
        from ray import tune
        tuner = tune.Tuner(train_model, param_space={"lr": tune.choice([0.1, 0.01, 0.001, 0.0001, 1e-5]), "wd": tune.choice([0, 1e-4, 1e-3, 1e-2])}, tune_config=tune.TuneConfig(num_samples=7))
        `,
      );
      expectFix(
        'GML204',
        `
        from ray import tune
        analysis = tune.run(train_func, config={"alpha": tune.grid_search([1, 2, 3, 4, 5, 6])}, num_samples=5)
        `,
        `
        from ray import tune
        analysis = tune.run(train_func, config={"alpha": tune.choice([1, 2, 3, 4, 5, 6])}, num_samples=10)
        `,
      );
    });
  });

  describe('CatBoost', () => {
    it('flags model.grid_search with the number of candidates', () => {
      expectFindings(`
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(iterations=1000, eval_metric="Accuracy")
        grid = {"learning_rate": [0.03, 0.1], "depth": [4, 6, 10], "l2_leaf_reg": [1, 3, 5, 7, 9]}
        grid_search_result = model.grid_search(grid, X=train_pool, plot=True)
        #                    ^^^^^^^^^^^^^^^^^ GML204: 30 candidates, each a full training on a train/test split
      `);
    });

    it('counts candidates × cv folds with search_by_train_test_split=False, through an alias', () => {
      expectFindings(`
        import catboost as cb

        model = cb.CatBoostRegressor(loss_function="RMSE")
        model.grid_search({"depth": [4, 6, 8], "learning_rate": [0.03, 0.1]}, X, y, cv=5, search_by_train_test_split=False)
        ^^^^^^^^^^^^^^^^^ GML204: 6 candidates × 5 folds = 30 trainings
      `);
    });

    it('sums a list of grids, and stays quiet on randomized_search and on small grids', () => {
      expectFindings(`
        from catboost import CatBoost

        model = CatBoost()
        grid_1 = {"learning_rate": [0.03, 0.1, 0.3, 0.5], "depth": [6], "l2_leaf_reg": [1, 3, 5]}
        grid_2 = {"learning_rate": [0.03, 0.1, 0.3, 0.5], "depth": [8], "l2_leaf_reg": [1, 3, 5]}
        model.grid_search([grid_1, grid_2], pool)
        ^^^^^^^^^^^^^^^^^ GML204: 24 candidates
        model.randomized_search(grid_1, pool, n_iter=6)
        model.grid_search({"depth": [4, 6]}, pool)
      `);
    });

    it('notebooks: the grid_search cell is reported and fixed in place; the randomized_search notebook is clean', () => {
      const read = (name: string) => parseIpynb(fs.readFileSync(path.join(NOTEBOOKS, name), 'utf8')).cells;
      const cells = read('catboost_grid_search.ipynb');
      const analysis = analyzeNotebook(cells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML204');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.range.start.line, f.fixes.length]),
        [[4, 2, 1]],
      );
      assert.match(found[0].finding.message, /30 candidates/);
      const fixed = fixNotebook(cells, { unsafe: true });
      assert.ok(fixed.applied.includes('GML204'));
      assert.equal(fixed.cells[4].text.split('\n')[2], 'grid_search_result = model.randomized_search(grid, X=train_pool, plot=True, n_iter=10)');
      const clean = analyzeNotebook(read('clean_catboost_randomized_search.ipynb'));
      // Clean of exhaustive search; its 1000-iteration estimator with no overfitting detector is GML214's (information).
      assert.deepEqual(clean.findings.map((f) => [f.finding.code, f.finding.severity]), [['GML214', 'information']]);
      clean.dispose();
    });

    it('leaves grid_search on something that is not a CatBoost model alone', () => {
      expectNone('GML204', `
        import catboost
        searcher = make_searcher()
        searcher.grid_search({"depth": [4, 6, 8, 10], "learning_rate": [0.01, 0.03, 0.1, 0.3, 1.0]}, X, y)
      `);
    });

    it('fix: randomized_search with a third of the candidates', () => {
      expectFix(
        'GML204',
        `
        from catboost import CatBoostClassifier
        model = CatBoostClassifier(iterations=500)
        result = model.grid_search(param_grid={"depth": [4, 6, 8], "learning_rate": [0.03, 0.1, 0.3], "l2_leaf_reg": [1, 3, 5]}, X=X_train, y=y_train)
        `,
        `
        from catboost import CatBoostClassifier
        model = CatBoostClassifier(iterations=500)
        result = model.randomized_search(param_distributions={"depth": [4, 6, 8], "learning_rate": [0.03, 0.1, 0.3], "l2_leaf_reg": [1, 3, 5]}, X=X_train, y=y_train, n_iter=9)
        `,
      );
    });
  });

  describe('Optuna', () => {
    const OBJECTIVE = `
        import optuna
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import cross_val_score

        def objective(trial):
            n_estimators = trial.suggest_categorical("n_estimators", [50, 100, 200, 400])
            max_depth = trial.suggest_categorical("max_depth", [4, 8, 16, 32, None])
            clf = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth)
            return cross_val_score(clf, X, y, cv=3).mean()
    `;

    it('flags a GridSampler whose objective trains, with one trial per combination', () => {
      expectFindings(`${OBJECTIVE}
        search_space = {"n_estimators": [50, 100, 200, 400], "max_depth": [4, 8, 16, 32, None]}
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.GridSampler(search_space))
        #                                                         ^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML204: tries 20 trials, one per combination
        study.optimize(objective)
      `);
    });

    it('flags a BruteForceSampler held in a variable, with n_trials as the upper bound', () => {
      expectFindings(`${OBJECTIVE}
        from optuna.samplers import BruteForceSampler
        sampler = BruteForceSampler(seed=0)
        #         ^^^^^^^^^^^^^^^^^ GML204: up to 100 trials
        study = optuna.create_study(sampler=sampler, direction="maximize")
        study.optimize(objective, n_trials=100)
      `);
    });

    it('stays quiet when the objective trains nothing (an ablation of mock scores)', () => {
      expectNone('GML204', `
        import optuna

        def objective(trial):
            a = trial.suggest_categorical("a", [0, 1, 2, 3, 4, 5])
            b = trial.suggest_categorical("b", [0, 1, 2, 3, 4, 5])
            return a * 0.1 + b * 0.01

        study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler())
        study.optimize(objective)
      `, { gridSearchMinFits: 1 });
    });

    it('stays quiet on TPESampler and on a grid below the threshold', () => {
      expectNone('GML204', `${OBJECTIVE}
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        study.optimize(objective, n_trials=50)
        small = optuna.create_study(sampler=optuna.samplers.GridSampler({"n_estimators": [50, 100], "max_depth": [4, 8]}))
        small.optimize(objective)
      `);
    });

    it('fix: TPESampler, with an n_trials budget where the grid study had none', () => {
      expectFix(
        'GML204',
        `${OBJECTIVE}
        search_space = {"n_estimators": [50, 100, 200, 400], "max_depth": [4, 8, 16, 32, None]}
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.GridSampler(search_space))
        study.optimize(objective)
        `,
        `${OBJECTIVE}
        search_space = {"n_estimators": [50, 100, 200, 400], "max_depth": [4, 8, 16, 32, None]}
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
        study.optimize(objective, n_trials=7)
        `,
      );
    });
  });
});
