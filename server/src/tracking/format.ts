// Number formatting shared by the CLI live line (the status bar has its own copy in the client, which
// must not import server code).
import type { RunStatus } from '../common/trackingProtocol';

export function fmtPower(w: number): string {
  return w >= 100 ? `${Math.round(w)} W` : w >= 10 ? `${w.toFixed(1)} W` : `${w.toFixed(2)} W`;
}

export function fmtEnergy(kwh: number): string {
  const wh = kwh * 1000;
  if (wh >= 1000) return `${(wh / 1000).toFixed(2)} kWh`;
  if (wh >= 10) return `${Math.round(wh)} Wh`;
  if (wh >= 0.1) return `${wh.toFixed(1)} Wh`;
  return `${wh.toFixed(3)} Wh`;
}

export function fmtCo2(kg: number): string {
  const g = kg * 1000;
  if (g >= 1000) return `${(g / 1000).toFixed(2)} kg CO₂e`;
  if (g >= 10) return `${Math.round(g)} g CO₂e`;
  if (g >= 0.1) return `${g.toFixed(1)} g CO₂e`;
  return `${g.toFixed(3)} g CO₂e`;
}

export function fmtDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function formatLiveLine(s: RunStatus, final = false): string {
  const kinds = [s.components.cpu.kind === 'measured' ? 'CPU measured' : 'CPU estimated'];
  if (s.components.gpu.kind === 'measured') kinds.push('GPU measured');
  if (s.intensity.kind === 'assumed') kinds.push('intensity assumed');
  const head = final ? 'greenml: done' : 'greenml:';
  const power = final ? `${fmtPower(s.durationS > 0 ? (s.energyKwh * 3.6e6) / s.durationS : 0)} avg` : fmtPower(s.powerW);
  return `${head} ${power} · ${fmtEnergy(s.energyKwh)} · ${fmtCo2(s.emissionsKg)} · ${fmtDuration(s.durationS)} (${kinds.join(', ')})`;
}
