import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

// LightGBM: early stopping as a callback (`lgb.early_stopping(…)`) or `early_stopping_round`, in the
// scikit-learn API and in `lgb.train`.
describe('GML214 gbdt-no-early-stopping', () => {
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
});
