import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

describe('GML304 csv-training-data', () => {
  it('flags the training CSV re-read in every Optuna trial, as information with no fix', () => {
    const [finding] = expectFindings(`
      import optuna
      import pandas as pd
      from sklearn.ensemble import RandomForestClassifier
      from sklearn.model_selection import cross_val_score

      def objective(trial):
          df = pd.read_csv("train.csv")
      #        ^^^^^^^^^^^ GML304: in every Optuna trial (objective() is the objective)
          X, y = df.drop(columns="target"), df["target"]
          clf = RandomForestClassifier(n_estimators=trial.suggest_int("n_estimators", 50, 500))
          return cross_val_score(clf.fit(X, y), X, y, cv=3).mean()

      study = optuna.create_study(direction="maximize")
      study.optimize(objective, n_trials=100)
    `);
    assert.equal(finding.severity, 'information');
    assert.deepEqual(finding.fixes, []);
  });

  it('flags an objective given through a lambda, with the path from a module constant', () => {
    expectFindings(`
      import optuna
      from pandas import read_csv as load
      import lightgbm as lgb

      TRAIN = "data/train.csv"

      def objective(trial, rounds):
          data = load(TRAIN, usecols=["f1", "f2", "label"])
      #          ^^^^ GML304: Optuna trial
          booster = lgb.train({"num_leaves": trial.suggest_int("num_leaves", 8, 256)}, lgb.Dataset(data[["f1", "f2"]], data.label), rounds)
          return booster.best_score["training"]["l2"]

      study = optuna.create_study()
      study.optimize(lambda trial: objective(trial, 100), n_trials=50)
    `);
  });

  it('flags a CSV re-read on every iteration of a fold or epoch loop that trains', () => {
    expectFindings(`
      import os
      import argparse
      import pandas as pd
      import xgboost as xgb

      args = argparse.ArgumentParser().parse_args()
      for fold in range(5):
          train = pd.read_csv(os.path.join(args.data_dir, "train.csv"))
      #           ^^^^^^^^^^^ GML304: every iteration of the training loop at line 7
          valid = train[train.fold == fold]
          model = xgb.XGBClassifier(n_estimators=200).fit(train.drop(columns="y"), train.y)
    `);
  });

  it('flags a loader function called from an epoch loop that trains on what it returns', () => {
    expectFindings(`
      import pandas as pd
      import torch

      def train_epoch(model, optimizer):
          frame = pd.read_table("ratings.tsv")
      #           ^^^^^^^^^^^^^ GML304: every iteration of the loop at line 12 that calls train_epoch()
          x = torch.tensor(frame[["user", "item"]].values)
          loss = model(x).mean()
          optimizer.zero_grad()
          loss.backward()
          optimizer.step()

      for epoch in range(20):
          train_epoch(model, optimizer)
    `);
  });

  it('flags a large literal nrows and a chunked read in a training script, as hints', () => {
    const found = expectFindings(`
      import pandas as pd
      from sklearn.linear_model import SGDRegressor

      taxi = pd.read_csv("train.csv", nrows=5_000_000, parse_dates=["pickup_datetime"])
      #      ^^^^^^^^^^^ GML304: parses 5,000,000 rows of CSV text on every run
      sgd = SGDRegressor()
      for chunk in pd.read_csv("clicks.csv", chunksize=1_000_000):
      #            ^^^^^^^^^^^ GML304: chunksize=1,000,000
          sgd.partial_fit(chunk.drop(columns="clicked"), chunk.clicked)
      sgd.fit(taxi.drop(columns="fare_amount"), taxi.fare_amount)
    `);
    assert.deepEqual(
      found.map((f) => f.severity),
      ['hint', 'hint'],
    );
  });

  it('leaves a CSV read once with no visible size alone (the extension says nothing about size)', () => {
    expectNone('GML304', `
      import pandas as pd
      from sklearn.ensemble import RandomForestRegressor
      housing = pd.read_csv("datasets/housing/housing.csv")
      sample = pd.read_csv("train.csv", nrows=10_000)
      RandomForestRegressor().fit(housing.drop(columns="median_house_value"), housing.median_house_value)
    `);
  });

  it('leaves reads whose file changes each time alone: a loop variable, a parameter, a value the loop builds', () => {
    expectNone('GML304', `
      import pandas as pd
      from sklearn.linear_model import SGDClassifier
      clf = SGDClassifier()
      for path in sorted(shards):
          part = pd.read_csv(path)
          clf.partial_fit(part.drop(columns="y"), part.y, classes=[0, 1])
      for day in range(30):
          frame = pd.read_csv(f"logs/{day}.csv")
          clf.partial_fit(frame.drop(columns="y"), frame.y)

      def fit_on(csv_path):
          data = pd.read_csv(csv_path)
          clf.fit(data.drop(columns="y"), data.y)

      for name in names:
          fit_on(name)
    `);
  });

  it('leaves a re-read in a loop that trains nothing alone (polling a file that changes)', () => {
    expectNone('GML304', `
      import time
      import pandas as pd
      while True:
          status = pd.read_csv("queue.csv")
          print(status.tail())
          time.sleep(60)
    `);
  });

  it('leaves a large read in a script that trains nothing alone, and a non-literal nrows', () => {
    expectNone('GML304', `
      import pandas as pd
      events = pd.read_csv("events.csv", nrows=20_000_000)
      events.groupby("user").size().to_csv("counts.csv")
    `);
    expectNone('GML304', `
      import pandas as pd
      from sklearn.linear_model import LinearRegression
      df = pd.read_csv("train.csv", nrows=args.rows)
      LinearRegression().fit(df[["x"]], df.y)
    `);
  });

  it('leaves Parquet and look-alike readers alone', () => {
    expectNone('GML304', `
      import pandas as pd
      from sklearn.linear_model import LinearRegression

      def read_csv(path, nrows=None):
          return pd.read_parquet(path.replace(".csv", ".parquet"))

      for epoch in range(10):
          df = pd.read_parquet("train.parquet")
          other = read_csv("train.csv", nrows=5_000_000)
          LinearRegression().fit(df[["x"]], df.y)
    `);
  });
});
