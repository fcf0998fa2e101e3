import type { CallSite } from '../analysis/model/calls';
import type { Node } from '../analysis/parser';
import { truthiness } from '../analysis/values';
import { nodeRange } from '../fixes/edits';
import { HF_PACKAGES, TRAINING_ARGUMENTS } from '../frameworks/huggingface';
import { defineRule, fact, type FactContext } from './rule';
import { lastName } from '../analysis/qualifiedName';

const FLAGS = ['fp16', 'bf16'] as const;

type FlagState = 'off' | 'on' | 'unknown';

function flagState(call: CallSite, flag: string): FlagState {
  const value = call.valueOf(flag);
  if (value === undefined) return call.hasStarArgs ? 'unknown' : 'off';
  const truth = truthiness(value);
  return truth === undefined ? 'unknown' : truth ? 'on' : 'off';
}

/** The name a `name = TrainingArguments(...)` statement binds, if the call is its whole right side. */
function assignedName(call: CallSite): string | undefined {
  let parent = call.node.parent;
  while (parent && parent.type === 'parenthesized_expression') parent = parent.parent;
  if (!parent || parent.type !== 'assignment') return undefined;
  const left = parent.childForFieldName('left');
  return left?.type === 'identifier' ? left.text : undefined;
}

/** The `<name>.fp16 = …` / `<name>.bf16 = …` assignments (their `<name>.flag` targets). */
function flagAssignments({ model, sites }: FactContext): Node[] {
  const found: Node[] = [];
  for (const flag of FLAGS) {
    for (const id of sites.identifiers(flag)) {
      const left = model.parentOf(id);
      if (left?.type !== 'attribute' || left.childForFieldName('attribute')?.id !== id.id) continue;
      const statement = model.parentOf(left);
      if (statement?.type !== 'assignment' && statement?.type !== 'augmented_assignment') continue;
      if (statement.childForFieldName('left')?.id !== left.id) continue;
      if (left.childForFieldName('object')?.type === 'identifier') found.push(left);
    }
  }
  return found.sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * ## What it flags
 *
 * `transformers.TrainingArguments(...)` or `Seq2SeqTrainingArguments(...)` — also trl's `SFTConfig`
 * and sentence-transformers' `SentenceTransformerTrainingArguments`, `CrossEncoderTrainingArguments`
 * and `SparseEncoderTrainingArguments`, subclasses of it (any import spelling or alias) — that
 * leaves both `fp16` and `bf16` off: absent, or literal `False`. The Trainer then runs every forward
 * and backward pass in fp32.
 *
 * Nothing is reported when either flag is on, or not known to be off: a non-literal value
 * (`bf16=args.bf16`), `**kwargs` or `*args` in the call, or a later `training_args.bf16 = …`
 * assignment.
 *
 * ## Why
 *
 * The Transformers performance guide recommends `bf16=True` on Ampere-or-newer GPUs (A100, H100,
 * RTX 30xx+) and `fp16=True` on older ones (V100, T4): mixed precision runs the matmuls of the
 * transformer on Tensor Cores, whose 16-bit peak is 16× the fp32 one on an A100, and halves the
 * memory of activations. Fine-tuning runs typically finish 1.5–3× sooner, and a run's energy falls
 * with its duration.
 *
 * ## Example
 *
 * ```python
 * from transformers import TrainingArguments
 *
 * args = TrainingArguments(
 *     output_dir="out",
 *     num_train_epochs=3,
 *     per_device_train_batch_size=16,
 * )
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from transformers import TrainingArguments
 *
 * args = TrainingArguments(
 *     output_dir="out",
 *     num_train_epochs=3,
 *     per_device_train_batch_size=16,
 *     bf16=True,
 * )
 * ```
 *
 * With `prefer-dtype = "fp16"` the fix adds `fp16=True` instead; a literal `False` for the chosen
 * flag is turned into `True`.
 *
 * ## Fix safety
 *
 * Unsafe. `bf16=True` needs hardware with bf16 support (Ampere-or-newer GPU, TPU, or a CPU with bf16
 * when training on the CPU); `fp16=True` needs a CUDA GPU (or another accelerator that supports it),
 * and Transformers refuses to start when the hardware does not support the chosen mode. Numerics
 * change slightly; most fine-tuning reaches the same accuracy.
 *
 * ## References
 *
 * - Hugging Face Transformers, *Mixed precision training*: https://huggingface.co/docs/transformers/en/mixed_precision_training
 * - Hugging Face Transformers, `TrainingArguments` (`fp16`, `bf16`): https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments
 * - NVIDIA A100 Tensor Core GPU datasheet (FP32 19.5 TFLOPS, FP16/BF16 Tensor Core 312 TFLOPS dense)
 * - PyTorch blog, *What Every User Should Know About Mixed Precision Training in PyTorch* (2022): https://pytorch.org/blog/what-every-user-should-know-about-mixed-precision-training-in-pytorch/
 */
export const hfTrainerFp32 = defineRule({
  code: 'GML103',
  name: 'hf-trainer-fp32',
  summary: '`TrainingArguments(...)` without `bf16=True` or `fp16=True`: the Trainer trains in fp32.',
  defaultSeverity: 'warning',
  frameworks: HF_PACKAGES,
  fixSafety: 'unsafe',
  facts: { flagAssignments: fact.nodes(flagAssignments) },
  check({ sites, facts, edits, options, report }) {
    for (const call of sites.callsTo(TRAINING_ARGUMENTS)) {
      if (!call.argumentList) continue;
      const states = FLAGS.map((f) => flagState(call, f));
      if (states.some((s) => s !== 'off')) continue;
      // Set later by attribute assignment (`args.bf16 = …`): unknown.
      const name = assignedName(call);
      if (name && facts.flagAssignments.some((target) => target.childForFieldName('object')?.text === name)) continue;
      const flag = options.preferDtype === 'fp16' ? 'fp16' : 'bf16';
      const explicitOff = FLAGS.filter((f) => call.keywords.has(f));
      const className = lastName(call.qualifiedName!);
      const hardware = flag === 'bf16' ? 'needs an Ampere-or-newer GPU, a TPU or a bf16-capable CPU' : 'needs a CUDA GPU';
      report({
        range: explicitOff.length ? nodeRange(call.keywords.get(explicitOff[0])!.node) : nodeRange(call.callee),
        message:
          `\`${className}\` ${explicitOff.length ? `sets ${explicitOff.map((f) => `${f}=False`).join(' and ')}` : 'sets neither `bf16` nor `fp16`'}, ` +
          'so the Trainer runs every forward and backward pass in fp32: bf16/fp16 mixed precision uses the GPU\'s ' +
          'Tensor Cores (16× the fp32 matmul peak on an A100) and typically cuts step time, and energy, by 1.5–3×.',
        fixes: [{ title: `Train in ${flag} mixed precision: set ${flag}=True (${hardware})`, edits: [edits.setKeywordArgument(call, flag, 'True')] }],
      });
    }
  },
});
