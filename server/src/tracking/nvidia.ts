// NVIDIA GPU sampler: ONE long-lived `nvidia-smi --query-gpu=… --format=csv,noheader,nounits -lms N`
// child (no spawn per sample). Energy from the GPU's energy counter where nvidia-smi exposes one
// (`total_energy_consumption`, mJ; many drivers answer "is not a valid field to query", in which case
// the child is restarted without it), else power.draw integrated over time. `[N/A]`, `[Not Supported]`
// and other bracketed values are treated as missing. Early exit and silence (a hung nvidia-smi) degrade
// to "none" with a message; energy measured until then is kept. Per-process shares come from
// `--query-compute-apps=pid,used_memory,gpu_uuid`, polled every few seconds with a timeout.
// Whatever sits on PATH as nvidia-smi is not trusted: lines are length-capped and checked (field
// count, index, GPU- uuid, at most MAX_GPUS GPUs), and a child that ignores SIGTERM, or whose
// grandchild holds its output open, is killed and let go of, so it never keeps the tracker alive.
import { spawn, ChildProcess } from 'node:child_process';

export interface GpuReading {
  index: number;
  uuid: string;
  name: string;
  /** Cumulative energy since the sampler started, J. */
  energyJ: number;
  /** Last power reading, W (NaN when not available). */
  powerW: number;
  utilization: number;
  /** 'counter' | 'power' | 'none' — how energyJ is obtained for this GPU. */
  source: 'counter' | 'power' | 'none';
  /** Lowest power seen, W: an idle floor when no baseline window was measured. */
  minPowerW: number;
}

export interface ComputeApp {
  pid: number;
  usedMemoryMiB: number;
  gpuUuid: string;
}

export type NvidiaState = 'starting' | 'running' | 'unavailable' | 'failed';

const FIELDS_ENERGY = 'index,uuid,name,power.draw,utilization.gpu,total_energy_consumption';
const FIELDS_POWER = 'index,uuid,name,power.draw,utilization.gpu';

/** More GPUs than any machine has: lines beyond that are junk, not GPUs. */
export const MAX_GPUS = 64;
/** A --query-gpu line is under 200 characters; a longer run without a newline is dropped. */
const MAX_LINE = 4096;
/** Output kept from one --query-compute-apps call (a line per process on the GPUs). */
const MAX_APPS_OUTPUT = 1024 * 1024;
/** After SIGTERM, how long nvidia-smi gets before SIGKILL. */
const KILL_GRACE_MS = 1000;
const GPU_UUID = /^GPU-[0-9A-Fa-f-]+$/;

/**
 * Sends SIGTERM, then SIGKILL after a grace period, and lets go of the child's pipes at once: a child
 * that ignores SIGTERM, or a grandchild that inherited its stdout, cannot keep this process alive
 * for longer than the grace period.
 */
export function killChild(child: ChildProcess, graceMs = KILL_GRACE_MS): void {
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.unref();
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill('SIGTERM');
  } catch {
    return;
  }
  // This timer keeps the process up for at most the grace period, so that the SIGKILL is sent even
  // when the tracker is about to exit; a child that obeys SIGTERM clears it at once.
  const t = setTimeout(() => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  child.once('exit', () => clearTimeout(t));
}

/**
 * Runs a command and collects at most `maxBytes` of its stdout within `timeoutMs`; resolves undefined
 * on failure, timeout (the child is killed) or too much output. Never waits on a grandchild that
 * holds the pipe: the result comes when the child exits or the time is up.
 */
export function runBounded(command: string, args: string[], opts: { timeoutMs: number; maxBytes: number; env?: NodeJS.ProcessEnv }): Promise<string | undefined> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'], env: opts.env ?? process.env });
    } catch {
      resolve(undefined);
      return;
    }
    let out = '';
    let done = false;
    const finish = (result: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      killChild(child, 0);
      resolve(result);
    };
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs);
    timer.unref();
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.length > opts.maxBytes) finish(undefined);
    });
    child.on('error', () => finish(undefined));
    // 'close' comes once every holder of the pipe has closed it; a grandchild may hold it for good,
    // so shortly after the child's own exit the output read so far is taken.
    let exitCode: number | null = null;
    child.on('close', (code) => finish((code ?? exitCode) === 0 ? out : undefined));
    child.on('exit', (code) => {
      exitCode = code;
      setTimeout(() => finish(code === 0 ? out : undefined), 100).unref();
    });
  });
}

