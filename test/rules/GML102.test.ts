import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

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

  it("flags Keras 2's fit_generator as it does fit, the policy set before the file's first training call", () => {
    expectFindings(`
      import tensorflow as tf

      model = tf.keras.models.Sequential([tf.keras.layers.Conv2D(128, (3, 3), activation="relu"), tf.keras.layers.Flatten(), tf.keras.layers.Dense(512)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      history = model.fit_generator(train_gen, steps_per_epoch=20, epochs=100, validation_data=val_gen)
      #         ^^^^^^^^^^^^^^^^^^^ GML102: Keras model trains in float32
    `);
    expectFix(
      'GML102',
      `
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(512), tf.keras.layers.Dense(10)])
      model.fit_generator(train_gen, epochs=10)
      `,
      `
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")

      model = tf.keras.Sequential([tf.keras.layers.Dense(512), tf.keras.layers.Dense(10)])
      model.fit_generator(train_gen, epochs=10)
      `,
    );
  });

  it('flags fit_generator on a model the file does not build (keras-tuner\'s best model), as it does fit, and counts it with the fits', () => {
    expectFindings(`
      import keras_tuner as kt
      from tensorflow import keras
      from models import build_model
      tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5)
      best = tuner.get_best_models(num_models=1)[0]
      best.fit_generator(gen, epochs=20)
      ^^^^^^^^^^^^^^^^^^ GML102: one policy line covers all 2 such \`fit\` calls here
      best.fit(x, y, epochs=20)
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

  it('withholds the fix when a Metric subclass given to compile does arithmetic between y_true and the uncast y_pred', () => {
    const [finding] = expectFindings(`
      import tensorflow as tf
      from tensorflow import keras

      class RootMeanSquaredError(keras.metrics.Metric):
          def __init__(self, name="rmse", **kwargs):
              super().__init__(name=name, **kwargs)
              self.mse_sum = self.add_weight(name="mse_sum", initializer="zeros")
          def update_state(self, y_true, y_pred, sample_weight=None):
              y_true = tf.one_hot(y_true, depth=tf.shape(y_pred)[1])
              self.mse_sum.assign_add(tf.reduce_sum(tf.square(y_true - y_pred)))
          def result(self):
              return tf.sqrt(self.mse_sum)

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10, activation="softmax")])
      model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=[RootMeanSquaredError()])
      model.fit(x_train, y_train, epochs=3)
      ^^^^^^^^^ GML102: \`RootMeanSquaredError.update_state\` receives the model's 16-bit output as \`y_pred\`
    `, { codes: ['GML102'] });
    assert.equal(finding.fixes.length, 0);
    assert.match(finding.message, /y_pred = tf\.cast\(y_pred, tf\.float32\)/);
  });

  it('in a Keras 3 file without TensorFlow, the withheld-fix message casts with keras.ops', () => {
    const [finding] = expectFindings(`
      import keras
      from keras import ops

      def rmse(y_true, y_pred):
          return ops.sqrt(ops.mean(ops.square(y_true - y_pred)))

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(1)])
      model.compile(optimizer="adam", loss=rmse)
      model.fit(x_train, y_train, epochs=3)
      ^^^^^^^^^ GML102: No fix is offered
    `, { codes: ['GML102'] });
    assert.equal(finding.fixes.length, 0);
    assert.match(finding.message, /y_pred = keras\.ops\.cast\(y_pred, "float32"\)/);
    assert.match(finding.message, /Keras's default TensorFlow backend rejects/);
    assert.doesNotMatch(finding.message, /tf\.cast/);
  });

  it('withholds the fix for a loss function or Loss subclass of the file that mixes y_pred with y_true', () => {
    for (const [definition, given] of [
      ['def rmse(y_true, y_pred):\n    return tf.sqrt(tf.reduce_mean(tf.square(y_true - y_pred)))', 'loss=rmse'],
      ['class Rmse(keras.losses.Loss):\n    def call(self, y_true, y_pred):\n        return tf.sqrt(tf.reduce_mean(tf.math.squared_difference(y_pred, y_true)))', 'loss=Rmse()'],
      ['def error(y_true, y_pred):\n    return tf.abs(y_true - y_pred)', 'loss="mse", metrics=["mae", error]'],
    ]) {
      const [finding] = expectFindings(`
        import tensorflow as tf
        from tensorflow import keras

${definition.split('\n').map((l) => `        ${l}`).join('\n')}

        model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", ${given})
        model.fit(x_train, y_train, epochs=3)
        ^^^^^^^^^ GML102: No fix is offered
      `, { codes: ['GML102'] });
      assert.equal(finding.fixes.length, 0, given);
    }
  });

  it('keeps the fix when the custom metric casts y_pred first, reads y_pred alone, or is Keras\'s own', () => {
    for (const body of [
      'y_pred = tf.cast(y_pred, tf.float32)\n        self.total.assign_add(tf.reduce_sum(tf.square(y_true - y_pred)))',
      'self.total.assign_add(tf.reduce_sum(tf.square(tf.cast(y_true, tf.float32) - tf.cast(y_pred, "float32"))))',
      'self.total.assign_add(tf.cast(tf.reduce_sum(y_pred * 2.0), tf.float32))',
    ]) {
      const [finding] = expectFindings(`
        import tensorflow as tf
        from tensorflow import keras

        class Total(keras.metrics.Metric):
            def update_state(self, y_true, y_pred, sample_weight=None):
                ${body}

        model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError(), metrics=[Total(), keras.metrics.RootMeanSquaredError()])
        model.fit(x_train, y_train, epochs=3)
        ^^^^^^^^^ GML102
      `, { codes: ['GML102'] });
      assert.equal(finding.fixes.length, 2, body);
    }
  });
});
