import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { kerasNoEarlyStopping } from '../../server/src/rules/GML211_kerasNoEarlyStopping';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML211 keras-no-early-stopping', () => {
  describe('flags', () => {
    it('a fit with validation_split that trains many epochs', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2)
        ^^^^^^^^^ GML211: trains 50 epochs with validation data
      `);
    });

    it('a short fit of 3 to 9 epochs, as the TensorFlow tutorials write it: information, with the honest bound and a patience that can act', () => {
      const [five] = expectFindings(`
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Embedding(10000, 16), tf.keras.layers.GlobalAveragePooling1D(), tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
        history = model.fit(train_ds, validation_data=val_ds, epochs=5)
        #         ^^^^^^^^^ GML211: With 5 epochs, stopping on val_loss can save at most the last 3, and only when it stops improving that early.
      `);
      assert.equal(five.severity, 'information');
      assert.match(five.fixes[0].title, /patience=1,/);
      const [nine] = expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=12, initial_epoch=3, validation_split=0.2)
        ^^^^^^^^^ GML211: trains 9 epochs
      `);
      assert.equal(nine.severity, 'information');
      assert.match(nine.fixes[0].title, /patience=2,/);
      const [ten] = expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=10, validation_split=0.2)
        ^^^^^^^^^ GML211: often most of the run
      `);
      assert.equal(ten.severity, 'warning');
      assert.match(ten.fixes[0].title, /patience=3,/);
    });

    it('validation_data given as a tuple', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        history = model.fit(x_train, y_train, batch_size=64, epochs=10, validation_data=(x_val, y_val))
        #         ^^^^^^^^^ GML211: trains 10 epochs
      `);
    });

    it('validation_data given as a dataset variable', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(train_ds, epochs=10, validation_data=val_ds)
        ^^^^^^^^^ GML211
      `);
    });

    it('epochs and validation_data passed by position', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(train_ds, None, None, 20, 1, None, 0.0, val_ds)
        ^^^^^^^^^ GML211: trains 20 epochs
      `);
    });

    it('epochs read from a module constant', () => {
      expectFindings(`
        import keras

        EPOCHS = 30

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=EPOCHS, validation_split=0.1)
        ^^^^^^^^^ GML211: trains 30 epochs
      `);
    });

    it('epochs assigned again in a later notebook cell (to plot the history): the assignment before the fit', () => {
      expectFindings(`
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Embedding(10000, 16), tf.keras.layers.GlobalAveragePooling1D(), tf.keras.layers.Dense(1)])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        epochs = 10
        history = model.fit(
                  ^^^^^^^^^ GML211: trains 10 epochs
            train_ds,
            validation_data=val_ds,
            epochs=epochs)
        acc = history.history["accuracy"]
        epochs = range(1, len(acc) + 1)
      `);
    });
  });

  describe('a callbacks list assigned again before each fit (one per notebook cell)', () => {
    const checkpointCell = (file: string, epochs: number) => `callbacks = [
    keras.callbacks.ModelCheckpoint(
        filepath="${file}",
        save_best_only=True,
        monitor="val_loss")
]
history = model.fit(
    train_dataset,
    epochs=${epochs},
    validation_data=validation_dataset,
    callbacks=callbacks)
`;
    const cells = [
      { kind: 'code' as const, text: 'import keras\nfrom keras import layers\n' },
      { kind: 'code' as const, text: 'model = keras.Sequential([layers.Conv2D(64, 3, activation="relu"), layers.Flatten(), layers.Dense(1, activation="sigmoid")])\nmodel.compile(loss="binary_crossentropy", optimizer="rmsprop")\n' },
      { kind: 'code' as const, text: checkpointCell('convnet_from_scratch.keras', 30) },
      { kind: 'markdown' as const, text: 'Now with data augmentation.' },
      { kind: 'code' as const, text: checkpointCell('convnet_with_augmentation.keras', 100) },
    ];

    it('flags each fit, reading the list assigned in its own cell, and the fix appends to that list', () => {
      const analysis = analyzeNotebook(cells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML211');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.range.start.line, /trains (\d+) epochs/.exec(f.finding.message)?.[1]]),
        [
          [2, 6, '30'],
          [4, 6, '100'],
        ],
      );
      const fixed = fixNotebook(cells, { unsafe: true, rules: [kerasNoEarlyStopping] });
      assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML211').length, 0);
      for (const cell of [2, 4]) assert.match(fixed.cells[cell].text, /monitor="val_loss"\),\n {4}keras\.callbacks\.EarlyStopping\(monitor="val_loss", patience=3, restore_best_weights=True\)\n\]/);
    });

    it('in a script: each fit, with the assignment before it', () => {
      expectFindings(`
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([layers.Dense(256, activation="relu"), layers.Dense(1)])
        model.compile(loss="mse", optimizer="rmsprop")
        callbacks = [keras.callbacks.ModelCheckpoint(filepath="first.keras", save_best_only=True)]
        model.fit(x_train, y_train, epochs=30, validation_data=(x_val, y_val), callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 30 epochs
        callbacks = [keras.callbacks.ModelCheckpoint(filepath="second.keras", save_best_only=True)]
        model.fit(x_train, y_train, epochs=50, validation_data=(x_val, y_val), callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 50 epochs
      `);
    });

    it('stays quiet when the list that reaches the fit holds EarlyStopping, or an earlier one did and a later one does not', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 30 epochs
        callbacks = [keras.callbacks.EarlyStopping(patience=3)]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
    });

    it('stays quiet when the reaching list is not known: assigned in a branch, in a loop, or added to after', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        if patience_wanted:
            callbacks = [keras.callbacks.EarlyStopping(patience=3)]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        for run in range(3):
            model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
            callbacks = make_callbacks(run)
      `);
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        callbacks = [keras.callbacks.ModelCheckpoint("b.keras")]
        callbacks.extend(extra_callbacks)
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
    });
  });

  describe('a History read as if it held every epoch: reported, without the fix', () => {
    const run = (after: string) => `
        import keras
        from keras import layers
        import matplotlib.pyplot as plt

        model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x_train, y_train, epochs=20, batch_size=512, validation_split=0.4)
        #         ^^^^^^^^^ GML211: trains 20 epochs
