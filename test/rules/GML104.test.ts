import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML104 lightning-fp32', () => {
  it('flags a Trainer without precision, on the class', () => {
    expectFindings(`
      import lightning as L
      trainer = L.Trainer(max_epochs=10)
      #         ^^^^^^^^^ GML104: trains in fp32
    `);
  });

  it('the fix is unsafe and its title names precision="bf16-mixed"', () => {
    const [finding] = expectFindings(`
      import lightning as L
      trainer = L.Trainer(max_epochs=10)
      #         ^^^^^^^^^ GML104
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /precision="bf16-mixed" \(unsafe\)$/);
  });

  it('offers no fix when a LightningModule of the file computes nn.BCELoss (the Trainer would autocast its training_step, which CUDA refuses)', () => {
    const [bce] = expectFindings(`
      import lightning as L
      from torch import nn

      class Autoencoder(L.LightningModule):
          def __init__(self):
              super().__init__()
              self.net = nn.Sequential(nn.Linear(784, 512), nn.Sigmoid())
              self.loss_fn = nn.BCELoss()

          def training_step(self, batch, batch_idx):
              x, _ = batch
              return self.loss_fn(self.net(x), x)

      trainer = L.Trainer(max_epochs=10)
      #         ^^^^^^^^^ GML104: No fix is offered: a LightningModule of this file computes binary cross-entropy
      trainer.fit(Autoencoder(), loader)
    `);
    assert.equal(bce.fixes.length, 0);
    assert.match(bce.message, /nn\.BCEWithLogitsLoss/);
    const [logits] = expectFindings(`
      import lightning as L
      import torch.nn.functional as F
      from torch import nn

      class Classifier(L.LightningModule):
          def __init__(self):
              super().__init__()
              self.net = nn.Linear(784, 512)

          def training_step(self, batch, batch_idx):
              x, y = batch
              return F.binary_cross_entropy_with_logits(self.net(x), y)

      trainer = L.Trainer(max_epochs=10)
      #         ^^^^^^^^^ GML104
      trainer.fit(Classifier(), loader)
    `);
    assert.equal(logits.fixes.length, 1);
  });

  // ---- every 32/64-bit spelling, flagged on the argument ----------------------------------------

  it('flags precision=32', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision=32, max_epochs=3)
      #                 ^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision="32"', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision="32", max_epochs=3)
      #                 ^^^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision="32-true"', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision="32-true", max_epochs=3)
      #                 ^^^^^^^^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision=64', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision=64, max_epochs=3)
      #                 ^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision="64"', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision="64", max_epochs=3)
      #                 ^^^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision="64-true"', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision="64-true", max_epochs=3)
      #                 ^^^^^^^^^^^^^^^^^^^ GML104
    `);
  });

  it('flags precision=None', () => {
    expectFindings(`
      from lightning.pytorch import Trainer
      trainer = Trainer(precision=None, max_epochs=3)
      #                 ^^^^^^^^^^^^^^ GML104
    `);
  });

  it('says fp64 for a 64-bit precision', () => {
    expectFindings(`
      import lightning
      t = lightning.Trainer(precision=64)
      #                     ^^^^^^^^^^^^ GML104: trains in fp64
    `);
  });

  // ---- reduced or unknown precision -------------------------------------------------------------

  for (const value of ['16', '"16"', '"16-mixed"', '"bf16"', '"bf16-mixed"', '"16-true"', '"bf16-true"', '"transformer-engine"', '"transformer-engine-float16"']) {
    it(`leaves precision=${value} alone`, () => {
      expectNone('GML104', `
        import lightning as L
        t = L.Trainer(precision=${value})
      `);
    });
  }

  it('leaves a precision read from the configuration alone', () => {
    expectNone('GML104', `
      import lightning as L
      t = L.Trainer(precision=cfg.precision)
    `);
  });

  it('leaves **trainer_kwargs alone', () => {
    expectNone('GML104', `
      import lightning as L
      t = L.Trainer(**trainer_kwargs)
    `);
  });

  it('leaves a Trainer with precision plugins alone', () => {
    expectNone('GML104', `
      import lightning as L
      t = L.Trainer(plugins=[MyPrecision()])
    `);
  });

  it('leaves a precision held in a module constant alone', () => {
    expectNone('GML104', `
      import lightning as L
      P = "bf16-mixed"
      t = L.Trainer(precision=P)
    `);
  });

  // ---- which Trainers it knows ------------------------------------------------------------------

  it('flags pytorch_lightning.Trainer', () => {
    expectFindings(`
      import pytorch_lightning as pl
      t = pl.Trainer(gpus=1)
      #   ^^^^^^^^^^ GML104
    `);
  });

  it('flags a Trainer imported under another name', () => {
    expectFindings(`
      from pytorch_lightning import Trainer as PLT
      t = PLT()
      #   ^^^ GML104
    `);
  });

  it('flags a Trainer imported from its module path', () => {
    expectFindings(`
      from lightning.pytorch.trainer.trainer import Trainer
      t = Trainer()
      #   ^^^^^^^ GML104
    `);
  });

  it('flags Fabric with precision="32-true", naming Fabric', () => {
    expectFindings(`
      from lightning.fabric import Fabric
      fabric = Fabric(accelerator="cuda", precision="32-true")
      #                                   ^^^^^^^^^^^^^^^^^^^ GML104: Lightning \`Fabric\`
    `);
  });

  it('flags L.Fabric() without precision', () => {
    expectFindings(`
      import lightning as L
      fabric = L.Fabric()
      #        ^^^^^^^^ GML104
    `);
  });

  it('leaves Fabric with precision="bf16-mixed" alone', () => {
    expectNone('GML104', `
      import lightning as L
      fabric = L.Fabric(precision="bf16-mixed")
    `);
  });

  it('leaves a Trainer alone that only validates, tests or predicts (a checkpoint scored after training elsewhere)', () => {
    expectNone('GML104', `
      import lightning.pytorch as pl

      model = LitClassifier.load_from_checkpoint("checkpoints/best.ckpt")
      dm = GlueDataModule("distilbert-base-cased", task_name="mrpc")
      trainer = pl.Trainer(accelerator="auto", devices=1)
      trainer.validate(model, datamodule=dm)
      trainer.test(model, datamodule=dm)
      predictions = trainer.predict(model, datamodule=dm)
      print(trainer.callback_metrics)
    `);
  });

  it('leaves a validate-only Trainer alone in a file whose module reads self.trainer, after another Trainer that fits', () => {
    const findings = expectFindings(`
      import lightning.pytorch as pl

      class GLUETransformer(pl.LightningModule):
          def configure_optimizers(self):
              optimizer = torch.optim.AdamW(self.parameters(), lr=2e-5)
              total = self.trainer.estimated_stepping_batches
              return [optimizer], [get_linear_schedule_with_warmup(optimizer, 0, total)]

      trainer = pl.Trainer(max_epochs=1, accelerator="auto", devices=1)
      #         ^^^^^^^^^^ GML104
      trainer.fit(model, datamodule=dm)

      trainer = pl.Trainer(accelerator="auto", devices=1)
      trainer.validate(model, dm)
    `);
    assert.equal(findings.length, 1);
  });

  it('flags a Trainer that evaluates and also fits, or is passed on', () => {
    expectFindings(`
      import lightning.pytorch as pl
      trainer = pl.Trainer(max_epochs=5)
      #         ^^^^^^^^^^ GML104: trains in fp32
      trainer.validate(model, datamodule=dm)
      trainer.fit(model, datamodule=dm)
    `);
    expectFindings(`
      import lightning.pytorch as pl
      trainer = pl.Trainer(max_epochs=5)
      #         ^^^^^^^^^^ GML104: trains in fp32
      trainer.test(model, datamodule=dm)
      run_experiment(trainer, model)
    `);
  });

  it('ignores a local class named Trainer', () => {
    expectNone('GML104', `
      import lightning
      class Trainer:
          pass
      t = Trainer()
    `);
  });

  it('ignores the Hugging Face Trainer', () => {
    expectNone('GML104', `
      import lightning
      from transformers import Trainer
      t = Trainer(model=m)
    `);
  });

  it('ignores a parameter named L', () => {
    expectNone('GML104', `
      import lightning
      def run(L):
          return L.Trainer()
    `);
  });

  // ---- fixes ------------------------------------------------------------------------------------

  it('fix: adds precision="bf16-mixed"', () => {
    expectFix(
      'GML104',
      `
      import lightning as L
      trainer = L.Trainer(max_epochs=10)
      `,
      `
      import lightning as L
      trainer = L.Trainer(max_epochs=10, precision="bf16-mixed")
      `,
    );
  });

  it('fix: adds precision="16-mixed" when fp16 is preferred', () => {
    expectFix(
      'GML104',
      `
      import lightning as L
      trainer = L.Trainer(max_epochs=10)
      `,
      `
      import lightning as L
      trainer = L.Trainer(max_epochs=10, precision="16-mixed")
      `,
      { settings: { preferDtype: 'fp16' } },
    );
  });

  for (const value of ['32', '"32"', '"32-true"', '64', '"64"', '"64-true"', 'None']) {
    it(`fix: replaces precision=${value} in place`, () => {
      expectFix(
        'GML104',
        `
        from lightning.pytorch import Trainer
        trainer = Trainer(precision=${value}, max_epochs=3)
        `,
        `
        from lightning.pytorch import Trainer
        trainer = Trainer(precision="bf16-mixed", max_epochs=3)
        `,
      );
    });
  }

  it('fix: writes precision=16 for a Trainer written for Lightning 1.x (gpus=), naming 16-mixed for 2.x', () => {
    const [finding] = expectFindings(`
      import pytorch_lightning as pl
      trainer = pl.Trainer(max_epochs=10, gpus=1, progress_bar_refresh_rate=0)
      #         ^^^^^^^^^^ GML104
    `);
    assert.match(finding.fixes[0].title, /precision=16 \(16-mixed on Lightning 2\.x\)/);
    assert.match(finding.message, /precision=16 on Lightning 1\.x/);
    expectFix(
      'GML104',
      `
      import pytorch_lightning as pl
      trainer = pl.Trainer(max_epochs=10, gpus=1)
      `,
      `
      import pytorch_lightning as pl
      trainer = pl.Trainer(max_epochs=10, gpus=1, precision=16)
      `,
    );
  });

  it('fix: writes precision=16 when a pytorch_lightning module defines validation_epoch_end (Ray Tune example style)', () => {
    expectFix(
      'GML104',
      `
      import torch
      import pytorch_lightning as pl

      class LightningMNISTClassifier(pl.LightningModule):
          def validation_epoch_end(self, outputs):
              self.log("ptl/val_loss", torch.stack([x["val_loss"] for x in outputs]).mean())

      def train_mnist(config, num_epochs=10):
          model = LightningMNISTClassifier(config)
          trainer = pl.Trainer(max_epochs=num_epochs, accelerator="gpu", devices=1)
          trainer.fit(model)
      `,
      `
      import torch
      import pytorch_lightning as pl

      class LightningMNISTClassifier(pl.LightningModule):
          def validation_epoch_end(self, outputs):
              self.log("ptl/val_loss", torch.stack([x["val_loss"] for x in outputs]).mean())

      def train_mnist(config, num_epochs=10):
          model = LightningMNISTClassifier(config)
          trainer = pl.Trainer(max_epochs=num_epochs, accelerator="gpu", devices=1, precision=16)
          trainer.fit(model)
      `,
    );
  });

  it('leaves Trainers and Fabrics on the CPU alone: accelerator="cpu", and a Lightning 1.x Trainer that asks for no GPU', () => {
    expectNone('GML104', `
      import lightning as L
      trainer = L.Trainer(accelerator="cpu", max_epochs=3)
      fabric = L.Fabric(accelerator="cpu")
    `);
    for (const args of ['max_epochs=3', 'max_epochs=3, gpus=0', 'max_epochs=3, gpus=None']) {
      expectNone('GML104', `
        import pytorch_lightning as pl

        class LitModel(pl.LightningModule):
            def training_epoch_end(self, outputs):
                pass

        trainer = pl.Trainer(${args})
        trainer.fit(LitModel())
      `);
    }
  });

  it('fix: Fabric gets precision="bf16-mixed"', () => {
    expectFix(
      'GML104',
      `
      from lightning.fabric import Fabric
      fabric = Fabric(accelerator="cuda", precision="32-true")
      `,
      `
      from lightning.fabric import Fabric
      fabric = Fabric(accelerator="cuda", precision="bf16-mixed")
      `,
    );
  });

  it('fix: keeps tab indentation and one argument per line', () => {
    expectFix(
      'GML104',
      `
      import lightning as L
      def main():
      \ttrainer = L.Trainer(
      \t\tmax_epochs=5,
      \t)
      `,
      `
      import lightning as L
      def main():
      \ttrainer = L.Trainer(
      \t\tmax_epochs=5,
      \t\tprecision="bf16-mixed",
      \t)
      `,
    );
  });

  it('fix: keeps two-space indentation, without a trailing comma', () => {
    expectFix(
      'GML104',
      `
      import lightning as L
      if True:
        trainer = L.Trainer(
          max_epochs=5
        )
      `,
      `
      import lightning as L
      if True:
        trainer = L.Trainer(
          max_epochs=5,
          precision="bf16-mixed"
        )
      `,
    );
  });

  it('fix: keeps CRLF newlines', () => {
    expectFix(
      'GML104',
      `
      import lightning as L
      trainer = L.Trainer(
          max_epochs=5,
      )
      `,
      `
      import lightning as L
      trainer = L.Trainer(
          max_epochs=5,
          precision="bf16-mixed",
      )
      `,
      { eol: '\r\n' },
    );
  });

  it('leaves a Trainer alone when every fit trains a small LightningModule built in the file, and flags a wide one', () => {
    const script = (width: number, flagged: boolean) => `
      import torch
      import lightning as L

      class MNISTModel(L.LightningModule):
          def __init__(self):
              super().__init__()
              self.save_hyperparameters()
              self.l1 = torch.nn.Linear(28 * 28, ${width})

          def forward(self, x):
              return torch.relu(self.l1(x.view(x.size(0), -1)))

          def training_step(self, batch, batch_nb):
              x, y = batch
              return torch.nn.functional.cross_entropy(self(x), y)

          def configure_optimizers(self):
              return torch.optim.Adam(self.parameters(), lr=0.02)

      mnist_model = MNISTModel()
      trainer = L.Trainer(accelerator="auto", max_epochs=3)${flagged ? '\n      #         ^^^^^^^^^ GML104' : ''}
      trainer.fit(mnist_model, train_loader)
    `;
    expectNone('GML104', script(10, false));
    expectFindings(script(512, true));
  });
  it('reads the layers a LightningModule collects in a list over a literal tuple of widths (rasbt ch13)', () => {
    const script = (hidden: string, flagged: boolean) => `
      import torch
      import pytorch_lightning as pl
      from torch import nn

      class MultiLayerPerceptron(pl.LightningModule):
          def __init__(self, image_shape=(1, 28, 28), hidden_units=${hidden}):
              super().__init__()
              input_size = image_shape[0] * image_shape[1] * image_shape[2]
              all_layers = [nn.Flatten()]
              for hidden_unit in hidden_units:
                  layer = nn.Linear(input_size, hidden_unit)
                  all_layers.append(layer)
                  all_layers.append(nn.ReLU())
                  input_size = hidden_unit
              all_layers.append(nn.Linear(hidden_units[-1], 10))
              self.model = nn.Sequential(*all_layers)

          def training_step(self, batch, batch_idx):
              x, y = batch
              return nn.functional.cross_entropy(self.model(x), y)

          def configure_optimizers(self):
              return torch.optim.Adam(self.parameters(), lr=0.001)

      trainer = pl.Trainer(max_epochs=10, accelerator="gpu", devices=1)${flagged ? '\n      #         ^^^^^^^^^^ GML104' : ''}
      trainer.fit(model=MultiLayerPerceptron(), datamodule=mnist_dm)
    `;
    // 784 is the input: a layer's width is its output size.
    expectNone('GML104', script('(32, 16)', false));
    expectFindings(script('(512, 16)', true));
    // Widths that are not literal stay unknown.
    expectFindings(script('HIDDEN', true));
  });
  it('counts torchmetrics metrics and a version comparison in __init__ as no layers (rasbt ch13)', () => {
    const script = (width: number, flagged: boolean) => `
      import torch
      import pytorch_lightning as pl
      from pkg_resources import parse_version
      from torch import nn
      from torchmetrics import __version__ as torchmetrics_version
      from torchmetrics import Accuracy

      class MultiLayerPerceptron(pl.LightningModule):
          def __init__(self):
              super().__init__()
              if parse_version(torchmetrics_version) > parse_version(0.8):
                  self.train_acc = Accuracy(task="multiclass", num_classes=10)
              else:
                  self.train_acc = Accuracy()
              self.model = nn.Sequential(nn.Flatten(), nn.Linear(784, ${width}), nn.ReLU(), nn.Linear(${width}, 10))

          def training_step(self, batch, batch_idx):
              x, y = batch
              return nn.functional.cross_entropy(self.model(x), y)

          def configure_optimizers(self):
              return torch.optim.Adam(self.parameters(), lr=0.001)

      trainer = pl.Trainer(max_epochs=10, accelerator="gpu", devices=1)${flagged ? '\n      #         ^^^^^^^^^^ GML104' : ''}
      trainer.fit(model=MultiLayerPerceptron(), datamodule=mnist_dm)
    `;
    expectNone('GML104', script(32, false));
    expectFindings(script(256, true));
  });
  it('ties a fit to the Trainer each branch of an if/else binds to the name (rasbt ch13: gpus=1 when CUDA is available)', () => {
    const script = (width: number, flagged: boolean) => `
      import torch
      import pytorch_lightning as pl
      from torch import nn

      class MultiLayerPerceptron(pl.LightningModule):
          def __init__(self):
              super().__init__()
              self.model = nn.Sequential(nn.Flatten(), nn.Linear(784, ${width}), nn.ReLU(), nn.Linear(${width}, 10))

          def training_step(self, batch, batch_idx):
              x, y = batch
              return nn.functional.cross_entropy(self.model(x), y)

      mnistclassifier = MultiLayerPerceptron()
      if torch.cuda.is_available():
          trainer = pl.Trainer(max_epochs=10, gpus=1)${flagged ? '\n      #             ^^^^^^^^^^ GML104' : ''}
      else:
          trainer = pl.Trainer(max_epochs=10)${flagged ? '\n      #             ^^^^^^^^^^ GML104' : ''}
      trainer.fit(model=mnistclassifier, datamodule=mnist_dm)
    `;
    expectNone('GML104', script(32, false));
    expectFindings(script(256, true));
  });
});
