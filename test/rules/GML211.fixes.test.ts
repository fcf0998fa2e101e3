import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix } from '../helpers/markers';

useParser();

// The fix: EarlyStopping added to the fit's callbacks through the Keras the file uses, in the file's
// layout; no fix where the History is read as if it held every epoch.
describe('GML211 keras-no-early-stopping', () => {
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
