import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

describe('GML216 loop-no-early-stopping', () => {
  describe('flags', () => {
    it('a PyTorch epoch loop that computes a validation loss every epoch: a warning', () => {
      const [f] = expectFindings(`
        import torch

        def evaluate(model, loader):
            model.eval()
            total = 0.0
            with torch.no_grad():
                for x, y in loader:
                    total += torch.nn.functional.mse_loss(model(x), y).item()
            return total / len(loader)

        for epoch in range(100):
        ^^^^^^^^^^^^^^^^^^^^^^^ GML216: This epoch loop trains for 100 epochs and evaluates on validation data every epoch
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                optimizer.step()
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: val_loss={val_loss:.4f}")
      `);
      assert.equal(f.severity, 'warning');
    });

    it('train() and test() functions called from the loop, as pytorch/examples writes them, with a count that is not a literal', () => {
      // The count is unknown, but whatever it is the loop cannot stop early: still reported.
      expectFindings(`
        import torch
        import torch.nn.functional as F

        def train(args, model, device, train_loader, optimizer, epoch):
            model.train()
            for batch_idx, (data, target) in enumerate(train_loader):
                data, target = data.to(device), target.to(device)
                optimizer.zero_grad()
                loss = F.nll_loss(model(data), target)
                loss.backward()
                optimizer.step()
                if args.dry_run:
                    break

        def test(model, device, test_loader):
            model.eval()
            test_loss = 0
            with torch.no_grad():
                for data, target in test_loader:
                    output = model(data.to(device))
                    test_loss += F.nll_loss(output, target.to(device), reduction="sum").item()
            print(test_loss / len(test_loader.dataset))

        for epoch in range(1, args.epochs + 1):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: fixed in advance (\`range(1, args.epochs + 1)\`)
            train(args, model, device, train_loader, optimizer, epoch)
            test(model, device, test_loader)
            scheduler.step()
      `);
    });

    it('an Accelerate loop, through from … import … as', () => {
      expectFindings(`
        import torch
        from accelerate import Accelerator as Acc

        accelerator = Acc(mixed_precision="bf16")
        model, optimizer, train_dl, eval_dl = accelerator.prepare(model, optimizer, train_dl, eval_dl)
        for epoch in range(num_epochs):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: evaluates on validation data
            model.train()
            for batch in train_dl:
                outputs = model(**batch)
                accelerator.backward(outputs.loss)
                optimizer.step()
                optimizer.zero_grad()
            model.eval()
            for batch in eval_dl:
                with torch.no_grad():
                    predictions = model(**batch).logits.argmax(dim=-1)
                metric.add_batch(predictions=predictions, references=batch["labels"])
            eval_metric = metric.compute()
            accelerator.print(epoch, eval_metric)
      `);
    });

    it('a Lightning Fabric GAN loop that validates nothing: information, saying to hold out a validation split', () => {
      const [f] = expectFindings(`
        import torch
        from lightning.fabric import Fabric

        fabric = Fabric(precision="bf16-mixed")
        for epoch in range(25):
        ^^^^^^^^^^^^^^^^^^^^^^ GML216: Hold out a validation split
            for real, _ in dataloader:
                fake = generator(torch.randn(real.size(0), 100, 1, 1, device=fabric.device))
                opt_d.zero_grad()
                loss_d = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
                fabric.backward(loss_d)
                opt_d.step()
                opt_g.zero_grad()
                loss_g = criterion(discriminator(fake), ones)
                fabric.backward(loss_g)
                opt_g.step()
            with torch.no_grad():
                samples = generator(fixed_noise)
      `);
      assert.equal(f.severity, 'information');
    });

    it('a TensorFlow GradientTape loop: a @tf.function train_step, and test_step on the test set', () => {
      expectFindings(`
        import tensorflow as tf

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                loss = loss_object(labels, model(images, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        @tf.function
        def test_step(images, labels):
            predictions = model(images, training=False)
            test_accuracy(labels, predictions)

        EPOCHS = 20
        for epoch in range(EPOCHS):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: trains for 20 epochs and evaluates
            test_accuracy.reset_state()
            for images, labels in train_ds:
                train_step(images, labels)
            for test_images, test_labels in test_ds:
                test_step(test_images, test_labels)
      `);
    });

    it('a teacher updated from the student under torch.no_grad() is not a validation: self-distillation measures nothing held out', () => {
      const found = expectFindings(`
        import torch

        def train_one_epoch(student, teacher, data_loader, optimizer, momentum):
            for images, _ in data_loader:
                images = [im.cuda(non_blocking=True) for im in images]
                loss = dino_loss(student(images), teacher(images[:2]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    for param_q, param_k in zip(student.parameters(), teacher.parameters()):
                        param_k.data.mul_(momentum).add_((1 - momentum) * param_q.detach().data)

        def main(args, student, teacher, data_loader, optimizer):
            for epoch in range(args.epochs):
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: measures nothing on held-out data
                train_one_epoch(student, teacher, data_loader, optimizer, 0.996)
                torch.save(student.state_dict(), "checkpoint.pth")
      `);
      assert.equal(found[0].severity, 'information');
    });

    it('a GradientTape imported under another name, with a variable updated by assign_sub', () => {
      expectFindings(`
        from tensorflow import GradientTape as Tape

        for epoch in range(200):
        ^^^^^^^^^^^^^^^^^^^^^^^ GML216: measures nothing on held-out data
            for x_batch, y_batch in dataset:
                with Tape() as tape:
                    batch_loss = mse_loss(quad_model(x_batch), y_batch)
                grads = tape.gradient(batch_loss, quad_model.variables)
                for g, v in zip(grads, quad_model.variables):
                    v.assign_sub(learning_rate * g)
      `);
    });

    it('gradients a helper computes with a tape, applied in the loop (tensorflow.compat.v1 spelling)', () => {
      expectFindings(`
        import tensorflow.compat.v1 as tf

        def grad(model, inputs, targets):
            with tf.GradientTape() as tape:
                loss_value = loss(model, inputs, targets)
            return loss_value, tape.gradient(loss_value, model.trainable_variables)

        num_epochs = 201
        for epoch in range(num_epochs):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: 201 epochs and measures nothing
            for x, y in train_dataset:
                loss_value, grads = grad(model, x, y)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
      `);
    });

    it('an LBFGS loop whose backward runs in the closure handed to optimizer.step, counted in iterations', () => {
      expectFindings(`
        import torch

        optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8)
        for i in range(opt.steps):
        ^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: This training loop runs a number of iterations fixed in advance
            def closure():
                optimizer.zero_grad()
                loss = criterion(seq(input), target)
                loss.backward()
                return loss
            optimizer.step(closure)
            with torch.no_grad():
                pred = seq(test_input)
                loss = criterion(pred, test_target)
      `);
    });

    it('an epoch loop calling a train_one_epoch whose step is done by a loss scaler from another module (MAE / DeiT style)', () => {
      expectFindings(`
        import torch
        from util.misc import NativeScalerWithGradNormCount as NativeScaler

        def train_one_epoch(model, criterion, data_loader, optimizer, loss_scaler):
            for samples, targets in data_loader:
                with torch.autocast("cuda"):
                    loss = criterion(model(samples), targets)
                loss_scaler(loss, optimizer, clip_grad=None, parameters=model.parameters())
                optimizer.zero_grad()

        loss_scaler = NativeScaler()
        for epoch in range(100):
        ^^^^^^^^^^^^^^^^^^^^^^^ GML216: trains for 100 epochs
            train_one_epoch(model, criterion, train_loader, optimizer, loss_scaler)
      `);
    });

    it('a trainer class whose fit loop calls self.train_epoch() and self.validate()', () => {
      expectFindings(`
        import torch

        class Trainer:
            def train_epoch(self):
                self.model.train()
                for x, y in self.train_loader:
                    self.optimizer.zero_grad()
                    self.criterion(self.model(x), y).backward()
                    self.optimizer.step()

            def validate(self):
                return 0.0

            def fit(self):
                for epoch in range(self.max_epochs):
        #       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: evaluates on validation data
                    self.train_epoch()
                    val_acc = self.validate()
      `);
    });

    it('only the epoch loop of a nest: not the repeated runs around it, nor a step loop inside it', () => {
      expectFindings(`
        import torch

        for run in range(5):
            model = make_model()
            for epoch in tqdm(range(50)):
        #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216
                for step in range(steps_per_epoch):
                    x, y = next(batches)
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()
      `);
    });

    it('trange and enumerate(range(…)) count too', () => {
      expectFindings(`
        import torch
        from tqdm.auto import trange as epoch_range

        for epoch in epoch_range(40):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()

        for i, epoch in enumerate(range(10, 40)):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: 30 epochs
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
      `);
    });

    it('a trange or tqdm(range(…)) bar bound by a with statement and iterated inside it', () => {
      expectFindings(`
        import numpy as np
        import tensorflow as tf
        from tqdm.notebook import trange

        n_epochs = 20
        with trange(1, n_epochs + 1) as epochs:
            for epoch in epochs:
        #   ^^^^^^^^^^^^^^^^^^^ GML216: trains for 20 epochs and evaluates on validation data every epoch
                for step in range(n_steps):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean(loss_fn(y_batch, model(X_batch)))
                    gradients = tape.gradient(loss, model.trainable_variables)
                    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
                y_pred = model(X_valid)
                val_loss = np.mean(loss_fn(y_valid, y_pred))
      `);
      expectFindings(`
        import torch
        from tqdm import tqdm

        with tqdm(range(30), desc="training") as bar:
            for epoch in bar:
        #   ^^^^^^^^^^^^^^^^ GML216: 30 epochs
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
      `);
    });

    it('a bar name bound again by another with statement (another notebook cell): the with around the loop', () => {
      expectFindings(`
        import torch
        from tqdm.auto import trange

        with trange(3, desc="warm-up") as epochs:
            for epoch in epochs:
                warm_up(epoch)

        with trange(25, desc="training") as epochs:
            for epoch in epochs:
        #   ^^^^^^^^^^^^^^^^^^^ GML216: 25 epochs
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
      `);
    });

    it('a with-bound value that is no count (a file, a bar over data) is not an epoch loop', () => {
      expectNone('GML216', `
        import torch
        from tqdm import tqdm

        with tqdm(train_loader) as batches:
            for batch in batches:
                optimizer.zero_grad()
                criterion(model(batch[0]), batch[1]).backward()
                optimizer.step()
      `);
    });

    it('a loop that only lowers the learning rate on a plateau and saves its best checkpoint', () => {
      expectFindings(`
        import torch

        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=3)
        best_acc = 0.0
        for epoch in range(200):
        ^^^^^^^^^^^^^^^^^^^^^^^ GML216: nothing ends it
            train(epoch)
            acc = test(epoch)
            scheduler.step(acc)
            if acc > best_acc:
                best_acc = acc
                torch.save(model.state_dict(), "best.pt")

        def train(epoch):
            for inputs, targets in trainloader:
                optimizer.zero_grad()
                criterion(net(inputs), targets).backward()
                optimizer.step()
      `);
    });

    it('a break taken only on a dry-run flag, or one that ends an inner loop, does not stop the epochs', () => {
      expectFindings(`
        import torch

        for epoch in range(1, hparams.epochs + 1):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216
            for batch_idx, (data, target) in enumerate(train_loader):
                optimizer.zero_grad()
                fabric.backward(F.nll_loss(model(data), target))
                optimizer.step()
                if batch_idx > max_batches:
                    break
            if hparams.dry_run:
                break
      `);
    });
    it('a short loop of 3 to 9 epochs that validates every epoch: information, with the honest bound', () => {
      const [f] = expectFindings(`
        import torch

        epochs = 3
        for epoch in tqdm(range(epochs)):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: With 3 epochs, stopping on the validation metric can save at most the last 1
            model.train()
            for X, y in train_dataloader:
                loss = loss_fn(model(X), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            test_loss, test_acc = 0, 0
            model.eval()
            with torch.inference_mode():
                for X, y in test_dataloader:
                    test_pred = model(X)
                    test_loss += loss_fn(test_pred, y)
                test_loss /= len(test_dataloader)
      `);
      assert.equal(f.severity, 'information');
      assert.match(f.message, /not improved for 1 epoch \(/);
      const [nine] = findings(`import torch\nfor epoch in range(9):\n    for x, y in loader:\n        opt.zero_grad()\n        crit(model(x), y).backward()\n        opt.step()\n    val_loss = evaluate(model, val_loader)\n`, 'GML216');
      assert.equal(nine.severity, 'information');
      assert.match(nine.message, /With 9 epochs, stopping on the validation metric can save at most the last 7/);
      assert.match(nine.message, /not improved for 2 epochs/);
    });

    it('a short GradientTape loop, the count through a name, with test_step on the test set each epoch', () => {
      const [f] = expectFindings(`
        import tensorflow as tf

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                loss = loss_object(labels, model(images, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        @tf.function
        def test_step(images, labels):
            test_loss(loss_object(labels, model(images, training=False)))

        EPOCHS = 5
        for epoch in range(EPOCHS):
        ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: With 5 epochs
            for images, labels in train_ds:
                train_step(images, labels)
            for test_images, test_labels in test_ds:
                test_step(test_images, test_labels)
      `);
      assert.equal(f.severity, 'information');
    });

    it('a short loop whose count is a look-alike range() defined in the file: quiet', () => {
      expectNone('GML216', `
        import torch

        def range(n):
            return [n]

        for epoch in range(5):
            for x, y in loader:
                opt.zero_grad()
                crit(model(x), y).backward()
                opt.step()
            val_loss = evaluate(model, val_loader)
      `);
    });

    // A function's epoch count is the one its callers pass: with 5 epochs a patience of 5 could never stop.
    const trainClassifier = (calls: string) => `import torch

def train_classifier(model, train_loader, val_loader, optimizer, num_epochs):
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(input_batch), target_batch)
            loss.backward()
            optimizer.step()
        val_loss = evaluate(model, val_loader)
        print(f"Epoch {epoch + 1}: val loss {val_loss:.3f}")

${calls}
`;

    it('an epoch count that the only call passes (5): information with the bound and a patience of 1', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /trains for 5 epochs/);
      assert.match(f.message, /With 5 epochs, stopping on the validation metric can save at most the last 3/);
      assert.match(f.message, /not improved for 1 epoch \(/);
      assert.match(f.fixes[0].title, /for 1 epoch /);
      assert.match(applyFix(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)'), f), /\n    patience = 1\n/);
    });

    it('an epoch count that every call passes the same (7, by position): patience 2', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, 7)\ntrain_classifier(model2, train_loader, val_loader, optimizer2, 7)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /With 7 epochs/);
      assert.match(f.message, /not improved for 2 epochs/);
    });

    it('an epoch count that the only call passes (20): a warning with a patience of 5', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=20)'), 'GML216');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /trains for 20 epochs/);
      assert.match(f.fixes[0].title, /for 5 epochs/);
    });

    it('calls that pass different epoch counts (5 and 50): unknown, information without a short-run bound', () => {
      const [f] = findings(trainClassifier('train_classifier(model, train_loader, val_loader, optimizer, num_epochs=5)\ntrain_classifier(model, train_loader, val_loader, optimizer, num_epochs=50)'), 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /fixed in advance \(`range\(num_epochs\)`\)/);
      assert.doesNotMatch(f.message, /can save at most/);
      assert.match(f.fixes[0].title, /for 5 epochs/);
    });

    it('an epoch count from an argparse default: 2 is quiet, 100 information (the command line may give another count)', () => {
      const script = (epochs: number) => `import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=${epochs})
args = parser.parse_args()
for epoch in range(args.epochs):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    val_loss = evaluate(model, val_loader)
`;
      assert.deepEqual(findings(script(2), 'GML216'), []);
      assert.deepEqual(findings(script(100), 'GML216').map((f) => [f.severity, /trains for 100 epochs/.test(f.message)]), [['information', true]]);
    });

    it('a validation loss stored under a literal key every epoch (`status["val_loss"] = …`): a warning', () => {
      const [f] = expectFindings(`
        import tensorflow as tf
        from tqdm.auto import trange

        status = {}
        with trange(1, 51) as epochs:
            for epoch in epochs:
            ^^^^^^^^^^^^^^^^^^^ GML216: This epoch loop trains for 50 epochs and evaluates on validation data every epoch
                for X_batch, y_batch in train_set:
                    with tf.GradientTape() as tape:
                        loss = loss_fn(y_batch, model(X_batch, training=True))
                    gradients = tape.gradient(loss, model.trainable_variables)
                    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
                status["val_loss"] = loss_fn(y_valid, model(X_valid)).numpy()
                epochs.set_postfix(status)
      `);
      assert.equal(f.severity, 'warning');
    });

    it('a validation accuracy appended under a literal key (`history["val_acc"].append(…)`): a warning', () => {
      const [f] = findings(`import torch
history = {"train_loss": [], "val_acc": []}
for epoch in range(30):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    history["train_loss"].append(loss.item())
    history["val_acc"].append(accuracy(model, X_holdout, y_holdout))
`, 'GML216');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /evaluates on validation data every epoch/);
    });

    it('a metric stored under a key built from a variable: not taken for validation (information)', () => {
      const [f] = findings(`import tensorflow as tf
status = {}
name = "val_loss"
for epoch in range(50):
    for X_batch, y_batch in train_set:
        with tf.GradientTape() as tape:
            loss = loss_fn(y_batch, model(X_batch, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    status[name] = loss_fn(y_batch, model(X_batch)).numpy()
    status[f"{name}"] = loss_fn(y_batch, model(X_batch)).numpy()
`, 'GML216');
      assert.equal(f.severity, 'information');
      assert.match(f.message, /measures nothing on held-out data/);
    });
  });

  describe('leaves alone', () => {
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

    it('an epoch count that is not a literal is unknown: information, not a warning', () => {
      const loop = (count: string) =>
        `import torch\nfor epoch in range(${count}):\n    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n        optimizer.step()\n    val_loss = evaluate(model, val_loader)\n`;
      assert.deepEqual(findings(loop('args.epochs'), 'GML216').map((f) => f.severity), ['information']);
      assert.deepEqual(findings(loop('50'), 'GML216').map((f) => f.severity), ['warning']);
    });

    it('one or two epochs, literal or through a name: nothing a stop could save', () => {
      expectNone('GML216', `
        import torch

        NUM_EPOCHS = 2
        for epoch in range(NUM_EPOCHS):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            val_loss = evaluate(model, val_loader)

        for epoch in range(1, 2):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            evaluate(model, val_loader)
      `);
    });

    it('a short loop (3 to 9 epochs) that validates nothing: quiet, unlike a long one', () => {
      const gan = (count: string) => `
        import torch

        for epoch in range(${count}):
            for real, _ in loader:
                opt_d.zero_grad()
                criterion(disc(real), ones).backward()
                opt_d.step()
      `;
      expectNone('GML216', gan('5'));
      expectNone('GML216', gan('3'));
      assert.deepEqual(findings(gan('10'), 'GML216').map((f) => f.severity), ['information']);
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

  describe('fix', () => {
    it('a patience counter before the loop and the check after the metric (lower is better for a loss)', () => {
      expectFix(
        'GML216',
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            print(f"epoch {epoch}: {val_loss:.4f}")
        `,
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(100):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            if float(val_loss) < best_val_loss - min_delta:
                best_val_loss = float(val_loss)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: val_loss has not improved for {patience} epochs")
                    break
            print(f"epoch {epoch}: {val_loss:.4f}")
        `,
      );
    });

    it('a short loop gets a patience that can act within its epochs (1 for 3 epochs)', () => {
      expectFix(
        'GML216',
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        for epoch in range(3):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
        `,
        `
        import torch

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        # Early stopping: end training once val_loss has not improved by more than min_delta for patience epoch.
        best_val_loss = float("inf")
        epochs_without_improvement = 0
        patience = 1
        min_delta = 0.0
        for epoch in range(3):
            train_one_epoch(model, train_loader, optimizer)
            val_loss = evaluate(model, val_loader)
            if float(val_loss) < best_val_loss - min_delta:
                best_val_loss = float(val_loss)
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= patience:
                    print(f"Early stopping: val_loss has not improved for {patience} epoch")
                    break
        `,
      );
    });

    it('an accuracy from validate(): higher is better, with names that do not clash with the file’s', () => {
      expectFix(
        'GML216',
        `
        import torch

        def main():
            best_acc1 = 0
            patience = 3
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=patience)
            for epoch in range(args.start_epoch, args.epochs):
                train(train_loader, model, criterion, optimizer, epoch)
                acc1 = validate(val_loader, model, criterion)  # top-1
                scheduler.step(acc1)
                best_acc1 = max(acc1, best_acc1)

        def train(train_loader, model, criterion, optimizer, epoch):
            for images, target in train_loader:
                optimizer.zero_grad()
                criterion(model(images), target).backward()
                optimizer.step()
        `,
        `
        import torch

        def main():
            best_acc1 = 0
            patience = 3
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=patience)
            # Early stopping: end training once acc1 has not improved by more than min_delta for early_stopping_patience epochs.
            best_acc1_so_far = float("-inf")
            epochs_without_improvement = 0
            early_stopping_patience = 5
            min_delta = 0.0
            for epoch in range(args.start_epoch, args.epochs):
                train(train_loader, model, criterion, optimizer, epoch)
                acc1 = validate(val_loader, model, criterion)  # top-1
                if float(acc1) > best_acc1_so_far + min_delta:
                    best_acc1_so_far = float(acc1)
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                    if epochs_without_improvement >= early_stopping_patience:
                        print(f"Early stopping: acc1 has not improved for {early_stopping_patience} epochs")
                        break
                scheduler.step(acc1)
                best_acc1 = max(acc1, best_acc1)

        def train(train_loader, model, criterion, optimizer, epoch):
            for images, target in train_loader:
                optimizer.zero_grad()
                criterion(model(images), target).backward()
                optimizer.step()
        `,
      );
    });

    it('a tuple from test_step, the loss chosen; tabs and CRLF kept', () => {
      expectFix(
        'GML216',
        [
          'import torch',
          'for epoch in tqdm(range(epochs)):',
          '\ttrain_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)',
          '\ttest_loss, test_acc = test_step(model, test_dataloader, loss_fn)',
          '\tresults["test_loss"].append(test_loss)',
          'def train_step(model, dataloader, loss_fn, optimizer):',
          '\tfor X, y in dataloader:',
          '\t\toptimizer.zero_grad()',
          '\t\tloss_fn(model(X), y).backward()',
          '\t\toptimizer.step()',
        ].join('\n'),
        [
          'import torch',
          '# Early stopping: end training once test_loss has not improved by more than min_delta for patience epochs.',
          'best_test_loss = float("inf")',
          'epochs_without_improvement = 0',
          'patience = 5',
          'min_delta = 0.0',
          'for epoch in tqdm(range(epochs)):',
          '\ttrain_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)',
          '\ttest_loss, test_acc = test_step(model, test_dataloader, loss_fn)',
          '\tif float(test_loss) < best_test_loss - min_delta:',
          '\t\tbest_test_loss = float(test_loss)',
          '\t\tepochs_without_improvement = 0',
          '\telse:',
          '\t\tepochs_without_improvement += 1',
          '\t\tif epochs_without_improvement >= patience:',
          '\t\t\tprint(f"Early stopping: test_loss has not improved for {patience} epochs")',
          '\t\t\tbreak',
          '\tresults["test_loss"].append(test_loss)',
          'def train_step(model, dataloader, loss_fn, optimizer):',
          '\tfor X, y in dataloader:',
          '\t\toptimizer.zero_grad()',
          '\t\tloss_fn(model(X), y).backward()',
          '\t\toptimizer.step()',
        ].join('\n'),
        { eol: '\r\n' },
      );
    });

    it('a sum finished by /= inside torch.inference_mode(): the check goes in that block, after the last write', () => {
      expectFix(
        'GML216',
        `
        import torch

        for epoch in range(30):
          model.train()
          for X, y in train_dataloader:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
          test_loss = 0
          model.eval()
          with torch.inference_mode():
            for X, y in test_dataloader:
              test_loss += loss_fn(model(X), y)
            test_loss /= len(test_dataloader)
          print(f"test loss: {test_loss:.5f}")
        `,
        `
        import torch

        # Early stopping: end training once test_loss has not improved by more than min_delta for patience epochs.
        best_test_loss = float("inf")
        epochs_without_improvement = 0
        patience = 5
        min_delta = 0.0
        for epoch in range(30):
          model.train()
          for X, y in train_dataloader:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
          test_loss = 0
          model.eval()
          with torch.inference_mode():
            for X, y in test_dataloader:
              test_loss += loss_fn(model(X), y)
            test_loss /= len(test_dataloader)
            if float(test_loss) < best_test_loss - min_delta:
              best_test_loss = float(test_loss)
              epochs_without_improvement = 0
            else:
              epochs_without_improvement += 1
              if epochs_without_improvement >= patience:
                print(f"Early stopping: test_loss has not improved for {patience} epochs")
                break
          print(f"test loss: {test_loss:.5f}")
        `,
      );
    });

    it('no fix when the metric lives in an object, or its name does not say which way is better', () => {
      for (const text of [
        'import torch\nfor epoch in range(10):\n    for b in train_dl:\n        accelerator.backward(model(**b).loss)\n        optimizer.step()\n    for b in eval_dl:\n        metric.add_batch(predictions=model(**b).logits.argmax(-1), references=b["labels"])\n    eval_metric = metric.compute()\n',
        'import torch\nfor epoch in range(10):\n    for x, y in loader:\n        opt.zero_grad()\n        crit(model(x), y).backward()\n        opt.step()\n    val_result = evaluate(model, val_loader)\n',
        'import tensorflow as tf\nfor epoch in range(20):\n    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()\n    for x, y in train_ds:\n        train_step(x, y)\n    for x, y in test_ds:\n        test_accuracy.update_state(y, model(x))\n@tf.function\ndef train_step(x, y):\n    with tf.GradientTape() as tape:\n        loss = loss_fn(y, model(x))\n    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))\n',
      ]) {
        const f = assertOne(text, 'GML216');
        assert.equal(f.severity, 'warning', text);
        assert.deepEqual(f.fixes, [], text);
      }
    });
  });

  describe('fixtures', () => {
    it('the fixed fixture script still trains to the end with Debian python3-torch, and stops early', () => {
      const python = '/usr/bin/python3';
      const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
      assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
      const fixture = fs.readFileSync(path.join(FIXTURES, 'scripts', 'torch_tabular_val_no_es.py'), 'utf8');
      const fixed = applyFix(fixture, assertOne(fixture, 'GML216'));
      assert.deepEqual(findings(fixed, 'GML216'), []);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml216-'));
      try {
        const script = path.join(dir, 'train.py');
        fs.writeFileSync(script, fixed);
        const run = spawnSync(python, [script], { encoding: 'utf8', timeout: 240_000, cwd: dir });
        assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
        assert.match(run.stdout, /Early stopping: val_loss has not improved for 5 epochs/);
        const epochs = run.stdout.match(/^epoch +\d+:/gm) ?? [];
        assert.ok(epochs.length < 100, `the fixed loop ran all ${epochs.length} epochs`);
        assert.match(run.stdout, /training finished\s*$/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('notebooks: the loop cell is reported (with a fix that applies to its cell), the clean notebook is not', () => {
      const read = (name: string) => parseIpynb(fs.readFileSync(path.join(FIXTURES, 'notebooks', name), 'utf8')).cells;
      const torchCells = read('torch_epoch_loop_no_es.ipynb');
      const analysis = analyzeNotebook(torchCells);
      const found = analysis.findings.filter((f) => f.finding.code === 'GML216');
      analysis.dispose();
      assert.deepEqual(
        found.map((f) => [f.cell, f.finding.range.start.line, f.finding.severity, f.fixes.length]),
        [[6, 4, 'warning', 1]],
      );
      const fixed = fixNotebook(torchCells, { unsafe: true });
      assert.ok(fixed.applied.includes('GML216'));
      assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML216').length, 0);
      assert.match(fixed.cells[6].text, /^ {4}test_loss, test_acc = test_step\(model, test_dataloader, loss_fn\)\n {4}if float\(test_loss\) < best_test_loss - min_delta:$/m);

      const tf = analyzeNotebook(read('tf_custom_loop_no_val.ipynb'));
      assert.deepEqual(
        tf.findings.filter((f) => f.finding.code === 'GML216').map((f) => [f.cell, f.finding.severity]),
        [[5, 'information']],
      );
      tf.dispose();
      const clean = analyzeNotebook(read('clean_torch_early_stopping.ipynb'));
      assert.deepEqual(clean.findings.map((f) => f.finding.code), []);
      clean.dispose();
    });
  });
});
