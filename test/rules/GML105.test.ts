import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

describe('GML105 deprecated-cuda-amp', () => {
  it('flags torch.cuda.amp.autocast and GradScaler and rewrites both to torch.amp with the device first', () => {
    const src = py(
      'import torch',
      'scaler = torch.cuda.amp.GradScaler(init_scale=1024)',
      'for x, y in loader:',
      '    with torch.cuda.amp.autocast(dtype=torch.bfloat16):',
      '        loss = model(x).sum()',
      '    scaler.scale(loss).backward()',
    );
    assert.equal(findings(src, 'GML105').length, 2);
    const fixed = assertFixesAll(src);
    assert.match(fixed, /torch\.amp\.GradScaler\("cuda", init_scale=1024\)/);
    assert.match(fixed, /with torch\.amp\.autocast\("cuda", dtype=torch\.bfloat16\):/);
  });

  it('names positional autocast arguments, since torch.amp.autocast takes device_type first', () => {
    const fixed = assertFixes(py('import torch', 'with torch.cuda.amp.autocast(True, torch.float16):', '    pass'), 'GML105');
    assert.match(fixed, /torch\.amp\.autocast\("cuda", enabled=True, dtype=torch\.float16\)/);
  });

  it('resolves aliases and from-imports, and adds `import torch` once when torch is not bound', () => {
    const src = py('from torch.cuda.amp import autocast as ac, GradScaler', 'with ac():', '    pass');
    const fixed = assertFixes(src, 'GML105');
    assert.equal(count(fixed, 'import torch\n'), 1);
    assert.match(fixed, /with torch\.amp\.autocast\("cuda"\):/);
    const aliased = py('import torch as T', 's = T.cpu.amp.GradScaler()');
    assert.match(assertFixes(aliased, 'GML105'), /s = T\.amp\.GradScaler\("cpu"\)/);
  });

  it('leaves the current API and look-alike local names alone', () => {
    assertNone(py('import torch', 'with torch.amp.autocast("cuda"):', '    pass', 's = torch.amp.GradScaler("cuda")'), 'GML105');
    assertNone(py('import torch', 'class cuda:', '    pass', 'def autocast(): pass', 'with autocast():', '    pass'), 'GML105');
    assertNone(py('import torch', 'def f(torch):', '    return torch.cuda.amp.autocast()'), 'GML105');
  });

  it('keeps CRLF newlines', () => {
    const src = 'import torch\r\nwith torch.cuda.amp.autocast():\r\n    pass\r\n';
    const fixed = assertFixes(src, 'GML105');
    assert.equal(fixed, 'import torch\r\nwith torch.amp.autocast("cuda"):\r\n    pass\r\n');
  });

  it('reports the deprecated callee precisely', () => {
    const f = assertOne(py('import torch', 'x = torch.cuda.amp.GradScaler()'), 'GML105');
    assert.deepEqual(f.range, { start: { line: 1, character: 4 }, end: { line: 1, character: 29 } });
    assert.equal(f.fixes[0].safety, 'safe');
  });
});

/** Applies the first GML105 fix until none is left. */
function assertFixesAll(src: string): string {
  let text = src;
  for (let i = 0; i < 5 && findings(text, 'GML105').length > 0; i++) text = applyFix(text, findings(text, 'GML105')[0]);
  assertNone(text, 'GML105');
  return text;
}
