import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML105 deprecated-cuda-amp', () => {
  it('flags torch.cuda.amp.GradScaler and autocast', () => {
    expectFindings(`
      import torch
      scaler = torch.cuda.amp.GradScaler(init_scale=1024)
      #        ^^^^^^^^^^^^^^^^^^^^^^^^^ GML105: deprecated since torch 2.3
      for x, y in loader:
          with torch.cuda.amp.autocast(dtype=torch.bfloat16):
      #        ^^^^^^^^^^^^^^^^^^^^^^^ GML105: use \`torch.amp.autocast("cuda", …)\`
              loss = model(x).sum()
          scaler.scale(loss).backward()
    `);
  });

  it('flags the torch.cpu.amp twins through an alias', () => {
    expectFindings(`
      import torch as T
      s = T.cpu.amp.GradScaler()
      #   ^^^^^^^^^^^^^^^^^^^^ GML105
    `);
  });

  it('flags names imported from torch.cuda.amp under another name', () => {
    expectFindings(`
      from torch.cuda.amp import autocast as ac, GradScaler
      with ac():
      #    ^^ GML105
          pass
    `);
  });

  it('leaves the current torch.amp API alone', () => {
    expectNone('GML105', `
      import torch
      with torch.amp.autocast("cuda"):
          pass
      s = torch.amp.GradScaler("cuda")
    `);
  });

  it('leaves look-alike local names alone', () => {
    expectNone('GML105', `
      import torch
      class cuda:
          pass
      def autocast(): pass
      with autocast():
          pass
    `);
  });

  it('leaves a parameter that shadows torch alone', () => {
    expectNone('GML105', `
      import torch
      def f(torch):
          return torch.cuda.amp.autocast()
    `);
  });

  it('fix: GradScaler gets the device first, keeping its arguments', () => {
    expectFix(
      'GML105',
      `
      import torch
      scaler = torch.cuda.amp.GradScaler(init_scale=1024)
      `,
      `
      import torch
      scaler = torch.amp.GradScaler("cuda", init_scale=1024)
      `,
    );
  });

  it('fix: autocast keeps its keyword arguments after the device', () => {
    expectFix(
      'GML105',
      `
      import torch
      with torch.cuda.amp.autocast(dtype=torch.bfloat16):
          loss = model(x)
      `,
      `
      import torch
      with torch.amp.autocast("cuda", dtype=torch.bfloat16):
          loss = model(x)
      `,
    );
  });

  it('fix: positional autocast arguments are named, since torch.amp.autocast takes device_type first', () => {
    expectFix(
      'GML105',
      `
      import torch
      with torch.cuda.amp.autocast(True, torch.float16):
          pass
      `,
      `
      import torch
      with torch.amp.autocast("cuda", enabled=True, dtype=torch.float16):
          pass
      `,
    );
  });

  it('fix: imports torch once when only a from-import binds the deprecated name', () => {
    expectFix(
      'GML105',
      `
      from torch.cuda.amp import autocast as ac
      with ac():
          pass
      `,
      `
      from torch.cuda.amp import autocast as ac
      import torch
      with torch.amp.autocast("cuda"):
          pass
      `,
    );
  });

  it('fix: an alias of torch is kept', () => {
    expectFix(
      'GML105',
      `
      import torch as T
      s = T.cpu.amp.GradScaler()
      `,
      `
      import torch as T
      s = T.amp.GradScaler("cpu")
      `,
    );
  });

  it('fix: CRLF newlines are kept', () => {
    expectFix(
      'GML105',
      `
      import torch
      with torch.cuda.amp.autocast():
          pass
      `,
      `
      import torch
      with torch.amp.autocast("cuda"):
          pass
      `,
      { eol: '\r\n' },
    );
  });

  it('the fix is safe', () => {
    const finding = expectFix(
      'GML105',
      `
      import torch
      x = torch.cuda.amp.GradScaler()
      `,
      `
      import torch
      x = torch.amp.GradScaler("cuda")
      `,
    );
    if (finding.fixes[0].safety !== 'safe') throw new Error(`safety ${finding.fixes[0].safety}`);
  });
});
