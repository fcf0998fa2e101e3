import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusBarText, statusBarTooltip, runEndedMessage, IDLE_TEXT } from '../../client/src/tracking/statusText';
import type { RunStatus, TrackingStatus } from '../../server/src/common/trackingProtocol';

function run(id: string, t: number, powerW: number, energyKwh: number, emissionsKg: number): RunStatus {
  const comp = (p: number, e: number, method: string) => ({ powerW: p, energyKwh: e, machineEnergyKwh: e * 2, idleEnergyKwh: e / 10, method, kind: method.split(':')[0] as 'measured' });
  return {
    runId: id, origin: 'command', label: `${id}.py`, pid: 100, startedAt: '2024-01-01T00:00:00Z', durationS: t, running: true, sampleTime: t * 1000,
    powerW, energyKwh, emissionsKg,
    components: {
      cpu: comp(powerW * 0.3, energyKwh * 0.3, 'measured: RAPL package counter, shared by CPU time'),
      gpu: comp(powerW * 0.65, energyKwh * 0.65, 'measured: nvidia-smi energy counter'),
      ram: comp(powerW * 0.05, energyKwh * 0.05, 'estimated: resident memory × 0.375 W/GB'),
    },
    intensity: { gPerKwh: 56, source: 'Our World in Data 2023, France (FRA), lifecycle', kind: 'table', year: 2023, region: 'FRA', pue: 1.2 },
    notes: [],
  };
}

function status(runs: RunStatus[]): TrackingStatus {
  const totals = runs.reduce((a, r) => ({ powerW: a.powerW + r.powerW, energyKwh: a.energyKwh + r.energyKwh, emissionsKg: a.emissionsKg + r.emissionsKg, count: a.count + 1 }), { powerW: 0, energyKwh: 0, emissionsKg: 0, count: 0 });
  return { runs, codecarbon: [], totals, updatedAt: 0, needsRegion: false };
}

test('status bar text over a recorded sample stream: idle → one run → two runs summed → idle', () => {
  const stream: TrackingStatus[] = [
    status([]),
    status([run('train', 1, 141.6, 0.0000393, 0.0000022)]),
    status([run('train', 960, 142, 0.038, 0.012)]),
    status([run('train', 961, 142, 0.038, 0.012), run('eval', 5, 20, 0.002, 0.0004)]),
    status([]),
  ];
  assert.deepEqual(stream.map(statusBarText), [
    IDLE_TEXT,
    '$(pulse) 142 W · 39 mWh · 2.2 mg CO₂e',
    '$(pulse) 142 W · 38 Wh · 12 g CO₂e',
    '$(pulse) 162 W · 40 Wh · 12 g CO₂e (2 runs)',
    '$(leaf) Green ML',
  ]);
  assert.equal(statusBarText(undefined), '$(leaf) Green ML');
});

test('tooltip: each component with figure and method, intensity source and year, PUE', () => {
  const tip = statusBarTooltip(status([run('train', 960, 142, 0.038, 0.012)]));
  assert.match(tip, /\| CPU \| 42\.6 W \| 11 Wh \| 23 Wh \| measured: RAPL package counter, shared by CPU time \|/);
  assert.match(tip, /\| GPU \| 92\.3 W \| 25 Wh \| 49 Wh \| measured: nvidia\\-smi energy counter \|/);
  assert.match(tip, /\| RAM \| .* \| estimated: resident memory × 0\\\.375 W\/GB \|/);
  assert.match(tip, /56 gCO₂e\/kWh — Our World in Data 2023, France \\\(FRA\\\), lifecycle \(2023\) · PUE 1\.2/);
  assert.match(tip, /Idle baseline/);
  const assumed = status([{ ...run('x', 1, 1, 0.001, 0.0005), intensity: { gPerKwh: 475, source: 'assumed: world average 475 g/kWh (IEA 2019)', kind: 'assumed', year: 2019, pue: 1 } }]);
  assumed.needsRegion = true;
  assert.match(statusBarTooltip(assumed), /\*\*assumed\*\*/);
  assert.match(statusBarTooltip(assumed), /greenml\.carbon\.region/);
  assert.match(statusBarTooltip(status([])), /No tracked run/);
});

test('end-of-run message', () => {
  assert.equal(
    runEndedMessage({ label: 'train.py', durationS: 61.4, energyKwh: 0.038, emissionsKg: 0.012, exitCode: 0, intensity: { kind: 'table' } }),
    'Green ML: train.py finished in 61 s — 38 Wh, 12 g CO₂e',
  );
  assert.match(runEndedMessage({ label: 't.py', durationS: 1, energyKwh: 0, emissionsKg: 0, exitCode: 2, intensity: { kind: 'assumed' } }), /exit code 2.*intensity assumed/);
});
