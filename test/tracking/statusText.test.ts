import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusBarText, statusBarTooltip, runEndedMessage, IDLE_TEXT } from '../../client/src/tracking/statusText';
import { idleStatusText } from '../../client/src/statusText';
import type { RunStatus, TrackingStatus } from '../../server/src/common/trackingProtocol';

function run(id: string, t: number, powerW: number, energyKwh: number, emissionsKg: number): RunStatus {
  const comp = (p: number, e: number, method: string) => ({ powerW: p, energyKwh: e, machineEnergyKwh: e * 2, idleEnergyKwh: e / 10, method, kind: method.split(':')[0] as 'measured' });
  return {
    runId: id, origin: 'command', label: `/ws/${id}.py`, pid: 100, startedAt: '2024-01-01T00:00:00Z', durationS: t, running: true, sampleTime: t * 1000,
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
  return { runs, codecarbon: [], totals, updatedAt: 0, needsRegion: false, intensity: runs[0]?.intensity };
}

test('status bar text over a recorded sample stream: idle → one run → two runs summed → idle; the icons exist in VS Code', () => {
  const stream: TrackingStatus[] = [
    status([]),
    status([run('train', 1, 141.6, 0.0000393, 0.0000022)]),
    status([run('train', 960, 142, 0.038, 0.012)]),
    status([run('train', 961, 142, 0.038, 0.012), run('eval', 5, 20, 0.002, 0.0004)]),
    status([]),
  ];
  assert.deepEqual(stream.map((s) => statusBarText(s)), [
    IDLE_TEXT,
    '$(pulse) 142 W · 39 mWh · 2.2 mg CO₂e',
    '$(pulse) 142 W · 38 Wh · 12 g CO₂e',
    '$(pulse) 162 W · 40 Wh · 12 g CO₂e (2 runs)',
    IDLE_TEXT,
  ]);
  // $(leaf) is not a codicon: it rendered as the bare word. zap, pulse, watch and loading~spin are.
  assert.equal(IDLE_TEXT, '$(zap) Green ML');
  assert.equal(idleStatusText('running').text, '$(zap) Green ML');
  const waiting: TrackingStatus = { ...status([]), scheduled: [{ runId: 'r', label: '/ws/train.py', trackerPid: 1, startAt: new Date(10_000 + 3723_000).toISOString(), nowGPerKwh: 250, windowGPerKwh: 90 }] };
  assert.equal(statusBarText(waiting, 10_000), '$(watch) train.py in 1:02:03');
});

test('tooltip: each fact once — per component figure and method, the intensity with its source, year and PUE', () => {
  const tip = statusBarTooltip(status([run('train', 960, 142, 0.038, 0.012)]));
  assert.match(tip, /\| CPU \| 42\.6\u00a0W \| 11\u00a0Wh \| measured: RAPL package counter, shared by CPU time \|/);
  assert.match(tip, /\| GPU \| 92\.3\u00a0W \| 25\u00a0Wh \| measured: nvidia\\-smi energy counter \|/);
  assert.match(tip, /\| RAM \| .* \| estimated: resident memory × 0\\\.375 W\/GB \|/);
  assert.match(tip, /Carbon intensity: \*\*56 g\/kWh\*\* — Our World in Data 2023, France \\\(FRA\\\), lifecycle · PUE 1\.2/);
  assert.equal(tip.match(/2023/g)?.length, 1, 'the data year once');
  assert.equal(tip.match(/PUE/g)?.length, 1, 'PUE once');
  assert.match(tip, /Other programs' load over the run \(browser, editor…; measured before it started, not counted\)/);
  assert.doesNotMatch(tip, /Idle baseline/);
  const assumedRun = { ...run('x', 1, 1, 0.001, 0.0005), intensity: { gPerKwh: 475, source: 'assumed: world average (IEA 2019)', kind: 'assumed' as const, year: 2019, pue: 1 } };
  const assumed = { ...status([assumedRun]), needsRegion: true };
  const a = statusBarTooltip(assumed);
  assert.equal(a.match(/assumed/g)?.length, 1, `"assumed" once: ${a}`);
  assert.equal(a.match(/2019/g)?.length, 1, `the year once: ${a}`);
  assert.equal(a.match(/475/g)?.length, 1, `the value once: ${a}`);
  assert.match(a, /\[set your region\]\(command:greenml\.setCarbonRegion\)/);
});

test('idle tooltip: the last run, the intensity now and the forecast\'s cleanest window', () => {
  const s: TrackingStatus = {
    ...status([]),
    intensity: { gPerKwh: 212, source: 'UK Carbon Intensity API (actual, GB, 2025-03-01T12:00Z)', kind: 'live', year: 2025, pue: 1 },
    forecast: { provider: 'UK Carbon Intensity API (national forecast)', nowGPerKwh: 212, best: { start: '2025-03-02T02:30:00Z', end: '2025-03-02T03:00:00Z', gPerKwh: 95 }, horizon: '2025-03-02T12:00:00Z' },
    lastRun: { runId: 'r1', script: '/ws/train.py', origin: 'command', startedAt: '2025-03-01T11:00:00Z', durationS: 42, energyKwh: 0.0000081, emissionsKg: 0.0000032, exitCode: 1, methods: { cpu: 'estimated', gpu: 'none', ram: 'estimated', intensity: 'table', intensityKind: 'table' }, interrupted: false, ledgerPath: '/ws/.greenml/emissions.csv' },
  };
  const tip = statusBarTooltip(s, Date.parse('2025-03-01T11:05:42Z'));
  assert.match(tip, /No run is being tracked/);
  assert.match(tip, /Last run: \*\*train\\\.py\*\*, ended 5 min ago — 42\u00a0s · 8\.1\u00a0mWh · 3\.2\u00a0mg\u00a0CO₂e · exit code 1/);
  assert.match(tip, /Carbon intensity: \*\*212 g\/kWh\*\* — UK Carbon Intensity API/);
  assert.match(tip, /Now 212 g\/kWh by the forecast; cleanest in the next 24 h: .*–.*, \*\*95 g\/kWh\*\* \(\[run then\]\(command:greenml\.runAtCleanestTime\)\)/);
});

test('end-of-run message: "train.py exited with code 1" for a failure, figures in small units', () => {
  assert.deepEqual(runEndedMessage({ label: '/ws/train.py', durationS: 61.4, energyKwh: 0.038, emissionsKg: 0.012, exitCode: 0, intensity: { kind: 'table' } }), {
    text: 'train.py finished in 1 min 1 s — 38 Wh, 12 g CO₂e',
    failed: false,
  });
  const failed = runEndedMessage({ label: '/ws/train.py', durationS: 3.2, energyKwh: 0.0000081, emissionsKg: 0.0000004, exitCode: 1, intensity: { kind: 'assumed' } });
  assert.equal(failed.failed, true);
  assert.equal(failed.text, 'train.py exited with code 1 after 3.2 s — 8.1 mWh, 0.4 mg CO₂e recorded (carbon intensity assumed: set your region)');
});
