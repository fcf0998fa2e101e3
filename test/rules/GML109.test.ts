import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML109 tf-custom-loop-fp32', () => {
  it('flags a GradientTape train step, as TensorFlow\u2019s quickstart writes it', () => {
    expectFindings(`
      import tensorflow as tf

      model = MyModel()
      loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
      optimizer = tf.keras.optimizers.Adam()

      @tf.function
      def train_step(images, labels):
          with tf.GradientTape() as tape:
              predictions = model(images, training=True)
              loss = loss_object(labels, predictions)
          gradients = tape.gradient(loss, model.trainable_variables)
      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109: computes in float32
          optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    `);
  });

  it('flags a GAN step with two tapes once', () => {
    expectFindings(`
      import tensorflow as tf

      @tf.function
      def train_step(images):
          noise = tf.random.normal([BATCH_SIZE, noise_dim])
          with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
              generated_images = generator(noise, training=True)
              real_output = discriminator(images, training=True)
              fake_output = discriminator(generated_images, training=True)
              gen_loss = generator_loss(fake_output)
              disc_loss = discriminator_loss(real_output, fake_output)
          gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
      #                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
          gradients_of_discriminator = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
          generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
          discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator, discriminator.trainable_variables))
    `);
  });

  it('flags through from-imports under other names', () => {
    expectFindings(`
      from tensorflow import GradientTape as Tape
      from tensorflow import keras

      def step(x, y):
          with Tape() as t:
              loss = keras.losses.mse(y, model(x))
          grads = t.gradient(loss, model.trainable_weights)
      #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
          opt.apply_gradients(zip(grads, model.trainable_weights))
    `);
  });

  it('leaves a Keras model\'s train_step override that a fit of the file runs to GML102 (one finding, at the fit); flags it when nothing here fits that class', () => {
    const override = `
      import tensorflow as tf
      from tensorflow import keras

      class CustomModel(keras.Model):
          def train_step(self, data):
              x, y = data
              with tf.GradientTape() as tape:
                  y_pred = self(x, training=True)
                  loss = self.compiled_loss(y, y_pred)
              grads = tape.gradient(loss, self.trainable_variables)
              self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
              return {"loss": loss}
    `;
    expectFindings(`${override}
      inputs = keras.Input(shape=(784,))
      outputs = keras.layers.Dense(10)(keras.layers.Dense(512, activation="relu")(inputs))
      model = CustomModel(inputs, outputs)
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=3)
      ^^^^^^^^^ GML102
    `, { codes: ['GML102', 'GML109'] });
    // The class defined here, its models built and fitted elsewhere: the step is this file's only report.
    expectFindings(override.replace(
      'grads = tape.gradient(loss, self.trainable_variables)\n',
      'grads = tape.gradient(loss, self.trainable_variables)\n      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109\n',
    ), { codes: ['GML102', 'GML109'] });
  });

  it('not with a mixed policy set', () => {
    expectNone('GML109', `
      import tensorflow as tf
      from tensorflow.keras import mixed_precision

      mixed_precision.set_global_policy("mixed_float16")
      optimizer = mixed_precision.LossScaleOptimizer(tf.keras.optimizers.Adam())

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
              scaled_loss = optimizer.get_scaled_loss(loss)
          grads = optimizer.get_unscaled_gradients(tape.gradient(scaled_loss, model.trainable_variables))
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
    `);
  });

  it('not with a policy the file does not spell', () => {
    expectNone('GML109', `
      import tensorflow as tf

      tf.keras.mixed_precision.set_global_policy(args.policy)

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
    `);
  });

  it('not a gradient with no update (an adversarial example)', () => {
    expectNone('GML109', `
      import tensorflow as tf

      def adversarial_pattern(image, label):
          with tf.GradientTape() as tape:
              tape.watch(image)
              loss = loss_object(label, pretrained_model(image))
          gradient = tape.gradient(loss, image)
          return tf.sign(gradient)
    `);
  });

  it('not a local object with a gradient method', () => {
    expectNone('GML109', `
      import tensorflow as tf

      class Tape:
          def gradient(self, loss, variables):
              return []

      tape = Tape()
      grads = tape.gradient(loss, variables)
      optimizer.apply_gradients(zip(grads, variables))
    `);
  });

  it('not with target-device = "cpu"', () => {
    expectNone('GML109', `
      import tensorflow as tf

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
    `, { targetDevice: 'cpu' });
  });

  it('not a loop pinned to the CPU with a literal tf.device, around the loop or around the call of the function holding it', () => {
    expectNone('GML109', `
      import tensorflow as tf
      from tensorflow import keras

      model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
      critic = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(1)])
      optimizer = keras.optimizers.Adam()

      with tf.device("/cpu:0"):
          for images, labels in train_ds:
              with tf.GradientTape() as tape:
                  loss = loss_fn(labels, model(images, training=True))
              grads = tape.gradient(loss, model.trainable_variables)
              optimizer.apply_gradients(zip(grads, model.trainable_variables))

      def learn(dataset):
          for x, y in dataset:
              with tf.GradientTape() as tape:
                  loss = tf.reduce_mean(tf.square(critic(x, training=True) - y))
              grads = tape.gradient(loss, critic.trainable_variables)
              optimizer.apply_gradients(zip(grads, critic.trainable_variables))

      def objective(trial):
          with tf.device("/CPU:0"):
              learn(train_ds)
          return evaluate(critic)

      with tf.device("cpu"):
          learn(valid_ds)
    `);
  });

  it('flags a loop pinned to a GPU, or to a device that is not a literal, and a function also called off the CPU', () => {
    expectFindings(`
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
      optimizer = tf.keras.optimizers.Adam()

      with tf.device("/GPU:0"):
          for images, labels in train_ds:
              with tf.GradientTape() as tape:
                  loss = loss_fn(labels, model(images, training=True))
              grads = tape.gradient(loss, model.trainable_variables)
      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
              optimizer.apply_gradients(zip(grads, model.trainable_variables))

      def step_on(device, x, y):
          with tf.device(device):
              with tf.GradientTape() as tape:
                  loss = loss_fn(y, model(x, training=True))
              grads = tape.gradient(loss, model.trainable_variables)
      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
              optimizer.apply_gradients(zip(grads, model.trainable_variables))

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x, training=True))
          grads = tape.gradient(loss, model.trainable_variables)
      #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
          optimizer.apply_gradients(zip(grads, model.trainable_variables))

      with tf.device("/cpu:0"):
          train_step(x_small, y_small)
      for x, y in train_ds:
          train_step(x, y)
    `);
  });

  it('fix: sets mixed_bfloat16 after the imports', () => {
    expectFix(
      'GML109',
      `
      import tensorflow as tf

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
      `
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
    );
  });

  it('fix: changes a float32 policy in place', () => {
    expectFix(
      'GML109',
      `
      import keras
      import tensorflow as tf

      keras.mixed_precision.set_global_policy("float32")

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
      `
      import keras
      import tensorflow as tf

      keras.mixed_precision.set_global_policy("mixed_bfloat16")

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
    );
  });

  it('leaves the train step of a small model built in the file alone, and flags it with a wide layer', () => {
    const script = (units: number, flagged: boolean) => `
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(${units}, activation="relu"), tf.keras.layers.Dense(10)])
      loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
      optimizer = tf.keras.optimizers.Adam()

      @tf.function
      def train_step(images, labels):
          with tf.GradientTape() as tape:
              predictions = model(images, training=True)
              loss = loss_object(labels, predictions)
          gradients = tape.gradient(loss, model.trainable_variables)${flagged ? '\n      #               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109' : ''}
          optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    `;
    expectNone('GML109', script(16, false));
    expectFindings(script(128, true));
    // A frozen layer (trainable=False) trains nothing: a model whose other layers are small is small.
    expectNone('GML109', script(16, false).replace('tf.keras.layers.Flatten()', 'tf.keras.layers.Embedding(1000, 128, trainable=False), tf.keras.layers.Flatten()'));
  });
  describe('a hand-written loss the policy would break: the fix is withheld', () => {
    it('withholds the fix when a local loss function subtracts the output from float32 targets (keras-team demo_custom_tf_workflow)', () => {
      const [finding] = expectFindings(`
        import tensorflow as tf
        from keras import layers, ops, optimizers

        model = tf.keras.Sequential([layers.Dense(256, activation="relu"), layers.Dense(4)])
        optimizer = optimizers.SGD(learning_rate=0.001)

        def loss_fn(y_true, y_pred):
            return ops.sum((y_true - y_pred) ** 2)

        @tf.function
        def train_step(data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = model(x)
                loss = loss_fn(y, y_pred)
            grads = tape.gradient(loss, model.trainable_variables)
        #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109: No fix is offered
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `);
      assert.equal(finding.fixes.length, 0);
      assert.match(finding.message, /`y_true - y_pred`.*dtype="float32"/);
    });

    it('withholds it for inline arithmetic and for a raw TensorFlow loss on the output and the labels', () => {
      for (const loss of ['tf.reduce_mean(tf.square(y - model(x)))', 'tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x)))', 'tf.reduce_mean(tf.math.squared_difference(model(x), y))']) {
        const [finding] = expectFindings(`
          import tensorflow as tf

          def train_step(x, y):
              with tf.GradientTape() as tape:
                  loss = ${loss}
              grads = tape.gradient(loss, model.trainable_variables)
          #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
              optimizer.apply_gradients(zip(grads, model.trainable_variables))
        `);
        assert.equal(finding.fixes.length, 0, loss);
      }
    });

    it('keeps the fix when Keras computes the loss, the output is cast to float32, or the loss reads the output alone', () => {
      const found = expectFindings(`
        import tensorflow as tf

        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)

        def discriminator_loss(real_output, fake_output):
            real_loss = cross_entropy(tf.ones_like(real_output), real_output)
            fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
            return real_loss + fake_loss

        def step_loss_object(x, y):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True)) + sum(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
        #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

        def step_gan(images):
            with tf.GradientTape() as tape:
                disc_loss = discriminator_loss(discriminator(images), discriminator(generator(noise)))
            grads = tape.gradient(disc_loss, discriminator.trainable_variables)
        #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
            optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))

        def step_cast(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - tf.cast(model(x), "float32")))
            grads = tape.gradient(loss, model.trainable_variables)
        #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

        def step_alone(x):
            with tf.GradientTape() as tape:
                loss = -tf.reduce_mean(critic(x)) * 0.5
            grads = tape.gradient(loss, critic.trainable_variables)
        #           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109
            optimizer.apply_gradients(zip(grads, critic.trainable_variables))
      `);
      assert.deepEqual(found.map((f) => f.fixes.length), [1, 1, 1, 1]);
    });
  });

  it('fix: goes after the whole import block (an environment setting between imports included) and, in a Keras 3 file, through keras', () => {
    expectFix(
      'GML109',
      `
      import os

      os.environ["KERAS_BACKEND"] = "tensorflow"

      import numpy as np
      import tensorflow as tf

      from keras import layers
      from keras import optimizers

      model = tf.keras.Sequential([layers.Dense(256, activation="relu"), layers.Dense(4)])
      optimizer = optimizers.SGD(learning_rate=0.001)

      @tf.function
      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = tf.reduce_mean(tf.square(y - tf.cast(model(x), "float32")))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
      `
      import os

      os.environ["KERAS_BACKEND"] = "tensorflow"

      import numpy as np
      import tensorflow as tf

      from keras import layers
      from keras import optimizers
      import keras
      keras.mixed_precision.set_global_policy("mixed_bfloat16")

      model = tf.keras.Sequential([layers.Dense(256, activation="relu"), layers.Dense(4)])
      optimizer = optimizers.SGD(learning_rate=0.001)

      @tf.function
      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = tf.reduce_mean(tf.square(y - tf.cast(model(x), "float32")))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
    );
  });

  it('fix: after the import run through tf.keras in a file with no Keras 3 import', () => {
    expectFix(
      'GML109',
      `
      import tensorflow as tf
      import numpy as np
      # plotting
      import matplotlib.pyplot as plt

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
      `
      import tensorflow as tf
      import numpy as np
      # plotting
      import matplotlib.pyplot as plt
      tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")

      def train_step(x, y):
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `,
    );
  });

  it('not in TensorFlow 1.x code (tf.enable_eager_execution, tf.train.AdamOptimizer, tf.Session, tf.contrib): the policy API needs TF 2.4', () => {
    for (const tf1 of ['tf.enable_eager_execution()', 'opt = tf.train.AdamOptimizer(0.001)', 'sess = tf.Session()', 'init = tf.contrib.layers.xavier_initializer()']) {
      expectNone('GML109', `
        import numpy as np
        import tensorflow as tf
        from tensorflow.python import keras
        from tensorflow.python.keras import layers

        ${tf1}

        model = keras.Sequential([layers.Dense(100, activation="relu"), layers.Dense(2)])

        for _ in range(100):
            x = tf.convert_to_tensor(np.random.random((20, 4)), dtype=tf.float32)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x)))
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
      `);
    }
  });

  describe('a script that hides every GPU (CUDA_VISIBLE_DEVICES) trains on the CPU', () => {
    const script = (setting: string, where: 'before' | 'after' = 'before') => `
      import os
      ${where === 'before' ? setting : ''}
      import numpy as np
      import tensorflow as tf
      ${where === 'after' ? setting : ''}
      model = tf.keras.Sequential([tf.keras.layers.Dense(100, activation="relu"), tf.keras.layers.Dense(2)])
      opt = tf.keras.optimizers.Adam(1e-3)

      for _ in range(100):
          x = np.random.random((20, 4)).astype("float32")
          with tf.GradientTape() as tape:
              loss = tf.reduce_mean(tf.square(model(x)))
          grads = tape.gradient(loss, model.trainable_variables)
          opt.apply_gradients(zip(grads, model.trainable_variables))
    `;
    const flagged = (text: string) => text.replace(/(\n(\s*)grads = tape\.gradient.*\n)/, `$1$2#       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109\n`);

    it('not when CUDA_VISIBLE_DEVICES is set to "" or "-1" before TensorFlow is imported', () => {
      expectNone('GML109', script('os.environ["CUDA_VISIBLE_DEVICES"] = ""'));
      expectNone('GML109', script('os.environ["CUDA_VISIBLE_DEVICES"] = "-1"'));
    });

    it('flags a GPU index, a value that is not a literal, a setting under a branch or after the import, and one set again elsewhere', () => {
      expectFindings(flagged(script('os.environ["CUDA_VISIBLE_DEVICES"] = "0"')));
      expectFindings(flagged(script('os.environ["CUDA_VISIBLE_DEVICES"] = args.gpus')));
      expectFindings(flagged(script('if cpu_only:\n          os.environ["CUDA_VISIBLE_DEVICES"] = ""')));
      expectFindings(flagged(script('os.environ["CUDA_VISIBLE_DEVICES"] = ""', 'after')));
      expectFindings(flagged(script('os.environ["CUDA_VISIBLE_DEVICES"] = ""\n      os.environ["CUDA_VISIBLE_DEVICES"] = gpu_ids')));
    });
  });

  it('withholds the fix when a Metric subclass of the file that the step updates mixes the uncast y_pred with y_true', () => {
    const [finding] = expectFindings(`
      import tensorflow as tf

      class MeanError(tf.keras.metrics.Metric):
          def __init__(self):
              super().__init__(name="mean_error")
              self.total = self.add_weight(name="total", initializer="zeros")
          def update_state(self, y_true, y_pred, sample_weight=None):
              self.total.assign_add(tf.reduce_sum(y_pred - tf.one_hot(y_true, 10)))
          def result(self):
              return self.total

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
      loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
      metric = MeanError()
      opt = tf.keras.optimizers.Adam()
      for x, y in dataset:
          with tf.GradientTape() as tape:
              predictions = model(x, training=True)
              loss = loss_fn(y, predictions)
          grads = tape.gradient(loss, model.trainable_variables)
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML109: \`MeanError.update_state\` receives the model's 16-bit output as \`y_pred\`
          opt.apply_gradients(zip(grads, model.trainable_variables))
          metric.update_state(y, predictions)
    `);
    assert.equal(finding.fixes.length, 0);
  });
});
