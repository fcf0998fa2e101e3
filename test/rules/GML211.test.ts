import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML211';

const MODEL = [
  'model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])',
  'model.compile(optimizer="adam", loss="mse")',
];

describe('GML211 keras-no-early-stopping', () => {
  it('flags fit with validation_split and many epochs, and adds EarlyStopping through the keras binding', () => {
    const src = py('import keras', ...MODEL, 'model.fit(x, y, epochs=50, validation_split=0.2)');
    const f = assertOne(src, CODE);
    assert.match(f.message, /50 epochs/);
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.match(f.fixes[0].title, /\(unsafe\)$/);
    assert.deepEqual(f.range.start, { line: 3, character: 0 });
    const fixed = assertFixes(src, CODE);
    assert.match(fixed, /model\.fit\(x, y, epochs=50, validation_split=0\.2, callbacks=\[keras\.callbacks\.EarlyStopping\(monitor="val_loss", patience=3, restore_best_weights=True\)\]\)/);
    assert.deepEqual(findings(fixed, CODE), []);
  });

  it('flags validation_data, including unknown and positional forms', () => {
    assertOne(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_data=(xv, yv))'), CODE);
    assertOne(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_data=val_ds)'), CODE);
    assertOne(py('import keras', ...MODEL, 'model.fit(train_ds, None, None, 20, 1, None, 0.0, val_ds)'), CODE);
    assertOne(py('import keras', ...MODEL, 'EPOCHS = 30', 'model.fit(x, y, epochs=EPOCHS, validation_split=0.1)'), CODE);
  });

  it('resolves tf.keras, from-imports, aliases, the functional API, subclasses and builder functions', () => {
    assertOne(py('import tensorflow as tf', 'model = tf.keras.Sequential()', 'model.fit(x, y, epochs=5, validation_split=0.1)'), CODE);
    assertOne(py('from tensorflow import keras', 'model = keras.models.Sequential()', 'model.fit(x, y, epochs=5, validation_split=0.1)'), CODE);
    assertOne(py('from keras.models import Sequential as Seq', 'net = Seq()', 'net.fit(x, y, epochs=5, validation_split=0.1)'), CODE);
    assertOne(py('import keras', 'm = keras.Model(inputs, outputs)', 'm.fit(x, y, epochs=5, validation_split=0.1)'), CODE);
    assertOne(
      py('import keras', 'class Net(keras.Model):', '    pass', 'class Deeper(Net):', '    pass', 'm = Deeper()', 'm.fit(x, y, epochs=5, validation_split=0.1)'),
      CODE,
    );
    assertOne(
      py('import keras', 'def build():', '    m = keras.Sequential()', '    m.compile(loss="mse")', '    return m', 'model = build()', 'model.fit(x, y, epochs=5, validation_split=0.1)'),
      CODE,
    );
  });

  it('stays quiet when EarlyStopping is there, in every spelling', () => {
    const fit = (cb: string) => `model.fit(x, y, epochs=50, validation_split=0.2, callbacks=${cb})`;
    assertNone(py('import keras', ...MODEL, fit('[keras.callbacks.EarlyStopping(patience=2)]')), CODE);
    assertNone(py('import tensorflow as tf', 'model = tf.keras.Sequential()', fit('[tf.keras.callbacks.EarlyStopping()]')), CODE);
    assertNone(py('import keras', 'from keras.callbacks import EarlyStopping as ES', ...MODEL, 'stop = ES(monitor="val_loss")', fit('[stop]')), CODE);
    assertNone(py('import keras', ...MODEL, 'cbs = [keras.callbacks.EarlyStopping()]', fit('cbs')), CODE);
    assertNone(py('import keras', ...MODEL, 'cbs = []', 'cbs.append(keras.callbacks.EarlyStopping())', fit('cbs')), CODE);
    assertNone(py('import keras', ...MODEL, 'class Stop(keras.callbacks.EarlyStopping):', '    pass', fit('[Stop()]')), CODE);
    // A custom callback that sets model.stop_training is early stopping too.
    assertNone(
      py('import keras', ...MODEL, 'class Halt(keras.callbacks.Callback):', '    def on_epoch_end(self, epoch, logs=None):', '        self.model.stop_training = True', fit('[Halt()]')),
      CODE,
    );
  });

  it('does not count ReduceLROnPlateau or ModelCheckpoint as early stopping, and appends to the literal list', () => {
    const src = py('import keras', ...MODEL, 'model.fit(x, y, epochs=50, validation_split=0.2, callbacks=[keras.callbacks.ReduceLROnPlateau()])');
    const fixed = assertFixes(src, CODE);
    assert.match(fixed, /callbacks=\[keras\.callbacks\.ReduceLROnPlateau\(\), keras\.callbacks\.EarlyStopping\(monitor="val_loss", patience=3, restore_best_weights=True\)\]/);
  });

  it('appends to a multi-line list in its layout, and to a list held by a variable', () => {
    const src = py(
      'import keras',
      ...MODEL,
      'callbacks = [',
      '    keras.callbacks.ModelCheckpoint("best.keras"),',
      '    keras.callbacks.CSVLogger("log.csv"),',
      ']',
      'model.fit(x, y, epochs=50, validation_split=0.2, callbacks=callbacks)',
    );
    const fixed = assertFixes(src, CODE);
    assert.ok(
      fixed.includes('    keras.callbacks.CSVLogger("log.csv"),\n    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),\n]'),
      fixed,
    );
  });

  it('stays quiet on one epoch, the default epochs, no validation, and unknown values', () => {
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, validation_split=0.2)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=1, validation_split=0.2)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, initial_epoch=9, validation_split=0.2)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_split=0.0)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_data=None)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=args.epochs, validation_split=0.2)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_split=cfg.split)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_split=0.2, callbacks=make_callbacks())'), CODE);
    assertNone(py('import keras', ...MODEL, 'def run(cbs):', '    model.fit(x, y, epochs=10, validation_split=0.2, callbacks=cbs)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_split=0.2, **fit_kwargs)'), CODE);
    assertNone(py('import keras', ...MODEL, 'model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[*extra])'), CODE);
  });

  it('leaves fits of other libraries and look-alike local classes alone', () => {
    assertNone(
      py('import keras', 'from sklearn.neural_network import MLPClassifier', 'clf = MLPClassifier()', 'clf.fit(x, y, epochs=10, validation_data=(xv, yv))'),
      CODE,
    );
    assertNone(py('import keras', 'class Sequential:', '    def fit(self, *a, **k): pass', 'm = Sequential()', 'm.fit(x, y, epochs=10, validation_split=0.2)'), CODE);
    assertNone(py('import keras', 'gen = keras.preprocessing.image.ImageDataGenerator()', 'gen.fit(x, epochs=10, validation_split=0.2)'), CODE);
    // A parameter named like the module is not the module.
    assertNone(py('import keras', 'import sklearn', 'def train(keras):', '    m = keras.Sequential()', '    m.fit(x, y, epochs=10, validation_split=0.2)'), CODE);
  });

  it('warns on an unresolved receiver only in a Keras-only file', () => {
    const body = ['def train(model):', '    model.fit(x, y, epochs=10, validation_split=0.2)'];
    assertOne(py('import tensorflow as tf', ...body), CODE);
    assertNone(py('import tensorflow as tf', 'import xgboost', ...body), CODE);
    assertNone(py('import tensorflow as tf', 'import lightning', ...body), CODE);
  });

  it('uses the EarlyStopping or callbacks name the file already binds, else adds one import once', () => {
    const a = assertFixes(py('from keras.callbacks import EarlyStopping, CSVLogger', 'import keras', ...MODEL, 'model.fit(x, y, epochs=9, validation_split=0.2, callbacks=[CSVLogger("l")])'), CODE);
    assert.match(a, /callbacks=\[CSVLogger\("l"\), EarlyStopping\(monitor="val_loss"/);
    assert.equal(count(a, 'import EarlyStopping'), 1);
    const b = assertFixes(py('import tensorflow as tf', 'model = tf.keras.Sequential()', 'model.fit(x, y, epochs=9, validation_split=0.2)'), CODE);
    assert.match(b, /callbacks=\[tf\.keras\.callbacks\.EarlyStopping\(/);
    const c = assertFixes(py('from tensorflow.keras import callbacks', 'from tensorflow.keras.models import Sequential', 'model = Sequential()', 'model.fit(x, y, epochs=9, validation_split=0.2)'), CODE);
    assert.match(c, /callbacks=\[callbacks\.EarlyStopping\(/);
    const d = assertFixes(py('from tensorflow.keras.models import Sequential', 'model = Sequential()', 'model.fit(x, y, epochs=9, validation_split=0.2)'), CODE);
    assert.equal(count(d, 'from tensorflow.keras.callbacks import EarlyStopping\n'), 1);
    assert.match(d, /callbacks=\[EarlyStopping\(monitor="val_loss"/);
    // Two fits: fixing one leaves the import in place for the other, which reuses it.
    const two = py('from keras.models import Sequential', 'm = Sequential()', 'm.fit(x, y, epochs=9, validation_split=0.2)', 'm.fit(x, y, epochs=4, validation_split=0.2)');
    assert.equal(findings(two, CODE).length, 2);
  });

  it('replaces callbacks=None and keeps multi-line fit calls in their layout', () => {
    const a = assertFixes(py('import keras', ...MODEL, 'model.fit(x, y, epochs=9, validation_split=0.2, callbacks=None)'), CODE);
    assert.match(a, /callbacks=\[keras\.callbacks\.EarlyStopping\(/);
    const b = assertFixes(py('import keras', ...MODEL, 'history = model.fit(', '    x,', '    y,', '    epochs=9,', '    validation_split=0.2,', ')'), CODE);
    assert.ok(b.includes('    validation_split=0.2,\n    callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)],\n)'), b);
  });

  it('keeps tab and two-space indentation and CRLF newlines', () => {
    const tab = py('import keras', 'def main():', '\tmodel = keras.Sequential()', '\tmodel.fit(', '\t\tx, y,', '\t\tepochs=9,', '\t\tvalidation_split=0.2)');
    const fixedTab = assertFixes(tab, CODE);
    assert.ok(fixedTab.includes('\t\tvalidation_split=0.2,\n\t\tcallbacks=[keras.callbacks.EarlyStopping('), fixedTab);
    const two = py('import keras', 'def main():', '  model = keras.Sequential()', '  cbs = [', '    keras.callbacks.CSVLogger("l")', '  ]', '  model.fit(x, y, epochs=9, validation_split=0.2, callbacks=cbs)');
    const fixedTwo = assertFixes(two, CODE);
    assert.ok(fixedTwo.includes('    keras.callbacks.CSVLogger("l"),\n    keras.callbacks.EarlyStopping('), fixedTwo);
    const crlf = 'from keras.models import Sequential\r\nm = Sequential()\r\nm.fit(x, y, epochs=9, validation_split=0.2)\r\n';
    const fixedCrlf = assertFixes(crlf, CODE);
    assert.equal(
      fixedCrlf,
      'from keras.models import Sequential\r\nfrom keras.callbacks import EarlyStopping\r\nm = Sequential()\r\nm.fit(x, y, epochs=9, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])\r\n',
    );
  });
});
