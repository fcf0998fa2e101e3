import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// Fits left alone: nothing a stop could save, no validation data, values it cannot read, fits of other
// libraries and look-alikes, and a model of unknown origin in a file that imports another fit library.
describe('GML211 keras-no-early-stopping', () => {
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
});
