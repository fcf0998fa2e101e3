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

  it('a loop counting from 1 or from a start: `range(1, N + 1)`, `range(start, start + N)` run N epochs', () => {
    for (const [scheduler, count] of [
      ['CosineAnnealingLR(optimizer, T_max=len(train_loader) * n_epochs)', '1, n_epochs + 1'],
      ['CosineAnnealingLR(optimizer, T_max=n_epochs)', 'start_epoch, start_epoch + n_epochs'],
      ['CosineAnnealingLR(optimizer, T_max=40)', '1, n_epochs + 1'],
    ]) {
      const text = loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)).replace('n_epochs = 40', 'n_epochs = 40\n      start_epoch = load_checkpoint()');
      const [finding] = expectFindings(text);
      assert.equal(finding.severity, 'information', scheduler);
      assert.equal(finding.fixes.length, 0, scheduler);
      assert.match(finding.message, /learning-rate schedule .* is sized to these 40 epochs/, scheduler);
    }
  });

  it('the argparse form of the held-out case: `range(1, args.epochs + 1)` under a cosine over `len(loader) * args.epochs`', () => {
    const [finding] = expectFindings(`
      import argparse
      import torch

      parser = argparse.ArgumentParser()
      parser.add_argument("--epochs", type=int, default=20)
      args = parser.parse_args()
      optimizer = torch.optim.AdamW(model.parameters())
      scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=len(train_loader) * args.epochs)
      for epoch in range(1, args.epochs + 1):
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: sized to these 20 epochs
          for xb, yb in train_loader:
              optimizer.zero_grad()
              torch.nn.functional.mse_loss(model(xb), yb).backward()
              optimizer.step()
              scheduler.step()
          with torch.no_grad():
              val_loss = sum(torch.nn.functional.mse_loss(model(xb), yb).item() for xb, yb in val_loader)
    `);
    assert.equal(finding.fixes.length, 0);
  });

  it('a schedule over `args.max_train_steps`, which the file sets from the epoch count (the transformers no_trainer scripts): information, no fix', () => {
    const [finding] = expectFindings(`
      import argparse, math
      import torch
      from transformers import get_scheduler

      parser = argparse.ArgumentParser()
      parser.add_argument("--num_train_epochs", type=int, default=3)
      parser.add_argument("--max_train_steps", type=int, default=None)
      args = parser.parse_args()
      optimizer = torch.optim.AdamW(model.parameters())
      steps_per_epoch = math.ceil(len(train_dataloader))
      if args.max_train_steps is None:
          args.max_train_steps = args.num_train_epochs * steps_per_epoch
      lr_scheduler = get_scheduler("linear", optimizer=optimizer, num_warmup_steps=0, num_training_steps=args.max_train_steps)
      for epoch in range(args.num_train_epochs):
      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML216: evaluates on validation data every epoch
          for x in train_dataloader:
              loss = model(x).pow(2).mean()
              loss.backward(); optimizer.step(); lr_scheduler.step(); optimizer.zero_grad()
          with torch.no_grad():
              eval_loss = sum(model(x).pow(2).mean() for x in eval_dataloader) / len(eval_dataloader)
    `);
    assert.equal(finding.severity, 'information');
    assert.equal(finding.fixes.length, 0);
  });

  it('a schedule built but never used (only `scheduler=None` handed on) spans nothing: the warning keeps its fix', () => {
    const text = loop('CosineAnnealingLR(optimizer, T_max=n_epochs)', 'n_epochs')
      .replace('^'.repeat(31), '^'.repeat('for epoch in range(n_epochs)'.length))
      .replace('\n          scheduler.step()', '\n          log_lr(scheduler=None)')
      // A function's own parameter of the same name is another variable.
      .replace('      n_epochs = 40', '      def log_lr(scheduler=None):\n          if scheduler is not None:\n              print(scheduler.get_last_lr())\n\n      n_epochs = 40');
    assert.ok(text.includes('log_lr(scheduler=None)') && text.includes('def log_lr'));
    const [finding] = expectFindings(text);
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.fixes.length, 1);
  });

  it('a schedule handed to accelerator.prepare and stepped under the name it returns is used: information, no fix', () => {
    const text = loop('CosineAnnealingLR(optimizer, T_max=n_epochs)', 'n_epochs')
      .replace('^'.repeat(31), '^'.repeat('for epoch in range(n_epochs)'.length))
      .replace('      for epoch', '      model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)\n      for epoch');
    const [finding] = expectFindings(text);
    assert.equal(finding.severity, 'information');
    assert.equal(finding.fixes.length, 0);
  });

  it('a step schedule stepped once per epoch: the fix waits at least the longest stretch at one rate', () => {
    for (const [scheduler, count, patience] of <Array<[string, string, number]>>[
      ['StepLR(optimizer, step_size=30, gamma=0.1)', '90', 30],
      ['StepLR(optimizer, 3)', '100', 5],
      ['MultiStepLR(optimizer, milestones=[30, 60, 80])', '100', 30],
      ['MultiStepLR(optimizer, [50, 75])', '90', 50],
      // Not known, or not counted in epochs: the usual patience.
      ['StepLR(optimizer, step_size=args.lr_step)', '90', 5],
    ]) {
      const text = loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)).replace('import CosineAnnealingLR', 'import MultiStepLR, CosineAnnealingLR');
      const [finding] = expectFindings(text);
      assert.equal(finding.fixes.length, 1, scheduler);
      assert.match(finding.fixes[0].title, new RegExp(`not improved for ${patience} epochs`), scheduler);
    }
  });

  it('a step schedule stepped in the loop over phases of each epoch is stepped once per epoch', () => {
    const [finding] = expectFindings(`
      import torch
      from torch.optim import lr_scheduler

      scheduler = lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
      for epoch in range(25):
      ^^^^^^^^^^^^^^^^^^^^^^ GML216
          for phase in ["train", "val"]:
              for inputs, labels in dataloaders[phase]:
                  optimizer.zero_grad()
                  with torch.set_grad_enabled(phase == "train"):
                      loss = criterion(model(inputs), labels)
                      if phase == "train":
                          loss.backward()
                          optimizer.step()
              if phase == "train":
                  scheduler.step()
              epoch_loss = running_loss / dataset_sizes[phase]
          val_loss = evaluate(model, dataloaders["val"])
    `);
    assert.match(finding.fixes[0].title, /not improved for 7 epochs/);
  });

  it('a step schedule stepped every batch counts steps, not epochs: the usual patience', () => {
    const text = loop('StepLR(optimizer, step_size=1000)', '90').replace('^'.repeat(31), '^'.repeat('for epoch in range(90)'.length))
      .replace('\n          scheduler.step()', '\n              scheduler.step()');
    assert.ok(text.includes('              scheduler.step()'));
    const [finding] = expectFindings(text);
    assert.match(finding.fixes[0].title, /not improved for 5 epochs/);
  });

  it('a step schedule that keeps one rate as long as the run: information, no fix', () => {
    for (const [scheduler, count] of [
      ['StepLR(optimizer, step_size=30)', '30'],
      ['MultiStepLR(optimizer, milestones=[45, 80])', '40'],
    ]) {
      const text = loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)).replace('import CosineAnnealingLR', 'import MultiStepLR, CosineAnnealingLR');
      const [finding] = expectFindings(text);
      assert.equal(finding.severity, 'information', scheduler);
      assert.equal(finding.fixes.length, 0, scheduler);
      assert.match(finding.message, /keeps one rate for up to \d+ epochs before lowering it/, scheduler);
    }
  });

  it('still a warning with its fix: StepLR(step_size=10) in 30 epochs, a cosine over another length, a count from 2', () => {
    for (const [scheduler, count] of [
      ['StepLR(optimizer, step_size=10)', '30'],
      ['CosineAnnealingLR(optimizer, T_max=10)', 'n_epochs'],
      ['CosineAnnealingLR(optimizer, T_max=n_epochs)', '2, n_epochs + 1'],
    ]) {
      const [finding] = expectFindings(loop(scheduler, count).replace('^'.repeat(31), '^'.repeat(`for epoch in range(${count})`.length)));
      assert.equal(finding.severity, 'warning', scheduler);
      assert.equal(finding.fixes.length, 1, scheduler);
    }
  });
});
