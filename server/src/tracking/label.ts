// The carbon label of one run, as JSON (machine-readable) and Markdown (to read and share):
// script, git commit, duration, exit status, energy per component with its method, CO₂e, intensity
// source and year, PUE, hardware, power over time, and a carbon-aware start's intensity avoided.
// Written to <outputDir>/runs/<run_id>.{json,md} (VS Code keeps runs/ out of the Explorer; the run
// history opens them).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { RunStatus, ComponentStatus } from '../common/trackingProtocol';
import { writeFileAtomic } from './fsio';
import { withoutSecrets } from './carbon';
import type { PowerSeries } from './samples';
import { fmtCo2, fmtDuration, fmtEnergy, fmtExit } from '../common/units';

/** What a carbon-aware start (`--start-when-cleanest`) did, as the label records it. */
export interface CarbonAwareStart {
  /** The forecast used, e.g. "UK Carbon Intensity API (national forecast)"; null when there was none. */
  provider: string | null;
  requested_at: string;
  within_s: number;
  started_at: string;
  waited_s: number;
  /** Forecast mean intensity for the run's length had it started at once, and in the window taken. */
  now_g_per_kwh: number | null;
  window_g_per_kwh: number | null;
  /** now − window: what waiting avoided per kWh, by the forecast. */
  avoided_g_per_kwh: number | null;
  /** How the wait ended: the window came, the user started it early, or there was nothing to wait for. */
  outcome: 'window' | 'started-early' | 'no-forecast' | 'cleanest-now';
  /** In words, for people: why it started when it did. */
  note: string;
}

export interface LabelContext {
  command: string[];
  cwd: string;
  exitCode: number | null;
  endedAt: Date;
  cpuTimeS: number;
  hardware: {
    cpuModel: string;
    logicalCpus: number;
    sockets: number;
    tdpSource: string;
    gpus: string[];
    ramTotalGb: number;
  };
  interrupted?: boolean;
  samples?: PowerSeries;
  carbonAwareStart?: CarbonAwareStart;
}

