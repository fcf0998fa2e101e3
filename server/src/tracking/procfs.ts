// Process and machine CPU/memory readings. Linux: /proc (utime+stime+cutime+cstime per process, children
// found from the ppid field, /proc/stat for the machine). macOS: `ps` for the tree, os.cpus() for the
// machine. Elsewhere (Windows): machine-level os.cpus() only, and the tree is the root process alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ReadText, readTextSync } from './fsio';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Process start time (clock ticks since boot on Linux): tells a reused pid apart. */
  start: number;
  comm: string;
  /** One-letter state: R, S, D, Z (exited, not yet reaped by its parent), … */
  state?: string;
  /**
   * A zombie's exit status as its parent's waitpid(2) will see it (field 52, Linux 3.5+): the exit
   * code is status >> 8 when status & 0x7f is 0, else it was killed by signal status & 0x7f.
   */
  exitStatus?: number;
  /** utime + stime, seconds. */
  selfCpuS: number;
  /** cutime + cstime (waited-for children), seconds. */
  childCpuS: number;
  rssBytes: number;
}

export interface MachineCpu {
  /** Busy CPU seconds, all logical CPUs together (user+nice+system+irq+softirq+steal). */
  busyS: number;
  /** Total CPU seconds (busy + idle + iowait). */
  totalS: number;
}

export interface ProcSource {
  readonly kind: 'procfs' | 'ps' | 'os';
  /** Reads one process; undefined when it is gone. */
  read(pid: number): ProcInfo | undefined;
  /** All processes (pid → ppid), for finding children. */
  listAll(): Map<number, { ppid: number; start: number }>;
  machineCpu(): MachineCpu;
  /** Used (total − available) memory, bytes. */
  machineMemUsedBytes(): number;
  machineMemTotalBytes(): number;
  /** Working directory of a process (Linux only). */
  cwd(pid: number): string | undefined;
  cmdline(pid: number): string[] | undefined;
  /** When a process started (ms since the epoch), from its start time since boot; Linux only. */
  startedAtMs?(pid: number): number | undefined;
}

/** A waitpid(2) status as one exit code, the way shells report it: 128 + N for a signal N. */
export function exitCodeOfStatus(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node supports
const PAGE = 4096;

/** Parses one /proc/<pid>/stat line (the comm field may contain spaces and parentheses). */
export function parseProcStat(pid: number, text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const comm = text.slice(open + 1, close);
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field n is f[n-3].
  const num = (n: number) => Number(f[n - 3]);
  const exitStatus = f.length >= 50 ? num(52) : undefined;
  return {
    pid,
    ppid: num(4),
    start: num(22),
    comm,
    state: f[0],
    exitStatus: Number.isFinite(exitStatus) ? exitStatus : undefined,
    selfCpuS: (num(14) + num(15)) / CLK_TCK,
    childCpuS: (num(16) + num(17)) / CLK_TCK,
    rssBytes: num(24) * PAGE,
  };
}

export function parseProcStatCpu(text: string): MachineCpu {
  const line = text.split('\n', 1)[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyS: busy / CLK_TCK, totalS: (busy + idle + iowait) / CLK_TCK };
}

export class ProcfsSource implements ProcSource {
  readonly kind = 'procfs' as const;
  constructor(
    private readonly procRoot = '/proc',
    private readonly readText: ReadText = readTextSync,
  ) {}

  read(pid: number): ProcInfo | undefined {
    try {
      return parseProcStat(pid, this.readText(`${this.procRoot}/${pid}/stat`));
    } catch {
      return undefined;
    }
  }

  listAll(): Map<number, { ppid: number; start: number }> {
    const out = new Map<number, { ppid: number; start: number }>();
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.procRoot);
    } catch {
      return out;
    }
    for (const n of names) {
      const c = n.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(n);
      const p = this.read(pid);
      if (p) out.set(pid, { ppid: p.ppid, start: p.start });
    }
    return out;
  }

  machineCpu(): MachineCpu {
    try {
      return parseProcStatCpu(this.readText(`${this.procRoot}/stat`));
    } catch {
      return osMachineCpu();
    }
  }

  private meminfo(): { total: number; available: number } {
    try {
      const t = this.readText(`${this.procRoot}/meminfo`);
      const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? NaN) * 1024;
      const total = get('MemTotal');
      const avail = get('MemAvailable');
      if (Number.isFinite(total) && Number.isFinite(avail)) return { total, available: avail };
    } catch {
      /* fall through */
    }
    return { total: os.totalmem(), available: os.freemem() };
  }

  machineMemUsedBytes(): number {
    const m = this.meminfo();
    return Math.max(0, m.total - m.available);
  }

  machineMemTotalBytes(): number {
    return this.meminfo().total;
  }

  cwd(pid: number): string | undefined {
    try {
      return fs.readlinkSync(`${this.procRoot}/${pid}/cwd`);
    } catch {
      return undefined;
    }
  }

  cmdline(pid: number): string[] | undefined {
    try {
      const t = this.readText(`${this.procRoot}/${pid}/cmdline`);
      return t.split('\0').filter((s) => s.length > 0);
    } catch {
      return undefined;
    }
  }

  /** /proc/<pid>/stat's start time (ticks since boot) against /proc/uptime: good to 10 ms. */
  startedAtMs(pid: number): number | undefined {
    const p = this.read(pid);
    if (!p) return undefined;
    try {
      const now = Date.now();
      const uptimeS = Number(this.readText(`${this.procRoot}/uptime`).trim().split(/\s+/)[0]);
      if (!Number.isFinite(uptimeS)) return undefined;
      return now - (uptimeS - p.start / CLK_TCK) * 1000;
    } catch {
      return undefined;
    }
  }
}

