import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertNone, assertOne, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML218 wrapped-net-no-early-stopping', () => {
  describe('skorch', () => {
    it('a classifier with max_epochs and the default validation split', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier

        net = NeuralNetClassifier(ClassifierModule, max_epochs=20, lr=0.1)
        #     ^^^^^^^^^^^^^^^^^^^ GML218: trains 20 epochs and scores its validation split
        net.fit(X, y)
      `);
    });

    it('max_epochs left out: skorch trains 10', () => {
      expectFindings(`
        from skorch import NeuralNetRegressor

        net = NeuralNetRegressor(RegressorModule, lr=0.1)
        #     ^^^^^^^^^^^^^^^^^^ GML218: trains 10 epochs (max_epochs, the default)
      `);
    });

    it('a callbacks list with a scoring callback only', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier
        from skorch.callbacks import EpochScoring

        auc = EpochScoring(scoring="roc_auc", lower_is_better=False)
        net = NeuralNetClassifier(ClassifierModule, max_epochs=20, lr=0.1, callbacks=[auc])
        #     ^^^^^^^^^^^^^^^^^^^ GML218
      `);
    });

    it('a predefined validation set and a checkpoint', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier
        from skorch.callbacks import Checkpoint, LRScheduler
        from skorch.helper import predefined_split

        checkpoint = Checkpoint(f_params="best_model.pt", monitor="valid_acc_best")
        net = NeuralNetClassifier(
        #     ^^^^^^^^^^^^^^^^^^^ GML218: trains 25 epochs
            PretrainedModel,
            max_epochs=25,
            train_split=predefined_split(val_ds),
            callbacks=[("checkpoint", checkpoint), ("lr_scheduler", LRScheduler(policy="StepLR"))],
        )
      `);
    });

    it('through module aliases and a from-import under another name', () => {
      expectFindings(`
        import skorch
        from skorch import NeuralNetBinaryClassifier as BinaryNet

        a = skorch.NeuralNetClassifier(Module, max_epochs=30)
        #   ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML218
        b = BinaryNet(Module, max_epochs=30)
        #   ^^^^^^^^^ GML218
      `);
    });

    it('a local net class derived from a skorch net (AccelerateMixin)', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier
        from skorch.hf import AccelerateMixin

        class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
            """NeuralNetClassifier with accelerate support"""

        net = AcceleratedNet(MyModule, accelerator=accelerator, max_epochs=40)
        #     ^^^^^^^^^^^^^^ GML218
      `);
    });

    it('not with EarlyStopping, plain or as a named pair', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier
        from skorch.callbacks import EarlyStopping

        a = NeuralNetClassifier(Module, max_epochs=100, callbacks=[EarlyStopping(patience=5)])
        b = NeuralNetClassifier(Module, max_epochs=100, callbacks=[("es", EarlyStopping())])
        es = EarlyStopping(monitor="valid_acc", lower_is_better=False)
        c = NeuralNetClassifier(Module, max_epochs=100, callbacks=[es])
      `);
    });

    it('not with no validation split, or one that is not skorch’s', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier

        a = NeuralNetClassifier(Module, max_epochs=100, train_split=None)
        b = NeuralNetClassifier(Module, max_epochs=100, train_split=my_split)
      `);
    });

    it('not for fewer epochs than a patience of 5 could shorten', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier
        from scikeras.wrappers import KerasClassifier

        net = NeuralNetClassifier(Module, max_epochs=6)
        clf = KerasClassifier(model=get_model, epochs=4, validation_split=0.2)
      `);
    });

    it('not for values the file does not tell', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier

        a = NeuralNetClassifier(Module, max_epochs=args.epochs)
        b = NeuralNetClassifier(Module, max_epochs=50, callbacks=make_callbacks())
        c = NeuralNetClassifier(Module, max_epochs=50, **params)
        d = NeuralNetClassifier(Module, max_epochs=50)
        d.set_params(callbacks=[stop])
      `);
    });

    it('a net whose arguments come from a literal dict (**params)', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier

        params = dict(max_epochs=30, lr=0.1)
        net = NeuralNetClassifier(Module, **params)
        #     ^^^^^^^^^^^^^^^^^^^ GML218: trains 30 epochs and scores its validation split
        defaults = {"lr": 0.1}
        net2 = NeuralNetClassifier(Module, **defaults)
        #      ^^^^^^^^^^^^^^^^^^^ GML218: trains 10 epochs (max_epochs, the default)
      `);
    });

    it('not when that dict passes callbacks or a split, or is changed later', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier
        from skorch.callbacks import EarlyStopping

        with_stop = dict(max_epochs=30, callbacks=[EarlyStopping()])
        a = NeuralNetClassifier(Module, **with_stop)
        no_split = dict(max_epochs=30, train_split=None)
        b = NeuralNetClassifier(Module, **no_split)
        changed = dict(max_epochs=30)
        changed["callbacks"] = [EarlyStopping()]
        c = NeuralNetClassifier(Module, **changed)
      `);
    });

    it('not in a file whose own callback raises KeyboardInterrupt', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier
        from skorch.callbacks import Callback

        class StopAtTarget(Callback):
            def on_epoch_end(self, net, **kwargs):
                if net.history[-1, "valid_acc"] > 0.95:
                    raise KeyboardInterrupt

        net = NeuralNetClassifier(Module, max_epochs=50, callbacks=[StopAtTarget()])
      `);
    });

    it('not a net only initialized to load saved parameters', () => {
      expectNone('GML218', `
        from skorch import NeuralNetClassifier

        new_net = NeuralNetClassifier(
            ClassifierModule,
            max_epochs=20,
            lr=0.1,
        ).initialize()
        new_net.load_params(f_params="some-file.pkl")
        y_pred = new_net.predict(X[:5])
      `);
    });

    it('but an initialized net that is then fitted', () => {
      expectFindings(`
        from skorch import NeuralNetClassifier

        net = NeuralNetClassifier(ClassifierModule, max_epochs=20).initialize()
        #     ^^^^^^^^^^^^^^^^^^^ GML218
        net.fit(X, y)
      `);
    });

    it('not a local class that only shares the name', () => {
      expectNone('GML218', `
        import skorch

        class NeuralNetClassifier:
            def __init__(self, module, max_epochs=10):
                self.module = module

        net = NeuralNetClassifier(Module, max_epochs=50)
      `);
    });
  });

  describe('Keras scikit-learn wrappers', () => {
    it('scikeras with epochs and validation_split', () => {
      expectFindings(`
        import keras
        from scikeras.wrappers import KerasClassifier

        clf = KerasClassifier(model=get_model, loss="binary_crossentropy", epochs=50, validation_split=0.2, verbose=0)
        #     ^^^^^^^^^^^^^^^ GML218: trains 50 epochs per fit with validation data
      `);
    });

    it('scikeras with routed fit__ parameters', () => {
      expectFindings(`
        from scikeras.wrappers import KerasRegressor as Regressor

        reg = Regressor(model=get_model, fit__epochs=100, fit__validation_split=0.1)
        #     ^^^^^^^^^ GML218
      `);
    });

    it('the legacy build_fn wrapper through tensorflow.keras', () => {
      expectFindings(`
        from tensorflow.keras.wrappers.scikit_learn import KerasClassifier

        model = KerasClassifier(build_fn=create_model, epochs=150, batch_size=10, validation_split=0.33)
        #       ^^^^^^^^^^^^^^^ GML218: trains 150 epochs
      `);
    });

    it('not with a Keras EarlyStopping in the callbacks', () => {
      expectNone('GML218', `
        import keras
        from scikeras.wrappers import KerasClassifier

        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
        a = KerasClassifier(model=get_model, epochs=50, validation_split=0.2, callbacks=[stop])
        b = KerasClassifier(model=get_model, epochs=50, validation_split=0.2, fit__callbacks=[stop])
      `);
    });

    it('scikeras with its arguments in a literal dict (**kwargs)', () => {
      expectFindings(`
        from scikeras.wrappers import KerasClassifier

        kwargs = dict(model=get_clf, loss="binary_crossentropy", fit__validation_split=0.2, epochs=20, verbose=False)
        clf = KerasClassifier(**kwargs)
        #     ^^^^^^^^^^^^^^^ GML218: trains 20 epochs per fit with validation data
      `);
    });

    it('not when that dict is unknown, holds callbacks or gives no validation data', () => {
      expectNone('GML218', `
        from scikeras.wrappers import KerasClassifier
        import keras

        a = KerasClassifier(model=get_clf, epochs=20, validation_split=0.2, **extra)
        with_stop = dict(model=get_clf, epochs=20, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping()])
        b = KerasClassifier(**with_stop)
        no_validation = dict(model=get_clf, epochs=20)
        c = KerasClassifier(**no_validation)
        updated = dict(model=get_clf, epochs=20, validation_split=0.2)
        updated.update(cfg)
        d = KerasClassifier(**updated)
      `);
    });

    it('not without validation data, or for the default single epoch', () => {
      expectNone('GML218', `
        from scikeras.wrappers import KerasClassifier
        from keras.wrappers.scikit_learn import KerasRegressor

        a = KerasClassifier(model=get_model, epochs=50)
        b = KerasClassifier(model=get_model, validation_split=0.2)
        c = KerasRegressor(build_fn=baseline_model, nb_epoch=100, batch_size=5, verbose=0)
        d = KerasClassifier(model=get_model, epochs=cfg.epochs, validation_split=0.2)
      `);
    });
  });

  describe('fix', () => {
    it('adds EarlyStopping with its import', () => {
      expectFix(
        'GML218',
        `
        from skorch import NeuralNetClassifier

        net = NeuralNetClassifier(ClassifierModule, max_epochs=20, lr=0.1)
        `,
        `
        from skorch import NeuralNetClassifier
        from skorch.callbacks import EarlyStopping

        net = NeuralNetClassifier(ClassifierModule, max_epochs=20, lr=0.1, callbacks=[EarlyStopping(monitor="valid_loss", patience=5, load_best=True)])
        `,
      );
    });

    it('appends to a multi-line callbacks list and uses the imported callbacks module', () => {
      expectFix(
        'GML218',
        `
        from skorch import NeuralNetClassifier, callbacks

        net = NeuralNetClassifier(
            ClassifierModule,
            max_epochs=20,
            callbacks=[
                callbacks.EpochScoring("f1"),
            ],
        )
        `,
        `
        from skorch import NeuralNetClassifier, callbacks

        net = NeuralNetClassifier(
            ClassifierModule,
            max_epochs=20,
            callbacks=[
                callbacks.EpochScoring("f1"),
                callbacks.EarlyStopping(monitor="valid_loss", patience=5, load_best=True),
            ],
        )
        `,
      );
    });

    it('scikeras: replaces callbacks=None, in the file’s Keras spelling', () => {
      expectFix(
        'GML218',
        `
        import tensorflow as tf
        from scikeras.wrappers import KerasClassifier

        clf = KerasClassifier(model=get_model, epochs=50, validation_split=0.2, callbacks=None)
        `,
        `
        import tensorflow as tf
        from scikeras.wrappers import KerasClassifier

        clf = KerasClassifier(model=get_model, epochs=50, validation_split=0.2, callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('scikeras built from a literal dict: callbacks added beside **kwargs', () => {
      expectFix(
        'GML218',
        `
        import keras
        from scikeras.wrappers import KerasClassifier

        kwargs = dict(model=get_clf, fit__validation_split=0.2, epochs=20)
        clf = KerasClassifier(**kwargs)
        `,
        `
        import keras
        from scikeras.wrappers import KerasClassifier

        kwargs = dict(model=get_clf, fit__validation_split=0.2, epochs=20)
        clf = KerasClassifier(**kwargs, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
        `,
      );
    });

    it('keeps CRLF newlines', () => {
      expectFix(
        'GML218',
        `
        import skorch
        net = skorch.NeuralNetRegressor(Module, max_epochs=20)
        `,
        `
        import skorch
        net = skorch.NeuralNetRegressor(Module, max_epochs=20, callbacks=[skorch.callbacks.EarlyStopping(monitor="valid_loss", patience=5, load_best=True)])
        `,
        { eol: '\r\n' },
      );
    });
  });

  describe('a real script', () => {
    function fixture(): string {
      const name = 'skorch_mlp_classifier.py';
      const candidates = [path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', name), path.resolve('test', 'fixtures', 'scripts', name)];
      const found = candidates.find((c) => fs.existsSync(c));
      assert.ok(found, `fixture ${name} not found`);
      return fs.readFileSync(found, 'utf8');
    }

    it('the fixed skorch fixture runs to completion and stops early (Debian python3-skorch and python3-torch)', () => {
      const python = '/usr/bin/python3';
      const probe = spawnSync(python, ['-c', 'import skorch, torch, sklearn'], { encoding: 'utf8' });
      assert.equal(probe.status, 0, `${python} cannot import skorch (${probe.error?.message ?? probe.stderr.trim()}): run \`apt-get install -y python3-skorch\``);
      const original = fixture();
      const fixed = applyFix(original, assertOne(original, 'GML218'));
      assertNone(fixed, 'GML218');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gml218-'));
      try {
        const file = path.join(dir, 'fixed.py');
        fs.writeFileSync(file, fixed);
        const run = spawnSync(python, [file], { encoding: 'utf8', timeout: 300_000, cwd: dir });
        assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
        const m = /epochs trained: (\d+)/.exec(run.stdout);
        assert.ok(m, `no epoch count in:\n${run.stdout}`);
        assert.ok(Number(m[1]) < 60, `EarlyStopping did not stop before max_epochs=60 (${m[1]} epochs)`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
