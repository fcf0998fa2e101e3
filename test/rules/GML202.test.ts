import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GreenmlSettings } from '../../server/src/config/settings';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';
import { RULES } from '../../server/src/rules/registry';

useParser();

// Counting, names and fixes are tested with grid-search-min-fits = 1, so that small grids stay readable;
// the threshold itself has its own tests.
const ALL: GreenmlSettings = { gridSearchMinFits: 1 };

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
    `, { settings: ALL });
  });

  it('flags a loop over itertools.product of literal lists that trains a model per combination (book-style PyTorch grid)', () => {
    expectFindings(`
      import itertools
      import torch

      results = {}
      for lr, batch_size in itertools.product([0.1, 0.01, 0.001, 0.0001], [16, 32, 64, 128, 256]):
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: A loop over itertools.product of literal hyperparameter values trains a model for every combination (lr × batch_size: 4 × 5 = 20 combinations)
          model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
          optimizer = torch.optim.SGD(model.parameters(), lr=lr)
          loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
          for epoch in range(10):
              for x, y in loader:
                  optimizer.zero_grad()
                  loss = torch.nn.functional.cross_entropy(model(x), y)
                  loss.backward()
                  optimizer.step()
          results[(lr, batch_size)] = evaluate(model, val_loader)
    `);
    // Lists held in names, one tuple variable, a factor of one value, and a product inside another literal loop.
    expectFindings(`
      from itertools import product
      from sklearn.svm import SVC
      Cs = [0.1, 1, 10]
      for kernel in ["rbf", "poly"]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: (kernel × params[0] × params[2]: 2 × 3 × 2 = 12 combinations)
          for params in product(Cs, ["scale"], [1e-3, 1e-2]):
              SVC(kernel=kernel, C=params[0], gamma=params[1], tol=params[2]).fit(X, y)
    `, { settings: ALL });
  });

  it('leaves a product loop alone whose factors are not literal, that repeats one list, or that trains too few models', () => {
    for (const iterable of ['itertools.product(cfg.lrs, cfg.sizes)', 'itertools.product([0.1, 0.01], repeat=2)', 'itertools.product([0.1, 0.01], [16, 32])']) {
      expectNone('GML202', `
        import itertools
        from sklearn.linear_model import SGDClassifier
        for a, b in ${iterable}:
            SGDClassifier(alpha=a, batch=b).fit(X, y)
      `);
    }
  });

  it('points to Optuna and successive halving', () => {
    const [finding] = expectFindings(`
      from sklearn.svm import SVC
      for C in [0.1, 1, 10, 100]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202
          for gamma in (1e-3, 1e-2, 1e-1):
              SVC(C=C, gamma=gamma).fit(X_train, y_train)
    `, { settings: ALL });
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
    `, { settings: ALL });
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
    `, { settings: ALL });
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
    `, { settings: ALL });
  });

  it('knows xgb.train', () => {
    expectFindings(`
      import xgboost as xgb
      for eta in [0.1, 0.3]:
      ^^^^^^^^^^^^^^^^^^^^^ GML202
          for depth in [3, 6, 9]:
              xgb.train({"eta": eta, "max_depth": depth}, dtrain, 100)
    `, { settings: ALL });
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
    `, { settings: ALL });
  });

  it('resolves an aliased import of cross_val_score', () => {
    expectFindings(`
      from sklearn.model_selection import cross_val_score as cvs
      for a in [1, 2]:
      ^^^^^^^^^^^^^^^ GML202: 2 × 2 = 4 combinations, × 5 CV folds = 20 trainings
          for b in [3, 4]:
              cvs(make(a, b), X, y)
    `, { settings: ALL });
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
    `, { settings: ALL });
  });

  // ---- what it leaves alone ---------------------------------------------------------------------

  it('leaves epoch × batch loops over unknown iterables alone', () => {
    expectNone('GML202', `
      import torch
      for epoch in range(epochs):
          for x, y in loader:
              loss = model(x).sum()
              loss.backward()
    `, ALL);
  });

  it('leaves a literal loop around a DataLoader loop alone', () => {
    expectNone('GML202', `
      import torch
      for lr in [0.1, 0.01]:
          for x, y in loader:
              model(x).sum().backward()
    `, ALL);
  });

  it('leaves a single literal loop alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10, 100]:
          SVC(C=C).fit(X, y)
    `, ALL);
  });

  it('leaves a literal epoch counter whose variable is only printed alone', () => {
    expectNone('GML202', `
      from sklearn.linear_model import SGDClassifier
      for C in [1, 10]:
          for epoch in range(10):
              clf.partial_fit(X, y)
              print(f"epoch {epoch}")
              clf.fit(X, y)
    `, ALL);
  });

  it('leaves repeats written with `_` alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for _ in range(3):
          for C in [1, 10]:
              SVC(C=C).fit(X, y)
    `, ALL);
  });

  it('leaves nested loops that train nothing alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10]:
          for g in [0.1, 1]:
              configs.append(SVC(C=C, gamma=g))
    `, ALL);
  });

  it('leaves torch model.train(), a mode switch, alone', () => {
    expectNone('GML202', `
      import torch
      for a in [1, 2]:
          for b in [3, 4]:
              model.train()
    `, ALL);
  });

  it('leaves a list that is appended to alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      Cs = [1, 10]
      Cs.append(100)
      for C in Cs:
          for g in [0.1, 1]:
              SVC(C=C, gamma=g).fit(X, y)
    `, ALL);
  });

  // ---- the loops of one training run, and repeats --------------------------------------------------

  it('leaves an epoch loop around a train/val phase loop alone: one training run, not a search', () => {
    expectNone('GML202', `
      import torch
      from torch import nn
      NUM_EPOCH = 40
      for epoch in range(NUM_EPOCH):
          for phase in ["train", "val"]:
              model.train() if phase == "train" else model.eval()
              for x, y in dls[phase]:
                  with torch.set_grad_enabled(phase == "train"):
                      loss = nn.functional.mse_loss(model(x), y)
                      if phase == "train":
                          loss.backward()
                          opt.step()
                          opt.zero_grad()
                          if epoch > 30:
                              sched.step()
    `, ALL);
  });

  it('leaves an epoch loop that hands its epoch on, and the step loop inside it, alone', () => {
    expectNone('GML202', `
      import torch
      for epoch in range(90):
          for i in range(100):
              x, y = next(batches)
              loss = model(x).sum()
              loss.backward()
              opt.step()
              sched.step(epoch + i / 100)
    `, ALL);
  });

  it('leaves a phase loop over split names alone, whatever the loop variable is called', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10, 100]:
          for split in ("train", "test"):
              SVC(C=C).fit(X[split], y[split])
    `, ALL);
  });

  it('counts the search loops outside an epoch loop, not the epoch and phase loops of each run', () => {
    expectFindings(`
      import torch
      for lr in [1e-4, 3e-4, 1e-3]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: (lr × wd: 3 × 2 = 6 combinations)
          for wd in [0.0, 0.01]:
              model = Net()
              opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
              for epoch in range(10):
                  for phase in ["train", "val"]:
                      for x, y in loaders[phase]:
                          loss = model(x).sum()
                          if phase == "train":
                              loss.backward()
                              opt.step()
                      log(epoch, phase)
    `, { settings: ALL });
  });

  it('counts a fold or seed loop as repeats of each combination, not as a dimension', () => {
    expectFindings(`
      from sklearn.svm import SVC
      for C in [1, 10]:
      ^^^^^^^^^^^^^^^^ GML202: (C × gamma: 2 × 2 = 4 combinations, each run 5 times (fold) = 20 trainings)
          for gamma in [0.1, 1]:
              for fold in range(5):
                  SVC(C=C, gamma=gamma).fit(X[folds != fold], y[folds != fold])
    `, { settings: ALL });
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10, 100, 1000]:
          for seed in range(10):
              SVC(C=C, random_state=seed).fit(X, y)
    `, ALL);
  });

  it('leaves loops in different functions alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in [1, 10]:
          def inner():
              for g in [0.1, 1]:
                  SVC(C=C, gamma=g).fit(X, y)
    `, ALL);
  });

  it('leaves loops over lists it cannot see alone', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      for C in cfg.Cs:
          for g in cfg.gammas:
              SVC(C=C, gamma=g).fit(X, y)
    `, ALL);
  });

  it('leaves a file without an ML framework import alone', () => {
    expectNone('GML202', `
      for C in [1, 10]:
          for g in [0.1, 1]:
              model.fit(C, g)
    `, ALL);
  });

  it('leaves a local look-alike cross_val_score that does not train alone', () => {
    expectNone('GML202', `
      import sklearn
      def cross_val_score(a, b):
          return a + b
      for a in [1, 2]:
          for b in [3, 4]:
              cross_val_score(a, b)
    `, ALL);
  });

  // ---- grid-search-min-fits ---------------------------------------------------------------------

  it('stays quiet below grid-search-min-fits: a 3 × 3 loop that fits nine SVCs to draw their boundaries', () => {
    expectNone('GML202', `
      from sklearn.svm import SVC
      C_2d_range = [1e-2, 1, 1e2]
      gamma_2d_range = [1e-1, 1, 1e1]
      classifiers = []
      for C in C_2d_range:
          for gamma in gamma_2d_range:
              clf = SVC(C=C, gamma=gamma)
              clf.fit(X_2d, y_2d)
              classifiers.append((C, gamma, clf))
    `);
  });

  it('counts the folds against the threshold: 3 × 3 combinations × 5 folds = 45 trainings is reported', () => {
    expectFindings(`
      from sklearn.model_selection import cross_val_score
      from sklearn.svm import SVC
      for C in [0.1, 1, 10]:
      ^^^^^^^^^^^^^^^^^^^^^ GML202: = 45 trainings
          for gamma in [0.01, 0.1, 1]:
              scores = cross_val_score(SVC(C=C, gamma=gamma), X, y, cv=5)
    `);
  });

  // ---- the team's own training function, imported from a local module ----------------------------

  it('flags nested loops that hand a config to train_and_evaluate imported from a local module', () => {
    expectFindings(`
      import torch
      from train import train_and_evaluate

      results = {}
      for lr in [1e-4, 3e-4, 1e-3, 3e-3]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: lr × batch_size × dropout: 4 × 3 × 2 = 24 combinations
          for batch_size in [32, 64, 128]:
              for dropout in [0.1, 0.3]:
                  cfg = {"lr": lr, "batch_size": batch_size, "dropout": dropout, "epochs": 20}
                  results[(lr, batch_size, dropout)] = train_and_evaluate(cfg)
    `);
  });

  it('flags a relative import of fit_model called with the loop variables', () => {
    expectFindings(`
      import xgboost
      from .experiment import fit_model

      for depth in [3, 5, 7, 9]:
      ^^^^^^^^^^^^^^^^^^^^^^^^^ GML202: 20 combinations
          for eta in [0.01, 0.03, 0.1, 0.3, 1.0]:
              fit_model(X, y, max_depth=depth, learning_rate=eta)
    `);
  });

  it('leaves a local-module function alone when its name does not say it trains, or it is not given the loop values', () => {
    expectNone('GML202', `
      import torch
      from utils import make_report, train_and_evaluate, load_train_data

      for lr in [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]:
          for batch_size in [16, 32, 64, 128, 256]:
              make_report(lr, batch_size)
              load_train_data(batch_size, lr)
              train_and_evaluate(default_config)
    `, ALL);
  });

  it('leaves library functions with training-like names alone (train_test_split)', () => {
    expectNone('GML202', `
      import torch
      from sklearn.model_selection import train_test_split

      for seed in [0, 1, 2, 3, 4]:
          for size in [0.1, 0.2, 0.3, 0.4, 0.5]:
              parts = train_test_split(X, y, test_size=size, random_state=seed)
    `, ALL);
  });
});