function osMachineCpu(): MachineCpu {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busyS: busy / 1000, totalS: total / 1000 };
}

/** macOS (and other BSD-like systems with ps): one `ps` call per reading, cached for the interval. */
export class PsSource implements ProcSource {
  readonly kind = 'ps' as const;
  private cache: { t: number; procs: Map<number, ProcInfo> } | undefined;

  private snapshot(): Map<number, ProcInfo> {
    const now = Date.now();
    if (this.cache && now - this.cache.t < 200) return this.cache.procs;
    const procs = new Map<number, ProcInfo>();
    try {
      const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,time=,rss=,comm='], { encoding: 'utf8', timeout: 3000 });
      for (const line of out.split('\n')) {
        const m = /^\s*(\d+)\s+(\d+)\s+([\d:.-]+)\s+(\d+)\s+(.*)$/.exec(line);
        if (!m) continue;
        procs.set(Number(m[1]), {
          pid: Number(m[1]),
          ppid: Number(m[2]),
          start: 0,
          comm: m[5].trim(),
          selfCpuS: parsePsTime(m[3]),
          childCpuS: 0,
          rssBytes: Number(m[4]) * 1024,
        });
      }
    } catch {
      /* no ps: empty */
    }
    this.cache = { t: now, procs };
    return procs;
  }

  read(pid: number): ProcInfo | undefined {
    return this.snapshot().get(pid);
  }
  listAll(): Map<number, { ppid: number; start: number }> {
    const m = new Map<number, { ppid: number; start: number }>();
    for (const [pid, p] of this.snapshot()) m.set(pid, { ppid: p.ppid, start: 0 });
    return m;
  }
  machineCpu(): MachineCpu {
    return osMachineCpu();
  }
  machineMemUsedBytes(): number {
    return os.totalmem() - os.freemem();
  }
  machineMemTotalBytes(): number {
    return os.totalmem();
  }
  cwd(): string | undefined {
    return undefined;
  }
  cmdline(): string[] | undefined {
    return undefined;
  }
}

/** `[[dd-]hh:]mm:ss[.cc]` → seconds. */
export function parsePsTime(s: string): number {
  let days = 0;
  let rest = s;
  const dash = s.indexOf('-');
  if (dash >= 0) {
    days = Number(s.slice(0, dash));
    rest = s.slice(dash + 1);
  }
  const parts = rest.split(':').map(Number);
  let secs = 0;
  for (const p of parts) secs = secs * 60 + p;
  return days * 86400 + secs;
}

/** Windows and others: no per-process CPU time without a native helper; machine-level only. */
export class OsSource implements ProcSource {
  readonly kind = 'os' as const;
  read(pid: number): ProcInfo | undefined {
    try {
      process.kill(pid, 0);
    } catch {
      return undefined;
    }
    return { pid, ppid: 0, start: 0, comm: '', selfCpuS: 0, childCpuS: 0, rssBytes: 0 };
  }
  listAll(): Map<number, { ppid: number; start: number }> {
    return new Map();
  }
  machineCpu(): MachineCpu {
    return osMachineCpu();
  }
  machineMemUsedBytes(): number {
    return os.totalmem() - os.freemem();
  }
  machineMemTotalBytes(): number {
    return os.totalmem();
  }
  cwd(): string | undefined {
    return undefined;
  }
  cmdline(): string[] | undefined {
    return undefined;
  }
}

export function defaultProcSource(): ProcSource {
  if (process.platform === 'linux' && fs.existsSync('/proc/self/stat')) return new ProcfsSource();
  if (process.platform === 'darwin' || process.platform === 'freebsd') return new PsSource();
  return new OsSource();
}

/** This process's waited-for children CPU time (Linux), seconds; used to close a run exactly. */
export function selfChildrenCpuS(): number | undefined {
  try {
    const p = parseProcStat(process.pid, fs.readFileSync('/proc/self/stat', 'utf8'));
    return p?.childCpuS;
  } catch {
    return undefined;
  }
}

interface Tracked {
  start: number;
  ppid: number;
  total: number; // self + children CPU seconds at the last reading
  base: number; // value when tracking began (attach mode) — 0 for processes born during the run
  rss: number;
}

export interface TreeReading {
  /** CPU seconds used by the tree since tracking began. */
  cpuS: number;
  rssBytes: number;
  pids: number[];
  alive: boolean;
}

