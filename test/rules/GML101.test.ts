import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFix, assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML101';

/** A plain fp32 loop; `head` lines go before it. */
function loop(...head: string[]): string {
  return py(
    ...head,
    'for epoch in range(3):',
    '    for x, y in loader:',
    '        optimizer.zero_grad()',
    '        x, y = x.to(device), y.to(device)',
    '        out = model(x)',
    '        loss = criterion(out, y)',
    '        loss.backward()',
    '        optimizer.step()',
  );
}

describe('GML101 fp32-training-loop', () => {
  it('flags a loop calling loss.backward() without autocast, on the backward call', () => {
    const f = assertOne(loop('import torch'), CODE);
    assert.equal(f.range.start.line, 7);
    assert.equal(f.range.start.character, 8);
    assert.match(f.message, /fp32/);
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.match(f.fixes[0].title, / \(unsafe\)$/);
  });

  it('wraps the forward and loss statements (after zero_grad and data movement) in torch.autocast on the CPU', () => {
    const fixed = assertFixes(loop('import torch'), CODE);
    assert.equal(
      fixed,
      py(
        'import torch',
        'for epoch in range(3):',
        '    for x, y in loader:',
        '        optimizer.zero_grad()',
        '        x, y = x.to(device), y.to(device)',
        '        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):',
        '            out = model(x)',
        '            loss = criterion(out, y)',
        '        loss.backward()',
        '        optimizer.step()',
      ),
    );
    assert.deepEqual(findings(fixed, CODE), []);
  });

  it('infers the device: .cuda() → "cuda", a run-time choice → conditional, the setting wins', () => {
    assert.match(assertFixes(loop('import torch', 'model = Net().cuda()'), CODE), /torch\.autocast\(device_type="cuda", dtype=torch\.bfloat16\)/);
    const runtime = assertFixes(loop('import torch', 'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")'), CODE);
    assert.match(runtime, /torch\.autocast\(device_type="cuda" if torch\.cuda\.is_available\(\) else "cpu", dtype=torch\.bfloat16\)/);
    assert.match(assertFixes(loop('import torch', 'device = "cuda:0"'), CODE), /device_type="cuda"/);
    assert.match(assertFixes(loop('import torch', 'model = Net().cuda()'), CODE, { targetDevice: 'cpu' }), /device_type="cpu"/);
  });

  it('adds a GradScaler for fp16 on CUDA and says it needs torch ≥ 2.3', () => {
    const src = loop('import torch', 'from sklearn.preprocessing import StandardScaler', 'scaler = StandardScaler()', 'model = Net().cuda()');
    const settings = { preferDtype: 'fp16' as const };
    const f = assertOne(src, CODE, settings);
    assert.match(f.fixes[0].title, /GradScaler.*torch ≥ 2\.3/);
    const fixed = assertFixes(src, CODE, settings);
    assert.match(fixed, /\ngrad_scaler = torch\.amp\.GradScaler\("cuda"\)\nfor epoch in range\(3\):/);
    assert.match(fixed, /with torch\.autocast\(device_type="cuda", dtype=torch\.float16\):/);
    assert.match(fixed, /\n {8}grad_scaler\.scale\(loss\)\.backward\(\)\n {8}grad_scaler\.step\(optimizer\)\n {8}grad_scaler\.update\(\)\n/);
    assert.deepEqual(findings(fixed, CODE, settings), []);
    // fp16 on the CPU: no scaler.
    const cpu = assertFixes(loop('import torch'), CODE, settings);
    assert.equal(count(cpu, 'GradScaler'), 0);
    assert.match(cpu, /dtype=torch\.float16/);
  });

  it('knows autocast through aliases, from-imports, every spelling, and decorators', () => {
    const inLoop = (ctx: string, ...head: string[]) =>
      py(...head, 'for x, y in loader:', `    with ${ctx}:`, '        loss = criterion(model(x), y)', '    loss.backward()', '    opt.step()');
    assertNone(inLoop('torch.autocast("cuda")', 'import torch'), CODE);
    assertNone(inLoop('T.amp.autocast(device_type="cpu", dtype=T.bfloat16)', 'import torch as T'), CODE);
    assertNone(inLoop('ac("cuda")', 'import torch', 'from torch import autocast as ac'), CODE);
    assertNone(inLoop('torch.cuda.amp.autocast()', 'import torch'), CODE);
    assertNone(inLoop('autocast()', 'import torch', 'from torch.cpu.amp import autocast'), CODE);
    assertNone(inLoop('torch.autocast("cuda", enabled=use_amp)', 'import torch'), CODE);
    assertNone(inLoop('ctx', 'import torch', 'from contextlib import nullcontext', 'ctx = nullcontext() if cpu else torch.amp.autocast("cuda")'), CODE);
    // enabled=False (literal) is not in effect.
    assertOne(inLoop('torch.autocast("cuda", enabled=False)', 'import torch'), CODE);
    assertOne(inLoop('torch.cuda.amp.autocast(False)', 'import torch'), CODE);
    // Decorated forward, decorated or wrapped helper called from the loop.
    assertNone(loop('import torch', 'import torch.nn as nn', 'class Net(nn.Module):', '    @torch.autocast("cuda")', '    def forward(self, x):', '        return x'), CODE);
    assertNone(
      py('import torch', 'def step(x, y):', '    with torch.autocast("cuda"):', '        return criterion(model(x), y)', 'for x, y in loader:', '    loss = step(x, y)', '    loss.backward()'),
      CODE,
    );
    assertNone(
      py('import torch', 'def train():', '    for x, y in loader:', '        loss = criterion(model(x), y)', '        loss.backward()', 'with torch.autocast("cuda"):', '    train()'),
      CODE,
    );
  });

  it('counts a half/bf16 model, a 16-bit default dtype and Accelerate mixed precision', () => {
    assertNone(loop('import torch', 'model = Net().half()'), CODE);
    assertNone(loop('import torch', 'model = Net().to(torch.bfloat16)'), CODE);
    assertNone(loop('import torch', 'model = Net().to(device, dtype=torch.float16)'), CODE);
    assertNone(loop('import torch', 'model = Net().to(dtype=cfg.dtype)'), CODE);
    assertNone(loop('import torch', 'torch.set_default_dtype(torch.bfloat16)'), CODE);
    assertOne(loop('import torch', 'torch.set_default_dtype(torch.float64)', 'model = Net().to(torch.float32)', 'labels = y.to(device, dtype=torch.long)'), CODE);
    const acc = (arg: string) =>
      py('import torch', 'from accelerate import Accelerator', `accelerator = Accelerator(${arg})`, 'for x, y in loader:', '    loss = criterion(model(x), y)', '    accelerator.backward(loss)', '    opt.step()');
    assertNone(acc('mixed_precision="bf16"'), CODE);
    assertNone(acc('mixed_precision="fp8"'), CODE);
    assertNone(acc('mixed_precision=args.mixed_precision'), CODE);
    assertNone(acc('**config'), CODE);
    const plain = assertFixes(acc(''), CODE);
    assert.match(plain, /Accelerator\(mixed_precision="bf16"\)/);
    const no = assertFixes(acc('mixed_precision="no"'), CODE, { preferDtype: 'fp16' });
    assert.match(no, /Accelerator\(mixed_precision="fp16"\)/);
  });

  it('ignores backward outside loops, unknown accelerators and look-alike autocasts', () => {
    assertNone(py('import torch', 'loss = model(x).sum()', 'loss.backward()'), CODE);
    assertNone(py('import torch', 'def fit(accelerator):', '    for x in loader:', '        accelerator.backward(model(x).sum())', 'import accelerate'), CODE);
    assertNone(py('import numpy as np', 'for x in loader:', '    loss.backward()'), CODE);
    // A local `autocast` and a parameter named torch are not PyTorch's.
    assertOne(py('import torch', 'def autocast():', '    pass', 'for x in loader:', '    with autocast():', '        loss = model(x).sum()', '    loss.backward()'), CODE);
    assertOne(py('import torch', 'def train(torch):', '    for x in loader:', '        with torch.autocast("cuda"):', '            loss = model(x).sum()', '        loss.backward()'), CODE);
  });

  it('reports once per loop and wraps each loss of a two-optimizer loop', () => {
    const src = py(
      'import torch',
      'for real in loader:',
      '    opt_d.zero_grad()',
      '    fake = gen(noise())',
      '    d_loss = bce(disc(real), ones) + bce(disc(fake.detach()), zeros)',
      '    d_loss.backward()',
      '    opt_d.step()',
      '    opt_g.zero_grad()',
      '    g_loss = bce(disc(fake), ones)',
      '    g_loss.backward()',
      '    opt_g.step()',
    );
    const fixed = assertFixes(src, CODE);
    assert.equal(count(fixed, 'with torch.autocast('), 2);
    assert.match(fixed, /autocast\([^)]*\):\n {8}fake = gen\(noise\(\)\)\n {8}d_loss = /);
    assert.match(fixed, /opt_g\.zero_grad\(\)\n {4}with torch\.autocast\([^)]*\):\n {8}g_loss = /);
  });

  it('handles scaler.scale(loss), loss / n, backward in a helper called from the loop, and loss in an outer block', () => {
    const scaled = assertFixes(
      py('import torch', 'for x in loader:', '    out = model(x)', '    loss = out.mean() / accum', '    scaler.scale(loss).backward()'),
      CODE,
    );
    assert.match(scaled, /with torch\.autocast\(device_type="cpu", dtype=torch\.bfloat16\):\n {8}out = model\(x\)\n {8}loss = out\.mean\(\) \/ accum\n {4}scaler/);
    const helper = assertFixes(
      py('import torch', 'def train_step(x, y):', '    opt.zero_grad()', '    loss = criterion(model(x), y)', '    loss.backward()', '    opt.step()', 'for x, y in loader:', '    train_step(x, y)'),
      CODE,
    );
    assert.match(helper, /opt\.zero_grad\(\)\n {4}with torch\.autocast\([^)]*\):\n {8}loss = criterion/);
    const hf = assertFixes(
      py('import torch', 'for batch in loader:', '    batch = {k: v.to(device) for k, v in batch.items()}', '    outputs = model(**batch)', '    loss = outputs.loss', '    loss.backward()'),
      CODE,
    );
    assert.match(hf, /batch\.items\(\)\}\n {4}with torch\.autocast\([^)]*\):\n {8}outputs = model\(\*\*batch\)\n {8}loss = outputs\.loss\n {4}loss\.backward/);
    // A loss computed under autocast in a separate validation loop does not cover the training loop.
    assertOne(
      py('import torch', 'for x in loader:', '    loss = model(x).sum()', '    loss.backward()', 'for x in val_loader:', '    with torch.autocast("cpu"):', '        loss = model(x).sum()'),
      CODE,
    );
    const outer = assertFixes(py('import torch', 'for x in loader:', '    loss = model(x).sum()', '    if training:', '        loss.backward()'), CODE);
    assert.match(outer, /with torch\.autocast\([^)]*\):\n {8}loss = model\(x\)\.sum\(\)\n {4}if training:/);
  });

  it('adds `import torch` once and reuses an aliased torch', () => {
    const fixed = assertFixes(py('from torch import nn', 'for x in loader:', '    loss = model(x).sum()', '    loss.backward()'), CODE);
    assert.equal(count(fixed, 'import torch\n'), 1);
    assert.ok(fixed.startsWith('from torch import nn\nimport torch\n'));
    const aliased = assertFixes(py('import torch as T', 'for x in loader:', '    loss = model(x).sum()', '    loss.backward()'), CODE);
    assert.equal(count(aliased, 'import torch'), 1);
    assert.match(aliased, /with T\.autocast\(device_type="cpu", dtype=T\.bfloat16\):/);
  });

  it('keeps tab and two-space indentation and CRLF newlines', () => {
    const tabs = assertFixes('import torch\nfor x in loader:\n\tloss = model(x).sum()\n\tloss.backward()\n', CODE);
    assert.equal(tabs, 'import torch\nfor x in loader:\n\twith torch.autocast(device_type="cpu", dtype=torch.bfloat16):\n\t\tloss = model(x).sum()\n\tloss.backward()\n');
    const two = assertFixes('import torch\ndef main():\n  for x in loader:\n    loss = model(x).sum()\n    loss.backward()\n', CODE);
    assert.match(two, /\n {4}with torch\.autocast\([^)]*\):\n {6}loss = model\(x\)\.sum\(\)\n {4}loss\.backward\(\)\n/);
    const crlf = assertFixes('import torch\r\nfor x in loader:\r\n    loss = model(x).sum()\r\n    loss.backward()\r\n', CODE, { preferDtype: 'fp16', targetDevice: 'cuda' });
    assert.equal(
      crlf,
      'import torch\r\nfor x in loader:\r\n    with torch.autocast(device_type="cuda", dtype=torch.float16):\r\n        loss = model(x).sum()\r\n    loss.backward()\r\n',
    );
  });

  it("indents the wrapped statements by their block's own step, not the smallest step in the file", () => {
    // A continuation line aligned at three spaces makes the file's smallest step 3; the loop body's is 4.
    const fixed = assertFixes('import torch\nsizes = dict(a=1,\n   b=2)\nfor x in loader:\n    loss = model(x).sum()\n    loss.backward()\n', CODE);
    assert.match(fixed, /\nfor x in loader:\n {4}with torch\.autocast\([^)]*\):\n {8}loss = model\(x\)\.sum\(\)\n {4}loss\.backward\(\)\n/);
  });

  it('keeps the CPU training fixture running after the fix (Debian python3-torch)', () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${python} cannot import torch: run \`apt-get install -y python3-torch\` (CI installs it).\n${probe.stderr ?? ''}`);
    const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts', 'torch_mnist_fp32.py'), 'utf8');
    const f = assertOne(fixture, CODE);
    assert.match(f.fixes[0].title, /device_type="cpu"/);
    const fixed = applyFix(fixture, f);
    assert.deepEqual(findings(fixed, CODE), []);
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
});
