import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

/** A GML102 marker under a `model.fit` line written at the same indentation, or an empty line. */
const mark = (reported: boolean) => (reported ? '^^^^^^^^^ GML102' : '');

describe('GML102 keras-fp32-policy', () => {
  it('flags fit on a Keras model when no policy is set', () => {
    expectFindings(`
      """Train."""
      import numpy as np
      import keras

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102: Keras model trains in float32
    `);
  });

  it('offers two fixes, both unsafe and titled so', () => {
    const [finding] = expectFindings(`
      import keras
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
    assert.equal(finding.fixes.length, 2);
    assert.ok(finding.fixes.every((x) => x.safety === 'unsafe' && x.title.endsWith(' (unsafe)')));
  });

  // ---- which models it knows --------------------------------------------------------------------

  it('flags a functional keras.Model', () => {
    expectFindings(`
      import keras
      inputs = keras.Input((4,))
      model = keras.Model(inputs, keras.layers.Dense(256)(inputs))
      model.fit(x, y)
      ^^^^^^^^^ GML102
    `);
  });

  it('flags a subclass of a subclass of tf.keras.Model', () => {
    expectFindings(`
      import tensorflow as tf
      class Net(tf.keras.Model):
          pass
      class Deeper(Net):
          pass
      net = Deeper()
      net.fit(x, y)
      ^^^^^^^ GML102
    `);
  });

  it('flags a loaded model', () => {
    expectFindings(`
      import keras
      model = keras.models.load_model("m.keras")
      model.fit(x, y)
      ^^^^^^^^^ GML102
    `);
  });

  it('flags a keras.applications model', () => {
    expectFindings(`
      import keras
      base = keras.applications.ResNet50(weights=None)
      base.fit(x, y)
      ^^^^^^^^ GML102
    `);
  });

  it('flags a model returned by a local function', () => {
    expectFindings(`
      from tensorflow import keras
      def build():
          return keras.Sequential()
      model = build()
      model.fit(x, y)
      ^^^^^^^^^ GML102
    `);
  });

  it('flags an unresolved receiver when the file builds a Keras model and imports no other fit library', () => {
    expectFindings(`
      import keras
      def train(model):
          model.fit(x, y, epochs=2)
      #   ^^^^^^^^^ GML102
      train(keras.Sequential())
    `);
  });

  // ---- policies that count ----------------------------------------------------------------------

  it("flags a KerasTuner tuner's best model trained again, in a file that also imports scikit-learn (import keras_tuner as kt)", () => {
    expectFindings(`
      import tensorflow as tf
      import keras_tuner as kt
      from sklearn.model_selection import train_test_split

      random_search_tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5, seed=42)
      random_search_tuner.search(X_train, y_train, epochs=10, validation_data=(X_valid, y_valid))
      top3_models = random_search_tuner.get_best_models(num_models=3)
      best_model = top3_models[0]
      best_model.fit(X_train_full, y_train_full, epochs=10)
      ^^^^^^^^^^^^^^ GML102
    `);
  });

  it('flags the best model of a Hyperband tuner imported from keras_tuner.tuners, indexed in place', () => {
    expectFindings(`
      import tensorflow as tf
      from keras_tuner.tuners import Hyperband
      import xgboost

      tuner = Hyperband(MyHyperModel(), objective="val_accuracy", max_epochs=10)
      tuner.get_best_models(1)[0].fit(x_train, y_train, epochs=5)
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML102
    `);
  });

  it("leaves a KerasTuner tuner's best model alone when a mixed-precision policy is set", () => {
    expectNone('GML102', `
      import keras_tuner as kt
      import tensorflow as tf
      from sklearn.metrics import classification_report

      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      tuner = kt.BayesianOptimization(build_model, objective="val_accuracy", max_trials=10)
      best_model = tuner.get_best_models(num_models=1)[0]
      best_model.fit(X_train_full, y_train_full, epochs=10)
    `);
  });

  it('leaves get_best_models of something that is not a KerasTuner tuner alone (a file with another fit library)', () => {
    expectNone('GML102', `
      import tensorflow as tf
      from sklearn.ensemble import RandomForestClassifier

      class Registry:
          def get_best_models(self, n):
              return self.models[:n]

      best = Registry().get_best_models(3)[0]
      best.fit(X, y)
      unknown = searcher.get_best_models(num_models=1)[0]
      unknown.fit(X, y)
    `);
  });

  it('leaves keras.mixed_precision.set_global_policy("mixed_float16") alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves keras.mixed_precision.set_dtype_policy("mixed_bfloat16") alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves keras.config.set_dtype_policy("mixed_float16") alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      keras.config.set_dtype_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves tf.keras.mixed_precision.set_global_policy("mixed_float16") alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves the TF 2.3 experimental set_policy("mixed_float16") alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      tf.keras.mixed_precision.experimental.set_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves set_global_policy(mixed_precision.Policy("mixed_float16")) alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      from tensorflow.keras import mixed_precision
      mixed_precision.set_global_policy(mixed_precision.Policy("mixed_float16"))
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves a keras.DTypePolicy("mixed_bfloat16") held in a variable alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      policy = keras.DTypePolicy("mixed_bfloat16")
      keras.config.set_dtype_policy(policy)
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves a policy it cannot read alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      keras.mixed_precision.set_global_policy(args.policy)
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves a layer with dtype="mixed_float16" alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      layer = keras.layers.Dense(4, dtype="mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves a layer with a spaced, multi-line dtype = "mixed_bfloat16" alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      layer = keras.layers.Dense(
          4,
          dtype = "mixed_bfloat16",
      )
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  it('leaves a layer whose dtype is a name bound to "mixed_float16" alone', () => {
    expectNone('GML102', `
      import keras
      import tensorflow as tf
      layer_dtype = "mixed_float16"
      layer = keras.layers.Dense(4, dtype=layer_dtype)
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
    `);
  });

  // ---- policies that do not count ---------------------------------------------------------------

  it('does not count a dtype spelled in a comment', () => {
    expectFindings(`
      import keras
      import tensorflow as tf
      # keras.layers.Dense(4, dtype="mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
  });

  it('does not count a dtype spelled in a string', () => {
    expectFindings(`
      import keras
      import tensorflow as tf
      note = 'Dense(4, dtype="mixed_float16")'
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
  });

  it('does not count a mixed policy string bound to a name that is no dtype', () => {
    expectFindings(`
      import keras
      import tensorflow as tf
      my_dtype = "mixed_float16"
      print(my_dtype)
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
  });

  it('flags a layer with dtype="float32"', () => {
    expectFindings(`
      import keras
      layer = keras.layers.Dense(4, dtype="float32")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
  });

  // ---- what it ignores --------------------------------------------------------------------------

  it('ignores fit on a scikit-learn estimator', () => {
    expectNone('GML102', `
      import keras
      from sklearn.linear_model import LogisticRegression
      clf = LogisticRegression()
      clf.fit(x, y)
    `);
  });

  it('ignores a local class named Sequential', () => {
    expectNone('GML102', `
      import keras
      class Sequential:
          def fit(self, x): pass
      m = Sequential()
      m.fit(x)
    `);
  });

  it('ignores an unresolved receiver when another fit library is imported', () => {
    expectNone('GML102', `
      import keras
      import xgboost as xgb
      m = keras.Sequential()
      def train(est):
          est.fit(x, y)
    `);
  });

  it('ignores an unresolved receiver when the file builds no Keras model', () => {
    expectNone('GML102', `
      import keras
      def train(est):
          est.fit(x, y)
    `);
  });

  it('ignores a file that does not import Keras', () => {
    expectNone('GML102', `
      import torch
      m = keras.Sequential()
      m.fit(x, y)
    `);
  });

  // ---- fixes ------------------------------------------------------------------------------------

  it('fix: sets the mixed_float16 policy after the imports', () => {
    expectFix(
      'GML102',
      `
      """Train."""
      import numpy as np
      import keras

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      """Train."""
      import numpy as np
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
    );
  });

  it('fix: sets the policy through the import that runs before the fit, not a later `import keras`', () => {
    expectFix(
      'GML102',
      `
      import numpy as np
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)

      import keras
      keras.utils.plot_model(model)
      `,
      `
      import numpy as np
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)

      import keras
      keras.utils.plot_model(model)
      `,
    );
  });

  it('fix: every fit\'s fix sets the policy before the first fit, whatever is imported between them', () => {
    const findings = expectFindings(`
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102

      from tensorflow import keras
      wide = keras.Sequential([keras.layers.Dense(1024, activation="relu"), keras.layers.Dense(10)])
      wide.compile(loss="mse")
      wide.fit(x, y, epochs=3)
      ^^^^^^^^ GML102
    `);
    for (const finding of findings) {
      const policy = finding.fixes[0].edits.find((e) => e.newText.includes('set_global_policy'))!;
      assert.deepEqual([policy.range.start.line, policy.newText], [1, 'tf.keras.mixed_precision.set_global_policy("mixed_float16")\n']);
    }
  });

  it('fix: the second fix sets mixed_bfloat16', () => {
    expectFix(
      'GML102',
      `
      """Train."""
      import numpy as np
      import keras

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      """Train."""
      import numpy as np
      import keras
      keras.mixed_precision.set_global_policy("mixed_bfloat16")

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      { fixIndex: 1 },
    );
  });

  it('fix: a float32 policy is changed in place', () => {
    expectFix(
      'GML102',
      `
      import keras
      keras.mixed_precision.set_global_policy("float32")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
    );
  });

  it('fix: calls keras through `import tensorflow as tf`', () => {
    expectFix(
      'GML102',
      `
      import tensorflow as tf
      model = tf.keras.Sequential()
      model.fit(x, y)
      `,
      `
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      model = tf.keras.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: calls keras by the name `from tensorflow import keras` binds', () => {
    expectFix(
      'GML102',
      `
      from tensorflow import keras
      model = keras.models.Sequential()
      model.fit(x, y)
      `,
      `
      from tensorflow import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.models.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: prefers the keras name over tf.keras when both are imported', () => {
    expectFix(
      'GML102',
      `
      import tensorflow as tf
      from tensorflow import keras
      model = keras.Sequential()
      model.fit(x, y)
      `,
      `
      import tensorflow as tf
      from tensorflow import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: imports tensorflow once when only tensorflow.keras submodule names are imported', () => {
    expectFix(
      'GML102',
      `
      from tensorflow.keras.models import Sequential
      from tensorflow.keras.layers import Dense
      m = Sequential([Dense(128), Dense(1)])
      m.fit(x, y)
      `,
      `
      from tensorflow.keras.models import Sequential
      from tensorflow.keras.layers import Dense
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential([Dense(128), Dense(1)])
      m.fit(x, y)
      `,
    );
  });

  it('fix: imports keras once when only keras submodule names are imported', () => {
    expectFix(
      'GML102',
      `
      from keras.models import Sequential
      m = Sequential()
      m.fit(x, y)
      `,
      `
      from keras.models import Sequential
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential()
      m.fit(x, y)
      `,
    );
  });

  it('fix: tab-indented code is left as it is', () => {
    expectFix(
      'GML102',
      `
      import keras
      def main():
      \tmodel = keras.Sequential()
      \tmodel.fit(x, y)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      def main():
      \tmodel = keras.Sequential()
      \tmodel.fit(x, y)
      `,
    );
  });

  it('fix: two-space-indented code is left as it is', () => {
    expectFix(
      'GML102',
      `
      import keras
      if True:
        model = keras.Sequential()
        model.fit(x, y)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      if True:
        model = keras.Sequential()
        model.fit(x, y)
      `,
    );
  });

  it('fix: CRLF newlines are kept, in the added import too', () => {
    expectFix(
      'GML102',
      `
      from keras.models import Sequential
      m = Sequential()
      m.fit(x, y)
      `,
      `
      from keras.models import Sequential
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential()
      m.fit(x, y)
      `,
      { eol: '\r\n' },
    );
  });
  describe('Hugging Face TensorFlow models', () => {
    it('a TFAutoModel fine-tuned with fit', () => {
      expectFindings(`
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification

        model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=3e-5), metrics=["accuracy"])
        model.fit(tf_train_dataset, validation_data=tf_validation_dataset, epochs=3)
        ^^^^^^^^^ GML102
      `);
    });

    it('not with the mixed_float16 policy set', () => {
      expectNone('GML102', `
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification

        tf.keras.mixed_precision.set_global_policy("mixed_float16")
        model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
        model.fit(tf_train_dataset, epochs=3)
      `);
    });

    it('not a tune-sklearn search over a legacy KerasClassifier (its fit is the search’s)', () => {
      expectNone('GML102', `
        from keras.layers import Dense
        from keras.models import Sequential
        from keras.wrappers.scikit_learn import KerasClassifier
        from tune_sklearn import TuneGridSearchCV

        def create_model():
            model = Sequential()
            model.add(Dense(10, activation="softmax"))
            model.compile(loss="categorical_crossentropy", optimizer="adam")
            return model

        model = KerasClassifier(build_fn=create_model)
        grid = TuneGridSearchCV(estimator=model, param_grid={"epochs": [5, 10]})
        grid_result = grid.fit(X_train, Y_train)
      `);
    });

    it('not a PyTorch AutoModel', () => {
      expectNone('GML102', `
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
        model.fit(train_set, epochs=3)
      `);
    });

    it('fixes by setting the policy on tf.keras', () => {
      expectFix(
        'GML102',
        `
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification

        model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
        model.fit(tf_train_dataset, epochs=3)
        `,
        `
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification
        tf.keras.mixed_precision.set_global_policy("mixed_float16")

        model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
        model.fit(tf_train_dataset, epochs=3)
        `,
      );
    });
  });

  it('flags one of keras-tuner’s best models, also in a file that imports scikit-learn', () => {
    expectFindings(`
      import keras_tuner as kt
      import tensorflow as tf
      from sklearn.model_selection import train_test_split

      random_search_tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5)
      random_search_tuner.search(X_train, y_train, epochs=10, validation_data=(X_valid, y_valid))
      top3_models = random_search_tuner.get_best_models(num_models=3)
      best_model = top3_models[0]
      best_model.fit(X_train_full, y_train_full, epochs=10)
      ^^^^^^^^^^^^^^ GML102
    `);
  });

  it('not the best item of a list from another library', () => {
    expectNone('GML102', `
      import tensorflow as tf
      from sklearn.model_selection import GridSearchCV
      model = tf.keras.Sequential([tf.keras.layers.Dense(128), tf.keras.layers.Dense(1)])
      best_model = searches.get_best_models(num_models=3)[0]
      best_model.fit(X_train, y_train)
    `);
  });

  describe('model size: a small model built in the file is left alone', () => {
    const fashion = (hidden: string, flagged = false) => `
      import tensorflow as tf

      model = tf.keras.Sequential([
          tf.keras.layers.Flatten(input_shape=(28, 28)),
          tf.keras.layers.Dense(${hidden}, activation="relu"),
          tf.keras.layers.Dense(10),
      ])
      model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
      model.fit(train_images, train_labels, epochs=10)${flagged ? '\n      ^^^^^^^^^ GML102: Keras model trains in float32' : ''}
    `;

    it('leaves a Sequential whose every layer is at most 32 units alone, and flags it with a 128-unit layer', () => {
      expectNone('GML102', fashion('32'));
      expectFindings(fashion('128', true));
    });

    it('flags a Sequential whose width is not a literal (a keras-tuner hyperparameter)', () => {
      expectFindings(`
        import tensorflow as tf
        n_neurons = hp.Int("n_neurons", min_value=16, max_value=256)
        model = tf.keras.Sequential([tf.keras.layers.Dense(n_neurons, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd")
        model.fit(X_train, y_train, epochs=20)
        ^^^^^^^^^ GML102
      `);
    });

    it('reads .add calls and wrapped layers (the text classification tutorial: Embedding(max_features, 16))', () => {
      expectNone('GML102', `
        import tensorflow as tf
        from tensorflow.keras import layers

        max_features = 10000
        embedding_dim = 16
        model = tf.keras.Sequential()
        model.add(layers.Embedding(max_features, embedding_dim))
        model.add(layers.Dropout(0.2))
        model.add(layers.GlobalAveragePooling1D())
        model.add(layers.Dense(1))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(train_ds, validation_data=val_ds, epochs=10)
      `);
      expectFindings(`
        import tensorflow as tf
        from tensorflow.keras import layers

        model = tf.keras.Sequential()
        model.add(layers.Embedding(10000, 16))
        model.add(layers.Bidirectional(layers.LSTM(64)))
        model.add(layers.Dense(1))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(train_ds, validation_data=val_ds, epochs=10)
        ^^^^^^^^^ GML102
      `);
    });

    it('traces a functional model from its outputs back to its inputs', () => {
      const functional = (units: number, flagged = false) => `
        import tensorflow as tf
        input_wide = tf.keras.layers.Input(shape=[5])
        input_deep = tf.keras.layers.Input(shape=[6])
        norm_deep = tf.keras.layers.Normalization()(input_deep)
        hidden1 = tf.keras.layers.Dense(30, activation="relu")(norm_deep)
        hidden_layer2 = tf.keras.layers.Dense(${units}, activation="relu")
        hidden2 = hidden_layer2(hidden1)
        concat = tf.keras.layers.concatenate([input_wide, hidden2])
        output = tf.keras.layers.Dense(1)(concat)
        model = tf.keras.Model(inputs=[input_wide, input_deep], outputs=[output])
        model.compile(loss="mse", optimizer="adam")
        model.fit((X_train_wide, X_train_deep), y_train, epochs=20)${flagged ? '\n        ^^^^^^^^^ GML102' : ''}
      `;
      expectNone('GML102', functional(30));
      expectFindings(functional(300, true));
    });

    it('reads a subclassed keras.Model: __init__ defaults and the construction call', () => {
      const subclassed = (call: string, flagged = false) => `
        import tensorflow as tf

        class WideAndDeepModel(tf.keras.Model):
            def __init__(self, units=30, activation="relu", **kwargs):
                super().__init__(**kwargs)
                self.hidden1 = tf.keras.layers.Dense(units, activation=activation)
                self.hidden2 = tf.keras.layers.Dense(units, activation=activation)
                self.main_output = tf.keras.layers.Dense(1)

            def call(self, inputs):
                return self.main_output(self.hidden2(self.hidden1(inputs)))

        model = ${call}
        model.compile(loss="mse", optimizer="adam")
        model.fit(X_train, y_train, epochs=10)${flagged ? '\n        ^^^^^^^^^ GML102' : ''}
      `;
      expectNone('GML102', subclassed('WideAndDeepModel(name="my_cool_model")'));
      expectFindings(subclassed('WideAndDeepModel(512, activation="relu")', true));
    });

    it('leaves a small model alone whose layers take a regularizer, an initializer or a constraint (calls with no width)', () => {
      expectNone('GML102', `
        import keras
        from keras import layers
        from keras.regularizers import l2

        model = keras.Sequential([
            layers.Dense(16, kernel_regularizer=l2(0.002), activation="relu"),
            layers.Dense(16, kernel_regularizer=keras.regularizers.l1_l2(l1=0.001, l2=0.001), activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(train_data, train_labels, epochs=20, batch_size=512)
      `);
      expectNone('GML102', `
        import tensorflow as tf
        from tensorflow.keras.constraints import max_norm

        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=[28, 28]),
            tf.keras.layers.Dense(32, activation="relu", kernel_initializer=tf.keras.initializers.HeNormal(), kernel_constraint=max_norm(1.)),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        model.fit(X_train, y_train, epochs=10)
      `);
    });

    it('still flags a wide model whose layers take a regularizer, and a regularizer from another module', () => {
      expectFindings(`
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(512, kernel_regularizer=keras.regularizers.l2(0.002), activation="relu"), layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mse")
        model.fit(x, y, epochs=20)
        ^^^^^^^^^ GML102
      `);
      expectFindings(`
        import keras
        from keras import layers
        from myproject.regularizers import l2

        model = keras.Sequential([layers.Dense(16, kernel_regularizer=l2(0.002), activation="relu"), layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mse")
        model.fit(x, y, epochs=20)
        ^^^^^^^^^ GML102
      `);
    });

    it('flags a look-alike Dense from another module, and a layer it does not know', () => {
      expectFindings(`
        import tensorflow as tf
        from mylayers import Dense
        model = tf.keras.Sequential([Dense(16), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(x, y)
        ^^^^^^^^^ GML102
      `);
      expectFindings(`
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=8), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(x, y)
        ^^^^^^^^^ GML102
      `);
    });

    it('reads a Lambda layer as widthless, and its function\'s tensor operations as no layers', () => {
      const script = (last: string) => `
        import tensorflow as tf
        exponential = tf.keras.layers.Lambda(lambda t: tf.exp(t))
        model = tf.keras.Sequential([tf.keras.layers.Dense(30, activation="relu"), ${last}, exponential])
        model.compile(loss="mse", optimizer="sgd")
        model.fit(X_train, y_train, epochs=5)
        ${mark(last.includes('128'))}
      `;
      expectNone('GML102', script('tf.keras.layers.Dense(1)'));
      expectFindings(script('tf.keras.layers.Dense(128)'), { codes: ['GML102'] });
    });

    describe('custom Keras layers (a local keras.layers.Layer subclass)', () => {
      const dense = `
        import tensorflow as tf

        class ScaledDense(tf.keras.layers.Layer):
            def __init__(self, units, activation=None, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.activation = tf.keras.activations.get(activation)

            def build(self, input_shape):
                self.kernel = self.add_weight(name="kernel", shape=[input_shape[-1], self.units], initializer="glorot_uniform")
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

            def call(self, inputs):
                return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
      `;

      it('takes its width from the last dimension of the weights its build() adds', () => {
        expectNone('GML102', `${dense}
        model = tf.keras.Sequential([ScaledDense(24, activation="relu"), ScaledDense(1)])
        model.compile(loss="mse", optimizer="adam")
        model.fit(X, y, epochs=10)
        `);
        expectFindings(`${dense}
        model = tf.keras.Sequential([ScaledDense(256, activation="relu"), ScaledDense(1)])
        model.compile(loss="mse", optimizer="adam")
        model.fit(X, y, epochs=10)
        ^^^^^^^^^ GML102
        `);
      });

      it('follows custom layers built by a subclassed model', () => {
        const subclassed = (width: number) => `${dense}
        class Regressor(tf.keras.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.hidden = ScaledDense(${width}, activation="relu")
                self.out = ScaledDense(1)

            def call(self, inputs):
                return self.out(self.hidden(inputs))

        model = Regressor()
        model.compile(loss="mse", optimizer="nadam")
        model.fit(X, y, epochs=2)
        ${mark(width > 32)}
        `;
        expectNone('GML102', subclassed(30));
        expectFindings(subclassed(512), { codes: ['GML102'] });
      });

      it('reads a custom layer with no weights (noise added in call) as widthless', () => {
        const noisy = (next: string) => `
        import tensorflow as tf

        class AddNoise(tf.keras.layers.Layer):
            def __init__(self, stddev, **kwargs):
                super().__init__(**kwargs)
                self.stddev = stddev

            def call(self, inputs, training=None):
                if training:
                    return inputs + tf.random.normal(tf.shape(inputs), stddev=self.stddev)
                return inputs

        model = tf.keras.Sequential([AddNoise(stddev=0.5), ${next}, tf.keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="adam")
        model.fit(X, y, epochs=3)
        ${mark(next.includes('300'))}
        `;
        expectNone('GML102', noisy('tf.keras.layers.Dense(16, activation="relu")'));
        expectFindings(noisy('tf.keras.layers.Dense(300, activation="relu")'), { codes: ['GML102'] });
      });

      it('stays unknown (reported) when a weight\'s width is not a literal, a weight has no shape, or build() makes a tf.Variable', () => {
        const layer = (build: string, reported = true) => `
        import tensorflow as tf

        class Custom(tf.keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                ${build}

        model = tf.keras.Sequential([Custom(8), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(X, y, epochs=3)
        ${mark(reported)}
        `;
        expectFindings(layer('self.w = self.add_weight(name="w", shape=[input_shape[-1], input_shape[-1]])'), { codes: ['GML102'] });
        expectFindings(layer('self.w = self.add_weight("w")'), { codes: ['GML102'] });
        expectFindings(layer('self.w = tf.Variable(tf.zeros([input_shape[-1], self.units]))'), { codes: ['GML102'] });
        expectNone('GML102', layer('self.w = self.add_weight(name="w", shape=[input_shape[-1], self.units])', false));
      });

      it('does not read a look-alike Layer base from another module as a Keras layer', () => {
        expectFindings(`
        import tensorflow as tf
        from mylib import Layer

        class Noise(Layer):
            def __init__(self, stddev):
                super().__init__()
                self.stddev = stddev

        model = tf.keras.Sequential([Noise(0.1), tf.keras.layers.Dense(16), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(X, y, epochs=3)
        ^^^^^^^^^ GML102
        `, { codes: ['GML102'] });
      });
    });

    describe('a model loaded back from where the file saved it', () => {
      const saved = (width: number, load: string, reported = false) => `
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(${width}, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="nadam")
        model.save("regressor.keras")

        model = ${load}
        model.fit(X_train, y_train, epochs=2)
        ${mark(reported)}
      `;

      it('has the saved model\'s width (model.save and keras.models.save_model)', () => {
        expectNone('GML102', saved(30, 'tf.keras.models.load_model("regressor.keras", custom_objects={"huber": huber})'));
        expectNone('GML102', saved(30, 'tf.keras.saving.load_model("regressor.keras")'));
        expectNone('GML102', `
        import keras
        net = keras.Sequential([keras.layers.Dense(16), keras.layers.Dense(1)])
        keras.models.save_model(net, "net.keras")
        restored = keras.models.load_model("net.keras")
        restored.fit(X, y, epochs=4)
        `);
        expectFindings(saved(512, 'tf.keras.models.load_model("regressor.keras")', true), { codes: ['GML102'] });
      });

      it('stays unknown for another path, a path that is not a literal, or a save after the load', () => {
        for (const load of ['tf.keras.models.load_model("other.keras")', 'tf.keras.models.load_model(args.checkpoint)']) {
          expectFindings(saved(30, load, true), { codes: ['GML102'] });
        }
        expectFindings(`
        import tensorflow as tf
        model = tf.keras.models.load_model("regressor.keras")
        model.fit(X_train, y_train, epochs=2)
        ^^^^^^^^^ GML102
        small = tf.keras.Sequential([tf.keras.layers.Dense(8), tf.keras.layers.Dense(1)])
        small.save("regressor.keras")
        `, { codes: ['GML102'] });
      });

      it('takes the last save above the load when the path is written twice', () => {
        const twice = (first: number, second: number) => `
        import keras
        a = keras.Sequential([keras.layers.Dense(${first}), keras.layers.Dense(1)])
        a.save("m.keras")
        b = keras.Sequential([keras.layers.Dense(${second}), keras.layers.Dense(1)])
        b.save("m.keras")
        model = keras.models.load_model("m.keras")
        model.fit(X, y, epochs=3)
        ${mark(second > 32)}
        `;
        expectNone('GML102', twice(512, 16));
        expectFindings(twice(16, 512), { codes: ['GML102'] });
      });
    });
  });

  it('puts the "mixed_bfloat16" fix first in a file that also trains with a GradientTape step, whose fp16 loss scaling fit would not add', () => {
    const script = (withTape: boolean) => `
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=5)
      ^^^^^^^^^ GML102
      ${withTape ? `optimizer = tf.keras.optimizers.Adam()
      for x, y in dataset:
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x, training=True))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))` : ''}
    `;
    const [plain] = expectFindings(script(false), { codes: ['GML102'] });
    assert.match(plain.fixes[0].title, /"mixed_float16"/);
    const [taped] = expectFindings(script(true), { codes: ['GML102'] });
    assert.match(taped.fixes[0].title, /"mixed_bfloat16"/);
    assert.match(taped.fixes[1].title, /"mixed_float16".*LossScaleOptimizer/);
  });
  it('fix: in a Keras 3 file, through keras after the whole import block, an environment setting between imports included', () => {
    expectFix(
      'GML102',
      `
      import os
      os.environ["KERAS_BACKEND"] = "tensorflow"
      import tensorflow as tf
      from keras import layers
      from keras import models

      model = models.Sequential([layers.Dense(256, activation="relu"), layers.Dense(10)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=5)
      `,
      `
      import os
      os.environ["KERAS_BACKEND"] = "tensorflow"
      import tensorflow as tf
      from keras import layers
      from keras import models
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")

      model = models.Sequential([layers.Dense(256, activation="relu"), layers.Dense(10)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=5)
      `,
    );
  });

  it('not in TensorFlow 1.x code (tf.Session, tf.placeholder): the policy API needs TF 2.4', () => {
    expectNone('GML102', `
      import tensorflow as tf

      sess = tf.Session()
      tf.keras.backend.set_session(sess)
      model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=5)
    `);
  });

  it('withholds the fix when a GradientTape step of the file has a hand-written loss the global policy would break', () => {
    const [finding] = expectFindings(`
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(optimizer="adam", loss="mse")
      model.fit(x_train, y_train, epochs=5)
      ^^^^^^^^^ GML102: No fix is offered
      optimizer = tf.keras.optimizers.Adam()
      for x, y in dataset:
          with tf.GradientTape() as tape:
              loss = tf.reduce_mean(tf.square(y - model(x, training=True)))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
    `, { codes: ['GML102'] });
    assert.equal(finding.fixes.length, 0);
  });
});
