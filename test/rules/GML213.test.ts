import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML213 lightning-no-early-stopping', () => {
  describe('flags', () => {
    it('fit with val_dataloaders, giving max_epochs', () => {
      expectFindings(`
        import lightning as L
        import torch.nn.functional as F

        class LitClassifier(L.LightningModule):
            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.cross_entropy(self.model(x), y)

            def validation_step(self, batch, batch_idx):
                x, y = batch
                logits = self.model(x)
                self.log("val_acc", (logits.argmax(dim=1) == y).float().mean())
                self.log("val/loss", F.cross_entropy(logits, y), prog_bar=True)

        trainer = L.Trainer(max_epochs=20)
        trainer.fit(LitClassifier(), train_dataloaders=train_loader, val_dataloaders=val_loader)
        ^^^^^^^^^^^ GML213: trains to max_epochs (20)
      `);
    });

    it('a Trainer without max_epochs, saying it trains 1000 epochs by default', () => {
      expectFindings(`
        import lightning as L
        from models import LitAutoEncoder

        trainer = L.Trainer()
        trainer.fit(LitAutoEncoder(), train_loader, val_loader)
        ^^^^^^^^^^^ GML213: (1000 by default)
      `);
    });

    it('a datamodule that defines val_dataloader', () => {
      expectFindings(`
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.loss(batch))

        class MNISTDataModule(L.LightningDataModule):
            def train_dataloader(self):
                return train_loader

            def val_dataloader(self):
                return val_loader

        trainer = L.Trainer()
        trainer.fit(LitModel(), datamodule=MNISTDataModule())
        ^^^^^^^^^^^ GML213
      `);
    });

    it('a datamodule passed in place of the train dataloaders', () => {
      expectFindings(`
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.loss(batch))

        class MNISTDataModule(L.LightningDataModule):
            def train_dataloader(self):
                return train_loader

            def val_dataloader(self):
                return val_loader

        dm = MNISTDataModule()
        trainer = L.Trainer()
        trainer.fit(LitModel(), dm)
        ^^^^^^^^^^^ GML213
      `);
    });

    it('a module that defines its own val_dataloader', () => {
      expectFindings(`
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.loss(batch))

            def val_dataloader(self):
                return val_loader

        trainer = L.Trainer()
        trainer.fit(LitModel())
        ^^^^^^^^^^^ GML213
      `);
    });

    it('a Trainer returned by a factory function', () => {
      expectFindings(`
        import lightning.pytorch as pl

        def make_trainer():
            return pl.Trainer(max_epochs=5)

        trainer = make_trainer()
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213
      `);
    });

    it('a local subclass of Trainer', () => {
      expectFindings(`
        import lightning as L

        class MyTrainer(L.Trainer):
            pass

        trainer = MyTrainer(max_epochs=5)
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213
      `);
    });
  });

  it('stays quiet when the Trainer reports to Ray Tune, whose scheduler may end the trial, and flags the same Trainer without it', () => {
    const script = (callbacks: string, flagged: boolean) => `
      import lightning as L
      from ray.tune.integration.pytorch_lightning import TuneReportCallback

      def train_mnist_tune(config, num_epochs=10):
          model = LightningMNISTClassifier(config)
          trainer = L.Trainer(max_epochs=20, callbacks=[${callbacks}])
          trainer.fit(model, train_loader, val_loader)${flagged ? '\n      #   ^^^^^^^^^^^ GML213' : ''}
    `;
    expectNone('GML213', script('TuneReportCallback({"loss": "ptl/val_loss"}, on="validation_end")', false));
    expectFindings(script('L.pytorch.callbacks.ModelCheckpoint()', true));
  });

  describe('stays quiet when there is no validation', () => {
    it('a datamodule without val_dataloader', () => {
      expectNone('GML213', `
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.loss(batch))

        class MNISTDataModule(L.LightningDataModule):
            def train_dataloader(self):
                return train_loader

        trainer = L.Trainer()
        trainer.fit(LitModel(), datamodule=MNISTDataModule())
      `);
    });

    it('a module without validation_step', () => {
      expectNone('GML213', `
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

        trainer = L.Trainer()
        trainer.fit(LitModel(), train_loader, val_loader)
      `);
    });

    it('fit with train data only', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer()
        trainer.fit(model, train_loader)
      `);
    });

    it('fit with val_dataloaders None', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer()
        trainer.fit(model, train_loader, None)
      `);
    });
  });

  describe('stays quiet on runs that cannot gain', () => {
    it('max_epochs=1', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer(max_epochs=1)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('fast_dev_run', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer(fast_dev_run=True)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('limit_val_batches=0', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer(limit_val_batches=0)
        trainer.fit(model, train_loader, val_loader)
      `);
    });
  });

  describe('stays quiet on what the file does not tell', () => {
    it('callbacks from a config', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer(callbacks=cfg.callbacks)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('Trainer **kwargs', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer(**trainer_kwargs)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('fit **kwargs', () => {
      expectNone('GML213', `
        import lightning as L

        trainer = L.Trainer()
        trainer.fit(model, train_loader, **loaders)
      `);
    });

    it('a datamodule imported from elsewhere', () => {
      expectNone('GML213', `
        import lightning as L
        from data import MNISTDataModule

        trainer = L.Trainer()
        trainer.fit(model, datamodule=MNISTDataModule())
      `);
    });

    it('a trainer that is a parameter', () => {
      expectNone('GML213', `
        import lightning as L

        def run(trainer):
            trainer.fit(model, train_loader, val_loader)
      `);
    });
  });

  describe('counts as early stopping', () => {
    it('EarlyStopping in the list', () => {
      expectNone('GML213', `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        trainer = L.Trainer(callbacks=[EarlyStopping("val_loss")])
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('pytorch_lightning.callbacks.EarlyStopping', () => {
      expectNone('GML213', `
        import pytorch_lightning as pl

        trainer = pl.Trainer(callbacks=[pl.callbacks.EarlyStopping(monitor="val_loss")])
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('an aliased EarlyStopping in a list variable', () => {
      expectNone('GML213', `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping as ES

        callbacks = [ES(monitor="val_loss")]
        trainer = L.Trainer(callbacks=callbacks)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('a local subclass of EarlyStopping', () => {
      expectNone('GML213', `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        class WarmupEarlyStopping(EarlyStopping):
            pass

        trainer = L.Trainer(callbacks=[WarmupEarlyStopping(monitor="val_loss")])
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('EarlyStopping appended to trainer.callbacks', () => {
      expectNone('GML213', `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        trainer = L.Trainer()
        trainer.callbacks.append(EarlyStopping("val_loss"))
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('configure_callbacks on the module', () => {
      expectNone('GML213', `
        import lightning as L

        class LitModel(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.loss(batch)

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.loss(batch))

            def configure_callbacks(self):
                return [L.pytorch.callbacks.EarlyStopping("val_loss")]

        trainer = L.Trainer()
        trainer.fit(LitModel(), train_loader, val_loader)
      `);
    });
  });

  describe('leaves look-alikes alone', () => {
    it('a local class named Trainer', () => {
      expectNone('GML213', `
        import lightning

        class Trainer:
            def fit(self, *args):
                pass

        trainer = Trainer()
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('a parameter named like the lightning module', () => {
      expectNone('GML213', `
        import lightning

        def go(lightning):
            trainer = lightning.Trainer()
            trainer.fit(model, train_loader, val_loader)
      `);
    });
  });

  it('the fix is unsafe, and its title names the monitored metric', () => {
    const [finding] = expectFindings(`
      import lightning as L

      class LitModel(L.LightningModule):
          def validation_step(self, batch, batch_idx):
              self.log("val_acc", self.accuracy(batch))
              self.log("val/loss", self.loss(batch), prog_bar=True)

      trainer = L.Trainer(max_epochs=20)
      trainer.fit(LitModel(), train_dataloaders=train_loader, val_dataloaders=val_loader)
      ^^^^^^^^^^^ GML213
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /monitor="val\/loss".*\(unsafe\)$/);
  });

  describe('run length', () => {
    it('leaves a 2-epoch run alone', () => {
      expectNone('GML213', `
        import lightning as L
        trainer = L.Trainer(max_epochs=2)
        trainer.fit(model, train_loader, val_loader)
      `);
    });

    it('reports 3- and 5-epoch runs as information with the bound and patience 1, 7 epochs with patience 2', () => {
      for (const [epochs, patience] of [[3, 1], [5, 1], [7, 2]]) {
        const [finding] = expectFindings(`
          import lightning as L
          trainer = L.Trainer(max_epochs=${epochs}, accelerator="auto", devices=1)
          trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
          ^^^^^^^^^^^ GML213: can save at most the last ${epochs - 2}
        `);
        assert.equal(finding.severity, 'information');
        assert.match(finding.fixes[0].title, new RegExp(`patience=${patience}\\)`));
      }
    });

    it('reads max_epochs from an argparse default, and keeps a run of Lightning\'s default 1000 epochs a warning with patience 3', () => {
      const [short] = expectFindings(`
        import argparse
        import lightning as L
        parser = argparse.ArgumentParser()
        parser.add_argument("--max_epochs", type=int, default=4)
        args = parser.parse_args()
        trainer = L.Trainer(max_epochs=args.max_epochs)
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213: max_epochs (4)
      `);
      assert.equal(short.severity, 'information');
      const [long] = expectFindings(`
        import lightning as L
        trainer = L.Trainer(accelerator="gpu", devices=1)
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213: (1000 by default)
      `);
      assert.equal(long.severity, 'warning');
      assert.match(long.fixes[0].title, /patience=3\)/);
    });
    it('reads a max_epochs from a literal dict of the file like the literal itself (2: too short to stop; 50: a warning)', () => {
      expectNone('GML213', `
        import lightning as L
        cfg = {"max_epochs": 2, "lr": 1e-3}
        trainer = L.Trainer(max_epochs=cfg["max_epochs"])
        trainer.fit(model, train_loader, val_loader)
      `);
      const [finding] = expectFindings(`
        import lightning as L
        cfg = {"max_epochs": 50, "lr": 1e-3}
        trainer = L.Trainer(max_epochs=cfg["max_epochs"])
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213: max_epochs (50)
      `);
      assert.equal(finding.severity, 'warning');
    });

    it('reports a max_epochs the file does not show (config attribute, dict entry of a changed dict, unread parameter) as information, never a warning', () => {
      for (const setup of [
        ['config = load_config()', 'config.max_epochs'],
        ['cfg = {"max_epochs": 2, "lr": 1e-3}\n          cfg["max_epochs"] = int(os.environ["EPOCHS"])', 'cfg["max_epochs"]'],
        ['hparams = yaml.safe_load(open("hparams.yaml"))', 'hparams.get("max_epochs", 2)'],
      ]) {
        const [finding] = expectFindings(`
          import lightning as L
          ${setup[0]}
          trainer = L.Trainer(max_epochs=${setup[1]})
          trainer.fit(model, train_loader, val_loader)
          ^^^^^^^^^^^ GML213: max_epochs (as configured)
        `);
        assert.equal(finding.severity, 'information');
      }
      const [steps] = expectFindings(`
        import lightning as L
        def main(args):
            trainer = L.Trainer(max_steps=args.max_steps)
            trainer.fit(model, train_loader, val_loader)
            ^^^^^^^^^^^ GML213
      `);
      assert.equal(steps.severity, 'information');
    });

    it('keeps a long argparse default information (the command line may give another count), and a long literal a warning', () => {
      const [fromCommandLine] = expectFindings(`
        import argparse
        import lightning as L
        parser = argparse.ArgumentParser()
        parser.add_argument("--max_epochs", type=int, default=50)
        args = parser.parse_args()
        trainer = L.Trainer(max_epochs=args.max_epochs)
        trainer.fit(model, train_loader, val_loader)
        ^^^^^^^^^^^ GML213: max_epochs (50)
      `);
      assert.equal(fromCommandLine.severity, 'information');
      const [literal] = expectFindings(`
        import lightning as L
        EPOCHS = 50
        def train(model, epochs):
            trainer = L.Trainer(max_epochs=epochs)
            trainer.fit(model, train_loader, val_loader)
            ^^^^^^^^^^^ GML213: max_epochs (50)
        train(model, EPOCHS)
      `);
      assert.equal(literal.severity, 'warning');
    });
  });

  describe('fix', () => {
    it('monitors the loss the module logs, and imports EarlyStopping once', () => {
      expectFix(
        'GML213',
        `
        import lightning as L
        import torch.nn.functional as F

        class LitClassifier(L.LightningModule):
            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.cross_entropy(self.model(x), y)

            def validation_step(self, batch, batch_idx):
                x, y = batch
                logits = self.model(x)
                self.log("val_acc", (logits.argmax(dim=1) == y).float().mean())
                self.log("val/loss", F.cross_entropy(logits, y), prog_bar=True)

        trainer = L.Trainer(max_epochs=20)
        trainer.fit(LitClassifier(), train_dataloaders=train_loader, val_dataloaders=val_loader)
        `,
        `
        import lightning as L
        import torch.nn.functional as F
        from lightning.pytorch.callbacks import EarlyStopping

        class LitClassifier(L.LightningModule):
            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.cross_entropy(self.model(x), y)

            def validation_step(self, batch, batch_idx):
                x, y = batch
                logits = self.model(x)
                self.log("val_acc", (logits.argmax(dim=1) == y).float().mean())
                self.log("val/loss", F.cross_entropy(logits, y), prog_bar=True)

        trainer = L.Trainer(max_epochs=20, callbacks=[EarlyStopping(monitor="val/loss", patience=3)])
        trainer.fit(LitClassifier(), train_dataloaders=train_loader, val_dataloaders=val_loader)
        `,
      );
    });

    it('monitors a higher-is-better metric in max mode', () => {
      expectFix(
        'GML213',
        `
        import lightning as L

        class LitClassifier(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                self.log_dict({"val_acc": self.accuracy(batch)})

        trainer = L.Trainer()
        trainer.fit(LitClassifier(), train_loader, val_loader)
        `,
        `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        class LitClassifier(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                self.log_dict({"val_acc": self.accuracy(batch)})

        trainer = L.Trainer(callbacks=[EarlyStopping(monitor="val_acc", mode="max", patience=3)])
        trainer.fit(LitClassifier(), train_loader, val_loader)
        `,
      );
    });

    it('monitors val_loss when the module is not defined in the file', () => {
      expectFix(
        'GML213',
        `
        import lightning as L
        from models import LitAutoEncoder

        trainer = L.Trainer()
        trainer.fit(LitAutoEncoder(), train_loader, val_loader)
        `,
        `
        import lightning as L
        from models import LitAutoEncoder
        from lightning.pytorch.callbacks import EarlyStopping

        trainer = L.Trainer(callbacks=[EarlyStopping(monitor="val_loss", patience=3)])
        trainer.fit(LitAutoEncoder(), train_loader, val_loader)
        `,
      );
    });

    it('monitors the name a Lightning 1.x module logs in validation_epoch_end (Ray Tune example style)', () => {
      expectFix(
        'GML213',
        `
        import torch
        import pytorch_lightning as pl

        class LightningMNISTClassifier(pl.LightningModule):
            def validation_step(self, val_batch, batch_idx):
                x, y = val_batch
                logits = self.forward(x)
                return {"val_loss": self.cross_entropy_loss(logits, y), "val_accuracy": self.accuracy(logits, y)}

            def validation_epoch_end(self, outputs):
                avg_loss = torch.stack([x["val_loss"] for x in outputs]).mean()
                avg_acc = torch.stack([x["val_accuracy"] for x in outputs]).mean()
                self.log("ptl/val_loss", avg_loss)
                self.log("ptl/val_accuracy", avg_acc)

        trainer = pl.Trainer(max_epochs=10)
        trainer.fit(LightningMNISTClassifier(), train_loader, val_loader)
        `,
        `
        import torch
        import pytorch_lightning as pl
        from pytorch_lightning.callbacks import EarlyStopping

        class LightningMNISTClassifier(pl.LightningModule):
            def validation_step(self, val_batch, batch_idx):
                x, y = val_batch
                logits = self.forward(x)
                return {"val_loss": self.cross_entropy_loss(logits, y), "val_accuracy": self.accuracy(logits, y)}

            def validation_epoch_end(self, outputs):
                avg_loss = torch.stack([x["val_loss"] for x in outputs]).mean()
                avg_acc = torch.stack([x["val_accuracy"] for x in outputs]).mean()
                self.log("ptl/val_loss", avg_loss)
                self.log("ptl/val_accuracy", avg_acc)

        trainer = pl.Trainer(max_epochs=10, callbacks=[EarlyStopping(monitor="ptl/val_loss", patience=3)])
        trainer.fit(LightningMNISTClassifier(), train_loader, val_loader)
        `,
      );
    });

    it('monitors an accuracy logged in on_validation_epoch_end in max mode', () => {
      const [finding] = expectFindings(`
        import lightning as L

        class LitModel(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                self.val_outputs.append(self.step(batch))

            def on_validation_epoch_end(self):
                self.log_dict({"val_f1": self.f1.compute(), "val_auroc": self.auroc.compute()})

        trainer = L.Trainer(max_epochs=30)
        trainer.fit(LitModel(), train_loader, val_loader)
        ^^^^^^^^^^^ GML213
      `);
      assert.match(finding.fixes[0].title, /monitor="val_f1", mode="max", patience=3/);
    });

    it('keeps val_loss for a name built by a shared step helper (f"{stage}_loss"), as the Lightning tutorials write it', () => {
      const [finding] = expectFindings(`
        import lightning as L
        import torch.nn.functional as F

        class LitResnet(L.LightningModule):
            def evaluate(self, batch, stage=None):
                x, y = batch
                loss = F.nll_loss(self(x), y)
                if stage:
                    self.log(f"{stage}_loss", loss, prog_bar=True)

            def validation_step(self, batch, batch_idx):
                self.evaluate(batch, "val")

        trainer = L.Trainer(max_epochs=30)
        trainer.fit(LitResnet(), train_loader, val_loader)
        ^^^^^^^^^^^ GML213
      `);
      assert.match(finding.fixes[0].title, /monitor="val_loss", patience=3/);
    });

    it('offers no fix when the module in the file logs no name that can be read', () => {
      const [finding] = expectFindings(`
        import lightning as L

        class LitModel(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                loss = self.step(batch)
                self.log(self.metric_name, loss)

        trainer = L.Trainer(max_epochs=30)
        trainer.fit(LitModel(), train_loader, val_loader)
        ^^^^^^^^^^^ GML213
      `);
      assert.equal(finding.fixes.length, 0);
    });

    it('imports from pytorch_lightning for a pytorch_lightning Trainer', () => {
      expectFix(
        'GML213',
        `
        import pytorch_lightning as pl

        trainer = pl.Trainer(max_epochs=10)
        trainer.fit(model, train_loader, val_loader)
        `,
        `
        import pytorch_lightning as pl
        from pytorch_lightning.callbacks import EarlyStopping

        trainer = pl.Trainer(max_epochs=10, callbacks=[EarlyStopping(monitor="val_loss", patience=3)])
        trainer.fit(model, train_loader, val_loader)
        `,
      );
    });

    it('imports from lightning.pytorch for an aliased lightning.pytorch Trainer', () => {
      expectFix(
        'GML213',
        `
        from lightning.pytorch import Trainer as T

        trainer = T(max_epochs=10)
        trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
        `,
        `
        from lightning.pytorch import Trainer as T
        from lightning.pytorch.callbacks import EarlyStopping

        trainer = T(max_epochs=10, callbacks=[EarlyStopping(monitor="val_loss", patience=3)])
        trainer.fit(model, train_dataloaders=train_loader, val_dataloaders=val_loader)
        `,
      );
    });

    it('appends to a multi-line callbacks list whose ModelCheckpoint does not stop training', () => {
      expectFix(
        'GML213',
        `
        import lightning as L
        from lightning.pytorch.callbacks import ModelCheckpoint

        trainer = L.Trainer(
            max_epochs=30,
            callbacks=[
                ModelCheckpoint(monitor="val_loss"),
            ],
        )
        trainer.fit(model, train_loader, val_loader)
        `,
        `
        import lightning as L
        from lightning.pytorch.callbacks import ModelCheckpoint, EarlyStopping

        trainer = L.Trainer(
            max_epochs=30,
            callbacks=[
                ModelCheckpoint(monitor="val_loss"),
                EarlyStopping(monitor="val_loss", patience=3),
            ],
        )
        trainer.fit(model, train_loader, val_loader)
        `,
      );
    });

    it('imports under another name when EarlyStopping already names something else', () => {
      expectFix(
        'GML213',
        `
        import lightning as L
        from keras.callbacks import EarlyStopping

        trainer = L.Trainer()
        trainer.fit(model, train_loader, val_loader)
        `,
        `
        import lightning as L
        from keras.callbacks import EarlyStopping
        from lightning.pytorch.callbacks import EarlyStopping as PLEarlyStopping

        trainer = L.Trainer(callbacks=[PLEarlyStopping(monitor="val_loss", patience=3)])
        trainer.fit(model, train_loader, val_loader)
        `,
      );
    });

    it('keeps tab indentation', () => {
      expectFix(
        'GML213',
        `
        import lightning as L

        def main():
        \ttrainer = L.Trainer(
        \t\tmax_epochs=9,
        \t)
        \ttrainer.fit(model, train_loader, val_loader)
        `,
        `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        def main():
        \ttrainer = L.Trainer(
        \t\tmax_epochs=9,
        \t\tcallbacks=[EarlyStopping(monitor="val_loss", patience=2)],
        \t)
        \ttrainer.fit(model, train_loader, val_loader)
        `,
      );
    });

    it('keeps two-space indentation in a callbacks list', () => {
      expectFix(
        'GML213',
        `
        import lightning as L

        def main():
          callbacks = [
            L.pytorch.callbacks.LearningRateMonitor()
          ]
          trainer = L.Trainer(callbacks=callbacks)
          trainer.fit(model, train_loader, val_loader)
        `,
        `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping

        def main():
          callbacks = [
            L.pytorch.callbacks.LearningRateMonitor(),
            EarlyStopping(monitor="val_loss", patience=3)
          ]
          trainer = L.Trainer(callbacks=callbacks)
          trainer.fit(model, train_loader, val_loader)
        `,
      );
    });

    it('keeps CRLF newlines, in the added import too', () => {
      expectFix(
        'GML213',
        `
        import lightning as L
        trainer = L.Trainer()
        trainer.fit(model, train_loader, val_loader)
        `,
        `
        import lightning as L
        from lightning.pytorch.callbacks import EarlyStopping
        trainer = L.Trainer(callbacks=[EarlyStopping(monitor="val_loss", patience=3)])
        trainer.fit(model, train_loader, val_loader)
        `,
        { eol: '\r\n' },
      );
    });
  });
});
