import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML214';

function fix(src: string): string {
  const fixed = assertFixes(src, CODE);
  assert.deepEqual(findings(fixed, CODE), []);
  return fixed;
}

describe('GML214 gbdt-no-early-stopping', () => {
  it('flags an XGBoost estimator fitted with eval_set and no early_stopping_rounds; fixes the constructor', () => {
    const src = py(
      'import xgboost as xgb',
      'model = xgb.XGBClassifier(n_estimators=2000, learning_rate=0.05)',
      'model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)',
    );
    const f = assertOne(src, CODE);
    assert.match(f.message, /^XGBClassifier\.fit\(\) evaluates on eval_set but never stops early, so it runs all 2000 boosting rounds \(n_estimators=2000\)/);
    assert.deepEqual(f.range.start, { line: 2, character: 0 });
    assert.equal(f.fixes[0].title, 'Add early_stopping_rounds=50 to the XGBClassifier constructor (unsafe)');
    const fixed = fix(src);
    assert.match(fixed, /XGBClassifier\(n_estimators=2000, learning_rate=0\.05, early_stopping_rounds=50\)/);
    assert.match(fixed, /model\.fit\(X_train, y_train, eval_set=\[\(X_val, y_val\)\], verbose=False\)/);
  });

  it('follows the estimator through a same-file factory and replaces early_stopping_rounds=None', () => {
    const src = py(
      'from xgboost import XGBRegressor as XR',
      'def build():',
      '    return XR(early_stopping_rounds=None)',
      'reg = build()',
      'reg.fit(X, y, eval_set=[(Xv, yv)])',
    );
    assert.match(fix(src), /return XR\(early_stopping_rounds=50\)/);
  });

  it('recognises every XGBoost early-stopping form and unknowns', () => {
    const none = [
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(early_stopping_rounds=20)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(callbacks=[xgb.callback.EarlyStopping(rounds=10)])', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.set_params(early_stopping_rounds=10)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], early_stopping_rounds=10)'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(**params)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(early_stopping_rounds=cfg.patience)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(callbacks=cbs)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier(callbacks=[MyStopper()])', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.set_params(**best)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.fit(X, y, **fit_kwargs)'),
      // No eval set: nothing to stop on.
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.fit(X, y)'),
      py('import xgboost as xgb', 'm = xgb.XGBClassifier()', 'm.fit(X, y, eval_set=None)'),
      // Random forests have no boosting rounds to stop.
      py('import xgboost as xgb', 'm = xgb.XGBRFClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
    ];
    for (const src of none) assertNone(src, CODE);
    assertOne(py('import xgboost as xgb', 'm = xgb.XGBClassifier(callbacks=[xgb.callback.EvaluationMonitor()])', 'm.fit(X, y, eval_set=[(Xv, yv)])'), CODE);
  });

  it('native xgboost.train: flags evals without early_stopping_rounds and adds it to the call', () => {
    const src = py(
      'import xgboost as xgb',
      'params = {"objective": "binary:logistic", "eta": 0.1}',
      'booster = xgb.train(params, dtrain, num_boost_round=500, evals=[(dval, "val")])',
    );
    const f = assertOne(src, CODE);
    assert.match(f.message, /all 500 boosting rounds \(num_boost_round=500\)/);
    assert.match(fix(src), /evals=\[\(dval, "val"\)\], early_stopping_rounds=50\)/);
    assertNone(py('import xgboost as xgb', 'b = xgb.train(p, d, 500, evals=[(dv, "v")], early_stopping_rounds=20)'), CODE);
    assertNone(py('import xgboost as xgb', 'b = xgb.train(p, d, 500, evals=[(dv, "v")], callbacks=[xgb.callback.EarlyStopping(rounds=5)])'), CODE);
    assertNone(py('import xgboost as xgb', 'b = xgb.train(p, d, 500)'), CODE);
    assertNone(py('import xgboost as xgb', 'b = xgb.train(p, d, 500, evals=[])'), CODE);
  });

  it('LightGBM estimators: adds callbacks=[lgb.early_stopping(50)], importing lightgbm once', () => {
    const plain = py('import lightgbm as lgb', 'm = lgb.LGBMRegressor(n_estimators=1000)', 'm.fit(X, y, eval_set=[(Xv, yv)])');
    assert.match(findings(plain, CODE)[0].message, /all 1000 boosting rounds/);
    assert.match(fix(plain), /m\.fit\(X, y, eval_set=\[\(Xv, yv\)\], callbacks=\[lgb\.early_stopping\(50\)\]\)/);
    const fromImport = fix(py('from lightgbm import LGBMClassifier', 'm = LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'));
    assert.equal(count(fromImport, 'import lightgbm as lgb\n'), 1);
    assert.match(fromImport, /callbacks=\[lgb\.early_stopping\(50\)\]/);
    const unaliased = fix(py('import lightgbm', 'm = lightgbm.LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'));
    assert.match(unaliased, /callbacks=\[lightgbm\.early_stopping\(50\)\]/);
    assert.equal(count(unaliased, 'import'), 1);
    const named = fix(py('from lightgbm import LGBMClassifier, early_stopping', 'm = LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'));
    assert.match(named, /callbacks=\[early_stopping\(50\)\]/);
    assert.equal(count(named, 'import'), 1);
    const appended = fix(py('import lightgbm as lgb', 'm = lgb.LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], callbacks=[lgb.log_evaluation(100)])'));
    assert.match(appended, /callbacks=\[lgb\.log_evaluation\(100\), lgb\.early_stopping\(50\)\]/);
  });

  it('LightGBM: early stopping through callbacks, params and unknowns means no warning', () => {
    const none = [
      py('import lightgbm as lgb', 'm = lgb.LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(20), lgb.log_evaluation(50)])'),
      py('from lightgbm import LGBMClassifier, early_stopping as es', 'm = LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], callbacks=[es(20)])'),
      py('import lightgbm as lgb', 'cbs = [lgb.early_stopping(20)]', 'm = lgb.LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], callbacks=cbs)'),
      py('import lightgbm as lgb', 'm = lgb.LGBMClassifier(early_stopping_round=30)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import lightgbm as lgb', 'm = lgb.LGBMClassifier(n_iter_no_change=30)', 'm.fit(X, y, eval_set=[(Xv, yv)])'),
      py('import lightgbm as lgb', 'm = lgb.LGBMClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)], callbacks=get_callbacks())'),
      py('import lightgbm as lgb', 'b = lgb.train({"objective": "binary", "early_stopping_round": 25}, ds, valid_sets=[vs])'),
      py('import lightgbm as lgb', 'b = lgb.train(params, ds, valid_sets=[vs])'),
      py('import lightgbm as lgb', 'b = lgb.train({"objective": "binary"}, ds, valid_sets=[vs], callbacks=[lgb.early_stopping(10)])'),
      py('import lightgbm as lgb', 'b = lgb.train({"objective": "binary"}, ds)'),
    ];
    for (const src of none) assertNone(src, CODE);
  });

  it('native lightgbm.train: literal params without early stopping are flagged and fixed with a callback', () => {
    const src = py(
      'import lightgbm as lgb',
      'params = {"objective": "regression", "learning_rate": 0.05}',
      'booster = lgb.train(params, train_set, num_boost_round=3000, valid_sets=[valid_set], callbacks=None)',
    );
    const f = assertOne(src, CODE);
    assert.match(f.message, /all 3000 boosting rounds/);
    assert.match(fix(src), /callbacks=\[lgb\.early_stopping\(50\)\]\)/);
    const named = fix(py('import lightgbm as lgb', 'cbs = [lgb.log_evaluation(10)]', 'b = lgb.train({"objective": "binary"}, ds, valid_sets=[vs], callbacks=cbs)'));
    assert.match(named, /callbacks=\[\*cbs, lgb\.early_stopping\(50\)\]/);
  });

  it('CatBoost: constructor early_stopping_rounds, od_* parameters and the CatBoost(params) base class', () => {
    const src = py('from catboost import CatBoostClassifier', 'model = CatBoostClassifier(iterations=3000, verbose=200)', 'model.fit(train_pool, eval_set=val_pool)');
    const f = assertOne(src, CODE);
    assert.match(f.message, /all 3000 boosting rounds \(iterations=3000\)/);
    assert.match(fix(src), /CatBoostClassifier\(iterations=3000, verbose=200, early_stopping_rounds=50\)/);
    assert.match(findings(py('import catboost', 'm = catboost.CatBoostRegressor()', 'm.fit(X, y, eval_set=(Xv, yv))'), CODE)[0].message, /all 1000 boosting rounds \(default iterations\)/);
    const base = fix(py('from catboost import CatBoost', 'm = CatBoost({"loss_function": "RMSE"})', 'm.fit(X, y, eval_set=(Xv, yv))'));
    assert.match(base, /m\.fit\(X, y, eval_set=\(Xv, yv\), early_stopping_rounds=50\)/);
    for (const ok of [
      py('from catboost import CatBoostClassifier', 'm = CatBoostClassifier(early_stopping_rounds=100)', 'm.fit(X, y, eval_set=(Xv, yv))'),
      py('from catboost import CatBoostClassifier', 'm = CatBoostClassifier(od_type="Iter", od_wait=40)', 'm.fit(X, y, eval_set=(Xv, yv))'),
      py('from catboost import CatBoostClassifier', 'm = CatBoostClassifier()', 'm.fit(X, y, eval_set=(Xv, yv), early_stopping_rounds=30)'),
      py('from catboost import CatBoost', 'm = CatBoost({"od_type": "Iter", "od_wait": 20})', 'm.fit(X, y, eval_set=(Xv, yv))'),
      py('from catboost import CatBoost', 'm = CatBoost(params)', 'm.fit(X, y, eval_set=(Xv, yv))'),
    ]) {
      assertNone(ok, CODE);
    }
  });

  it('ignores look-alike local names, unlinked receivers and files without a GBDT import', () => {
    assertNone(py('import xgboost', 'class XGBClassifier:', '    def fit(self, *a, **k): pass', 'm = XGBClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'), CODE);
    assertNone(py('import lightgbm', 'def train(params, ds, valid_sets=None): pass', 'train({}, ds, valid_sets=[v])'), CODE);
    assertNone(py('import xgboost', 'def run(xgb):', '    return xgb.train({}, d, 10, evals=[(d, "t")])'), CODE);
    assertNone(py('import xgboost', 'self.model.fit(X, y, eval_set=[(Xv, yv)])'), CODE);
    assertNone(py('m = XGBClassifier()', 'm.fit(X, y, eval_set=[(Xv, yv)])'), CODE);
  });

  it('keeps tab and 2-space indentation and CRLF newlines', () => {
    const tabbed = py('import xgboost as xgb', 'def train(X, y, Xv, yv):', '\tmodel = xgb.XGBRegressor(', '\t\tn_estimators=1000,', '\t\tmax_depth=6,', '\t)', '\tmodel.fit(X, y, eval_set=[(Xv, yv)])', '\treturn model');
    assert.match(fix(tabbed), /\t\tmax_depth=6,\n\t\tearly_stopping_rounds=50,\n\t\)/);
    const two = py('import lightgbm as lgb', 'def train(X, y, Xv, yv):', '  model = lgb.LGBMClassifier()', '  model.fit(', '    X,', '    y,', '    eval_set=[(Xv, yv)]', '  )');
    assert.match(fix(two), /\n {4}eval_set=\[\(Xv, yv\)\],\n {4}callbacks=\[lgb\.early_stopping\(50\)\]\n {2}\)/);
    const crlf = 'from lightgbm import LGBMClassifier\r\nm = LGBMClassifier()\r\nm.fit(X, y, eval_set=[(Xv, yv)])\r\n';
    assert.equal(fix(crlf), 'from lightgbm import LGBMClassifier\r\nimport lightgbm as lgb\r\nm = LGBMClassifier()\r\nm.fit(X, y, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(50)])\r\n');
  });
});
