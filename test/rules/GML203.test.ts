import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML203 optuna-no-pruning', () => {
  it('flags a PyTorch epoch loop in an objective that never reports', () => {
    const [finding] = expectFindings(`
      import optuna
      import torch

      def objective(trial):
          model = define_model(trial)
          optimizer = torch.optim.Adam(model.parameters(), lr=trial.suggest_float("lr", 1e-5, 1e-1, log=True))
          for epoch in range(EPOCHS):
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203: trains in a loop but never reports to the pruner
              model.train()
              for data, target in train_loader:
                  optimizer.zero_grad()
                  loss = torch.nn.functional.nll_loss(model(data), target)
                  loss.backward()
                  optimizer.step()
              accuracy = evaluate(model)
          return accuracy

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=100)
    `);
    assert.equal(finding.severity, 'warning');
  });

  it('flags an epoch loop of partial_fit, and reports a trial that reports but never asks should_prune', () => {
    expectFindings(`
      import optuna
      from sklearn.linear_model import SGDClassifier

      def objective(trial):
          clf = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-5, 1e-1, log=True))
          for step in range(100):
      #   ^^^^^^^^^^^^^^^^^^^^^^ GML203: reports to the pruner but never asks \`trial.should_prune()\`
              clf.partial_fit(X_train, y_train, classes=classes)
              trial.report(clf.score(X_valid, y_valid), step)
          return clf.score(X_valid, y_valid)

      optuna.create_study().optimize(objective, n_trials=20)
    `);
  });

  it('flags Keras fit with several epochs, with the epoch count from a constant', () => {
    expectFindings(`
      import optuna
      from tensorflow.keras.models import Sequential
      from tensorflow.keras.layers import Dense

      EPOCHS = 10

      def objective(trial):
          model = Sequential()
          model.add(Dense(trial.suggest_int("units", 16, 256), activation="relu"))
          model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
          model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=EPOCHS, verbose=False)
      #   ^^^^^^^^^ GML203: 10 Keras epochs
          return model.evaluate(x_valid, y_valid, verbose=0)[1]

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=100, timeout=600)
    `);
  });

  it('flags LightGBM boosting with the default 100 rounds', () => {
    expectFindings(`
      import lightgbm as lgb
      import optuna

      def objective(trial):
          param = {"objective": "binary", "num_leaves": trial.suggest_int("num_leaves", 2, 256)}
          gbm = lgb.train(param, dtrain)
      #         ^^^^^^^^^ GML203: 100 LightGBM boosting rounds
          return accuracy_score(valid_y, np.rint(gbm.predict(valid_x)))

      if __name__ == "__main__":
          study = optuna.create_study(direction="maximize")
          study.optimize(objective, n_trials=100)
    `);
  });

  it('reads a CatBoost estimator\'s budget through **params of a literal dict (the default 1000 iterations)', () => {
    expectFindings(`
      import catboost as cb
      import optuna

      def objective(trial):
          param = {
              "depth": trial.suggest_int("depth", 1, 12),
              "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3),
          }
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y, eval_set=[(valid_x, valid_y)], verbose=0)
      #   ^^^^^^^ GML203: 1000 boosting rounds
          return clf.score(valid_x, valid_y)

      def objective_keys(trial):
          param = {"bootstrap_type": trial.suggest_categorical("bootstrap_type", ["Bayesian", "Bernoulli"])}
          if param["bootstrap_type"] == "Bayesian":
              param["bagging_temperature"] = trial.suggest_float("bagging_temperature", 0, 10)
          else:
              param["subsample"] = trial.suggest_float("subsample", 0.1, 1)
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y, eval_set=[(valid_x, valid_y)], verbose=0)
      #   ^^^^^^^ GML203: 1000 boosting rounds
          return clf.score(valid_x, valid_y)

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=100)
      study.optimize(objective_keys, n_trials=100)
    `);
  });

  it('leaves CatBoost **params with a short budget, or params that are not a literal dict, alone', () => {
    expectNone('GML203', `
      import catboost as cb
      import optuna

      def short(trial):
          param = {"depth": trial.suggest_int("depth", 1, 12), "iterations": 10}
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y)
          return clf.score(valid_x, valid_y)

      def suggested(trial):
          param = {"iterations": trial.suggest_int("iterations", 100, 1000)}
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y)
          return clf.score(valid_x, valid_y)

      def loaded(trial):
          param = load_params(trial)
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y)
          return clf.score(valid_x, valid_y)

      def budget_key(trial):
          param = {"depth": trial.suggest_int("depth", 1, 12)}
          if fast:
              param["iterations"] = 10
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y)
          return clf.score(valid_x, valid_y)

      def key_from_name(trial):
          param = {"depth": trial.suggest_int("depth", 1, 12)}
          param[budget_name] = 10
          clf = cb.CatBoostClassifier(**param)
          clf.fit(train_x, train_y)
          return clf.score(valid_x, valid_y)

      study = optuna.create_study(direction="maximize")
      study.optimize(budget_key, n_trials=100)
      study.optimize(key_from_name, n_trials=100)
      study.optimize(short, n_trials=100)
      study.optimize(suggested, n_trials=100)
      study.optimize(loaded, n_trials=100)
    `);
  });

  it('follows a lambda, functools.partial and a class with __call__ to the objective', () => {
    expectFindings(`
      import functools
      import optuna as op

      def train_eval(trial, X, y):
          net = make_net(trial)
          for epoch in range(20):
      #   ^^^^^^^^^^^^^^^^^^^^^^ GML203
              for xb, yb in batches(X, y):
                  opt.zero_grad()
                  loss_fn(net(xb), yb).backward()
                  opt.step()
              score = validate(net)
          return score

      study = op.create_study()
      study.optimize(lambda trial: train_eval(trial, X, y), n_trials=30)
      study.optimize(functools.partial(train_eval, X=X, y=y), n_trials=30)
    `);
    expectFindings(`
      import optuna

      class Objective:
          def __init__(self, data):
              self.data = data

          def __call__(self, trial):
              clf = SGDRegressor()
              for epoch in range(30):
      #       ^^^^^^^^^^^^^^^^^^^^^^ GML203
                  clf.partial_fit(*self.data)
              return clf.score(*self.data)

      optuna.create_study().optimize(Objective(data), n_trials=10)
    `);
  });

  it('follows a training function of the file that the objective calls', () => {
    expectFindings(`
      import optuna

      def fit_model(model, loader, optimizer, epochs):
          for epoch in range(epochs):
              for x, y in loader:
                  optimizer.zero_grad()
                  criterion(model(x), y).backward()
                  optimizer.step()

      def objective(trial):
          model = build(trial)
          fit_model(model, loader, optimizer, 30)
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203
          return evaluate(model)

      optuna.create_study().optimize(objective, n_trials=50)
    `);
  });

  it('leaves an objective that reports and prunes alone', () => {
    expectNone('GML203', `
      import optuna

      def objective(trial):
          for epoch in range(EPOCHS):
              train_one_epoch(model, optimizer)
              accuracy = evaluate(model)
              trial.report(accuracy, epoch)
              if trial.should_prune():
                  raise optuna.exceptions.TrialPruned()
          return accuracy

      optuna.create_study(direction="maximize").optimize(objective, n_trials=100)
    `);
  });

  it('leaves an objective that hands the trial to a pruning callback or a helper from elsewhere alone', () => {
    expectNone('GML203', `
      import optuna
      import xgboost as xgb
      from tensorflow import keras
      from optuna_integration import TFKerasPruningCallback, PyTorchLightningPruningCallback
      import lightning.pytorch as pl

      def objective(trial):
          bst = xgb.train(param, dtrain, num_boost_round=500, evals=[(dvalid, "validation")],
                          callbacks=[optuna.integration.XGBoostPruningCallback(trial, "validation-auc")])
          model = keras.Sequential([keras.layers.Dense(64)])
          model.fit(x, y, epochs=20, callbacks=[TFKerasPruningCallback(trial, "val_loss")])
          return score(bst, model)

      def objective2(trial):
          return training_library.run(trial, epochs=50)

      def objective3(trial):
          model = LitNet(trial.suggest_int("width", 32, 256))
          trainer = pl.Trainer(max_epochs=30, callbacks=[PyTorchLightningPruningCallback(trial, monitor="val_acc")])
          trainer.fit(model, datamodule=datamodule)
          return trainer.callback_metrics["val_acc"].item()

      study = optuna.create_study(pruner=optuna.pruners.MedianPruner())
      study.optimize(objective, n_trials=100)
      study.optimize(objective2, n_trials=100)
      study.optimize(objective3, n_trials=100)
    `);
  });

  it('leaves objectives that train once, and unknown counts, alone', () => {
    expectNone('GML203', `
      import optuna
      import lightgbm as lgb
      from sklearn.model_selection import cross_val_score

      def objective(trial):
          clf = SVC(C=trial.suggest_float("C", 1e-10, 1e10, log=True))
          return cross_val_score(clf, X, y, cv=3).mean()

      def boosted(trial):
          booster = lgb.train(params, dtrain, num_boost_round=args.rounds)
          short = lgb.train(params, dtrain, num_boost_round=10)
          model.fit(x, y, epochs=args.epochs)
          return booster.best_score

      def one_epoch(trial):
          for epoch in range(1):
              train(model)
          return 0.0

      study = optuna.create_study()
      study.optimize(objective, n_trials=100)
      study.optimize(boosted, n_trials=100)
      study.optimize(one_epoch, n_trials=100)
    `);
  });

  it('follows the epoch count into a training function: a constant it reads, or a count passed to it', () => {
    expectFindings(`
      import optuna
      import torch

      EPOCHS = 20

      def train(model, optimizer, epochs):
          for epoch in range(epochs):
              for images, labels in train_loader:
                  optimizer.zero_grad()
                  torch.nn.functional.cross_entropy(model(images), labels).backward()
                  optimizer.step()

      def train_constant(model, optimizer):
          for epoch in range(EPOCHS):
              for images, labels in train_loader:
                  optimizer.zero_grad()
                  torch.nn.functional.cross_entropy(model(images), labels).backward()
                  optimizer.step()

      def learn(model, optimizer, dataset):
          for images, labels in dataset:
              optimizer.zero_grad()
              torch.nn.functional.cross_entropy(model(images), labels).backward()
              optimizer.step()

      def objective(trial):
          model, optimizer = build(trial)
          train(model, optimizer, epochs=EPOCHS)
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203
          return evaluate(model)

      def objective_constant(trial):
          model, optimizer = build(trial)
          train_constant(model, optimizer)
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203
          return evaluate(model)

      def objective_loop(trial):
          model, optimizer = build(trial)
          for _ in range(EPOCHS):
      #   ^^^^^^^^^^^^^^^^^^^^^^ GML203
              learn(model, optimizer, train_loader)
          return evaluate(model)

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=50)
      study.optimize(objective_constant, n_trials=50)
      study.optimize(objective_loop, n_trials=50)
    `);
  });

  it('leaves an objective that trains one epoch through a training function alone', () => {
    expectNone('GML203', `
      import optuna
      import tensorflow as tf

      EPOCHS = 1

      def learn(model, optimizer, dataset):
          for images, labels in dataset:
              with tf.GradientTape() as tape:
                  loss = loss_fn(labels, model(images, training=True))
              grads = tape.gradient(loss, model.trainable_variables)
              optimizer.apply_gradients(zip(grads, model.trainable_variables))

      def fit_epochs(model, optimizer, dataset, epochs):
          for epoch in range(epochs):
              learn(model, optimizer, dataset)

      def fit_constant(model, optimizer, dataset):
          for epoch in range(EPOCHS):
              learn(model, optimizer, dataset)

      def objective(trial):
          model, optimizer = build(trial)
          for _ in range(EPOCHS):
              learn(model, optimizer, train_ds)
          return accuracy(model, valid_ds)

      def objective_passed(trial):
          model, optimizer = build(trial)
          fit_epochs(model, optimizer, train_ds, epochs=EPOCHS)
          return accuracy(model, valid_ds)

      def objective_constant(trial):
          model, optimizer = build(trial)
          fit_constant(model, optimizer, train_ds)
          return accuracy(model, valid_ds)

      def objective_one_pass(trial):
          model, optimizer = build(trial)
          learn(model, optimizer, train_ds)
          return accuracy(model, valid_ds)

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=50)
      study.optimize(objective_passed, n_trials=50)
      study.optimize(objective_constant, n_trials=50)
      study.optimize(objective_one_pass, n_trials=50)
    `);
  });

  it('still flags a training function whose epoch count is unknown, or a once-run loop around a function with its own epochs', () => {
    expectFindings(`
      import optuna
      import torch

      def fit_epochs(model, optimizer, epochs):
          for epoch in range(epochs):
              for images, labels in train_loader:
                  optimizer.zero_grad()
                  torch.nn.functional.cross_entropy(model(images), labels).backward()
                  optimizer.step()

      def objective(trial):
          model, optimizer = build(trial)
          fit_epochs(model, optimizer, epochs=args.epochs)
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203
          return evaluate(model)

      def objective_once(trial):
          model, optimizer = build(trial)
          for _ in range(1):
              fit_epochs(model, optimizer, 30)
      #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML203
          return evaluate(model)

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=50)
      study.optimize(objective_once, n_trials=50)
    `);
  });

  it('leaves multi-objective studies and the NopPruner alone', () => {
    expectNone('GML203', `
      import optuna
      from sklearn.linear_model import SGDClassifier

      def objective(trial):
          clf = SGDClassifier()
          for epoch in range(50):
              clf.partial_fit(X, y, classes=[0, 1])
          return clf.score(X_valid, y_valid), flops(clf)

      optuna.create_study(directions=["maximize", "minimize"]).optimize(objective, n_trials=50)
      optuna.create_study(pruner=optuna.pruners.NopPruner()).optimize(objective, n_trials=50)
    `);
  });

  it('leaves a look-alike optimize (scipy, a local study class) alone', () => {
    expectNone('GML203', `
      import optuna
      from scipy import optimize

      class Study:
          def optimize(self, fn, n_trials):
              return fn(None)

      def objective(params):
          for epoch in range(50):
              clf.partial_fit(X, y)
          return clf.score(X, y)

      Study().optimize(objective, n_trials=10)
      optimize.minimize(objective, x0)
    `);
  });

  it('fix: reports the returned metric after the loop computes it, and prunes', () => {
    expectFix(
      'GML203',
      `
      import optuna

      def objective(trial):
          clf = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True))
          for epoch in range(40):
              clf.partial_fit(X_train, y_train, classes=classes)
              accuracy = clf.score(X_valid, y_valid)
              history.append(accuracy)
          return accuracy

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=40)
      `,
      `
      import optuna

      def objective(trial):
          clf = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True))
          for epoch in range(40):
              clf.partial_fit(X_train, y_train, classes=classes)
              accuracy = clf.score(X_valid, y_valid)
              trial.report(accuracy, epoch)
              if trial.should_prune():
                  raise optuna.TrialPruned()
              history.append(accuracy)
          return accuracy

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=40)
      `,
    );
  });

  it('fix: keeps two-space indentation, a renamed trial, and imports optuna when only names were imported', () => {
    expectFix(
      'GML203',
      `
      from optuna import create_study

      def objective(t):
        model = build(t)
        for ep in range(10):
          for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
          val_loss = validate(model)
        return val_loss

      create_study().optimize(objective, n_trials=10)
      `,
      `
      from optuna import create_study
      import optuna

      def objective(t):
        model = build(t)
        for ep in range(10):
          for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
          val_loss = validate(model)
          t.report(val_loss, ep)
          if t.should_prune():
            raise optuna.TrialPruned()
        return val_loss

      create_study().optimize(objective, n_trials=10)
      `,
    );
  });

  it('offers no fix when the objective does not return a name computed in the loop', () => {
    const [finding] = expectFindings(`
      import optuna

      def objective(trial):
          for epoch in range(40):
      #   ^^^^^^^^^^^^^^^^^^^^^^ GML203
              clf.partial_fit(X, y)
          return 1.0 - clf.score(X_valid, y_valid)

      optuna.create_study().optimize(objective, n_trials=40)
    `);
    assert.equal(finding.fixes.length, 0);
  });

  it('the evidence workload, fixed, is the measured after.py and still runs with Debian optuna', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const before = fs.readFileSync(path.join(root, 'bench', 'evidence', 'GML203', 'before.py'), 'utf8');
    const after = fs.readFileSync(path.join(root, 'bench', 'evidence', 'GML203', 'after.py'), 'utf8');
    const fixed = applyFix(before, assertOne(before, 'GML203'));
    assert.deepEqual(findings(fixed, 'GML203'), []);
    const body = (text: string) => text.slice(text.indexOf('def objective'), text.indexOf('study = '));
    assert.equal(body(fixed), body(after));
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import optuna, sklearn'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import optuna: run \`apt-get install -y python3-optuna\` (CI installs it).\n${probe.stderr ?? ''}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml203-'));
    try {
      // A shorter study than the measured one: 8 trials of 10 epochs on fewer samples.
      const small = fixed.replace('n_samples=20000', 'n_samples=2000').replace('EPOCHS = 40', 'EPOCHS = 10').replace('n_trials=40', 'n_trials=8');
      fs.writeFileSync(path.join(dir, 'search.py'), small);
      const run = spawnSync(python, ['search.py'], { encoding: 'utf8', cwd: dir, timeout: 240_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
      assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
      assert.match(run.stdout, /best accuracy/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flags the objective of a Kaggle-style notebook (XGBoost, 1000 rounds) in its cell', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const cli = path.join(root, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) assert.equal(spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root }).status, 0);
    const notebook = path.join(root, 'test', 'fixtures', 'notebooks', 'optuna_xgboost_tuning.ipynb');
    const run = spawnSync(process.execPath, [cli, 'check', '--no-config', '--select', 'GML203', '--format', 'json', notebook], { encoding: 'utf8' });
    const found = JSON.parse(run.stdout) as Array<{ cell: number; line: number; code: string; message: string }>;
    assert.deepEqual(found.map((f) => [f.code, f.cell, f.line]), [['GML203', 4, 9]]);
    assert.match(found[0].message, /1000 boosting rounds/);
  });
});
