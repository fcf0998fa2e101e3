// The records of a `greenml report` (energy read from the cluster's Prometheus or from Slurm): the same
// ledger row and carbon label a local run gets, so that the run history lists it like one. Every
// figure keeps the method its source gave it (e.g. "measured: DCGM exporter (…)"); the carbon
// intensity is resolved as for a local run (override > country table > assumed, never guessed).
import { randomUUID } from 'node:crypto';
import type { ComponentStatus, RunStatus } from '../common/trackingProtocol';
import { J_PER_KWH } from './session';
import { appendLedgerRow, buildRow, projectNameFor } from './ledger';
import { buildLabel, writeLabel } from './label';
import { lookupCountry, type ResolvedIntensity } from './carbon';

export interface ReportFigure {
  component: 'cpu' | 'gpu' | 'ram';
  joules: number;
  method: string;
}

export interface ReportInput {
  /** What the run history shows as the script, e.g. "Slurm job 4242 (train)". */
  label: string;
  command: string[];
  cwd: string;
  startedAt: Date;
  endedAt: Date;
  figures: ReportFigure[];
  /** How a component no figure covers is described (e.g. "none: no Kepler series matched"). */
  missing: Record<'cpu' | 'gpu' | 'ram', string>;
  intensity: ResolvedIntensity;
  host?: string;
  job?: Record<string, string>;
  gpuModels: string[];
  exitCode: number | null;
  /** Where the figures came from, kept in the label (URL, selector, queries; or the sacct command and rows). */
  source: Record<string, unknown>;
  notes: string[];
}

export interface ReportRecords {
  status: RunStatus;
  ledgerPath: string;
  labelJsonPath: string;
  labelMarkdownPath: string;
}

function component(figures: ReportFigure[], which: 'cpu' | 'gpu' | 'ram', durationS: number, missing: string): ComponentStatus {
  const f = figures.filter((x) => x.component === which);
  if (f.length === 0) return { powerW: 0, energyKwh: 0, machineEnergyKwh: 0, idleEnergyKwh: 0, method: missing, kind: 'none' };
  const j = f.reduce((s, x) => s + x.joules, 0);
  const method = [...new Set(f.map((x) => x.method))].join('; ');
  return { powerW: durationS > 0 ? j / durationS : 0, energyKwh: j / J_PER_KWH, machineEnergyKwh: j / J_PER_KWH, idleEnergyKwh: 0, method, kind: 'measured' };
}

/** The run status a report stands for (ended, no live power). */
export function reportStatus(r: ReportInput): RunStatus {
  const durationS = Math.max(0, (r.endedAt.getTime() - r.startedAt.getTime()) / 1000);
  const components = {
    cpu: component(r.figures, 'cpu', durationS, r.missing.cpu),
    gpu: component(r.figures, 'gpu', durationS, r.missing.gpu),
    ram: component(r.figures, 'ram', durationS, r.missing.ram),
  };
  const energyKwh = components.cpu.energyKwh + components.gpu.energyKwh + components.ram.energyKwh;
  const i = r.intensity;
  return {
    runId: randomUUID(),
    origin: 'report',
    label: r.label,
    startedAt: r.startedAt.toISOString(),
    durationS,
    running: false,
    sampleTime: r.endedAt.getTime(),
    powerW: 0,
    energyKwh,
    emissionsKg: (energyKwh * i.gPerKwh * i.pue) / 1000,
    components,
    intensity: { gPerKwh: i.gPerKwh, source: i.source, kind: i.kind, year: i.year, region: i.region, pue: i.pue },
    notes: [...r.notes, ...i.notes],
    ...(r.host ? { host: r.host } : {}),
    ...(r.job && Object.keys(r.job).length ? { job: r.job } : {}),
  };
}

/** Writes the carbon label and appends the ledger row in `outputDir`. */
export function writeReport(outputDir: string, r: ReportInput): ReportRecords {
  const status = reportStatus(r);
  const country = status.intensity.region ? lookupCountry(status.intensity.region) : undefined;
  const row = buildRow(
    status,
    {
      projectName: projectNameFor(outputDir),
      cpuModel: '',
      cpuCount: 0,
      gpuNames: r.gpuModels,
      ramTotalGb: 0,
      countryName: country?.name ?? '',
      countryIso: country?.iso ?? '',
      pythonVersion: '',
      averages: { cpuUtilPct: 0, gpuUtilPct: 0, ramUtilPct: 0, ramUsedGb: 0 },
    },
    r.endedAt,
  );
  const label = buildLabel(status, {
    command: r.command,
    cwd: r.cwd,
    exitCode: r.exitCode,
    endedAt: r.endedAt,
    cpuTimeS: 0,
    hardware: { cpuModel: 'not reported', logicalCpus: 0, sockets: 0, tdpSource: 'not used: figures from the cluster', gpus: r.gpuModels, ramTotalGb: 0 },
  });
  label.script = r.label;
  label.report_source = r.source;
  label.tool = 'Green ML (greenml report)';
  const paths = writeLabel(outputDir, label);
  const ledgerPath = appendLedgerRow(outputDir, row);
  return { status, ledgerPath, labelJsonPath: paths.json, labelMarkdownPath: paths.md };
}
