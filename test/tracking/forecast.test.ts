// Carbon-aware start: the forecast window choice on made-up slots, the providers' forecast requests
// against a local server answering in their documented shapes (test/helpers/forecastServer.ts), a
// slow and a failing provider, and `greenml run --start-when-cleanest` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { cleanestWindow, fetchForecast, parseDuration, type Forecast } from '../../server/src/tracking/forecast';
import { TrackingService } from '../../server/src/tracking/service';
import { startForecastServer } from '../helpers/forecastServer';
import { baseEnv, readLabel, runCli, tmpDir, waitFor } from './helpers';

const H = 3600_000;
const M = 60_000;
const T0 = Date.parse('2025-03-01T12:10:00Z');

/** Half-hour slots from 12:00 with these intensities. */
function halfHours(gs: number[]): Forecast {
  const start = Date.parse('2025-03-01T12:00:00Z');
  return { provider: 'test', fetchedAt: T0, slots: gs.map((g, i) => ({ from: start + i * 30 * M, to: start + (i + 1) * 30 * M, g })) };
}

test('cleanest window: the lowest slot start within the allowed wait', () => {
  const f = halfHours([300, 280, 120, 200, 60, 250]);
  // Within 24 h: the 60 g slot at 14:00.
  const w = cleanestWindow(f, T0, 24 * H)!;
  assert.equal(new Date(w.start).toISOString(), '2025-03-01T14:00:00.000Z');
  assert.equal(w.gPerKwh, 60);
  assert.equal(w.nowGPerKwh, 300, 'a run of unknown length is judged by the slot it starts in');
  assert.equal(w.end, Date.parse('2025-03-01T14:30:00Z'));
  // A 40-minute run, known from its previous run: starting now means 20 min at 300 and 20 at 280.
  assert.ok(Math.abs(cleanestWindow(f, T0, 24 * H, 40 * M)!.nowGPerKwh - 290) < 1e-9);
  // Within 1 h only: 13:00 (120 g) is the best it may wait for.
  assert.equal(new Date(cleanestWindow(f, T0, H)!.start).toISOString(), '2025-03-01T13:00:00.000Z');
  // A 90-minute run: 13:00–14:30 averages (120+200+60)/3 = 126.7, better than 14:00–15:30 (60+250+…)
  const long = cleanestWindow(halfHours([300, 280, 120, 200, 60, 250, 400, 400]), T0, 24 * H, 90 * M)!;
  assert.equal(new Date(long.start).toISOString(), '2025-03-01T13:00:00.000Z');
  assert.ok(Math.abs(long.gPerKwh - 380 / 3) < 1e-9);
});

test('cleanest window: now when nothing later is cleaner, ties to the earliest, none when the forecast misses now', () => {
  const f = halfHours([100, 150, 200]);
  const w = cleanestWindow(f, T0, 24 * H)!;
  assert.equal(w.start, T0);
  const tie = cleanestWindow(halfHours([300, 80, 80, 80]), T0, 24 * H)!;
  assert.equal(new Date(tie.start).toISOString(), '2025-03-01T12:30:00.000Z');
  assert.equal(cleanestWindow(halfHours([100]), T0 + 2 * H, 24 * H), undefined);
});

test('durations: --within values', () => {
  assert.equal(parseDuration('6h'), 6 * H);
  assert.equal(parseDuration('90m'), 90 * M);
  assert.equal(parseDuration('1h30m'), 90 * M);
  assert.equal(parseDuration('1.5h'), 90 * M);
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('12'), 12 * H);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('6h later'), undefined);
});

