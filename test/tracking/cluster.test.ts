// Issue 22 with real servers on 127.0.0.1: Debian's Prometheus scrapes `greenml run --metrics-port`
// during a CPU run, reads a run pushed to Debian's Pushgateway, and scrapes stand-in DCGM exporter and
// Kepler endpoints that `greenml report --prometheus` then queries. One Prometheus for the file (its
// start-up is the slow part), scraping every second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { runCli, tmpDir, baseEnv, readLabel } from './helpers';
import { eventually, freePort, startPrometheus, startPushgateway, type Prometheus } from '../helpers/prometheus';
import { standInDcgm, standInKeplerV010, standInKeplerV07, type StandIn } from '../helpers/standInExporters';
import { readLedger } from '../../server/src/tracking/ledger';
import { listRuns } from '../../server/src/tracking/history';
import { TrackingService } from '../../server/src/tracking/service';

const env = (extra: Record<string, string> = {}) => baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}`, ...extra });

function busy(seconds: number): string {
  return ['import time', 't = time.process_time()', `while time.process_time() - t < ${seconds}: pass`].join('\n');
}

let prom: Prometheus;
let gateway: { url: string; port: number; stop(): Promise<void> };
let metricsPort: number;
let lspPort: number;
let promStarted = 0;
const standIns: StandIn[] = [];
const t0 = Date.now();
// Every 4 s with a 4 s timeout: on a loaded 2-core machine shorter timeouts lose scrapes.
const SCRAPE_S = 4;

before(async () => {
  metricsPort = await freePort();
  lspPort = await freePort();
  gateway = await startPushgateway();
  const gpu = { namespace: 'ml', container: 'trainer', startMj: 31035686671 };
  standIns.push(
    await standInDcgm('gpu-node-1', [
      { ...gpu, gpu: '0', uuid: 'GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52', modelName: 'NVIDIA A100-SXM4-80GB', pod: 'train-0', watts: 250, energyCounter: true },
      { ...gpu, gpu: '1', uuid: 'GPU-8c16e996-bd76-aa91-17e7-b48bcd0208ba', modelName: 'NVIDIA A100-SXM4-80GB', pod: 'train-0', watts: 180, energyCounter: true },
      { ...gpu, gpu: '2', uuid: 'GPU-1d3e0a52-5b9c-4e51-9d0c-2a7f54f0c1aa', modelName: 'NVIDIA A100-SXM4-80GB', pod: 'other-job', watts: 300, energyCounter: true },
    ], t0),
    // An older GPU: its exporter has no energy counter, only the power gauge.
    await standInDcgm('gpu-node-2', [{ ...gpu, gpu: '0', uuid: 'GPU-3f2b9a10-7c44-4d2e-8a61-0b5e9d7c2f13', modelName: 'Tesla V100-PCIE-16GB', pod: 'train-1', watts: 120, energyCounter: false }], t0),
    await standInKeplerV07('gpu-node-1', [
      { podName: 'train-0', namespace: 'ml', containerName: 'trainer', containerId: 'c0ffee01', packageW: 60, dramW: 8 },
      { podName: 'other-job', namespace: 'ml', containerName: 'trainer', containerId: 'c0ffee02', packageW: 90, dramW: 12 },
    ], t0),
    await standInKeplerV010('gpu-node-2', [{ podName: 'train-1', namespace: 'ml', containerName: 'trainer-1', containerId: 'beef01', packageW: 45, dramW: 5 }], [
      { pid: '4711', comm: 'python3', exe: '/usr/bin/python3.11', containerId: 'beef01', packageW: 30, dramW: 3 },
    ], t0),
  );
  prom = await startPrometheus([
    { job: 'greenml', targets: [`127.0.0.1:${metricsPort}`] },
    { job: 'greenml-lsp', targets: [`127.0.0.1:${lspPort}`] },
    { job: 'pushgateway', targets: [`127.0.0.1:${gateway.port}`], honorLabels: true },
    { job: 'dcgm', targets: [standIns[0].target, standIns[1].target] },
    { job: 'kepler', targets: [standIns[2].target, standIns[3].target] },
  ], SCRAPE_S);
  promStarted = Date.now();
});

after(async () => {
  await prom?.stop();
  await gateway?.stop();
  for (const s of standIns) await s.close();
});

const value = (r: { value: [number, string] }[]) => (r.length ? Number(r[0].value[1]) : undefined);

test('Prometheus scrapes greenml run --metrics-port during a CPU run: its energy within 5 % of the summary JSON, with run, script, host and job labels', async () => {
  const out = tmpDir();
  const summary = join(out, 's.json');
  // Prometheus starts a job's scrape loop some seconds after it is ready (target sync, then a random
  // offset within the interval); a run started before that could end unscraped.
  await eventually(async () => ((await prom.query('count_over_time(up{job="greenml"}[1m])')).length ? true : undefined), 30_000, 'the greenml scrape loop');
  const jobEnv = { RANK: '0', LOCAL_RANK: '0', WORLD_SIZE: '1', SLURM_JOB_ID: '4242', SLURM_PROCID: '0', SLURM_NODEID: '0' };
  const r = await runCli(['run', '--metrics-port', String(metricsPort), '--interval', '0.5', '--baseline', '0', '--quiet', '--output-dir', out, '--summary-json', summary, '--', 'python3', '-c', busy(8)], { env: env(jobEnv) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`metrics on http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
  const runId = readLabel(out).run_id as string;
  const s = JSON.parse(fs.readFileSync(summary, 'utf8'));
  const sel = `{run_id="${runId}"}`;
  // The final figures were scraped before greenml exited (--metrics-linger): running = 0 is in Prometheus.
  await eventually(async () => (value(await prom.query(`last_over_time(greenml_run_running${sel}[10m])`)) === 0 ? true : undefined), 8000, 'the final scrape').catch(async (err: Error) => {
    const diag = await prom.query('max_over_time(scrape_duration_seconds{job="greenml"}[1m]) or min_over_time(up{job="greenml"}[1m]) or count_over_time(up{job="greenml"}[1m])');
    throw new Error(`${err.message}; greenml: ${r.stderr}; Prometheus: ${JSON.stringify(diag)}`);
  });
  // …and it was scraped while running, too.
  assert.equal(value(await prom.query(`max_over_time(greenml_run_running${sel}[10m])`)), 1);
  assert.ok((await prom.query(`count_over_time(greenml_energy_joules_total{run_id="${runId}",component="cpu"}[10m])`)).length > 0);
  const scrapes = value(await prom.query(`count_over_time(greenml_run_running${sel}[10m])`))!;
  assert.ok(scrapes >= 2, `only ${scrapes} scrapes of an 8 s (CPU time) run`);
  const joules = value(await prom.query(`sum(last_over_time(greenml_energy_joules_total${sel}[10m]))`))!;
  const expected = s.energy_kwh * 3.6e6;
  assert.ok(expected > 0);
  assert.ok(Math.abs(joules - expected) / expected < 0.05, `PromQL ${joules} J vs summary ${expected} J`);
  const grams = value(await prom.query(`last_over_time(greenml_emissions_grams_total${sel}[10m])`))!;
  assert.ok(Math.abs(grams - s.emissions_kg * 1000) / (s.emissions_kg * 1000) < 0.05);
  const [cpu] = await prom.query(`last_over_time(greenml_energy_joules_total{run_id="${runId}",component="cpu"}[10m])`);
  assert.equal(cpu.metric.host, os.hostname());
  assert.equal(cpu.metric.script, `python3 -c ${busy(8)}`);
  assert.equal(cpu.metric.method, s.components.cpu.method.split(':')[0]);
  for (const [k, v] of Object.entries({ rank: '0', local_rank: '0', world_size: '1', slurm_job_id: '4242', slurm_procid: '0', slurm_nodeid: '0' })) assert.equal(cpu.metric[k], v, k);
  const [ci] = await prom.query(`last_over_time(greenml_carbon_intensity_grams_per_kwh${sel}[10m])`);
  assert.equal(Number(ci.value[1]), s.carbon_intensity.g_per_kwh);
  assert.equal(ci.metric.source, s.carbon_intensity.source);
});

