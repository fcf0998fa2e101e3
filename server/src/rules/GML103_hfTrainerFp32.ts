// GML103 hf-trainer-fp32: `transformers.TrainingArguments(...)` (or `Seq2SeqTrainingArguments`) that
// leaves both `fp16` and `bf16` off, so the Trainer runs every step in fp32. A value that is not a
// literal (`bf16=args.bf16`), `**kwargs`, or a later `args.bf16 = …` is unknown: no warning.
// The fix (unsafe: needs hardware support, changes numerics) turns the preferred one on.
import type { CallSite, SemanticModel } from '../analysis/semantic';
import { truthiness } from '../analysis/values';
import { nodeRange, setKeywordArgument } from '../fixes/edits';
import type { Rule } from './rule';

const TRAINING_ARGUMENTS = [
  'transformers.TrainingArguments',
  'transformers.training_args.TrainingArguments',
  'transformers.Seq2SeqTrainingArguments',
  'transformers.training_args_seq2seq.Seq2SeqTrainingArguments',
];

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

/** Whether the file sets `<name>.fp16` / `<name>.bf16` by attribute assignment (`args.bf16 = True`). */
function flagSetLater(model: SemanticModel, name: string): boolean {
  // A file-wide fact, kept per segment (see SemanticModel.someSegment).
  return model.someSegment(`GML103 flags set on ${name}`, (m) => flagAssignments(m).has(name));
}

/** The names whose `.fp16` / `.bf16` the anchors set by attribute assignment (one scan per model and anchors). */
function flagAssignments(model: SemanticModel): Set<string> {
  const anchors = model.anchorRanges?.map((r) => `${r.start}-${r.end}`).join(',') ?? 'all';
  return model.remember(`GML103 flag assignments ${anchors}`, () => {
    const found = new Set<string>();
    for (const flag of FLAGS) {
      for (const id of model.anchorIdentifiers(flag)) {
        const left = model.parentOf(id);
        if (left?.type !== 'attribute' || left.childForFieldName('attribute')?.id !== id.id) continue;
        const statement = model.parentOf(left);
        if (statement?.type !== 'assignment' && statement?.type !== 'augmented_assignment') continue;
        if (statement.childForFieldName('left')?.id !== left.id) continue;
        const object = left.childForFieldName('object');
        if (object?.type === 'identifier') found.add(object.text);
      }
    }
    return found;
  });
}

export const hfTrainerFp32: Rule = {
  code: 'GML103',
  name: 'hf-trainer-fp32',
  summary: '`TrainingArguments(...)` without `bf16=True` or `fp16=True`: the Trainer trains in fp32.',
  defaultSeverity: 'warning',
  requires: ['transformers'],
  fixSafety: 'unsafe',
  check({ model, source, options, report }) {
    for (const call of model.anchorCallsTo(TRAINING_ARGUMENTS)) {
      if (!call.argumentList) continue;
      const states = FLAGS.map((f) => flagState(call, f));
      if (states.some((s) => s !== 'off')) continue;
      const name = assignedName(call);
      if (name && flagSetLater(model, name)) continue;
      const flag = options.preferDtype === 'fp16' ? 'fp16' : 'bf16';
      const explicitOff = FLAGS.filter((f) => call.keywords.has(f));
      const className = call.qualifiedName!.slice(call.qualifiedName!.lastIndexOf('.') + 1);
      const hardware = flag === 'bf16' ? 'needs an Ampere-or-newer GPU, a TPU or a bf16-capable CPU' : 'needs a CUDA GPU';
      report({
        range: explicitOff.length ? nodeRange(call.keywords.get(explicitOff[0])!.node) : nodeRange(call.callee),
        message:
          `\`${className}\` ${explicitOff.length ? `sets ${explicitOff.map((f) => `${f}=False`).join(' and ')}` : 'sets neither `bf16` nor `fp16`'}, ` +
          'so the Trainer runs every forward and backward pass in fp32: bf16/fp16 mixed precision uses the GPU\'s ' +
          'Tensor Cores (16× the fp32 matmul peak on an A100) and typically cuts step time, and energy, by 1.5–3×.',
        fixes: [
          {
            title: `Train in ${flag} mixed precision: set ${flag}=True (${hardware}) (unsafe)`,
            safety: 'unsafe',
            edits: [setKeywordArgument(call, source, flag, 'True')],
          },
        ],
      });
    }
  },
};
