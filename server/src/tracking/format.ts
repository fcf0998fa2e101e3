// The CLI's live and final lines, in the status bar's units (common/units.ts): a 0.4 mg run reads
// `0.4 mg CO₂e`, not `0.000 g CO₂e`.
import type { RunStatus } from '../common/trackingProtocol';
import { fmtClock, fmtCo2, fmtEnergy, fmtPower } from '../common/units';

/** What the figures rest on, in a few words: `CPU estimated, intensity assumed`. */
export function provenance(s: RunStatus): string {
  const kinds = [s.components.cpu.kind === 'measured' ? 'CPU measured' : 'CPU estimated'];
  if (s.components.gpu.kind === 'measured') kinds.push('GPU measured');
  if (s.intensity.kind === 'assumed') kinds.push('intensity assumed');
  return kinds.join(', ');
}

export function formatLiveLine(s: RunStatus, final = false): string {
  const head = final ? 'greenml: done' : 'greenml:';
  const power = final ? `${fmtPower(s.durationS > 0 ? (s.energyKwh * 3.6e6) / s.durationS : 0)} avg` : fmtPower(s.powerW);
  return `${head} ${power} · ${fmtEnergy(s.energyKwh)} · ${fmtCo2(s.emissionsKg)} · ${fmtClock(s.durationS)} (${provenance(s)})`;
}