/** `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `N/A`, empty → NaN. */
export function parseNvNumber(s: string | undefined): number {
  if (s === undefined) return NaN;
  const t = s.trim();
  if (t === '' || t.startsWith('[') || t === 'N/A') return NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

export function parseComputeApps(text: string): ComputeApp[] {
  const out: ComputeApp[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= 4096) break;
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 3) continue;
    const pid = Number(parts[0]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const mem = parseNvNumber(parts[1]);
    out.push({ pid, usedMemoryMiB: Number.isFinite(mem) ? mem : 0, gpuUuid: parts[2] });
  }
  return out;
}

interface GpuState extends GpuReading {
  lastT?: number;
  lastCounterMj?: number;
}

export interface NvidiaOptions {
  intervalMs: number;
  /** Silence longer than this (ms) means nvidia-smi hung: kill it and stop counting GPU energy. */
  hangTimeoutMs?: number;
  computeAppsEveryMs?: number;
  command?: string;
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
}

export class NvidiaSampler {
  state: NvidiaState = 'starting';
  message?: string;
  readonly gpus = new Map<string, GpuState>();
  apps: ComputeApp[] = [];
  private child?: ChildProcess;
  private withEnergyField = true;
  private buf = '';
  private lastLineAt = 0;
  private watchdog?: NodeJS.Timeout;
  private appsTimer?: NodeJS.Timeout;
  private stopped = false;
  private gotLine = false;
  private readonly hangTimeoutMs: number;
  private readonly command: string;
  private stderr = '';
  private stdoutHead = '';

  constructor(private readonly opts: NvidiaOptions) {
    this.hangTimeoutMs = opts.hangTimeoutMs ?? Math.max(5000, 3 * opts.intervalMs);
    this.command = opts.command ?? 'nvidia-smi';
  }

  start(): void {
    this.spawnChild();
    this.watchdog = setInterval(() => this.checkHang(), Math.min(1000, this.hangTimeoutMs / 2));
    this.watchdog.unref();
    // Early polls catch short runs; then every `computeAppsEveryMs` (a spawn each time, so not too often).
    const every = this.opts.computeAppsEveryMs ?? 5000;
    const delays = [Math.min(every, 1000), Math.min(every, 2000)];
    const next = () => {
      if (this.stopped) return;
      this.appsTimer = setTimeout(() => void this.pollApps().then(next), delays.shift() ?? every);
      this.appsTimer.unref();
    };
    next();
  }

