import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

// Loops that stop early already (a patience counter, a helper, a pruned trial), and loops that are no
// epoch loop to stop: step budgets, folds, attacks, unit tests, reinforcement learning, look-alikes.
describe('GML216 loop-no-early-stopping', () => {
  describe('left alone', () => {
    it('a loop with a patience counter that breaks', () => {
      expectNone('GML216', `
        import torch

        best, bad_epochs = float("inf"), 0
        for epoch in range(200):
            train_one_epoch(model, train_loader)
            val_loss = evaluate(model, val_loader)
            if val_loss < best:
                best, bad_epochs = val_loss, 0
            else:
                bad_epochs += 1
                if bad_epochs >= 10:
                    break

        def train_one_epoch(model, loader):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
      `);
    });

    it('an early-stopping helper object', () => {
      expectNone('GML216', `
        import torch
        from pytorchtools import EarlyStopping

        early_stopping = EarlyStopping(patience=7, verbose=True)
        for epoch in range(1, n_epochs + 1):
            for data, target in train_loader:
                optimizer.zero_grad()
                criterion(model(data), target).backward()
                optimizer.step()
            early_stopping(valid_loss, model)
            if early_stopping.early_stop:
                break
      `);
    });

    it("Accelerate's set_trigger / check_trigger", () => {
      expectNone('GML216', `
        from accelerate import Accelerator

        accelerator = Accelerator()
        for epoch in range(num_epochs):
            for batch in train_dataloader:
                accelerator.backward(model(**batch).loss)
                optimizer.step()
            if callback.check_early_stopping(eval_loss):
                accelerator.set_trigger()
            if accelerator.check_trigger():
                break
      `);
    });

    it('an Optuna trial pruned from inside the loop, and a Ray Tune report whose scheduler ends trials', () => {
      expectNone('GML216', `
        import optuna
        import torch
        from ray import train as ray_train

        def objective(trial):
            for epoch in range(30):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    F.cross_entropy(model(x), y).backward()
                    optimizer.step()
                trial.report(accuracy(model, valid_loader), epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()

        def train_cifar(config):
            for epoch in range(10):
                for x, y in trainloader:
                    optimizer.zero_grad()
                    criterion(net(x), y).backward()
                    optimizer.step()
                ray_train.report({"loss": val_loss(net)})
      `);
    });

    it('a stopping flag checked in the batch loop', () => {
      expectNone('GML216', `
        import torch

        for epoch in range(100):
            for x, y in loader:
                if trainer.should_stop:
                    break
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
      `);
    });

    it('a step budget: one batch per iteration', () => {
      expectNone('GML216', `
        import torch

        for step in range(max_iters):
            if step % eval_interval == 0:
                losses = estimate_loss()
            xb, yb = get_batch("train")
            logits, loss = model(xb, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        for i in range(10000):
            x, y = next(train_iter)
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
      `);
    });

    it('a gradient-accumulation loop inside a while loop that stops', () => {
      expectNone('GML216', `
        import torch

        while True:
            for micro_step in range(gradient_accumulation_steps):
                logits, loss = model(X, Y)
                scaler.scale(loss / gradient_accumulation_steps).backward()
            scaler.step(optimizer)
            scaler.update()
            iter_num += 1
            if iter_num > max_iters:
                break
      `);
    });

    it('folds whose training function has its own epoch loop: that loop is reported, not the folds', () => {
      expectFindings(`
        import torch

        def train_fold(model, loader):
            for epoch in range(30):
        #   ^^^^^^^^^^^^^^^^^^^^^^ GML216
                for x, y in loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()

        for fold in range(5):
            train_fold(make_model(), fold_loaders[fold])
      `);
    });

    it('a backward with no optimizer step (an attack, not training)', () => {
      expectNone('GML216', `
        import torch

        for epoch in range(20):
            for x, y in test_loader:
                x.requires_grad_(True)
                loss = criterion(model(x), y)
                loss.backward()
                x_adv = x + 0.03 * x.grad.sign()
      `);
    });

    it('a unit test that trains a few epochs to check the code', () => {
      expectNone('GML216', `
        import torch

        def test_model_overfits_one_batch():
            x, y = torch.randn(8, 4), torch.randn(8, 1)
            model = torch.nn.Linear(4, 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(50):
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                optimizer.step()
            assert loss.item() < 1.0
      `);
    });

    it('reinforcement learning: update epochs over fresh rollouts', () => {
      expectNone('GML216', `
        import gymnasium as gym
        import torch

        envs = gym.vector.SyncVectorEnv([make_env(i) for i in range(4)])
        for update in range(1, num_updates + 1):
            rollout = collect(envs, agent)
            for epoch in range(update_epochs):
                for mb in rollout.minibatches():
                    optimizer.zero_grad()
                    ppo_loss(agent, mb).backward()
                    optimizer.step()
      `);
    });

    it('a look-alike: a range() defined in the file', () => {
      expectNone('GML216', `
        import torch

        def range(n):
            return schedule[:n]

        for epoch in range(100):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
      `);
    });

    it('a look-alike: a "tape" that is no GradientTape', () => {
      expectNone('GML216', `
        import tensorflow as tf

        class MeasuringTape:
            def gradient(self, a, b):
                return (a - b) / 2

        tape = MeasuringTape()
        for epoch in range(100):
            g = tape.gradient(height, width)
            optimizer.apply_gradients(zip([g], [w]))
      `);
    });
  });
});
