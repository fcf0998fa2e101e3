// Linux powercap RAPL sampler: package energy counters, MSR (intel-rapl:N) and MMIO (intel-rapl-mmio:N)
// copies of the same package de-duplicated (MMIO preferred), core/uncore/dram sub-domains skipped
// (they are inside the package or not CPU), wrap-around handled with max_energy_range_uj, unreadable
// counters (EACCES) reported with the command that grants read access. AMD uses the same interface.
import { join } from 'node:path';
import { ReadText, readTextSync, errCode, listDir, sysfsRoot } from './fsio';

export interface RaplDomain {
  /** Directory, e.g. /sys/class/powercap/intel-rapl:0 */
  path: string;
  /** Domain name, e.g. package-0 */
  name: string;
  interface: 'msr' | 'mmio';
  maxEnergyUj: number;
}

export interface RaplStatus {
  available: boolean;
  domains: RaplDomain[];
  /** Human-readable reason RAPL is not used (missing, permission), with the fix where there is one. */
  message?: string;
  permissionDenied: boolean;
}

export function raplPermissionFix(powercapDir: string): string {
  return (
    `RAPL energy counters are not readable (EACCES; root-only since CVE-2020-8694). ` +
    `Grant read access until reboot with: sudo chmod a+r ${powercapDir}/intel-rapl:*/energy_uj ${powercapDir}/intel-rapl-mmio:*/energy_uj ` +
    `— or permanently with a udev rule: echo 'SUBSYSTEM=="powercap", ACTION=="add", RUN+="/bin/chmod a+r /sys%p/energy_uj"' | sudo tee /etc/udev/rules.d/99-greenml-rapl.rules && sudo udevadm trigger --subsystem-match=powercap`
  );
}

/** Reads cumulative package energy (µJ, wrap-corrected) from the RAPL counters. */
export class RaplSampler {
  readonly powercapDir: string;
  status: RaplStatus = { available: false, domains: [], permissionDenied: false };
  private last = new Map<string, number>();
  private accumulatedUj = new Map<string, number>();
  /** Number of wrap-arounds seen, for tests and diagnostics. */
  wraps = 0;

  constructor(
    private readonly read: ReadText = readTextSync,
    root: string = sysfsRoot(),
  ) {
    this.powercapDir = join(root, 'class', 'powercap');
  }

  /** Finds the package domains and checks that their counters can be read. */
  init(): RaplStatus {
    const entries = listDir(this.powercapDir).filter((e) => /^intel-rapl(-mmio)?:\d+$/.test(e));
    if (entries.length === 0) {
      this.status = { available: false, domains: [], permissionDenied: false, message: `no RAPL powercap domains under ${this.powercapDir}` };
      return this.status;
    }
    const byName = new Map<string, RaplDomain>();
    let denied = false;
    let otherError: string | undefined;
    for (const e of entries.sort()) {
      const dir = join(this.powercapDir, e);
      let name: string;
      try {
        name = this.read(join(dir, 'name')).trim();
      } catch {
        continue;
      }
      // Top-level package domains only; psys/dram are not the CPU package and core/uncore are sub-domains.
      if (!/^package-\d+(-die-\d+)?$/.test(name)) continue;
      const iface = e.startsWith('intel-rapl-mmio') ? 'mmio' : 'msr';
      let maxEnergyUj = 0;
      try {
        maxEnergyUj = Number(this.read(join(dir, 'max_energy_range_uj')).trim()) || 0;
      } catch {
        maxEnergyUj = 0;
      }
      try {
        const v = Number(this.read(join(dir, 'energy_uj')).trim());
        if (!Number.isFinite(v)) throw new Error(`unparsable energy_uj in ${dir}`);
      } catch (err) {
        if (errCode(err) === 'EACCES' || errCode(err) === 'EPERM') denied = true;
        else otherError = `${dir}/energy_uj: ${err instanceof Error ? err.message : String(err)}`;
        continue;
      }
      const d: RaplDomain = { path: dir, name, interface: iface, maxEnergyUj };
      const prev = byName.get(name);
      // The MMIO interface reports the same package as the MSR one: keep one, MMIO preferred.
      if (!prev || (prev.interface === 'msr' && iface === 'mmio')) byName.set(name, d);
    }
    const domains = [...byName.values()];
    if (domains.length === 0) {
      this.status = {
        available: false,
        domains: [],
        permissionDenied: denied,
        message: denied ? raplPermissionFix(this.powercapDir) : otherError ?? `no readable RAPL package domain under ${this.powercapDir}`,
      };
    } else {
      this.status = { available: true, domains, permissionDenied: denied, message: denied ? raplPermissionFix(this.powercapDir) : undefined };
    }
    return this.status;
  }

  /** Cumulative package energy in joules since the first call (wrap-corrected); null when unreadable. */
  readJoules(): number | null {
    if (!this.status.available) return null;
    let total = 0;
    for (const d of this.status.domains) {
      let text: string;
      try {
        text = this.read(join(d.path, 'energy_uj')).trim();
      } catch {
        return null;
      }
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) {
        total += this.accumulatedUj.get(d.path) ?? 0; // unreadable this time: no energy is invented
        continue;
      }
      const prev = this.last.get(d.path);
      let acc = this.accumulatedUj.get(d.path) ?? 0;
      if (prev !== undefined) {
        let delta = v - prev;
        if (delta < 0) {
          // The counter wrapped (one wrap per interval: at 1 s sampling that holds up to ~260 kW).
          delta += d.maxEnergyUj > 0 ? d.maxEnergyUj : 0;
          this.wraps++;
          if (delta < 0) delta = 0;
        }
        acc += delta;
      }
      this.last.set(d.path, v);
      this.accumulatedUj.set(d.path, acc);
      total += acc;
    }
    return total / 1e6;
  }
}
