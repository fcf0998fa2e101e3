// One tracked run: follows its process tree, takes its share of the machine's energy each interval,
// integrates emissions with the intensity of that interval, and reports figures with their method.
// Attribution: CPU — measured package energy above the idle baseline × the tree's share of busy CPU
// time (RAPL), or TDP per logical CPU × the tree's CPU time (estimated); GPU — each GPU's energy above
// its idle floor × the tree's share of that GPU (its processes' memory in --query-compute-apps, or
// holding the device open when the driver lists no processes); RAM — tree RSS × W/GB.
import type { ComponentStatus, MethodKind, RunOrigin, RunStatus } from '../common/trackingProtocol';
import { MachineReading, MachineSampler } from './machine';
import { ProcessTree, TreeReading, holdsDevice } from './procfs';
import { IntensityTracker, ResolvedIntensity } from './carbon';
import { RAM_METHOD, ramPowerW } from './ram';
import { PowerSamples } from './samples';

export const J_PER_KWH = 3.6e6;

export interface Baseline {
  cpuIdleW: number;
  gpuIdleW: Map<string, number>;
  durationS: number;
  measured: boolean;
}

/** Measures the machine for `ms` before the run: idle CPU power (RAPL or estimated) and GPU floors. */
export async function measureBaseline(m: MachineSampler, ms: number): Promise<Baseline> {
  const a = m.read();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  const b = m.read();
  const dt = (b.t - a.t) / 1000;
  const gpuIdleW = new Map<string, number>();
  for (const g of b.gpus) {
    const ga = a.gpus.find((x) => x.id === g.id);
    if (dt <= 0.2) continue; // no baseline window: nothing is subtracted
    const w = ga && g.energyJ > ga.energyJ ? (g.energyJ - ga.energyJ) / dt : Number.isFinite(g.minPowerW) ? g.minPowerW : 0;
    gpuIdleW.set(g.id, w);
  }
  let cpuIdleW = 0;
  if (dt > 0.2) {
    if (a.raplJ !== null && b.raplJ !== null) cpuIdleW = (b.raplJ - a.raplJ) / dt;
    else cpuIdleW = (Math.max(0, b.busyS - a.busyS) / dt) * m.cpu.wattsPerThread;
  }
  return { cpuIdleW, gpuIdleW, durationS: dt, measured: dt > 0.2 };
}

export interface ComponentTotals {
  energyJ: number;
  machineJ: number;
  idleJ: number;
  powerW: number;
}

function zero(): ComponentTotals {
  return { energyJ: 0, machineJ: 0, idleJ: 0, powerW: 0 };
}

export interface RunInfo {
  runId: string;
  origin: RunOrigin;
  label: string;
  command: string[];
  cwd: string;
  startedAt: Date;
}

export class RunSession {
  readonly cpu = zero();
  readonly gpu = zero();
  readonly ram = zero();
  emissionsG = 0;
  cpuTimeS = 0;
  durationS = 0;
  lastSampleT: number;
  ended = false;
  exitCode: number | null = null;
  /** Power per component per interval, for the label's chart. */
  readonly samples = new PowerSamples();
  /** Seconds between the process's start and the start of tracking (discovered processes). */
  priorS = 0;
  private priorNote?: string;
  /** Averages for the ledger. */
  private sumRssGbS = 0;
  private sumMachineUtilS = 0;
  private sumGpuUtilS = 0;
  private gpuUtilTime = 0;
  private sumMemFracS = 0;
  private prevM: MachineReading;
  private prevTree: TreeReading;
  private lastTree: TreeReading;
  private deviceCheckAt = 0;
  private holdsGpuDevice = false;
  lastIntensity: ResolvedIntensity;

  constructor(
    readonly info: RunInfo,
    readonly machine: MachineSampler,
    readonly tree: ProcessTree,
    readonly intensity: IntensityTracker,
    readonly baseline: Baseline,
  ) {
    this.prevM = machine.read();
    this.prevTree = tree.read();
    this.lastTree = this.prevTree;
    this.lastSampleT = this.prevM.t;
    this.lastIntensity = intensity.current;
  }

  get pids(): number[] {
    return this.lastTree.pids;
  }