test('a run pushed to the Pushgateway (PUT, grouped by job and instance) is read back through Prometheus with its final figures', async () => {
  const out = tmpDir();
  const summary = join(out, 's.json');
  const r = await runCli(['run', '--pushgateway', gateway.url, '--push-interval', '1', '--push-job', 'train-batch', '--interval', '0.5', '--baseline', '0', '--quiet', '--output-dir', out, '--summary-json', summary, '--', 'python3', '-c', busy(2)], {
    env: env({ RANK: '3', WORLD_SIZE: '4' }),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /final figures pushed/);
  const runId = readLabel(out).run_id as string;
  const s = JSON.parse(fs.readFileSync(summary, 'utf8'));
  const sel = `{run_id="${runId}",job="train-batch"}`;
  await eventually(async () => (value(await prom.query(`last_over_time(greenml_run_running${sel}[10m])`)) === 0 ? true : undefined), 15_000, 'the final push in Prometheus');
  const [e] = await prom.query(`last_over_time(greenml_energy_joules_total{run_id="${runId}",component="cpu"}[10m])`);
  assert.equal(e.metric.job, 'train-batch');
  assert.equal(e.metric.instance, `${os.hostname()}:3`);
  assert.equal(e.metric.rank, '3');
  const joules = value(await prom.query(`sum(last_over_time(greenml_energy_joules_total${sel}[10m]))`))!;
  const expected = s.energy_kwh * 3.6e6;
  // The last push holds the final figures exactly (as printed with full precision).
  assert.ok(Math.abs(joules - expected) <= expected * 1e-9 + 1e-9, `pushed ${joules} J vs summary ${expected} J`);
});

test('greenml run: a busy --metrics-port, a bad --pushgateway URL and an unreachable gateway are reported', async () => {
  const out = tmpDir();
  const holder = await standInDcgm('x', [], Date.now());
  const port = holder.target.split(':')[1];
  try {
    const busyPort = await runCli(['run', '--metrics-port', port, '--baseline', '0', '--output-dir', out, '--', 'true'], { env: env() });
    assert.equal(busyPort.code, 2);
    assert.match(busyPort.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    await holder.close();
  }
  const badUrl = await runCli(['run', '--pushgateway', 'pushgateway:9091', '--', 'true'], { env: env() });
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /--pushgateway: 'pushgateway:9091' is not an http:\/\/ or https:\/\/ URL/);
  const closed = await freePort();
  const unreachable = await runCli(['run', '--pushgateway', `http://127.0.0.1:${closed}`, '--baseline', '0', '--quiet', '--output-dir', out, '--', 'python3', '-c', 'raise SystemExit(3)'], { env: env() });
  assert.equal(unreachable.code, 3, 'the command\'s exit status, whatever the gateway');
  assert.match(unreachable.stderr, new RegExp(`cannot reach the Pushgateway at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
  assert.match(unreachable.stderr, /final push failed/);
  assert.equal(readLedger(out).length, 1, 'the run is still recorded');
});

test('the language server serves the runs it tracks when greenml.tracking.metricsPort is set, and Prometheus scrapes them', async () => {
  const ws = tmpDir('greenml-ws-');
  const logs: string[] = [];
  const service = new TrackingService({ publish: () => undefined, runEnded: () => undefined, pollMs: 200, log: (m) => logs.push(m) });
  try {
    service.configure({ trusted: true, workspaceFolders: [ws], settings: { tracking: { metricsPort: lspPort, discoverProcesses: false, readCodeCarbon: false } } });
    const r = await runCli(['run', '--interval', '0.5', '--baseline', '0', '--quiet', '--', 'python3', '-c', busy(6)], { cwd: ws, env: env({ RANK: '1', WORLD_SIZE: '2' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(logs.some((l) => l.includes(`serving the tracked runs on http://127.0.0.1:${lspPort}/metrics`)), logs.join('\n'));
    const runId = readLabel(join(ws, '.greenml')).run_id as string;
    const [seen] = await eventually(async () => {
      const v = await prom.query(`max_over_time(greenml_energy_joules_total{job="greenml-lsp",run_id="${runId}",component="cpu"}[10m])`);
      return v.length ? v : undefined;
    }, 10_000, 'the language server\'s series in Prometheus');
    assert.equal(seen.metric.rank, '1');
    assert.equal(seen.metric.world_size, '2');
    assert.equal(seen.metric.host, os.hostname());
    assert.ok(Number(seen.value[1]) > 0);
    // Off again: the endpoint closes.
    service.configure({ trusted: true, workspaceFolders: [ws], settings: { tracking: { metricsPort: 0, discoverProcesses: false, readCodeCarbon: false } } });
    await new Promise((res) => setTimeout(res, 300));
    await assert.rejects(fetch(`http://127.0.0.1:${lspPort}/metrics`));
  } finally {
    service.dispose();
  }
});

/** A window the stand-ins have been scraped all through: ends a second ago, lasts `s` seconds. */
async function scrapedWindow(s: number): Promise<{ from: number; to: number }> {
  const ready = promStarted + (s + 2 * SCRAPE_S + 1) * 1000;
  if (Date.now() < ready) await new Promise((r) => setTimeout(r, ready - Date.now()));
  const to = Math.floor(Date.now() / 1000) - 1;
  return { from: to - s, to };
}

function near(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * rel, `${what}: ${actual} J, expected ${expected} J (±${rel * 100} %)`);
}

test('greenml report --prometheus: GPU energy from the DCGM exporter counter and CPU/DRAM from Kepler 0.7 match what the stand-ins served; ledger row and carbon label like a local run', async () => {
  const out = tmpDir();
  const { from, to } = await scrapedWindow(16);
  const D = to - from;
  const r = await runCli(['report', '--prometheus', prom.url, '--job', '{pod="train-0",namespace="ml"}', '--kepler-job', 'pod_name="train-0"', '--from', String(from), '--to', String(to), '--region', 'FRA', '--output-dir', out], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const label = readLabel(out);
  near(label.components.gpu.energy_kwh * 3.6e6, (250 + 180) * D, 0.02, 'GPU');
  near(label.components.cpu.energy_kwh * 3.6e6, 60 * D, 0.02, 'CPU');
  near(label.components.ram.energy_kwh * 3.6e6, 8 * D, 0.02, 'RAM');
  assert.match(label.components.gpu.method, /^measured: DCGM exporter \(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION/);
  assert.match(label.components.cpu.method, /^measured: Kepler \(kepler_container_package_joules_total/);
  assert.match(label.components.ram.method, /^measured: Kepler \(kepler_container_dram_joules_total/);
  assert.equal(label.origin, 'report');
  assert.equal(label.duration_s, D);
  assert.equal(label.started_at, new Date(from * 1000).toISOString());
  assert.match(label.carbon_intensity.source, /Our World in Data \d{4}, France/);
  assert.ok(Math.abs(label.emissions_kg - (label.energy_kwh * label.carbon_intensity.g_per_kwh) / 1000) < 1e-12);
  assert.deepEqual(label.hardware.gpus, ['NVIDIA A100-SXM4-80GB', 'NVIDIA A100-SXM4-80GB']);
  assert.equal(label.report_source.prometheus, prom.url);
  // The ledger row, and the run history, list it like a local run.
  const [row] = readLedger(out);
  assert.equal(row.run_id, label.run_id);
  assert.equal(Number(row.energy_consumed), Math.round(label.energy_kwh * 1e9) / 1e9);
  assert.equal(row.gpu_count, '2');
  assert.equal(row.country_iso_code, 'FRA');
  const [listed] = listRuns([out]);
  assert.equal(listed.origin, 'report');
  assert.match(listed.methods.gpu, /DCGM exporter/);
  assert.match(fs.readFileSync(join(out, 'runs', `${label.run_id}.md`), 'utf8'), /\| GPU \| .* \| measured: DCGM exporter/);
  assert.match(r.stdout, /GPU: .* — measured: DCGM exporter/);
  assert.match(r.stdout, /gpu=0 UUID=GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52 .*: (\d+\.\d) J/);
});

test('greenml report --prometheus: a GPU without the energy counter has its power integrated; Kepler 0.10 container and process series by zone', async () => {
  const out = tmpDir();
  const { from, to } = await scrapedWindow(16);
  const D = to - from;
  const r = await runCli(['report', '--prometheus', prom.url, '--job', 'pod="train-1"', '--kepler-job', 'container_name="trainer-1"', '--from', String(from), '--to', String(to), '--output-dir', out], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const label = readLabel(out);
  near(label.components.gpu.energy_kwh * 3.6e6, 120 * D, 0.02, 'GPU (power integrated)');
  assert.match(label.components.gpu.method, /DCGM_FI_DEV_POWER_USAGE, W, sampled every 1 s and integrated: this GPU has no energy counter/);
  near(label.components.cpu.energy_kwh * 3.6e6, 45 * D, 0.02, 'CPU (Kepler 0.10 package zone)');
  near(label.components.ram.energy_kwh * 3.6e6, 5 * D, 0.02, 'RAM (Kepler 0.10 dram zone)');
  assert.match(label.components.cpu.method, /kepler_container_cpu_joules_total, zone package/);
  assert.match(label.carbon_intensity.source, /^assumed/, 'no region: the assumed world average, said so');
  // Kepler's process series: a selector only they carry.
  const out2 = tmpDir();
  const p = await runCli(['report', '--prometheus', prom.url, '--job', 'comm="python3"', '--from', String(from), '--to', String(to), '--output-dir', out2], { env: env() });
  assert.equal(p.code, 0, p.stderr);
  const l2 = readLabel(out2);
  near(l2.components.cpu.energy_kwh * 3.6e6, 30 * D, 0.02, 'CPU (Kepler 0.10 process)');
  assert.match(l2.components.cpu.method, /kepler_process_cpu_joules_total, zone package/);
  assert.equal(l2.components.gpu.method, 'none: no DCGM exporter series matched');
  assert.equal(l2.components.gpu.energy_kwh, 0);
});

test('greenml report --prometheus: bad URL, unreachable server, empty result and bad selector are clear errors, and nothing is recorded', async () => {
  const out = tmpDir();
  const bad = await runCli(['report', '--prometheus', 'prometheus:9090', '--job', 'pod="x"', '--output-dir', out], { env: env() });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--prometheus: 'prometheus:9090' is not an http:\/\/ or https:\/\/ URL/);
  const closed = await freePort();
  const down = await runCli(['report', '--prometheus', `http://127.0.0.1:${closed}`, '--job', 'pod="x"', '--output-dir', out], { env: env() });
  assert.equal(down.code, 1);
  assert.match(down.stderr, new RegExp(`cannot reach Prometheus at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
  const empty = await runCli(['report', '--prometheus', prom.url, '--job', 'pod="no-such-pod"', '--from', 'now-1m', '--output-dir', out], { env: env() });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no DCGM exporter or Kepler series match \{pod="no-such-pod"\} between .* nothing recorded/);
  const syntax = await runCli(['report', '--prometheus', prom.url, '--job', 'pod=', '--output-dir', out], { env: env() });
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /Prometheus rejected the query .*parse error.*\(is --job a list of label matchers/);
  const noJob = await runCli(['report', '--prometheus', prom.url], { env: env() });
  assert.equal(noJob.code, 2);
  assert.match(noJob.stderr, /--prometheus needs --job SELECTOR/);
  const window = await runCli(['report', '--prometheus', prom.url, '--job', 'pod="x"', '--from', 'now', '--to', 'now-1h'], { env: env() });
  assert.equal(window.code, 2);
  assert.match(window.stderr, /the window is empty/);
  assert.equal(fs.existsSync(join(out, 'emissions.csv')), false);
});
