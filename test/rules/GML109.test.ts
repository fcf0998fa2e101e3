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
  });
});
