import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

// Keras 2's `fit_generator(generator, steps_per_epoch, epochs, verbose, callbacks, validation_data, …)`
// (TensorFlow up to 2.15; removed in Keras 3) trains as `fit` does, with its own argument positions.
describe('GML211 keras-no-early-stopping', () => {
  describe('fit_generator', () => {
    it('flags fit_generator with validation data, many epochs and no EarlyStopping (held-out r9 repro)', () => {
      expectFindings(`
        import tensorflow as tf

        model = tf.keras.models.Sequential([tf.keras.layers.Conv2D(128, (3, 3), activation="relu", input_shape=(150, 150, 3)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit_generator(train_gen, steps_per_epoch=20, epochs=100,
        #         ^^^^^^^^^^^^^^^^^^^ GML211: \`fit_generator(…)\` trains 100 epochs with validation data but no EarlyStopping callback
                                      validation_data=val_gen, validation_steps=5)
      `);
    });

    it('reads its positional arguments at their own positions (epochs third, callbacks fifth, validation_data sixth)', () => {
      expectFindings(`
        import keras

        model = keras.models.Sequential([keras.layers.Dense(64), keras.layers.Dense(1)])
        model.fit_generator(gen, 20, 30, 1, None, val_gen)
        ^^^^^^^^^^^^^^^^^^^ GML211: trains 30 epochs
      `);
      expectNone('GML211', `
        import keras

        model = keras.models.Sequential([keras.layers.Dense(64), keras.layers.Dense(1)])
        # steps_per_epoch=500 is not the epoch count; no validation data; EarlyStopping passed by position.
        model.fit_generator(gen, 500)
        model.fit_generator(gen, 20, 30, 1, None, None)
        model.fit_generator(gen, 20, 30, 1, [keras.callbacks.EarlyStopping(patience=3)], val_gen)
        model.fit_generator(gen, steps_per_epoch=20, epochs=n_epochs, validation_data=val_gen)
      `);
    });

    it('fix: adds the EarlyStopping callback to the call', () => {
      expectFix(
        'GML211',
        `
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(64), tf.keras.layers.Dense(1)])
        model.fit_generator(train_gen, epochs=100, validation_data=val_gen)
        `,
        `
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(64), tf.keras.layers.Dense(1)])
        model.fit_generator(train_gen, epochs=100, validation_data=val_gen, callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });
  });
});
