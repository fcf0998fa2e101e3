// The language server's tracking service: shows runs started by `greenml run` (from the "Run with
// emissions tracking" command or any terminal) through their checkpoints, tracks Python processes
// whose working directory is inside the workspace itself (quietly: recorded only when they ran for
// the minimum duration, tools never), reads CodeCarbon emissions.csv files, watches the ledgers for
// finished runs, and publishes one aggregated status with the intensity now and the forecast's
// cleanest window. Runs are only discovered/attached, live carbon providers only asked, and files
// only written or removed, in a trusted workspace (Restricted Mode: display only).
import * as fs from 'node:fs';
import { join, resolve, sep, basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ForecastStatus, RunEndedParams, RunStatus, RunSummary, TrackingSettings, TrackingStatus, CodeCarbonRecord, IntensityStatus } from '../common/trackingProtocol';
import { readLiveFiles, recoverInterrupted, pidAlive, ledgerPath } from './ledger';
import { MachineSampler } from './machine';
import { ProcSource, defaultProcSource } from './procfs';
import { ProcessTree } from './procfs';
import { IntensityTracker, CarbonOptions, resolveOffline } from './carbon';
import { RunSession, measureBaseline, Baseline } from './session';
import { finishRun } from './recorder';
import { CodeCarbonWatcher } from './codecarbonCsv';
import { scanForRuns, scriptOfCommand } from './discovery';
import { getRun, ledgerStamp, listRuns } from './history';
import { readScheduled } from './schedule';
import { cleanestWindow } from './forecast';
import { checkOutputDir } from '../config/validateSettings';
import { effectivePostcode, effectivePue } from '../common/carbonSettings';

export interface ServiceOptions {
  publish: (s: TrackingStatus) => void;
  runEnded: (p: RunEndedParams) => void;
  /** A ledger changed: the run history has new rows. */
  historyChanged?: () => void;
  log?: (msg: string) => void;
  /** How often live files are read and status is published (ms). Default 500. */
  pollMs?: number;
  /** How often Python processes are discovered (ms). Default 3000. */
  discoveryMs?: number;
  env?: NodeJS.ProcessEnv;
  proc?: ProcSource;
}

export interface ServiceConfig {
  trusted: boolean;
  workspaceFolders: string[];
  settings: TrackingSettings;
  electricityMapsToken?: string;
}

export const DEFAULT_DISCOVERY_MIN_S = 30;
const DAY_MS = 24 * 3600_000;

export class TrackingService {
  private cfg: ServiceConfig = { trusted: false, workspaceFolders: [], settings: {} };
  private pollTimer?: NodeJS.Timeout;
  private discoveryTimer?: NodeJS.Timeout;
  private machine?: MachineSampler;
  private baseline?: Baseline;
  private intensity?: IntensityTracker;
  private discovered = new Map<number, RunSession>();
  /** Pids already judged (tooling, children, tracked by greenml run): not looked at again. */
  private judged = new Set<number>();
  private ignoredPids = new Set<number>();
  private notified = new Set<string>();
  private ledgerStamps = new Map<string, string>();
  private knownRuns = new Set<string>();
  private lastRun?: RunSummary;
  private lastPublished = '';
  private lastPublishAt = 0;
  private codecarbon: CodeCarbonWatcher;
  private ccRecords: CodeCarbonRecord[] = [];
  private lastCc = 0;
  private readonly proc: ProcSource;

  constructor(private readonly opts: ServiceOptions) {
    this.proc = opts.proc ?? defaultProcSource();
    this.codecarbon = new CodeCarbonWatcher(
      () => this.cfg.workspaceFolders,
      () => new Set(this.outputDirs().map((d) => ledgerPath(d))),
    );
  }

