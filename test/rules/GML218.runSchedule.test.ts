import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings } from '../helpers/markers';

useParser();

// A learning-rate schedule sized to exactly the net's epochs: information without a fix.
describe('GML218 wrapped-net-no-early-stopping: a schedule that spans the run', () => {
  it('skorch LRScheduler whose torch policy is sized to max_epochs (the same name or literal)', () => {
    for (const scheduler of [
      'LRScheduler(policy=CosineAnnealingLR, T_max=MAX_EPOCHS)',
      '("lr", LRScheduler(policy="OneCycleLR", max_lr=0.1, epochs=30, steps_per_epoch=50))',
    ]) {
      const [finding] = expectFindings(`
        from skorch import NeuralNetClassifier
        from skorch.callbacks import LRScheduler
        from torch.optim.lr_scheduler import CosineAnnealingLR

        MAX_EPOCHS = 30
        net = NeuralNetClassifier(Module, max_epochs=MAX_EPOCHS, callbacks=[${scheduler}])
        #     ^^^^^^^^^^^^^^^^^^^ GML218: learning-rate schedule
      `);
      assert.equal(finding.severity, 'information', scheduler);
      assert.equal(finding.fixes.length, 0, scheduler);
    }
  });

  it('scikeras with a LearningRateScheduler over its epochs', () => {
    const [finding] = expectFindings(`
      import keras
      from scikeras.wrappers import KerasClassifier

      EPOCHS = 30
      decay = keras.callbacks.LearningRateScheduler(lambda epoch: 1e-2 * (1 - epoch / EPOCHS))
      clf = KerasClassifier(model=get_model, epochs=EPOCHS, validation_split=0.2, callbacks=[decay])
      #     ^^^^^^^^^^^^^^^ GML218: is sized to these 30 epochs
    `);
    assert.equal(finding.severity, 'information');
    assert.equal(finding.fixes.length, 0);
  });

  it('still a warning with its fix: StepLR(step_size=30) over 30 epochs', () => {
    const [finding] = expectFindings(`
      from skorch import NeuralNetClassifier
      from skorch.callbacks import LRScheduler

      net = NeuralNetClassifier(Module, max_epochs=30, callbacks=[LRScheduler(policy="StepLR", step_size=30)])
      #     ^^^^^^^^^^^^^^^^^^^ GML218: trains 30 epochs
    `);
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.fixes.length, 1);
  });
});
