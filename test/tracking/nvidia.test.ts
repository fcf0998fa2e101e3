import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { NvidiaSampler, parseComputeApps, parseNvNumber } from '../../server/src/tracking/nvidia';
import { FIXTURES, tmpDir, waitFor, runCli, baseEnv } from './helpers';

const U0 = 'GPU-5a3c2d10-1b2c-4d5e-8f90-0123456789ab';
const U1 = 'GPU-77e0aa41-9c1d-4e2f-a3b4-c5d6e7f8a9b0';

function envFor(mode: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${FIXTURES}:${process.env.PATH}`, FAKE_NVSMI_MODE: mode, ...extra };
}

function pgrepFake(): string {
  try {
    return execFileSync('pgrep', ['-f', `${FIXTURES}/nvidia-smi`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

test('nvidia-smi values: [N/A], [Not Supported] and compute-apps lines', () => {
  assert.ok(Number.isNaN(parseNvNumber('[N/A]')));
  assert.ok(Number.isNaN(parseNvNumber(' [Not Supported]')));
  assert.equal(parseNvNumber(' 71.53 '), 71.53);
  assert.deepEqual(parseComputeApps(`4242, 1536, ${U0}\n4243, [N/A], ${U1}\n`), [
    { pid: 4242, usedMemoryMiB: 1536, gpuUuid: U0 },
    { pid: 4243, usedMemoryMiB: 0, gpuUuid: U1 },
  ]);
  assert.deepEqual(parseComputeApps(''), []);
});

test('one long-lived nvidia-smi child: energy counter deltas, [N/A] utilisation, compute apps', async () => {
  const log = join(tmpDir(), 'argv.log');
  const s = new NvidiaSampler({ intervalMs: 200, env: envFor('counter', { FAKE_NVSMI_LOG: log, FAKE_NVSMI_APPS: `4242, 1536, ${U0}\\n` }), computeAppsEveryMs: 60_000 });
  s.start();
  try {
    await waitFor(() => (s.gpus.get(U0)?.energyJ ?? 0) >= 60, 8000, 'three counter samples');
    const g0 = s.gpus.get(U0)!;
    const g1 = s.gpus.get(U1)!;
    assert.equal(s.state, 'running');
    assert.equal(g0.source, 'counter');
    // The counter advances 100 W × 0.2 s = 20 J per sample on GPU 0 and 12 J on GPU 1.
    assert.equal(g0.energyJ % 20, 0);
    assert.ok(g1.energyJ > 0 && Math.abs(g1.energyJ / g0.energyJ - 0.6) < 0.21);
    assert.ok(Number.isNaN(g1.utilization));
    assert.equal(g0.name, 'NVIDIA A100-SXM4-40GB');
    assert.match(s.method(), /^measured: nvidia-smi energy counter/);
    await s.pollApps();
    assert.deepEqual(s.apps, [{ pid: 4242, usedMemoryMiB: 1536, gpuUuid: U0 }]);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(calls.filter((c) => c.includes('--query-gpu')).length, 1, 'exactly one --query-gpu child');
    assert.match(calls[0], /--query-gpu=index,uuid,name,power\.draw,utilization\.gpu,total_energy_consumption --format=csv,noheader,nounits -lms 200/);
  } finally {
    s.stop();
  }
});

test('no energy field on this driver: restarted without it, power.draw integrated', async () => {
  const s = new NvidiaSampler({ intervalMs: 200, env: envFor('power'), computeAppsEveryMs: 60_000 });
  s.start();
  try {
    await waitFor(() => (s.gpus.get(U0)?.energyJ ?? 0) > 15, 8000, 'integrated power');
    assert.equal(s.gpus.get(U0)!.source, 'power');
    assert.match(s.method(), /^measured: nvidia-smi power\.draw integrated/);
  } finally {
    s.stop();
  }
});

test('[N/A] power: GPU found but nothing measured, method "none"', async () => {
  const s = new NvidiaSampler({ intervalMs: 200, env: envFor('na'), computeAppsEveryMs: 60_000 });
  s.start();
  try {
    await waitFor(() => s.gpus.size > 0 && s.state === 'running', 8000, 'a line');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(s.gpus.get(U0)!.energyJ, 0);
    assert.match(s.method(), /^none: /);
  } finally {
    s.stop();
  }
});

test('nvidia-smi exiting early: energy so far kept, labelled partial, no respawn loop', async () => {
  const s = new NvidiaSampler({ intervalMs: 200, env: envFor('exit'), computeAppsEveryMs: 60_000 });
  s.start();
  try {
    await waitFor(() => s.state === 'failed', 8000, 'early exit');
    assert.match(s.message!, /exited early \(exit code 1\).*Unknown Error/);
    assert.ok(s.gpus.get(U0)!.energyJ > 0);
    assert.match(s.method(), /^measured: .*partial/);
  } finally {
    s.stop();
  }
});

test('hung nvidia-smi: killed after the timeout, GPU reported as not measured', async () => {
  const s = new NvidiaSampler({ intervalMs: 200, hangTimeoutMs: 800, env: envFor('hang'), computeAppsEveryMs: 60_000 });
  s.start();
  try {
    await waitFor(() => s.state === 'failed', 5000, 'hang detection');
    assert.match(s.message!, /stopped responding/);
    assert.match(s.method(), /^none: /);
    await waitFor(() => pgrepFake() === '', 3000, 'the hung child to be killed');
  } finally {
    s.stop();
  }
});

test('no nvidia-smi on PATH: "none: no NVIDIA GPU"', async () => {
  const s = new NvidiaSampler({ intervalMs: 200, env: { PATH: tmpDir() } });
  s.start();
  try {
    await waitFor(() => s.state === 'unavailable', 3000, 'ENOENT');
    assert.equal(s.method(), 'none: no NVIDIA GPU: nvidia-smi not found on PATH');
  } finally {
    s.stop();
  }
});

test('greenml run: the tracked process gets GPU energy by its share in --query-compute-apps', async () => {
  const out = tmpDir();
  const pidFile = join(out, 'pid');
  // The child writes its pid; the fake nvidia-smi lists that pid on GPU 0 with all of its memory.
  const script = `import os,time\nopen(${JSON.stringify(pidFile)},'w').write(str(os.getpid()))\ntime.sleep(2.5)`;
  const wrapper = join(out, 'nvidia-smi');
  fs.writeFileSync(
    wrapper,
    `#!/usr/bin/env bash\nif [ -f ${pidFile} ]; then export FAKE_NVSMI_APPS="$(cat ${pidFile}), 2048, ${U0}\\n"; fi\nexec ${FIXTURES}/nvidia-smi "$@"\n`,
  );
  fs.chmodSync(wrapper, 0o755);
  const r = await runCli(['run', '--interval', '0.25', '--baseline', '0', '--output-dir', out, '--summary-json', join(out, 's.json'), '--', 'python3', '-c', script], {
    env: baseEnv({ PATH: `${out}:${process.env.PATH}`, FAKE_NVSMI_MODE: 'counter' }),
  });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(fs.readFileSync(join(out, 's.json'), 'utf8'));
  assert.match(s.components.gpu.method, /^measured: nvidia-smi energy counter/);
  assert.ok(s.components.gpu.machine_energy_kwh > 0);
  // GPU 1 (60 W) is not used by the run: attributed < machine; GPU 0 (100 W) is.
  assert.ok(s.components.gpu.energy_kwh > 0, 'GPU 0 energy attributed');
  assert.ok(s.components.gpu.energy_kwh < s.components.gpu.machine_energy_kwh);
});