  private spawnChild(): void {
    const fields = this.withEnergyField ? FIELDS_ENERGY : FIELDS_POWER;
    const args = [`--query-gpu=${fields}`, '--format=csv,noheader,nounits', '-lms', String(Math.max(100, Math.round(this.opts.intervalMs)))];
    this.buf = '';
    this.stderr = '';
    this.stdoutHead = '';
    this.gotLine = false;
    this.lastLineAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(this.command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env ?? process.env });
    } catch (err) {
      this.fail('unavailable', `nvidia-smi could not be started: ${String(err)}`);
      return;
    }
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.onData(d));
    child.stderr!.setEncoding('utf8');
    child.unref(); // never what keeps the tracker running
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    child.stderr!.on('data', (d: string) => {
      if (this.stderr.length < 4000) this.stderr += d;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.fail('unavailable', err.code === 'ENOENT' ? 'no NVIDIA GPU: nvidia-smi not found on PATH' : `nvidia-smi could not be started: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopped) return;
      const text = `${this.stderr}\n${this.gotLine ? '' : this.stdoutHead}`;
      if (this.withEnergyField && !this.gotLine && /not a valid field|invalid field|total_energy_consumption/i.test(text)) {
        // This driver has no energy field: measure by integrating power.draw instead.
        this.withEnergyField = false;
        this.spawnChild();
        return;
      }
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const detail = text.trim().split('\n').find((l) => l.trim())?.trim().slice(0, 200);
      if (!this.gotLine && /No devices were found|couldn't communicate|NVIDIA-SMI has failed/i.test(text)) {
        this.fail('unavailable', `no NVIDIA GPU: ${detail}`);
      } else {
        this.fail('failed', `nvidia-smi exited early (${why})${detail ? `: ${detail}` : ''}; GPU energy after that point is not counted`);
      }
    });
  }

  private fail(state: NvidiaState, msg: string): void {
    this.state = state;
    this.message = msg;
    this.opts.log?.(msg);
    for (const g of this.gpus.values()) {
      g.powerW = NaN;
    }
  }

  private checkHang(): void {
    if (!this.child || this.stopped) return;
    if (Date.now() - this.lastLineAt > this.hangTimeoutMs) {
      const c = this.child;
      this.child = undefined;
      killChild(c, 0);
      this.fail('failed', `nvidia-smi stopped responding (no output for ${Math.round(this.hangTimeoutMs / 1000)} s); it was stopped and GPU energy after that point is not counted`);
    }
  }

  private onData(d: string): void {
    if (!this.gotLine && this.stdoutHead.length < 4000) this.stdoutHead += d.slice(0, 4000 - this.stdoutHead.length);
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      if (line.trim() && line.length <= MAX_LINE) this.onLine(line, Date.now());
    }
    // Output without line breaks is not nvidia-smi's: drop it rather than hold it (no line counts
    // as output, so the watchdog ends such a child).
    if (this.buf.length > MAX_LINE) this.buf = '';
  }

  /** Parses one CSV line of the query above (exposed for tests). */
  onLine(line: string, t: number): void {
    const parts = line.split(',').map((s) => s.trim());
    const index = Number(parts[0]);
    // Anything but a line of the query asked for (5 or 6 fields: a GPU index, a GPU- uuid, a name…) is ignored.
    if (parts.length < 5 || parts.length > 6 || parts[0] === '' || !Number.isInteger(index) || index < 0 || index >= MAX_GPUS) return;
    if (!GPU_UUID.test(parts[1]) || parts[2] === '' || (!this.gpus.has(parts[1]) && this.gpus.size >= MAX_GPUS)) return;
    this.lastLineAt = Date.now();
    this.gotLine = true;
    if (this.state === 'starting') this.state = 'running';
    const uuid = parts[1];
    const power = parseNvNumber(parts[3]);
    const util = parseNvNumber(parts[4]);
    const counterMj = this.withEnergyField ? parseNvNumber(parts[5]) : NaN;
    let g = this.gpus.get(uuid);
    if (!g) {
      g = { index, uuid, name: parts[2], energyJ: 0, powerW: NaN, utilization: NaN, source: 'none', minPowerW: Infinity };
      this.gpus.set(uuid, g);
    }
    if (Number.isFinite(counterMj)) {
      if (g.lastCounterMj !== undefined && counterMj >= g.lastCounterMj) g.energyJ += (counterMj - g.lastCounterMj) / 1000;
      g.lastCounterMj = counterMj;
      g.source = 'counter';
    } else if (Number.isFinite(power)) {
      // Trapezoid between consecutive readings (a gap over 10 intervals is not bridged).
      if (g.lastT !== undefined && Number.isFinite(g.powerW)) {
        const dt = (t - g.lastT) / 1000;
        if (dt > 0 && dt < (10 * this.opts.intervalMs) / 1000 + 1) g.energyJ += ((power + g.powerW) / 2) * dt;
      }
      if (g.source !== 'counter') g.source = 'power';
    }
    g.powerW = power;
    g.utilization = util;
    if (Number.isFinite(power)) g.minPowerW = Math.min(g.minPowerW, power);
    g.lastT = t;
  }

  async pollApps(): Promise<void> {
    if (this.stopped || this.state === 'unavailable') return;
    const out = await runBounded(this.command, ['--query-compute-apps=pid,used_memory,gpu_uuid', '--format=csv,noheader,nounits'], {
      timeoutMs: 3000,
      maxBytes: MAX_APPS_OUTPUT,
      env: this.opts.env,
    });
    if (out !== undefined) this.apps = parseComputeApps(out);
  }

  readings(): GpuReading[] {
    return [...this.gpus.values()].map((g) => ({ ...g })).sort((a, b) => a.index - b.index);
  }

  method(): string {
    if (this.state === 'unavailable' || (this.state !== 'running' && this.gpus.size === 0)) return `none: ${this.message ?? 'waiting for nvidia-smi'}`;
    const srcs = new Set([...this.gpus.values()].map((g) => g.source));
    const how = srcs.has('counter') ? 'nvidia-smi energy counter' : srcs.has('power') ? 'nvidia-smi power.draw integrated' : 'nvidia-smi (power not reported: [N/A])';
    if (!srcs.has('counter') && !srcs.has('power')) return `none: ${how}`;
    return this.state === 'failed' ? `measured: ${how} (partial: ${this.message})` : `measured: ${how}`;
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.appsTimer) clearTimeout(this.appsTimer);
    const c = this.child;
    this.child = undefined;
    if (c) killChild(c);
  }
}
