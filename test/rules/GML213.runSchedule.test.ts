import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// A schedule or SWA phase sized to exactly the Trainer's run: information without a fix.
describe('GML213 lightning-no-early-stopping: a schedule that spans the run', () => {
  function module(optimizers: string): string {
    return `
      import lightning as L
      import torch
      from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR
      from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

      EPOCHS = 30

      class LitModel(L.LightningModule):
          def training_step(self, batch, batch_idx):
              return self.loss(batch)

          def validation_step(self, batch, batch_idx):
              self.log("val_loss", self.loss(batch))

          def configure_optimizers(self):
              optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
${optimizers
  .split('\n')
  .map((l) => `              ${l}`)
  .join('\n')}
`;
  }

  it('OneCycleLR sized by self.trainer.max_epochs, CosineAnnealingLR by the same name or literal as max_epochs', () => {
    for (const [optimizers, maxEpochs] of [
      ['scheduler = OneCycleLR(optimizer, 0.1, epochs=self.trainer.max_epochs, steps_per_epoch=100)\nreturn {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}', '30'],
      ['return [optimizer], [CosineAnnealingLR(optimizer, T_max=EPOCHS)]', 'EPOCHS'],
      ['return [optimizer], [CosineAnnealingLR(optimizer, 30)]', '30'],
      ['return [optimizer], [OneCycleLR(optimizer, 0.1, total_steps=self.trainer.estimated_stepping_batches)]', '30'],
    ]) {
      const [finding] = expectFindings(`${module(optimizers)}
      trainer = L.Trainer(max_epochs=${maxEpochs})
      trainer.fit(LitModel(), train_loader, val_loader)
      ^^^^^^^^^^^ GML213: learning-rate schedule
      `);
      assert.equal(finding.severity, 'information', optimizers);
      assert.equal(finding.fixes.length, 0, optimizers);
    }
  });

  it('an SWA phase: StochasticWeightAveraging in the callbacks, or an equal-weight AveragedModel in the module', () => {
    const [callback] = expectFindings(`${module('return optimizer')}
      from lightning.pytorch.callbacks import StochasticWeightAveraging
      trainer = L.Trainer(max_epochs=20, callbacks=[StochasticWeightAveraging(swa_lrs=1e-2)])
      trainer.fit(LitModel(), train_loader, val_loader)
      ^^^^^^^^^^^ GML213: weight averaging (\`StochasticWeightAveraging(…)\`) lasts these 20 epochs
    `);
    assert.equal(callback.fixes.length, 0);
    const [averaged] = expectFindings(`${module('self.swa_model = AveragedModel(self.model)\nreturn optimizer')}
      trainer = L.Trainer(max_epochs=20)
      trainer.fit(LitModel(), train_loader, val_loader)
      ^^^^^^^^^^^ GML213: weight averaging (\`AveragedModel(…)\`)
    `);
    assert.equal(averaged.severity, 'information');
    assert.equal(averaged.fixes.length, 0);
  });

  it('still a warning with its fix: StepLR, a cosine over another length, an EMA', () => {
    for (const optimizers of [
      'return [optimizer], [StepLR(optimizer, step_size=30)]',
      'return [optimizer], [CosineAnnealingLR(optimizer, T_max=10)]',
      'self.ema = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(0.999))\nreturn optimizer',
    ]) {
      const [finding] = expectFindings(`${module(optimizers)}
      trainer = L.Trainer(max_epochs=30)
      trainer.fit(LitModel(), train_loader, val_loader)
      ^^^^^^^^^^^ GML213: trains to max_epochs (30)
      `);
      assert.equal(finding.severity, 'warning', optimizers);
      assert.equal(finding.fixes.length, 1, optimizers);
    }
  });
});