  /** One interval. `m` is shared between sessions; `treeOverride` lets the CLI close the run exactly. */
  step(m: MachineReading = this.machine.read(), treeOverride?: Partial<TreeReading>): void {
    const tr0 = this.tree.read();
    const tr: TreeReading = { ...tr0, ...treeOverride };
    const dt = (m.t - this.prevM.t) / 1000;
    if (dt <= 0) return;
    const dTree = Math.max(0, tr.cpuS - this.prevTree.cpuS);
    const dBusy = Math.max(dTree, m.busyS - this.prevM.busyS);
    // CPU
    let cpuJ: number;
    let cpuMachineJ: number;
    let cpuIdleJ: number;
    if (m.raplJ !== null && this.prevM.raplJ !== null) {
      const dE = Math.max(0, m.raplJ - this.prevM.raplJ);
      const idle = Math.min(dE, this.baseline.cpuIdleW * dt);
      const share = dBusy > 0 ? Math.min(1, dTree / dBusy) : 0;
      cpuJ = (dE - idle) * share;
      cpuMachineJ = dE;
      cpuIdleJ = idle;
    } else {
      const w = this.machine.cpu.wattsPerThread;
      cpuJ = dTree * w;
      cpuMachineJ = dBusy * w;
      cpuIdleJ = Math.min(cpuMachineJ, this.baseline.cpuIdleW * dt);
    }
    // GPU
    let gpuJ = 0;
    let gpuMachineJ = 0;
    let gpuIdleJ = 0;
    const apps = this.machine.nvidia?.apps ?? [];
    if (m.gpus.length > 0 && Date.now() - this.deviceCheckAt > 5000) {
      this.deviceCheckAt = Date.now();
      this.holdsGpuDevice = holdsDevice(tr.pids, /^\/dev\/(nvidia\d+|kfd|dri\/renderD\d+)$/);
    }
    const treePids = new Set(tr.pids);
    for (const g of m.gpus) {
      const pg = this.prevM.gpus.find((x) => x.id === g.id);
      if (!pg) continue;
      const dE = Math.max(0, g.energyJ - pg.energyJ);
      const idle = Math.min(dE, (this.baseline.gpuIdleW.get(g.id) ?? 0) * dt);
      let share = 0;
      const onGpu = apps.filter((a) => a.gpuUuid === g.id);
      if (g.vendor === 'nvidia' && onGpu.length > 0) {
        const mine = onGpu.filter((a) => treePids.has(a.pid));
        const total = onGpu.reduce((s, a) => s + a.usedMemoryMiB, 0);
        const own = mine.reduce((s, a) => s + a.usedMemoryMiB, 0);
        share = total > 0 ? own / total : mine.length / onGpu.length;
      } else if (this.holdsGpuDevice) {
        share = 1;
      }
      gpuJ += (dE - idle) * share;
      gpuMachineJ += dE;
      gpuIdleJ += idle;
      if (share > 0 && Number.isFinite(g.utilization)) {
        this.sumGpuUtilS += g.utilization * dt;
        this.gpuUtilTime += dt;
      }
    }
    // RAM
    const ramJ = ramPowerW(tr.rssBytes) * dt;
    const ramMachineJ = ramPowerW(m.memUsedBytes) * dt;

    add(this.cpu, cpuJ, cpuMachineJ, cpuIdleJ, dt);
    add(this.gpu, gpuJ, gpuMachineJ, gpuIdleJ, dt);
    add(this.ram, ramJ, ramMachineJ, 0, dt);
    this.samples.add(this.durationS + dt, dt, cpuJ / dt, gpuJ / dt, ramJ / dt);
    this.lastIntensity = this.intensity.current;
    const kwh = (cpuJ + gpuJ + ramJ) / J_PER_KWH;
    this.emissionsG += kwh * this.lastIntensity.gPerKwh * this.lastIntensity.pue;
    this.cpuTimeS += dTree;
    this.durationS += dt;
    this.sumRssGbS += (tr.rssBytes / 1024 ** 3) * dt;
    this.sumMachineUtilS += dTree;
    this.sumMemFracS += (m.memUsedBytes / Math.max(1, this.machine.memTotalBytes)) * dt;
    this.prevM = m;
    this.prevTree = tr;
    this.lastTree = tr;
    this.lastSampleT = m.t;
  }

  get alive(): boolean {
    return this.lastTree.alive;
  }

