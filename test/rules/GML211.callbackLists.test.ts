import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { kerasNoEarlyStopping } from '../../server/src/rules/GML211_kerasNoEarlyStopping';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// A callbacks list assigned again before each fit, as notebooks do (one cell per run): each fit reads
// the list that reaches it.
describe('GML211 keras-no-early-stopping', () => {
  describe('a callbacks list assigned again before each fit (one per notebook cell)', () => {
    const checkpointCell = (file: string, epochs: number) => `callbacks = [
    keras.callbacks.ModelCheckpoint(
        filepath="${file}",
        save_best_only=True,
        monitor="val_loss")
]
history = model.fit(
    train_dataset,
    epochs=${epochs},
    validation_data=validation_dataset,
    callbacks=callbacks)
`;
    const cells = [
      { kind: 'code' as const, text: 'import keras\nfrom keras import layers\n' },
      { kind: 'code' as const, text: 'model = keras.Sequential([layers.Conv2D(64, 3, activation="relu"), layers.Flatten(), layers.Dense(1, activation="sigmoid")])\nmodel.compile(loss="binary_crossentropy", optimizer="rmsprop")\n' },
      { kind: 'code' as const, text: checkpointCell('convnet_from_scratch.keras', 30) },
      { kind: 'markdown' as const, text: 'Now with data augmentation.' },
      { kind: 'code' as const, text: checkpointCell('convnet_with_augmentation.keras', 100) },
    ];

    it('flags each fit, reading the list assigned in its own cell, and the fix appends to that list', () => {
      const analysis = analyzeNotebook(cells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML211');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.range.start.line, /trains (\d+) epochs/.exec(f.finding.message)?.[1]]),
        [
          [2, 6, '30'],
          [4, 6, '100'],
        ],
      );
      const fixed = fixNotebook(cells, { unsafe: true, rules: [kerasNoEarlyStopping] });
      assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML211').length, 0);
      for (const cell of [2, 4]) assert.match(fixed.cells[cell].text, /monitor="val_loss"\),\n {4}keras\.callbacks\.EarlyStopping\(monitor="val_loss", patience=3, restore_best_weights=True\)\n\]/);
    });

    it('in a script: each fit, with the assignment before it', () => {
      expectFindings(`
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([layers.Dense(256, activation="relu"), layers.Dense(1)])
        model.compile(loss="mse", optimizer="rmsprop")
        callbacks = [keras.callbacks.ModelCheckpoint(filepath="first.keras", save_best_only=True)]
        model.fit(x_train, y_train, epochs=30, validation_data=(x_val, y_val), callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 30 epochs
        callbacks = [keras.callbacks.ModelCheckpoint(filepath="second.keras", save_best_only=True)]
        model.fit(x_train, y_train, epochs=50, validation_data=(x_val, y_val), callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 50 epochs
      `);
    });

    it('stays quiet when the list that reaches the fit holds EarlyStopping, or an earlier one did and a later one does not', () => {
      expectFindings(`
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
        ^^^^^^^^^ GML211: trains 30 epochs
        callbacks = [keras.callbacks.EarlyStopping(patience=3)]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
    });

    it('stays quiet when the reaching list is not known: assigned in a branch, in a loop, or added to after', () => {
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        if patience_wanted:
            callbacks = [keras.callbacks.EarlyStopping(patience=3)]
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        for run in range(3):
            model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
            callbacks = make_callbacks(run)
      `);
      expectNone('GML211', `
        import keras

        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
        callbacks = [keras.callbacks.ModelCheckpoint("a.keras")]
        callbacks = [keras.callbacks.ModelCheckpoint("b.keras")]
        callbacks.extend(extra_callbacks)
        model.fit(x_train, y_train, epochs=30, validation_split=0.2, callbacks=callbacks)
      `);
    });
  });
});
