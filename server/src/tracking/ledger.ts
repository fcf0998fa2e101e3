// The run ledger: <outputDir>/emissions.csv in CodeCarbon 3.3.0's exact 38-column layout, one row per
// run. A row is appended with ONE write(2) on an O_APPEND descriptor followed by fsync, so a kill -9
// at any moment leaves either the whole row or none; a torn tail left by a power cut is cut back to
// the last complete line before the next append. The in-progress run is checkpointed separately
// (<outputDir>/live/<run>.json, atomic rename every interval); a checkpoint whose tracker died is
// turned into a ledger row marked "[interrupted]", so a crash loses at most the interval in progress.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join, basename } from 'node:path';
import type { RunStatus } from '../common/trackingProtocol';
import { writeFileAtomic } from './fsio';

export const CODECARBON_COLUMNS = [
  'timestamp', 'project_name', 'run_id', 'experiment_id', 'duration', 'emissions', 'emissions_rate',
  'cpu_power', 'gpu_power', 'ram_power', 'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed',
  'water_consumed', 'country_name', 'country_iso_code', 'region', 'cloud_provider', 'cloud_region', 'os',
  'python_version', 'codecarbon_version', 'cpu_count', 'cpu_model', 'gpu_count', 'gpu_model', 'longitude',
  'latitude', 'ram_total_size', 'tracking_mode', 'cpu_utilization_percent', 'gpu_utilization_percent',
  'ram_utilization_percent', 'ram_used_gb', 'on_cloud', 'pue', 'wue',
] as const;
export type LedgerRow = Record<(typeof CODECARBON_COLUMNS)[number], string | number>;
export const HEADER = CODECARBON_COLUMNS.join(',');

