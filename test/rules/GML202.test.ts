import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNone, assertOne, findings, py, useParser } from '../helpers/analysis';
import { RULES } from '../../server/src/rules/registry';

useParser();

const CODE = 'GML202';

describe('GML202 nested-loop-search', () => {
  it('flags nested literal hyperparameter loops that fit each time, with the number of trainings', () => {
    const src = py(
      'from sklearn.svm import SVC',
      'best = None',
      'for C in [0.1, 1, 10, 100]:',
      '    for gamma in (1e-3, 1e-2, 1e-1):',
      '        clf = SVC(C=C, gamma=gamma)',
      '        clf.fit(X_train, y_train)',
      '        score = clf.score(X_val, y_val)',
    );
    const f = assertOne(src, CODE);
    assert.match(f.message, /\(C × gamma: 4 × 3 = 12 combinations\)/);
    assert.match(f.message, /Optuna/);
    assert.match(f.message, /HalvingGridSearchCV/);
    assert.deepEqual(f.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 26 } });
    assert.deepEqual(f.fixes, []);
    assert.equal(RULES.find((r) => r.code === CODE)?.fixSafety, 'none');
  });

  it('counts three levels, ranges and names assigned once, and CV folds of cross_val_score', () => {
    const src = py(
      'from sklearn.model_selection import cross_val_score',
      'from sklearn.ensemble import RandomForestClassifier',
      'DEPTHS = [4, 8, None]',
      'def search(X, y):',
      '    for n in range(100, 501, 200):',
      '        for depth in DEPTHS:',
      '            for leaf in [1, 5]:',
      '                rf = RandomForestClassifier(n_estimators=n, max_depth=depth, min_samples_leaf=leaf)',
      '                s = cross_val_score(rf, X, y, cv=4).mean()',
    );
    assert.match(assertOne(src, CODE).message, /n × depth × leaf: 3 × 3 × 2 = 18 combinations, × 4 CV folds = 72 trainings/);
  });

  it('follows same-file training functions, xgb/lgb train and HF trainers', () => {
    const helper = py(
      'import torch',
      'def run(lr, wd):',
      '    model = Net()',
      '    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)',
      '    for x, y in loader:',
      '        loss = loss_fn(model(x), y)',
      '        loss.backward()',
      '        opt.step()',
      '    return model',
      'for lr in [1e-4, 3e-4, 1e-3]:',
      '    for wd in [0.0, 0.01]:',
      '        run(lr, wd)',
    );
    assert.match(assertOne(helper, CODE).message, /3 × 2 = 6 combinations/);
    const xgb = py('import xgboost as xgb', 'for eta in [0.1, 0.3]:', '    for depth in [3, 6, 9]:', '        xgb.train({"eta": eta, "max_depth": depth}, dtrain, 100)');
    assertOne(xgb, CODE);
    const hf = py(
      'from transformers import Trainer, TrainingArguments',
      'for lr in [1e-5, 3e-5]:',
      '    for bs in [16, 32]:',
      '        args = TrainingArguments("out", learning_rate=lr, per_device_train_batch_size=bs, bf16=True)',
      '        trainer = Trainer(model=model, args=args, train_dataset=ds)',
      '        trainer.train()',
    );
    assertOne(hf, CODE);
  });

  it('resolves aliased imports of the training functions', () => {
    const src = py('from sklearn.model_selection import cross_val_score as cvs', 'for a in [1, 2]:', '    for b in [3, 4]:', '        cvs(make(a, b), X, y)');
    assert.match(assertOne(src, CODE).message, /2 × 2 = 4 combinations, × 5 CV folds = 20 trainings/);
  });

  it('does not flag epoch/batch loops, unknown iterables, single loops or unused loop variables', () => {
    const cases = [
      // epochs × batches: unknown iterables
      py('import torch', 'for epoch in range(epochs):', '    for x, y in loader:', '        loss = model(x).sum()', '        loss.backward()'),
      // one literal loop only, the other is a DataLoader
      py('import torch', 'for lr in [0.1, 0.01]:', '    for x, y in loader:', '        model(x).sum().backward()'),
      // a single level
      py('from sklearn.svm import SVC', 'for C in [1, 10, 100]:', '    SVC(C=C).fit(X, y)'),
      // literal epoch counter whose variable is only printed
      py('from sklearn.linear_model import SGDClassifier', 'for C in [1, 10]:', '    for epoch in range(10):', '        clf.partial_fit(X, y)', '        print(f"epoch {epoch}")', '        clf.fit(X, y)'),
      // repeats with `_`
      py('from sklearn.svm import SVC', 'for _ in range(3):', '    for C in [1, 10]:', '        SVC(C=C).fit(X, y)'),
      // no training inside
      py('from sklearn.svm import SVC', 'for C in [1, 10]:', '    for g in [0.1, 1]:', '        configs.append(SVC(C=C, gamma=g))'),
      // torch module.train() is a mode switch, not training
      py('import torch', 'for a in [1, 2]:', '    for b in [3, 4]:', '        model.train()'),
      // a mutated list is not literal
      py('from sklearn.svm import SVC', 'Cs = [1, 10]', 'Cs.append(100)', 'for C in Cs:', '    for g in [0.1, 1]:', '        SVC(C=C, gamma=g).fit(X, y)'),
      // the loops are in different functions
      py('from sklearn.svm import SVC', 'for C in [1, 10]:', '    def inner():', '        for g in [0.1, 1]:', '            SVC(C=C, gamma=g).fit(X, y)'),
      // unknown list
      py('from sklearn.svm import SVC', 'for C in cfg.Cs:', '    for g in cfg.gammas:', '        SVC(C=C, gamma=g).fit(X, y)'),
      // no ML framework imported
      py('for C in [1, 10]:', '    for g in [0.1, 1]:', '        model.fit(C, g)'),
    ];
    for (const src of cases) assertNone(src, CODE);
  });

  it('ignores a local look-alike cross_val_score that does not train', () => {
    const src = py('import sklearn', 'def cross_val_score(a, b):', '    return a + b', 'for a in [1, 2]:', '    for b in [3, 4]:', '        cross_val_score(a, b)');
    assertNone(src, CODE);
  });

  it('reports each nest once', () => {
    const src = py(
      'from sklearn.svm import SVC',
      'for C in [1, 10]:',
      '    for g in [0.1, 1]:',
      '        m = SVC(C=C, gamma=g).fit(X, y)',
      '        for k in ["rbf", "poly"]:',
      '            SVC(C=C, gamma=g, kernel=k).fit(X, y)',
    );
    const found = findings(src, CODE);
    assert.equal(found.length, 1);
    assert.match(found[0].message, /2 × 2 × 2 = 8 combinations/);
  });
});
