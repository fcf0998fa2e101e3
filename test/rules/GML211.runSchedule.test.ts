import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// A learning-rate schedule sized to exactly the run's epochs: stopping early would cut it before it
// anneals, so the finding is information without a fix.
describe('GML211 keras-no-early-stopping: a schedule that spans the run', () => {
  const SPANS = 'GML211: is sized to these 25 epochs';

  function assertInformationWithoutFix(fixture: string): void {
    const [finding] = expectFindings(fixture);
    assert.equal(finding.severity, 'information');
    assert.equal(finding.fixes.length, 0);
  }

  it('a one-cycle callback of the file built from the epoch count (through a name)', () => {
    assertInformationWithoutFix(`
      import math
      import tensorflow as tf

      class OneCycleScheduler(tf.keras.callbacks.Callback):
          def __init__(self, iterations, max_lr=1e-3):
              super().__init__()
              self.iterations, self.max_lr, self.iteration = iterations, max_lr, 0

          def on_batch_begin(self, batch, logs=None):
              self.model.optimizer.learning_rate = self.max_lr * (1 - self.iteration / self.iterations)
              self.iteration += 1

      n_epochs = 25
      model = tf.keras.Sequential([tf.keras.layers.Dense(300, activation="relu"), tf.keras.layers.Dense(10)])
      n_iterations = math.ceil(len(X_train) / 128) * n_epochs
      onecycle = OneCycleScheduler(n_iterations, max_lr=0.1)
      model.fit(X_train, y_train, epochs=n_epochs, validation_data=(X_valid, y_valid), callbacks=[onecycle])
      ^^^^^^^^^ ${SPANS}
    `);
  });

  it('LearningRateScheduler whose function decays over the epoch count', () => {
    assertInformationWithoutFix(`
      import keras

      n_epochs = 25
      model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1)])
      schedule = keras.callbacks.LearningRateScheduler(lambda epoch: 1e-2 * (1 - epoch / n_epochs))
      model.fit(x, y, epochs=n_epochs, validation_split=0.2, callbacks=[schedule])
      ^^^^^^^^^ ${SPANS}
    `);
  });

  it('the compiled optimizer’s CosineDecay over epochs × steps', () => {
    assertInformationWithoutFix(`
      import keras

      EPOCHS = 25
      schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=EPOCHS * steps_per_epoch)
      model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1)])
      model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
      model.fit(x, y, epochs=EPOCHS, validation_split=0.2)
      ^^^^^^^^^ GML211: (\`keras.optimizers.schedules.CosineDecay(…)\`) is sized to these 25 epochs
    `);
  });

  it('still a warning with its fix: a schedule not tied to the epoch count, or a callback that sets no learning rate', () => {
    for (const callback of [
      'keras.callbacks.LearningRateScheduler(lambda epoch: 1e-2 * 0.1 ** (epoch / 20))',
      'keras.callbacks.ReduceLROnPlateau(patience=2)',
      'EpochLogger(total=n_epochs)',
    ]) {
      const [finding] = expectFindings(`
        import keras

        class EpochLogger(keras.callbacks.Callback):
            def __init__(self, total):
                super().__init__()
                self.total = total

            def on_epoch_end(self, epoch, logs=None):
                print(f"{epoch + 1}/{self.total}")

        n_epochs = 25
        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1)])
        model.fit(x, y, epochs=n_epochs, validation_split=0.2, callbacks=[${callback}])
        ^^^^^^^^^ GML211: often most of the run
      `);
      assert.equal(finding.severity, 'warning', callback);
      assert.equal(finding.fixes.length, 1, callback);
    }
  });

  it('still a warning: a one-cycle callback sized by another count than the fit’s', () => {
    const [finding] = expectFindings(`
      import keras

      class OneCycle(keras.callbacks.Callback):
          def __init__(self, iterations):
              super().__init__()
              self.iterations = iterations

          def on_batch_begin(self, batch, logs=None):
              self.model.optimizer.learning_rate = 0.1

      warmup_epochs = 5
      n_epochs = 25
      model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1)])
      model.fit(x, y, epochs=n_epochs, validation_split=0.2, callbacks=[OneCycle(warmup_epochs * 100)])
      ^^^^^^^^^ GML211: often most of the run
    `);
    assert.equal(finding.fixes.length, 1);
  });
});
