import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

// XGBoost's and LightGBM's native cross-validation (`xgb.cv`, `lgb.cv`): every fold is scored on
// its held-out part each round, as in `catboost.cv`.
describe('GML214 gbdt-no-early-stopping', () => {
  describe('xgboost.cv', () => {
    it('flags xgb.cv with a large budget and no early stopping (held-out r9 repro)', () => {
      expectFindings(`
        import xgboost as xgb

        dtrain = xgb.DMatrix(X, label=y)
        param = {"max_depth": 6, "eta": 0.1, "objective": "binary:logistic"}
        res = xgb.cv(param, dtrain, num_boost_round=1000, nfold=5, metrics={"auc"}, seed=0)
        #     ^^^^^^ GML214: xgboost.cv() scores every fold on its held-out part each round but never stops early, so each fold runs all 1000 boosting rounds (num_boost_round=1000)
        cv_results = xgb.cv(param, dtrain, 120, nfold=5)
        #            ^^^^^^ GML214: all 120 boosting rounds
        # A budget that is not literal may be large (as for xgb.train): the message names it.
        tuned = xgb.cv(param, dtrain, num_boost_round=args.rounds, nfold=5)
        #       ^^^^^^ GML214: all num_boost_round boosting rounds
      `);
    });

    it('fix: adds early_stopping_rounds=50 to the call', () => {
      expectFix(
        'GML214',
        `
        from xgboost import cv

        res = cv(params, dtrain, num_boost_round=1000, nfold=5)
        `,
        `
        from xgboost import cv

        res = cv(params, dtrain, num_boost_round=1000, nfold=5, early_stopping_rounds=50)
        `,
      );
    });

    it('quiet: early stopping set, the default or a small budget, callbacks or keywords it cannot read, a positional early_stopping_rounds', () => {
      expectNone('GML214', `
        import xgboost as xgb

        a = xgb.cv(params, dtrain, num_boost_round=1000, nfold=5, early_stopping_rounds=20)
        b = xgb.cv(params, dtrain, 1000, callbacks=[xgb.callback.EarlyStopping(rounds=20)])
        c = xgb.cv(params, dtrain, nfold=5)
        d = xgb.cv(params, dtrain, num_boost_round=10, nfold=5, metrics={"error"})
        f = xgb.cv(params, dtrain, num_boost_round=1000, callbacks=make_callbacks())
        g = xgb.cv(params, dtrain, num_boost_round=1000, **cv_kwargs)
        h = xgb.cv(params, dtrain, 1000, 5, False, None, (), None, None, False, 20)
      `);
    });
  });

  describe('XGBoost early stopping on a metric whose direction it cannot tell: reported without the fix', () => {
    it('withholds the fix when a metric XGBoost may stop on is not one it knows the direction of (the Higgs demo)', () => {
      const [higgs, custom, listed] = expectFindings(`
        import xgboost as xgb

        xgb.cv(param, dtrain, 120, nfold=5, metrics={"ams@0.15", "auc"}, seed=0)
        ^^^^^^ GML214: No fix: early stopping would watch a metric whose direction XGBoost does not tell from its name
        xgb.cv(param, dtrain, 120, nfold=5, custom_metric=my_metric)
        ^^^^^^ GML214: No fix
        xgb.cv(param, dtrain, 120, nfold=5, metrics=["auc", "ams@0.15"])
        ^^^^^^ GML214: No fix
      `);
      for (const finding of [higgs, custom, listed]) assert.equal(finding.fixes.length, 0);
      const [train] = expectFindings(`
        import xgboost as xgb

        bst = xgb.train({"eval_metric": "interval-regression-accuracy"}, dtrain, 500, evals=[(dval, "val")])
        #     ^^^^^^^^^ GML214: No fix
      `);
      assert.equal(train.fixes.length, 0);
    });

    it('keeps the fix for known metrics (the last of a list, every one of a set), maximize= given, or the default metric', () => {
      const found = expectFindings(`
        import xgboost as xgb

        xgb.cv(param, dtrain, 120, nfold=5, metrics={"error", "auc"})
        ^^^^^^ GML214
        xgb.cv(param, dtrain, 120, nfold=5, metrics=["ams@0.15", "auc"])
        ^^^^^^ GML214
        xgb.cv(param, dtrain, 120, nfold=5, metrics="ndcg@5", feval=my_metric, maximize=True)
        ^^^^^^ GML214
        xgb.cv({"objective": "binary:logistic", "eval_metric": ["logloss", "error@0.7"]}, dtrain, 120)
        ^^^^^^ GML214
        bst = xgb.train(params, dtrain, 500, evals=[(dval, "val")])
        #     ^^^^^^^^^ GML214
      `);
      for (const finding of found) assert.equal(finding.fixes.length, 1, finding.message);
    });
  });

  describe('lightgbm.cv', () => {
    it('flags lgb.cv with a large budget and no early stopping (held-out r9 repro)', () => {
      expectFindings(`
        import lightgbm as lgb

        train_set = lgb.Dataset(X, label=y)
        params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31}
        res = lgb.cv(params, train_set, num_boost_round=1000, nfold=5, stratified=True)
        #     ^^^^^^ GML214: lightgbm.cv() scores every fold on its held-out part each round but never stops early, so each fold runs all 1000 boosting rounds (num_boost_round=1000)
        res = lgb.cv({"objective": "binary"}, train_set)
        #     ^^^^^^ GML214: all 100 boosting rounds (default num_boost_round)
        res = lgb.cv({"objective": "binary", "num_iterations": 800}, train_set, num_boost_round=10)
        #     ^^^^^^ GML214: all 800 boosting rounds (num_iterations=800)
      `);
    });

    it('fix: adds callbacks=[lgb.early_stopping(50)] with the name the file binds for lightgbm', () => {
      expectFix(
        'GML214',
        `
        import lightgbm as lgb

        res = lgb.cv({"objective": "binary"}, train_set, num_boost_round=1000, nfold=5)
        `,
        `
        import lightgbm as lgb

        res = lgb.cv({"objective": "binary"}, train_set, num_boost_round=1000, nfold=5, callbacks=[lgb.early_stopping(50)])
        `,
      );
    });

    it('fix: appends to an existing callbacks list, importing lightgbm when the file only imports cv', () => {
      expectFix(
        'GML214',
        `
        from lightgbm import cv, log_evaluation

        res = cv({"objective": "binary"}, train_set, num_boost_round=1000, callbacks=[log_evaluation(100)])
        `,
        `
        from lightgbm import cv, log_evaluation
        import lightgbm as lgb

        res = cv({"objective": "binary"}, train_set, num_boost_round=1000, callbacks=[log_evaluation(100), lgb.early_stopping(50)])
        `,
      );
    });

    it('quiet: early stopping in the callbacks, a keyword or the params dict; params it cannot read; a small budget', () => {
      expectNone('GML214', `
        import lightgbm as lgb

        a = lgb.cv({"objective": "binary"}, train_set, 1000, callbacks=[lgb.early_stopping(30)])
        b = lgb.cv({"objective": "binary", "early_stopping_round": 30}, train_set, 1000)
        c = lgb.cv({"objective": "binary"}, train_set, 1000, early_stopping_rounds=30)
        d = lgb.cv(load_params(), train_set, 1000)
        e = lgb.cv({"objective": "binary"}, train_set, num_boost_round=40)
        f = lgb.cv({"objective": "binary"}, train_set, 1000, callbacks=my_callbacks)
        g = lgb.cv(params, train_set, 1000, **cv_kwargs)
      `);
    });
  });
});
