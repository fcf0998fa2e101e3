// The language server's tracking service: shows runs started by `greenml run` (from the "Run with
// emissions tracking" command or any terminal) through their live files, tracks Python processes
// whose working directory is inside the workspace itself, reads CodeCarbon emissions.csv files, and
// publishes one aggregated status. Runs are only discovered/attached, live carbon providers only
// asked, and files only written or removed, in a trusted workspace (Restricted Mode: display only).
import * as fs from 'node:fs';
import { join, resolve, sep, basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunEndedParams, RunStatus, TrackingSettings, TrackingStatus, CodeCarbonRecord } from '../common/trackingProtocol';
import { readLiveFiles, recoverInterrupted, pidAlive, ledgerPath } from './ledger';
import { MachineSampler } from './machine';
import { ProcessTree, ProcSource, defaultProcSource } from './procfs';
import { IntensityTracker, CarbonOptions, resolveOffline } from './carbon';
import { RunSession, measureBaseline, Baseline } from './session';
import { finishRun } from './recorder';
import { CodeCarbonWatcher } from './codecarbonCsv';
import { checkOutputDir } from '../config/validateSettings';

export interface ServiceOptions {
  publish: (s: TrackingStatus) => void;
  runEnded: (p: RunEndedParams) => void;
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

const PY_RE = /(^|\/)(python[\d.]*|ipython[\d.]*|pythonw?)$/;

export class TrackingService {
  private cfg: ServiceConfig = { trusted: false, workspaceFolders: [], settings: {} };
  private pollTimer?: NodeJS.Timeout;
  private discoveryTimer?: NodeJS.Timeout;
  private machine?: MachineSampler;
  private baseline?: Baseline;
  private intensity?: IntensityTracker;
  private discovered = new Map<number, RunSession>();
  private ignoredPids = new Set<number>();
  private notified = new Set<string>();
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
    this.intensity = new IntensityTracker(c);
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
    this.poll();
  }

