// Status bar text and tooltip for the tracking item, as pure functions of the server's status
// (no vscode import, so it is unit-tested directly). Running: `$(pulse) 142 W · 38 Wh · 12 g CO₂e`
// (several runs: summed, with a count); waiting for a carbon-aware start: `$(watch) train.py in 1:02:03`;
// idle: `$(zap) Green ML`. Each fact appears once in the tooltip.
import type { ComponentStatus, ForecastStatus, IntensityStatus, RunStatus, RunSummary, ScheduledRun, TrackingStatus } from '../../../server/src/common/trackingProtocol';
import { fmtClock, fmtCo2, fmtDuration, fmtEnergy, fmtExit, fmtPower } from '../../../server/src/common/units';

export { fmtCo2, fmtEnergy, fmtPower };

export const IDLE_TEXT = '$(zap) Green ML';
/** Commands the tooltip links to (the MarkdownString must trust exactly these). */
export const TOOLTIP_COMMANDS = ['greenml.setCarbonRegion', 'greenml.runAtCleanestTime', 'greenml.showRuns', 'greenml.runWithTracking', 'greenml.cancelScheduledRun', 'greenml.startScheduledRunNow'];

const ORIGIN: Record<string, string> = { command: 'Run with emissions tracking', terminal: 'greenml run', discovered: 'found running', codecarbon: 'CodeCarbon' };

