import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { RaplSampler } from '../../server/src/tracking/rapl';
import { readTextSync } from '../../server/src/tracking/fsio';
import { MachineSampler } from '../../server/src/tracking/machine';
import { tmpDir, runCli, baseEnv, readLabel } from './helpers';

const MAX = 262143328850;

function domain(root: string, dir: string, name: string, uj: number, max = MAX): string {
  const d = join(root, 'class', 'powercap', dir);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(join(d, 'name'), `${name}\n`);
  fs.writeFileSync(join(d, 'energy_uj'), `${uj}\n`);
  fs.writeFileSync(join(d, 'max_energy_range_uj'), `${max}\n`);
  return d;
}
const setUj = (d: string, uj: number) => {
  fs.writeFileSync(join(d, 'energy_uj.tmp'), `${uj}\n`);
  fs.renameSync(join(d, 'energy_uj.tmp'), join(d, 'energy_uj'));
};

test('RAPL: counters advancing at a known power give that energy; core/dram/MMIO duplicates are not added', () => {
  const root = tmpDir();
  const pkg0 = domain(root, 'intel-rapl:0', 'package-0', 1_000_000);
  domain(root, 'intel-rapl:0:0', 'core', 500);
  domain(root, 'intel-rapl:0:1', 'dram', 500);
  const mmio = domain(root, 'intel-rapl-mmio:0', 'package-0', 1_000_000);
  const pkg1 = domain(root, 'intel-rapl:1', 'package-1', 5_000_000);
  domain(root, 'intel-rapl:2', 'psys', 1);
  const r = new RaplSampler(readTextSync, root);
  const st = r.init();
  assert.equal(st.available, true);
  assert.deepEqual(st.domains.map((d) => `${d.name}/${d.interface}`).sort(), ['package-0/mmio', 'package-1/msr']);
  assert.equal(r.readJoules(), 0);
  // 2 s at 40 W on package 0 (both copies advance, one is counted) and 25 W on package 1.
  setUj(pkg0, 1_000_000 + 80e6);
  setUj(mmio, 1_000_000 + 80e6);
  setUj(pkg1, 5_000_000 + 50e6);
  assert.equal(r.readJoules(), 130);
  setUj(mmio, 1_000_000 + 120e6);
  setUj(pkg0, 1_000_000 + 120e6);
  setUj(pkg1, 5_000_000 + 50e6);
  assert.equal(r.readJoules(), 170);
});

test('RAPL: wrap-around through max_energy_range_uj', () => {
  const root = tmpDir();
  const d = domain(root, 'intel-rapl:0', 'package-0', MAX - 10e6);
  const r = new RaplSampler(readTextSync, root);
  r.init();
  r.readJoules();
  setUj(d, 15e6); // 10 J to the top, wrapped, then 15 J
  assert.equal(r.readJoules(), 25);
  assert.equal(r.wraps, 1);
  setUj(d, 20e6);
  assert.equal(r.readJoules(), 30);
});

test('RAPL: EACCES falls back to the estimate with the command that grants access', () => {
  const root = tmpDir();
  domain(root, 'intel-rapl:0', 'package-0', 1);
  const deny = (p: string) => {
    if (p.endsWith('energy_uj')) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
    return readTextSync(p);
  };
  const r = new RaplSampler(deny, root);
  const st = r.init();
  assert.equal(st.available, false);
  assert.equal(st.permissionDenied, true);
  assert.match(st.message!, /sudo chmod a\+r .*intel-rapl:\*\/energy_uj/);
  assert.match(st.message!, /udev/);
  assert.equal(r.readJoules(), null);
  const m = new MachineSampler({ intervalMs: 1000, env: { GREENML_SYSFS_ROOT: root, PATH: '' }, read: deny, nvidia: false });
  assert.match(m.cpuMethod(), /^estimated: TDP × CPU time \(RAPL not readable/);
  assert.ok(m.notes.some((n) => n.includes('chmod')));
  m.stop();
});

test('RAPL: a real unreadable file (EISDIR here, EACCES for non-root) never yields a measured figure', () => {
  const root = tmpDir();
  const d = join(root, 'class', 'powercap', 'intel-rapl:0');
  fs.mkdirSync(join(d, 'energy_uj'), { recursive: true });
  fs.writeFileSync(join(d, 'name'), 'package-0\n');
  if (process.getuid?.() !== 0) fs.chmodSync(d, 0o700);
  const r = new RaplSampler(readTextSync, root);
  assert.equal(r.init().available, false);
});

test('greenml run with GREENML_SYSFS_ROOT reports RAPL as measured and counts the advancing counter', async () => {
  const root = tmpDir();
  const d = domain(root, 'intel-rapl:0', 'package-0', 0);
  const out = tmpDir();
  let uj = 0;
  const t0 = Date.now();
  // 50 W machine-wide, written every 50 ms.
  const timer = setInterval(() => {
    uj = Math.round((Date.now() - t0) * 50_000);
    setUj(d, uj);
  }, 50);
  try {
    const r = await runCli(
      ['run', '--interval', '0.3', '--baseline', '0', '--output-dir', out, '--summary-json', join(out, 's.json'), '--', 'python3', '-c', 'import time\nt=time.time()\nwhile time.time()-t<1.2: pass'],
      { env: baseEnv({ GREENML_SYSFS_ROOT: root, PATH: process.env.PATH! }) },
    );
    assert.equal(r.code, 0, r.stderr);
  } finally {
    clearInterval(timer);
  }
  const s = JSON.parse(fs.readFileSync(join(out, 's.json'), 'utf8'));
  assert.match(s.components.cpu.method, /^measured: RAPL/);
  const machineJ = s.components.cpu.machine_energy_kwh * 3.6e6;
  const watts = machineJ / s.duration_s;
  assert.ok(watts > 35 && watts < 65, `machine CPU power ${watts} W (${machineJ} J over ${s.duration_s} s) for a 50 W counter`);
  assert.ok(s.components.cpu.energy_kwh <= s.components.cpu.machine_energy_kwh);
  assert.ok(s.components.cpu.energy_kwh > 0);
  assert.equal(readLabel(out).components.cpu.method, s.components.cpu.method);
});