test('providers: UK national and regional fw24h, Electricity Maps forecast with its token', async () => {
  const srv = await startForecastServer({ cleanestInS: 600, nowG: 240, cleanestG: 70, token: 'secret' });
  try {
    const now = Date.now();
    const national = await fetchForecast({ liveProvider: 'ukCarbonIntensity', ukBaseUrl: srv.url }, now);
    assert.match(srv.requests.at(-1)!, /^\/intensity\/\d{4}-\d\d-\d\dT\d\d(%3A|:)\d\dZ\/fw24h$/);
    assert.equal(national.provider, 'UK Carbon Intensity API (national forecast)');
    assert.ok(national.slots.length >= 47);
    const w = cleanestWindow(national, Date.now(), 24 * H)!;
    assert.equal(w.gPerKwh, 70);
    assert.equal(w.currentGPerKwh, 240);
    const regional = await fetchForecast({ liveProvider: 'ukCarbonIntensity', ukBaseUrl: srv.url, ukPostcode: 'sw1a 1aa' }, now);
    assert.match(srv.requests.at(-1)!, /^\/regional\/intensity\/[^/]+\/fw24h\/postcode\/SW1A$/);
    assert.equal(regional.provider, 'UK Carbon Intensity API (regional forecast, London)');
    assert.equal(cleanestWindow(regional, Date.now(), 24 * H)!.gPerKwh, 70);
    const em = await fetchForecast({ liveProvider: 'electricityMaps', electricityMapsBaseUrl: srv.url, electricityMapsZone: 'DE', electricityMapsToken: 'secret' }, now);
    assert.equal(srv.requests.at(-1), '/carbon-intensity/forecast?zone=DE');
    assert.equal(em.provider, 'Electricity Maps (forecast, DE)');
    assert.equal(cleanestWindow(em, Date.now(), 24 * H)!.gPerKwh, 70);
    await assert.rejects(fetchForecast({ liveProvider: 'electricityMaps', electricityMapsBaseUrl: srv.url, electricityMapsZone: 'DE', electricityMapsToken: 'wrong' }), /HTTP 401/);
    await assert.rejects(fetchForecast({ liveProvider: 'none' }), /no live carbon-intensity provider is configured/);
  } finally {
    await srv.close();
  }
});

test('providers: a slow one times out and a failing one says HTTP 500', async () => {
  const slow = await startForecastServer({ mode: 'slow', slowMs: 3000 });
  const failing = await startForecastServer({ mode: 'fail' });
  try {
    const t = Date.now();
    await assert.rejects(fetchForecast({ liveProvider: 'ukCarbonIntensity', ukBaseUrl: slow.url, timeoutMs: 300 }), (e: Error) => e.name === 'TimeoutError');
    assert.ok(Date.now() - t < 2000, 'the timeout is kept');
    await assert.rejects(fetchForecast({ liveProvider: 'ukCarbonIntensity', ukBaseUrl: failing.url }), /HTTP 500/);
  } finally {
    await slow.close();
    await failing.close();
  }
});

test('the language server\'s status has the intensity now and the cleanest window of the next 24 h', async () => {
  const srv = await startForecastServer({ cleanestInS: 1800, nowG: 260, cleanestG: 85 });
  const svc = new TrackingService({ publish: () => undefined, runEnded: () => undefined, pollMs: 60_000, env: { GREENML_UK_CARBON_API: srv.url } });
  try {
    svc.configure({ trusted: true, workspaceFolders: [tmpDir()], settings: { carbon: { liveProvider: 'ukCarbonIntensity' } } });
    const s = await waitFor(() => (svc.status().forecast ? svc.status() : undefined), 5000, 'a forecast in the status');
    assert.equal(s.intensity?.gPerKwh, 260);
    assert.equal(s.intensity?.kind, 'live');
    assert.equal(s.forecast!.best.gPerKwh, 85);
    assert.equal(Math.round(s.forecast!.nowGPerKwh), 260);
    assert.ok(Math.abs(Date.parse(s.forecast!.best.start) - Date.now() - 1800_000) < 60_000);
  } finally {
    svc.dispose();
    await srv.close();
  }
});

