// Hugging Face transformers and trl: the Trainer classes, their argument classes, and the
// EarlyStoppingCallback.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { localClassOf, type EarlyStoppingSpec } from './callbacks';

export const HF_PACKAGES = ['transformers', 'trl'];

export const TRAINERS: ReadonlySet<string> = new Set([
  'transformers.Trainer',
  'transformers.trainer.Trainer',
  'transformers.Seq2SeqTrainer',
  'transformers.trainer_seq2seq.Seq2SeqTrainer',
  'trl.SFTTrainer',
  'trl.trainer.SFTTrainer',
  'trl.trainer.sft_trainer.SFTTrainer',
]);

export const TRAINING_ARGUMENTS: ReadonlySet<string> = new Set([
  'transformers.TrainingArguments',
  'transformers.training_args.TrainingArguments',
  'transformers.Seq2SeqTrainingArguments',
  'transformers.training_args_seq2seq.Seq2SeqTrainingArguments',
  'trl.SFTConfig',
  'trl.trainer.SFTConfig',
  'trl.trainer.sft_config.SFTConfig',
]);

/** `transformers.TrainingArguments` itself, for generated code. */
export const PLAIN_TRAINING_ARGUMENTS = ['transformers.TrainingArguments', 'transformers.training_args.TrainingArguments'];

export const EARLY_STOPPING: ReadonlySet<string> = new Set(['transformers.EarlyStoppingCallback', 'transformers.trainer_callback.EarlyStoppingCallback']);

export const HF_CALLBACKS: EarlyStoppingSpec = { names: EARLY_STOPPING, packages: HF_PACKAGES, stopAttribute: 'should_training_stop' };

/** Trainer(model, args, data_collator, train_dataset, eval_dataset, …): positions shared by the trainers above. */
export const TRAINER_ARGS_POSITION = 1;
export const TRAINER_EVAL_DATASET_POSITION = 4;

/** Whether a call constructs one of the classes, directly or through a local subclass. */
function constructs(model: Semantic, call: CallSite, classes: ReadonlySet<string>): boolean {
  const q = call.qualifiedName;
  if (q) return classes.has(q);
  const cls = localClassOf(model, call);
  return !!cls && model.classBases(cls).some((b) => classes.has(b));
}

export function isTrainerCall(model: Semantic, call: CallSite): boolean {
  return constructs(model, call, TRAINERS);
}

export function isTrainingArguments(model: Semantic, call: CallSite): boolean {
  return constructs(model, call, TRAINING_ARGUMENTS);
}
