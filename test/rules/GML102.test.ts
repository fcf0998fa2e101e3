import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML102';
const BODY = ['model = keras.Sequential([keras.layers.Dense(10)])', 'model.compile(loss="mse")', 'model.fit(x, y, epochs=3)'];

describe('GML102 keras-fp32-policy', () => {
  it('flags fit on a Keras model with no policy and inserts set_global_policy after the imports', () => {
    const src = py('"""Train."""', 'import numpy as np', 'import keras', '', ...BODY);
    const f = assertOne(src, CODE);
    assert.equal(f.range.start.line, 6);
    assert.match(f.message, /float32/);
    assert.equal(f.fixes.length, 2);
    assert.ok(f.fixes.every((x) => x.safety === 'unsafe' && x.title.endsWith(' (unsafe)')));
    const fixed = assertFixes(src, CODE);
    assert.equal(fixed, py('"""Train."""', 'import numpy as np', 'import keras', 'keras.mixed_precision.set_global_policy("mixed_float16")', '', ...BODY));
    assert.deepEqual(findings(fixed, CODE), []);
    const bf16 = applyFix(src, f, 1);
    assert.match(bf16, /keras\.mixed_precision\.set_global_policy\("mixed_bfloat16"\)/);
    assert.deepEqual(findings(bf16, CODE), []);
  });

  it('uses the name the file binds keras by, through tensorflow too', () => {
    const tf = assertFixes(py('import tensorflow as tf', 'model = tf.keras.Sequential()', 'model.fit(x, y)'), CODE);
    assert.match(tf, /^import tensorflow as tf\ntf\.keras\.mixed_precision\.set_global_policy\("mixed_float16"\)\n/);
    const fromTf = assertFixes(py('from tensorflow import keras', 'model = keras.models.Sequential()', 'model.fit(x, y)'), CODE);
    assert.match(fromTf, /^from tensorflow import keras\nkeras\.mixed_precision\.set_global_policy/);
    const both = assertFixes(py('import tensorflow as tf', 'from tensorflow import keras', 'model = keras.Sequential()', 'model.fit(x, y)'), CODE);
    assert.match(both, /\nkeras\.mixed_precision\.set_global_policy/);
  });

  it('adds the keras import once when only submodule names are imported', () => {
    const tf = assertFixes(py('from tensorflow.keras.models import Sequential', 'from tensorflow.keras.layers import Dense', 'm = Sequential([Dense(1)])', 'm.fit(x, y)'), CODE);
    assert.equal(count(tf, 'import tensorflow as tf\n'), 1);
    assert.match(tf, /from tensorflow\.keras\.layers import Dense\nimport tensorflow as tf\ntf\.keras\.mixed_precision\.set_global_policy\("mixed_float16"\)\n/);
    const keras = assertFixes(py('from keras.models import Sequential', 'm = Sequential()', 'm.fit(x, y)'), CODE);
    assert.equal(count(keras, 'import keras\n'), 1);
    assert.match(keras, /^from keras\.models import Sequential\nimport keras\nkeras\.mixed_precision/);
  });

  it('recognises functional models, subclasses, loaded models and models returned by local functions', () => {
    assertOne(py('import keras', 'inputs = keras.Input((4,))', 'model = keras.Model(inputs, keras.layers.Dense(1)(inputs))', 'model.fit(x, y)'), CODE);
    assertOne(py('import tensorflow as tf', 'class Net(tf.keras.Model):', '    pass', 'class Deeper(Net):', '    pass', 'net = Deeper()', 'net.fit(x, y)'), CODE);
    assertOne(py('import keras', 'model = keras.models.load_model("m.keras")', 'model.fit(x, y)'), CODE);
    assertOne(py('import keras', 'base = keras.applications.ResNet50(weights=None)', 'base.fit(x, y)'), CODE);
    assertOne(py('from tensorflow import keras', 'def build():', '    return keras.Sequential()', 'model = build()', 'model.fit(x, y)'), CODE);
  });

  it('stays quiet when a mixed policy is set in any spelling, or the policy is unknown', () => {
    const with_ = (...lines: string[]) => py('import keras', 'import tensorflow as tf', ...lines, ...BODY);
    assertNone(with_('keras.mixed_precision.set_global_policy("mixed_float16")'), CODE);
    assertNone(with_('keras.mixed_precision.set_dtype_policy("mixed_bfloat16")'), CODE);
    assertNone(with_('keras.config.set_dtype_policy("mixed_float16")'), CODE);
    assertNone(with_('tf.keras.mixed_precision.set_global_policy("mixed_float16")'), CODE);
    assertNone(with_('tf.keras.mixed_precision.experimental.set_policy("mixed_float16")'), CODE);
    assertNone(with_('from tensorflow.keras import mixed_precision', 'mixed_precision.set_global_policy(mixed_precision.Policy("mixed_float16"))'), CODE);
    assertNone(with_('policy = keras.DTypePolicy("mixed_bfloat16")', 'keras.config.set_dtype_policy(policy)'), CODE);
    assertNone(with_('keras.mixed_precision.set_global_policy(args.policy)'), CODE);
    assertNone(with_('layer = keras.layers.Dense(4, dtype="mixed_float16")'), CODE);
    assertNone(with_('layer = keras.layers.Dense(', '    4,', '    dtype = "mixed_bfloat16",', ')'), CODE);
    assertNone(with_('layer_dtype = "mixed_float16"', 'layer = keras.layers.Dense(4, dtype=layer_dtype)'), CODE);
  });

  it('does not count `dtype` spelled in a comment, a string or another name as a layer policy', () => {
    const with_ = (...lines: string[]) => py('import keras', 'import tensorflow as tf', ...lines, ...BODY);
    assertOne(with_('# keras.layers.Dense(4, dtype="mixed_float16")'), CODE);
    assertOne(with_('note = \'Dense(4, dtype="mixed_float16")\''), CODE);
    assertOne(with_('my_dtype = "mixed_float16"', 'print(my_dtype)'), CODE);
  });

  it('still flags a float32 policy and changes it in place', () => {
    const src = py('import keras', 'keras.mixed_precision.set_global_policy("float32")', ...BODY);
    const fixed = assertFixes(src, CODE);
    assert.equal(fixed, py('import keras', 'keras.mixed_precision.set_global_policy("mixed_float16")', ...BODY));
    assertOne(py('import keras', 'layer = keras.layers.Dense(4, dtype="float32")', ...BODY), CODE);
  });

  it('ignores fit on other libraries and look-alike local classes', () => {
    assertNone(py('import keras', 'from sklearn.linear_model import LogisticRegression', 'clf = LogisticRegression()', 'clf.fit(x, y)'), CODE);
    assertNone(py('import keras', 'class Sequential:', '    def fit(self, x): pass', 'm = Sequential()', 'm.fit(x)'), CODE);
    assertNone(py('import keras', 'import xgboost as xgb', 'm = keras.Sequential()', 'def train(est):', '    est.fit(x, y)'), CODE);
    assertNone(py('import keras', 'def train(est):', '    est.fit(x, y)'), CODE);
    assertNone(py('import torch', 'm = keras.Sequential()', 'm.fit(x, y)'), CODE);
  });

  it('flags an unresolved receiver when the file builds a Keras model and imports no other fit library', () => {
    assertOne(py('import keras', 'def train(model):', '    model.fit(x, y, epochs=2)', 'train(keras.Sequential())'), CODE);
  });

  it('keeps tab and two-space indented code, and CRLF newlines', () => {
    const tabs = 'import keras\ndef main():\n\tmodel = keras.Sequential()\n\tmodel.fit(x, y)\n';
    assert.equal(assertFixes(tabs, CODE), 'import keras\nkeras.mixed_precision.set_global_policy("mixed_float16")\ndef main():\n\tmodel = keras.Sequential()\n\tmodel.fit(x, y)\n');
    const two = 'import keras\nif True:\n  model = keras.Sequential()\n  model.fit(x, y)\n';
    assert.equal(assertFixes(two, CODE), 'import keras\nkeras.mixed_precision.set_global_policy("mixed_float16")\nif True:\n  model = keras.Sequential()\n  model.fit(x, y)\n');
    const crlf = 'from keras.models import Sequential\r\nm = Sequential()\r\nm.fit(x, y)\r\n';
    assert.equal(assertFixes(crlf, CODE), 'from keras.models import Sequential\r\nimport keras\r\nkeras.mixed_precision.set_global_policy("mixed_float16")\r\nm = Sequential()\r\nm.fit(x, y)\r\n');
  });
});
