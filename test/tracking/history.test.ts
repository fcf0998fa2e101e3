// The run history behind the Runs view: real `greenml run`s read back from the ledger and their
// labels (newest first, with how each figure was obtained and the exit status), a row CodeCarbon
// wrote listed from the ledger alone, and the per-interval power samples that the chart draws,
// whose Σ power × interval is the run's energy, also once a long run's samples are merged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { getRun, listRuns } from '../../server/src/tracking/history';
import { appendLedgerRow, CODECARBON_COLUMNS, type LedgerRow } from '../../server/src/tracking/ledger';
import { PowerSamples } from '../../server/src/tracking/samples';
import { baseEnv, runCli, tmpDir } from './helpers';

const env = () => baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}` }); // no nvidia-smi

function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  fs.writeFileSync(p, body);
  return p;
}

const busy = (seconds: number, exitCode = 0) =>
  ['import sys, time', 't = time.process_time()', `while time.process_time() - t < ${seconds}: pass`, `sys.exit(${exitCode})`].join('\n');

test('history: two real runs newest first, with script, exit status, methods and intensity; a CodeCarbon row from the ledger alone', async () => {
  const work = tmpDir();
  const out = join(work, '.greenml');
  const train = script(work, 'train.py', busy(0.6));
  const broken = script(work, 'broken.py', busy(0.3, 3));
  const common = ['run', '--interval', '0.2', '--baseline', '0', '--region', 'FRA', '--output-dir', out, '--'];
  assert.equal((await runCli([...common, 'python3', train], { env: env(), cwd: work })).code, 0);
  assert.equal((await runCli([...common, 'python3', broken], { env: env(), cwd: work })).code, 3);
  // A row written by CodeCarbon itself: no label, listed with what the ledger says.
  const cc = Object.fromEntries(CODECARBON_COLUMNS.map((c) => [c, ''])) as LedgerRow;
  Object.assign(cc, { timestamp: '2020-01-01T10:00:00', project_name: 'codecarbon', run_id: 'cc-1', duration: 60, emissions: 0.001, energy_consumed: 0.004, country_iso_code: 'DEU', codecarbon_version: '2.8.0' });
  appendLedgerRow(out, cc);

  const runs = listRuns([out]);
  assert.equal(runs.length, 3);
  const [second, first, codecarbon] = runs;
  assert.equal(second.script, broken, 'newest first');
  assert.equal(first.script, train);
  assert.equal(second.exitCode, 3);
  assert.equal(first.exitCode, 0);
  assert.ok(Date.parse(second.startedAt) > Date.parse(first.startedAt));
  for (const r of [first, second]) {
    assert.equal(r.origin, 'terminal');
    assert.ok(r.durationS > 0.2 && r.durationS < 30, `duration ${r.durationS}`);
    assert.ok(r.energyKwh > 0 && r.emissionsKg > 0);
    assert.match(r.methods.cpu, /^(measured|estimated)/);
    assert.match(r.methods.gpu, /^none/);
    assert.match(r.methods.intensity, /France \(FRA\)/);
    assert.equal(r.methods.intensityKind, 'table');
    assert.ok(r.labelJsonPath && fs.existsSync(r.labelJsonPath) && r.labelMarkdownPath && fs.existsSync(r.labelMarkdownPath));
  }
  assert.equal(codecarbon.runId, 'cc-1');
  assert.equal(codecarbon.origin, 'codecarbon');
  assert.equal(codecarbon.exitCode, null, 'exit status unknown');
  assert.equal(codecarbon.methods.cpu, 'CodeCarbon 2.8.0');
  assert.equal(codecarbon.methods.intensity, 'country DEU');
  assert.equal(codecarbon.startedAt, '2020-01-01T09:59:00.000Z', 'start = the row time (the end) less the duration');
  assert.equal(codecarbon.labelJsonPath, undefined);

  // The chart's data: one sample per interval, and Σ power × interval = each component's energy.
  const detail = getRun([out], first.runId)!;
  const label = detail.label as { power_samples: { t_s: number[]; dt_s: number[]; cpu_w: number[]; gpu_w: number[]; ram_w: number[] }; components: Record<string, { energy_kwh: number }> };
  const ps = label.power_samples;
  assert.ok(ps.t_s.length >= 2, `${ps.t_s.length} samples`);
  assert.ok(ps.t_s.every((t, i) => i === 0 || t > ps.t_s[i - 1]), 'time moves forward');
  for (const k of ['cpu', 'gpu', 'ram'] as const) {
    const j = ps[`${k}_w`].reduce((s, w, i) => s + w * ps.dt_s[i], 0);
    const kwh = label.components[k].energy_kwh;
    assert.ok(Math.abs(j / 3.6e6 - kwh) <= Math.max(1e-9, kwh * 0.01), `${k}: samples give ${j / 3.6e6} kWh, the label ${kwh}`);
  }
  assert.ok(ps.cpu_w.some((w) => w > 0), 'the CPU-bound run drew CPU power');
  assert.equal(getRun([out], 'no-such-run'), null);
  assert.equal(getRun([out], 'cc-1')!.label, null);
});

test('power samples: a long run is merged down to the limit, keeping its energy and its end time', () => {
  const s = new PowerSamples(100);
  let energy = 0;
  for (let i = 1; i <= 1000; i++) {
    const dt = i % 3 === 0 ? 2 : 1; // uneven intervals: the merge is time-weighted
    const w = 10 + (i % 7);
    energy += w * dt;
    s.add(0, dt, w, 0, 1); // t is not used by the merge
  }
  const j = s.toJSON();
  assert.ok(j.t_s.length <= 100 && j.t_s.length >= 50, `${j.t_s.length} points`);
  const merged = j.cpu_w.reduce((a, w, i) => a + w * j.dt_s[i], 0);
  assert.ok(Math.abs(merged - energy) / energy < 1e-3, `merged ${merged} J vs ${energy} J`);
  assert.equal(j.dt_s.reduce((a, b) => a + b, 0), 333 * 2 + 667, 'the intervals still add up to the run');
  const t = new PowerSamples(10);
  for (let i = 1; i <= 25; i++) t.add(i, 1, 5, 0, 0);
  assert.equal(t.toJSON().t_s.at(-1), 25, 'the last point is still the end of the run');
  t.add(26, 0, 99, 0, 0);
  assert.ok(!t.toJSON().cpu_w.includes(99), 'an empty interval is not a sample');
});