export function gitCommit(cwd: string): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, timeout: 2000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: withoutSecrets() }).trim();
    let dirty: boolean | null = null;
    try {
      dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, timeout: 2000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: withoutSecrets() }).trim().length > 0;
    } catch {
      dirty = null;
    }
    return { commit: commit || null, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The script a command runs: the first *.py / *.ipynb argument, else the command itself. */
export function scriptOf(command: string[]): string {
  return command.find((a) => /\.(py|ipynb)$/.test(a)) ?? command.join(' ');
}

export function buildLabel(s: RunStatus, ctx: LabelContext): Record<string, unknown> {
  const git = gitCommit(ctx.cwd);
  const comp = (c: ComponentStatus) => ({
    energy_kwh: c.energyKwh,
    machine_energy_kwh: c.machineEnergyKwh,
    idle_baseline_kwh: c.idleEnergyKwh,
    method: c.method,
  });
  return {
    schema: 'greenml.carbon-label/1',
    run_id: s.runId,
    origin: s.origin,
    script: scriptOf(ctx.command),
    command: ctx.command,
    cwd: ctx.cwd,
    git_commit: git.commit,
    git_dirty: git.dirty,
    started_at: s.startedAt,
    ended_at: ctx.endedAt.toISOString(),
    duration_s: s.durationS,
    exit_code: ctx.exitCode,
    interrupted: ctx.interrupted ?? false,
    energy_kwh: s.energyKwh,
    emissions_kg: s.emissionsKg,
    cpu_time_s: ctx.cpuTimeS,
    components: { cpu: comp(s.components.cpu), gpu: comp(s.components.gpu), ram: comp(s.components.ram) },
    carbon_intensity: {
      g_per_kwh: s.intensity.gPerKwh,
      source: s.intensity.source,
      kind: s.intensity.kind,
      year: s.intensity.year ?? null,
      region: s.intensity.region ?? null,
      pue: s.intensity.pue,
    },
    hardware: {
      cpu_model: ctx.hardware.cpuModel,
      logical_cpus: ctx.hardware.logicalCpus,
      sockets: ctx.hardware.sockets,
      cpu_power_model: ctx.hardware.tdpSource,
      gpus: ctx.hardware.gpus,
      ram_total_gb: ctx.hardware.ramTotalGb,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    carbon_aware_start: ctx.carbonAwareStart
      ? {
          ...ctx.carbonAwareStart,
          avoided_emissions_kg:
            ctx.carbonAwareStart.avoided_g_per_kwh === null ? null : (s.energyKwh * ctx.carbonAwareStart.avoided_g_per_kwh * s.intensity.pue) / 1000,
        }
      : null,
    power_samples: ctx.samples ?? null,
    notes: s.notes,
    tool: 'Green ML (greenml run)',
  };
}

const ORIGIN_WORDS: Record<string, string> = {
  command: 'VS Code, Run with emissions tracking',
  terminal: 'greenml run',
  discovered: 'found running in the workspace',
  codecarbon: 'CodeCarbon',
};


export function labelMarkdown(label: Record<string, unknown>): string {
  const l = label as {
    run_id: string; origin?: string; script: string; git_commit: string | null; git_dirty: boolean | null; started_at: string; duration_s: number;
    exit_code: number | null; interrupted: boolean; energy_kwh: number; emissions_kg: number; cpu_time_s: number;
    components: Record<string, { energy_kwh: number; machine_energy_kwh: number; idle_baseline_kwh: number; method: string }>;
    carbon_intensity: { g_per_kwh: number; source: string; year: number | null; pue: number };
    hardware: { cpu_model: string; logical_cpus: number; sockets: number; cpu_power_model: string; gpus: string[]; ram_total_gb: number; os: string };
    notes: string[];
    carbon_aware_start?: (CarbonAwareStart & { avoided_emissions_kg: number | null }) | null;
  };
  const exit = l.exit_code === null ? `unknown${l.origin === 'discovered' ? ' (a process found running: its exit status was not visible)' : ''}` : fmtExit(l.exit_code);
  const lines = [
    `# Carbon label — ${l.script}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Run | \`${l.run_id}\`${l.interrupted ? ' (interrupted: figures up to the last checkpoint)' : ''} |`,
    `| Script | \`${l.script}\` |`,
    `| Git commit | ${l.git_commit ? `\`${l.git_commit.slice(0, 12)}\`${l.git_dirty ? ' (uncommitted changes)' : ''}` : 'not a git repository'} |`,
    ...(l.origin ? [`| Started from | ${ORIGIN_WORDS[l.origin] ?? l.origin} |`] : []),
    `| Started | ${l.started_at} |`,
    `| Duration | ${fmtDuration(l.duration_s)} |`,
    `| Exit status | ${exit} |`,
    `| **Energy** | **${fmtEnergy(l.energy_kwh)}** |`,
    `| **CO₂e** | **${fmtCo2(l.emissions_kg)}** |`,
    '',
    '## Energy by component',
    '',
    '| Component | This run | Whole machine | Background load (not counted) | Method |',
    '|---|---|---|---|---|',
    ...(['cpu', 'gpu', 'ram'] as const).map((k) => {
      const c = l.components[k];
      return `| ${k.toUpperCase()} | ${fmtEnergy(c.energy_kwh)} | ${fmtEnergy(c.machine_energy_kwh)} | ${fmtEnergy(c.idle_baseline_kwh)} | ${c.method} |`;
    }),
    '',
    `CPU time of the run's processes: ${l.cpu_time_s.toFixed(2)} s.`,
    '',
    '## Carbon intensity',
    '',
    `- ${l.carbon_intensity.g_per_kwh} gCO₂e/kWh — ${l.carbon_intensity.source}${l.carbon_intensity.year && !l.carbon_intensity.source.includes(String(l.carbon_intensity.year)) ? ` (data year ${l.carbon_intensity.year})` : ''}`,
    `- PUE ${l.carbon_intensity.pue}`,
    `- CO₂e = energy × intensity × PUE, integrated per sampling interval.`,
    '',
    ...carbonAwareLines(l.carbon_aware_start ?? null),
    '## Hardware',
    '',
    `- CPU: ${l.hardware.cpu_model} (${l.hardware.logical_cpus} logical CPUs, ${l.hardware.sockets} socket(s)); power model: ${l.hardware.cpu_power_model}`,
    `- GPU: ${l.hardware.gpus.length ? l.hardware.gpus.join(', ') : 'none found'}`,
    `- RAM: ${l.hardware.ram_total_gb.toFixed(1)} GB`,
    `- OS: ${l.hardware.os}`,
  ];
  if (l.notes.length) lines.push('', '## Notes', '', ...l.notes.map((n) => `- ${n}`));
  lines.push('', '_Generated by Green ML. "measured" = hardware counters; "estimated" = model from CPU time and TDP; "assumed" = default value._', '');
  return lines.join('\n');
}

function carbonAwareLines(c: (CarbonAwareStart & { avoided_emissions_kg: number | null }) | null): string[] {
  if (!c) return [];
  const out = ['## Carbon-aware start', '', `- ${c.note}`];
  if (c.provider) out.push(`- Forecast: ${c.provider}; waited ${fmtDuration(c.waited_s)} (allowed: ${fmtDuration(c.within_s)}).`);
  if (c.avoided_g_per_kwh !== null && c.now_g_per_kwh !== null && c.window_g_per_kwh !== null) {
    const co2 = c.avoided_emissions_kg !== null && c.avoided_emissions_kg > 0 ? `, about ${fmtCo2(c.avoided_emissions_kg)} for this run's energy` : '';
    out.push(`- Intensity avoided against starting at once: ${Math.round(c.avoided_g_per_kwh)} g/kWh (forecast ${Math.round(c.now_g_per_kwh)} → ${Math.round(c.window_g_per_kwh)} g/kWh)${co2}.`);
  }
  out.push('');
  return out;
}

export function writeLabel(outputDir: string, label: Record<string, unknown>): { json: string; md: string } {
  const dir = join(outputDir, 'runs');
  fs.mkdirSync(dir, { recursive: true });
  const id = String(label.run_id);
  const json = join(dir, `${id}.json`);
  const md = join(dir, `${id}.md`);
  writeFileAtomic(json, JSON.stringify(label, null, 2) + '\n');
  writeFileAtomic(md, labelMarkdown(label));
  return { json, md };
}