  carbonOptions(): CarbonOptions {
    const c = this.cfg.settings.carbon ?? {};
    return {
      region: c.region,
      override: c.intensity ?? undefined,
      pue: c.pue,
      // No network for an untrusted workspace, whatever its settings say.
      liveProvider: this.cfg.trusted ? c.liveProvider ?? 'none' : 'none',
      ukPostcode: c.ukPostcode,
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

  /** Reads live files, steps discovered runs, publishes the status. */
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
        } else if (!this.notified.has(live.status.runId)) {
          this.notified.add(live.status.runId);
          this.opts.runEnded({
            runId: live.status.runId,
            label: live.status.label,
            origin: live.status.origin,
            exitCode: live.exitCode ?? null,
            durationS: live.status.durationS,
            energyKwh: live.status.energyKwh,
            emissionsKg: live.status.emissionsKg,
            intensity: live.status.intensity,
            labelJsonPath: live.labelJsonPath,
            labelMarkdownPath: live.labelMarkdownPath,
          });
          if (this.cfg.trusted) {
            try {
              fs.rmSync(path, { force: true });
            } catch {
              /* someone else removed it */
            }
          }
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
        } else runs.push(s.status());
      }
      if (this.discovered.size === 0) this.stopMachine();
    }
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
    if (runs.length > 0 || key !== this.lastPublished || Date.now() - this.lastPublishAt > 10_000) {
      this.lastPublished = key;
      this.lastPublishAt = Date.now();
      this.opts.publish(status);
    }
  }

  assemble(runs: RunStatus[]): TrackingStatus {
    const totals = runs.reduce(
      (t, r) => ({ powerW: t.powerW + r.powerW, energyKwh: t.energyKwh + r.energyKwh, emissionsKg: t.emissionsKg + r.emissionsKg, count: t.count + 1 }),
      { powerW: 0, energyKwh: 0, emissionsKg: 0, count: 0 },
    );
    const intensity = this.intensity?.current ?? resolveOffline(this.carbonOptions());
    return { runs, codecarbon: this.ccRecords.slice(0, 5), totals, updatedAt: Date.now(), needsRegion: intensity.kind === 'assumed' };
  }

  status(): TrackingStatus {
    return this.assemble([]);
  }

  private inWorkspace(dir: string): boolean {
    return this.cfg.workspaceFolders.some((f) => dir === f || dir.startsWith(f.endsWith(sep) ? f : f + sep));
  }

  /** Finds Python processes whose cwd is inside the workspace and starts tracking them. */
  async discover(): Promise<void> {
    if (!this.cfg.trusted || this.proc.kind !== 'procfs') return;
    const all = this.proc.listAll();
    const trackerPids = new Set<number>();
    for (const dir of this.outputDirs()) for (const { live } of readLiveFiles(dir)) if (live.running) trackerPids.add(live.trackerPid);
    const underTracked = (pid: number): boolean => {
      let p = pid;
      for (let i = 0; i < 64 && p > 1; i++) {
        if (trackerPids.has(p) || this.ignoredPids.has(p) || this.discovered.has(p)) return true;
        p = all.get(p)?.ppid ?? 0;
      }
      return false;
    };
    const fresh: number[] = [];
    for (const pid of all.keys()) {
      if (this.discovered.has(pid) || this.ignoredPids.has(pid)) continue;
      const cmd = this.proc.cmdline(pid);
      if (!cmd || cmd.length === 0 || !PY_RE.test(cmd[0])) continue;
      const cwd = this.proc.cwd(pid);
      if (!cwd || !this.inWorkspace(cwd)) continue;
      if (underTracked(pid)) continue;
      // Skip language servers and tools (pylance, debugpy adapters, jupyter kernels of other tools).
      if (cmd.some((a) => /debugpy\/adapter|pylsp|jedi_language_server|ipykernel_launcher|-m\s*pip/.test(a))) continue;
      // Only the top of a Python tree: its Python children belong to it.
      const ppid = all.get(pid)?.ppid ?? 0;
      const parentCmd = this.proc.cmdline(ppid);
      if (parentCmd && PY_RE.test(parentCmd[0] ?? '') && this.inWorkspace(this.proc.cwd(ppid) ?? '')) continue;
      fresh.push(pid);
    }
    if (fresh.length === 0) return;
    if (!this.machine) {
      this.machine = new MachineSampler({ intervalMs: this.intervalMs(), env: this.opts.env, proc: this.proc, log: this.opts.log });
      this.baseline = await measureBaseline(this.machine, 0);
    }
    for (const pid of fresh) {
      const cmd = this.proc.cmdline(pid) ?? [];
      const script = cmd.find((a) => /\.(py|ipynb)$/.test(a)) ?? cmd.slice(0, 3).join(' ');
      const tree = new ProcessTree(pid, this.proc, false);
      const s = new RunSession(
        { runId: randomUUID(), origin: 'discovered', label: `${basename(script)} (pid ${pid})`, command: cmd, cwd: this.proc.cwd(pid) ?? '', startedAt: new Date() },
        this.machine,
        tree,
        this.intensity ?? new IntensityTracker(this.carbonOptions()),
        this.baseline!,
      );
      this.discovered.set(pid, s);
      this.opts.log?.(`tracking discovered Python process ${pid}: ${cmd.join(' ')}`);
    }
  }

  private endDiscovered(s: RunSession): void {
    const dir = this.outputDirs()[0];
    if (!dir) return;
    try {
      const res = finishRun(s, dir, null, { writeLive: false, pythonVersion: '' });
      const st = s.status();
      this.notified.add(st.runId);
      this.opts.runEnded({
        runId: st.runId,
        label: st.label,
        origin: 'discovered',
        exitCode: null,
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

export function liveDirFor(folder: string, outputDir = '.greenml'): string {
  return join(resolve(folder, outputDir), 'live');
}
