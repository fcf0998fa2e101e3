import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// The round budget alone: a large literal one with no validation data gets information on how to
// stop early; one early stopping cannot shorten (at most 50 rounds) is left alone.
describe('GML214 gbdt-no-early-stopping', () => {
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
