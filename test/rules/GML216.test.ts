import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

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
      assert.match(fixed.cells[6].text, /^ {4}results\["test_acc"\]\.append\(test_acc\)\n {4}if float\(test_loss\) < best_test_loss - min_delta:$/m);

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
