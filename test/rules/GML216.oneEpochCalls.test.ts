import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix } from '../helpers/markers';

useParser();

// An outer loop that runs a training function for one epoch at a time is the epoch loop; a same-file
// function named for a metric that loops over the held-out data it is handed evaluates.
describe('GML216 loop-no-early-stopping', () => {
  describe('one epoch per call, and metric functions', () => {
    const script = (calls: string, extra = '') => `
      import torch
      import torch.nn as nn

      def train(model, optimizer, num_epochs=1):
          for epoch in range(num_epochs):
              for x, y in loader_train:
                  loss = nn.functional.cross_entropy(model(x), y)
                  optimizer.zero_grad()
                  loss.backward()
                  optimizer.step()

      def check_accuracy(model, loader):
          model.eval()
          with torch.no_grad():
              return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
      ${extra}
      ${calls}
    `;

    it('an outer epoch loop that calls train(…, num_epochs=1) and checks the validation accuracy: reported', () => {
      const [f] = expectFindings(
        script(`
      for epoch in range(10):
      ^^^^^^^^^^^^^^^^^^^^^^ GML216: This epoch loop trains for 10 epochs and evaluates on validation data every epoch
          train(model, optimizer, num_epochs=1)
          check_accuracy(model, loader_val)
      `),
      );
      assert.equal(f.severity, 'warning');
    });

    it('the outer loop is left alone while the function may run several epochs: another call passes 5, a count not written in the file, or none', () => {
      for (const calls of [
        'for epoch in range(10):\n          train(model, optimizer, num_epochs=1)\n          check_accuracy(model, loader_val)\n      train(model, optimizer, num_epochs=5)',
        'for epoch in range(10):\n          train(model, optimizer, num_epochs=args.inner_epochs)\n          check_accuracy(model, loader_val)',
        'for epoch in range(10):\n          train(model, optimizer)\n          check_accuracy(model, loader_val)',
      ]) {
        // The function's own loop (line 5) is the one reported, as before; the outer loop is not.
        assert.deepEqual(findings(script(calls), 'GML216').map((f) => f.range.start.line), [5], calls);
      }
    });

    it('the accuracy a metric function returns gets the fix (higher is better)', () => {
      expectFix(
        'GML216',
        script(`
      for epoch in range(10):
          train(model, optimizer, num_epochs=1)
          acc = check_accuracy(model, loader_val)
      `),
        script(`
      # Early stopping: end training once acc has not improved by more than min_delta for patience epochs.
      best_acc = float("-inf")
      epochs_without_improvement = 0
      patience = 5
      min_delta = 0.0
      for epoch in range(10):
          train(model, optimizer, num_epochs=1)
          acc = check_accuracy(model, loader_val)
          if float(acc) > best_acc + min_delta:
              best_acc = float(acc)
              epochs_without_improvement = 0
          else:
              epochs_without_improvement += 1
              if epochs_without_improvement >= patience:
                  print(f"Early stopping: acc has not improved for {patience} epochs")
                  break
      `),
      );
    });

    it('a loss function of the file applied to a GAN’s `valid` labels evaluates nothing: information, asking for a split', () => {
      const [f] = findings(
        `
import torch

def adversarial_loss(pred, target):
    return torch.nn.functional.binary_cross_entropy(pred, target)

for epoch in range(200):
    for imgs, _ in dataloader:
        valid = torch.ones(imgs.size(0), 1)
        optimizer_G.zero_grad()
        g_loss = adversarial_loss(discriminator(generator(z)), valid)
        g_loss.backward()
        optimizer_G.step()
`,
        'GML216',
      );
      assert.equal(f.severity, 'information');
      assert.match(f.message, /measures nothing on held-out data/);
    });
  });
});
