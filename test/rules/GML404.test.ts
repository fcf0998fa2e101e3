import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML404 per-step-host-sync', () => {
  it('flags .item() summed on every step of a CUDA training loop', () => {
    const [finding] = expectFindings(`
      import torch

      device = "cuda"
      model = Net().to(device)
      for epoch in range(10):
          running_loss = 0.0
          for inputs, labels in train_loader:
              inputs, labels = inputs.to(device), labels.to(device)
              optimizer.zero_grad()
              loss = criterion(model(inputs), labels)
              loss.backward()
              optimizer.step()
              running_loss += loss.item()
      #                       ^^^^^^^^^^^ GML404: copies a value to the host on every training step
    `);
    assert.equal(finding.severity, 'warning');
  });

  it('not in a script that hides every GPU before importing torch (CUDA_VISIBLE_DEVICES = "-1"); flagged with a GPU index', () => {
    const script = (value: string, flagged: boolean) => `
      import os
      os.environ["CUDA_VISIBLE_DEVICES"] = ${value}
      import torch

      device = "cuda"
      model = Net().to(device)
      for inputs, labels in train_loader:
          inputs, labels = inputs.to(device), labels.to(device)
          optimizer.zero_grad()
          loss = criterion(model(inputs), labels)
          loss.backward()
          optimizer.step()
          running_loss += loss.item()${flagged ? '\n      #                   ^^^^^^^^^^^ GML404' : ''}
    `;
    expectNone('GML404', script('"-1"', false));
    expectFindings(script('"0"', true));
  });

  it('is information where the device is chosen at run time, and flags each sync of the step', () => {
    const found = expectFindings(`
      import torch

      device = "cuda" if torch.cuda.is_available() else "cpu"
      for batch_idx, (inputs, targets) in enumerate(trainloader):
          inputs, targets = inputs.to(device), targets.to(device)
          optimizer.zero_grad()
          outputs = net(inputs)
          loss = criterion(outputs, targets)
          loss.backward()
          optimizer.step()
          train_loss += loss.item()
      #                 ^^^^^^^^^^^ GML404
          _, predicted = outputs.max(1)
          correct += predicted.eq(targets).sum().item()
      #              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML404
          all_preds.append(predicted.cpu().numpy())
      #                    ^^^^^^^^^^^^^^^ GML404: copies a tensor to the host
    `);
    assert.deepEqual(found.map((f) => f.severity), ['information', 'information', 'information']);
  });

  it('is a warning where the script calls .cuda() unconditionally, though it asks torch.cuda.is_available() to seed', () => {
    const [finding] = expectFindings(`
      import torch

      def seed_everything(seed):
          torch.manual_seed(seed)
          if torch.cuda.is_available():
              torch.cuda.manual_seed_all(seed)

      seed_everything(42)
      model = Classifier()
      model.cuda()
      for epoch in range(3):
          for batch in train_loader:
              ids, labels = batch["ids"].cuda(), batch["labels"].cuda()
              optimizer.zero_grad()
              loss = loss_fn(model(ids), labels)
              loss.backward()
              optimizer.step()
              epoch_loss += loss.item() * len(ids)
      #                     ^^^^^^^^^^^ GML404
    `);
    assert.equal(finding.severity, 'warning');
  });

  it('stays information where every .cuda() is guarded by a check', () => {
    const [finding] = expectFindings(`
      import torch

      use_cuda = torch.cuda.is_available()
      model = Classifier()
      if use_cuda:
          model.cuda()
      for epoch in range(3):
          for ids, labels in train_loader:
              ids, labels = (ids.cuda(), labels.cuda()) if use_cuda else (ids, labels)
              optimizer.zero_grad()
              loss = loss_fn(model(ids), labels)
              loss.backward()
              optimizer.step()
              epoch_loss += loss.item()
      #                     ^^^^^^^^^^^ GML404
    `);
    assert.equal(finding.severity, 'information');
  });

  it('flags printing the loss tensor and torch.cuda.synchronize() every step', () => {
    expectFindings(`
      import torch
      model.cuda()
      for x, y in loader:
          x, y = x.cuda(), y.cuda()
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          torch.cuda.synchronize()
      #   ^^^^^^^^^^^^^^^^^^^^^^^^ GML404: torch.cuda.synchronize()
          print(f"loss {loss:.4f}")
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^ GML404: Printing the loss tensor
    `);
  });

  it('flags float(loss) of the step\'s loss tensor every step, as it flags .item()', () => {
    expectFindings(`
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          total_loss = 0.0
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total_loss += float(loss)
      #                     ^^^^^^^^^^^ GML404: reads the loss tensor as a Python number
              last = int(loss.detach())
      #              ^^^^^^^^^^^^^^^^^^ GML404: reads the loss tensor as a Python number
          print(epoch, total_loss)
    `);
  });

  it('leaves float() alone under a step condition, once per epoch (the GML216 check on val_loss), of a number, of another value, or shadowed', () => {
    expectNone('GML404', `
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          for step, (x, y) in enumerate(loader):
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              lr = float(scheduler.get_last_lr()[0])
              if step % 100 == 0:
                  print(float(loss))
          val_loss = evaluate(model, val_loader)
          print(float(loss))
          if float(val_loss) < best_val_loss - min_delta:
              best_val_loss = float(val_loss)
    `);
    // The loss re-bound to a number: the .item() is the sync, float() of the number is not.
    expectFindings(`
      import torch
      device = torch.device("cuda")
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
          optimizer.step()
          loss = loss.item()
      #          ^^^^^^^^^^^ GML404
          total += float(loss)
    `);
    expectNone('GML404', `
      import torch
      from numpy import float32 as float
      device = torch.device("cuda")
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
          optimizer.step()
          total += float(loss)
    `);
  });

  it('flags a sync in a step function called once per batch, and in the loop that calls it', () => {
    expectFindings(`
      import torch

      def train_step(model, batch, optimizer, device):
          x, y = batch[0].to(device), batch[1].to(device)
          optimizer.zero_grad()
          loss = torch.nn.functional.cross_entropy(model(x), y)
          loss.backward()
          optimizer.step()
          return loss.item()
      #          ^^^^^^^^^^^ GML404

      for epoch in range(3):
          for batch in loader:
              losses.append(train_step(model, batch, optimizer, device))
    `);
  });

  it('flags the process function of a PyTorch-Ignite Engine, with Accelerate-style devices too', () => {
    expectFindings(`
      from ignite.engine import Engine

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch[0].to(device), batch[1].to(device)
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          return loss.item()
      #          ^^^^^^^^^^^ GML404

      trainer = Engine(process_function)
    `);
    expectFindings(`
      from accelerate import Accelerator
      accelerator = Accelerator()
      model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
      for batch in loader:
          outputs = model(**batch)
          loss = outputs.loss
          accelerator.backward(loss)
          optimizer.step()
          optimizer.zero_grad()
          tracker.check(loss.item())
      #                 ^^^^^^^^^^^ GML404
    `);
  });

  it('resolves torch.cuda.synchronize through aliases', () => {
    expectFindings(`
      import torch as T
      from torch.cuda import synchronize as sync
      for x, y in loader:
          x = x.to("cuda:0")
          opt.zero_grad()
          crit(net(x), y).backward()
          opt.step()
          sync()
      #   ^^^^^^ GML404
    `);
  });

  it('flags a sync in a condition, which runs every step', () => {
    expectFindings(`
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          if loss.item() > 10.0:
      #      ^^^^^^^^^^^ GML404
              print("loss spike")
    `);
  });

  it('leaves syncs under a condition on the configuration alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          if args.synchronize_step:
              torch.cuda.synchronize()
          else:
              timings.append(loss.item())
    `);
  });

  it('leaves syncs under a condition on the step alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda"
      for batch_idx, (data, target) in enumerate(train_loader):
          data, target = data.to(device), target.to(device)
          optimizer.zero_grad()
          loss = criterion(model(data), target)
          loss.backward()
          optimizer.step()
          if batch_idx % log_interval == 0:
              print(f"loss {loss.item():.6f}")
          global_step += 1
          if global_step == max_steps:
              torch.cuda.synchronize()
          elif (batch_idx + 1) % 50 == 0:
              print(loss)
    `);
  });

  it('leaves accumulation on the device and syncs once per epoch or in evaluation alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda"
      for epoch in range(10):
          total_loss = 0
          for step, batch in enumerate(train_dataloader):
              batch = {k: v.to(device) for k, v in batch.items()}
              loss = model(**batch).loss
              total_loss += loss.detach().float()
              loss.backward()
              optimizer.step()
              optimizer.zero_grad()
          print(f"epoch {epoch}: {total_loss.item() / len(train_dataloader)}")
          model.eval()
          with torch.no_grad():
              for batch in eval_dataloader:
                  correct += (model(**batch).logits.argmax(-1) == batch["labels"]).sum().item()
    `);
  });

  it('leaves full-batch training (one step per epoch) alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda" if torch.cuda.is_available() else "cpu"
      X_train, y_train = X_train.to(device), y_train.to(device)
      for epoch in range(1000):
          model.train()
          y_logits = model(X_train).squeeze()
          loss = loss_fn(y_logits, y_train)
          optimizer.zero_grad()
          loss.backward()
          optimizer.step()
          acc = accuracy(y_train, y_logits.round()).item()
    `);
  });

  it('leaves CPU-only training alone', () => {
    expectNone('GML404', `
      import torch
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          total += loss.item()
      torch.save(model.state_dict(), "cpu.pt")
    `);
    expectNone('GML404', `
      import torch
      model = model.to("cpu")
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          print(loss.item())
    `);
  });

  it('leaves NumPy .item() and look-alike item methods alone', () => {
    expectNone('GML404', `
      import numpy as np
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          lr = np.float32(scheduler_value).item()
          config.items()
    `);
  });

  it('leaves a loop that computes gradients without an optimizer step alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device).requires_grad_(True)
          loss = criterion(model(x), y)
          loss.backward()
          saliency.append(x.grad.abs().cpu())
    `);
  });

  it('flags the syncs of a step done by a loss scaler from another module (timm / MAE NativeScaler)', () => {
    expectFindings(`
      import math
      import sys
      import torch

      def train_one_epoch(model, criterion, data_loader, optimizer, device, loss_scaler):
          model.train(True)
          optimizer.zero_grad()
          for step, (samples, targets) in enumerate(data_loader):
              samples = samples.to(device, non_blocking=True)
              with torch.autocast("cuda"):
                  loss = criterion(model(samples), targets)
              loss_value = loss.item()
      #                    ^^^^^^^^^^^ GML404: on every training step
              if not math.isfinite(loss_value):
                  sys.exit(1)
              loss /= 4
              loss_scaler(loss, optimizer, clip_grad=None, parameters=model.parameters(), update_grad=(step + 1) % 4 == 0)
              if (step + 1) % 4 == 0:
                  optimizer.zero_grad()
              torch.cuda.synchronize()
      #       ^^^^^^^^^^^^^^^^^^^^^^^^ GML404
              print(loss)
      #       ^^^^^^^^^^^ GML404: Printing the loss tensor
    `);
    expectFindings(`
      import torch
      from timm.utils import NativeScaler

      class Runner:
          def fit(self, loader):
              for x, y in loader:
                  self.optimizer.zero_grad()
                  loss = self.criterion(self.model(x.cuda()), y.cuda())
                  self.loss_scaler(loss, self.optimizer, parameters=self.model.parameters())
                  self.history.append(loss.item())
      #                               ^^^^^^^^^^^ GML404
    `);
  });

  it('leaves calls handed a value and the optimizer that are not a loss scaler alone', () => {
    expectNone('GML404', `
      import torch
      device = "cuda"

      def log_step(loss, optimizer, parameters=None):
          print(loss, optimizer.param_groups[0]["lr"])

      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          save_checkpoint(model, optimizer, epoch)
          adjust_learning_rate(optimizer, step, args)
          log_step(loss, optimizer, parameters=model.parameters())
          other_scaler(loss, other_optimizer, parameters=model.parameters())
          loss_scaler(loss, optimizer)
          print(loss.item())
          torch.cuda.synchronize()
    `);
  });

  it('fix: sums the detached loss on the device', () => {
    expectFix(
      'GML404',
      `
      import torch
      device = "cuda"
      for inputs, labels in loader:
          inputs, labels = inputs.to(device), labels.to(device)
          optimizer.zero_grad()
          loss = criterion(model(inputs), labels)
          loss.backward()
          optimizer.step()
          running_loss += loss.item() * inputs.size(0)
      print(running_loss / len(loader.dataset))
      `,
      `
      import torch
      device = "cuda"
      for inputs, labels in loader:
          inputs, labels = inputs.to(device), labels.to(device)
          optimizer.zero_grad()
          loss = criterion(model(inputs), labels)
          loss.backward()
          optimizer.step()
          running_loss += loss.detach() * inputs.size(0)
      print(running_loss / len(loader.dataset))
      `,
    );
  });

  it('fix: an already detached value is summed as it is', () => {
    expectFix(
      'GML404',
      `
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          epoch_loss += loss.detach().item()
      `,
      `
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          epoch_loss += loss.detach()
      `,
    );
  });

  it('fix: a float() of the loss that is summed becomes the detached loss; int() and bool() get no fix', () => {
    expectFix(
      'GML404',
      `
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          total_loss = 0.0
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total_loss += float(loss.detach())
          print(f"epoch {epoch}: {total_loss / len(loader):.4f}")
      `,
      `
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          total_loss = 0.0
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total_loss += loss.detach()
          print(f"epoch {epoch}: {total_loss / len(loader):.4f}")
      `,
    );
    for (const cast of ['int(loss)', 'bool(loss)']) {
      const [finding] = expectFindings(`
        import torch
        device = torch.device("cuda")
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x.to(device)), y.to(device))
            loss.backward()
            optimizer.step()
            total += ${cast}
      `.replace(/(total \+= .*\n)/, `$1        #            ${'^'.repeat(cast.length)} GML404\n`));
      assert.deepEqual(finding.fixes.filter((f) => !f.title.startsWith('Disable') && !f.title.startsWith('Show')), [], cast);
    }
    // Stored per step: no fix, as for .item().
    const [stored] = expectFindings(`
      import torch
      device = torch.device("cuda")
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
          optimizer.step()
          total += float(loss)
      #            ^^^^^^^^^^^ GML404
      history.append(total)
    `);
    assert.deepEqual(stored.fixes.filter((f) => !f.title.startsWith('Disable') && !f.title.startsWith('Show')), []);
  });

  it('no fix where the total is read on every step (the sync would move there); read under a step condition it keeps the fix', () => {
    for (const read of ['pbar.set_description(f"loss: {total_loss:.4f}")', 'if total_loss > 1e3:\n            break']) {
      const [finding] = expectFindings(`
        import torch
        device = torch.device("cuda")
        step = 0
        while step < 100000:
            total_loss = 0.0
            for _ in range(4):
                data = next(dl).to(device)
                loss = model(data).pow(2).mean() / 4
                total_loss += loss.item()
        #                     ^^^^^^^^^^^ GML404
                loss.backward()
            ${read}
            opt.step()
            opt.zero_grad()
            step += 1
      `);
      assert.deepEqual(finding.fixes.filter((f) => !f.title.startsWith('Disable') && !f.title.startsWith('Show')), [], read);
    }
    expectFix(
      'GML404',
      `
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          running_loss = 0.0
          for i, (x, y) in enumerate(loader):
              optimizer.zero_grad()
              loss = criterion(model(x.to(device)), y.to(device))
              loss.backward()
              optimizer.step()
              running_loss += loss.item()
              if i % 100 == 99:
                  print(f"[{epoch}, {i + 1}] loss: {running_loss / 100:.3f}")
                  running_loss = 0.0
      `,
      `
      import torch
      device = torch.device("cuda")
      for epoch in range(10):
          running_loss = 0.0
          for i, (x, y) in enumerate(loader):
              optimizer.zero_grad()
              loss = criterion(model(x.to(device)), y.to(device))
              loss.backward()
              optimizer.step()
              running_loss += loss.detach()
              if i % 100 == 99:
                  print(f"[{epoch}, {i + 1}] loss: {running_loss / 100:.3f}")
                  running_loss = 0.0
      `,
    );
  });

  it('offers no fix for a sync that is not summed', () => {
    const [finding] = expectFindings(`
      import torch
      device = "cuda"
      for x, y in loader:
          x = x.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          losses.update(loss.item(), x.size(0))
      #                 ^^^^^^^^^^^ GML404
    `);
    assert.deepEqual(finding.fixes.filter((f) => !f.title.startsWith('Disable') && !f.title.startsWith('Show')), []);
  });

  /** The real fixes a finding offers (not the suppression actions). */
  const realFixes = (fixes: Array<{ title: string }>) => fixes.filter((f) => !f.title.startsWith('Disable') && !f.title.startsWith('Show'));

  it('offers no fix where the epoch loss is appended to a history list that is plotted', () => {
    const [finding] = expectFindings(`
      import matplotlib.pyplot as plt
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      train_losses = []
      for epoch in range(20):
          running_loss = 0.0
          for images, targets in train_loader:
              images, targets = images.to(device), targets.to(device)
              optimizer.zero_grad()
              loss = criterion(net(images), targets)
              loss.backward()
              optimizer.step()
              running_loss += loss.item() * images.size(0)
      #                       ^^^^^^^^^^^ GML404
          epoch_loss = running_loss / len(train_loader.dataset)
          print(f"epoch {epoch}: {epoch_loss:.4f}")
          train_losses.append(epoch_loss)
      plt.plot(train_losses)
    `);
    assert.deepEqual(realFixes(finding.fixes), []);
  });

  it('offers no fix where the total is stored under a key, added as a list, or returned', () => {
    const found = expectFindings(`
      import torch

      def train_one_epoch(model, loader, optimizer, history):
          total, seen, correct = 0.0, 0, 0
          for x, y in loader:
              x, y = x.cuda(), y.cuda()
              optimizer.zero_grad()
              out = model(x)
              loss = loss_fn(out, y)
              loss.backward()
              optimizer.step()
              total += loss.item()
      #                ^^^^^^^^^^^ GML404
              correct += (out.argmax(1) == y).sum().item()
      #                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML404
              seen += y.size(0)
          history["loss"] += [total / len(loader)]
          return correct / seen

      for epoch in range(10):
          acc = train_one_epoch(model, train_loader, optimizer, history)
    `);
    assert.deepEqual(found.map((f) => realFixes(f.fixes)), [[], []]);
  });

  it('offers no fix where the averaged total is returned under the same name by a course-style train_step', () => {
    const found = expectFindings(`
      import torch

      def train_step(model, dataloader, loss_fn, optimizer, device):
          model.train()
          train_loss, train_acc = 0, 0
          for batch, (X, y) in enumerate(dataloader):
              X, y = X.to(device), y.to(device)
              y_pred = model(X)
              loss = loss_fn(y_pred, y)
              train_loss += loss.item()
      #                     ^^^^^^^^^^^ GML404
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()
              train_acc += (y_pred.argmax(dim=1) == y).sum().item() / len(y_pred)
      #                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML404
          train_loss = train_loss / len(dataloader)
          train_acc = train_acc / len(dataloader)
          return train_loss, train_acc

      device = "cuda" if torch.cuda.is_available() else "cpu"
      results = {"train_loss": [], "train_acc": []}
      for epoch in range(5):
          train_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer, device)
          results["train_loss"].append(train_loss)
    `);
    assert.deepEqual(found.map((f) => realFixes(f.fixes)), [[], []]);
  });

  it('keeps the fix where the total (and a name derived from it) is only printed every N steps and reset', () => {
    expectFix(
      'GML404',
      `
      import math
      import torch
      device = "cuda"
      running_loss = 0.0
      for i, (inputs, labels) in enumerate(trainloader):
          inputs, labels = inputs.to(device), labels.to(device)
          optimizer.zero_grad()
          loss = criterion(net(inputs), labels)
          loss.backward()
          optimizer.step()
          running_loss += loss.item()
          if i % 2000 == 1999:
              cur_loss = running_loss / 2000
              print("[%5d] loss: %.3f ppl %.1f" % (i + 1, cur_loss, math.exp(cur_loss)))
              running_loss = 0.0
      `,
      `
      import math
      import torch
      device = "cuda"
      running_loss = 0.0
      for i, (inputs, labels) in enumerate(trainloader):
          inputs, labels = inputs.to(device), labels.to(device)
          optimizer.zero_grad()
          loss = criterion(net(inputs), labels)
          loss.backward()
          optimizer.step()
          running_loss += loss.detach()
          if i % 2000 == 1999:
              cur_loss = running_loss / 2000
              print("[%5d] loss: %.3f ppl %.1f" % (i + 1, cur_loss, math.exp(cur_loss)))
              running_loss = 0.0
      `,
    );
  });

  it('keeps the fix where a reused name is reset before an evaluation loop stores its own total', () => {
    expectFix(
      'GML404',
      `
      import torch
      device = "cuda"
      val_losses = []
      for epoch in range(5):
          total = 0.0
          for x, y in train_loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total += loss.item()
          print("train loss {:.3f}".format(total / len(train_loader)))
          total = 0.0
          with torch.no_grad():
              for x, y in val_loader:
                  total += criterion(model(x.to(device)), y.to(device)).item()
          val_losses.append(total / len(val_loader))
      `,
      `
      import torch
      device = "cuda"
      val_losses = []
      for epoch in range(5):
          total = 0.0
          for x, y in train_loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total += loss.detach()
          print("train loss {:.3f}".format(total / len(train_loader)))
          total = 0.0
          with torch.no_grad():
              for x, y in val_loader:
                  total += criterion(model(x.to(device)), y.to(device)).item()
          val_losses.append(total / len(val_loader))
      `,
    );
  });

  it('fix: a total handed to a same-file function that only prints, logs or divides it (by position, or by keyword to a method)', () => {
    expectFix(
      'GML404',
      `
      import torch
      device = "cuda"

      def report(epoch, total, steps):
          avg = total / steps
          print(f"epoch {epoch}: loss {avg:.4f}")
          logger.info("epoch %d loss %.4f", epoch, total / steps)

      for epoch in range(10):
          total_loss = 0.0
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total_loss += loss.item()
          report(epoch, total_loss, len(loader))
      `,
      `
      import torch
      device = "cuda"

      def report(epoch, total, steps):
          avg = total / steps
          print(f"epoch {epoch}: loss {avg:.4f}")
          logger.info("epoch %d loss %.4f", epoch, total / steps)

      for epoch in range(10):
          total_loss = 0.0
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
              total_loss += loss.detach()
          report(epoch, total_loss, len(loader))
      `,
    );
    const [finding] = expectFindings(`
      import torch
      device = "cuda"

      class Runner:
          def log_epoch(self, epoch, total=0.0):
              print("epoch", epoch, "loss", total)

          def fit(self, loader, optimizer):
              for epoch in range(10):
                  running = 0.0
                  for x, y in loader:
                      x, y = x.to(device), y.to(device)
                      optimizer.zero_grad()
                      loss = criterion(model(x), y)
                      loss.backward()
                      optimizer.step()
                      running += loss.item()
      #                          ^^^^^^^^^^^ GML404
                  self.log_epoch(epoch, total=running)
    `);
    assert.equal(realFixes(finding.fixes).length, 1);
  });

  it('offers no fix where a same-file function the total is handed to stores, returns, plots, appends or passes it on', () => {
    for (const body of [
      'history.append(total / steps)',
      'return total / steps',
      'plt.plot([epoch], [total])',
      'STATS["loss"] = total',
      'avg = total / steps\n    return avg',
      'save_metrics(total)',
      'self_check = lambda: total',
    ]) {
      const [finding] = expectFindings(`
        import torch
        device = "cuda"

        def report(epoch, total, steps):
            ${body.replace('\n', '\n        ')}

        for epoch in range(10):
            total_loss = 0.0
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                total_loss += loss.item()
        #                     ^^^^^^^^^^^ GML404
            report(epoch, total_loss, len(loader))
      `);
      assert.deepEqual(realFixes(finding.fixes), [], body);
    }
  });

  it('look-alike: a local function named print is not the builtin, so the total printed through it gets no fix', () => {
    const [finding] = expectFindings(`
      import torch
      device = "cuda"
      def print(*values):
          log_file.write(values)
      for x, y in loader:
          x, y = x.to(device), y.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          epoch_loss += loss.item()
      #                 ^^^^^^^^^^^ GML404
      print(epoch_loss)
    `);
    assert.deepEqual(realFixes(finding.fixes), []);
  });

  it('leaves syncs in the closure of a torch.optim.LBFGS step alone (LBFGS reads every loss as a float itself)', () => {
    expectNone('GML404', `
      import torch
      from torch import nn

      device = "cuda"
      points = torch.rand(2048, 2, device=device)
      net = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 1)).to(device)
      optimizer = torch.optim.LBFGS(net.parameters(), lr=1.0, line_search_fn="strong_wolfe")
      losses = []
      for it in range(500):
          def closure():
              optimizer.zero_grad()
              loss = net(points).pow(2).mean()
              loss.backward()
              losses.append(loss.item())
              return loss
          optimizer.step(closure)
    `);
  });

  it('leaves an LBFGS closure alone through a from-import alias and a closure= keyword', () => {
    expectNone('GML404', `
      import torch
      from torch.optim import LBFGS as QuasiNewton

      model = Model().cuda()
      opt = QuasiNewton(model.parameters(), history_size=20)
      for epoch in range(200):
          for xb, yb in loader:
              xb, yb = xb.cuda(), yb.cuda()
              def closure():
                  opt.zero_grad()
                  loss = criterion(model(xb), yb)
                  loss.backward()
                  print("loss", loss.item())
                  return loss
              opt.step(closure=closure)
    `);
  });

  it('still flags a sync in the closure of another optimizer', () => {
    expectFindings(`
      import torch

      device = "cuda"
      optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
      for x, y in loader:
          x, y = x.to(device), y.to(device)
          def closure():
              optimizer.zero_grad()
              loss = criterion(net(x), y)
              loss.backward()
              history.append(loss.item())
      #                      ^^^^^^^^^^^ GML404
              return loss
          optimizer.step(closure)
    `);
  });

  it('look-alike: a local class named LBFGS is not torch\'s, and its closure is flagged', () => {
    expectFindings(`
      import torch

      class LBFGS(torch.optim.Optimizer):
          def step(self, closure):
              loss = closure()
              for group in self.param_groups:
                  for p in group["params"]:
                      p.data.add_(p.grad, alpha=-group["lr"])
              return loss

      device = "cuda"
      optimizer = LBFGS(net.parameters(), dict(lr=0.1))
      for x, y in loader:
          x, y = x.to(device), y.to(device)
          def closure():
              optimizer.zero_grad()
              loss = criterion(net(x), y)
              loss.backward()
              history.append(loss.item())
      #                      ^^^^^^^^^^^ GML404
              return loss
          optimizer.step(closure)
    `);
  });

  it('flags the train_step function of a course-style notebook, and --fix --unsafe-fixes sums on the device', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const cli = path.join(root, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) assert.equal(spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root }).status, 0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml404-'));
    try {
      const notebook = path.join(dir, 'train.ipynb');
      fs.copyFileSync(path.join(root, 'test', 'fixtures', 'notebooks', 'train_step_item.ipynb'), notebook);
      const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'check', '--no-config', '--select', 'GML404', ...args, notebook], { encoding: 'utf8' });
      const found = JSON.parse(run('--format', 'json').stdout) as Array<{ cell: number; line: number; code: string }>;
      assert.deepEqual(found.map((f) => [f.code, f.cell, f.line]), [['GML404', 5, 9], ['GML404', 5, 10]]);
      assert.equal(run('--fix', '--unsafe-fixes').status, 0);
      const cell = (JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells: Array<{ source: string[] }> }).cells[4].source.join('');
      assert.match(cell, /train_loss \+= loss\.detach\(\)\n/);
      assert.match(cell, /train_acc \+= \(y_pred\.argmax\(dim=1\) == y\)\.sum\(\)\.detach\(\) \/ len\(y_pred\)/);
      assert.deepEqual(JSON.parse(run('--format', 'json').stdout), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
