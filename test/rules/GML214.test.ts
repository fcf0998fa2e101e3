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
});
