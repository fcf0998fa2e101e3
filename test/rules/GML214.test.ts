import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML214 gbdt-no-early-stopping', () => {
  describe('XGBoost, scikit-learn API', () => {
    it('flags fit with eval_set and no early_stopping_rounds, naming the estimator and its rounds', () => {
      const [finding] = expectFindings(`
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.05)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)
        ^^^^^^^^^ GML214: runs all 2000 boosting rounds (n_estimators=2000)
      `);
      assert.match(finding.message, /^XGBClassifier\.fit\(\) evaluates on eval_set but never stops early, so it runs all 2000 boosting rounds \(n_estimators=2000\)/);
    });

    it('the fix is unsafe, and its title names the constructor', () => {
      const [finding] = expectFindings(`
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.05)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)
        ^^^^^^^^^ GML214
      `);
      assert.equal(finding.fixes[0].title, 'Add early_stopping_rounds=50 to the XGBClassifier constructor (unsafe)');
    });

    it('flags an EvaluationMonitor callback, which does not stop training', () => {
      expectFindings(`
        import xgboost as xgb

        model = xgb.XGBClassifier(callbacks=[xgb.callback.EvaluationMonitor()])
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        ^^^^^^^^^ GML214
      `);
    });

    it('fix: early_stopping_rounds goes into the constructor, fit stays as it is', () => {
      expectFix(
        'GML214',
        `
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.05)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)
        `,
        `
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.05, early_stopping_rounds=50)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)
        `,
      );
    });

    it('fix: follows the estimator through a factory and replaces early_stopping_rounds=None', () => {
      expectFix(
        'GML214',
        `
        from xgboost import XGBRegressor as XR

        def build():
            return XR(early_stopping_rounds=None)

        reg = build()
        reg.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        from xgboost import XGBRegressor as XR

        def build():
            return XR(early_stopping_rounds=50)

        reg = build()
        reg.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
      );
    });

    it('counts early_stopping_rounds in the constructor', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(tree_method="hist", early_stopping_rounds=20)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('counts an EarlyStopping callback', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(callbacks=[xgb.callback.EarlyStopping(rounds=10)])
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('counts early_stopping_rounds set with set_params', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.set_params(early_stopping_rounds=10)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('counts the old fit-time early_stopping_rounds', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], early_stopping_rounds=10)
      `);
    });

    it('stays quiet on constructor **params it cannot read', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(**params)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on early_stopping_rounds from a config', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(early_stopping_rounds=cfg.patience)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on a callbacks variable', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(callbacks=cbs)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on a callback it cannot name', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier(callbacks=[MyStopper()])
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on set_params(**best)', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.set_params(**best_params)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on fit **kwargs', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.fit(X_train, y_train, **fit_kwargs)
      `);
    });

    it('stays quiet without eval_set', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.fit(X_train, y_train)
      `);
    });

    it('stays quiet on eval_set=None', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBClassifier()
        model.fit(X_train, y_train, eval_set=None)
      `);
    });

    it('leaves random forests alone: they have no boosting rounds', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBRFClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });
  });

  describe('XGBoost, native xgb.train', () => {
    it('flags evals without early_stopping_rounds', () => {
      expectFindings(`
        import xgboost as xgb

        dtrain = xgb.DMatrix(X_train, label=y_train)
        dval = xgb.DMatrix(X_val, label=y_val)
        params = {"objective": "binary:logistic", "eta": 0.1}
        booster = xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "val")])
        #         ^^^^^^^^^ GML214: all 500 boosting rounds (num_boost_round=500)
      `);
    });

    it('fix: adds early_stopping_rounds to the call', () => {
      expectFix(
        'GML214',
        `
        import xgboost as xgb

        params = {"objective": "binary:logistic", "eta": 0.1}
        booster = xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "val")])
        `,
        `
        import xgboost as xgb

        params = {"objective": "binary:logistic", "eta": 0.1}
        booster = xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "val")], early_stopping_rounds=50)
        `,
      );
    });

    it('counts early_stopping_rounds', () => {
      expectNone('GML214', `
        import xgboost as xgb

        booster = xgb.train(params, dtrain, 500, evals=[(dval, "val")], early_stopping_rounds=20)
      `);
    });

    it('counts an EarlyStopping callback', () => {
      expectNone('GML214', `
        import xgboost as xgb

        booster = xgb.train(params, dtrain, 500, evals=[(dval, "val")], callbacks=[xgb.callback.EarlyStopping(rounds=5)])
      `);
    });

    it('stays quiet without evals below 500 rounds', () => {
      expectNone('GML214', `
        import xgboost as xgb

        booster = xgb.train(params, dtrain, 300)
      `);
    });

    it('num_boost_round from a function-local constant, with a plotting callback of this file that never stops', () => {
      expectFindings(`
        import xgboost as xgb

        class Plotting(xgb.callback.TrainingCallback):
            def __init__(self, rounds):
                self.rounds = rounds

            def after_iteration(self, model, epoch, evals_log):
                """Update the plot."""
                for data, metric in evals_log.items():
                    print(data, metric)
                # False to indicate training should not stop.
                return False

        def custom_callback():
            D_train = xgb.DMatrix(X_train, y_train)
            D_valid = xgb.DMatrix(X_valid, y_valid)
            num_boost_round = 100
            plotting = Plotting(num_boost_round)
            xgb.train(
            ^^^^^^^^^ GML214: all 100 boosting rounds (num_boost_round=100)
                {"objective": "binary:logistic", "tree_method": "hist"},
                D_train,
                evals=[(D_train, "Train"), (D_valid, "Valid")],
                num_boost_round=num_boost_round,
                callbacks=[plotting],
            )
      `);
    });

    it('stays quiet on a callback class of this file that may stop, or derives from another class', () => {
      expectNone('GML214', `
        import xgboost as xgb

        class StopAt(xgb.callback.TrainingCallback):
            def after_iteration(self, model, epoch, evals_log):
                return evals_log["Valid"]["error"][-1] < 0.01

        class Mixed(Base, xgb.callback.TrainingCallback):
            def after_iteration(self, model, epoch, evals_log):
                return False

        class Quiet(xgb.callback.TrainingCallback):
            def before_iteration(self, model, epoch, evals_log):
                raise StopIteration

        for cb in [StopAt(), Mixed(), Quiet()]:
            xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "Valid")], callbacks=[cb])
        xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "Valid")], callbacks=[StopAt()])
        xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "Valid")], callbacks=[Mixed()])
        xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "Valid")], callbacks=[Quiet()])
      `);
    });

    it('stays quiet on empty evals', () => {
      expectNone('GML214', `
        import xgboost as xgb

        booster = xgb.train(params, dtrain, 300, evals=[])
      `);
    });
  });

  describe('LightGBM, scikit-learn API', () => {
    it('flags fit with eval_set and no early stopping callback', () => {
      expectFindings(`
        import lightgbm as lgb

        model = lgb.LGBMRegressor(n_estimators=1000)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        ^^^^^^^^^ GML214: all 1000 boosting rounds
      `);
    });

    it('fix: adds callbacks=[lgb.early_stopping(50)] to fit', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        model = lgb.LGBMRegressor(n_estimators=1000)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        import lightgbm as lgb

        model = lgb.LGBMRegressor(n_estimators=1000)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(50)])
        `,
      );
    });

    it('fix: imports lightgbm as lgb once after a from-import', () => {
      expectFix(
        'GML214',
        `
        from lightgbm import LGBMClassifier

        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        from lightgbm import LGBMClassifier
        import lightgbm as lgb

        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(50)])
        `,
      );
    });

    it('fix: uses an unaliased import lightgbm', () => {
      expectFix(
        'GML214',
        `
        import lightgbm

        model = lightgbm.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        import lightgbm

        model = lightgbm.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lightgbm.early_stopping(50)])
        `,
      );
    });

    it('fix: uses an imported early_stopping', () => {
      expectFix(
        'GML214',
        `
        from lightgbm import LGBMClassifier, early_stopping

        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        from lightgbm import LGBMClassifier, early_stopping

        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[early_stopping(50)])
        `,
      );
    });

    it('fix: appends to a literal callbacks list', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        model = lgb.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.log_evaluation(100)])
        `,
        `
        import lightgbm as lgb

        model = lgb.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.log_evaluation(100), lgb.early_stopping(50)])
        `,
      );
    });

    it('counts lgb.early_stopping among other callbacks', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        model = lgb.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(20), lgb.log_evaluation(50)])
      `);
    });

    it('counts an aliased early_stopping', () => {
      expectNone('GML214', `
        from lightgbm import LGBMClassifier, early_stopping as es

        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[es(20)])
      `);
    });

    it('counts early_stopping in a list variable', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        callbacks = [lgb.early_stopping(20)]
        model = lgb.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=callbacks)
      `);
    });

    it('counts early_stopping_round in the constructor', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        model = lgb.LGBMClassifier(early_stopping_round=30)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('counts the n_iter_no_change alias in the constructor', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        model = lgb.LGBMClassifier(n_iter_no_change=30)
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('stays quiet on callbacks from a function call', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        model = lgb.LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=get_callbacks())
      `);
    });
  });

  describe('LightGBM, native lgb.train', () => {
    it('flags literal params without early stopping', () => {
      expectFindings(`
        import lightgbm as lgb

        train_set = lgb.Dataset(X_train, label=y_train)
        valid_set = lgb.Dataset(X_val, label=y_val, reference=train_set)
        params = {"objective": "regression", "learning_rate": 0.05}
        booster = lgb.train(params, train_set, num_boost_round=3000, valid_sets=[valid_set], callbacks=None)
        #         ^^^^^^^^^ GML214: all 3000 boosting rounds
      `);
    });

    it('fix: replaces callbacks=None with an early_stopping list', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        params = {"objective": "regression", "learning_rate": 0.05}
        booster = lgb.train(params, train_set, num_boost_round=3000, valid_sets=[valid_set], callbacks=None)
        `,
        `
        import lightgbm as lgb

        params = {"objective": "regression", "learning_rate": 0.05}
        booster = lgb.train(params, train_set, num_boost_round=3000, valid_sets=[valid_set], callbacks=[lgb.early_stopping(50)])
        `,
      );
    });

    it('fix: extends a callbacks variable by unpacking it', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        callbacks = [lgb.log_evaluation(10)]
        booster = lgb.train({"objective": "binary"}, train_set, valid_sets=[valid_set], callbacks=callbacks)
        `,
        `
        import lightgbm as lgb

        callbacks = [lgb.log_evaluation(10)]
        booster = lgb.train({"objective": "binary"}, train_set, valid_sets=[valid_set], callbacks=[*callbacks, lgb.early_stopping(50)])
        `,
      );
    });

    it('counts early_stopping_round in the params dict', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        booster = lgb.train({"objective": "binary", "early_stopping_round": 25}, train_set, valid_sets=[valid_set])
      `);
    });

    it('stays quiet on params it cannot read', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        booster = lgb.train(params, train_set, valid_sets=[valid_set])
      `);
    });

    it('counts an early_stopping callback', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        booster = lgb.train({"objective": "binary"}, train_set, valid_sets=[valid_set], callbacks=[lgb.early_stopping(10)])
      `);
    });

    it('stays quiet without valid_sets', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        booster = lgb.train({"objective": "binary"}, train_set)
      `);
    });
  });

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

  describe('leaves look-alikes alone', () => {
    it('a local class named XGBClassifier', () => {
      expectNone('GML214', `
        import xgboost

        class XGBClassifier:
            def fit(self, *args, **kwargs):
                pass

        model = XGBClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('a local function named train', () => {
      expectNone('GML214', `
        import lightgbm

        def train(params, train_set, valid_sets=None):
            pass

        train({}, train_set, valid_sets=[valid_set])
      `);
    });

    it('a parameter named like the xgboost alias', () => {
      expectNone('GML214', `
        import xgboost

        def run(xgb):
            return xgb.train({}, dtrain, 10, evals=[(dtrain, "train")])
      `);
    });

    it('a receiver that cannot be linked to its constructor', () => {
      expectNone('GML214', `
        import xgboost

        self.model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });

    it('a file without a GBDT import', () => {
      expectNone('GML214', `
        model = XGBClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
      `);
    });
  });

  describe('fix layout', () => {
    it('keeps tab indentation in a multi-line constructor', () => {
      expectFix(
        'GML214',
        `
        import xgboost as xgb

        def train(X_train, y_train, X_val, y_val):
        \tmodel = xgb.XGBRegressor(
        \t\tn_estimators=1000,
        \t\tmax_depth=6,
        \t)
        \tmodel.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        \treturn model
        `,
        `
        import xgboost as xgb

        def train(X_train, y_train, X_val, y_val):
        \tmodel = xgb.XGBRegressor(
        \t\tn_estimators=1000,
        \t\tmax_depth=6,
        \t\tearly_stopping_rounds=50,
        \t)
        \tmodel.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        \treturn model
        `,
      );
    });

    it('keeps two-space indentation in a multi-line fit', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        def train(X_train, y_train, X_val, y_val):
          model = lgb.LGBMClassifier()
          model.fit(
            X_train,
            y_train,
            eval_set=[(X_val, y_val)]
          )
        `,
        `
        import lightgbm as lgb

        def train(X_train, y_train, X_val, y_val):
          model = lgb.LGBMClassifier()
          model.fit(
            X_train,
            y_train,
            eval_set=[(X_val, y_val)],
            callbacks=[lgb.early_stopping(50)]
          )
        `,
      );
    });

    it('keeps CRLF newlines, in the added import too', () => {
      expectFix(
        'GML214',
        `
        from lightgbm import LGBMClassifier
        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)])
        `,
        `
        from lightgbm import LGBMClassifier
        import lightgbm as lgb
        model = LGBMClassifier()
        model.fit(X_train, y_train, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(50)])
        `,
        { eol: '\r\n' },
      );
    });
  });

  describe('no validation data at all, a large literal budget (information)', () => {
    it('flags lgb.train with num_boost_round=3000 and no valid_sets, saying how to get early stopping', () => {
      const [finding] = expectFindings(`
        import lightgbm as lgb

        params = {"objective": "regression", "learning_rate": 0.01, "num_leaves": 31}
        train_data = lgb.Dataset(X_train, label=y_train)
        gbm = lgb.train(params, train_data, num_boost_round=3000)
        #     ^^^^^^^^^ GML214: lightgbm.train() trains all 3000 boosting rounds (num_boost_round=3000) with no validation data
      `);
      assert.equal(finding.severity, 'information');
      assert.match(finding.message, /Hold out a validation split .* valid_sets=\[dval\] with callbacks=\[lgb\.early_stopping\(50\)\]/);
      assert.equal(finding.fixes.length, 0, 'splitting the data is the author’s call');
    });

    it('reads the round count of an lgb.train params dict, which wins over num_boost_round', () => {
      expectFindings(`
        import lightgbm as lgb

        params = {"objective": "binary", "num_iterations": 1000}
        booster = lgb.train(params, lgb.Dataset(X, y), 100)
        #         ^^^^^^^^^ GML214: all 1000 boosting rounds (num_iterations=1000)
      `);
    });

    it('flags xgb.train with a positional 1000-round budget and no evals', () => {
      const [finding] = expectFindings(`
        import xgboost as xgb

        dtrain = xgb.DMatrix(X_train, label=y_train)
        bst = xgb.train({"max_depth": 6, "eta": 0.05}, dtrain, 1000)
        #     ^^^^^^^^^ GML214: xgboost.train() trains all 1000 boosting rounds
      `);
      assert.equal(finding.severity, 'information');
      assert.match(finding.message, /evals=\[\(dval, "validation"\)\] with early_stopping_rounds=50/);
    });

    it('flags XGBRegressor(n_estimators=1000).fit(X, y) imported under another name', () => {
      const [finding] = expectFindings(`
        from xgboost import XGBRegressor as XGBR

        model = XGBR(n_estimators=1000, learning_rate=0.05, max_depth=6)
        model.fit(X_train, y_train)
        ^^^^^^^^^ GML214: XGBRegressor.fit() trains all 1000 boosting rounds (n_estimators=1000) with no validation data
      `);
      assert.match(finding.message, /eval_set=\[\(X_val, y_val\)\] to fit\(\) with early_stopping_rounds=50 in the constructor/);
    });

    it('flags LGBMClassifier(n_estimators=2000).fit without eval_set, pointing to the early_stopping callback', () => {
      expectFindings(`
        from lightgbm import LGBMClassifier

        clf = LGBMClassifier(n_estimators=2000, learning_rate=0.01)
        clf.fit(X_train, y_train)
        ^^^^^^^ GML214: callbacks=[lgb.early_stopping(50)]
      `);
    });

    it('flags CatBoostClassifier(iterations=1000).fit without eval_set', () => {
      expectFindings(`
        from catboost import CatBoostClassifier

        model = CatBoostClassifier(iterations=1000, learning_rate=0.03, depth=6, verbose=100)
        model.fit(X_train, y_train, cat_features=cat_features)
        ^^^^^^^^^ GML214: CatBoostClassifier.fit() trains all 1000 boosting rounds (iterations=1000)
      `);
    });

    it('stays quiet on budgets below 500 rounds and on the library defaults', () => {
      expectNone('GML214', `
        import xgboost as xgb
        from catboost import CatBoostRegressor
        from lightgbm import LGBMRegressor

        xgb.XGBClassifier(n_estimators=300).fit(X, y)
        CatBoostRegressor(verbose=0).fit(X, y)
        LGBMRegressor().fit(X, y)
        booster = xgb.train(params, dtrain)
      `);
    });

    it('stays quiet when the budget is not a literal, or the params dict is unknown', () => {
      expectNone('GML214', `
        import lightgbm as lgb
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=args.n_estimators)
        model.fit(X, y)
        gbm = lgb.train(load_params("lgb.json"), train_data, num_boost_round=3000)
        bst = xgb.train(params, dtrain, num_rounds)
      `);
    });

    it('stays quiet when set_params may change the budget, and on XGBoost random forests', () => {
      expectNone('GML214', `
        import xgboost as xgb

        model = xgb.XGBRegressor(n_estimators=1000)
        model.set_params(**best_params)
        model.fit(X, y)
        xgb.XGBRFRegressor(n_estimators=1000).fit(X, y)
      `);
    });

    it('leaves a local class that looks like XGBClassifier alone', () => {
      expectNone('GML214', `
        import xgboost

        class XGBClassifier:
            def __init__(self, n_estimators): self.n = n_estimators
            def fit(self, X, y): return self

        XGBClassifier(n_estimators=5000).fit(X, y)
      `);
    });
  });

  describe('a budget early stopping cannot shorten (at most 50 rounds)', () => {
    it('stays quiet on a 2-round xgb.train demo that watches evals', () => {
      expectNone('GML214', `
        import xgboost as xgb

        watchlist = [(dtest, "eval"), (dtrain, "train")]
        bst = xgb.train(param, dtrain, num_boost_round=2, evals=watchlist)
      `);
    });

    it('stays quiet on xgb.train’s default 10 rounds and a 10-round lgb.train with valid_sets', () => {
      expectNone('GML214', `
        import lightgbm as lgb
        import xgboost as xgb

        bst = xgb.train(params, dtrain, evals=[(dtest, "test")])
        gbm = lgb.train(params, lgb_train, num_boost_round=10, valid_sets=lgb_eval)
      `);
    });

    it('stays quiet on n_estimators=50 and reports n_estimators=51', () => {
      expectFindings(`
        from xgboost import XGBClassifier

        small = XGBClassifier(n_estimators=50)
        small.fit(X, y, eval_set=[(X_val, y_val)])
        larger = XGBClassifier(n_estimators=51)
        larger.fit(X, y, eval_set=[(X_val, y_val)])
        ^^^^^^^^^^ GML214: all 51 boosting rounds
      `);
    });
  });
});
