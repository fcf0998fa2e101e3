import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML219 fastai-no-early-stopping', () => {
  describe('flags', () => {
    it('fine_tune after a star import, as fastai tutorials write it', () => {
      const [finding] = expectFindings(`
        from fastai.vision.all import *

        path = untar_data(URLs.PETS)/'images'
        dls = ImageDataLoaders.from_name_func(path, get_image_files(path), valid_pct=0.2, seed=42, label_func=is_cat, item_tfms=Resize(224))
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(12)
        ^^^^^^^^^^^^^^^ GML219: \`fine_tune\` trains 12 epochs
      `);
      assert.equal(finding.severity, 'warning');
    });

    it('a short run of 3 to 9 epochs, as the fastai course writes it: information, with the honest bound', () => {
      const [finding] = expectFindings(`
        from fastai.vision.all import *

        dls = ImageDataLoaders.from_folder(trn_path, valid_pct=0.2, seed=42, item_tfms=Resize(480, method='squish'))
        learn = vision_learner(dls, 'resnet26d', metrics=error_rate, path='.').to_fp16()
        learn.fine_tune(3, 0.01)
        ^^^^^^^^^^^^^^^ GML219: With 3 epochs, stopping on valid_loss can save at most the last 1, and only when it stops improving that early.
      `);
      assert.equal(finding.severity, 'information');
      const [nine] = expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fit_one_cycle(9)
        ^^^^^^^^^^^^^^^^^^^ GML219: at most the last 7
      `);
      assert.equal(nine.severity, 'information');
    });

    it('fit_one_cycle and fit on a tabular learner', () => {
      expectFindings(`
        from fastai.tabular.all import *

        learn = tabular_learner(dls, metrics=accuracy, layers=[10, 10])
        learn.fit_one_cycle(10, 1e-2)
        ^^^^^^^^^^^^^^^^^^^ GML219
        learn.fit(16, lr=0.03)
        ^^^^^^^^^ GML219: trains 16 epochs
      `);
    });

    it('a learner made mixed-precision in the same line', () => {
      expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, 'resnet26d', metrics=error_rate, path='.').to_fp16()
        learn.fine_tune(12, 0.01)
        ^^^^^^^^^^^^^^^ GML219
      `);
    });

    it('explicit imports, under another name', () => {
      expectFindings(`
        from fastai.learner import Learner as L
        from fastai.callback.tracker import SaveModelCallback

        learn = L(dls, model, loss_func=nn.CrossEntropyLoss())
        learn.fit_one_cycle(8, cbs=[SaveModelCallback(monitor="valid_loss")])
        ^^^^^^^^^^^^^^^^^^^ GML219
      `);
    });

    it('an epoch count the file does not spell: information', () => {
      const [finding] = expectFindings(`
        from fastai.text.all import *

        learn = text_classifier_learner(dls, AWD_LSTM, drop_mult=0.5, metrics=accuracy)
        learn.fine_tune(args.epochs, 1e-2)
        ^^^^^^^^^^^^^^^ GML219: trains epochs epochs
      `);
      assert.equal(finding.severity, 'information');
    });

    it('with a second star import that leaves the names open', () => {
      expectFindings(`
        from fastcore.all import *
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet18, metrics=error_rate)
        learn.fine_tune(6)
        ^^^^^^^^^^^^^^^ GML219
      `);
    });
    it('each fit on its own: an EarlyStoppingCallback imported, or given to another fit, does not cover an unrelated one', () => {
      expectFindings(`
        from fastai.vision.all import *
        from fastai.callback.tracker import EarlyStoppingCallback

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(12, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=3)])
        learn.unfreeze()
        learn.fit_one_cycle(12, lr_max=slice(1e-6, 1e-4))
        ^^^^^^^^^^^^^^^^^^^ GML219: trains 12 epochs
        other = vision_learner(dls, resnet50, metrics=error_rate)
        other.fine_tune(10)
        ^^^^^^^^^^^^^^^ GML219: trains 10 epochs
      `);
    });

    it('add_cb counts for its own learner, before the fit, while the name still holds that learner', () => {
      expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(10)
        ^^^^^^^^^^^^^^^ GML219
        learn.add_cb(EarlyStoppingCallback(monitor="valid_loss", patience=3))
        learn = vision_learner(dls, resnet50, metrics=error_rate)
        learn.fit_one_cycle(10)
        ^^^^^^^^^^^^^^^^^^^ GML219
        learn.add_cb(ShowGraphCallback())
        learn.fit_one_cycle(10)
        ^^^^^^^^^^^^^^^^^^^ GML219
      `);
    });

  });

  describe('does not flag', () => {
    it('EarlyStoppingCallback added to the learner with add_cb, held in a variable, or under several star imports', () => {
      expectNone('GML219', `
        from fastai.vision.all import *
        from fastai.callback.fp16 import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.add_cb(EarlyStoppingCallback(monitor="valid_loss", patience=3))
        learn.fine_tune(20)
        learn = vision_learner(dls, resnet34, metrics=error_rate).add_cbs([SaveModelCallback(), EarlyStoppingCallback(patience=2)])
        learn.fit_one_cycle(20)
        stop = EarlyStoppingCallback(monitor="valid_loss", patience=3)
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fit_one_cycle(20, cbs=[stop])
      `);
    });

    it("an Optuna pruning callback: the trial's pruner can stop the run", () => {
      expectNone('GML219', `
        import optuna
        from fastai.vision.all import *
        from optuna.integration import FastAIPruningCallback

        def objective(trial):
            learn = Learner(dls, SimpleCNN(), metrics=[accuracy], cbs=FastAIPruningCallback(trial, monitor="accuracy"))
            learn.fit(10)
            other = vision_learner(dls, resnet18, metrics=error_rate)
            other.fit_one_cycle(10, cbs=[FastAIPruningCallback(trial, monitor="error_rate")])
            return learn.recorder.metrics[0].value.item()
      `);
    });

    it('an EarlyStoppingCallback in the call, on the learner, or added later', () => {
      expectNone('GML219', `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=3)])
        learn.fine_tune(20)
        learn.fit_one_cycle(20, cbs=EarlyStoppingCallback(monitor="error_rate", comp=np.less, patience=2))
      `);
    });

    it('a callback that raises CancelFitException', () => {
      expectNone('GML219', `
        from fastai.vision.all import *

        class StopAtTarget(Callback):
            def after_epoch(self):
                if self.recorder.values[-1][-1] < 0.02:
                    raise CancelFitException()

        learn = vision_learner(dls, resnet34, metrics=error_rate, cbs=StopAtTarget())
        learn.fine_tune(20)
      `);
    });

    it('one or two epochs: no stop could save any of them', () => {
      expectNone('GML219', `
        from fastai.vision.all import *

        EPOCHS = 2
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(1)
        learn.fine_tune(EPOCHS)
        learn.fit_one_cycle(2)
      `);
    });

    it('no validation set: valid_pct=0', () => {
      expectNone('GML219', `
        from fastai.vision.all import *

        dls = ImageDataLoaders.from_folder(path, valid_pct=0, item_tfms=Resize(224))
        learn = vision_learner(dls, resnet34)
        learn.fine_tune(10)
      `);
    });

    it('callbacks the file does not show', () => {
      expectNone('GML219', `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, cbs=make_callbacks())
        learn.fine_tune(10)
        other = vision_learner(dls, resnet34)
        other.fit_one_cycle(10, **fit_kwargs)
      `);
    });

    it('a local learner look-alike and a scikit-learn fit', () => {
      expectNone('GML219', `
        from fastai.vision.all import *
        from sklearn.linear_model import LogisticRegression

        def vision_learner(dls, arch):
            return LogisticRegression()

        learn = vision_learner(dls, resnet34)
        learn.fit(10)
      `);
    });
  });

  describe('fix', () => {
    it('adds cbs=[EarlyStoppingCallback(…)] with no import after a star import', () => {
      expectFix(
        'GML219',
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(15)
        `,
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(15, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=3)])
        `,
      );
    });

    it('a short run gets a patience that can act within it: 1 for 3 epochs', () => {
      expectFix(
        'GML219',
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(3, 0.01)
        `,
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fine_tune(3, 0.01, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=1)])
        `,
      );
    });

    it('appends to a literal cbs list and adds the callback to the existing import (8 epochs: patience 2)', () => {
      expectFix(
        'GML219',
        `
        from fastai.callback.tracker import SaveModelCallback
        from fastai.learner import Learner

        learn = Learner(dls, model, loss_func=loss_func)
        learn.fit_one_cycle(8, 1e-3, cbs=[SaveModelCallback()])
        `,
        `
        from fastai.callback.tracker import SaveModelCallback, EarlyStoppingCallback
        from fastai.learner import Learner

        learn = Learner(dls, model, loss_func=loss_func)
        learn.fit_one_cycle(8, 1e-3, cbs=[SaveModelCallback(), EarlyStoppingCallback(monitor="valid_loss", patience=2)])
        `,
      );
    });
  });

  it('a notebook: the fine_tune cell is reported and fixed in its cell', () => {
    const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks', 'fastai_pets_fine_tune.ipynb');
    const cells = parseIpynb(fs.readFileSync(file, 'utf8')).cells;
    const analysis = analyzeNotebook(cells);
    const found = analysis.findings.filter((f) => f.finding.code === 'GML219');
    analysis.dispose();
    assert.deepEqual(
      found.map((f) => [f.cell, f.finding.range.start.line, f.finding.severity]),
      [[5, 1, 'information']],
    );
    const fixed = fixNotebook(cells, { unsafe: true });
    assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML219').length, 0);
    assert.equal(fixed.cells[5].text.split('\n')[1], 'learn.fine_tune(8, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=2)])');
  });

  it('a notebook whose learners all share the name learn: --fix adds EarlyStoppingCallback to every fit, not only the first', () => {
    const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks', 'fastai_pets_learning_rates.ipynb');
    const cells = parseIpynb(fs.readFileSync(file, 'utf8')).cells;
    const analysis = analyzeNotebook(cells);
    const found = analysis.findings.filter((f) => f.finding.code === 'GML219');
    analysis.dispose();
    assert.deepEqual(
      found.map((f) => [f.cell, f.finding.range.start.line]),
      [[8, 1], [8, 3], [10, 1]],
    );
    const fixed = fixNotebook(cells, { unsafe: true });
    assert.deepEqual(fixed.remaining.filter((f) => f.finding.code === 'GML219'), []);
    assert.equal(fixed.applied.filter((code) => code.startsWith('GML219')).length, 3);
    assert.equal(fixed.cells[8].text.split('\n')[3], 'learn.fit_one_cycle(12, lr_max=slice(1e-6, 1e-4), cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=3)])');
    assert.equal(fixed.cells[10].text.split('\n')[1], 'learn.fine_tune(6, freeze_epochs=3, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=2)])');
  });
});
