import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML108 trainer-helper-fp32', () => {
  describe('PyTorch-Ignite', () => {
    it('create_supervised_trainer on a device picked at run time', () => {
      expectFindings(`
        import torch
        from ignite.engine import create_supervised_trainer

        device = "cuda" if torch.cuda.is_available() else "cpu"
        trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
        #         ^^^^^^^^^^^^^^^^^^^^^^^^^ GML108: amp_mode is not set
      `);
    });

    it('amp_mode=None on CUDA, through a module alias', () => {
      expectFindings(`
        import ignite.engine as ie

        trainer = ie.create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode=None)
        #         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML108
      `);
    });

    it('a BCELoss loss_fn gets no fix: Ignite\'s amp step computes the loss under CUDA autocast, which refuses it', () => {
      const [bce, functional, logits] = expectFindings(`
        import torch.nn as nn
        import torch.nn.functional as F
        from ignite.engine import create_supervised_trainer

        criterion = nn.BCELoss()
        a = create_supervised_trainer(model, optimizer, criterion, device="cuda")
        #   ^^^^^^^^^^^^^^^^^^^^^^^^^ GML108: No fix is offered: loss_fn is binary cross-entropy on probabilities
        b = create_supervised_trainer(model, optimizer, loss_fn=F.binary_cross_entropy, device="cuda")
        #   ^^^^^^^^^^^^^^^^^^^^^^^^^ GML108: nn.BCEWithLogitsLoss
        c = create_supervised_trainer(model, optimizer, nn.BCEWithLogitsLoss(), device="cuda")
        #   ^^^^^^^^^^^^^^^^^^^^^^^^^ GML108
      `);
      assert.equal(bce.fixes.length, 0);
      assert.equal(functional.fixes.length, 0);
      assert.equal(logits.fixes.length, 1);
      assert.ok(!logits.message.includes('No fix'));
    });

    it('not with amp_mode="amp" or an amp_mode the file does not spell', () => {
      expectNone('GML108', `
        from ignite.engine import create_supervised_trainer

        a = create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode="amp", scaler=True)
        b = create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode=config["amp_mode"])
      `);
    });

    it('not on the CPU', () => {
      expectNone('GML108', `
        from ignite.engine import create_supervised_trainer

        a = create_supervised_trainer(model, optimizer, criterion, device="cpu")
        b = create_supervised_trainer(model, optimizer, criterion)
      `);
    });

    it('not with target-device = "cpu"', () => {
      expectNone('GML108', `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda")
      `, { targetDevice: 'cpu' });
    });

    it('not a local function of the same name', () => {
      expectNone('GML108', `
        import torch
        import ignite

        def create_supervised_trainer(model, optimizer, criterion, device):
            return None

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda")
      `);
    });

    it('fix: amp_mode="amp" and scaler=True', () => {
      expectFix(
        'GML108',
        `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda")
        `,
        `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode="amp", scaler=True)
        `,
      );
    });

    it('fix: replaces amp_mode=None', () => {
      expectFix(
        'GML108',
        `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode=None, scaler=False)
        `,
        `
        from ignite.engine import create_supervised_trainer

        trainer = create_supervised_trainer(model, optimizer, criterion, device="cuda", amp_mode="amp", scaler=True)
        `,
      );
    });
  });

  describe('fastai', () => {
    it('a vision learner trained with no to_fp16()', () => {
      expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet18, metrics=error_rate)
        #       ^^^^^^^^^^^^^^ GML108: no to_fp16() / to_bf16()
        learn.fine_tune(3)
      `);
    });

    it('not when made mixed-precision, chained or later', () => {
      expectNone('GML108', `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet18, metrics=error_rate).to_fp16()
        learn.fine_tune(3)
        other = vision_learner(dls, resnet34)
        other = other.to_bf16()
        other.fit_one_cycle(3)
      `);
    });

    it('not for a tabular learner, nor for a learner never trained', () => {
      expectNone('GML108', `
        from fastai.tabular.all import *

        learn = tabular_learner(dls, metrics=accuracy, layers=[10, 10])
        learn.fit(16, lr=0.03)
        unused = vision_learner(dls, resnet18)
      `);
    });

    it('each learner on its own: a later learner under the same name made mixed-precision does not cover an earlier fp32 one', () => {
      expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        #       ^^^^^^^^^^^^^^ GML108: trains in float32
        learn.fine_tune(2)
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        #       ^^^^^^^^^^^^^^ GML108: trains in float32
        learn.fit_one_cycle(3, 3e-3)
        learn.unfreeze()
        learn.fit_one_cycle(12, lr_max=slice(1e-6, 1e-4))
        learn = vision_learner(dls, resnet50, metrics=error_rate).to_fp16()
        learn.fine_tune(6, freeze_epochs=3)
      `);
    });

    it('to_fp16() on the name counts only for the learner the name holds then, and only before the fit', () => {
      expectFindings(`
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        #       ^^^^^^^^^^^^^^ GML108
        learn.fine_tune(2)
        learn.to_fp16()
        learn = vision_learner(dls, resnet50, metrics=error_rate)
        learn.to_fp16()
        learn.fine_tune(4)
        cnn = vision_learner(dls, resnet18)
        #     ^^^^^^^^^^^^^^ GML108
        cnn.fit_one_cycle(1)
        learn = cnn.to_fp16()
        learn.fit_one_cycle(3)
      `);
    });

    it('not when made mixed-precision on the name before the fit, or with the MixedPrecision callback', () => {
      expectNone('GML108', `
        from fastai.vision.all import *
        from fastai.callback.fp16 import MixedPrecision

        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.to_bf16()
        learn.fine_tune(2)
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn = learn.to_fp16()
        learn.fine_tune(2)
        learn = vision_learner(dls, resnet34, metrics=error_rate, cbs=MixedPrecision())
        learn.fine_tune(2)
        learn = vision_learner(dls, resnet34, metrics=error_rate, cbs=[ShowGraphCallback(), MixedPrecision()])
        learn.fine_tune(2)
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.fit_one_cycle(4, cbs=[MixedPrecision()])
        learn = vision_learner(dls, resnet34, metrics=error_rate)
        learn.add_cb(MixedPrecision())
        learn.fit_one_cycle(4)
      `);
    });

    it('a notebook whose learners all share the name learn: the fp32 ones are reported, the fp16 one is not', () => {
      const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks', 'fastai_pets_learning_rates.ipynb');
      const analysis = analyzeNotebook(parseIpynb(fs.readFileSync(file, 'utf8')).cells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML108');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.range.start.line]),
        [[4, 0], [6, 0], [8, 0]],
      );
    });

    it('fix: appends .to_fp16() to the learner', () => {
      expectFix(
        'GML108',
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet18, metrics=error_rate)
        learn.fine_tune(3)
        `,
        `
        from fastai.vision.all import *

        learn = vision_learner(dls, resnet18, metrics=error_rate).to_fp16()
        learn.fine_tune(3)
        `,
      );
    });
  });

  describe('skorch', () => {
    it('a net on a device chosen at run time', () => {
      expectFindings(`
        import torch
        from skorch import NeuralNetClassifier

        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        net = NeuralNetClassifier(Cnn, max_epochs=10, lr=0.002, optimizer=torch.optim.Adam, device=device)
        #     ^^^^^^^^^^^^^^^^^^^ GML108: trains on the GPU in float32
      `);
    });

    it('not on skorch\u2019s default CPU device, nor an AccelerateMixin net', () => {
      expectNone('GML108', `
        from accelerate import Accelerator
        from skorch import NeuralNetClassifier
        from skorch.hf import AccelerateMixin

        class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
            """NeuralNetClassifier with accelerate support"""

        a = NeuralNetClassifier(Module, max_epochs=10)
        b = AcceleratedNet(Module, accelerator=Accelerator(mixed_precision="bf16"), device=None)
      `);
    });

    it('fix: imports Accelerate above the net when the file imports it only in a later part', () => {
      expectFix(
        'GML108',
        `
        from skorch import NeuralNetClassifier

        net = NeuralNetClassifier(PretrainedModel, max_epochs=25, device="cuda")
        net.fit(train_ds, y=None)

        from accelerate import Accelerator
        from skorch.hf import AccelerateMixin
        `,
        `
        from skorch import NeuralNetClassifier
        from skorch.hf import AccelerateMixin
        from accelerate import Accelerator

        class AcceleratedNeuralNetClassifier(AccelerateMixin, NeuralNetClassifier):
            """NeuralNetClassifier whose forward and backward passes Accelerate runs under autocast."""

        net = AcceleratedNeuralNetClassifier(PretrainedModel, max_epochs=25, device=None, accelerator=Accelerator(mixed_precision="bf16"))
        net.fit(train_ds, y=None)

        from accelerate import Accelerator
        from skorch.hf import AccelerateMixin
        `,
      );
    });

    it('fix: an AccelerateMixin subclass with bf16 autocast, device=None', () => {
      expectFix(
        'GML108',
        `
        from skorch import NeuralNetClassifier

        net = NeuralNetClassifier(PretrainedModel, max_epochs=25, device="cuda")
        net.fit(train_ds, y=None)
        `,
        `
        from skorch import NeuralNetClassifier
        from skorch.hf import AccelerateMixin
        from accelerate import Accelerator

        class AcceleratedNeuralNetClassifier(AccelerateMixin, NeuralNetClassifier):
            """NeuralNetClassifier whose forward and backward passes Accelerate runs under autocast."""

        net = AcceleratedNeuralNetClassifier(PretrainedModel, max_epochs=25, device=None, accelerator=Accelerator(mixed_precision="bf16"))
        net.fit(train_ds, y=None)
        `,
      );
    });
  });

  it('leaves create_supervised_trainer alone on a small model built in the file, and flags it on a wide one', () => {
    const script = (hidden: number, flagged: boolean) => `
      import torch
      from torch import nn
      from ignite.engine import create_supervised_trainer

      device = "cuda" if torch.cuda.is_available() else "cpu"
      model = nn.Sequential(nn.Flatten(), nn.Linear(784, ${hidden}), nn.ReLU(), nn.Linear(${hidden}, 10)).to(device)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
      trainer = create_supervised_trainer(model, optimizer, nn.CrossEntropyLoss(), device=device)${flagged ? '\n      #         ^^^^^^^^^^^^^^^^^^^^^^^^^ GML108' : ''}
    `;
    expectNone('GML108', script(16, false));
    expectFindings(script(256, true));
  });

  it('leaves a skorch net alone on a small module, read with its module__ arguments and defaults as skorch builds it', () => {
    const script = (net: string, flagged: boolean) => `
      import torch
      from torch import nn
      from skorch import NeuralNetClassifier

      class ClassifierModule(nn.Module):
          def __init__(self, num_units=10, nonlin=nn.ReLU()):
              super().__init__()
              self.dense0 = nn.Linear(20, num_units)
              self.nonlin = nonlin
              self.output = nn.Linear(num_units, 2)

          def forward(self, X):
              return self.output(self.nonlin(self.dense0(X)))

      device = "cuda" if torch.cuda.is_available() else "cpu"
      net = ${net}${flagged ? '\n      #     ^^^^^^^^^^^^^^^^^^^ GML108' : ''}
    `;
    expectNone('GML108', script('NeuralNetClassifier(ClassifierModule, max_epochs=10, device=device)', false));
    expectNone('GML108', script('NeuralNetClassifier(module=ClassifierModule, module__num_units=32, device=device)', false));
    expectNone('GML108', script('NeuralNetClassifier(ClassifierModule(num_units=16), device=device)', false));
    expectFindings(script('NeuralNetClassifier(ClassifierModule, module__num_units=512, device=device)', true));
    // A width the net does not spell (a grid's value, a variable) is unknown: reported as before.
    expectFindings(script('NeuralNetClassifier(ClassifierModule, module__num_units=units, device=device)', true));
  });

  it('leaves a fastai Learner alone on a small model built in the file, and flags it on a wide one', () => {
    const script = (hidden: number, flagged: boolean) => `
      from fastai.vision.all import *
      from torch import nn

      model = nn.Sequential(nn.Flatten(), nn.Linear(784, ${hidden}), nn.ReLU(), nn.Linear(${hidden}, 10))
      learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), metrics=accuracy)${flagged ? '\n      #       ^^^^^^^ GML108' : ''}
      learn.fit_one_cycle(5, 1e-3)
    `;
    expectNone('GML108', script(32, false));
    expectFindings(script(256, true));
  });
});
