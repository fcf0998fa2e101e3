// The Prometheus text exposition format (version 0.0.4) of tracked runs: what `greenml run
// --metrics-port` serves, what `--pushgateway` pushes, and what the language server serves when
// `greenml.tracking.metricsPort` is set. Format: https://prometheus.io/docs/instrumenting/exposition_formats/
// (one HELP and TYPE line per family, label values with \\, \" and \n escaped, LF line ends).
import type { RunStatus } from '../common/trackingProtocol';
import { J_PER_KWH } from './session';
import type { JobIdentity } from './jobIdentity';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One run as exposed: its figures and the labels that say which run, script, host and rank it is. */
export interface ExposedRun {
  status: RunStatus;
  script: string;
  host: string;
  job: JobIdentity;
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: { labels: Labels; value: number }[];
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus reads it (Go float syntax): NaN and infinities are spelled out. */
function formatValue(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const COMPONENTS = ['cpu', 'gpu', 'ram'] as const;

/** The families for these runs, every sample labelled with run_id, script, host and the job identity. */
export function runFamilies(runs: ExposedRun[]): Family[] {
  const energy: Family = { name: 'greenml_energy_joules_total', type: 'counter', help: 'Energy attributed to the run so far, by component, and whether it was measured (hardware counters) or estimated (model), in joules (IT energy, before PUE).', samples: [] };
  const power: Family = { name: 'greenml_power_watts', type: 'gauge', help: 'Power attributed to the run over the last sampling interval, by component, in watts.', samples: [] };
  const emissions: Family = { name: 'greenml_emissions_grams_total', type: 'counter', help: 'CO2e of the run so far, in grams (energy x carbon intensity x PUE, per interval).', samples: [] };
  const intensity: Family = { name: 'greenml_carbon_intensity_grams_per_kwh', type: 'gauge', help: 'Carbon intensity the run uses now, in gCO2e/kWh, with its source and kind (override, live, table, assumed).', samples: [] };
  const pue: Family = { name: 'greenml_pue', type: 'gauge', help: 'Power usage effectiveness applied to the run.', samples: [] };
  const duration: Family = { name: 'greenml_run_duration_seconds', type: 'gauge', help: 'How long the run has been tracked, in seconds.', samples: [] };
  const running: Family = { name: 'greenml_run_running', type: 'gauge', help: '1 while the run is going, 0 once it has ended (its final figures).', samples: [] };
  for (const r of runs) {
    const base: Labels = { run_id: r.status.runId, script: r.script, host: r.host, ...r.job };
    const s = r.status;
    for (const c of COMPONENTS) {
      const comp = s.components[c];
      // A component nothing measured or estimated (no GPU) has no series, rather than a zero.
      if (comp.kind !== 'measured' && comp.kind !== 'estimated') continue;
      energy.samples.push({ labels: { ...base, component: c, method: comp.kind }, value: comp.energyKwh * J_PER_KWH });
      power.samples.push({ labels: { ...base, component: c, method: comp.kind }, value: comp.powerW });
    }
    emissions.samples.push({ labels: base, value: s.emissionsKg * 1000 });
    intensity.samples.push({ labels: { ...base, source: s.intensity.source, kind: s.intensity.kind }, value: s.intensity.gPerKwh });
    pue.samples.push({ labels: base, value: s.intensity.pue });
    duration.samples.push({ labels: base, value: s.durationS });
    running.samples.push({ labels: base, value: s.running ? 1 : 0 });
  }
  return [energy, power, emissions, intensity, pue, duration, running];
}

/** The exposition text; families without samples are left out (an empty page when nothing runs). */
export function exposition(runs: ExposedRun[]): string {
  const lines: string[] = [];
  for (const f of runFamilies(runs)) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
