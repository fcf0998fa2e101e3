import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// A schedule sized to exactly the loop's count: information without a fix.
describe('GML216 loop-no-early-stopping: a schedule that spans the run', () => {
  function loop(scheduler: string, count: string): string {
    return `
      import torch
      from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR

      def evaluate(model, loader):
          model.eval()
          with torch.no_grad():
              return sum(torch.nn.functional.mse_loss(model(x), y).item() for x, y in loader)

      n_epochs = 40
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      scheduler = ${scheduler}
      for epoch in range(${count}):
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: evaluates on validation data every epoch
          for x, y in train_loader:
              optimizer.zero_grad()
              loss = torch.nn.functional.mse_loss(model(x), y)
              loss.backward()
              optimizer.step()
          scheduler.step()
          val_loss = evaluate(model, val_loader)
    `;
  }

  it('CosineAnnealingLR or OneCycleLR sized by the loop’s count (the same name, or the same literal)', () => {
    for (const [scheduler, count] of [
      ['CosineAnnealingLR(optimizer, T_max=n_epochs)', 'n_epochs'],
      ['CosineAnnealingLR(optimizer, 40)', '40'],
      ['OneCycleLR(optimizer, 0.1, epochs=n_epochs, steps_per_epoch=len(train_loader))', '0, n_epochs'],
      ['OneCycleLR(optimizer, 0.1, total_steps=n_epochs * len(train_loader))', 'n_epochs'],
    ]) {
      const [finding] = expectFindings(loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)));
      assert.equal(finding.severity, 'information', scheduler);
      assert.equal(finding.fixes.length, 0, scheduler);
      assert.match(finding.message, /learning-rate schedule .* is sized to these 40 epochs/, scheduler);
    }
  });

  it('still a warning with its fix: StepLR(step_size=30), a cosine over another length', () => {
    for (const [scheduler, count] of [
      ['StepLR(optimizer, step_size=30)', '30'],
      ['CosineAnnealingLR(optimizer, T_max=10)', 'n_epochs'],
    ]) {
      const [finding] = expectFindings(loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)));
      assert.equal(finding.severity, 'warning', scheduler);
      assert.equal(finding.fixes.length, 1, scheduler);
    }
  });
});
