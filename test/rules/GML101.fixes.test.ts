import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertOne, findings, useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

/** The scripts below never pick a device: they run on the CPU, where the user says bf16 pays (target-device = "cpu"). */
const CPU = { settings: { targetDevice: 'cpu' as const } };

describe('GML101 fp32-training-loop: fixes', () => {
  // ---- where the autocast block goes ------------------------------------------------------------

  it('wraps the forward pass and loss, after zero_grad and data movement, in CPU autocast', () => {
    expectFix(
      'GML101',
      `
      import torch
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                  out = model(x)
                  loss = criterion(out, y)
              loss.backward()
              optimizer.step()
      `,
      CPU,
    );
  });

  it("wraps the forward pass and loss inside an Ignite Engine's process function", () => {
    expectFix(
      'GML101',
      `
      import torch
      from ignite.engine import Engine

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch
          out = model(x)
          loss = criterion(out, y)
          loss.backward()
          optimizer.step()
          return loss.item()

      trainer = Engine(process_function)
      `,
      `
      import torch
      from ignite.engine import Engine

      def process_function(engine, batch):
          model.train()
          optimizer.zero_grad()
          x, y = batch
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              out = model(x)
              loss = criterion(out, y)
          loss.backward()
          optimizer.step()
          return loss.item()

      trainer = Engine(process_function)
      `,
      CPU,
    );
  });

  it('wraps each loss of a two-optimizer loop in its own block', () => {
    expectFix(
      'GML101',
      `
      import torch
      for real in loader:
          opt_d.zero_grad()
          fake = gen(noise())
          d_loss = bce(disc(real), ones) + bce(disc(fake.detach()), zeros)
          d_loss.backward()
          opt_d.step()
          opt_g.zero_grad()
          g_loss = bce(disc(fake), ones)
          g_loss.backward()
          opt_g.step()
      `,
      `
      import torch
      for real in loader:
          opt_d.zero_grad()
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              fake = gen(noise())
              d_loss = bce(disc(real), ones) + bce(disc(fake.detach()), zeros)
          d_loss.backward()
          opt_d.step()
          opt_g.zero_grad()
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              g_loss = bce(disc(fake), ones)
          g_loss.backward()
          opt_g.step()
      `,
      CPU,
    );
  });

  it('finds the loss through scaler.scale(loss) and loss / accum', () => {
    expectFix(
      'GML101',
      `
      import torch
      for x in loader:
          out = model(x)
          loss = out.mean() / accum
          scaler.scale(loss).backward()
          optimizer.step()
      `,
      `
      import torch
      for x in loader:
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              out = model(x)
              loss = out.mean() / accum
          scaler.scale(loss).backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it('wraps the loss inside a helper that the loop calls', () => {
    expectFix(
      'GML101',
      `
      import torch
      def train_step(x, y):
          opt.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          opt.step()
      for x, y in loader:
          train_step(x, y)
      `,
      `
      import torch
      def train_step(x, y):
          opt.zero_grad()
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          opt.step()
      for x, y in loader:
          train_step(x, y)
      `,
      CPU,
    );
  });

  it('a batch dict moved to the device stays outside, outputs.loss goes inside', () => {
    expectFix(
      'GML101',
      `
      import torch
      for batch in loader:
          batch = {k: v.to(device) for k, v in batch.items()}
          outputs = model(**batch)
          loss = outputs.loss
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      for batch in loader:
          batch = {k: v.to(device) for k, v in batch.items()}
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              outputs = model(**batch)
              loss = outputs.loss
          loss.backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it('a loss computed outside the block of its backward call is wrapped where it is computed', () => {
    expectFix(
      'GML101',
      `
      import torch
      for x in loader:
          loss = model(x).sum()
          if training:
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      for x in loader:
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              loss = model(x).sum()
          if training:
              loss.backward()
              optimizer.step()
      `,
      CPU,
    );
  });

  // ---- device and dtype -------------------------------------------------------------------------

  it('a model moved with .cuda() gives device_type="cuda"', () => {
    expectFix(
      'GML101',
      `
      import torch
      model = Net().cuda()
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      model = Net().cuda()
      for x, y in loader:
          optimizer.zero_grad()
          with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
    );
  });

  it('a device chosen at run time gives a conditional device_type', () => {
    expectFix(
      'GML101',
      `
      import torch
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      model.to(device)
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      model.to(device)
      for x, y in loader:
          optimizer.zero_grad()
          with torch.autocast(device_type="cuda" if torch.cuda.is_available() else "cpu", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
    );
  });

  it('a "cuda:0" device string gives device_type="cuda"', () => {
    expectFix(
      'GML101',
      `
      import torch
      device = "cuda:0"
      for x, y in loader:
          x, y = x.to(device), y.to(device)
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      device = "cuda:0"
      for x, y in loader:
          x, y = x.to(device), y.to(device)
          optimizer.zero_grad()
          with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
    );
  });

  it('the target-device setting wins over what the script suggests', () => {
    expectFix(
      'GML101',
      `
      import torch
      model = Net().cuda()
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      model = Net().cuda()
      for x, y in loader:
          optimizer.zero_grad()
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      { settings: { targetDevice: 'cpu' } },
    );
  });

  it('fp16 on CUDA adds a GradScaler before the outer loop, under a free name, and scales the loss', () => {
    expectFix(
      'GML101',
      `
      import torch
      from sklearn.preprocessing import StandardScaler
      scaler = StandardScaler()
      model = Net().cuda()
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      from sklearn.preprocessing import StandardScaler
      scaler = StandardScaler()
      model = Net().cuda()
      grad_scaler = torch.amp.GradScaler("cuda")
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              with torch.autocast(device_type="cuda", dtype=torch.float16):
                  out = model(x)
                  loss = criterion(out, y)
              grad_scaler.scale(loss).backward()
              grad_scaler.step(optimizer)
              grad_scaler.update()
      `,
      { settings: { preferDtype: 'fp16' } },
    );
  });

  it('the GradScaler title says it needs torch ≥ 2.3', () => {
    const [finding] = expectFindings(
      `
      import torch
      from sklearn.preprocessing import StandardScaler
      scaler = StandardScaler()
      model = Net().cuda()
      for epoch in range(3):
          for x, y in loader:
              optimizer.zero_grad()
              x, y = x.to(device), y.to(device)
              out = model(x)
              loss = criterion(out, y)
              loss.backward()
      #       ^^^^^^^^^^^^^^^ GML101
              optimizer.step()
      `,
      { settings: { preferDtype: 'fp16' } },
    );
    assert.match(finding.fixes[0].title, /GradScaler.*torch ≥ 2\.3/);
  });

  it('fp16 on the CPU gets no GradScaler', () => {
    expectFix(
      'GML101',
      `
      import torch
      for x, y in loader:
          optimizer.zero_grad()
          loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      for x, y in loader:
          optimizer.zero_grad()
          with torch.autocast(device_type="cpu", dtype=torch.float16):
              loss = criterion(model(x), y)
          loss.backward()
          optimizer.step()
      `,
      { settings: { preferDtype: 'fp16', targetDevice: 'cpu' } },
    );
  });

  it('Accelerator() gets mixed_precision="bf16"', () => {
    expectFix(
      'GML101',
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator()
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
      `,
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision="bf16")
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
      `,
    );
  });

  it('Accelerator(mixed_precision="no") gets "fp16" when fp16 is preferred', () => {
    expectFix(
      'GML101',
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision="no")
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
      `,
      `
      import torch
      from accelerate import Accelerator
      accelerator = Accelerator(mixed_precision="fp16")
      for x, y in loader:
          loss = criterion(model(x), y)
          accelerator.backward(loss)
          opt.step()
      `,
      { settings: { preferDtype: 'fp16' } },
    );
  });

  // ---- imports and layout -----------------------------------------------------------------------

  it('adds `import torch` once, after the imports, when torch is not bound', () => {
    expectFix(
      'GML101',
      `
      from torch import nn
      for x in loader:
          loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      `
      from torch import nn
      import torch
      for x in loader:
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it('an alias of torch is used and nothing is imported', () => {
    expectFix(
      'GML101',
      `
      import torch as T
      for x in loader:
          loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      `
      import torch as T
      for x in loader:
          with T.autocast(device_type="cpu", dtype=T.bfloat16):
              loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it('tab indentation is kept', () => {
    expectFix(
      'GML101',
      `
      import torch
      for x in loader:
      \tloss = model(x).sum()
      \tloss.backward()
      \toptimizer.step()
      `,
      `
      import torch
      for x in loader:
      \twith torch.autocast(device_type="cpu", dtype=torch.bfloat16):
      \t\tloss = model(x).sum()
      \tloss.backward()
      \toptimizer.step()
      `,
      CPU,
    );
  });

  it('two-space indentation is kept', () => {
    expectFix(
      'GML101',
      `
      import torch
      def main():
        for x in loader:
          loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      def main():
        for x in loader:
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it("indents by the block's own step, not the smallest step in the file", () => {
    // The continuation line aligned at three spaces makes the file's smallest step 3; the loop body's is 4.
    expectFix(
      'GML101',
      `
      import torch
      sizes = dict(a=1,
         b=2)
      for x in loader:
          loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      sizes = dict(a=1,
         b=2)
      for x in loader:
          with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
              loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      CPU,
    );
  });

  it('CRLF newlines are kept', () => {
    expectFix(
      'GML101',
      `
      import torch
      for x in loader:
          loss = model(x).sum()
          loss.backward()
          optimizer.step()
      `,
      `
      import torch
      scaler = torch.amp.GradScaler("cuda")
      for x in loader:
          with torch.autocast(device_type="cuda", dtype=torch.float16):
              loss = model(x).sum()
          scaler.scale(loss).backward()
          scaler.step(optimizer)
          scaler.update()
      `,
      { eol: '\r\n', settings: { preferDtype: 'fp16', targetDevice: 'cuda' } },
    );
  });

  // ---- a real script ----------------------------------------------------------------------------

  function mnistFixture(): string {
    return fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', 'torch_mnist_fp32.py'), 'utf8');
  }

  it('the MNIST fixture runs on the CPU: nothing by default; with target-device = "cpu" the fix targets the CPU and leaves nothing to report', () => {
    const fixture = mnistFixture();
    assert.deepEqual(findings(fixture, 'GML101'), []);
    const f = assertOne(fixture, 'GML101', CPU.settings);
    assert.match(f.fixes[0].title, /device_type="cpu"/);
    assert.deepEqual(findings(applyFix(fixture, f), 'GML101', CPU.settings), []);
  });

  it('the MNIST fixture still trains to the end after the fix (Debian python3-torch)', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
    const fixture = mnistFixture();
    const fixed = applyFix(fixture, assertOne(fixture, 'GML101', CPU.settings));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-gml101-'));
    try {
      const script = path.join(dir, 'train.py');
      fs.writeFileSync(script, fixed);
      const run = spawnSync(python, [script], { encoding: 'utf8', timeout: 240_000, cwd: dir });
      assert.equal(run.status, 0, `fixed script failed:\n${run.stderr}`);
      assert.match(run.stdout, /training finished\s*$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('wraps every forward the loss is computed from, past data movement and an alias between them (a GAN discriminator step)', () => {
    expectFix(
      'GML101',
      `
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      for epoch in range(num_epochs):
          for images, _ in data_loader:
              images = images.reshape(batch_size, -1).to(device)
              real_labels = torch.ones(batch_size, 1).to(device)
              fake_labels = torch.zeros(batch_size, 1).to(device)
              outputs = D(images)
              d_loss_real = criterion(outputs, real_labels)
              z = torch.randn(batch_size, latent_size).to(device)
              outputs = D(G(z))
              d_loss_fake = criterion(outputs, fake_labels)
              fake_score = outputs
              d_loss = d_loss_real + d_loss_fake
              d_optimizer.zero_grad()
              d_loss.backward()
              d_optimizer.step()
      `,
      `
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      for epoch in range(num_epochs):
          for images, _ in data_loader:
              images = images.reshape(batch_size, -1).to(device)
              real_labels = torch.ones(batch_size, 1).to(device)
              fake_labels = torch.zeros(batch_size, 1).to(device)
              with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16):
                  outputs = D(images)
                  d_loss_real = criterion(outputs, real_labels)
                  z = torch.randn(batch_size, latent_size).to(device)
                  outputs = D(G(z))
                  d_loss_fake = criterion(outputs, fake_labels)
                  fake_score = outputs
                  d_loss = d_loss_real + d_loss_fake
              d_optimizer.zero_grad()
              d_loss.backward()
              d_optimizer.step()
      `,
    );
  });

  it('covers the if/else that runs the forward the loss is computed from (word_language_model)', () => {
    expectFix(
      'GML101',
      `
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      for epoch in range(40):
          for data, targets in batches:
              data, targets = data.to(device), targets.to(device)
              model.zero_grad()
              if model_type == "Transformer":
                  output = model(data)
              else:
                  hidden = repackage_hidden(hidden)
                  output, hidden = model(data, hidden)
              loss = criterion(output.view(-1, ntokens), targets)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch

      device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
      for epoch in range(40):
          for data, targets in batches:
              data, targets = data.to(device), targets.to(device)
              model.zero_grad()
              with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16):
                  if model_type == "Transformer":
                      output = model(data)
                  else:
                      hidden = repackage_hidden(hidden)
                      output, hidden = model(data, hidden)
                  loss = criterion(output.view(-1, ntokens), targets)
              loss.backward()
              optimizer.step()
      `,
    );
  });

  it('a device assigned in both branches of an if/else autocasts on that device, torch.device(device).type (dcgan)', () => {
    expectFix(
      'GML101',
      `
      import torch

      if torch.accelerator.is_available():
          device = torch.accelerator.current_accelerator()
      else:
          device = torch.device("cpu")
      net = Net().to(device)
      for epoch in range(25):
          for i, data in enumerate(loader):
              x = data[0].to(device)
              optimizer.zero_grad()
              loss = net(x).logsumexp(1).mean()
              loss.backward()
              optimizer.step()
      `,
      `
      import torch

      if torch.accelerator.is_available():
          device = torch.accelerator.current_accelerator()
      else:
          device = torch.device("cpu")
      net = Net().to(device)
      for epoch in range(25):
          for i, data in enumerate(loader):
              x = data[0].to(device)
              optimizer.zero_grad()
              with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16):
                  loss = net(x).logsumexp(1).mean()
              loss.backward()
              optimizer.step()
      `,
    );
  });

  it("covers a frozen backbone's forward under no_grad before the trainable head (linear probing), branches in it too", () => {
    expectFix(
      'GML101',
      `
      import torch
      from torch import nn

      for epoch in range(100):
          for inp, target in loader:
              inp, target = inp.cuda(non_blocking=True), target.cuda(non_blocking=True)
              with torch.no_grad():
                  if "vit" in arch:
                      feats = backbone.get_intermediate_layers(inp, 4)
                      output = torch.cat([x[:, 0] for x in feats], dim=-1)
                  else:
                      output = backbone(inp)
              output = linear_classifier(output)
              loss = nn.CrossEntropyLoss()(output, target)
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      from torch import nn

      for epoch in range(100):
          for inp, target in loader:
              inp, target = inp.cuda(non_blocking=True), target.cuda(non_blocking=True)
              with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                  with torch.no_grad():
                      if "vit" in arch:
                          feats = backbone.get_intermediate_layers(inp, 4)
                          output = torch.cat([x[:, 0] for x in feats], dim=-1)
                      else:
                          output = backbone(inp)
                  output = linear_classifier(output)
                  loss = nn.CrossEntropyLoss()(output, target)
              optimizer.zero_grad()
              loss.backward()
              optimizer.step()
      `,
    );
  });

  it('leaves a no_grad block that is not a plain forward (a teacher update loop) outside the block', () => {
    expectFix(
      'GML101',
      `
      import torch
      for epoch in range(3):
          for x, y in loader:
              with torch.no_grad():
                  for p, q in zip(model.parameters(), teacher.parameters()):
                      q.mul_(0.99).add_(p, alpha=0.01)
                  target = teacher(x)
              out = model(x)
              loss = criterion(out, target)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch
      for epoch in range(3):
          for x, y in loader:
              with torch.no_grad():
                  for p, q in zip(model.parameters(), teacher.parameters()):
                      q.mul_(0.99).add_(p, alpha=0.01)
                  target = teacher(x)
              with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                  out = model(x)
                  loss = criterion(out, target)
              loss.backward()
              optimizer.step()
      `,
      CPU,
    );
  });

  it('leaves a look-alike no_grad (a function of the file) outside the block', () => {
    expectFix(
      'GML101',
      `
      import torch

      def no_grad():
          return open("log.txt", "a")

      for epoch in range(3):
          for x, y in loader:
              with no_grad():
                  target = teacher(x)
              out = model(x)
              loss = criterion(out, target)
              loss.backward()
              optimizer.step()
      `,
      `
      import torch

      def no_grad():
          return open("log.txt", "a")

      for epoch in range(3):
          for x, y in loader:
              with no_grad():
                  target = teacher(x)
              with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                  out = model(x)
                  loss = criterion(out, target)
              loss.backward()
              optimizer.step()
      `,
      CPU,
    );
  });

  it('an accelerator chosen between two Accelerator(...) calls gets mixed precision on both', () => {
    expectFix(
      'GML101',
      `
      import torch
      from accelerate import Accelerator

      accelerator = (
          Accelerator(log_with=args.report_to, project_dir=args.output_dir) if args.with_tracking else Accelerator()
      )
      model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
      for epoch in range(args.num_train_epochs):
          model.train()
          for step, batch in enumerate(train_dataloader):
              outputs = model(**batch)
              loss = outputs.loss
              accelerator.backward(loss)
              optimizer.step()
              optimizer.zero_grad()
      `,
      `
      import torch
      from accelerate import Accelerator

      accelerator = (
          Accelerator(log_with=args.report_to, project_dir=args.output_dir, mixed_precision="bf16") if args.with_tracking else Accelerator(mixed_precision="bf16")
      )
      model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
      for epoch in range(args.num_train_epochs):
          model.train()
          for step, batch in enumerate(train_dataloader):
              outputs = model(**batch)
              loss = outputs.loss
              accelerator.backward(loss)
              optimizer.step()
              optimizer.zero_grad()
      `,
    );
    // One branch already mixed: the accelerator may train in bf16, and the loop is left alone.
    expectNone('GML101', `
      import torch
      from accelerate import Accelerator

      accelerator = Accelerator(mixed_precision="bf16") if args.bf16 else Accelerator()
      for batch in train_dataloader:
          loss = model(**batch).loss
          accelerator.backward(loss)
          optimizer.step()
          optimizer.zero_grad()
    `);
  });
});