  configure(cfg: ServiceConfig): void {
    this.cfg = cfg;
    const c = this.carbonOptions();
    this.intensity?.stop();
    this.intensity = new IntensityTracker(c, true);
    this.intensity.start().catch(() => undefined);
    for (const s of this.discovered.values()) (s as { intensity: IntensityTracker }).intensity = this.intensity;
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => this.poll(), this.opts.pollMs ?? 500);
      this.pollTimer.unref?.();
    }
    const discover = cfg.trusted && cfg.settings.tracking?.enabled !== false && cfg.settings.tracking?.discoverProcesses !== false;
    if (discover && !this.discoveryTimer) {
      this.discoveryTimer = setInterval(() => void this.discover(), this.opts.discoveryMs ?? 3000);
      this.discoveryTimer.unref?.();
    } else if (!discover && this.discoveryTimer) {
      clearInterval(this.discoveryTimer);
      this.discoveryTimer = undefined;
    }
    if (cfg.trusted) for (const d of this.outputDirs()) {
      try {
        recoverInterrupted(d);
      } catch {
        /* unwritable: reported when a run ends */
      }
    }
    // What the ledgers hold now is history, not news: only rows added from here on are announced.
    this.checkLedgers(true);
    this.poll();
  }

  carbonOptions(): CarbonOptions {
    const c = this.cfg.settings.carbon ?? {};
    return {
      region: c.region,
      override: c.intensity ?? undefined,
      pue: effectivePue(c.powerUsageEffectiveness, c.pue),
      // No network for an untrusted workspace, whatever its settings say.
      liveProvider: this.cfg.trusted ? c.liveProvider ?? 'none' : 'none',
      ukPostcode: effectivePostcode(c.postcode, c.ukPostcode),
      electricityMapsZone: c.electricityMapsZone,
      electricityMapsToken: this.cfg.electricityMapsToken,
      timeoutMs: c.providerTimeoutMs,
      env: this.opts.env ?? process.env,
    };
  }

  /** The ledger folder in each workspace folder: always inside it (see checkOutputDir). */
  outputDirs(): string[] {
    const od = checkOutputDir(this.cfg.settings.tracking?.outputDir).value;
    return this.cfg.workspaceFolders.map((f) => resolve(f, od));
  }

  private intervalMs(): number {
    const s = this.cfg.settings.tracking?.interval;
    return typeof s === 'number' && s >= 0.1 ? s * 1000 : 1000;
  }

  minDurationS(): number {
    const v = this.cfg.settings.tracking?.discoveryMinDuration;
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_DISCOVERY_MIN_S;
  }

  /** Reads live files, steps discovered runs, notices new ledger rows, publishes the status. */
  poll(): void {
    const runs: RunStatus[] = [];
    for (const dir of this.outputDirs()) {
      for (const { path, live } of readLiveFiles(dir)) {
        if (live.running) {
          if (pidAlive(live.trackerPid)) {
            runs.push(live.status);
            for (const p of live.pids) this.ignoredPids.add(p);
          } else if (this.cfg.trusted) {
            try {
              recoverInterrupted(dir);
            } catch {
              /* ignore */
            }
          }
        } else if (this.cfg.trusted) {
          // A finished checkpoint left by an older greenml: the ledger row tells the end now.
          fs.rmSync(path, { force: true });
        }
      }
    }
    if (this.discovered.size > 0 && this.machine) {
      const m = this.machine.read();
      for (const [pid, s] of this.discovered) {
        if (m.t - s.lastSampleT >= this.intervalMs() - 50) s.step(m);
        if (!s.alive) {
          this.discovered.delete(pid);
          this.endDiscovered(s);
        } else if (s.durationS >= this.minDurationS()) runs.push(s.status());
      }
      if (this.discovered.size === 0) this.stopMachine();
    }
    this.checkLedgers(false);
    if (this.cfg.settings.tracking?.readCodeCarbon !== false && Date.now() - this.lastCc > 2000) {
      this.lastCc = Date.now();
      try {
        this.ccRecords = this.codecarbon.poll();
      } catch {
        this.ccRecords = [];
      }
    }
    const status = this.assemble(runs);
    const key = JSON.stringify({ ...status, updatedAt: 0 });
    const waiting = (status.scheduled?.length ?? 0) > 0;
    if (runs.length > 0 || waiting || key !== this.lastPublished || Date.now() - this.lastPublishAt > 10_000) {
      this.lastPublished = key;
      this.lastPublishAt = Date.now();
      this.opts.publish(status);
    }
  }

  /** New ledger rows → runEnded (once per run) and historyChanged. `initial`: only learn what is there. */
  private checkLedgers(initial: boolean): void {
    let changed = false;
    for (const dir of this.outputDirs()) {
      const stamp = ledgerStamp(dir);
      if (this.ledgerStamps.get(dir) === stamp) continue;
      this.ledgerStamps.set(dir, stamp);
      changed = true;
      const rows = listRuns([dir]);
      if (rows[0] && (!this.lastRun || rows[0].startedAt > this.lastRun.startedAt)) this.lastRun = rows[0];
      for (const r of rows) {
        if (this.knownRuns.has(r.runId)) continue;
        this.knownRuns.add(r.runId);
        if (initial || this.notified.has(r.runId)) continue;
        this.notified.add(r.runId);
        const detail = getRun([dir], r.runId);
        this.opts.runEnded(runEndedFrom(r, detail?.label ?? null));
      }
    }
    if (changed && !initial) this.opts.historyChanged?.();
  }

  assemble(runs: RunStatus[]): TrackingStatus {
    const totals = runs.reduce(
      (t, r) => ({ powerW: t.powerW + r.powerW, energyKwh: t.energyKwh + r.energyKwh, emissionsKg: t.emissionsKg + r.emissionsKg, count: t.count + 1 }),
      { powerW: 0, energyKwh: 0, emissionsKg: 0, count: 0 },
    );
    const intensity = this.intensity?.current ?? resolveOffline(this.carbonOptions());
    const scheduled = this.outputDirs().flatMap((d) => readScheduled(d));
    const { notes: _notes, ...intensityStatus } = intensity;
    return {
      runs,
      codecarbon: this.ccRecords.slice(0, 5),
      totals,
      updatedAt: Date.now(),
      needsRegion: intensity.kind === 'assumed',
      intensity: intensityStatus,
      forecast: this.forecastStatus(),
      forecastError: this.intensity?.forecastError,
      lastRun: this.lastRun,
      scheduled,
    };
  }

  private forecastStatus(): ForecastStatus | undefined {
    const f = this.intensity?.forecast;
    if (!f) return undefined;
    const now = Date.now();
    const w = cleanestWindow(f, now, DAY_MS);
    if (!w) return undefined;
    const horizon = Math.max(...f.slots.map((s) => s.to));
    return {
      provider: f.provider,
      nowGPerKwh: w.currentGPerKwh,
      best: { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString(), gPerKwh: w.gPerKwh },
      horizon: new Date(horizon).toISOString(),
    };
  }

  status(): TrackingStatus {
    return this.assemble([...this.discovered.values()].filter((s) => s.durationS >= this.minDurationS()).map((s) => s.status()));
  }

  history(): RunSummary[] {
    return listRuns(this.outputDirs());
  }

  run(runId: string): ReturnType<typeof getRun> {
    return getRun(this.outputDirs(), runId);
  }

  private inWorkspace(dir: string): boolean {
    return this.cfg.workspaceFolders.some((f) => dir === f || dir.startsWith(f.endsWith(sep) ? f : f + sep));
  }

  /** Finds Python processes whose cwd is inside the workspace and starts tracking them. */
  async discover(): Promise<void> {
    if (!this.cfg.trusted || this.proc.kind !== 'procfs') return;
    const trackerPids = new Set<number>();
    for (const dir of this.outputDirs()) for (const { live } of readLiveFiles(dir)) if (live.running) trackerPids.add(live.trackerPid);
    const underTracked = (pid: number, table: Map<number, { ppid: number }>): boolean => {
      let p = pid;
      for (let i = 0; i < 64 && p > 1; i++) {
        if (trackerPids.has(p) || this.ignoredPids.has(p) || this.discovered.has(p)) return true;
        p = table.get(p)?.ppid ?? 0;
      }
      return false;
    };
    const scan = scanForRuns(this.proc, (d) => this.inWorkspace(d), (pid) => this.discovered.has(pid) || this.judged.has(pid), underTracked);
    for (const [pid, why] of scan.skipped) {
      this.judged.add(pid);
      this.opts.log?.(`discovery: not tracking pid ${pid} (${why})`);
    }
    if (this.judged.size > 4096) this.judged.clear();
    if (scan.fresh.length === 0) return;
    if (!this.machine) {
      this.machine = new MachineSampler({ intervalMs: this.intervalMs(), env: this.opts.env, proc: this.proc, log: this.opts.log });
      this.baseline = await measureBaseline(this.machine, 0);
    }
    for (const pid of scan.fresh) {
      const cmd = this.proc.cmdline(pid) ?? [];
      const now = Date.now();
      const startedAtMs = this.proc.startedAtMs?.(pid);
      const rss = this.proc.read(pid)?.rssBytes ?? 0;
      const tree = new ProcessTree(pid, this.proc, false);
      const s = new RunSession(
        { runId: randomUUID(), origin: 'discovered', label: `${basename(scriptOfCommand(cmd))} (pid ${pid})`, command: cmd, cwd: this.proc.cwd(pid) ?? '', startedAt: new Date(startedAtMs ?? now) },
        this.machine,
        tree,
        this.intensity ?? new IntensityTracker(this.carbonOptions()),
        this.baseline!,
      );
      // Its duration counts from the process's real start, not from when it was found.
      if (startedAtMs !== undefined) s.addPriorRun(Math.max(0, (now - startedAtMs) / 1000), tree.baseCpuS(), rss);
      this.discovered.set(pid, s);
      this.opts.log?.(`discovery: tracking Python process ${pid} (${cmd.join(' ')}), running for ${s.priorS.toFixed(1)} s`);
    }
  }

  private endDiscovered(s: RunSession): void {
    const dir = this.outputDirs()[0];
    if (!dir) return;
    const min = this.minDurationS();
    if (s.durationS < min) {
      this.opts.log?.(`discovery: ${s.info.label} ended after ${s.durationS.toFixed(1)} s, under the ${min} s minimum: not recorded`);
      return;
    }
    try {
      const exitCode = s.tree.rootExitCode ?? null;
      const res = finishRun(s, dir, exitCode, { pythonVersion: '' });
      const st = s.status();
      this.notified.add(st.runId);
      this.opts.log?.(`discovery: recorded ${s.info.label}: ${st.durationS.toFixed(1)} s, exit status ${exitCode ?? 'unknown'}`);
      this.opts.runEnded({
        runId: st.runId,
        label: st.label,
        script: scriptOfCommand(s.info.command),
        origin: 'discovered',
        exitCode,
        durationS: st.durationS,
        energyKwh: st.energyKwh,
        emissionsKg: st.emissionsKg,
        intensity: st.intensity,
        labelJsonPath: res.labelJsonPath,
        labelMarkdownPath: res.labelMarkdownPath,
      });
    } catch (err) {
      this.opts.log?.(`could not record run ${s.info.runId}: ${(err as Error).message}`);
    }
  }

  private stopMachine(): void {
    this.machine?.stop();
    this.machine = undefined;
  }

  dispose(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.discoveryTimer) clearInterval(this.discoveryTimer);
    this.intensity?.stop();
    this.stopMachine();
  }
}

/** The end-of-run notification from a new ledger row and its label. */
function runEndedFrom(r: RunSummary, label: Record<string, unknown> | null): RunEndedParams {
  const ci = (label?.carbon_intensity ?? {}) as { g_per_kwh?: number; source?: string; kind?: IntensityStatus['kind']; year?: number | null; region?: string | null; pue?: number };
  return {
    runId: r.runId,
    label: basename(r.script),
    script: r.script,
    origin: r.origin === 'unknown' ? 'terminal' : r.origin,
    exitCode: r.exitCode,
    durationS: r.durationS,
    energyKwh: r.energyKwh,
    emissionsKg: r.emissionsKg,
    intensity: { gPerKwh: ci.g_per_kwh ?? 0, source: ci.source ?? r.methods.intensity, kind: ci.kind ?? 'table', year: ci.year ?? undefined, region: ci.region ?? undefined, pue: ci.pue ?? 1 },
    labelJsonPath: r.labelJsonPath,
    labelMarkdownPath: r.labelMarkdownPath,
  };
}

export function liveDirFor(folder: string, outputDir = '.greenml'): string {
  return join(resolve(folder, outputDir), 'live');
}
