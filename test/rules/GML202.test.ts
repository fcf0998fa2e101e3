import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';
import { RULES } from '../../server/src/rules/registry';

useParser();

describe('GML202 nested-loop-search', () => {
  it('flags the outer loop header of nested literal hyperparameter loops that fit, with the number of trainings', () => {
    expectFindings(`
      from sklearn.svm import SVC
      best = None
      for C in [0.1, 1, 10, 100]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: (C × gamma: 4 × 3 = 12 combinations)
          for gamma in (1e-3, 1e-2, 1e-1):
              clf = SVC(C=C, gamma=gamma)
              clf.fit(X_train, y_train)
              score = clf.score(X_val, y_val)
    `);
  });

  it('points to Optuna and successive halving', () => {
    const [finding] = expectFindings(`
      from sklearn.svm import SVC
      for C in [0.1, 1, 10, 100]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202
          for gamma in (1e-3, 1e-2, 1e-1):
              SVC(C=C, gamma=gamma).fit(X_train, y_train)
    `);
    assert.match(finding.message, /Optuna/);
    assert.match(finding.message, /HalvingGridSearchCV/);
  });

  it('offers no fix, as its metadata declares', () => {
    const [finding] = expectFindings(`
      from sklearn.svm import SVC
      for C in [0.1, 1, 10, 100]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202
          for gamma in (1e-3, 1e-2, 1e-1):
              SVC(C=C, gamma=gamma).fit(X_train, y_train)
    `);
    assert.deepEqual(finding.fixes, []);
    assert.equal(RULES.find((r) => r.code === 'GML202')?.fixSafety, 'none');
  });

  it('counts three levels, a range, a name assigned once, and the folds of cross_val_score', () => {
    expectFindings(`
      from sklearn.model_selection import cross_val_score
      from sklearn.ensemble import RandomForestClassifier
      DEPTHS = [4, 8, None]
      def search(X, y):
          for n in range(100, 501, 200):
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: n × depth × leaf: 3 × 3 × 2 = 18 combinations, × 4 CV folds = 72 trainings
              for depth in DEPTHS:
                  for leaf in [1, 5]:
                      rf = RandomForestClassifier(n_estimators=n, max_depth=depth, min_samples_leaf=leaf)
                      s = cross_val_score(rf, X, y, cv=4).mean()
    `);
  });

  it('follows a same-file function that trains', () => {
    expectFindings(`
      import torch
      def run(lr, wd):
          model = Net()
          opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
          for x, y in loader:
              loss = loss_fn(model(x), y)
              loss.backward()
              opt.step()
          return model
      for lr in [1e-4, 3e-4, 1e-3]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: 3 × 2 = 6 combinations
          for wd in [0.0, 0.01]:
              run(lr, wd)
    `);
  });

  it('knows xgb.train', () => {
    expectFindings(`
      import xgboost as xgb
      for eta in [0.1, 0.3]:
      ^^^^^^^^^^^^^^^^^^^^^ GML202
          for depth in [3, 6, 9]:
              xgb.train({"eta": eta, "max_depth": depth}, dtrain, 100)
    `);
  });

  it('knows the Hugging Face Trainer', () => {
    expectFindings(`
      from transformers import Trainer, TrainingArguments
      for lr in [1e-5, 3e-5]:
      ^^^^^^^^^^^^^^^^^^^^^^ GML202
          for bs in [16, 32]:
              args = TrainingArguments("out", learning_rate=lr, per_device_train_batch_size=bs, bf16=True)
              trainer = Trainer(model=model, args=args, train_dataset=ds)
              trainer.train()
    `);
  });

  it('resolves an aliased import of cross_val_score', () => {
    expectFindings(`
      from sklearn.model_selection import cross_val_score as cvs
      for a in [1, 2]:
      ^^^^^^^^^^^^^^^ GML202: 2 × 2 = 4 combinations, × 5 CV folds = 20 trainings
          for b in [3, 4]:
              cvs(make(a, b), X, y)
    `);
  });

  it('reports a nest once, counting its deepest training call', () => {
    expectFindings(`
      from sklearn.svm import SVC
      for C in [1, 10]:
      ^^^^^^^^^^^^^^^^ GML202: 2 × 2 × 2 = 8 combinations
          for g in [0.1, 1]:
              m = SVC(C=C, gamma=g).fit(X, y)
              for k in ["rbf", "poly"]:
                  SVC(C=C, gamma=g, kernel=k).fit(X, y)
    `);
  });

  // ---- what it leaves alone ---------------------------------------------------------------------

  it('leaves epoch × batch loops over unknown iterables alone', () => {
    expectNone('GML202', `
      import torch
      for epoch in range(epochs):
          for x, y in loader:
              loss = model(x).sum()
              loss.backward()
    `);
  });

  it('leaves a literal loop around a DataLoader loop alone', () => {
    expectNone('GML202', `
      import torch
      for lr in [0.1, 0.01]:
          for x, y in loader:
              model(x).sum().backward()
    `);
  });

  it('leaves a single literal loop alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10, 100]:
          SVC(C=C).fit(X, y)
    `);
  });

  it('leaves a literal epoch counter whose variable is only printed alone', () => {
    expectNone('GML202', `
      from sklearn.linear_model import SGDClassifier
      for C in [1, 10]:
          for epoch in range(10):
              clf.partial_fit(X, y)
              print(f"epoch {epoch}")
              clf.fit(X, y)
    `);
  });

  it('leaves repeats written with `_` alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for _ in range(3):
          for C in [1, 10]:
              SVC(C=C).fit(X, y)
    `);
  });

  it('leaves nested loops that train nothing alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10]:
          for g in [0.1, 1]:
              configs.append(SVC(C=C, gamma=g))
    `);
  });

  it('leaves torch model.train(), a mode switch, alone', () => {
    expectNone('GML202', `
      import torch
      for a in [1, 2]:
          for b in [3, 4]:
              model.train()
    `);
  });

  it('leaves a list that is appended to alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      Cs = [1, 10]
      Cs.append(100)
      for C in Cs:
          for g in [0.1, 1]:
              SVC(C=C, gamma=g).fit(X, y)
    `);
  });

  it('leaves loops in different functions alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10]:
          def inner():
              for g in [0.1, 1]:
                  SVC(C=C, gamma=g).fit(X, y)
    `);
  });

  it('leaves loops over lists it cannot see alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in cfg.Cs:
          for g in cfg.gammas:
              SVC(C=C, gamma=g).fit(X, y)
    `);
  });

  it('leaves a file without an ML framework import alone', () => {
    expectNone('GML202', `
      for C in [1, 10]:
          for g in [0.1, 1]:
              model.fit(C, g)
    `);
  });

  it('leaves a local look-alike cross_val_score that does not train alone', () => {
    expectNone('GML202', `
      import sklearn
      def cross_val_score(a, b):
          return a + b
      for a in [1, 2]:
          for b in [3, 4]:
              cross_val_score(a, b)
    `);
  });
});