  /**
   * A process found running: the time since its real start counts in the duration, and the CPU time
   * it had already used is added as estimated energy (TDP × CPU time; nothing measured it then).
   */
  addPriorRun(priorS: number, priorCpuS: number, rssBytes: number): void {
    if (!(priorS > 0)) return;
    const cpuJ = Math.max(0, priorCpuS) * this.machine.cpu.wattsPerThread;
    const ramJ = ramPowerW(rssBytes) * priorS;
    this.cpu.energyJ += cpuJ;
    this.ram.energyJ += ramJ;
    const kwh = (cpuJ + ramJ) / J_PER_KWH;
    this.emissionsG += kwh * this.lastIntensity.gPerKwh * this.lastIntensity.pue;
    this.cpuTimeS += Math.max(0, priorCpuS);
    this.durationS += priorS;
    this.priorS = priorS;
    this.samples.add(priorS, priorS, cpuJ / priorS, 0, ramJ / priorS);
    this.priorNote = `Found ${priorS.toFixed(1)} s after it started: that part (${Math.max(0, priorCpuS).toFixed(2)} s of CPU time) is estimated from CPU time × ${this.machine.cpu.wattsPerThread.toFixed(1)} W per CPU-second.`;
  }

  energyKwh(): number {
    return (this.cpu.energyJ + this.gpu.energyJ + this.ram.energyJ) / J_PER_KWH;
  }

  powerW(): number {
    return this.cpu.powerW + this.gpu.powerW + this.ram.powerW;
  }

  averages(): { cpuUtilPct: number; gpuUtilPct: number; ramUtilPct: number; ramUsedGb: number } {
    const d = Math.max(1e-9, this.durationS);
    return {
      cpuUtilPct: (100 * this.sumMachineUtilS) / (d * Math.max(1, this.machine.cpu.logicalCpus)),
      gpuUtilPct: this.gpuUtilTime > 0 ? this.sumGpuUtilS / this.gpuUtilTime : 0,
      ramUtilPct: (100 * this.sumMemFracS) / d,
      ramUsedGb: this.sumRssGbS / d,
    };
  }

  componentStatus(which: 'cpu' | 'gpu' | 'ram'): ComponentStatus {
    const t = this[which];
    let method: string;
    if (which === 'cpu') method = this.machine.cpuMethod();
    else if (which === 'gpu') method = this.machine.gpuMethod();
    else method = RAM_METHOD;
    return {
      powerW: t.powerW,
      energyKwh: t.energyJ / J_PER_KWH,
      machineEnergyKwh: t.machineJ / J_PER_KWH,
      idleEnergyKwh: t.idleJ / J_PER_KWH,
      method,
      kind: method.split(':')[0] as MethodKind,
    };
  }

  notes(): string[] {
    return [...this.machine.notes, ...this.machine.gpuNotes(), ...this.lastIntensity.notes, ...(this.priorNote ? [this.priorNote] : [])];
  }

  status(): RunStatus {
    const i = this.lastIntensity;
    return {
      runId: this.info.runId,
      origin: this.info.origin,
      label: this.info.label,
      pid: this.tree.rootPid,
      startedAt: this.info.startedAt.toISOString(),
      durationS: this.durationS,
      running: !this.ended,
      sampleTime: this.lastSampleT,
      powerW: this.powerW(),
      energyKwh: this.energyKwh(),
      emissionsKg: this.emissionsG / 1000,
      components: { cpu: this.componentStatus('cpu'), gpu: this.componentStatus('gpu'), ram: this.componentStatus('ram') },
      intensity: { gPerKwh: i.gPerKwh, source: i.source, kind: i.kind, year: i.year, region: i.region, pue: i.pue },
      notes: this.notes(),
    };
  }
}

function add(t: ComponentTotals, j: number, mj: number, ij: number, dt: number): void {
  t.energyJ += j;
  t.machineJ += mj;
  t.idleJ += ij;
  t.powerW = j / dt;
}

/** The `--summary-json` object, exactly the keys the CLI documents. */
export function summaryJson(s: RunStatus, exitCode: number): Record<string, unknown> {
  const comp = (c: ComponentStatus) => ({ energy_kwh: c.energyKwh, machine_energy_kwh: c.machineEnergyKwh, method: c.method });
  return {
    exit_code: exitCode,
    duration_s: s.durationS,
    energy_kwh: s.energyKwh,
    emissions_kg: s.emissionsKg,
    components: { cpu: comp(s.components.cpu), gpu: comp(s.components.gpu), ram: comp(s.components.ram) },
    carbon_intensity: { g_per_kwh: s.intensity.gPerKwh, source: s.intensity.source, pue: s.intensity.pue },
  };
}
