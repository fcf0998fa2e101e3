// Machine-level readings from every available source, best first: RAPL (measured) or CPU time × TDP
// (estimated) for the CPU, nvidia-smi and amdgpu hwmon for GPUs, /proc/meminfo for RAM.
import * as os from 'node:os';
import { RaplSampler } from './rapl';
import { NvidiaSampler } from './nvidia';
import { AmdGpuSampler } from './amdgpu';
import { CpuInfo, detectCpu } from './cpuInfo';
import { ProcSource, defaultProcSource } from './procfs';
import { ReadText, readTextSync, sysfsRoot } from './fsio';

export interface GpuMachineReading {
  id: string; // NVIDIA uuid or amdgpu card
  vendor: 'nvidia' | 'amd';
  name: string;
  energyJ: number;
  powerW: number;
  utilization: number;
  minPowerW: number;
  measured: boolean;
}

export interface MachineReading {
  /** ms since epoch */
  t: number;
  /** cumulative RAPL package energy (J) or null when RAPL is not in use */
  raplJ: number | null;
  busyS: number;
  memUsedBytes: number;
  gpus: GpuMachineReading[];
}

export interface MachineOptions {
  intervalMs: number;
  env?: NodeJS.ProcessEnv;
  read?: ReadText;
  proc?: ProcSource;
  /** Set false to skip NVIDIA (tests). */
  nvidia?: boolean;
  nvidiaHangTimeoutMs?: number;
  log?: (msg: string) => void;
}

export class MachineSampler {
  readonly cpu: CpuInfo;
  readonly rapl: RaplSampler;
  readonly nvidia?: NvidiaSampler;
  readonly amd: AmdGpuSampler;
  readonly proc: ProcSource;
  readonly memTotalBytes: number;
  readonly notes: string[] = [];

  constructor(readonly opts: MachineOptions) {
    const env = opts.env ?? process.env;
    const read = opts.read ?? readTextSync;
    const root = sysfsRoot(env);
    this.proc = opts.proc ?? defaultProcSource();
    this.cpu = detectCpu(read);
    this.rapl = new RaplSampler(read, root);
    if (process.platform === 'linux' || env.GREENML_SYSFS_ROOT) {
      const st = this.rapl.init();
      if (st.message && (st.permissionDenied || st.available)) this.notes.push(st.message);
    } else {
      this.rapl.status.message = `RAPL is Linux-only; on ${process.platform} the CPU is estimated`;
    }
    if (!this.rapl.status.available) this.notes.push(`CPU energy estimated (${this.cpu.tdpSource}).`);
    this.amd = new AmdGpuSampler(read, root);
    this.amd.init();
    if (opts.nvidia !== false) {
      this.nvidia = new NvidiaSampler({ intervalMs: opts.intervalMs, env, hangTimeoutMs: opts.nvidiaHangTimeoutMs, log: opts.log });
      this.nvidia.start();
    }
    this.memTotalBytes = this.proc.machineMemTotalBytes() || os.totalmem();
    this.rapl.readJoules(); // prime the counters
  }

  read(): MachineReading {
    const t = Date.now();
    this.amd.sample(t);
    const gpus: GpuMachineReading[] = [];
    for (const g of this.nvidia?.readings() ?? []) {
      gpus.push({ id: g.uuid, vendor: 'nvidia', name: g.name, energyJ: g.energyJ, powerW: g.powerW, utilization: g.utilization, minPowerW: g.minPowerW, measured: g.source !== 'none' });
    }
    for (const g of this.amd.gpus) {
      gpus.push({ id: g.card, vendor: 'amd', name: `AMD GPU (${g.card})`, energyJ: g.energyJ, powerW: g.powerW, utilization: NaN, minPowerW: g.minPowerW, measured: true });
    }
    const c = this.proc.machineCpu();
    return { t, raplJ: this.rapl.readJoules(), busyS: c.busyS, memUsedBytes: this.proc.machineMemUsedBytes(), gpus };
  }

  cpuMethod(): string {
    if (this.rapl.status.available) {
      const n = this.rapl.status.domains.length;
      return `measured: RAPL package counter${n > 1 ? `s (${n} packages)` : ''}, shared by CPU time`;
    }
    const why = this.rapl.status.permissionDenied ? 'RAPL not readable' : 'no RAPL';
    return `estimated: TDP × CPU time (${why}; ${round(this.cpu.wattsPerThread)} W per CPU-second)`;
  }

  gpuMethod(): string {
    const parts: string[] = [];
    if (this.nvidia) {
      const m = this.nvidia.method();
      if (!m.startsWith('none') || this.amd.gpus.length === 0) parts.push(m);
    } else if (this.amd.gpus.length === 0) parts.push('none: no GPU found');
    if (this.amd.gpus.length > 0) parts.push('measured: amdgpu hwmon power1_average integrated');
    return parts.join('; ');
  }

  gpuNotes(): string[] {
    const n = this.nvidia;
    return n && n.state === 'failed' && n.message ? [n.message] : [];
  }

  stop(): void {
    this.nvidia?.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
