import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML104';

describe('GML104 lightning-fp32', () => {
  it('flags a Trainer without precision and sets precision="bf16-mixed"', () => {
    const src = py('import lightning as L', 'trainer = L.Trainer(max_epochs=10)');
    const f = assertOne(src, CODE);
    assert.match(f.message, /fp32/);
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.match(f.fixes[0].title, /precision="bf16-mixed" \(unsafe\)$/);
    const fixed = assertFixes(src, CODE);
    assert.equal(fixed, py('import lightning as L', 'trainer = L.Trainer(max_epochs=10, precision="bf16-mixed")'));
    assert.deepEqual(findings(fixed, CODE), []);
    assert.match(assertFixes(src, CODE, { preferDtype: 'fp16' }), /precision="16-mixed"/);
  });

  it('flags every 32/64-bit spelling and None, and replaces the value', () => {
    for (const value of ['32', '"32"', '"32-true"', '64', '"64"', '"64-true"', 'None']) {
      const src = py('from lightning.pytorch import Trainer', `trainer = Trainer(precision=${value}, max_epochs=3)`);
      const f = assertOne(src, CODE);
      assert.equal(f.range.start.character, 'trainer = Trainer('.length);
      assert.equal(assertFixes(src, CODE), py('from lightning.pytorch import Trainer', 'trainer = Trainer(precision="bf16-mixed", max_epochs=3)'));
    }
    assert.match(assertOne(py('import lightning', 't = lightning.Trainer(precision=64)'), CODE).message, /fp64/);
  });

  it('accepts every reduced precision and stays quiet on unknown values', () => {
    for (const value of ['16', '"16"', '"16-mixed"', '"bf16"', '"bf16-mixed"', '"16-true"', '"bf16-true"', '"transformer-engine"', '"transformer-engine-float16"']) {
      assertNone(py('import lightning as L', `t = L.Trainer(precision=${value})`), CODE);
    }
    assertNone(py('import lightning as L', 't = L.Trainer(precision=cfg.precision)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(**trainer_kwargs)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(plugins=[MyPrecision()])'), CODE);
    assertNone(py('import lightning as L', 'P = "bf16-mixed"', 't = L.Trainer(precision=P)'), CODE);
  });

  it('resolves pytorch_lightning, module paths, aliases and Fabric', () => {
    assertOne(py('import pytorch_lightning as pl', 't = pl.Trainer(gpus=1)'), CODE);
    assertOne(py('from pytorch_lightning import Trainer as PLT', 't = PLT()'), CODE);
    assertOne(py('from lightning.pytorch.trainer.trainer import Trainer', 't = Trainer()'), CODE);
    const fabric = py('from lightning.fabric import Fabric', 'fabric = Fabric(accelerator="cuda", precision="32-true")');
    assert.match(assertOne(fabric, CODE).message, /Fabric/);
    assert.match(assertFixes(fabric, CODE), /Fabric\(accelerator="cuda", precision="bf16-mixed"\)/);
    assertOne(py('import lightning as L', 'fabric = L.Fabric()'), CODE);
    assertNone(py('import lightning as L', 'fabric = L.Fabric(precision="bf16-mixed")'), CODE);
  });

  it('ignores look-alike Trainers', () => {
    assertNone(py('import lightning', 'class Trainer:', '    pass', 't = Trainer()'), CODE);
    assertNone(py('import lightning', 'from transformers import Trainer', 't = Trainer(model=m)'), CODE);
    assertNone(py('import lightning', 'def run(L):', '    return L.Trainer()'), CODE);
  });

  it('keeps layout, indentation and CRLF', () => {
    const tabs = 'import lightning as L\ndef main():\n\ttrainer = L.Trainer(\n\t\tmax_epochs=5,\n\t)\n';
    assert.equal(assertFixes(tabs, CODE), 'import lightning as L\ndef main():\n\ttrainer = L.Trainer(\n\t\tmax_epochs=5,\n\t\tprecision="bf16-mixed",\n\t)\n');
    const two = 'import lightning as L\nif True:\n  trainer = L.Trainer(\n    max_epochs=5\n  )\n';
    assert.equal(assertFixes(two, CODE), 'import lightning as L\nif True:\n  trainer = L.Trainer(\n    max_epochs=5,\n    precision="bf16-mixed"\n  )\n');
    const crlf = 'import lightning as L\r\ntrainer = L.Trainer(\r\n    max_epochs=5,\r\n)\r\n';
    assert.equal(assertFixes(crlf, CODE), 'import lightning as L\r\ntrainer = L.Trainer(\r\n    max_epochs=5,\r\n    precision="bf16-mixed",\r\n)\r\n');
  });
});
