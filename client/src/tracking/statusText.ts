// Status bar text and tooltip for the tracking item, as pure functions of the server's status
// (no vscode import, so it is unit-tested directly). Running: `$(pulse) 142 W · 38 Wh · 12 g CO₂e`
// (several runs: summed, with a count); idle: `$(leaf) Green ML`.
import type { ComponentStatus, RunStatus, TrackingStatus } from '../../../server/src/common/trackingProtocol';

export const IDLE_TEXT = '$(leaf) Green ML';

export function fmtPower(w: number): string {
  if (!Number.isFinite(w) || w < 0) return '0 W';
  return w >= 100 ? `${Math.round(w)} W` : `${w.toFixed(1)} W`;
}

export function fmtEnergy(kwh: number): string {
  const wh = kwh * 1000;
  if (wh >= 1000) return `${(wh / 1000).toFixed(2)} kWh`;
  if (wh >= 10) return `${Math.round(wh)} Wh`;
  if (wh >= 1) return `${wh.toFixed(1)} Wh`;
  // Short runs: milliwatt-hours, so a few seconds of work does not read as zero.
  const mwh = wh * 1000;
  return mwh >= 10 ? `${Math.round(mwh)} mWh` : `${mwh.toFixed(1)} mWh`;
}

export function fmtCo2(kg: number): string {
  const g = kg * 1000;
  if (g >= 1000) return `${(g / 1000).toFixed(2)} kg CO₂e`;
  if (g >= 10) return `${Math.round(g)} g CO₂e`;
  if (g >= 1) return `${g.toFixed(1)} g CO₂e`;
  const mg = g * 1000;
  return mg >= 10 ? `${Math.round(mg)} mg CO₂e` : `${mg.toFixed(1)} mg CO₂e`;
}

export function statusBarText(s: TrackingStatus | undefined): string {
  if (!s || s.runs.length === 0) return IDLE_TEXT;
  const t = s.totals;
  const count = s.runs.length > 1 ? ` (${s.runs.length} runs)` : '';
  return `$(pulse) ${fmtPower(t.powerW)} · ${fmtEnergy(t.energyKwh)} · ${fmtCo2(t.emissionsKg)}${count}`;
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

function componentRow(name: string, c: ComponentStatus): string {
  return `| ${name} | ${fmtPower(c.powerW)} | ${fmtEnergy(c.energyKwh)} | ${fmtEnergy(c.machineEnergyKwh)} | ${escapeMd(c.method)} |`;
}

function runSection(r: RunStatus): string[] {
  const i = r.intensity;
  const out = [
    `**${escapeMd(r.label)}** — ${r.origin}${r.pid ? `, pid ${r.pid}` : ''}, ${Math.round(r.durationS)} s`,
    '',
    `${fmtPower(r.powerW)} now · ${fmtEnergy(r.energyKwh)} · ${fmtCo2(r.emissionsKg)}`,
    '',
    '| | now | this run | machine | method |',
    '|---|---|---|---|---|',
    componentRow('CPU', r.components.cpu),
    componentRow('GPU', r.components.gpu),
    componentRow('RAM', r.components.ram),
    '',
    `Intensity: ${i.gPerKwh} gCO₂e/kWh — ${escapeMd(i.source)}${i.year ? ` (${i.year})` : ''}${i.kind === 'assumed' ? ' — **assumed**' : ''} · PUE ${i.pue}`,
  ];
  const idle = r.components.cpu.idleEnergyKwh + r.components.gpu.idleEnergyKwh;
  if (idle > 0) out.push('', `Idle baseline over the run (not included): ${fmtEnergy(idle)}`);
  for (const n of r.notes.slice(0, 4)) out.push('', `⚠ ${escapeMd(n)}`);
  return out;
}

/** Markdown tooltip: per run, each component's figure and method, the intensity source and year, PUE. */
export function statusBarTooltip(s: TrackingStatus | undefined): string {
  const lines: string[] = ['**Green ML — emissions tracking**', ''];
  if (!s || s.runs.length === 0) {
    lines.push('No tracked run. Use **Green ML: Run with emissions tracking**, or `greenml run -- python train.py` in a terminal.');
  } else {
    if (s.runs.length > 1) lines.push(`${s.runs.length} runs, summed: ${fmtPower(s.totals.powerW)} · ${fmtEnergy(s.totals.energyKwh)} · ${fmtCo2(s.totals.emissionsKg)}`, '');
    s.runs.forEach((r, k) => {
      if (k > 0) lines.push('', '---', '');
      lines.push(...runSection(r));
    });
  }
  if (s && s.codecarbon.length > 0) {
    lines.push('', '---', '', 'CodeCarbon emissions.csv (last row, not summed):');
    for (const c of s.codecarbon.slice(0, 3)) {
      lines.push(`- ${escapeMd(c.projectName || c.file)}: ${fmtEnergy(c.energyKwh)} · ${fmtCo2(c.emissionsKg)} (${c.timestamp})`);
    }
  }
  if (s?.needsRegion) lines.push('', 'Carbon intensity is **assumed** (world average 475 g/kWh): set `greenml.carbon.region`.');
  lines.push('', 'measured = hardware counters (RAPL, nvidia-smi, hwmon) · estimated = TDP × CPU time · assumed = default value');
  return lines.join('\n');
}

/** The end-of-run notification text. */
export function runEndedMessage(p: { label: string; durationS: number; energyKwh: number; emissionsKg: number; exitCode: number | null; intensity: { kind: string } }): string {
  const code = p.exitCode === null ? '' : p.exitCode === 0 ? '' : ` (exit code ${p.exitCode})`;
  const assumed = p.intensity.kind === 'assumed' ? ' — intensity assumed, set greenml.carbon.region' : '';
  return `Green ML: ${p.label} finished${code} in ${Math.round(p.durationS)} s — ${fmtEnergy(p.energyKwh)}, ${fmtCo2(p.emissionsKg)}${assumed}`;
}
