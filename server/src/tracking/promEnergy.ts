// A job's energy from the counters a cluster already exports to Prometheus:
// - GPU: NVIDIA's DCGM exporter, DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (counter, mJ since boot, from its
//   default-counters.csv), as increase() over the window; on GPUs without that counter,
//   DCGM_FI_DEV_POWER_USAGE (gauge, W) from a range query, integrated over time (trapezoids).
// - CPU and RAM: Kepler. Kepler ≤ 0.7 exports kepler_container_{package,dram}_joules_total (and the
//   all-components kepler_container_joules_total); Kepler ≥ 0.10 exports kepler_container_cpu_joules_total
//   and kepler_process_cpu_joules_total with a `zone` label (package, dram, …). The first query that
//   matches the selector is used, and named with the figure.
import { PromClient, type PromSeries } from './promQuery';

export type Component = 'cpu' | 'gpu' | 'ram';

export interface SourceFigure {
  component: Component;
  joules: number;
  /** e.g. "measured: DCGM exporter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, increase over the window)". */
  method: string;
  /** The PromQL that gave it. */
  query: string;
  /** Per device / container, for the label. */
  parts: { labels: Record<string, string>; joules: number }[];
}

export interface JobEnergy {
  from: number;
  to: number;
  figures: SourceFigure[];
  gpuModels: string[];
  hosts: string[];
}

/** `{pod="x"}` or `pod="x"` → `pod="x"` (the matchers inside the braces). */
export function selectorMatchers(selector: string): string {
  const s = selector.trim();
  return s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1).trim() : s;
}

function withMatcher(matchers: string, name: string, value: string): string {
  if (new RegExp(`(^|[,{\\s])${name}\\s*(=|!=|=~|!~)`).test(matchers)) return matchers;
  return matchers ? `${matchers},${name}="${value}"` : `${name}="${value}"`;
}

const GPU_BY = 'Hostname, gpu, UUID, modelName';

interface KeplerCandidate {
  metric: string;
  zone?: string;
  what: string;
}

/** In order of preference; the first that matches the selector wins (see the file comment). */
const KEPLER_CPU: KeplerCandidate[] = [
  { metric: 'kepler_container_package_joules_total', what: 'container CPU package' },
  { metric: 'kepler_container_cpu_joules_total', zone: 'package', what: 'container CPU package' },
  { metric: 'kepler_process_package_joules_total', what: 'process CPU package' },
  { metric: 'kepler_process_cpu_joules_total', zone: 'package', what: 'process CPU package' },
  { metric: 'kepler_container_joules_total', what: 'container total of all the components Kepler counts (CPU, DRAM, GPU, other)' },
];
const KEPLER_RAM: KeplerCandidate[] = [
  { metric: 'kepler_container_dram_joules_total', what: 'container DRAM' },
  { metric: 'kepler_container_cpu_joules_total', zone: 'dram', what: 'container DRAM' },
  { metric: 'kepler_process_dram_joules_total', what: 'process DRAM' },
  { metric: 'kepler_process_cpu_joules_total', zone: 'dram', what: 'process DRAM' },
];

function sum(series: PromSeries[]): number {
  return series.reduce((s, x) => s + (x.values[0]?.[1] ?? 0), 0);
}

/** The trapezoid integral of each series (W over unix seconds) → J. */
function integrate(values: [number, number][]): number {
  let j = 0;
  for (let i = 1; i < values.length; i++) j += ((values[i][1] + values[i - 1][1]) / 2) * (values[i][0] - values[i - 1][0]);
  return j;
}

export async function jobEnergy(client: PromClient, opts: { gpuSelector: string; keplerSelector: string; from: number; to: number }): Promise<JobEnergy> {
  const { from, to } = opts;
  const windowS = Math.max(1, Math.round(to - from));
  const range = `[${windowS}s]`;
  const gpuSel = selectorMatchers(opts.gpuSelector);
  const cpuSel = selectorMatchers(opts.keplerSelector);
  const figures: SourceFigure[] = [];
  const gpuModels: string[] = [];
  const hosts = new Set<string>();

  // GPU: the energy counter where the exporter has it…
  const counterQ = `sum by (${GPU_BY}) (increase(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${gpuSel}}${range}))`;
  const counter = await client.query(counterQ, to);
  let gpuSeries = counter.map((s) => ({ labels: s.metric, joules: (s.values[0]?.[1] ?? 0) / 1000 }));
  let gpuQuery = counterQ;
  let gpuMethod = 'measured: DCGM exporter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ counter, increase over the window)';
  if (counter.length === 0) {
    // …else the power gauge, integrated: a step of at most 1/500 of the window, and at least 1 s.
    const stepS = Math.max(1, Math.ceil(windowS / 500));
    const powerQ = `sum by (${GPU_BY}) (DCGM_FI_DEV_POWER_USAGE{${gpuSel}})`;
    const power = await client.queryRange(powerQ, from, to, stepS);
    gpuSeries = power.map((s) => ({ labels: s.metric, joules: integrate(s.values) }));
    gpuQuery = `${powerQ} (range query, step ${stepS} s, integrated)`;
    gpuMethod = `measured: DCGM exporter (DCGM_FI_DEV_POWER_USAGE, W, sampled every ${stepS} s and integrated: this GPU has no energy counter)`;
  }
  if (gpuSeries.length > 0) {
    figures.push({ component: 'gpu', joules: gpuSeries.reduce((s, x) => s + x.joules, 0), method: gpuMethod, query: gpuQuery, parts: gpuSeries });
    for (const g of gpuSeries) {
      if (g.labels.modelName) gpuModels.push(g.labels.modelName);
      if (g.labels.Hostname) hosts.add(g.labels.Hostname);
    }
  }

  for (const [component, candidates] of [['cpu', KEPLER_CPU], ['ram', KEPLER_RAM]] as const) {
    for (const c of candidates) {
      const sel = c.zone ? withMatcher(cpuSel, 'zone', c.zone) : cpuSel;
      const q = `sum by (node_name, instance) (increase(${c.metric}{${sel}}${range}))`;
      const res = await client.query(q, to);
      if (res.length === 0) continue;
      for (const s of res) if (s.metric.node_name) hosts.add(s.metric.node_name);
      figures.push({
        component,
        joules: sum(res),
        method: `measured: Kepler (${c.metric}${c.zone ? `, zone ${c.zone}` : ''}: ${c.what}, increase over the window)`,
        query: q,
        parts: res.map((s) => ({ labels: s.metric, joules: s.values[0]?.[1] ?? 0 })),
      });
      break;
    }
  }
  return { from, to, figures, gpuModels, hosts: [...hosts] };
}

/** --from / --to: RFC 3339, unix seconds, `now`, or `now-90m` / `now-2h`. */
export function parseTime(raw: string, now = Date.now() / 1000): number | undefined {
  const s = raw.trim();
  if (s === 'now') return now;
  const rel = /^now-(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(s);
  if (rel) return now - Number(rel[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t / 1000 : undefined;
}
