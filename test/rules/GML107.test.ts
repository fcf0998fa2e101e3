import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { GreenmlSettings } from '../../server/src/config/settings';
import { check, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const SELECTED: GreenmlSettings = { extendSelect: ['GML107'] };

const LONG_RUN = `
import torch

device = torch.accelerator.current_accelerator()
model = Net().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(90):
    for images, target in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images.to(device)), target.to(device))
        loss.backward()
        optimizer.step()
`;

describe('GML107 no-compile', () => {
  it('is off unless its code is selected: not by default, ALL or a prefix; on by select or extend-select', () => {
    const codes = (settings?: GreenmlSettings) => check(LONG_RUN, settings).filter((f) => f.code === 'GML107').length;
    assert.equal(codes(undefined), 0, 'default');
    assert.equal(codes({ select: ['ALL'] }), 0, 'ALL');
    assert.equal(codes({ select: ['GML1'] }), 0, 'prefix GML1');
    assert.equal(codes({ select: ['GML10'] }), 0, 'prefix GML10');
    assert.equal(codes({ select: ['GML107'] }), 1, 'select');
    assert.equal(codes({ select: ['ALL'], extendSelect: ['GML107'] }), 1, 'extend-select');
    assert.equal(codes({ extendSelect: ['GML107'], ignore: ['GML1'] }), 0, 'ignore still wins');
  });

  it('greenml check runs it only when --select names it', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const cli = path.join(root, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) assert.equal(spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root }).status, 0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml107-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.py'), LONG_RUN);
      const codes = (...args: string[]) => {
        const r = spawnSync(process.execPath, [cli, 'check', '--no-config', '--format', 'json', ...args, 'train.py'], { cwd: dir, encoding: 'utf8' });
        return (JSON.parse(r.stdout) as Array<{ code: string }>).map((f) => f.code).filter((c) => c === 'GML107');
      };
      assert.deepEqual(codes(), []);
      assert.deepEqual(codes('--select', 'ALL'), []);
      assert.deepEqual(codes('--select', 'ALL,GML107'), ['GML107']);
      // In pyproject.toml too.
      fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.greenml]\nextend-select = ["GML107"]\n');
      const r = spawnSync(process.execPath, [cli, 'check', '--format', 'json', 'train.py'], { cwd: dir, encoding: 'utf8' });
      assert.deepEqual((JSON.parse(r.stdout) as Array<{ code: string }>).map((f) => f.code).filter((c) => c === 'GML107'), ['GML107']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flags a 90-epoch loop over batches in a PyTorch 2 script, as a hint', () => {
    const [finding] = expectFindings(
      `
      import torch

      device = torch.accelerator.current_accelerator()
      model = Net().to(device)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for epoch in range(90):
      ^^^^^^^^^^^^^^^^^^^^^^ GML107: \`model\` trains for 90 epochs of a loop over batches without \`torch.compile\`
          for images, target in train_loader:
              optimizer.zero_grad()
              loss = criterion(model(images.to(device)), target.to(device))
              loss.backward()
              optimizer.step()
    `,
      { settings: SELECTED },
    );
    assert.equal(finding.severity, 'hint');
  });

  it('flags an epoch loop that calls the training function, its count the default of an argparse option', () => {
    expectFindings(
      `
      import argparse
      import torch

      parser = argparse.ArgumentParser()
      parser.add_argument("--epochs", default=90, type=int)
      parser.add_argument("--start-epoch", default=0, type=int)

      def train(loader, net, criterion, optimizer):
          net.train()
          for i, (images, target) in enumerate(loader):
              output = net(images)
              loss = criterion(output, target)
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()

      def main(args):
          scaler = torch.amp.GradScaler("cuda")
          model = build(args.arch).cuda()
          optimizer = torch.optim.SGD(model.parameters(), args.lr)
          for epoch in range(args.start_epoch, args.epochs):
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML107: for 90 epochs of a loop over batches (the default of --epochs)
              train(train_loader, model, criterion, optimizer)
    `,
      { settings: SELECTED },
    );
  });

  it('leaves a run of unknown length alone: no literal, no argparse default, or several defaults for one option', () => {
    const loop = (count: string) =>
      [`for epoch in range(${count}):`, '    for x, y in loader:', '        optimizer.zero_grad()', '        criterion(model(x), y).backward()', '        optimizer.step()', ''].join('\n');
    // The same loop with a literal count is flagged: what keeps these quiet is the unknown count alone.
    expectFindings(`import torch\nscaler = torch.amp.GradScaler("cuda")\n${loop('90')}`.replace('range(90):', `range(90):\n${'^'.repeat('for epoch in range(90)'.length)} GML107`), { settings: SELECTED });
    expectNone('GML107', `import torch\nscaler = torch.amp.GradScaler("cuda")\n${loop('args.epochs')}`, SELECTED);
    expectNone('GML107', `import argparse\nimport torch\nscaler = torch.amp.GradScaler("cuda")\nparser = argparse.ArgumentParser()\nparser.add_argument("--epochs", type=int)\n${loop('args.epochs')}`, SELECTED);
    expectNone(
      'GML107',
      `import argparse\nimport torch\nscaler = torch.amp.GradScaler("cuda")\ntrain = sub.add_parser("train")\ntrain.add_argument("--epochs", default=90)\nfinetune = sub.add_parser("finetune")\nfinetune.add_argument("--epochs", default=5)\n${loop('args.epochs')}`,
      SELECTED,
    );
    // Not argparse: an `args` object of the script's own.
    expectNone('GML107', `import torch\nscaler = torch.amp.GradScaler("cuda")\nargs.add_argument("--epochs", default=90)\n${loop('args.epochs')}`, SELECTED);
  });

  it('leaves an argparse default under 50 epochs alone (a toy run: MNIST’s 14 epochs)', () => {
    expectNone(
      'GML107',
      `
      import argparse
      import torch
      parser = argparse.ArgumentParser()
      parser.add_argument("--epochs", type=int, default=14, metavar="N")
      args = parser.parse_args()
      device = torch.accelerator.current_accelerator()
      for epoch in range(1, args.epochs + 1):
          for x, y in loader:
              optimizer.zero_grad()
              criterion(model(x.to(device)), y.to(device)).backward()
              optimizer.step()
    `,
      SELECTED,
    );
  });

  it('flags a single loop of many literal steps', () => {
    expectFindings(
      `
      import torch
      torch.set_default_device("cuda")
      for step in range(5000):
      ^^^^^^^^^^^^^^^^^^^^^^^ GML107: for 5000 steps
          x, y = get_batch("train")
          optimizer.zero_grad()
          loss_fn(model(x), y).backward()
          optimizer.step()
    `,
      { settings: SELECTED },
    );
  });

  it('resolves PyTorch 2 APIs through aliases', () => {
    expectFindings(
      `
      import torch as T
      from torch.nn.functional import scaled_dot_product_attention as sdpa
      opt = T.optim.AdamW(net.parameters())
      for epoch in range(60):
      ^^^^^^^^^^^^^^^^^^^^^^ GML107
          for batch in loader:
              opt.zero_grad()
              net(batch).loss.backward()
              opt.step()
    `,
      { settings: SELECTED },
    );
  });

  it('leaves a compiled model alone (torch.compile anywhere, or the model compiled in place)', () => {
    expectNone(
      'GML107',
      `
      import torch
      model = Net().to(torch.accelerator.current_accelerator())
      if args.compile:
          model = torch.compile(model)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for epoch in range(90):
          for x, y in loader:
              optimizer.zero_grad()
              criterion(model(x), y).backward()
              optimizer.step()
    `,
      SELECTED,
    );
    expectNone(
      'GML107',
      `
      import torch
      torch.set_default_device("cuda")
      model = Net()
      model.compile()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for epoch in range(90):
          for x, y in loader:
              optimizer.zero_grad()
              criterion(model(x), y).backward()
              optimizer.step()
    `,
      SELECTED,
    );
  });

  it('leaves short runs alone: fewer than 50 epochs, a single short loop', () => {
    expectNone(
      'GML107',
      `
      import torch
      scaler = torch.amp.GradScaler("cuda")
      for epoch in range(30):
          for x, y in loader:
              optimizer.zero_grad()
              criterion(model(x), y).backward()
              optimizer.step()
      for step in range(200):
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
      for x, y in loader:
          optimizer.zero_grad()
          criterion(model(x), y).backward()
          optimizer.step()
    `,
      SELECTED,
    );
  });

  it('leaves scripts with no PyTorch 2 API alone (they may run on PyTorch 1.x, which has no torch.compile)', () => {
    expectNone(
      'GML107',
      `
      import torch
      device = "cuda" if torch.cuda.is_available() else "cpu"
      for epoch in range(200):
          for x, y in trainloader:
              optimizer.zero_grad()
              criterion(net(x.to(device)), y.to(device)).backward()
              optimizer.step()
    `,
      SELECTED,
    );
  });

  it('leaves a look-alike compile and a loop that trains nothing alone', () => {
    expectNone(
      'GML107',
      `
      import torch
      import re
      torch.set_default_device("cuda")
      pattern = re.compile("x")
      for epoch in range(100):
          for x, y in loader:
              x.requires_grad_(True)
              criterion(model(x), y).backward()
              attacks.append(x.grad.sign())
    `,
      SELECTED,
    );
  });

  it('fix: compiles the model after it is built and moved, needing PyTorch 2.0', () => {
    const finding = expectFix(
      'GML107',
      LONG_RUN,
      `
      import torch

      device = torch.accelerator.current_accelerator()
      model = Net().to(device)
      model = torch.compile(model)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for epoch in range(90):
          for images, target in train_loader:
              optimizer.zero_grad()
              loss = criterion(model(images.to(device)), target.to(device))
              loss.backward()
              optimizer.step()
      `,
      { settings: SELECTED },
    );
    assert.match(finding.fixes[0].title, /needs PyTorch ≥ 2\.0/);
  });

  it('fix: after the branches that build and move the model, in the epoch loop\'s function', () => {
    expectFix(
      'GML107',
      `
      import argparse
      import torch

      parser = argparse.ArgumentParser()
      parser.add_argument("--epochs", default=90, type=int)

      def main_worker(args):
          if args.pretrained:
              model = models.resnet50(weights="DEFAULT")
          else:
              model = models.resnet50()
          if torch.accelerator.is_available():
              model.to(torch.accelerator.current_accelerator())
          criterion = torch.nn.CrossEntropyLoss()
          optimizer = torch.optim.SGD(model.parameters(), args.lr)
          for epoch in range(args.epochs):
              train(train_loader, model, criterion, optimizer)

      def train(loader, model, criterion, optimizer):
          for images, target in loader:
              optimizer.zero_grad()
              criterion(model(images), target).backward()
              optimizer.step()
      `,
      `
      import argparse
      import torch

      parser = argparse.ArgumentParser()
      parser.add_argument("--epochs", default=90, type=int)

      def main_worker(args):
          if args.pretrained:
              model = models.resnet50(weights="DEFAULT")
          else:
              model = models.resnet50()
          if torch.accelerator.is_available():
              model.to(torch.accelerator.current_accelerator())
          model = torch.compile(model)
          criterion = torch.nn.CrossEntropyLoss()
          optimizer = torch.optim.SGD(model.parameters(), args.lr)
          for epoch in range(args.epochs):
              train(train_loader, model, criterion, optimizer)

      def train(loader, model, criterion, optimizer):
          for images, target in loader:
              optimizer.zero_grad()
              criterion(model(images), target).backward()
              optimizer.step()
      `,
      { settings: SELECTED },
    );
  });

  it('fix: a model bound at module level and trained in a function is compiled where it is bound', () => {
    expectFix(
      'GML107',
      `
      import torch as T

      net = Net()
      net.cuda()
      opt = T.optim.Adam(net.parameters())
      scaler = T.amp.GradScaler("cuda")

      def fit():
          for epoch in range(50):
              for x, y in loader:
                  opt.zero_grad()
                  loss_fn(net(x), y).backward()
                  opt.step()
      `,
      `
      import torch as T

      net = Net()
      net.cuda()
      net = T.compile(net)
      opt = T.optim.Adam(net.parameters())
      scaler = T.amp.GradScaler("cuda")

      def fit():
          for epoch in range(50):
              for x, y in loader:
                  opt.zero_grad()
                  loss_fn(net(x), y).backward()
                  opt.step()
      `,
      { settings: SELECTED },
    );
  });

  it('fix: finds the model through the GradScaler step (scaler.step(optimizer))', () => {
    expectFix(
      'GML107',
      `
      import torch
      model = Net().cuda()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      scaler = torch.amp.GradScaler("cuda")
      for epoch in range(100):
          for x, y in loader:
              optimizer.zero_grad()
              with torch.autocast("cuda"):
                  loss = criterion(model(x), y)
              scaler.scale(loss).backward()
              scaler.step(optimizer)
              scaler.update()
      `,
      `
      import torch
      model = Net().cuda()
      model = torch.compile(model)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      scaler = torch.amp.GradScaler("cuda")
      for epoch in range(100):
          for x, y in loader:
              optimizer.zero_grad()
              with torch.autocast("cuda"):
                  loss = criterion(model(x), y)
              scaler.scale(loss).backward()
              scaler.step(optimizer)
              scaler.update()
      `,
      { settings: SELECTED },
    );
  });
});