const cliEnv = (url: string) => baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}`, GREENML_UK_CARBON_API: url });
/** A script that writes the time it started into DIR/started. */
function startMark(dir: string): string {
  const script = join(dir, 'mark.py');
  fs.writeFileSync(script, `import time; open(${JSON.stringify(join(dir, 'started'))}, "w").write(str(time.time()))\n`);
  return script;
}

test('greenml run --start-when-cleanest waits for the window (countdown file while it waits), then runs, and the label records the intensity avoided', async () => {
  const srv = await startForecastServer({ cleanestInS: 4, nowG: 250, cleanestG: 90 });
  const out = tmpDir();
  try {
    const asked = Date.now();
    // The file is there from the CLI's forecast request until the window, 4 s later; on a busy machine
    // the CLI itself can take more than 3 s to start, so the wait for the file allows for that.
    const run = runCli(['run', '--start-when-cleanest', '--within', '2h', '--live-provider', 'ukCarbonIntensity', '--baseline', '0', '--output-dir', out, '--', 'python3', startMark(out)], { env: cliEnv(srv.url) });
    const scheduled = await waitFor(() => fs.existsSync(join(out, 'live')) && fs.readdirSync(join(out, 'live')).find((n) => n.endsWith('.scheduled.json')), 20_000, 'the countdown file');
    const sch = JSON.parse(fs.readFileSync(join(out, 'live', scheduled), 'utf8'));
    assert.equal(Math.round(sch.windowGPerKwh), 90);
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const started = Number(fs.readFileSync(join(out, 'started'), 'utf8')) * 1000;
    assert.ok(started - asked >= 3500, `started ${started - asked} ms after the request; the window was 4 s away`);
    assert.match(r.stderr, /waiting to start mark\.py at .*, the cleanest window within 2 h: 90 g\/kWh against 250 now \(UK Carbon Intensity API \(national forecast\)\)/);
    assert.match(r.stderr, /starting mark\.py \(90 g\/kWh forecast, 160 g\/kWh less than at the request\)/);
    const l = readLabel(out);
    assert.equal(l.carbon_aware_start.outcome, 'window');
    assert.equal(l.carbon_aware_start.avoided_g_per_kwh, 160);
    assert.ok(l.carbon_aware_start.waited_s >= 2.5, `waited ${l.carbon_aware_start.waited_s} s`);
    assert.match(fs.readFileSync(join(out, 'runs', `${l.run_id}.md`), 'utf8'), /## Carbon-aware start[\s\S]*Intensity avoided against starting at once: 160 g\/kWh \(forecast 250 → 90 g\/kWh\)/);
    assert.ok(!fs.existsSync(join(out, 'live')), 'nothing left in live/');
  } finally {
    await srv.close();
  }
});

test('greenml run --start-when-cleanest without a forecast says so and starts at once (failing provider, slow provider, none)', async () => {
  const failing = await startForecastServer({ mode: 'fail' });
  try {
    for (const [args, why] of [
      [['--live-provider', 'ukCarbonIntensity'], /no carbon-intensity forecast \(HTTP 500 Internal Server Error\): starting now\./],
      [[], /no carbon-intensity forecast \(no live carbon-intensity provider is configured .*\): starting now\./],
    ] as [string[], RegExp][]) {
      const out = tmpDir();
      const r = await runCli(['run', '--start-when-cleanest', ...args, '--baseline', '0', '--output-dir', out, '--', 'python3', startMark(out)], { env: cliEnv(failing.url) });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, why);
      assert.ok(fs.existsSync(join(out, 'started')), 'the command ran');
      // Started at once: no countdown, and the tracker's own clock (not the test's, which a busy
      // machine's start-up time would skew) says it waited only for the forecast request.
      assert.doesNotMatch(r.stderr, /waiting to start|starts in/);
      const l = readLabel(out);
      assert.ok(l.carbon_aware_start.waited_s < 5, `waited ${l.carbon_aware_start.waited_s} s with nothing to wait for`);
      assert.equal(l.carbon_aware_start.outcome, 'no-forecast');
      assert.equal(l.carbon_aware_start.avoided_g_per_kwh, null);
    }
  } finally {
    await failing.close();
  }
  const slow = await startForecastServer({ mode: 'slow', slowMs: 8000 });
  try {
    const out = tmpDir();
    const r = await runCli(['run', '--start-when-cleanest', '--live-provider', 'ukCarbonIntensity', '--baseline', '0', '--output-dir', out, '--', 'python3', '-c', 'pass'], { env: cliEnv(slow.url) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no carbon-intensity forecast \(timed out after 3000 ms\): starting now\./);
  } finally {
    await slow.close();
  }
});

test('greenml run --start-when-cleanest: SIGINT while waiting cancels, nothing runs, nothing is recorded', async () => {
  const srv = await startForecastServer({ cleanestInS: 600 });
  const out = tmpDir();
  try {
    let pid = 0;
    const run = runCli(['run', '--start-when-cleanest', '--live-provider', 'ukCarbonIntensity', '--baseline', '0', '--output-dir', out, '--', 'python3', startMark(out)], { env: cliEnv(srv.url) }, (p) => (pid = p));
    await waitFor(() => fs.existsSync(join(out, 'live')) && fs.readdirSync(join(out, 'live')).length > 0, 3000, 'waiting');
    process.kill(pid, 'SIGINT');
    const r = await run;
    assert.equal(r.code, 130);
    assert.match(r.stderr, /cancelled; .* was not started/);
    assert.ok(!fs.existsSync(join(out, 'started')));
    assert.ok(!fs.existsSync(join(out, 'emissions.csv')));
    assert.ok(!fs.existsSync(join(out, 'live')));
  } finally {
    await srv.close();
  }
});
