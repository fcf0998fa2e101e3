import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix } from '../helpers/markers';

useParser();

// The fixes: a mixed-precision policy set after the imports through the Keras the file uses (or a
// float32 policy changed in place), in the file's layout.
describe('GML102 keras-fp32-policy', () => {
  it('fix: sets the mixed_float16 policy after the imports', () => {
    expectFix(
      'GML102',
      `
      """Train."""
      import numpy as np
      import keras

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      """Train."""
      import numpy as np
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
    );
  });

  it('fix: sets the policy through the import that runs before the fit, not a later `import keras`', () => {
    expectFix(
      'GML102',
      `
      import numpy as np
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)

      import keras
      keras.utils.plot_model(model)
      `,
      `
      import numpy as np
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)

      import keras
      keras.utils.plot_model(model)
      `,
    );
  });

  it('one finding for the file\'s fits, at the first: its fix sets the policy before it, whatever is imported after it', () => {
    const [finding] = expectFindings(`
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102: one policy line covers all 2 such \`fit\` calls here

      from tensorflow import keras
      wide = keras.Sequential([keras.layers.Dense(1024, activation="relu"), keras.layers.Dense(10)])
      wide.compile(loss="mse")
      wide.fit(x, y, epochs=3)
    `);
    const policy = finding.fixes[0].edits.find((e) => e.newText.includes('set_global_policy'))!;
    assert.deepEqual([policy.range.start.line, policy.newText], [1, 'tf.keras.mixed_precision.set_global_policy("mixed_float16")\n']);
  });

  it('the one finding goes to the first fit that is reported: a small model\'s fit before it, or a fit of another library, does not take it', () => {
    const [finding] = expectFindings(`
      import tensorflow as tf
      from sklearn.linear_model import LogisticRegression

      tiny = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1)])
      tiny.fit(x, y, epochs=3)
      LogisticRegression().fit(x, y)
      model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
      model.fit(x, y, epochs=3)
      ^^^^^^^^^ GML102
    `);
    assert.doesNotMatch(finding.message, /covers all/);
  });

  it('fix: the second fix sets mixed_bfloat16', () => {
    expectFix(
      'GML102',
      `
      """Train."""
      import numpy as np
      import keras

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      """Train."""
      import numpy as np
      import keras
      keras.mixed_precision.set_global_policy("mixed_bfloat16")

      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      { fixIndex: 1 },
    );
  });

  it('fix: a float32 policy is changed in place', () => {
    expectFix(
      'GML102',
      `
      import keras
      keras.mixed_precision.set_global_policy("float32")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
      model.compile(loss="mse")
      model.fit(x, y, epochs=3)
      `,
    );
  });

  it('fix: calls keras through `import tensorflow as tf`', () => {
    expectFix(
      'GML102',
      `
      import tensorflow as tf
      model = tf.keras.Sequential()
      model.fit(x, y)
      `,
      `
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      model = tf.keras.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: calls keras by the name `from tensorflow import keras` binds', () => {
    expectFix(
      'GML102',
      `
      from tensorflow import keras
      model = keras.models.Sequential()
      model.fit(x, y)
      `,
      `
      from tensorflow import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.models.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: prefers the keras name over tf.keras when both are imported', () => {
    expectFix(
      'GML102',
      `
      import tensorflow as tf
      from tensorflow import keras
      model = keras.Sequential()
      model.fit(x, y)
      `,
      `
      import tensorflow as tf
      from tensorflow import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      model = keras.Sequential()
      model.fit(x, y)
      `,
    );
  });

  it('fix: imports tensorflow once when only tensorflow.keras submodule names are imported', () => {
    expectFix(
      'GML102',
      `
      from tensorflow.keras.models import Sequential
      from tensorflow.keras.layers import Dense
      m = Sequential([Dense(128), Dense(1)])
      m.fit(x, y)
      `,
      `
      from tensorflow.keras.models import Sequential
      from tensorflow.keras.layers import Dense
      import tensorflow as tf
      tf.keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential([Dense(128), Dense(1)])
      m.fit(x, y)
      `,
    );
  });

  it('fix: imports keras once when only keras submodule names are imported', () => {
    expectFix(
      'GML102',
      `
      from keras.models import Sequential
      m = Sequential()
      m.fit(x, y)
      `,
      `
      from keras.models import Sequential
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential()
      m.fit(x, y)
      `,
    );
  });

  it('fix: tab-indented code is left as it is', () => {
    expectFix(
      'GML102',
      `
      import keras
      def main():
      \tmodel = keras.Sequential()
      \tmodel.fit(x, y)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      def main():
      \tmodel = keras.Sequential()
      \tmodel.fit(x, y)
      `,
    );
  });

  it('fix: two-space-indented code is left as it is', () => {
    expectFix(
      'GML102',
      `
      import keras
      if True:
        model = keras.Sequential()
        model.fit(x, y)
      `,
      `
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      if True:
        model = keras.Sequential()
        model.fit(x, y)
      `,
    );
  });

  it('fix: CRLF newlines are kept, in the added import too', () => {
    expectFix(
      'GML102',
      `
      from keras.models import Sequential
      m = Sequential()
      m.fit(x, y)
      `,
      `
      from keras.models import Sequential
      import keras
      keras.mixed_precision.set_global_policy("mixed_float16")
      m = Sequential()
      m.fit(x, y)
      `,
      { eol: '\r\n' },
    );
  });

  it('puts the "mixed_bfloat16" fix first in a file that also trains with a GradientTape step, whose fp16 loss scaling fit would not add', () => {
    const script = (withTape: boolean) => `
      import tensorflow as tf

      model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
      model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
      model.fit(x_train, y_train, epochs=5)
      ^^^^^^^^^ GML102
      ${withTape ? `optimizer = tf.keras.optimizers.Adam()
      for x, y in dataset:
          with tf.GradientTape() as tape:
              loss = loss_fn(y, model(x, training=True))
          grads = tape.gradient(loss, model.trainable_variables)
          optimizer.apply_gradients(zip(grads, model.trainable_variables))` : ''}
    `;
    const [plain] = expectFindings(script(false), { codes: ['GML102'] });
    assert.match(plain.fixes[0].title, /"mixed_float16"/);
    const [taped] = expectFindings(script(true), { codes: ['GML102'] });
    assert.match(taped.fixes[0].title, /"mixed_bfloat16"/);
    assert.match(taped.fixes[1].title, /"mixed_float16".*LossScaleOptimizer/);
  });
});
