import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML212';
const IMPORT = 'from transformers import Trainer, TrainingArguments';
const GOOD_ARGS = 'args = TrainingArguments(output_dir="o", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)';

describe('GML212 hf-trainer-no-early-stopping', () => {
  it('flags a Trainer with an eval dataset and no callback; the fix adds the callback and every prerequisite', () => {
    const src = py(IMPORT, 'args = TrainingArguments(output_dir="o", num_train_epochs=10)', 'trainer = Trainer(model=m, args=args, train_dataset=tr, eval_dataset=ev)');
    const f = assertOne(src, CODE);
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.match(f.fixes[0].title, /\(unsafe\)$/);
    assert.match(f.message, /eval_strategy "no"/);
    const fixed = assertFixes(src, CODE);
    assert.match(
      fixed,
      /TrainingArguments\(output_dir="o", num_train_epochs=10, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss"\)/,
    );
    assert.match(fixed, /eval_dataset=ev, callbacks=\[EarlyStoppingCallback\(early_stopping_patience=3\)\]\)/);
    assert.equal(count(fixed, 'from transformers import EarlyStoppingCallback\n'), 1);
    assert.deepEqual(findings(fixed, CODE), []);
  });

  it('keeps a working eval strategy, matches save_strategy to it, and renames evaluation_strategy', () => {
    const a = assertFixes(py(IMPORT, 'args = TrainingArguments(output_dir="o", eval_strategy="steps", save_strategy="epoch")', 'Trainer(model=m, args=args, eval_dataset=ev)'), CODE);
    assert.match(a, /eval_strategy="steps", save_strategy="steps", load_best_model_at_end=True, metric_for_best_model="eval_loss"/);
    const b = assertFixes(py(IMPORT, 'args = TrainingArguments(output_dir="o", evaluation_strategy="epoch")', 'Trainer(model=m, args=args, eval_dataset=ev)'), CODE);
    assert.ok(!b.includes('evaluation_strategy'), b);
    assert.match(b, /eval_strategy="epoch", save_strategy="epoch"/);
    const c = assertFixes(py(IMPORT, 'args = TrainingArguments(output_dir="o", evaluation_strategy="no", metric_for_best_model="f1")', 'Trainer(model=m, args=args, eval_dataset=ev)'), CODE);
    assert.match(c, /eval_strategy="epoch", metric_for_best_model="f1", save_strategy="epoch", load_best_model_at_end=True\)/);
  });

  it('stays quiet when early stopping is configured, in every spelling', () => {
    const cb = 'from transformers import EarlyStoppingCallback';
    assertNone(py(IMPORT, cb, GOOD_ARGS, 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback(3)])'), CODE);
    assertNone(py('import transformers as hf', 'args = hf.TrainingArguments(output_dir="o", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)', 'hf.Trainer(model=m, args=args, eval_dataset=ev, callbacks=[hf.EarlyStoppingCallback])'), CODE);
    assertNone(py(IMPORT, cb, GOOD_ARGS, 't = Trainer(model=m, args=args, eval_dataset=ev)', 't.add_callback(EarlyStoppingCallback(early_stopping_patience=2))', 't.train()'), CODE);
    assertNone(py(IMPORT, 'from transformers.trainer_callback import EarlyStoppingCallback as ESC', GOOD_ARGS, 'cbs = [ESC()]', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=cbs)'), CODE);
    assertNone(py(IMPORT, cb, GOOD_ARGS, 'class Patient(EarlyStoppingCallback):', '    pass', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[Patient()])'), CODE);
    // IntervalStrategy enum members and save_strategy="best"
    assertNone(
      py(IMPORT, cb, 'from transformers import IntervalStrategy', 'args = TrainingArguments(output_dir="o", eval_strategy=IntervalStrategy.EPOCH, save_strategy="best", load_best_model_at_end=True)', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])'),
      CODE,
    );
  });

  it('flags a callback whose prerequisites are missing and fixes only the arguments', () => {
    const src = py(IMPORT, 'from transformers import EarlyStoppingCallback', 'args = TrainingArguments(output_dir="o", eval_strategy="epoch", save_strategy="epoch")', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])');
    const f = assertOne(src, CODE);
    assert.match(f.message, /load_best_model_at_end is not True/);
    const fixed = assertFixes(src, CODE);
    assert.match(fixed, /save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss"\)/);
    assert.equal(count(fixed, 'EarlyStoppingCallback()'), 1);
    // mismatched strategies, and save_steps that is not a multiple of eval_steps
    const mismatch = py(IMPORT, 'from transformers import EarlyStoppingCallback', 'args = TrainingArguments(output_dir="o", eval_strategy="epoch", load_best_model_at_end=True)', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])');
    assert.match(assertOne(mismatch, CODE).message, /save_strategy "steps" differs from eval_strategy "epoch"/);
    assertFixes(mismatch, CODE);
    const steps = py(IMPORT, 'from transformers import EarlyStoppingCallback', 'args = TrainingArguments(output_dir="o", eval_strategy="steps", eval_steps=300, save_steps=500, load_best_model_at_end=True)', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])');
    assert.match(assertOne(steps, CODE).message, /save_steps 500 is not a multiple of eval_steps 300/);
    assert.match(assertFixes(steps, CODE), /save_steps=300/);
  });

  it('handles a Trainer without args (defaults), Seq2SeqTrainer, trl SFTTrainer and local Trainer subclasses', () => {
    const fixed = assertFixes(py('from transformers import Trainer', 'Trainer(model=m, eval_dataset=ev)'), CODE);
    assert.match(fixed, /args=TrainingArguments\(output_dir="tmp_trainer", eval_strategy="epoch"/);
    assert.equal(count(fixed, 'from transformers import TrainingArguments\n'), 1);
    assertOne(py('from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments', 'a = Seq2SeqTrainingArguments(output_dir="o")', 'Seq2SeqTrainer(model=m, args=a, eval_dataset=ev)'), CODE);
    const sft = assertFixes(py('from trl import SFTConfig, SFTTrainer', 'cfg = SFTConfig(output_dir="o")', 'SFTTrainer(model=m, args=cfg, train_dataset=tr, eval_dataset=ev)'), CODE);
    assert.equal(count(sft, 'from transformers import EarlyStoppingCallback'), 1);
    assertOne(py(IMPORT, 'class MyTrainer(Trainer):', '    pass', 'a = TrainingArguments(output_dir="o")', 'MyTrainer(model=m, args=a, eval_dataset=ev)'), CODE);
  });

  it('reports but offers no fix when the TrainingArguments cannot be seen', () => {
    const f = assertOne(py(IMPORT, 'def run(args):', '    Trainer(model=m, args=args, eval_dataset=ev)'), CODE);
    assert.equal(f.fixes.length, 0);
    const g = assertOne(py(IMPORT, 'a = TrainingArguments(**cfg)', 'Trainer(model=m, args=a, eval_dataset=ev)'), CODE);
    assert.equal(g.fixes.length, 0);
  });

  it('stays quiet without an eval dataset and on unknown values', () => {
    assertNone(py(IMPORT, 'Trainer(model=m, args=TrainingArguments(output_dir="o"), train_dataset=tr)'), CODE);
    assertNone(py(IMPORT, 'Trainer(model=m, args=TrainingArguments(output_dir="o"), eval_dataset=None)'), CODE);
    assertNone(py(IMPORT, 'Trainer(model=m, args=TrainingArguments(output_dir="o"), **trainer_kwargs)'), CODE);
    assertNone(py(IMPORT, 'Trainer(model=m, args=TrainingArguments(output_dir="o"), eval_dataset=ev, callbacks=make_callbacks())'), CODE);
    assertNone(py(IMPORT, 't = Trainer(model=m, args=TrainingArguments(output_dir="o"), eval_dataset=ev)', 't.add_callback(cb)'), CODE);
    // callback present, prerequisite values unknown: no claim
    assertNone(
      py(IMPORT, 'from transformers import EarlyStoppingCallback', 'args = TrainingArguments(output_dir="o", eval_strategy=cfg.strategy, save_strategy=cfg.strategy, load_best_model_at_end=cfg.best)', 'Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])'),
      CODE,
    );
    assertNone(py(IMPORT, 'from transformers import EarlyStoppingCallback', 'def go(args):', '    Trainer(model=m, args=args, eval_dataset=ev, callbacks=[EarlyStoppingCallback()])'), CODE);
  });

  it('ignores look-alike local names', () => {
    assertNone(py('import transformers', 'class Trainer:', '    def __init__(self, **k): pass', 'Trainer(model=m, eval_dataset=ev)'), CODE);
    assertNone(py('import transformers', 'def f(transformers):', '    transformers.Trainer(model=m, eval_dataset=ev)'), CODE);
  });

  it('uses transformers.EarlyStoppingCallback when the file imports the module, and adds imports once', () => {
    const fixed = assertFixes(py('import transformers', 'a = transformers.TrainingArguments(output_dir="o")', 'transformers.Trainer(model=m, args=a, eval_dataset=ev)'), CODE);
    assert.match(fixed, /callbacks=\[transformers\.EarlyStoppingCallback\(early_stopping_patience=3\)\]/);
    assert.ok(!fixed.includes('from transformers import'), fixed);
    const existing = assertFixes(py('from transformers import EarlyStoppingCallback', IMPORT, 'a = TrainingArguments(output_dir="o")', 'Trainer(model=m, args=a, eval_dataset=ev, callbacks=[])'), CODE);
    assert.equal(count(existing, 'import EarlyStoppingCallback'), 1);
    assert.match(existing, /callbacks=\[EarlyStoppingCallback\(early_stopping_patience=3\)\]/);
  });

  it('keeps multi-line layouts, tab and two-space indentation, and CRLF', () => {
    const tab = py(
      IMPORT,
      'def main():',
      '\targs = TrainingArguments(',
      '\t\toutput_dir="o",',
      '\t\tnum_train_epochs=5,',
      '\t)',
      '\ttrainer = Trainer(',
      '\t\tmodel=m,',
      '\t\targs=args,',
      '\t\teval_dataset=ev,',
      '\t)',
    );
    const fixedTab = assertFixes(tab, CODE);
    assert.ok(fixedTab.includes('\t\tnum_train_epochs=5,\n\t\teval_strategy="epoch",\n\t\tsave_strategy="epoch",\n\t\tload_best_model_at_end=True,\n\t\tmetric_for_best_model="eval_loss",\n\t)'), fixedTab);
    assert.ok(fixedTab.includes('\t\teval_dataset=ev,\n\t\tcallbacks=[EarlyStoppingCallback(early_stopping_patience=3)],\n\t)'), fixedTab);
    const two = py(IMPORT, 'def main():', '  args = TrainingArguments(', '    output_dir="o"', '  )', '  Trainer(model=m, args=args, eval_dataset=ev)');
    const fixedTwo = assertFixes(two, CODE);
    assert.ok(fixedTwo.includes('    output_dir="o",\n    eval_strategy="epoch",'), fixedTwo);
    const crlf = `${IMPORT}\r\nargs = TrainingArguments(output_dir="o")\r\nTrainer(model=m, args=args, eval_dataset=ev)\r\n`;
    const fixedCrlf = assertFixes(crlf, CODE);
    assert.ok(fixedCrlf.startsWith(`${IMPORT}\r\nfrom transformers import EarlyStoppingCallback\r\n`), fixedCrlf);
  });
});
