import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectNone } from '../helpers/markers';

useParser();

describe('GML101 fp32-training-loop', () => {
  it('flags a plain fp32 loop on its backward call', () => {
    expectFindings(`
      import torch
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
              optimizer.step()
    `);
  });

  it('on the CPU, says the saving needs large layers too (measured: small layers cost more in bf16)', () => {
    const [finding] = expectFindings(
      `
      import torch
      device = torch.device("cpu")
      model = Net().to(device)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101: and only for large layers
          optimizer.step()
    `,
      { settings: { targetDevice: 'cpu' } },
    );
    // Docs, Measured here: bf16 autocast halved the energy of 1024-wide layers and cost a third more on 64-wide ones.
    assert.match(finding.message, /half the energy for 1024-wide layers, a third more for 64-wide ones/);
  });

  it('the fix is unsafe, and its title says so', () => {
    const [finding] = expectFindings(`
      import torch
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101
              optimizer.step()
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, / \(unsafe\)$/);
  });

  it('reports a loop with two backward calls once, on the first', () => {
    expectFindings(`
      import torch
      disc, gen = disc.cuda(), gen.cuda()
      for real in loader:
          opt_d.zero_grad()
          fake = gen(noise())
          d_loss = bce(disc(real), ones) + bce(disc(fake.detach()), zeros)
          d_loss.backward()
      #   ^^^^^^^^^^^^^^^^^ GML101
          opt_d.step()
          opt_g.zero_grad()
          g_loss = bce(disc(fake), ones)
          g_loss.backward()
          opt_g.step()
    `);
  });

  it('flags a backward call in a helper that the loop calls', () => {
    expectFindings(`
      import torch
      model = model.to("cuda")
      def train_step(x, y):
          opt.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          opt.step()
      for x, y in loader:
          train_step(x, y)
    `);
  });

  it('flags accelerator.backward(loss) when Accelerator() has no mixed precision', () => {
    expectFindings(`
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator()
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML101
          opt.step()
    `);
  });

  // ---- what counts as autocast ------------------------------------------------------------------

  it('leaves a loss computed under torch.autocast alone', () => {
    expectNone('GML101', `
      import torch
      for x, y in loader:
          with torch.autocast("cuda"):
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('knows torch.amp.autocast through an alias of torch', () => {
    expectNone('GML101', `
      import torch as T
      for x, y in loader:
          with T.amp.autocast(device_type="cpu", dtype=T.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('knows autocast imported from torch under another name', () => {
    expectNone('GML101', `
      import torch
      from torch import autocast as ac
      for x, y in loader:
          with ac("cuda"):
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('knows the deprecated torch.cuda.amp.autocast()', () => {
    expectNone('GML101', `
      import torch
      for x, y in loader:
          with torch.cuda.amp.autocast():
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('knows autocast imported from torch.cpu.amp', () => {
    expectNone('GML101', `
      import torch
      from torch.cpu.amp import autocast
      for x, y in loader:
          with autocast():
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('counts autocast with a non-literal enabled= as on', () => {
    expectNone('GML101', `
      import torch
      for x, y in loader:
          with torch.autocast("cuda", enabled=use_amp):
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('knows an autocast context held in a variable', () => {
    expectNone('GML101', `
      import torch
      from contextlib import nullcontext
      ctx = nullcontext() if cpu else torch.amp.autocast("cuda")
      for x, y in loader:
          with ctx:
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
    `);
  });

  it('flags autocast switched off with a literal enabled=False', () => {
    expectFindings(`
      import torch
      for x, y in loader:
          with torch.autocast("cuda", enabled=False):
              loss = criterion(model(x), y)
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          opt.step()
    `);
  });

  it('flags torch.cuda.amp.autocast(False), enabled given by position', () => {
    expectFindings(`
      import torch
      for x, y in loader:
          with torch.cuda.amp.autocast(False):
              loss = criterion(model(x), y)
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          opt.step()
    `);
  });

  it('leaves a loop alone when the model forward is decorated with autocast', () => {
    expectNone('GML101', `
      import torch
      import torch.nn as nn
      class Net(nn.Module):
          @torch.autocast("cuda")
          def forward(self, x):
              return x
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a loop alone when the helper computing its loss opens autocast', () => {
    expectNone('GML101', `
      import torch
      def step(x, y):
          with torch.autocast("cuda"):
              return criterion(model(x), y)
      for x, y in loader:
          loss = step(x, y)
          loss.backward()
    `);
  });

  it('leaves a loop alone when the function holding it is called under autocast', () => {
    expectNone('GML101', `
      import torch
      def train():
          for x, y in loader:
              loss = criterion(model(x), y)
              loss.backward()
      with torch.autocast("cuda"):
          train()
    `);
  });

  it('does not take a local function named autocast for PyTorch\'s', () => {
    expectFindings(`
      import torch
      def autocast():
          pass
      model.cuda()
      for x in loader:
          with autocast():
              loss = model(x).sum()
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          opt.step()
    `);
  });

  it('does not take a parameter named torch for PyTorch', () => {
    expectFindings(`
      import torch
      model.cuda()
      def train(torch):
          for x in loader:
              with torch.autocast("cuda"):
                  loss = model(x).sum()
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101
              opt.step()
    `);
  });

  it('flags a training loop whose loss is computed under autocast only in a separate validation loop', () => {
    expectFindings(`
      import torch
      model.cuda()
      for x in loader:
          loss = model(x).sum()
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          opt.step()
      for x in val_loader:
          with torch.autocast("cpu"):
              loss = model(x).sum()
    `);
  });

  // ---- low-precision models and Accelerate ------------------------------------------------------

  it('leaves a .half() model alone', () => {
    expectNone('GML101', `
      import torch
      model = Net().half()
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a model moved to torch.bfloat16 alone', () => {
    expectNone('GML101', `
      import torch
      model = Net().to(torch.bfloat16)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a model moved with dtype=torch.float16 alone', () => {
    expectNone('GML101', `
      import torch
      model = Net().to(device, dtype=torch.float16)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a model moved to a dtype it cannot read alone', () => {
    expectNone('GML101', `
      import torch
      model = Net().to(dtype=cfg.dtype)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('leaves a 16-bit default dtype alone', () => {
    expectNone('GML101', `
      import torch
      torch.set_default_dtype(torch.bfloat16)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('flags a loop whose dtypes are all full precision (float64 default, float32 model, long labels)', () => {
    expectFindings(`
      import torch
      torch.set_default_dtype(torch.float64)
      model = Net().to(torch.float32)
      labels = y.to(device, dtype=torch.long)
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101
              optimizer.step()
    `);
  });

  it('leaves Accelerate with mixed_precision="bf16" alone', () => {
    expectNone('GML101', `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision="bf16")
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
    `);
  });

  it('leaves Accelerate with mixed_precision="fp8" alone', () => {
    expectNone('GML101', `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision="fp8")
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
    `);
  });

  it('leaves Accelerate with a mixed precision read from the arguments alone', () => {
    expectNone('GML101', `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision=args.mixed_precision)
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
    `);
  });

  it('leaves Accelerate configured with **config alone', () => {
    expectNone('GML101', `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(**config)
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
    `);
  });

  // ---- what it ignores --------------------------------------------------------------------------

  it('ignores a backward call outside any loop', () => {
    expectNone('GML101', `
      import torch
      loss = model(x).sum()
      loss.backward()
    `);
  });

  it('ignores accelerator.backward on an accelerator it cannot see', () => {
    expectNone('GML101', `
      import torch
      def fit(accelerator):
          for x in loader:
              accelerator.backward(model(x).sum())
      import accelerate
    `);
  });

  it('ignores a file that does not import torch', () => {
    expectNone('GML101', `
      import numpy as np
      for x in loader:
          loss.backward()
    `);
  });

  it('leaves a script that pins the CPU alone', () => {
    expectNone('GML101', `
      import torch
      device = torch.device("cpu")
      model = Net().to(device)
      for epoch in range(5):
          for x, y in loader:
              x, y = x.to(device), y.to(device)
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
              optimizer.step()
    `);
  });

  it('flags a script that pins the CPU when target-device = "cpu" says its CPU runs bf16 fast, saying where the saving comes from', () => {
    expectFindings(
      `
      import torch
      device = torch.device("cpu")
      model = Net().to(device)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101: CPUs with AMX or AVX-512 BF16
          optimizer.step()
    `,
      { settings: { targetDevice: 'cpu' } },
    );
  });

  it('leaves a script that never picks a device (it trains on the CPU) alone', () => {
    expectNone('GML101', `
      import torch
      model = torch.nn.Linear(10, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for x, y in loader:
          optimizer.zero_grad()
          loss = torch.nn.functional.mse_loss(model(x), y)
          loss.backward()
          optimizer.step()
    `);
  });

  it('flags a script that picks its device at run time, saying the saving comes from Tensor Cores', () => {
    expectFindings(`
      import torch
      device = "cuda" if torch.cuda.is_available() else "cpu"
      model = Net().to(device)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.to(device)), y.to(device))
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101: GPUs with Tensor Cores
          optimizer.step()
    `);
  });

  it('leaves a loop that computes gradients with no optimizer step alone (an adversarial attack is not training)', () => {
    expectNone('GML101', `
      import torch
      model = model.cuda().eval()
      for images, labels in loader:
          images = images.cuda().requires_grad_(True)
          loss = torch.nn.functional.cross_entropy(model(images), labels.cuda())
          loss.backward()
          adversarial = (images + 8 / 255 * images.grad.sign()).clamp(0, 1)
    `);
  });

  it('flags an LBFGS closure: its backward runs in the step the loop calls', () => {
    expectFindings(`
      import torch
      model.cuda()
      for x, y in loader:
          def closure():
              optimizer.zero_grad()
              loss = criterion(model(x), y)
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101
              return loss
          optimizer.step(closure)
    `);
  });

  it("flags a PyTorch-Ignite Engine's process function: the engine runs it once per iteration (from ignite.engine import Engine as E)", () => {
    expectFindings(`
      import torch
      from ignite.engine import Engine as E

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, _ = batch
          x = x.to(device)
          x_pred, mu, logvar = model(x)
          loss = bce_loss(x_pred, x) + kld_loss(x_pred, x, mu, logvar)
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          optimizer.step()
          return loss.item()

      trainer = E(process_function)
      trainer.run(train_loader, max_epochs=20)
    `);
  });

  it('a notebook: the Ignite process function cell is reported, and fixed in its cell', () => {
    const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks', 'ignite_vae_engine.ipynb');
    const cells = parseIpynb(fs.readFileSync(file, 'utf8')).cells;
    const analysis = analyzeNotebook(cells);
    const found = analysis.findings.filter((f) => f.finding.code === 'GML101');
    analysis.dispose();
    assert.deepEqual(
      found.map((f) => [f.cell, f.finding.range.start.line, f.finding.severity]),
      [[5, 7, 'warning']],
    );
    const fixed = fixNotebook(cells, { unsafe: true });
    assert.equal(fixed.remaining.filter((f) => f.finding.code === 'GML101').length, 0);
    assert.equal(fixed.cells[5].text.split('\n')[4], '    with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16):');
  });

  it('leaves an Ignite process function that computes its loss under autocast alone', () => {
    expectNone('GML101', `
      import torch
      from ignite.engine import Engine

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

      def train_step(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch[0].to(device), batch[1].to(device)
          with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
          return loss.item()

      trainer = Engine(train_step)
    `);
  });

  it('leaves a step function handed to a look-alike Engine, or to nothing, alone', () => {
    expectNone('GML101', `
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

      class Engine:
          def __init__(self, fn):
              self.fn = fn

      def train_step(engine, batch):
          optimizer.zero_grad()
          loss = criterion(model(batch[0].to(device)), batch[1].to(device))
          loss.backward()
          optimizer.step()

      def orphan_step(batch):
          optimizer.zero_grad()
          loss = criterion(model(batch[0].to(device)), batch[1].to(device))
          loss.backward()
          optimizer.step()

      runner = Engine(train_step)
    `);
  });

  it('leaves Fabric loops to GML104 (Fabric sets the precision)', () => {
    expectNone('GML101', `
      import torch
      from lightning.fabric import Fabric
      fabric = Fabric(accelerator="cuda")
      model, optimizer = fabric.setup(model, optimizer)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          fabric.backward(loss)
          optimizer.step()
    `);
  });
});