${after
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
      `;

    it('plotted against a range as long as the run, inline or through names (notebook cells reassigning them)', () => {
      const [inline] = expectFindings(run('plt.plot(range(1, 21), history.history["val_loss"], "b-")'));
      assert.equal(inline.fixes.length, 0);
      const [named] = expectFindings(
        run(['val_loss = history.history["val_loss"]', 'epochs = range(1, 21)', 'plt.plot(epochs, val_loss, "b-", label="Validation loss")'].join('\n')),
      );
      assert.equal(named.fixes.length, 0);
    });

    it('indexed at a literal epoch an early-stopped run may not reach', () => {
      const [last] = expectFindings(run('print("final val_loss:", history.history["val_loss"][19])'));
      assert.equal(last.fixes.length, 0);
    });

    it('appended to a list of histories, whose later reads (by epoch across folds) are not followed', () => {
      for (const after of [
        ['mae_history = history.history["val_mae"]', 'all_mae_histories.append(mae_history)'].join('\n'),
        'histories.extend([])\nhistories.append(history.history["val_loss"])',
      ]) {
        const [collected] = expectFindings(run(after));
        assert.equal(collected.fixes.length, 0, after);
      }
    });

    it('keeps the fix when the history is read at its own length, at its end, or at its first epochs', () => {
      for (const after of [
        ['loss = history.history["loss"]', 'epochs = range(1, len(loss) + 1)', 'plt.plot(epochs, loss, "bo")'].join('\n'),
        'print(history.history["val_loss"][-1], history.history["val_loss"][0])',
        'plt.plot(history.history["loss"], label="training loss")',
        ['val_loss = history.history["val_loss"]', 'plt.plot(range(1, 31), other_run)'].join('\n'),
      ]) {
        const [finding] = expectFindings(run(after));
        assert.equal(finding.fixes.length, 1, after);
      }
    });
  });

  describe('finds the Keras model', () => {
    it('through tf.keras', () => {
      expectFindings(`
        import tensorflow as tf

        model = tf.keras.Sequential()
        model.add(tf.keras.layers.Dense(10, activation="softmax"))
        model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^^^ GML211
      `);
    });

    it('through from tensorflow import keras', () => {
      expectFindings(`
        from tensorflow import keras

        model = keras.models.Sequential()
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^^^ GML211
      `);
    });

    it('through a from-import under another name', () => {
      expectFindings(`
        from keras.models import Sequential as Seq

        net = Seq()
        net.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^ GML211
      `);
    });

    it('built with the functional API', () => {
      expectFindings(`
        import keras

        inputs = keras.Input(shape=(784,))
        outputs = keras.layers.Dense(10, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^^^ GML211
      `);
    });

    it('of a subclass of a subclass of keras.Model', () => {
      expectFindings(`
        import keras

        class MLP(keras.Model):
            pass

        class DeeperMLP(MLP):
            pass

        model = DeeperMLP()
        model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^^^ GML211
      `);
    });

    it('returned by a builder function', () => {
      expectFindings(`
        import keras

        def build_model():
            model = keras.Sequential()
            model.compile(loss="mse")
            return model

        model = build_model()
        model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        ^^^^^^^^^ GML211
      `);
    });
  });

  describe('Hugging Face TensorFlow models are Keras models', () => {
    it('a TFAutoModel loaded with from_pretrained, with transformers callbacks only', () => {
      expectFindings(`
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification
        from transformers.keras_callbacks import KerasMetricCallback, PushToHubCallback

        model = TFAutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=2e-5))
        metric_callback = KerasMetricCallback(metric_fn=compute_metrics, eval_dataset=tf_validation_dataset)
        callbacks = [metric_callback]
        model.fit(tf_train_dataset, validation_data=tf_validation_dataset, epochs=3, callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 3 epochs
      `);
    });

    it('an architecture class under another name', () => {
      expectFindings(`
        import transformers as hf

        model = hf.TFBertForSequenceClassification.from_pretrained("bert-base-cased", num_labels=5)
        model.compile(optimizer="adam")
        model.fit(train_set, validation_data=val_set, epochs=4)
        ^^^^^^^^^ GML211
      `);
    });

    it('a local subclass of TFPreTrainedModel', () => {
      expectFindings(`
        from transformers import TFPreTrainedModel

        class TFMyClassifier(TFPreTrainedModel):
            pass

        model = TFMyClassifier(config)
        model.fit(train_set, validation_data=val_set, epochs=4)
        ^^^^^^^^^ GML211
      `);
    });

    it('not a TF model with EarlyStopping in the callbacks', () => {
      expectNone('GML211', `
        import tensorflow as tf
        from transformers import TFAutoModelForSequenceClassification

        model = TFAutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)
        stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
        model.fit(tf_train_dataset, validation_data=tf_validation_dataset, epochs=3, callbacks=[stop])
      `);
    });

    it('not the PyTorch Trainer nor a tokenizer', () => {
      expectNone('GML211', `
        from transformers import AutoModelForSequenceClassification, TFTrainer

        model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
        model.fit(train_set, validation_data=val_set, epochs=4)
        trainer = TFTrainer(model=model, args=args)
        trainer.fit(train_set, validation_data=val_set, epochs=4)
      `);
    });
  });

  describe('counts as early stopping', () => {
    it('keras.callbacks.EarlyStopping in the list', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(patience=2)])
      `);
    });

    it('tf.keras.callbacks.EarlyStopping', () => {
      expectNone('GML211', `
        import tensorflow as tf

        model = tf.keras.Sequential()
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[tf.keras.callbacks.EarlyStopping()])
      `);
    });

    it('an EarlyStopping imported under another name and held by a variable', () => {
      expectNone('GML211', `
        import keras
        from keras.callbacks import EarlyStopping as ES

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        stop = ES(monitor="val_loss")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[stop])
      `);
    });

    it('a list variable holding EarlyStopping', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        cbs = [keras.callbacks.EarlyStopping()]
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=cbs)
      `);
    });

    it('EarlyStopping appended to the list variable', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        cbs = []
        cbs.append(keras.callbacks.EarlyStopping())
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=cbs)
      `);
    });

    it('a local subclass of EarlyStopping', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")

        class Stop(keras.callbacks.EarlyStopping):
            pass

        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[Stop()])
      `);
    });

    it('a custom callback that sets model.stop_training', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")

        class Halt(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                self.model.stop_training = True

        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[Halt()])
      `);
    });
  });

  describe('stays quiet', () => {
    it('on two epochs: a stop on val_loss could save none of them', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=2, validation_split=0.2)
      `);
    });

    it('when epochs is left out (Keras trains one epoch)', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, validation_split=0.2)
      `);
    });

    it('on epochs=1', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=1, validation_split=0.2)
      `);
    });

    it('when initial_epoch leaves one epoch to train', () => {
      expectNone('GML211', `
        import keras

        model = keras.models.load_model("checkpoint.keras")
        model.fit(x_train, y_train, epochs=10, initial_epoch=9, validation_split=0.2)
      `);
    });

    it('without validation data', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10)
      `);
    });

    it('on validation_split=0.0', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_split=0.0)
      `);
    });

    it('on validation_data=None', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_data=None)
      `);
    });

    it('when epochs comes from the command line', () => {
      expectNone('GML211', `
        import argparse
        import keras

        args = argparse.ArgumentParser().parse_args()
        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=args.epochs, validation_split=0.2)
      `);
    });

    it('when validation_split comes from a config', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_split=cfg.split)
      `);
    });

    it('when the callbacks come from a function call', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_split=0.2, callbacks=make_callbacks())
      `);
    });

    it('when the callbacks are a parameter', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")

        def run(cbs):
            model.fit(x_train, y_train, epochs=10, validation_split=0.2, callbacks=cbs)
      `);
    });

    it('when **kwargs may pass callbacks', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_split=0.2, **fit_kwargs)
      `);
    });

    it('epochs assigned again in a branch before the fit: unknown', () => {
      expectNone('GML211', `
        import keras

        epochs = 10
        if quick:
            epochs = 2
        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1)])
        model.fit(x_train, y_train, epochs=epochs, validation_split=0.2)
      `);
    });

    it('when the callbacks list unpacks an unknown list', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=10, validation_split=0.2, callbacks=[*extra])
      `);
    });
  });

  describe('leaves other fits alone', () => {
    it('a scikit-learn estimator in a Keras file', () => {
      expectNone('GML211', `
        import keras
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier()
        clf.fit(x_train, y_train, epochs=10, validation_data=(x_val, y_val))
      `);
    });

    it('a local class named like a Keras model', () => {
      expectNone('GML211', `
        import keras

        class Sequential:
            def fit(self, *args, **kwargs):
                pass

        model = Sequential()
        model.fit(x_train, y_train, epochs=10, validation_split=0.2)
      `);
    });

    it('a Keras object that is not a model', () => {
      expectNone('GML211', `
        import keras

        datagen = keras.preprocessing.image.ImageDataGenerator(rotation_range=20)
        datagen.fit(x_train, epochs=10, validation_split=0.2)
      `);
    });

    it('a parameter named like the keras module', () => {
      expectNone('GML211', `
        import keras
        import sklearn

        def train(keras):
            model = keras.Sequential()
            model.fit(x_train, y_train, epochs=10, validation_split=0.2)
      `);
    });
  });

  describe('a model of unknown origin', () => {
    it('is flagged in a file that imports only Keras', () => {
      expectFindings(`
        import tensorflow as tf

        def train(model):
            model.fit(x_train, y_train, epochs=10, validation_split=0.2)
        #   ^^^^^^^^^ GML211
      `);
    });

    it('is not flagged when XGBoost is imported too', () => {
      expectNone('GML211', `
        import tensorflow as tf
        import xgboost

        def train(model):
            model.fit(x_train, y_train, epochs=10, validation_split=0.2)
      `);
    });

    it('is not flagged when Lightning is imported too', () => {
      expectNone('GML211', `
        import tensorflow as tf
        import lightning

        def train(model):
            model.fit(x_train, y_train, epochs=10, validation_split=0.2)
      `);
    });
  });

  it('flags each of two fits', () => {
    expectFindings(`
      from keras.models import Sequential

      model = Sequential()
      model.fit(x_train, y_train, epochs=9, validation_split=0.2)
      ^^^^^^^^^ GML211: trains 9 epochs
      model.fit(x_train, y_train, epochs=4, validation_split=0.2)
      ^^^^^^^^^ GML211: trains 4 epochs
    `);
  });

  it('the fix is unsafe, and its title says so', () => {
    const [finding] = expectFindings(`
      import keras

      model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
      model.fit(x_train, y_train, epochs=50, validation_split=0.2)
      ^^^^^^^^^ GML211
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /\(unsafe\)$/);
  });

  describe('fix', () => {
    it('adds an import above the fit when the file imports keras only after it (a late notebook cell), and keeps the late one', () => {
      expectFix(
        'GML211',
        `
        from tensorflow.keras.layers import Dense
        from tensorflow.keras.models import Sequential

        model = Sequential([Dense(64, activation="relu"), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2)

        import keras
        keras.utils.plot_model(model, "model.png")
        `,
        `
        from tensorflow.keras.layers import Dense
        from tensorflow.keras.models import Sequential
        from keras.callbacks import EarlyStopping

        model = Sequential([Dense(64, activation="relu"), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])

        import keras
        keras.utils.plot_model(model, "model.png")
        `,
      );
    });

    it('reuses the earlier `import tensorflow as tf` rather than a later `import keras`, adding no import', () => {
      expectFix(
        'GML211',
        `
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(300, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        history = model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid))

        import keras.layers
        extra = keras.layers.Dense(10)
        `,
        `
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(300, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        history = model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid), callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])

        import keras.layers
        extra = keras.layers.Dense(10)
        `,
      );
    });

    it('does not use an import made inside another function or an if-branch that does not hold the fit', () => {
      expectFix(
        'GML211',
        `
        import tensorflow as tf

        def plot(model):
            import keras
            keras.utils.plot_model(model)

        if SHOW:
            from keras.callbacks import EarlyStopping

        model = tf.keras.Sequential([tf.keras.layers.Dense(300, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(x, y, epochs=20, validation_split=0.1)
        `,
        `
        import tensorflow as tf

        def plot(model):
            import keras
            keras.utils.plot_model(model)

        if SHOW:
            from keras.callbacks import EarlyStopping

        model = tf.keras.Sequential([tf.keras.layers.Dense(300, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(x, y, epochs=20, validation_split=0.1, callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('uses an earlier import of the function that holds the fit', () => {
      expectFix(
        'GML211',
        `
        import numpy as np

        def train(x, y):
            import keras
            model = keras.Sequential([keras.layers.Dense(300, activation="relu"), keras.layers.Dense(1)])
            model.compile(loss="mse")
            model.fit(x, y, epochs=20, validation_split=0.1)
            return model
        `,
        `
        import numpy as np

        def train(x, y):
            import keras
            model = keras.Sequential([keras.layers.Dense(300, activation="relu"), keras.layers.Dense(1)])
            model.compile(loss="mse")
            model.fit(x, y, epochs=20, validation_split=0.1, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
            return model
        `,
      );
    });

    it('adds EarlyStopping through the keras binding', () => {
      expectFix(
        'GML211',
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2)
        `,
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('appends to a literal list whose ReduceLROnPlateau does not stop training', () => {
      expectFix(
        'GML211',
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[keras.callbacks.ReduceLROnPlateau()])
        `,
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=[keras.callbacks.ReduceLROnPlateau(), keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('appends to a multi-line list held by a variable, in its layout', () => {
      expectFix(
        'GML211',
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        callbacks = [
            keras.callbacks.ModelCheckpoint("best.keras"),
            keras.callbacks.CSVLogger("log.csv"),
        ]
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=callbacks)
        `,
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        callbacks = [
            keras.callbacks.ModelCheckpoint("best.keras"),
            keras.callbacks.CSVLogger("log.csv"),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
        ]
        model.fit(x_train, y_train, epochs=50, validation_split=0.2, callbacks=callbacks)
        `,
      );
    });

    it('uses an imported EarlyStopping and adds no import', () => {
      expectFix(
        'GML211',
        `
        from keras.callbacks import EarlyStopping, CSVLogger
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[CSVLogger("training.log")])
        `,
        `
        from keras.callbacks import EarlyStopping, CSVLogger
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[CSVLogger("training.log"), EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('writes tf.keras.callbacks.EarlyStopping after import tensorflow as tf', () => {
      expectFix(
        'GML211',
        `
        import tensorflow as tf

        model = tf.keras.Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2)
        `,
        `
        import tensorflow as tf

        model = tf.keras.Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('uses an imported callbacks module', () => {
      expectFix(
        'GML211',
        `
        from tensorflow.keras import callbacks
        from tensorflow.keras.models import Sequential

        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2)
        `,
        `
        from tensorflow.keras import callbacks
        from tensorflow.keras.models import Sequential

        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('imports EarlyStopping once, from the Keras the file uses, when nothing binds it', () => {
      expectFix(
        'GML211',
        `
        from tensorflow.keras.models import Sequential

        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2)
        `,
        `
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.callbacks import EarlyStopping

        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('replaces callbacks=None with a list', () => {
      expectFix(
        'GML211',
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=None)
        `,
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('keeps a multi-line fit call one argument per line', () => {
      expectFix(
        'GML211',
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        history = model.fit(
            x_train,
            y_train,
            epochs=30,
            validation_split=0.2,
        )
        `,
        `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        history = model.fit(
            x_train,
            y_train,
            epochs=30,
            validation_split=0.2,
            callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)],
        )
        `,
      );
    });

    it('keeps tab indentation', () => {
      expectFix(
        'GML211',
        `
        import keras

        def main():
        \tmodel = keras.Sequential()
        \tmodel.fit(
        \t\tx_train, y_train,
        \t\tepochs=30,
        \t\tvalidation_split=0.2)
        `,
        `
        import keras

        def main():
        \tmodel = keras.Sequential()
        \tmodel.fit(
        \t\tx_train, y_train,
        \t\tepochs=30,
        \t\tvalidation_split=0.2,
        \t\tcallbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('keeps two-space indentation in a callbacks list', () => {
      expectFix(
        'GML211',
        `
        import keras

        def main():
          model = keras.Sequential()
          cbs = [
            keras.callbacks.CSVLogger("training.log")
          ]
          model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=cbs)
        `,
        `
        import keras

        def main():
          model = keras.Sequential()
          cbs = [
            keras.callbacks.CSVLogger("training.log"),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
          ]
          model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=cbs)
        `,
      );
    });

    it('keeps CRLF newlines, in the added import too', () => {
      expectFix(
        'GML211',
        `
        from keras.models import Sequential
        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2)
        `,
        `
        from keras.models import Sequential
        from keras.callbacks import EarlyStopping
        model = Sequential()
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
        { eol: '\r\n' },
      );
    });
  });
});
