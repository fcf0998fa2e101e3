import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

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
});
