import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML402 model-reload-in-loop', () => {
  it('flags a pretrained model and tokenizer loaded for every text', () => {
    const [tokenizer, model] = expectFindings(`
      import torch
      from transformers import AutoModelForSequenceClassification, AutoTokenizer

      for text in texts:
          tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML402: what it loads is read and built again
          model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
      #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML402: the model is read and built again
          with torch.inference_mode():
              print(model(**tokenizer(text, return_tensors="pt")).logits.argmax(-1))
    `);
    assert.equal(tokenizer.severity, 'information');
    assert.equal(model.severity, 'warning');
  });

  it('flags joblib.load with a path built from names set before the loop', () => {
    expectFindings(`
      import os
      import joblib

      MODEL_DIR = "models"
      for name in os.listdir("incoming"):
          clf = joblib.load(os.path.join(MODEL_DIR, "classifier.joblib"))
      #         ^^^^^^^^^^^ GML402: on every iteration of the \`for\` loop around it
          rows = read_rows(os.path.join("incoming", name))
          print(name, clf.predict(rows))
    `);
  });

  it('flags torch.load, Keras load_model, pipeline, SentenceTransformer and spaCy, through aliases', () => {
    expectFindings(`
      import torch as T
      import spacy
      from tensorflow import keras
      from transformers import pipeline as make_pipeline
      from sentence_transformers import SentenceTransformer

      for image in images:
          net = T.load("resnet.pt")
      #         ^^^^^^ GML402
          keras_model = keras.models.load_model("model.keras")
      #                 ^^^^^^^^^^^^^^^^^^^^^^^ GML402
          classify = make_pipeline("image-classification")
      #              ^^^^^^^^^^^^^ GML402
          encoder = SentenceTransformer("all-MiniLM-L6-v2")
      #             ^^^^^^^^^^^^^^^^^^^ GML402
          nlp = spacy.load("en_core_web_sm")
      #         ^^^^^^^^^^ GML402
          use(net, keras_model, classify, encoder, nlp, image)
    `);
  });

  it('flags pickle.load of a file opened in the loop, as information', () => {
    const [finding] = expectFindings(`
      import pickle

      for batch in batches:
          with open("model.pkl", "rb") as f:
              model = pickle.load(f)
      #               ^^^^^^^^^^^ GML402
          print(model.predict(batch))
    `);
    assert.equal(finding.severity, 'information');
  });

  it('flags the load once, against the outermost loop it does not depend on', () => {
    expectFindings(`
      import torch

      for epoch in range(3):
          for batch in loader:
              model = torch.load(args.checkpoint)
      #               ^^^^^^^^^^ GML402: the outer \`for\` loop around it
              print(model(batch))
    `);
  });

  it('leaves a load whose path changes per iteration alone (checkpoints, folds)', () => {
    expectNone(
      'GML402',
      `
      import glob
      import torch
      import joblib

      for path in sorted(glob.glob("checkpoints/*.pt")):
          model = torch.load(path)
          print(path, evaluate(model))
      for fold in range(5):
          clf = joblib.load(f"fold_{fold}.joblib")
          print(clf.score(X, y))
      for i, name in enumerate(names):
          current = name
          model = torch.load(current)
    `,
    );
  });

  it('leaves a load whose argument is not a plain value alone (unknown)', () => {
    expectNone(
      'GML402',
      `
      import torch
      for batch in loader:
          model = torch.load(next_checkpoint())
          model = torch.load(registry[batch.model_id])
          model = torch.load(**load_kwargs)
    `,
    );
  });

  it('leaves a loop that fine-tunes a fresh copy of the pretrained model on each fold alone', () => {
    expectNone(
      'GML402',
      `
      from transformers import AutoModelForSequenceClassification, Trainer

      for fold in range(5):
          model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
          trainer = Trainer(model=model, args=args, train_dataset=folds[fold])
          trainer.train()
    `,
    );
  });

  it('leaves a loop that trains what it loaded alone, directly or through a function (each run starts from the same weights)', () => {
    expectNone(
      'GML402',
      `
      import joblib
      import torch

      def train(model, lr):
          optimizer = torch.optim.SGD(model.parameters(), lr=lr)
          for x, y in loader:
              optimizer.zero_grad()
              torch.nn.functional.mse_loss(model(x), y).backward()
              optimizer.step()

      for lr in [0.1, 0.01, 0.001]:
          model = torch.load("init.pt")
          train(model, lr)
      for fold in folds:
          clf = joblib.load("untrained_pipeline.joblib")
          clf.fit(X[fold], y[fold])
    `,
    );
  });

  it('leaves a loop that changes what it loaded alone (each iteration needs a fresh copy)', () => {
    expectNone(
      'GML402',
      `
      import torch
      for scale in [0.5, 1.0, 2.0]:
          weights = torch.load("weights.pt")
          weights.mul_(scale)
          run(weights)
      for noise in noises:
          state = torch.load("state.pt")
          state["bias"] = noise
          run(state)
    `,
    );
  });

  it('leaves a hot-reload loop alone (it sleeps and loads whatever was saved since)', () => {
    expectNone(
      'GML402',
      `
      import time
      import torch
      while True:
          model = torch.load("latest.pt")
          serve_requests(model)
          time.sleep(60)
    `,
    );
  });

  it('leaves a loop that saves the file it loads alone', () => {
    expectNone(
      'GML402',
      `
      import torch
      for epoch in range(10):
          train_one_epoch(model)
          torch.save(model, "best.pt")
          best = torch.load("best.pt")
    `,
    );
  });

  it('leaves a retry loop alone: the load in a try, and a break out of the loop once it works', () => {
    expectNone(
      'GML402',
      `
      import torch
      from transformers import AutoModel

      for attempt in range(3):
          try:
              model = AutoModel.from_pretrained("bert-base-uncased")
              break
          except OSError:
              print("download failed, retrying")

      for attempt in range(5):
          try:
              checkpoint = torch.load("checkpoint.pt")
          except RuntimeError:
              continue
          break
    `,
    );
  });

  it('leaves successive pickle.load calls on one open file alone (they read successive objects)', () => {
    expectNone(
      'GML402',
      `
      import pickle
      with open("records.pkl", "rb") as f:
          for _ in range(count):
              record = pickle.load(f)
              print(record)
    `,
    );
  });

  it('leaves a load outside any loop alone, and a look-alike load function', () => {
    expectNone(
      'GML402',
      `
      import torch

      def load(path):
          return open(path).read()

      model = torch.load("model.pt")
      for text in texts:
          config = load("config.json")
          print(model(text), config)
    `,
    );
  });

  it('fix: moves the load to just before the loop, keeping its name', () => {
    expectFix(
      'GML402',
      `
      import joblib

      for path in ["a.csv", "b.csv"]:
          clf = joblib.load("model.joblib")
          print(clf.predict(load_rows(path)))
      `,
      `
      import joblib

      clf = joblib.load("model.joblib")
      for path in ["a.csv", "b.csv"]:
          print(clf.predict(load_rows(path)))
      `,
    );
  });

  it('fix: moves a multi-line load and its method chain out of a loop nested in a function, with CRLF newlines', () => {
    expectFix(
      'GML402',
      `
      from transformers import AutoModelForSequenceClassification

      def score(batches, device):
          results = []
          for batch in batches:
              model = AutoModelForSequenceClassification.from_pretrained(
                  "distilbert-base-uncased",
                  num_labels=2,
              ).to(device)
              results.append(model(**batch).logits)
          return results
      `,
      `
      from transformers import AutoModelForSequenceClassification

      def score(batches, device):
          results = []
          model = AutoModelForSequenceClassification.from_pretrained(
              "distilbert-base-uncased",
              num_labels=2,
          ).to(device)
          for batch in batches:
              results.append(model(**batch).logits)
          return results
      `,
      { eol: '\r\n' },
    );
  });

  it('fix: moves the `with open(…)` block that holds only the load', () => {
    expectFix(
      'GML402',
      `
      import pickle

      for batch in batches:
          with open("model.pkl", "rb") as f:
              model = pickle.load(f)
          print(model.predict(batch))
      `,
      `
      import pickle

      with open("model.pkl", "rb") as f:
          model = pickle.load(f)
      for batch in batches:
          print(model.predict(batch))
      `,
    );
  });

  it('offers no fix where moving the statement would change what runs: under an if, or its name read earlier in the loop', () => {
    const [underIf, readBefore] = expectFindings(`
      import torch
      for batch in loader:
          if batch.needs_model:
              model = torch.load("model.pt")
      #               ^^^^^^^^^^ GML402
              print(model(batch))
          print(batch)
      for batch in loader:
          print(model)
          model = torch.load("model.pt")
      #           ^^^^^^^^^^ GML402
    `);
    assert.deepEqual(underIf.fixes, []);
    assert.deepEqual(readBefore.fixes, []);
  });

  describe('web route handlers (called once per request)', () => {
    it('flags a load with a literal path in a Flask route and a FastAPI endpoint, through a module-level constant', () => {
      const [flask, fastapi] = expectFindings(`
        import os
        import joblib
        import torch
        from fastapi import APIRouter, FastAPI
        from flask import Flask, jsonify, request

        app = Flask(__name__)
        api = FastAPI()
        router = APIRouter()
        MODEL_PATH = os.path.join(os.path.dirname(__file__), "mlp.pt")

        @app.route("/predict", methods=["POST"])
        def predict():
            clf = joblib.load("model.joblib")
        #         ^^^^^^^^^^^ GML402: on every request to the Flask route \`predict\`
            return jsonify(clf.predict(request.json["rows"]).tolist())

        @router.post("/score")
        async def score(item: Item):
            net = torch.load(MODEL_PATH)
        #         ^^^^^^^^^^ GML402: FastAPI route \`score\`
            return {"score": net(item.x).item()}
      `);
      assert.equal(flask.severity, 'warning');
      assert.equal(fastapi.fixes.length, 1);
    });

    it('leaves a load that depends on the request, a cached or global model, a lazy load and a plain function alone', () => {
      expectNone('GML402', `
        import joblib
        import pickle
        from flask import Blueprint, Flask, g, request

        app = Flask(__name__)
        bp = Blueprint("api", __name__)
        model = None

        @app.route("/predict/<name>")
        def by_name(name):
            clf = joblib.load(f"models/{name}.joblib")
            return str(clf.predict(request.json))

        @bp.get("/query")
        def by_query():
            clf = joblib.load(request.args["model"])
            return str(clf.predict(request.json))

        @app.post("/lazy")
        def lazy():
            global model
            if model is None:
                model = joblib.load("model.joblib")
            return str(model.predict(request.json))

        @app.post("/cached")
        def cached():
            g.model = joblib.load("model.joblib")
            return str(g.model.predict(request.json))

        def helper():
            clf = joblib.load("model.joblib")
            return clf
      `);
    });

    it('leaves a handler alone in a file that saves models (another route may update the file it loads)', () => {
      expectNone('GML402', `
        import joblib
        from flask import Flask, request

        app = Flask(__name__)

        @app.post("/train")
        def train():
            clf = make_model().fit(request.json["X"], request.json["y"])
            joblib.dump(clf, "model.joblib")
            return "ok"

        @app.post("/predict")
        def predict():
            clf = joblib.load("model.joblib")
            return str(clf.predict(request.json["X"]))
      `);
    });

    it('leaves a handler that is not a route alone: a decorator of an object that is not a Flask or FastAPI app', () => {
      expectNone('GML402', `
        import joblib
        import click

        @click.command()
        def main():
            clf = joblib.load("model.joblib")
            print(clf)

        @scheduler.get("/x")
        def job():
            clf = joblib.load("model.joblib")
            print(clf)
      `);
    });

    it('fix: moves the load to module level, just before the route, with a blank line', () => {
      expectFix(
        'GML402',
        `
        import joblib
        import numpy as np
        from flask import Flask, jsonify, request

        app = Flask(__name__)

        @app.route("/predict", methods=["POST"])
        def predict():
            clf = joblib.load("model.joblib")
            arr = np.array(request.json["data"])
            return jsonify({"prediction": clf.predict(arr).tolist()})
        `,
        `
        import joblib
        import numpy as np
        from flask import Flask, jsonify, request

        app = Flask(__name__)

        clf = joblib.load("model.joblib")

        @app.route("/predict", methods=["POST"])
        def predict():
            arr = np.array(request.json["data"])
            return jsonify({"prediction": clf.predict(arr).tolist()})
        `,
      );
    });

    it('fix: moves the \`with open(…)\` block of a pickle.load out of a FastAPI endpoint', () => {
      expectFix(
        'GML402',
        `
        import pickle
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/predict")
        def predict(x: float):
            with open("model.pkl", "rb") as f:
                model = pickle.load(f)
            return {"y": float(model.predict([[x]])[0])}
        `,
        `
        import pickle
        from fastapi import FastAPI

        app = FastAPI()

        with open("model.pkl", "rb") as f:
            model = pickle.load(f)

        @app.get("/predict")
        def predict(x: float):
            return {"y": float(model.predict([[x]])[0])}
        `,
      );
    });

    it('offers no fix when the name is also used at module level, the load is its body\'s only statement, or under an if', () => {
      const findings = expectFindings(`
        import joblib
        from flask import Flask, request

        app = Flask(__name__)
        clf = None

        @app.route("/a")
        def a():
            clf = joblib.load("model.joblib")
        #         ^^^^^^^^^^^ GML402
            return str(clf.predict(request.json))

        @app.route("/b")
        def b():
            return str(joblib.load("model.joblib").predict(request.json))
        #              ^^^^^^^^^^^ GML402

        @app.route("/c")
        def c():
            if request.json:
                other = joblib.load("model.joblib")
        #               ^^^^^^^^^^^ GML402
                return str(other.predict(request.json))
            return "empty"
      `);
      for (const finding of findings) assert.deepEqual(finding.fixes, []);
    });
  });
});
