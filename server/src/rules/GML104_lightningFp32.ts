import type { CallSite } from '../analysis/model/calls';
import { nodeRange } from '../fixes/edits';
import { FABRICS, LIGHTNING_PACKAGES, TRAINERS } from '../frameworks/lightning';
import { defineRule } from './rule';

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

export const lightningFp32 = defineRule({
  code: 'GML104',
  name: 'lightning-fp32',
  summary: 'Lightning `Trainer`/`Fabric` with no precision or a 32/64-bit precision: trains in full precision.',
  defaultSeverity: 'warning',
  frameworks: [...LIGHTNING_PACKAGES, 'lightning_fabric'],
  fixSafety: 'unsafe',
  check({ sites, edits, options, report }) {
    const value = options.preferDtype === 'fp16' ? '16-mixed' : 'bf16-mixed';
    for (const call of sites.callsTo([...TRAINERS, ...FABRICS])) {
      if (!call.argumentList) continue;
      const precision = precisionOf(call);
      if (precision.kind !== 'full') continue;
      const kind = FABRICS.has(call.qualifiedName!) ? 'Fabric' : 'Trainer';
      const given = call.keywords.get('precision');
      report({
        range: nodeRange(given ? given.node : call.callee),
        message:
          `Lightning \`${kind}\` with ${precision.shown} trains in ${precision.shown.includes('64') ? 'fp64' : 'fp32'} ` +
          '(Lightning\'s default is "32-true"): "bf16-mixed" runs matmuls and convolutions on Tensor Cores ' +
          '(16× the fp32 peak on an A100) and typically cuts step time, and energy, by 1.5–3×.',
        fixes: [{ title: `Train in mixed precision: set precision="${value}"`, edits: [edits.setKeywordArgument(call, 'precision', JSON.stringify(value))] }],
      });
    }
  },
});
