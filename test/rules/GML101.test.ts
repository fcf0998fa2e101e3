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

  it('flags Accelerator(**kwargs) when the dict built here only ever gets literal keys other than mixed_precision', () => {
    // The transformers *_no_trainer examples: `accelerator_log_kwargs` gets log_with / project_dir only.
    const script = (extra: string, flagged: boolean) => `
      import torch
      from accelerate import Accelerator
      accelerator_log_kwargs = {}
      if args.with_tracking:
          accelerator_log_kwargs["log_with"] = args.report_to
          accelerator_log_kwargs["project_dir"] = args.output_dir
      ${extra}
      accelerator = Accelerator(gradient_accumulation_steps=1, **accelerator_log_kwargs)
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)${flagged ? '\n      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML101' : ''}
          opt.step()
    `;
    expectFindings(script('', true));
    // A key that may be mixed_precision, a dict merged in, or the dict handed to a function: unknown.
    expectNone('GML101', script('accelerator_log_kwargs["mixed_precision"] = args.mixed_precision', false));
    expectNone('GML101', script('accelerator_log_kwargs[key] = value', false));
    expectNone('GML101', script('accelerator_log_kwargs.update(extra_kwargs)', false));
    expectNone('GML101', script('configure(accelerator_log_kwargs)', false));
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

  describe('model size: a small model built in the file is left alone', () => {
    it('reads nn.Sequential(*layers) from the layers a list collects (append, extend, +=) in a loop over literal widths', () => {
      const script = (widths: string, more: string, flagged: boolean) => `
        import torch
        from torch import nn
        layers = [nn.Flatten()]
        for width in ${widths}:
            layers.append(nn.Linear(784, width))
            layers.extend([nn.ReLU()])
        layers += [nn.Linear(16, 10)]
        ${more}
        model = nn.Sequential(*layers).cuda()
        optimizer = torch.optim.Adam(model.parameters())
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()${flagged ? '\n        #   ^^^^^^^^^^^^^^^ GML101' : ''}
            optimizer.step()
      `;
      expectNone('GML101', script('(32, 16)', '', false));
      expectFindings(script('(64, 16)', '', true));
      // A list handed elsewhere, or widths that are not literal: unknown.
      expectFindings(script('(32, 16)', 'add_head(layers)', true));
      expectFindings(script('sizes', '', true));
    });

    // The model of PyTorch's classification tutorials: its widths, the training loop, a run-time device.
    const circle = (layers: string, call = 'CircleModel()', header = '') => `
      import torch
      from torch import nn
      ${header}
      device = "cuda" if torch.cuda.is_available() else "cpu"

      class CircleModel(nn.Module):
          def __init__(self, in_features=2, hidden_units=10, out_features=1):
              super().__init__()
              self.layer_stack = nn.Sequential(
                  ${layers}
              )

          def forward(self, x):
              return self.layer_stack(x)

      model = ${call}.to(device)
      loss_fn = nn.BCEWithLogitsLoss()
      optimizer = torch.optim.SGD(params=model.parameters(), lr=0.1)

      for epoch in range(1000):
          model.train()
          y_logits = model(X_train).squeeze()
          loss = loss_fn(y_logits, y_train)
          optimizer.zero_grad()
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
          optimizer.step()
    `;
    const quiet = (text: string) => text.replace(/\n\s*#\s*\^+ GML101[^\n]*/, '');
    const small = 'nn.Linear(in_features, hidden_units), nn.ReLU(), nn.Linear(hidden_units, hidden_units), nn.ReLU(), nn.Linear(hidden_units, out_features),';

    it('leaves a model whose every layer is at most 32 wide alone (widths from __init__ defaults)', () => {
      expectNone('GML101', quiet(circle(small)));
    });

    it('reads a single built-in layer trained as the model like a Sequential of one: small when narrow, flagged when wide', () => {
      const bare = (layer: string) => `
        import torch
        import torch.nn.functional as F
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = ${layer}.to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        for epoch in range(10):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
        #   ^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32
            optimizer.step()
      `;
      expectNone('GML101', quiet(bare('torch.nn.Linear(16, 4)')));
      expectNone('GML101', quiet(bare('torch.nn.Sequential(torch.nn.Linear(16, 4))')));
      expectFindings(bare('torch.nn.Linear(16, 512)'));
      expectFindings(bare('torch.nn.Linear(16, n_out)'));
    });

    it('flags the same model with one 512-wide layer', () => {
      expectFindings(circle('nn.Linear(in_features, 512), nn.ReLU(), nn.Linear(512, out_features),'));
    });

    it('reads the widths given at the construction call: small when they are small, flagged when one is wide', () => {
      expectNone('GML101', quiet(circle(small, 'CircleModel(in_features=784, hidden_units=16)')));
      expectFindings(circle(small, 'CircleModel(784, 256, 10)'));
    });

    it('does not count a size read from the data (the input features, the number of classes)', () => {
      expectNone('GML101', quiet(circle(small, 'CircleModel(in_features=X_train.shape[1], hidden_units=8, out_features=len(class_names))')));
    });

    it('flags a model whose width is a variable that is not a literal (unknown)', () => {
      expectFindings(circle(small, 'CircleModel(hidden_units=config["hidden_units"])'));
      expectFindings(circle('nn.Linear(in_features, width), nn.ReLU(), nn.Linear(width, out_features),', 'CircleModel()', 'width = int(os.environ["WIDTH"])'));
    });

    it('reads a module constant and an argparse default', () => {
      expectNone('GML101', quiet(circle('nn.Linear(in_features, HIDDEN), nn.Linear(HIDDEN, out_features),', 'CircleModel()', 'HIDDEN = 16')));
      const parser = 'import argparse\n      parser = argparse.ArgumentParser()\n      parser.add_argument("--hidden", type=int, default=HIDDEN_DEFAULT)\n      args = parser.parse_args()';
      expectNone('GML101', quiet(circle(small, 'CircleModel(hidden_units=args.hidden)', parser.replace('HIDDEN_DEFAULT', '16'))));
      expectFindings(circle(small, 'CircleModel(hidden_units=args.hidden)', parser.replace('HIDDEN_DEFAULT', '200')));
    });

    it('flags a model with a layer it does not know (a look-alike Linear from another module, attention)', () => {
      expectFindings(circle(small.replace('nn.ReLU(), nn.Linear(hidden_units, hidden_units)', 'nn.ReLU(), Linear(hidden_units, hidden_units)'), 'CircleModel()', 'from mylayers import Linear'));
      expectFindings(circle(`${small} nn.MultiheadAttention(1, 1),`));
    });

    it('leaves nn.Parameter weights of literal shape alone (the linear-regression tutorial)', () => {
      expectNone('GML101', `
        import torch
        from torch import nn

        class LinearRegressionModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.weights = nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)
                self.bias = nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)

            def forward(self, x):
                return self.weights * x + self.bias

        model_0 = LinearRegressionModel().to(device)
        loss_fn = nn.L1Loss()
        optimizer = torch.optim.SGD(params=model_0.parameters(), lr=0.01)
        for epoch in range(100):
            model_0.train()
            y_pred = model_0(X_train)
            loss = loss_fn(y_pred, y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
      `);
    });

    it('follows the model and optimizer through a train_step function to every call of it', () => {
      const script = (second: string) => `
        import torch
        import torchvision
        from torch import nn

        def train_step(model, data_loader, loss_fn, optimizer):
            model.train()
            for X, y in data_loader:
                X, y = X.to(device), y.to(device)
                loss = loss_fn(model(X), y)
                optimizer.zero_grad()
                loss.backward()
        #       ^^^^^^^^^^^^^^^ GML101
                optimizer.step()

        model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.ReLU(), nn.Linear(10, 10))
        optimizer = torch.optim.SGD(params=model_1.parameters(), lr=0.1)
        train_step(model_1, train_loader, loss_fn, optimizer=optimizer)
        model_2 = ${second}
        optimizer = torch.optim.SGD(params=model_2.parameters(), lr=0.1)
        train_step(model=model_2, data_loader=train_loader, loss_fn=loss_fn, optimizer=optimizer)
      `;
      expectNone('GML101', quiet(script('nn.Sequential(nn.Conv2d(1, 10, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))')));
      expectFindings(script('torchvision.models.resnet18(num_classes=10)'));
    });

    it('a notebook: train_step is reported only once a cell trains a wide model with it', () => {
      const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks', 'fashion_mnist_small_and_wide.ipynb');
      const cells = parseIpynb(fs.readFileSync(file, 'utf8')).cells;
      const found = (upTo: number) => {
        const analysis = analyzeNotebook(cells.slice(0, upTo));
        const out = analysis.findings.filter((f) => f.finding.code === 'GML101').map((f) => [f.cell, f.finding.range.start.line]);
        analysis.dispose();
        return out;
      };
      // Cells 0–5: only the 10-unit model; cells 6–7 add the 512-unit one.
      assert.deepEqual(found(6), []);
      assert.deepEqual(found(cells.length), [[4, 6]]);
    });

    it('flags a small head on a module passed in, and a subclass of a local model class (their layers are not seen)', () => {
      expectFindings(circle(small, 'CircleModel(in_features=encoder)').replace('def __init__(self, in_features=2,', 'def __init__(self, encoder, in_features=2,').replace('super().__init__()', 'super().__init__()\n                  self.encoder = encoder').replace('CircleModel(in_features=encoder)', 'CircleModel(torchvision.models.resnet50())'));
      expectFindings(circle(small).replace('class CircleModel(nn.Module):', 'class CircleModel(Backbone):'));
    });

    it('reads boolean command-line options passed on to layers (the GCN example)', () => {
      const script = (hidden: number, flagged: boolean) => `
        import argparse
        import torch
        from torch import nn

        class GraphConv(nn.Module):
            def __init__(self, input_dim, output_dim, use_bias=False):
                super().__init__()
                self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
                nn.init.xavier_normal_(self.kernel)
                self.bias = None
                if use_bias:
                    self.bias = nn.Parameter(torch.Tensor(output_dim))

        class GCN(nn.Module):
            def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
                super().__init__()
                self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
                self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
                self.dropout = nn.Dropout(dropout_p)

        parser = argparse.ArgumentParser()
        parser.add_argument("--hidden-dim", type=int, default=${hidden})
        parser.add_argument("--include-bias", action="store_true")
        args = parser.parse_args()
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        gcn = GCN(features.shape[1], args.hidden_dim, labels.max().item() + 1, args.include_bias).to(device)
        optimizer = torch.optim.Adam(gcn.parameters(), lr=0.01)
        for epoch in range(200):
            optimizer.zero_grad()
            loss = criterion(gcn(features, adj), labels)
            loss.backward()${flagged ? '\n        #   ^^^^^^^^^^^^^^^ GML101' : ''}
            optimizer.step()
      `;
      expectNone('GML101', script(16, false));
      expectFindings(script(64, true));
    });

    it('flags a small model trained through an optimizer of unknown origin (the model cannot be told)', () => {
      expectFindings(circle(small).replace('optimizer = torch.optim.SGD(params=model.parameters(), lr=0.1)', 'optimizer = make_optimizer(model)'));
    });
  });

  it('flags an Ignite process function (Engine(train_step) runs it once per iteration)', () => {
    expectFindings(`
      import torch
      from torch import nn, optim
      from ignite.engine import Engine

      device = "cuda" if torch.cuda.is_available() else "cpu"
      model = torchvision.models.resnet18().to(device)
      optimizer = optim.Adam(model.parameters(), lr=1e-3)

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch
          x, y = x.to(device), y.to(device)
          loss = criterion(model(x), y)
          loss.backward()
      #   ^^^^^^^^^^^^^^^ GML101
          optimizer.step()
          return loss.item()

      trainer = Engine(process_function)
      trainer.run(train_loader, max_epochs=10)
    `);
  });
  it('leaves a CUDA script alone that hides every GPU before importing torch (CUDA_VISIBLE_DEVICES = ""), and flags it with a GPU index', () => {
    const script = (value: string, flagged: boolean) => `
      import os
      os.environ["CUDA_VISIBLE_DEVICES"] = ${value}
      import torch
      model = Net().cuda()
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x.cuda()), y.cuda())
          loss.backward()${flagged ? '\n      #   ^^^^^^^^^^^^^^^ GML101' : ''}
          optimizer.step()
    `;
    expectNone('GML101', script('""', false));
    expectFindings(script('"1"', true));
  });
});

describe('GML101 and float64 models (autocast leaves float64 operations alone)', () => {
  const loop = (setup: string, forward = 'model(x)') => `
      import torch
      import torch.nn as nn
      device = "cuda"
${setup}
      optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
      for step in range(2000):
          optimizer.zero_grad()
          loss = ((${forward} - target) ** 2).mean()
          loss.backward()
          optimizer.step()
    `;

  it('still flags a float32 model on CUDA', () => {
    expectFindings(loop(`      model = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 1)).to(device)`).replace(
      '          loss.backward()\n',
      '          loss.backward()\n      #   ^^^^^^^^^^^^^^^ GML101: Training loop runs in fp32\n',
    ), { codes: ['GML101'] });
  });

  it('leaves a model made float64 with .double() or .to(torch.float64) alone', () => {
    expectNone('GML101', loop(`      model = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 1)).double().to(device)`));
    expectNone('GML101', loop(`      model = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 1))\n      model = model.to(torch.float64).to(device)`));
    expectNone('GML101', loop(`      model = Net().to(device)\n      model.double()`));
  });

  it('leaves a model built with dtype=torch.float64 alone', () => {
    expectNone('GML101', loop(`      model = nn.Linear(2, 256, dtype=torch.float64, device=device)`));
  });

  it('leaves a script that sets torch.set_default_dtype(torch.float64) at module level alone', () => {
    expectNone('GML101', loop(`      torch.set_default_dtype(torch.float64)\n      model = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 1)).to(device)`));
  });

  it('still flags a float32 model when only a tensor is made float64 (.double() on data, not the model)', () => {
    expectFindings(
      loop(`      model = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 1)).to(device)\n      scale = torch.ones(1).double()`, 'model(x.double().float())').replace(
        '          loss.backward()\n',
        '          loss.backward()\n      #   ^^^^^^^^^^^^^^^ GML101\n',
      ),
      { codes: ['GML101'] },
    );
  });
});