export function csvField(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function rowToLine(row: LedgerRow): string {
  return CODECARBON_COLUMNS.map((c) => csvField(row[c] ?? '')).join(',') + '\n';
}

/** RFC 4180 parser (quoted fields, doubled quotes, embedded newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          f += '"';
          i++;
        } else q = false;
      } else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
    } else f += c;
  }
  if (f !== '' || row.length > 0) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

export function ledgerPath(outputDir: string): string {
  return join(outputDir, 'emissions.csv');
}

/** Appends one row (header first when the file is new) with a single write + fsync. */
export function appendLedgerRow(outputDir: string, row: LedgerRow): string {
  fs.mkdirSync(outputDir, { recursive: true });
  const path = ledgerPath(outputDir);
  let prefix = '';
  let size = 0;
  try {
    size = fs.statSync(path).size;
  } catch {
    size = 0;
  }
  if (size > 0) {
    const head = readHead(path);
    if (head !== HEADER) {
      // Another layout (e.g. an older CodeCarbon file): keep it aside, like CodeCarbon does.
      fs.renameSync(path, `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`);
      size = 0;
    } else {
      repairTail(path, size);
    }
  }
  if (size === 0 || !fs.existsSync(path)) prefix = HEADER + '\n';
  const data = prefix + rowToLine(row);
  const fd = fs.openSync(path, 'a');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return path;
}

function readHead(path: string): string {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.alloc(2048);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split(/\r?\n/, 1)[0];
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts a torn last line (no trailing newline) so that the next row starts on a fresh line. */
function repairTail(path: string, size: number): void {
  const fd = fs.openSync(path, 'r+');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    const chunk = Math.min(size, 1 << 16);
    const buf = Buffer.alloc(chunk);
    fs.readSync(fd, buf, 0, chunk, size - chunk);
    const nl = buf.lastIndexOf(0x0a);
    fs.ftruncateSync(fd, nl < 0 ? 0 : size - chunk + nl + 1);
  } finally {
    fs.closeSync(fd);
  }
}

export function readLedger(outputDir: string): Record<string, string>[] {
  let text: string;
  try {
    text = fs.readFileSync(ledgerPath(outputDir), 'utf8');
  } catch {
    return [];
  }
  const rows = parseCsv(text);
  const header = rows.shift() ?? [];
  return rows.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

export interface RowContext {
  projectName: string;
  cpuModel: string;
  cpuCount: number;
  gpuNames: string[];
  ramTotalGb: number;
  countryName: string;
  countryIso: string;
  pythonVersion: string;
  averages: { cpuUtilPct: number; gpuUtilPct: number; ramUtilPct: number; ramUsedGb: number };
}

export function buildRow(s: RunStatus, ctx: RowContext, when = new Date()): LedgerRow {
  const d = Math.max(s.durationS, 1e-9);
  const kwh = (x: number) => round(x, 9);
  const gpuModel = summariseNames(ctx.gpuNames);
  return {
    timestamp: when.toISOString().slice(0, 19),
    project_name: ctx.projectName,
    run_id: s.runId,
    experiment_id: '',
    duration: round(s.durationS, 3),
    emissions: round(s.emissionsKg, 12),
    emissions_rate: round(s.emissionsKg / d, 15),
    cpu_power: round((s.components.cpu.energyKwh * 3.6e6) / d, 4),
    gpu_power: round((s.components.gpu.energyKwh * 3.6e6) / d, 4),
    ram_power: round((s.components.ram.energyKwh * 3.6e6) / d, 4),
    cpu_energy: kwh(s.components.cpu.energyKwh),
    gpu_energy: kwh(s.components.gpu.energyKwh),
    ram_energy: kwh(s.components.ram.energyKwh),
    energy_consumed: kwh(s.energyKwh),
    water_consumed: 0,
    country_name: ctx.countryName,
    country_iso_code: ctx.countryIso,
    region: '',
    cloud_provider: '',
    cloud_region: '',
    os: `${os.type()}-${os.release()}-${os.arch()}`,
    python_version: ctx.pythonVersion,
    codecarbon_version: '',
    cpu_count: ctx.cpuCount,
    cpu_model: ctx.cpuModel,
    gpu_count: ctx.gpuNames.length,
    gpu_model: gpuModel,
    longitude: '',
    latitude: '',
    ram_total_size: round(ctx.ramTotalGb, 3),
    tracking_mode: 'process',
    cpu_utilization_percent: round(ctx.averages.cpuUtilPct, 2),
    gpu_utilization_percent: round(ctx.averages.gpuUtilPct, 2),
    ram_utilization_percent: round(ctx.averages.ramUtilPct, 2),
    ram_used_gb: round(ctx.averages.ramUsedGb, 4),
    on_cloud: 'N',
    pue: s.intensity.pue,
    wue: 0,
  };
}

function summariseNames(names: string[]): string {
  if (names.length === 0) return '';
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${c} x ${n}`).join(', ');
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---- checkpoints (live files) ----

export interface LiveFile {
  version: 1;
  trackerPid: number;
  /** Pids of the tracked tree at the last checkpoint (so that discovery does not track them twice). */
  pids: number[];
  running: boolean;
  status: RunStatus;
  /** The ledger row as of this checkpoint (used to recover an interrupted run). */
  row: LedgerRow;
  exitCode?: number | null;
  labelMarkdownPath?: string;
  labelJsonPath?: string;
  writtenAt: number;
}

export function liveDir(outputDir: string): string {
  return join(outputDir, 'live');
}

export function writeLiveFile(outputDir: string, lf: LiveFile, path?: string): string {
  const dir = liveDir(outputDir);
  fs.mkdirSync(dir, { recursive: true });
  const p = path ?? join(dir, `${lf.status.runId}.json`);
  writeFileAtomic(p, JSON.stringify(lf));
  return p;
}

export function readLiveFiles(outputDir: string): { path: string; live: LiveFile }[] {
  const dir = liveDir(outputDir);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: { path: string; live: LiveFile }[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    const p = join(dir, n);
    try {
      const live = JSON.parse(fs.readFileSync(p, 'utf8')) as LiveFile;
      if (live && live.version === 1 && live.status) out.push({ path: p, live });
    } catch {
      /* being replaced or foreign: skip */
    }
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Turns checkpoints of trackers that died (kill -9, crash, power cut) into ledger rows marked
 * "[interrupted]", and removes finished checkpoints older than `finishedMaxAgeMs`.
 * Returns the recovered run ids.
 */
export function recoverInterrupted(outputDir: string, finishedMaxAgeMs = 10 * 60 * 1000): string[] {
  const recovered: string[] = [];
  for (const { path, live } of readLiveFiles(outputDir)) {
    if (live.running && live.trackerPid !== process.pid && !pidAlive(live.trackerPid)) {
      // Claim the checkpoint first (rename is atomic) so that two recoverers never write it twice.
      const claimed = `${path}.recovering-${process.pid}`;
      try {
        fs.renameSync(path, claimed);
      } catch {
        continue;
      }
      const row = { ...live.row, project_name: `${live.row.project_name} [interrupted]` } as LedgerRow;
      appendLedgerRow(outputDir, row);
      fs.rmSync(claimed, { force: true });
      recovered.push(live.status.runId);
    } else if (!live.running && Date.now() - live.writtenAt > finishedMaxAgeMs) {
      fs.rmSync(path, { force: true });
    }
  }
  return recovered;
}

export function projectNameFor(outputDir: string): string {
  const parent = basename(join(outputDir, '..'));
  return parent || 'greenml';
}
