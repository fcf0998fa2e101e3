import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML213';

const MODULE = [
  'class Net(L.LightningModule):',
  '    def training_step(self, batch, batch_idx):',
  '        return self.net(batch).sum()',
  '    def validation_step(self, batch, batch_idx):',
  '        self.log("val_acc", 0.5)',
  '        self.log("val/loss", self.net(batch).sum(), prog_bar=True)',
];

describe('GML213 lightning-no-early-stopping', () => {
  it('flags fit with val_dataloaders and monitors the loss the module logs', () => {
    const src = py('import lightning as L', ...MODULE, 'trainer = L.Trainer(max_epochs=20)', 'trainer.fit(Net(), train_dataloaders=tl, val_dataloaders=vl)');
    const f = assertOne(src, CODE);
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.match(f.fixes[0].title, /monitor="val\/loss".*\(unsafe\)$/);
    assert.match(f.message, /\(20\)/);
    const fixed = assertFixes(src, CODE);
    assert.match(fixed, /L\.Trainer\(max_epochs=20, callbacks=\[EarlyStopping\(monitor="val\/loss", patience=3\)\]\)/);
    assert.equal(count(fixed, 'from lightning.pytorch.callbacks import EarlyStopping\n'), 1);
    assert.deepEqual(findings(fixed, CODE), []);
  });

  it('monitors a higher-is-better metric in max mode, and defaults to val_loss', () => {
    const acc = py('import lightning as L', 'class Net(L.LightningModule):', '    def validation_step(self, b, i):', '        self.log_dict({"val_acc": 1.0})', 't = L.Trainer()', 't.fit(Net(), tl, vl)');
    assert.match(assertFixes(acc, CODE), /EarlyStopping\(monitor="val_acc", mode="max", patience=3\)/);
    const none = py('import lightning as L', 'from mymodels import Net', 't = L.Trainer()', 't.fit(Net(), tl, vl)');
    const f = assertOne(none, CODE);
    assert.match(f.message, /1000 by default/);
    assert.match(assertFixes(none, CODE), /EarlyStopping\(monitor="val_loss", patience=3\)/);
  });

  it('counts a datamodule or module that defines val_dataloader, and a positional val loader', () => {
    const dm = ['class DM(L.LightningDataModule):', '    def train_dataloader(self): return tl', '    def val_dataloader(self): return vl'];
    assertOne(py('import lightning as L', ...MODULE, ...dm, 't = L.Trainer()', 't.fit(Net(), datamodule=DM())'), CODE);
    assertOne(py('import lightning as L', ...MODULE, ...dm, 'd = DM()', 't = L.Trainer()', 't.fit(Net(), d)'), CODE);
    assertOne(py('import lightning as L', ...MODULE, '    def val_dataloader(self):', '        return vl', 't = L.Trainer()', 't.fit(Net())'), CODE);
    // A datamodule without val_dataloader, or a module without validation_step: no validation runs.
    assertNone(py('import lightning as L', ...MODULE, 'class DM(L.LightningDataModule):', '    def train_dataloader(self): return tl', 't = L.Trainer()', 't.fit(Net(), datamodule=DM())'), CODE);
    assertNone(py('import lightning as L', 'class Net(L.LightningModule):', '    def training_step(self, b, i): return 0', 't = L.Trainer()', 't.fit(Net(), tl, vl)'), CODE);
  });

  it('resolves lightning.pytorch, pytorch_lightning and aliases, importing from the same family', () => {
    const pl = assertFixes(py('import pytorch_lightning as pl', 'trainer = pl.Trainer(max_epochs=10)', 'trainer.fit(model, tl, vl)'), CODE);
    assert.equal(count(pl, 'from pytorch_lightning.callbacks import EarlyStopping\n'), 1);
    const lp = assertFixes(py('from lightning.pytorch import Trainer as T', 'trainer = T(max_epochs=10)', 'trainer.fit(model, train_dataloaders=tl, val_dataloaders=vl)'), CODE);
    assert.equal(count(lp, 'from lightning.pytorch.callbacks import EarlyStopping\n'), 1);
    assertOne(py('import lightning.pytorch as pl', 'def make():', '    return pl.Trainer(max_epochs=5)', 'trainer = make()', 'trainer.fit(model, tl, vl)'), CODE);
    assertOne(py('import lightning as L', 'class MyTrainer(L.Trainer):', '    pass', 't = MyTrainer(max_epochs=5)', 't.fit(model, tl, vl)'), CODE);
  });

  it('stays quiet when an EarlyStopping callback is there, in every spelling', () => {
    assertNone(py('import lightning as L', 'from lightning.pytorch.callbacks import EarlyStopping', 't = L.Trainer(callbacks=[EarlyStopping("val_loss")])', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import pytorch_lightning as pl', 't = pl.Trainer(callbacks=[pl.callbacks.EarlyStopping(monitor="val_loss")])', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 'from lightning.pytorch.callbacks import EarlyStopping as ES', 'cbs = [ES(monitor="v")]', 't = L.Trainer(callbacks=cbs)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 'from lightning.pytorch.callbacks import EarlyStopping', 'class Stop(EarlyStopping):', '    pass', 't = L.Trainer(callbacks=[Stop(monitor="v")])', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 'from lightning.pytorch.callbacks import EarlyStopping', 't = L.Trainer()', 't.callbacks.append(EarlyStopping("v"))', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', ...MODULE, '    def configure_callbacks(self):', '        return [L.pytorch.callbacks.EarlyStopping("val_loss")]', 't = L.Trainer()', 't.fit(Net(), tl, vl)'), CODE);
  });

  it('appends to an existing literal callbacks list, which ModelCheckpoint does not satisfy', () => {
    const src = py(
      'import lightning as L',
      'from lightning.pytorch.callbacks import ModelCheckpoint',
      'trainer = L.Trainer(',
      '    max_epochs=30,',
      '    callbacks=[',
      '        ModelCheckpoint(monitor="val_loss"),',
      '    ],',
      ')',
      'trainer.fit(model, tl, vl)',
    );
    const fixed = assertFixes(src, CODE);
    assert.ok(fixed.includes('        ModelCheckpoint(monitor="val_loss"),\n        EarlyStopping(monitor="val_loss", patience=3),\n    ],'), fixed);
    assert.equal(count(fixed, 'from lightning.pytorch.callbacks import EarlyStopping\n'), 1);
  });

  it('stays quiet without validation data, for one-epoch or dev runs, and on unknown values', () => {
    assertNone(py('import lightning as L', 't = L.Trainer()', 't.fit(model, tl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer()', 't.fit(model, tl, None)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(max_epochs=1)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(fast_dev_run=True)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(limit_val_batches=0)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(callbacks=cfg.callbacks)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer(**trainer_kwargs)', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning as L', 't = L.Trainer()', 't.fit(model, tl, **loaders)'), CODE);
    assertNone(py('import lightning as L', 'from data import MNISTDataModule', 't = L.Trainer()', 't.fit(model, datamodule=MNISTDataModule())'), CODE);
    assertNone(py('import lightning as L', 'def run(trainer):', '    trainer.fit(model, tl, vl)'), CODE);
  });

  it('ignores look-alike local names', () => {
    assertNone(py('import lightning', 'class Trainer:', '    def fit(self, *a): pass', 't = Trainer()', 't.fit(model, tl, vl)'), CODE);
    assertNone(py('import lightning', 'def go(lightning):', '    t = lightning.Trainer()', '    t.fit(model, tl, vl)'), CODE);
  });

  it('imports under another name when EarlyStopping is already taken', () => {
    const fixed = assertFixes(py('import lightning as L', 'from keras.callbacks import EarlyStopping', 't = L.Trainer()', 't.fit(model, tl, vl)'), CODE);
    assert.match(fixed, /from lightning\.pytorch\.callbacks import EarlyStopping as PLEarlyStopping/);
    assert.match(fixed, /callbacks=\[PLEarlyStopping\(monitor="val_loss", patience=3\)\]/);
  });

  it('keeps tab and two-space indentation and CRLF', () => {
    const tab = py('import lightning as L', 'def main():', '\ttrainer = L.Trainer(', '\t\tmax_epochs=9,', '\t)', '\ttrainer.fit(model, tl, vl)');
    const fixedTab = assertFixes(tab, CODE);
    assert.ok(fixedTab.includes('\t\tmax_epochs=9,\n\t\tcallbacks=[EarlyStopping(monitor="val_loss", patience=3)],\n\t)'), fixedTab);
    const two = py('import lightning as L', 'def main():', '  cbs = [', '    L.pytorch.callbacks.LearningRateMonitor()', '  ]', '  trainer = L.Trainer(callbacks=cbs)', '  trainer.fit(model, tl, vl)');
    const fixedTwo = assertFixes(two, CODE);
    assert.ok(fixedTwo.includes('    L.pytorch.callbacks.LearningRateMonitor(),\n    EarlyStopping(monitor="val_loss", patience=3)\n  ]'), fixedTwo);
    const crlf = 'import lightning as L\r\nt = L.Trainer()\r\nt.fit(model, tl, vl)\r\n';
    assert.equal(
      assertFixes(crlf, CODE),
      'import lightning as L\r\nfrom lightning.pytorch.callbacks import EarlyStopping\r\nt = L.Trainer(callbacks=[EarlyStopping(monitor="val_loss", patience=3)])\r\nt.fit(model, tl, vl)\r\n',
    );
  });
});
