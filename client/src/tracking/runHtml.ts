// HTML of the run webviews, as pure functions of the run data (no vscode import: unit-tested): a
// run's carbon label, rendered, with its power over time per component; and two runs side by side
// with the difference. Charts are drawn by dist/webview/chart.js (uPlot, shipped in the extension)
// from the JSON in #greenml-data; nothing is loaded from the network (the CSP allows only the
// webview's own resources).
import type { RunDetail, RunSummary } from '../../../server/src/common/trackingProtocol';
import { fmtChange, fmtCo2, fmtDuration, fmtEnergy, fmtExit, fmtPower } from '../../../server/src/common/units';

export interface PageResources {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

interface Series {
  t_s: number[];
  dt_s?: number[];
  cpu_w: number[];
  gpu_w: number[];
  ram_w: number[];
}

type Label = {
  script?: string;
  origin?: string;
  started_at?: string;
  ended_at?: string;
  duration_s?: number;
  exit_code?: number | null;
  energy_kwh?: number;
  emissions_kg?: number;
  git_commit?: string | null;
  git_dirty?: boolean | null;
  cpu_time_s?: number;
  components?: Record<string, { energy_kwh: number; machine_energy_kwh?: number; idle_baseline_kwh?: number; method: string }>;
  carbon_intensity?: { g_per_kwh: number; source: string; year?: number | null; kind?: string; pue: number };
  hardware?: { cpu_model?: string; logical_cpus?: number; gpus?: string[]; ram_total_gb?: number; os?: string };
  carbon_aware_start?: { note: string; provider: string | null; avoided_g_per_kwh: number | null; now_g_per_kwh: number | null; window_g_per_kwh: number | null; avoided_emissions_kg?: number | null; waited_s: number } | null;
  power_samples?: Series | null;
  notes?: string[];
  interrupted?: boolean;
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const base = (p: string) => p.split(/[\\/]/).pop() ?? p;
const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function exitText(code: number | null | undefined, origin?: string): string {
  if (code === null || code === undefined) return origin === 'discovered' ? 'unknown (found running: its exit status was not visible)' : 'unknown';
  return code === 0 ? '0 (success)' : fmtExit(code);
}

const ORIGIN: Record<string, string> = { command: 'VS Code: Run with emissions tracking', terminal: 'greenml run in a terminal', discovered: 'found running in the workspace', codecarbon: 'CodeCarbon' };

function page(title: string, body: string, data: unknown, r: PageResources): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${r.cspSource} data:; style-src ${r.cspSource} 'nonce-${r.nonce}'; script-src 'nonce-${r.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${r.styleUri}">
<style nonce="${r.nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 20px 20px; max-width: 1100px; }
h1 { font-size: 1.4em; font-weight: 600; } h2 { font-size: 1.1em; font-weight: 600; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { text-align: left; padding: 3px 14px 3px 0; vertical-align: top; border-bottom: 1px solid var(--vscode-widget-border, transparent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.better { color: var(--vscode-charts-green); } .worse { color: var(--vscode-charts-red); }
.muted { color: var(--vscode-descriptionForeground); } .big { font-size: 1.25em; font-weight: 600; }
.actions { margin: 1em 0; display: flex; gap: 8px; flex-wrap: wrap; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
.chart { margin-top: 0.5em; } .uplot { font-family: var(--vscode-font-family); } .u-legend { color: var(--vscode-foreground); }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
</style>
<title>${escapeHtml(title)}</title></head>
<body>${body}
<script id="greenml-data" type="application/json" nonce="${r.nonce}">${json}</script>
<script nonce="${r.nonce}" src="${r.scriptUri}"></script>
</body></html>`;
}

function series(l: Label | null): Series | undefined {
  const s = l?.power_samples;
  return s && Array.isArray(s.t_s) && s.t_s.length > 0 ? s : undefined;
}

function componentRows(l: Label): string {
  return (['cpu', 'gpu', 'ram'] as const)
    .map((k) => {
      const c = l.components?.[k];
      if (!c) return '';
      return `<tr><td>${k.toUpperCase()}</td><td class="num">${fmtEnergy(c.energy_kwh)}</td><td class="num">${fmtEnergy(c.machine_energy_kwh ?? 0)}</td><td>${escapeHtml(c.method)}</td></tr>`;
    })
    .join('');
}

/** A run's carbon label, rendered, with its chart. */
export function labelHtml(d: RunDetail, r: PageResources, hasPrevious: boolean): string {
  const l = (d.label ?? {}) as Label;
  const s = d.summary;
  const name = base(s.script);
  const ci = l.carbon_intensity;
  const rows: [string, string][] = [
    ['Started from', ORIGIN[s.origin] ?? s.origin],
    ['Started', when(s.startedAt)],
    ['Duration', fmtDuration(s.durationS)],
    ['Exit status', exitText(s.exitCode, s.origin)],
    ['Git commit', l.git_commit ? `${l.git_commit.slice(0, 12)}${l.git_dirty ? ' (uncommitted changes)' : ''}` : 'not a git repository'],
  ];
  const samples = series(l);
  const cas = l.carbon_aware_start;
  const body = `
<h1>Carbon label — ${escapeHtml(name)}</h1>
<p class="muted">${escapeHtml(s.script)}${s.interrupted ? ' · interrupted: figures up to its last checkpoint' : ''}</p>
<p><span class="big">${fmtEnergy(s.energyKwh)}</span> · <span class="big">${fmtCo2(s.emissionsKg)}</span>
${s.durationS > 0 ? ` · <span class="muted">${fmtPower((s.energyKwh * 3.6e6) / s.durationS)} on average</span>` : ''}</p>
<div class="actions">
  ${hasPrevious ? '<button data-action="comparePrevious">Compare with the previous run of this script</button>' : ''}
  ${s.labelMarkdownPath ? '<button class="secondary" data-action="openMarkdown">Open Markdown label</button>' : ''}
  ${s.labelJsonPath ? '<button class="secondary" data-action="openJson">Open JSON label</button>' : ''}
</div>
<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>Power over time</h2>
${samples ? '<div class="chart" id="chart-run"></div>' : '<p class="muted">No power samples were recorded for this run (it was recorded by an older Green ML, or cut short).</p>'}
<h2>Energy by component</h2>
${d.label ? `<table><tr><th>Component</th><th class="num">This run</th><th class="num">Whole machine</th><th>How it was obtained</th></tr>${componentRows(l)}</table>` : `<p class="muted">This ledger row has no carbon label (${s.interrupted ? 'the run was interrupted' : 'written by another tool'}): CPU ${escapeHtml(s.methods.cpu)}.</p>`}
<h2>Carbon intensity</h2>
<p>${ci ? `${Math.round(ci.g_per_kwh * 10) / 10} g CO₂e/kWh — ${escapeHtml(ci.source)}${ci.year && !ci.source.includes(String(ci.year)) ? ` (${ci.year})` : ''} · PUE ${ci.pue}` : escapeHtml(s.methods.intensity)}</p>
${cas ? `<h2>Carbon-aware start</h2><p>${escapeHtml(cas.note)}</p>${cas.avoided_g_per_kwh !== null && cas.now_g_per_kwh !== null && cas.window_g_per_kwh !== null ? `<p>Intensity avoided against starting at once: <b>${Math.round(cas.avoided_g_per_kwh)} g/kWh</b> (forecast ${Math.round(cas.now_g_per_kwh)} → ${Math.round(cas.window_g_per_kwh)} g/kWh${cas.avoided_emissions_kg ? `; about ${fmtCo2(cas.avoided_emissions_kg)} for this run` : ''}).</p>` : ''}` : ''}
${l.hardware ? `<h2>Hardware</h2><p>CPU: ${escapeHtml(l.hardware.cpu_model ?? '?')} (${l.hardware.logical_cpus ?? '?'} logical CPUs) · GPU: ${escapeHtml(l.hardware.gpus?.join(', ') || 'none found')} · RAM: ${(l.hardware.ram_total_gb ?? 0).toFixed(1)} GB · ${escapeHtml(l.hardware.os ?? '')}</p>` : ''}
${l.notes?.length ? `<h2>Notes</h2><ul>${[...new Set(l.notes)].map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}`;
  const charts = samples
    ? [{ id: 'chart-run', x: samples.t_s, series: [{ label: 'CPU', color: 'blue', y: samples.cpu_w }, { label: 'GPU', color: 'red', y: samples.gpu_w }, { label: 'RAM', color: 'yellow', y: samples.ram_w }] }]
    : [];
  return page(`Carbon label — ${name}`, body, { charts }, r);
}

function diffCell(a: number, b: number, fmt: (x: number) => string): string {
  const d = b - a;
  const cls = Math.abs(d) < 1e-15 ? '' : d < 0 ? 'better' : 'worse';
  const sign = d < 0 ? '−' : d > 0 ? '+' : '±';
  return `<td class="num ${cls}">${sign}${fmt(Math.abs(d))}</td><td class="num ${cls}">${fmtChange(a, b)}</td>`;
}

function total(s: Series, i: number): number {
  return s.cpu_w[i] + s.gpu_w[i] + s.ram_w[i];
}

/** Two runs side by side (a = before, b = after) with the difference b − a. */
export function compareHtml(a: RunDetail, b: RunDetail, r: PageResources): string {
  const la = (a.label ?? {}) as Label;
  const lb = (b.label ?? {}) as Label;
  const comp = (l: Label, k: string) => l.components?.[k]?.energy_kwh ?? 0;
  const rows: string[] = [
    `<tr><th>Duration</th><td class="num">${fmtDuration(a.summary.durationS)}</td><td class="num">${fmtDuration(b.summary.durationS)}</td>${diffCell(a.summary.durationS, b.summary.durationS, fmtDuration)}</tr>`,
    `<tr><th>Energy</th><td class="num">${fmtEnergy(a.summary.energyKwh)}</td><td class="num">${fmtEnergy(b.summary.energyKwh)}</td>${diffCell(a.summary.energyKwh, b.summary.energyKwh, fmtEnergy)}</tr>`,
    `<tr><th>CO₂e</th><td class="num">${fmtCo2(a.summary.emissionsKg)}</td><td class="num">${fmtCo2(b.summary.emissionsKg)}</td>${diffCell(a.summary.emissionsKg, b.summary.emissionsKg, fmtCo2)}</tr>`,
    ...(['cpu', 'gpu', 'ram'] as const).map(
      (k) => `<tr><th>${k.toUpperCase()} energy</th><td class="num">${fmtEnergy(comp(la, k))}</td><td class="num">${fmtEnergy(comp(lb, k))}</td>${diffCell(comp(la, k), comp(lb, k), fmtEnergy)}</tr>`,
    ),
    `<tr><th>Carbon intensity</th><td class="num">${la.carbon_intensity ? `${Math.round(la.carbon_intensity.g_per_kwh)} g/kWh` : '—'}</td><td class="num">${lb.carbon_intensity ? `${Math.round(lb.carbon_intensity.g_per_kwh)} g/kWh` : '—'}</td><td></td><td></td></tr>`,
    `<tr><th>Exit status</th><td class="num">${escapeHtml(exitText(a.summary.exitCode))}</td><td class="num">${escapeHtml(exitText(b.summary.exitCode))}</td><td></td><td></td></tr>`,
  ];
  const head = (s: RunSummary, tag: string) => `<th class="num">${tag}: ${escapeHtml(base(s.script))}<br><span class="muted">${escapeHtml(when(s.startedAt))}</span></th>`;
  const sa = series(la);
  const sb = series(lb);
  const body = `
<h1>${escapeHtml(base(a.summary.script))}${base(a.summary.script) === base(b.summary.script) ? '' : ` vs ${escapeHtml(base(b.summary.script))}`}: before and after</h1>
<p>After against before: energy <b>${fmtChange(a.summary.energyKwh, b.summary.energyKwh)}</b>, CO₂e <b>${fmtChange(a.summary.emissionsKg, b.summary.emissionsKg)}</b>, duration <b>${fmtChange(a.summary.durationS, b.summary.durationS)}</b>.</p>
<table><tr><th></th>${head(a.summary, 'Before')}${head(b.summary, 'After')}<th class="num">Difference</th><th class="num">Change</th></tr>${rows.join('')}</table>
<p class="muted">How the figures were obtained — before: CPU ${escapeHtml(a.summary.methods.cpu)}; intensity ${escapeHtml(a.summary.methods.intensity)}. After: CPU ${escapeHtml(b.summary.methods.cpu)}; intensity ${escapeHtml(b.summary.methods.intensity)}.</p>
<h2>Total power over time</h2>
${sa || sb ? '<div class="chart" id="chart-compare"></div>' : '<p class="muted">Neither run has power samples.</p>'}`;
  const charts =
    sa || sb
      ? [
          {
            id: 'chart-compare',
            // Two runs on one time axis (seconds since each started): the chart joins their x values.
            joined: [
              { label: 'Before', color: 'blue', x: sa?.t_s ?? [], y: sa ? sa.t_s.map((_, i) => total(sa, i)) : [] },
              { label: 'After', color: 'green', x: sb?.t_s ?? [], y: sb ? sb.t_s.map((_, i) => total(sb, i)) : [] },
            ],
          },
        ]
      : [];
  return page(`Compare runs — ${base(b.summary.script)}`, body, { charts }, r);
}
