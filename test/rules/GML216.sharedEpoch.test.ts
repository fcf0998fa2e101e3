import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// One function runs both passes: with the training flag on over the training data, and off
// (`train=False`) over held-out data, where the flag keeps it from training.
describe('GML216 loop-no-early-stopping: evaluation through the training function', () => {
  const VALIDATES = 'GML216: This epoch loop trains for 40 epochs and evaluates on validation data every epoch';
  const NOTHING = 'GML216: This epoch loop trains for 40 epochs and measures nothing on held-out data';

  it('a held-out pass through the epoch function with `train=False` (it guards its step with `if train:`): a warning', () => {
    const [f] = expectFindings(`
      import torch

      def one_epoch(net, opt, batches, train=True):
          net.train(train)
          running = 0.0
          with torch.set_grad_enabled(train):
              for images, labels in batches:
                  loss = torch.nn.functional.cross_entropy(net(images), labels)
                  if train:
                      opt.zero_grad()
                      loss.backward()
                      opt.step()
                  running += loss.item()
          return running / len(batches)

      for epoch in range(40):
      ^^^^^^^^^^^^^^^^^^^^^^ ${VALIDATES}
          one_epoch(net, opt, train_loader, train=True)
          one_epoch(net, opt, val_loader, train=False)
    `);
    assert.equal(f.severity, 'warning');
  });

  it('the flag handed on to a batch method that guards the step, in a trainer class (positional False, `is_train`)', () => {
    const [f] = expectFindings(`
      import torch

      class Runner:
          def _batch(self, inputs, targets, is_train):
              with torch.set_grad_enabled(is_train):
                  loss = self.criterion(self.net(inputs), targets)
              if is_train:
                  self.opt.zero_grad()
                  loss.backward()
                  self.opt.step()
              return loss.item()

          def _epoch(self, loader, is_train=True):
              for inputs, targets in loader:
                  self._batch(inputs, targets, is_train)

          def fit(self):
              for epoch in range(40):
              ^^^^^^^^^^^^^^^^^^^^^^ ${VALIDATES}
                  self._epoch(self.train_loader)
                  self._epoch(self.test_loader, False)
    `);
    assert.equal(f.severity, 'warning');
  });

  it('the flag True both times, or False over the training data: no held-out pass (information)', () => {
    const script = (second: string) => `
      import torch

      def one_epoch(net, opt, batches, training=True):
          for images, labels in batches:
              loss = torch.nn.functional.cross_entropy(net(images), labels)
              if training:
                  opt.zero_grad()
                  loss.backward()
                  opt.step()

      for epoch in range(40):
      ^^^^^^^^^^^^^^^^^^^^^^ ${NOTHING}
          one_epoch(net, opt, train_loader, training=True)
          ${second}
    `;
    for (const second of ['one_epoch(net, opt, test_loader, training=True)', 'one_epoch(net, opt, train_loader, training=False)']) {
      const [f] = expectFindings(script(second));
      assert.equal(f.severity, 'information');
    }
  });

  it('a look-alike flag that guards nothing (it only names the log line): the held-out call trains too', () => {
    expectFindings(`
      import torch

      def one_epoch(net, opt, batches, train=True):
          tag = "train" if train else "eval"
          for images, labels in batches:
              opt.zero_grad()
              loss = torch.nn.functional.cross_entropy(net(images), labels)
              loss.backward()
              opt.step()
          print(tag, loss.item())

      for epoch in range(40):
      ^^^^^^^^^^^^^^^^^^^^^^ ${NOTHING}
          one_epoch(net, opt, train_loader, train=True)
          one_epoch(net, opt, test_loader, train=False)
    `);
  });
});
