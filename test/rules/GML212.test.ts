import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

describe('GML212 hf-trainer-no-early-stopping', () => {
  describe('flags', () => {
    it('a Trainer with an eval dataset and no callback, saying evaluation is off', () => {
      expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="imdb_model", num_train_epochs=10)
        trainer = Trainer(
        #         ^^^^^^^ GML212: with eval_strategy "no" it never even evaluates
            model=model,
            args=training_args,
            train_dataset=tokenized_imdb["train"],
            eval_dataset=tokenized_imdb["test"],
        )
        trainer.train()
      `);
    });

    it('a Seq2SeqTrainer', () => {
      expectFindings(`
        from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

        training_args = Seq2SeqTrainingArguments(output_dir="t5_summarizer", predict_with_generate=True)
        trainer = Seq2SeqTrainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #         ^^^^^^^^^^^^^^ GML212
      `);
    });

    it('a local subclass of Trainer', () => {
      expectFindings(`
        from transformers import Trainer, TrainingArguments

        class WeightedLossTrainer(Trainer):
            pass

        training_args = TrainingArguments(output_dir="out")
        trainer = WeightedLossTrainer(model=model, args=training_args, eval_dataset=eval_ds)
        #         ^^^^^^^^^^^^^^^^^^^ GML212
      `);
    });

    it('a sentence-transformers SentenceTransformerTrainer, CrossEncoderTrainer or SparseEncoderTrainer (eval_dataset fourth by position)', () => {
      expectFindings(`
        from sentence_transformers import CrossEncoderTrainer, SentenceTransformerTrainer
        from sentence_transformers.sparse_encoder.trainer import SparseEncoderTrainer
        from sentence_transformers.training_args import SentenceTransformerTrainingArguments

        args = SentenceTransformerTrainingArguments(output_dir="out", num_train_epochs=10, bf16=True)
        trainer = SentenceTransformerTrainer(model, args, train_ds, eval_ds)
        #         ^^^^^^^^^^^^^^^^^^^^^^^^^^ GML212: trains every epoch
        reranker = CrossEncoderTrainer(model=ce, eval_dataset=eval_ds)
        #          ^^^^^^^^^^^^^^^^^^^ GML212
        sparse = SparseEncoderTrainer(model=splade, eval_dataset=eval_ds)
        #        ^^^^^^^^^^^^^^^^^^^^ GML212
      `);
    });

    it('a callback without load_best_model_at_end', () => {
      expectFindings(`
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        #         ^^^^^^^ GML212: load_best_model_at_end is not True
      `);
    });

    it('a callback whose save_strategy differs from eval_strategy', () => {
      expectFindings(`
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        #         ^^^^^^^ GML212: save_strategy "steps" differs from eval_strategy "epoch"
      `);
    });

    it('a callback whose save_steps is not a multiple of eval_steps', () => {
      expectFindings(`
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=300, save_steps=500, load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        #         ^^^^^^^ GML212: save_steps 500 is not a multiple of eval_steps 300
      `);
    });
  });

  describe('reports without a fix', () => {
    it('when the TrainingArguments are a parameter', () => {
      const [finding] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        def run(training_args):
            trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        #             ^^^^^^^ GML212
      `);
      assert.equal(finding.fixes.length, 0);
    });

    it('when the TrainingArguments take **kwargs', () => {
      const [finding] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(**config)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        #         ^^^^^^^ GML212
      `);
      assert.equal(finding.fixes.length, 0);
    });
  });

  describe('counts as early stopping', () => {
    it('EarlyStoppingCallback in the list', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(3)])
      `);
    });

    it('the callback class itself, through a module alias', () => {
      expectNone('GML212', `
        import transformers as hf

        training_args = hf.TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = hf.Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[hf.EarlyStoppingCallback])
      `);
    });

    it('a callback added with trainer.add_callback', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        trainer.add_callback(EarlyStoppingCallback(early_stopping_patience=2))
        trainer.train()
      `);
    });

    it('an aliased import from trainer_callback in a list variable', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments
        from transformers.trainer_callback import EarlyStoppingCallback as ESC

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        callbacks = [ESC()]
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=callbacks)
      `);
    });

    it('a local subclass of EarlyStoppingCallback', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        class PatientStopping(EarlyStoppingCallback):
            pass

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[PatientStopping()])
      `);
    });

    it('with an IntervalStrategy member and save_strategy="best"', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, IntervalStrategy, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy=IntervalStrategy.EPOCH, save_strategy="best", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
      `);
    });
  });

  describe('stays quiet', () => {
    it('without an eval dataset', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=train_ds)
      `);
    });

    it('on eval_dataset=None', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), eval_dataset=None)
      `);
    });

    it('when **kwargs may pass callbacks', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), **trainer_kwargs)
      `);
    });

    it('when the callbacks come from a function call', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), eval_dataset=eval_ds, callbacks=make_callbacks())
      `);
    });

    it('when add_callback adds an unknown callback', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), eval_dataset=eval_ds)
        trainer.add_callback(callback)
      `);
    });

    it('when the callback is there and the prerequisites cannot be read', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy=cfg.strategy, save_strategy=cfg.strategy, load_best_model_at_end=cfg.best)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
      `);
    });

    it('when the callback is there and the TrainingArguments are a parameter', () => {
      expectNone('GML212', `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        def go(training_args):
            trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
      `);
    });

    it('on a SentenceTransformerTrainer with only a train dataset by position, or only an evaluator', () => {
      expectNone('GML212', `
        from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

        args = SentenceTransformerTrainingArguments(output_dir="out", num_train_epochs=10)
        a = SentenceTransformerTrainer(model, args, train_ds)
        b = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_ds, evaluator=dev_evaluator)
      `);
    });

    it('on a local class named Trainer', () => {
      expectNone('GML212', `
        import transformers

        class Trainer:
            def __init__(self, **kwargs):
                pass

        trainer = Trainer(model=model, eval_dataset=eval_ds)
      `);
    });

    it('on a parameter named like the transformers module', () => {
      expectNone('GML212', `
        import transformers

        def build(transformers):
            return transformers.Trainer(model=model, eval_dataset=eval_ds)
      `);
    });
  });

  describe('run length', () => {
    it('reports a run of the default 3 epochs as information, bounding the saving, with patience 1', () => {
      const [finding] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="bert-mrpc", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, train_dataset=encoded["train"], eval_dataset=encoded["validation"])
        #         ^^^^^^^ GML212: trains all 3 epochs
        trainer.train()
      `);
      assert.equal(finding.severity, 'information');
      assert.match(finding.message, /can save at most the last 1\b/);
      assert.match(finding.fixes[0].title, /early_stopping_patience=1\)/);
    });

    it('gives a run of 7 epochs patience 2, and keeps a 10-epoch run a warning with patience 3', () => {
      const [seven] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", num_train_epochs=7, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #         ^^^^^^^ GML212
      `);
      assert.equal(seven.severity, 'information');
      assert.match(seven.fixes[0].title, /early_stopping_patience=2\)/);
      const [ten] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", num_train_epochs=10, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #         ^^^^^^^ GML212
      `);
      assert.equal(ten.severity, 'warning');
      assert.match(ten.fixes[0].title, /early_stopping_patience=3\)/);
    });

    it('leaves a run of one or two epochs alone, read from a literal or through a function parameter to an argparse default', () => {
      expectNone('GML212', `
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", num_train_epochs=2, eval_strategy="epoch")
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        trainer.train()
      `);
      expectNone('GML212', `
        import argparse
        from transformers import Trainer, TrainingArguments

        def finetune(base_model, output_dir, num_epochs, learning_rate):
            training_args = TrainingArguments(output_dir=output_dir, num_train_epochs=num_epochs, learning_rate=learning_rate, bf16=True)
            trainer = Trainer(model=load(base_model), args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
            trainer.train()

        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("--base_model", type=str, default="meta-llama/Llama-2-7b-hf")
            parser.add_argument("--num_epochs", type=int, default=1)
            parser.add_argument("--learning_rate", type=float, default=3e-4)
            args = parser.parse_args()
            finetune(base_model=args.base_model, output_dir="out", num_epochs=args.num_epochs, learning_rate=args.learning_rate)
      `);
    });

    it('reads the num_train_epochs default of a dataclass that HfArgumentParser fills from the command line', () => {
      // huggingface/peft examples/frod_finetuning: a TrainingArguments subclass with a 1-epoch default.
      expectNone('GML212', `
        from dataclasses import dataclass

        from transformers import HfArgumentParser, Trainer, TrainingArguments

        @dataclass
        class MyTrainingArguments(TrainingArguments):
            output_dir: str = "out"
            num_train_epochs: float = 1
            eval_strategy: str = "epoch"

        (training_args,) = HfArgumentParser((MyTrainingArguments,)).parse_args_into_dataclasses()
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        trainer.train()
      `);
      const [five] = expectFindings(`
        from dataclasses import dataclass, field

        from transformers import HfArgumentParser, Trainer, TrainingArguments

        @dataclass
        class DataArguments:
            dataset: str = "glue"

        @dataclass
        class MyTrainingArguments(TrainingArguments):
            num_train_epochs: float = field(default=5, metadata={"help": "epochs"})

        def main():
            parser = HfArgumentParser((DataArguments, MyTrainingArguments))
            data_args, training_args = parser.parse_args_into_dataclasses()
            trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #             ^^^^^^^ GML212: trains all 5 epochs
            trainer.train()
      `);
      assert.equal(five.severity, 'information');
    });

    it('keeps a warning for command-line arguments whose dataclass declares no epochs, a non-literal default or max_steps, or a JSON file', () => {
      for (const [declared, parse] of [
        ['bf16: bool = True', 'parse_args_into_dataclasses()'],
        ['num_train_epochs: float = EPOCHS', 'parse_args_into_dataclasses()'],
        ['num_train_epochs: float = 1\n              max_steps: int = 20000', 'parse_args_into_dataclasses()'],
        ['num_train_epochs = 1', 'parse_args_into_dataclasses()'],
        ['num_train_epochs: float = 1', 'parse_json_file("args.json")'],
      ]) {
        const [finding] = expectFindings(`
          from dataclasses import dataclass

          from transformers import HfArgumentParser, Trainer, TrainingArguments

          @dataclass
          class MyTrainingArguments(TrainingArguments):
              ${declared}

          (training_args,) = HfArgumentParser(MyTrainingArguments).${parse}
          trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
          #         ^^^^^^^ GML212
        `);
        assert.equal(finding.severity, 'warning', declared);
      }
    });

    it('keeps a warning when max_steps overrides the epochs, or the epochs cannot be read', () => {
      const [steps] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", num_train_epochs=1, max_steps=20000)
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #         ^^^^^^^ GML212
      `);
      assert.equal(steps.severity, 'warning');
      const [unknown] = expectFindings(`
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", num_train_epochs=cfg.epochs)
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        #         ^^^^^^^ GML212
      `);
      assert.equal(unknown.severity, 'warning');
    });
  });

  it('the fix is unsafe, and its title says so', () => {
    const [finding] = expectFindings(`
      from transformers import Trainer, TrainingArguments

      training_args = TrainingArguments(output_dir="out", num_train_epochs=10)
      trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
      #         ^^^^^^^ GML212
    `);
    assert.equal(finding.fixes[0].safety, 'unsafe');
    assert.match(finding.fixes[0].title, /\(unsafe\)$/);
  });

  describe('fix', () => {
    it('adds the callback, its import, and every prerequisite', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="imdb_model", num_train_epochs=10)
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        trainer.train()
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        training_args = TrainingArguments(output_dir="imdb_model", num_train_epochs=10, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=3)])
        trainer.train()
        `,
      );
    });

    it('keeps a working eval strategy and matches save_strategy to it', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="steps", save_strategy="epoch")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        training_args = TrainingArguments(output_dir="out", eval_strategy="steps", save_strategy="steps", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('renames the removed evaluation_strategy keyword', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", evaluation_strategy="epoch")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('turns evaluation_strategy="no" into eval_strategy="epoch" and keeps the metric', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", evaluation_strategy="no", metric_for_best_model="f1")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", metric_for_best_model="f1", save_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('with the callback there, adds only the missing arguments', () => {
      expectFix(
        'GML212',
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
      );
    });

    it('adds the save_strategy that matches eval_strategy', () => {
      expectFix(
        'GML212',
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True, save_strategy="epoch", metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
      );
    });

    it('sets save_steps to eval_steps', () => {
      expectFix(
        'GML212',
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=300, save_steps=500, load_best_model_at_end=True)
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
        `
        from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=300, save_steps=300, load_best_model_at_end=True, save_strategy="steps", metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback()])
        `,
      );
    });

    it('gives a Trainer without args TrainingArguments, imported once', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer

        trainer = Trainer(model=model, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, EarlyStoppingCallback, TrainingArguments

        trainer = Trainer(model=model, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)], args=TrainingArguments(output_dir="tmp_trainer", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss"))
        `,
      );
    });

    it('fixes a SentenceTransformerTrainer in its SentenceTransformerTrainingArguments', () => {
      expectFix(
        'GML212',
        `
        from sentence_transformers.trainer import SentenceTransformerTrainer
        from sentence_transformers.training_args import SentenceTransformerTrainingArguments

        args = SentenceTransformerTrainingArguments(
            output_dir="out", num_train_epochs=4, bf16=True, eval_strategy="steps", eval_steps=100,
            save_strategy="steps", save_steps=100, load_best_model_at_end=True,
        )
        trainer = SentenceTransformerTrainer(
            model=model, args=args, train_dataset=train_dataset, eval_dataset=eval_dataset,
            loss=loss,
        )
        `,
        `
        from sentence_transformers.trainer import SentenceTransformerTrainer
        from sentence_transformers.training_args import SentenceTransformerTrainingArguments
        from transformers import EarlyStoppingCallback

        args = SentenceTransformerTrainingArguments(
            output_dir="out", num_train_epochs=4, bf16=True, eval_strategy="steps", eval_steps=100,
            save_strategy="steps", save_steps=100, load_best_model_at_end=True,
            metric_for_best_model="eval_loss",
        )
        trainer = SentenceTransformerTrainer(
            model=model, args=args, train_dataset=train_dataset, eval_dataset=eval_dataset,
            loss=loss,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=1)],
        )
        `,
      );
    });

    it('gives a SentenceTransformerTrainer without args the SentenceTransformerTrainingArguments it requires', () => {
      expectFix(
        'GML212',
        `
        import sentence_transformers

        trainer = sentence_transformers.SentenceTransformerTrainer(model=model, eval_dataset=eval_ds)
        `,
        `
        import sentence_transformers
        from transformers import EarlyStoppingCallback

        trainer = sentence_transformers.SentenceTransformerTrainer(model=model, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)], args=sentence_transformers.SentenceTransformerTrainingArguments(output_dir="tmp_trainer", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss"))
        `,
      );
    });

    it('fixes trl SFTTrainer and its SFTConfig, importing the callback from transformers once', () => {
      expectFix(
        'GML212',
        `
        from trl import SFTConfig, SFTTrainer

        training_args = SFTConfig(output_dir="Qwen2-0.5B-SFT")
        trainer = SFTTrainer(model="Qwen/Qwen2-0.5B", args=training_args, train_dataset=train_ds, eval_dataset=eval_ds)
        `,
        `
        from trl import SFTConfig, SFTTrainer
        from transformers import EarlyStoppingCallback

        training_args = SFTConfig(output_dir="Qwen2-0.5B-SFT", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = SFTTrainer(model="Qwen/Qwen2-0.5B", args=training_args, train_dataset=train_ds, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('writes transformers.EarlyStoppingCallback after import transformers, adding no import', () => {
      expectFix(
        'GML212',
        `
        import transformers

        training_args = transformers.TrainingArguments(output_dir="out")
        trainer = transformers.Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        import transformers

        training_args = transformers.TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = transformers.Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[transformers.EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('uses an imported EarlyStoppingCallback and fills an empty list', () => {
      expectFix(
        'GML212',
        `
        from transformers import EarlyStoppingCallback
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[])
        `,
        `
        from transformers import EarlyStoppingCallback
        from transformers import Trainer, TrainingArguments

        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('keeps multi-line calls one argument per line, with tab indentation', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        def main():
        \ttraining_args = TrainingArguments(
        \t\toutput_dir="out",
        \t\tnum_train_epochs=5,
        \t)
        \ttrainer = Trainer(
        \t\tmodel=model,
        \t\targs=training_args,
        \t\teval_dataset=eval_ds,
        \t)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        def main():
        \ttraining_args = TrainingArguments(
        \t\toutput_dir="out",
        \t\tnum_train_epochs=5,
        \t\teval_strategy="epoch",
        \t\tsave_strategy="epoch",
        \t\tload_best_model_at_end=True,
        \t\tmetric_for_best_model="eval_loss",
        \t)
        \ttrainer = Trainer(
        \t\tmodel=model,
        \t\targs=training_args,
        \t\teval_dataset=eval_ds,
        \t\tcallbacks=[EarlyStoppingCallback(early_stopping_patience=1)],
        \t)
        `,
      );
    });

    it('keeps two-space indentation', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments

        def main():
          training_args = TrainingArguments(
            output_dir="out"
          )
          trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback

        def main():
          training_args = TrainingArguments(
            output_dir="out",
            eval_strategy="epoch",
            save_strategy="epoch",
            load_best_model_at_end=True,
            metric_for_best_model="eval_loss"
          )
          trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
      );
    });

    it('keeps CRLF newlines, in the added import too', () => {
      expectFix(
        'GML212',
        `
        from transformers import Trainer, TrainingArguments
        training_args = TrainingArguments(output_dir="out")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds)
        `,
        `
        from transformers import Trainer, TrainingArguments, EarlyStoppingCallback
        training_args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")
        trainer = Trainer(model=model, args=training_args, eval_dataset=eval_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
        `,
        { eol: '\r\n' },
      );
    });
  });
});
