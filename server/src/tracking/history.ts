// The run history the VS Code view lists: every row of the workspace ledgers (emissions.csv), newest
// first, joined with its carbon label (runs/<run_id>.json) for the script, exit status and the way
// each figure was obtained. Rows without a label (a recovered interrupted run, a row CodeCarbon
// wrote) are listed with what the ledger says.
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { RunDetail, RunOrigin, RunSummary } from '../common/trackingProtocol';
import { ledgerPath, readLedger } from './ledger';

type Label = {
  run_id?: string;
  origin?: RunOrigin;
  script?: string;
  started_at?: string;
  duration_s?: number;
  exit_code?: number | null;
  interrupted?: boolean;
  energy_kwh?: number;
  emissions_kg?: number;
  components?: Record<string, { method?: string }>;
  carbon_intensity?: { g_per_kwh?: number; source?: string; kind?: string };
};

function labelPaths(outputDir: string, runId: string): { json: string; md: string } {
  return { json: join(outputDir, 'runs', `${runId}.json`), md: join(outputDir, 'runs', `${runId}.md`) };
}

function readLabel(path: string): Label | undefined {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8')) as Label;
  } catch {
    return undefined;
  }
}

const num = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

function summarise(outputDir: string, row: Record<string, string>): RunSummary {
  const runId = row.run_id ?? '';
  const paths = labelPaths(outputDir, runId);
  const label = runId ? readLabel(paths.json) : undefined;
  const interrupted = /\[interrupted\]$/.test(row.project_name ?? '') || label?.interrupted === true;
  const durationS = num(row.duration);
  // The ledger's timestamp is when the row was written (the end), in UTC without a zone.
  const endedAt = Date.parse(`${row.timestamp}Z`);
  const startedAt = label?.started_at ?? (Number.isFinite(endedAt) ? new Date(endedAt - durationS * 1000).toISOString() : '');
  const method = (k: string) => label?.components?.[k]?.method ?? (row.codecarbon_version ? `CodeCarbon ${row.codecarbon_version}` : 'not recorded');
  return {
    runId,
    script: label?.script ?? row.project_name ?? '',
    origin: label?.origin ?? (row.codecarbon_version ? 'codecarbon' : 'unknown'),
    startedAt,
    durationS: label?.duration_s ?? durationS,
    energyKwh: num(row.energy_consumed),
    emissionsKg: num(row.emissions),
    exitCode: label && typeof label.exit_code === 'number' ? label.exit_code : null,
    methods: {
      cpu: method('cpu'),
      gpu: method('gpu'),
      ram: method('ram'),
      intensity: label?.carbon_intensity?.source ?? (row.country_iso_code ? `country ${row.country_iso_code}` : 'not recorded'),
      intensityKind: label?.carbon_intensity?.kind ?? 'unknown',
    },
    interrupted,
    labelJsonPath: label ? paths.json : undefined,
    labelMarkdownPath: label && fs.existsSync(paths.md) ? paths.md : undefined,
    ledgerPath: ledgerPath(outputDir),
  };
}

/** Every ledger row of these output directories, newest first. */
export function listRuns(outputDirs: string[]): RunSummary[] {
  const out: RunSummary[] = [];
  for (const dir of outputDirs) for (const row of readLedger(dir)) out.push(summarise(dir, row));
  return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** One run with its whole label (power samples included), or null when no ledger has it. */
export function getRun(outputDirs: string[], runId: string): RunDetail | null {
  for (const dir of outputDirs) {
    const row = readLedger(dir).find((r) => r.run_id === runId);
    if (!row) continue;
    const summary = summarise(dir, row);
    let label: Record<string, unknown> | null = null;
    try {
      label = summary.labelJsonPath ? (JSON.parse(fs.readFileSync(summary.labelJsonPath, 'utf8')) as Record<string, unknown>) : null;
    } catch {
      label = null;
    }
    return { summary, label };
  }
  return null;
}

/** Size and modification time of a ledger: a cheap way to see that it changed. */
export function ledgerStamp(outputDir: string): string {
  try {
    const st = fs.statSync(ledgerPath(outputDir));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}
