import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// A small model (every layer at most 32 wide) built in the file gains nothing from 16-bit compute:
// the widths of Sequential, functional, subclassed and custom-layer models, and models loaded back.

/** A GML102 marker under a `model.fit` line written at the same indentation, or an empty line. */
const mark = (reported: boolean) => (reported ? '^^^^^^^^^ GML102' : '');

describe('GML102 keras-fp32-policy', () => {
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

    it('does not count a frozen layer (trainable=False, or .trainable = False on its name): the held-out r9 GloVe repro', () => {
      const glove = (embedding: string, after = '', flagged = false) => `
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense, Flatten, Embedding

        embedding_matrix = np.zeros((50, 100))
        model = Sequential()
        embedding = ${embedding}${after.replace(/\n/g, '\n        ')}
        model.add(embedding)
        model.add(Flatten())
        model.add(Dense(1, activation="sigmoid"))
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
        model.fit(padded, labels, epochs=100, verbose=1)
        ${mark(flagged)}
      `;
      expectNone('GML102', glove('Embedding(50, 100, weights=[embedding_matrix], input_length=7, trainable=False)'));
      expectNone('GML102', glove('Embedding(50, 100, weights=[embedding_matrix], input_length=7)', '\nembedding.trainable = False\nprint(embedding.trainable)'));
      // Trainable, unfrozen again, or frozen by a value that is not a literal: its width counts.
      expectFindings(glove('Embedding(50, 100, weights=[embedding_matrix], input_length=7)', '', true), { codes: ['GML102'] });
      expectFindings(glove('Embedding(50, 100, weights=[embedding_matrix], trainable=False)', '\nembedding.trainable = True', true), { codes: ['GML102'] });
      expectFindings(glove('Embedding(50, 100, weights=[embedding_matrix], trainable=args.tune)', '', true), { codes: ['GML102'] });
    });

    it('counts other frozen layers (their forward pass still multiplies matrices), not a frozen Embedding of a functional model', () => {
      expectFindings(`
        import keras
        from keras import layers

        model = keras.Sequential([layers.Bidirectional(layers.LSTM(128), trainable=False), layers.Dense(16)])
        model.fit(x, y, epochs=10)
        ^^^^^^^^^ GML102
      `, { codes: ['GML102'] });
      expectFindings(`
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(512, trainable=False), layers.Dense(16)])
        model.fit(x, y, epochs=10)
        ^^^^^^^^^ GML102
      `, { codes: ['GML102'] });
      expectNone('GML102', `
        import keras
        from keras import layers

        inputs = keras.Input((7,))
        h = layers.Embedding(5000, 300, trainable=False)(inputs)
        h = layers.LSTM(16)(h)
        outputs = layers.Dense(1)(h)
        functional = keras.Model(inputs, outputs)
        functional.fit(x, y, epochs=10)
      `);
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
});
