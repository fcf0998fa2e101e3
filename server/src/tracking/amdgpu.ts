// AMD GPU sampler (Linux amdgpu driver): hwmon power1_average (µW; power1_input on some kernels) under
// ${GREENML_SYSFS_ROOT:-/sys}/class/drm/card*/device/hwmon/hwmon*/, integrated over time (trapezoid).
import { join } from 'node:path';
import { ReadText, readTextSync, listDir, sysfsRoot } from './fsio';

export interface AmdGpu {
  card: string;
  powerFile: string;
  energyJ: number;
  powerW: number;
  lastT?: number;
  minPowerW: number;
}

export class AmdGpuSampler {
  readonly gpus: AmdGpu[] = [];
  constructor(
    private readonly read: ReadText = readTextSync,
    private readonly root: string = sysfsRoot(),
  ) {}

  init(): number {
    const drm = join(this.root, 'class', 'drm');
    for (const card of listDir(drm).filter((c) => /^card\d+$/.test(c)).sort()) {
      const dev = join(drm, card, 'device');
      let driver = '';
      try {
        driver = this.read(join(dev, 'uevent'));
      } catch {
        /* no uevent: check hwmon name below */
      }
      for (const hw of listDir(join(dev, 'hwmon'))) {
        const dir = join(dev, 'hwmon', hw);
        let name = '';
        try {
          name = this.read(join(dir, 'name')).trim();
        } catch {
          /* unnamed */
        }
        if (name !== 'amdgpu' && !/DRIVER=amdgpu/.test(driver)) continue;
        for (const f of ['power1_average', 'power1_input']) {
          try {
            const v = Number(this.read(join(dir, f)).trim());
            if (Number.isFinite(v)) {
              this.gpus.push({ card, powerFile: join(dir, f), energyJ: 0, powerW: NaN, minPowerW: Infinity });
              break;
            }
          } catch {
            /* try next */
          }
        }
      }
    }
    return this.gpus.length;
  }

  /** Reads power now and integrates since the previous call. */
  sample(t = Date.now()): void {
    for (const g of this.gpus) {
      let p = NaN;
      try {
        p = Number(this.read(g.powerFile).trim()) / 1e6;
      } catch {
        p = NaN;
      }
      if (Number.isFinite(p)) {
        if (g.lastT !== undefined && Number.isFinite(g.powerW)) g.energyJ += ((p + g.powerW) / 2) * ((t - g.lastT) / 1000);
        g.minPowerW = Math.min(g.minPowerW, p);
        g.lastT = t;
      }
      g.powerW = p;
    }
  }
}
