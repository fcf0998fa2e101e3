import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML215';

function fix(src: string): string {
  const fixed = assertFixes(src, CODE);
  assert.deepEqual(findings(fixed, CODE), []);
  return fixed;
}

describe('GML215 sklearn-no-early-stopping', () => {
  it('flags MLP, SGD, Perceptron and PassiveAggressive estimators without early_stopping, or with literal False', () => {
    const src = py(
      'from sklearn.neural_network import MLPClassifier, MLPRegressor',
      'from sklearn.linear_model import SGDClassifier, SGDRegressor, Perceptron, PassiveAggressiveClassifier',
      'a = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=300)',
      'b = MLPRegressor(early_stopping=False)',
      'c = SGDClassifier(loss="log_loss")',
      'd = SGDRegressor()',
      'e = Perceptron()',
      'f = PassiveAggressiveClassifier(C=0.5)',
    );
    const found = findings(src, CODE);
    assert.equal(found.length, 6);
    assert.match(found[0].message, /^MLPClassifier runs all its epochs up to max_iter=300 .*early_stopping is off by default/);
    assert.match(found[1].message, /up to max_iter=200 \(the default\).*early_stopping is False/);
    assert.match(found[2].message, /stops only when the training loss plateaus/);
    assert.ok(found.every((f) => f.fixes[0].safety === 'unsafe' && f.fixes[0].title === 'Set early_stopping=True (unsafe)'));
  });

  it('flags GradientBoosting without n_iter_no_change or with None, and HistGradientBoosting only with early_stopping=False', () => {
    const src = py(
      'from sklearn import ensemble',
      'a = ensemble.GradientBoostingClassifier(n_estimators=500)',
      'b = ensemble.GradientBoostingRegressor(n_iter_no_change=None)',
      'c = ensemble.HistGradientBoostingClassifier()',
      'd = ensemble.HistGradientBoostingRegressor(early_stopping="auto")',
      'e = ensemble.HistGradientBoostingRegressor(early_stopping=False)',
    );
    const found = findings(src, CODE);
    assert.deepEqual(found.map((f) => f.range.start.line), [1, 2, 5]);
    assert.equal(found[0].fixes[0].title, 'Set n_iter_no_change=10 (unsafe)');
    assert.equal(found[2].fixes[0].title, 'Set early_stopping=True (unsafe)');
  });

  it('leaves estimators with early stopping on, unknown values and lbfgs alone', () => {
    assertNone(
      py(
        'from sklearn.neural_network import MLPClassifier',
        'from sklearn.linear_model import SGDClassifier',
        'from sklearn.ensemble import GradientBoostingClassifier',
        'a = MLPClassifier(early_stopping=True)',
        'b = MLPClassifier(early_stopping=args.es)',
        'c = MLPClassifier(**params)',
        'd = MLPClassifier(solver="lbfgs")',
        'e = MLPClassifier(solver=cfg.solver)',
        'f = SGDClassifier(early_stopping=True, validation_fraction=0.2)',
        'g = GradientBoostingClassifier(n_iter_no_change=5)',
        'h = GradientBoostingClassifier(n_iter_no_change=patience)',
        'i = MLPClassifier()',
        'i.set_params(early_stopping=True)',
        'j = SGDClassifier()',
        'j.set_params(**best_params)',
      ),
      CODE,
    );
  });

  it('resolves aliases, and ignores look-alike local names and unimported sklearn', () => {
    assertOne(py('from sklearn.neural_network import MLPClassifier as MLP', 'm = MLP()'), CODE);
    assertOne(py('import sklearn.linear_model as lm', 'm = lm.SGDClassifier()'), CODE);
    assertOne(py('import sklearn', 'm = sklearn.ensemble.GradientBoostingRegressor()'), CODE);
    assertNone(py('import sklearn', 'class MLPClassifier:', '    pass', 'm = MLPClassifier()'), CODE);
    assertNone(py('import sklearn', 'def build(linear_model):', '    return linear_model.SGDClassifier()'), CODE);
    assertNone(py('m = MLPClassifier()'), CODE);
  });

  it('fixes by adding or replacing the argument; a second pass finds nothing', () => {
    assert.match(fix(py('from sklearn.neural_network import MLPClassifier', 'm = MLPClassifier(max_iter=500)')), /MLPClassifier\(max_iter=500, early_stopping=True\)/);
    assert.match(fix(py('from sklearn.neural_network import MLPClassifier', 'm = MLPClassifier()')), /MLPClassifier\(early_stopping=True\)/);
    assert.match(fix(py('from sklearn.linear_model import SGDRegressor', 'm = SGDRegressor(early_stopping=False, tol=None)')), /SGDRegressor\(early_stopping=True, tol=None\)/);
    const gb = fix(py('from sklearn.ensemble import GradientBoostingClassifier', 'm = GradientBoostingClassifier(n_iter_no_change=None)'));
    assert.match(gb, /GradientBoostingClassifier\(n_iter_no_change=10\)/);
    assert.equal(count(gb, 'import'), 1);
  });

  it('keeps tab and 2-space indentation and CRLF newlines', () => {
    const tabbed = py('from sklearn.neural_network import MLPClassifier', 'def build():', '\treturn MLPClassifier(', '\t\thidden_layer_sizes=(128,),', '\t\tmax_iter=400,', '\t)');
    assert.match(fix(tabbed), /\t\tmax_iter=400,\n\t\tearly_stopping=True,\n\t\)/);
    const two = py('from sklearn.ensemble import GradientBoostingRegressor', 'def build():', '  return GradientBoostingRegressor(', '    n_estimators=1000,', '    learning_rate=0.05', '  )');
    assert.match(fix(two), /\n {4}learning_rate=0\.05,\n {4}n_iter_no_change=10\n {2}\)/);
    const crlf = 'from sklearn.neural_network import MLPRegressor\r\nm = MLPRegressor()\r\nm.fit(X, y)\r\n';
    assert.equal(fix(crlf), 'from sklearn.neural_network import MLPRegressor\r\nm = MLPRegressor(early_stopping=True)\r\nm.fit(X, y)\r\n');
  });
});
