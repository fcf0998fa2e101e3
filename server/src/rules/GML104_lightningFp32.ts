// GML104 lightning-fp32: a Lightning `Trainer(...)` (or `Fabric(...)`) that trains in 32- or 64-bit
// precision: `precision` absent, None (both mean "32-true") or a literal 32/64 value. Any 16-bit,
// bf16 or transformer-engine value is fine; a non-literal value, `**kwargs` or a `plugins=` list
// (which may carry a precision plugin) is unknown: no warning. The fix sets `precision="bf16-mixed"`
// (or `"16-mixed"`), unsafe because it changes numerics and needs hardware support.
import type { CallSite } from '../analysis/semantic';
import { nodeRange, setKeywordArgument } from '../fixes/edits';
import type { Rule } from './rule';

const TRAINERS = [
  'lightning.Trainer',
  'lightning.pytorch.Trainer',
  'lightning.pytorch.trainer.Trainer',
  'lightning.pytorch.trainer.trainer.Trainer',
  'pytorch_lightning.Trainer',
  'pytorch_lightning.trainer.Trainer',
  'pytorch_lightning.trainer.trainer.Trainer',
];

const FABRICS = ['lightning.Fabric', 'lightning.fabric.Fabric', 'lightning.fabric.fabric.Fabric', 'lightning_fabric.Fabric', 'lightning_fabric.fabric.Fabric'];

/** Literal precision values that mean full (32/64-bit) precision. */
const FULL_PRECISION = new Set(['32', '32-true', '64', '64-true']);

type Precision = { kind: 'full'; shown: string } | { kind: 'reduced' } | { kind: 'unknown' };

function precisionOf(call: CallSite): Precision {
  const value = call.valueOf('precision');
  if (value === undefined || value.kind === 'none') {
    if (call.hasStarArgs || call.presence('plugins') !== 'absent') return { kind: 'unknown' };
    return { kind: 'full', shown: value ? 'precision=None' : 'no precision' };
  }
  if (value.kind === 'number' || value.kind === 'string') {
    const text = String(value.value);
    if (FULL_PRECISION.has(text)) return { kind: 'full', shown: `precision=${call.keywords.get('precision')!.value.text}` };
    return { kind: 'reduced' };
  }
  return { kind: 'unknown' };
}

export const lightningFp32: Rule = {
  code: 'GML104',
  name: 'lightning-fp32',
  summary: 'Lightning `Trainer`/`Fabric` with no precision or a 32/64-bit precision: trains in full precision.',
  defaultSeverity: 'warning',
  requires: ['lightning', 'pytorch_lightning', 'lightning_fabric'],
  fixSafety: 'unsafe',
  check({ model, source, options, report }) {
    const value = options.preferDtype === 'fp16' ? '16-mixed' : 'bf16-mixed';
    for (const call of model.anchorCallsTo([...TRAINERS, ...FABRICS])) {
      if (!call.argumentList) continue;
      const precision = precisionOf(call);
      if (precision.kind !== 'full') continue;
      const kind = FABRICS.includes(call.qualifiedName!) ? 'Fabric' : 'Trainer';
      const given = call.keywords.get('precision');
      report({
        range: nodeRange(given ? given.node : call.callee),
        message:
          `Lightning \`${kind}\` with ${precision.shown} trains in ${precision.shown.includes('64') ? 'fp64' : 'fp32'} ` +
          '(Lightning\'s default is "32-true"): "bf16-mixed" runs matmuls and convolutions on Tensor Cores ' +
          '(16× the fp32 peak on an A100) and typically cuts step time, and energy, by 1.5–3×.',
        fixes: [
          {
            title: `Train in mixed precision: set precision="${value}" (unsafe)`,
            safety: 'unsafe',
            edits: [setKeywordArgument(call, source, 'precision', JSON.stringify(value))],
          },
        ],
      });
    }
  },
};
