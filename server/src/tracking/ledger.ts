// The run ledger: <outputDir>/emissions.csv in CodeCarbon 3.3.0's exact 38-column layout, one row per
// run. A row is appended with ONE write(2) on an O_APPEND descriptor followed by fsync, so a kill -9
// at any moment leaves either the whole row or none; a torn tail left by a power cut is cut back to
// the last complete line before the next append. Appends hold a lock file, so trackers appending to
// one ledger at once never write a second header or cut each other's rows. The in-progress run is checkpointed separately
// (<outputDir>/live/<run>.json, atomic rename every interval); a checkpoint whose tracker died is
// turned into a ledger row marked "[interrupted]", so a crash loses at most the interval in progress.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join, basename } from 'node:path';
import type { RunStatus } from '../common/trackingProtocol';
import { readRegularText } from '../io/files';
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

/**
 * Appends one row (header first when the file is new) with a single write + fsync, holding the
 * ledger's lock (see withLedgerLock): trackers running at once in one folder then never write a
 * second header, and the torn-tail repair never cuts a row another tracker is writing.
 */
export function appendLedgerRow(outputDir: string, row: LedgerRow): string {
  fs.mkdirSync(outputDir, { recursive: true });
  const path = ledgerPath(outputDir);
  withLedgerLock(path, () => {
    let size = 0;
    try {
      const st = fs.statSync(path);
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      size = st.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (size > 0) {
      const head = readHead(path);
      if (head !== HEADER) {
        // Another layout (e.g. an older CodeCarbon file): keep it aside, like CodeCarbon does.
        fs.renameSync(path, `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`);
        size = 0;
      } else {
        size = repairTail(path, size);
      }
    }
    const data = Buffer.from((size === 0 ? HEADER + '\n' : '') + rowToLine(row), 'utf8');
    const fd = fs.openSync(path, 'a');
    try {
      try {
        for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
        fs.fsyncSync(fd);
      } catch (err) {
        // A full disk can take part of the row: cut it back, so the file still ends on a whole row.
        try {
          fs.ftruncateSync(fd, size);
        } catch {
          /* the next append's repairTail cuts it */
        }
        throw err;
      }
    } finally {
      fs.closeSync(fd);
    }
  });
  return path;
}

/** How long an append waits for another tracker's lock before giving up (appends take milliseconds). */
const LOCK_WAIT_MS = 15_000;
/** A lock older than this is stale whoever holds it: no append holds it for more than a moment. */
const LOCK_STALE_MS = 30_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` holding `<ledger>.lock`, a file created with O_EXCL (atomic, also on NFS) that holds the
 * holder's pid. A lock whose holder is dead (kill -9 mid-append) or that is older than LOCK_STALE_MS
 * is broken: renamed away (so two waiters cannot both break it), checked to be the one judged stale,
 * then removed.
 */
export function withLedgerLock<T>(ledger: string, fn: () => T): T {
  const lock = `${ledger}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, `${process.pid} ${os.hostname()} ${Date.now()}\n`);
      } finally {
        fs.closeSync(fd);
      }
      try {
        return fn();
      } finally {
        fs.rmSync(lock, { force: true });
      }
    }
    breakIfStale(lock);
    if (Date.now() > deadline) {
      throw new Error(`the ledger ${ledger} stayed locked for ${LOCK_WAIT_MS / 1000} s (${lock}: ${readLockHolder(lock) ?? 'gone'}); remove that file if no tracker is running`);
    }
    // Short, jittered waits: the holder appends one row and lets go.
    Atomics.wait(sleeper, 0, 0, Math.min(2 + attempt, 20) + Math.random() * 5);
  }
}

function readLockHolder(lock: string): string | undefined {
  try {
    return fs.readFileSync(lock, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function breakIfStale(lock: string): void {
  let st: fs.Stats;
  let holder: string | undefined;
  try {
    st = fs.statSync(lock);
    holder = readLockHolder(lock);
  } catch {
    return; // released meanwhile
  }
  if (holder === undefined) return;
  const [pidText, host] = holder.split(' ');
  const pid = Number(pidText);
  const deadHere = host === os.hostname() && Number.isInteger(pid) && pid > 0 && !pidAlive(pid);
  // A holder still writing its pid (empty file) is not stale unless old.
  if (!deadHere && Date.now() - st.mtimeMs < LOCK_STALE_MS) return;
  const aside = `${lock}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // another waiter broke it first
  }
  if (readLockHolder(aside) !== holder) {
    // Between our look and the rename the stale lock was broken and a live holder took a new one:
    // put that one back (link fails only if yet another lock was taken, which then stands).
    try {
      fs.linkSync(aside, lock);
    } catch {
      /* see above */
    }
  }
  fs.rmSync(aside, { force: true });
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

/**
 * Cuts a torn last line (no trailing newline, from a power cut) so that the next row starts on a
 * fresh line; returns the new size. Called with the lock held: no other tracker is mid-row.
 */
function repairTail(path: string, size: number): number {
  const fd = fs.openSync(path, 'r+');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return size;
    const chunk = Math.min(size, 1 << 16);
    const buf = Buffer.alloc(chunk);
    fs.readSync(fd, buf, 0, chunk, size - chunk);
    const nl = buf.lastIndexOf(0x0a);
    const cut = nl < 0 ? 0 : size - chunk + nl + 1;
    fs.ftruncateSync(fd, cut);
    return cut;
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

/** A checkpoint is a few KB; anything far larger in live/ is not one of ours (and is not read whole). */
const MAX_LIVE_FILE_BYTES = 1024 * 1024;

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
      const live = JSON.parse(readRegularText(p, MAX_LIVE_FILE_BYTES)) as LiveFile;
      if (isLiveFile(live)) out.push({ path: p, live });
    } catch {
      /* being replaced or foreign: skip */
    }
  }
  return out;
}

/** The fields the service relies on, checked: anything in live/ may have been put there by hand. */
function isLiveFile(x: unknown): x is LiveFile {
  const l = x as LiveFile;
  return (
    typeof l === 'object' && l !== null && l.version === 1 && Number.isInteger(l.trackerPid) && typeof l.running === 'boolean' &&
    Array.isArray(l.pids) && l.pids.every((p) => Number.isInteger(p)) &&
    typeof l.status === 'object' && l.status !== null && typeof l.status.runId === 'string' && typeof l.row === 'object' && l.row !== null
  );
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
  let inLedger: Set<string> | undefined;
  for (const { path, live } of readLiveFiles(outputDir)) {
    if (live.running && live.trackerPid !== process.pid && !pidAlive(live.trackerPid)) {
      // Its tracker wrote the row and died before removing the checkpoint: nothing to recover.
      inLedger ??= new Set(readLedger(outputDir).map((r) => r.run_id));
      if (inLedger.has(live.status.runId)) {
        fs.rmSync(path, { force: true });
        continue;
      }
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
