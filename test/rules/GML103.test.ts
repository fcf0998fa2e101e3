import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFixes, assertNone, assertOne, count, findings, py, useParser } from '../helpers/analysis';

useParser();

const CODE = 'GML103';

describe('GML103 hf-trainer-fp32', () => {
  it('flags TrainingArguments without fp16/bf16 and adds bf16=True', () => {
    const src = py('from transformers import TrainingArguments', 'args = TrainingArguments(output_dir="out", num_train_epochs=3)');
    const f = assertOne(src, CODE);
    assert.match(f.message, /fp32/);
    assert.match(f.fixes[0].title, /bf16=True.* \(unsafe\)$/);
    assert.equal(f.fixes[0].safety, 'unsafe');
    const fixed = assertFixes(src, CODE);
    assert.equal(fixed, py('from transformers import TrainingArguments', 'args = TrainingArguments(output_dir="out", num_train_epochs=3, bf16=True)'));
    assert.deepEqual(findings(fixed, CODE), []);
  });

  it('flags literal False for both, and turns the preferred one on', () => {
    const src = py('import transformers', 'args = transformers.TrainingArguments("out", fp16=False, bf16=False)');
    assert.match(assertFixes(src, CODE), /fp16=False, bf16=True\)/);
    assert.match(assertFixes(src, CODE, { preferDtype: 'fp16' }), /fp16=True, bf16=False\)/);
    const noneOff = py('import transformers', 'args = transformers.TrainingArguments("out")');
    assert.match(assertFixes(noneOff, CODE, { preferDtype: 'fp16' }), /TrainingArguments\("out", fp16=True\)/);
  });

  it('resolves aliases, Seq2SeqTrainingArguments and the module path', () => {
    assertOne(py('from transformers import Seq2SeqTrainingArguments as S2S', 'a = S2S(output_dir="o", predict_with_generate=True)'), CODE);
    assertOne(py('import transformers as tr', 'a = tr.training_args.TrainingArguments(output_dir="o")'), CODE);
  });

  it('stays quiet when mixed precision is on, or not known to be off', () => {
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments("o", bf16=True)'), CODE);
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments("o", fp16=True, bf16=False)'), CODE);
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments("o", fp16=args.fp16)'), CODE);
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments("o", **config)'), CODE);
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments(*argv)'), CODE);
    assertNone(py('from transformers import TrainingArguments', 'a = TrainingArguments("o")', 'a.bf16 = use_bf16'), CODE);
    const flag = 'USE_BF16 = True';
    assertNone(py('from transformers import TrainingArguments', flag, 'a = TrainingArguments("o", bf16=USE_BF16)'), CODE);
  });

  it('ignores look-alike local classes and files without transformers', () => {
    assertNone(py('import transformers', 'class TrainingArguments:', '    pass', 'a = TrainingArguments("o")'), CODE);
    assertNone(py('import torch', 'a = TrainingArguments("o")'), CODE);
    assertNone(py('import transformers', 'def f(transformers):', '    return transformers.TrainingArguments("o")'), CODE);
  });

  it('keeps one-argument-per-line layout, tab and two-space indentation and CRLF', () => {
    const multi = py('from transformers import TrainingArguments', 'args = TrainingArguments(', '    output_dir="out",', '    learning_rate=2e-5,', ')');
    assert.equal(assertFixes(multi, CODE), py('from transformers import TrainingArguments', 'args = TrainingArguments(', '    output_dir="out",', '    learning_rate=2e-5,', '    bf16=True,', ')'));
    const tabs = 'from transformers import TrainingArguments\ndef make():\n\treturn TrainingArguments(\n\t\toutput_dir="out"\n\t)\n';
    assert.equal(assertFixes(tabs, CODE), 'from transformers import TrainingArguments\ndef make():\n\treturn TrainingArguments(\n\t\toutput_dir="out",\n\t\tbf16=True\n\t)\n');
    const two = 'from transformers import TrainingArguments\nif True:\n  args = TrainingArguments(\n    output_dir="out",\n  )\n';
    assert.equal(assertFixes(two, CODE), 'from transformers import TrainingArguments\nif True:\n  args = TrainingArguments(\n    output_dir="out",\n    bf16=True,\n  )\n');
    const crlf = 'from transformers import TrainingArguments\r\nargs = TrainingArguments(\r\n    output_dir="out",\r\n)\r\n';
    const fixed = assertFixes(crlf, CODE);
    assert.equal(fixed, 'from transformers import TrainingArguments\r\nargs = TrainingArguments(\r\n    output_dir="out",\r\n    bf16=True,\r\n)\r\n');
    assert.equal(count(fixed, 'import'), 1);
  });
});
