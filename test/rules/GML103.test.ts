import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML103 hf-trainer-fp32', () => {
  it('flags TrainingArguments that set neither fp16 nor bf16, on the class name', () => {
    expectFindings(`
      from transformers import TrainingArguments
      args = TrainingArguments(output_dir="out", num_train_epochs=3)
      #      ^^^^^^^^^^^^^^^^^ GML103: runs every forward and backward pass in fp32
    `);
  });

  it('flags fp16=False and bf16=False on the first of them', () => {
    expectFindings(`
      import transformers
      args = transformers.TrainingArguments("out", fp16=False, bf16=False)
      #                                            ^^^^^^^^^^ GML103: sets fp16=False and bf16=False
    `);
  });

  it('the fix is unsafe and its title says bf16=True', () => {
    const [finding] = expectFindings(`
      from transformers import TrainingArguments
      args = TrainingArguments(output_dir="out", num_train_epochs=3)
      #      ^^^^^^^^^^^^^^^^^ GML103
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /bf16=True.* \(unsafe\)$/);
  });

  it('flags sentence-transformers SentenceTransformerTrainingArguments and CrossEncoderTrainingArguments', () => {
    expectFindings(`
      from sentence_transformers import SentenceTransformerTrainingArguments
      from sentence_transformers.cross_encoder import CrossEncoderTrainingArguments
      args = SentenceTransformerTrainingArguments(output_dir="out", num_train_epochs=1)
      #      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML103: sets neither
      ce_args = CrossEncoderTrainingArguments(output_dir="ce", fp16=False)
      #                                                        ^^^^^^^^^^ GML103
    `);
  });

  it('flags Seq2SeqTrainingArguments imported under another name', () => {
    expectFindings(`
      from transformers import Seq2SeqTrainingArguments as S2S
      a = S2S(output_dir="o", predict_with_generate=True)
      #   ^^^ GML103
    `);
  });

  it('flags TrainingArguments reached through its module path', () => {
    expectFindings(`
      import transformers as tr
      a = tr.training_args.TrainingArguments(output_dir="o")
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML103
    `);
  });

  // ---- mixed precision on, or not known to be off -----------------------------------------------

  it('leaves bf16=True alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments("o", bf16=True)
    `);
  });

  it('leaves fp16=True alone, whatever bf16 says', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments("o", fp16=True, bf16=False)
    `);
  });

  it('leaves a flag read from the arguments alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments("o", fp16=args.fp16)
    `);
  });

  it('leaves **config alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments("o", **config)
    `);
  });

  it('leaves *argv alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments(*argv)
    `);
  });

  it('leaves arguments whose bf16 is set afterwards alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      a = TrainingArguments("o")
      a.bf16 = use_bf16
    `);
  });

  it('leaves bf16 set from a module constant alone', () => {
    expectNone('GML103', `
      from transformers import TrainingArguments
      USE_BF16 = True
      a = TrainingArguments("o", bf16=USE_BF16)
    `);
  });

  // ---- what it ignores --------------------------------------------------------------------------

  it('ignores a local class named TrainingArguments', () => {
    expectNone('GML103', `
      import transformers
      class TrainingArguments:
          pass
      a = TrainingArguments("o")
    `);
  });

  it('ignores a file that does not import transformers', () => {
    expectNone('GML103', `
      import torch
      a = TrainingArguments("o")
    `);
  });

  it('ignores a parameter that shadows transformers', () => {
    expectNone('GML103', `
      import transformers
      def f(transformers):
          return transformers.TrainingArguments("o")
    `);
  });

  // ---- fixes ------------------------------------------------------------------------------------

  it('fix: adds bf16=True', () => {
    expectFix(
      'GML103',
      `
      from transformers import TrainingArguments
      args = TrainingArguments(output_dir="out", num_train_epochs=3)
      `,
      `
      from transformers import TrainingArguments
      args = TrainingArguments(output_dir="out", num_train_epochs=3, bf16=True)
      `,
    );
  });

  it('fix: turns bf16=False on when both are off', () => {
    expectFix(
      'GML103',
      `
      import transformers
      args = transformers.TrainingArguments("out", fp16=False, bf16=False)
      `,
      `
      import transformers
      args = transformers.TrainingArguments("out", fp16=False, bf16=True)
      `,
    );
  });

  it('fix: turns fp16=False on when fp16 is preferred', () => {
    expectFix(
      'GML103',
      `
      import transformers
      args = transformers.TrainingArguments("out", fp16=False, bf16=False)
      `,
      `
      import transformers
      args = transformers.TrainingArguments("out", fp16=True, bf16=False)
      `,
      { settings: { preferDtype: 'fp16' } },
    );
  });

  it('fix: adds fp16=True when fp16 is preferred', () => {
    expectFix(
      'GML103',
      `
      import transformers
      args = transformers.TrainingArguments("out")
      `,
      `
      import transformers
      args = transformers.TrainingArguments("out", fp16=True)
      `,
      { settings: { preferDtype: 'fp16' } },
    );
  });

  it('fix: keeps one argument per line, with the trailing comma', () => {
    expectFix(
      'GML103',
      `
      from transformers import TrainingArguments
      args = TrainingArguments(
          output_dir="out",
          learning_rate=2e-5,
      )
      `,
      `
      from transformers import TrainingArguments
      args = TrainingArguments(
          output_dir="out",
          learning_rate=2e-5,
          bf16=True,
      )
      `,
    );
  });

  it('fix: keeps tab indentation, without a trailing comma', () => {
    expectFix(
      'GML103',
      `
      from transformers import TrainingArguments
      def make():
      \treturn TrainingArguments(
      \t\toutput_dir="out"
      \t)
      `,
      `
      from transformers import TrainingArguments
      def make():
      \treturn TrainingArguments(
      \t\toutput_dir="out",
      \t\tbf16=True
      \t)
      `,
    );
  });

  it('fix: keeps two-space indentation', () => {
    expectFix(
      'GML103',
      `
      from transformers import TrainingArguments
      if True:
        args = TrainingArguments(
          output_dir="out",
        )
      `,
      `
      from transformers import TrainingArguments
      if True:
        args = TrainingArguments(
          output_dir="out",
          bf16=True,
        )
      `,
    );
  });

  it('fix: keeps CRLF newlines and adds no import', () => {
    expectFix(
      'GML103',
      `
      from transformers import TrainingArguments
      args = TrainingArguments(
          output_dir="out",
      )
      `,
      `
      from transformers import TrainingArguments
      args = TrainingArguments(
          output_dir="out",
          bf16=True,
      )
      `,
      { eol: '\r\n' },
    );
  });
});