export function baseName(p: string): string {
  const s = p.split(/[\\/]/).pop() ?? p;
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

export function statusBarText(s: TrackingStatus | undefined, now = Date.now()): string {
  if (s && s.runs.length > 0) {
    const t = s.totals;
    const count = s.runs.length > 1 ? ` (${s.runs.length} runs)` : '';
    return `$(pulse) ${fmtPower(t.powerW)} · ${fmtEnergy(t.energyKwh)} · ${fmtCo2(t.emissionsKg)}${count}`;
  }
  const next = nextScheduled(s);
  if (next) return `$(watch) ${baseName(next.label)} in ${fmtClock((Date.parse(next.startAt) - now) / 1000)}`;
  return IDLE_TEXT;
}

export function nextScheduled(s: TrackingStatus | undefined): ScheduledRun | undefined {
  return [...(s?.scheduled ?? [])].sort((a, b) => (a.startAt < b.startAt ? -1 : 1))[0];
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** Keeps a figure on one line in a narrow hover. */
const nb = (s: string) => s.replace(/ /g, '\u00a0');

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function componentRow(name: string, c: ComponentStatus): string {
  if (c.kind === 'none') return `| ${name} | — | — | ${escapeMd(c.method.replace(/^none:\s*/, ''))} |`;
  return `| ${name} | ${nb(fmtPower(c.powerW))} | ${nb(fmtEnergy(c.energyKwh))} | ${escapeMd(c.method)} |`;
}

function runSection(r: RunStatus): string[] {
  const who = [ORIGIN[r.origin] ?? r.origin, r.pid ? `pid ${r.pid}` : ''].filter(Boolean).join(', ');
  const out = [
    `**${escapeMd(baseName(r.label))}** · ${fmtClock(r.durationS)} · ${who}`,
    '',
    '| | now | this run | how it is obtained |',
    '|:--|--:|--:|:--|',
    componentRow('CPU', r.components.cpu),
    componentRow('GPU', r.components.gpu),
    componentRow('RAM', r.components.ram),
    `| **Total** | **${nb(fmtPower(r.powerW))}** | **${nb(fmtEnergy(r.energyKwh))}** | **${nb(fmtCo2(r.emissionsKg))}** |`,
  ];
  const background = r.components.cpu.idleEnergyKwh + r.components.gpu.idleEnergyKwh;
  if (background > 0) out.push('', `Other programs' load over the run (browser, editor…; measured before it started, not counted): ${nb(fmtEnergy(background))}`);
  for (const n of [...new Set(r.notes)].slice(0, 3)) out.push('', `$(warning) ${escapeMd(n)}`);
  return out;
}

/** One line: the value, its source (with its year when the source does not already say it), PUE. */
export function intensityLine(i: IntensityStatus): string {
  const year = i.year && !i.source.includes(String(i.year)) ? ` (${i.year})` : '';
  const kind = i.kind === 'assumed' ? '' : i.kind === 'live' ? ' · live' : '';
  const fix = i.kind === 'assumed' ? ' — [set your region](command:greenml.setCarbonRegion)' : '';
  return `Carbon intensity: **${Math.round(i.gPerKwh)} g/kWh** — ${escapeMd(i.source)}${year}${kind} · PUE ${i.pue}${fix}`;
}

export function forecastLine(f: ForecastStatus | undefined, error: string | undefined): string | undefined {
  if (f) {
    const best = `${clock(f.best.start)}–${clock(f.best.end)}, **${Math.round(f.best.gPerKwh)} g/kWh**`;
    const saving = f.nowGPerKwh > f.best.gPerKwh ? ` ([run then](command:greenml.runAtCleanestTime))` : ' (now is the cleanest)';
    return `Now ${Math.round(f.nowGPerKwh)} g/kWh by the forecast; cleanest in the next 24 h: ${best}${saving} — ${escapeMd(f.provider)}`;
  }
  return error ? `No forecast: ${escapeMd(error)}` : undefined;
}

function lastRunLine(r: RunSummary, now: number): string {
  const ago = fmtDuration(Math.max(0, (now - Date.parse(r.startedAt)) / 1000 - r.durationS));
  const exit = r.exitCode === null ? '' : r.exitCode === 0 ? '' : ` · ${fmtExit(r.exitCode)}`;
  return `Last run: **${escapeMd(baseName(r.script))}**, ended ${ago} ago — ${nb(fmtDuration(r.durationS))} · ${nb(fmtEnergy(r.energyKwh))} · ${nb(fmtCo2(r.emissionsKg))}${exit} · [history](command:greenml.showRuns)`;
}

/** Markdown tooltip: runs (per component figure and method), waiting runs, intensity and forecast, last run. */
export function statusBarTooltip(s: TrackingStatus | undefined, now = Date.now()): string {
  const lines: string[] = ['**Green ML — emissions tracking**', ''];
  if (!s || s.runs.length === 0) {
    lines.push('No run is being tracked. [Run with emissions tracking](command:greenml.runWithTracking), or `greenml run -- python train.py` in a terminal.');
  } else {
    if (s.runs.length > 1) lines.push(`${s.runs.length} runs, summed: ${fmtPower(s.totals.powerW)} · ${fmtEnergy(s.totals.energyKwh)} · ${fmtCo2(s.totals.emissionsKg)}`, '');
    s.runs.forEach((r, k) => {
      if (k > 0) lines.push('', '---', '');
      lines.push(...runSection(r));
    });
  }
  for (const w of s?.scheduled ?? []) {
    lines.push('', `$(watch) **${escapeMd(baseName(w.label))}** starts at ${clock(w.startAt)} (in ${fmtClock((Date.parse(w.startAt) - now) / 1000)}): ${Math.round(w.windowGPerKwh)} g/kWh forecast against ${Math.round(w.nowGPerKwh)} at the request — [start now](command:greenml.startScheduledRunNow) · [cancel](command:greenml.cancelScheduledRun)`);
  }
  const intensity = s?.intensity ?? s?.runs[0]?.intensity;
  lines.push('', '---', '');
  if (intensity) lines.push(intensityLine(intensity));
  const fc = forecastLine(s?.forecast, s?.forecastError);
  if (fc) lines.push('', fc);
  if (s?.lastRun && s.runs.length === 0) lines.push('', lastRunLine(s.lastRun, now));
  if (s && s.codecarbon.length > 0) {
    lines.push('', 'CodeCarbon emissions.csv (last row, not summed):');
    for (const c of s.codecarbon.slice(0, 3)) {
      lines.push(`- ${escapeMd(c.projectName || c.file)}: ${fmtEnergy(c.energyKwh)} · ${fmtCo2(c.emissionsKg)} (${c.timestamp})`);
    }
  }
  if (s && s.runs.length > 0) lines.push('', '*measured* = hardware counters (RAPL, nvidia-smi, hwmon) · *estimated* = TDP × CPU time');
  return lines.join('\n');
}

export interface RunEndedInfo {
  label: string;
  durationS: number;
  energyKwh: number;
  emissionsKg: number;
  exitCode: number | null;
  intensity: { kind: string };
}

/** The end-of-run notification: `train.py exited with code 1 after 3.2 s — 8.1 mWh, 3.2 mg CO₂e recorded`. */
export function runEndedMessage(p: RunEndedInfo): { text: string; failed: boolean } {
  const name = baseName(p.label);
  const figures = `${fmtEnergy(p.energyKwh)}, ${fmtCo2(p.emissionsKg)}`;
  const assumed = p.intensity.kind === 'assumed' ? ' (carbon intensity assumed: set your region)' : '';
  if (p.exitCode !== null && p.exitCode !== 0) {
    return { text: `${name} ${fmtExit(p.exitCode).replace(/^exit /, 'exited with ')} after ${fmtDuration(p.durationS)} — ${figures} recorded${assumed}`, failed: true };
  }
  return { text: `${name} finished in ${fmtDuration(p.durationS)} — ${figures}${assumed}`, failed: false };
}