/**
 * Follows one process tree. Every reading re-reads the known pids (cheap); the whole process table is
 * scanned for new children every `scanEveryMs`. A process born during the run counts from zero, so a
 * child found late loses nothing; a dead process's time is either inside its (tracked) parent's
 * cutime once reaped, or kept from its last reading when it was re-parented outside the tree.
 */
export class ProcessTree {
  private tracked = new Map<number, Tracked>();
  /** CPU seconds of processes that died outside the tree's reach (orphans reaped by init). */
  private carried = 0;
  private rootCarried = 0;
  private lastScan = 0;
  private rootAlive = true;
  /** The root's exit code when it was seen exited but not yet reaped (a zombie); else undefined. */
  rootExitCode?: number;

  constructor(
    readonly rootPid: number,
    private readonly src: ProcSource,
    /** true: the root was just spawned by us (count from zero); false: attach to a running process. */
    bornNow: boolean,
    private readonly scanEveryMs = 3000,
  ) {
    const p = src.read(rootPid);
    if (p) {
      const total = p.selfCpuS + p.childCpuS;
      this.tracked.set(rootPid, { start: p.start, ppid: p.ppid, total, base: bornNow ? 0 : total, rss: p.rssBytes });
    }
    this.scan(!bornNow);
  }

  private scan(attachExisting: boolean): void {
    this.lastScan = Date.now();
    const all = this.src.listAll();
    if (all.size === 0) return;
    const children = new Map<number, number[]>();
    for (const [pid, { ppid }] of all) {
      let arr = children.get(ppid);
      if (!arr) children.set(ppid, (arr = []));
      arr.push(pid);
    }
    const stack = [...this.tracked.keys()];
    while (stack.length) {
      const pid = stack.pop()!;
      for (const c of children.get(pid) ?? []) {
        if (this.tracked.has(c)) continue;
        const p = this.src.read(c);
        if (!p) continue;
        const total = p.selfCpuS + p.childCpuS;
        this.tracked.set(c, { start: p.start, ppid: p.ppid, total, base: attachExisting ? total : 0, rss: p.rssBytes });
        stack.push(c);
      }
    }
  }

  read(): TreeReading {
    if (Date.now() - this.lastScan >= this.scanEveryMs) this.scan(false);
    // Who was in the tree before this reading: a process that died is judged by its last parent
    // among these, even when that parent died in the same interval.
    const members = new Set(this.tracked.keys());
    let cpu = this.carried + this.rootCarried;
    let rss = 0;
    const pids: number[] = [];
    const dead: number[] = [];
    for (const [pid, t] of this.tracked) {
      const p = this.src.read(pid);
      if (!p || (p.start !== t.start && t.start !== 0)) {
        dead.push(pid);
        continue;
      }
      if (pid === this.rootPid && p.state === 'Z') {
        // Exited; its parent has not collected it yet, so its exit status can still be read.
        if (p.exitStatus !== undefined) this.rootExitCode = exitCodeOfStatus(p.exitStatus);
        t.total = Math.max(t.total, p.selfCpuS + p.childCpuS);
        dead.push(pid);
        continue;
      }
      t.total = Math.max(t.total, p.selfCpuS + p.childCpuS);
      t.rss = p.rssBytes;
      t.ppid = p.ppid;
      cpu += t.total - t.base;
      rss += p.rssBytes;
      pids.push(pid);
    }
    for (const pid of dead) {
      const t = this.tracked.get(pid)!;
      this.tracked.delete(pid);
      if (pid === this.rootPid) {
        this.rootAlive = false;
        this.rootCarried = t.total - t.base;
        cpu += this.rootCarried;
        continue;
      }
      // Reaped by a parent in the tree: its time moved into that parent's cutime, and from there up
      // to the root's. Otherwise (re-parented out of the tree before it died) keep its last reading.
      if (!members.has(t.ppid)) {
        this.carried += t.total - t.base;
        cpu += t.total - t.base;
      }
    }
    return { cpuS: cpu, rssBytes: rss, pids, alive: this.rootAlive && this.tracked.has(this.rootPid) };
  }

  /** CPU seconds the tree had already used when tracking began (attach mode; 0 for a tree born now). */
  baseCpuS(): number {
    let s = 0;
    for (const t of this.tracked.values()) s += t.base;
    return s;
  }

  /** CPU seconds of tracked processes other than the root that are still alive or carried. */
  nonRootCpuS(): number {
    let s = this.carried;
    for (const [pid, t] of this.tracked) if (pid !== this.rootPid) s += t.total - t.base;
    return s;
  }
}

/** True when one of the processes has a device matching `re` open (Linux /proc/<pid>/fd). */
export function holdsDevice(pids: number[], re: RegExp, procRoot = '/proc'): boolean {
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(join(procRoot, String(pid), 'fd'));
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (re.test(fs.readlinkSync(join(procRoot, String(pid), 'fd', fd)))) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return false;
}
