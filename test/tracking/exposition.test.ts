// The exposition text and the Pushgateway's grouping path, byte for byte where the format is strict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { exposition, escapeLabelValue } from '../../server/src/tracking/exposition';
import { checkGatewayUrl, groupingPath } from '../../server/src/tracking/pushgateway';
import { selectorMatchers, parseTime } from '../../server/src/tracking/promEnergy';
import { checkPrometheusUrl } from '../../server/src/tracking/promQuery';
import { jobIdentity } from '../../server/src/tracking/jobIdentity';
import type { RunStatus } from '../../server/src/common/trackingProtocol';
import { ROOT } from './helpers';

function status(): RunStatus {
  const comp = (kwh: number, kind: 'measured' | 'estimated' | 'none', method: string) => ({ powerW: 2.5, energyKwh: kwh, machineEnergyKwh: kwh, idleEnergyKwh: 0, method, kind });
  return {
    runId: 'r1', origin: 'terminal', label: 'train.py', startedAt: '2026-03-02T10:00:00.000Z', durationS: 12, running: true, sampleTime: 0, powerW: 3, energyKwh: 2e-6, emissionsKg: 1e-6,
    components: { cpu: comp(0.25, 'measured', 'measured: RAPL'), gpu: comp(0, 'none', 'none: no NVIDIA GPU'), ram: comp(0.5, 'estimated', 'estimated: RSS') },
    intensity: { gPerKwh: 56, source: 'Our World in Data 2023, France (FRA), lifecycle', kind: 'table', pue: 1.2 },
    notes: [],
  };
}

test('exposition 0.0.4: HELP/TYPE once per family, escaped label values, no series for a component nothing measured', () => {
  const text = exposition([{ status: status(), script: 'dir\\"odd"\nname.py', host: 'node7', job: { rank: '3', slurm_job_id: '4242' } }]);
  const lines = text.split('\n');
  assert.equal(text.endsWith('\n'), true);
  assert.equal(lines.filter((l) => l === '# TYPE greenml_energy_joules_total counter').length, 1);
  assert.equal(lines.filter((l) => l === '# TYPE greenml_power_watts gauge').length, 1);
  const base = 'run_id="r1",script="dir\\\\\\"odd\\"\\nname.py",host="node7",rank="3",slurm_job_id="4242"';
  assert.ok(lines.includes(`greenml_energy_joules_total{${base},component="cpu",method="measured"} 900000`), text);
  assert.ok(lines.includes(`greenml_energy_joules_total{${base},component="ram",method="estimated"} 1800000`));
  assert.ok(!text.includes('component="gpu"'));
  assert.ok(lines.includes(`greenml_emissions_grams_total{${base}} 0.001`));
  assert.ok(lines.includes(`greenml_carbon_intensity_grams_per_kwh{${base},source="Our World in Data 2023, France (FRA), lifecycle",kind="table"} 56`));
  assert.ok(lines.includes(`greenml_pue{${base}} 1.2`));
  assert.ok(lines.includes(`greenml_run_running{${base}} 1`));
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(exposition([]), '');
});

test('job identity from torchrun and Slurm variables; Pushgateway paths; URL and selector checks', () => {
  assert.deepEqual(jobIdentity({ RANK: '2', LOCAL_RANK: '0', WORLD_SIZE: '8', SLURM_JOB_ID: '77', SLURM_PROCID: '2', SLURM_NODEID: '1', HOME: '/root', SLURM_NTASKS: '' }), {
    rank: '2', local_rank: '0', world_size: '8', slurm_job_id: '77', slurm_procid: '2', slurm_nodeid: '1',
  });
  assert.deepEqual(jobIdentity({}), {});
  assert.equal(groupingPath({ url: 'http://g', job: 'train', instance: 'node7:3' }), '/metrics/job/train/instance/node7%3A3');
  assert.equal(groupingPath({ url: 'http://g', job: 'a/b', instance: 'x' }), `/metrics/job@base64/${Buffer.from('a/b').toString('base64url')}/instance/x`);
  assert.deepEqual(checkGatewayUrl('http://pushgateway:9091/'), { url: 'http://pushgateway:9091' });
  assert.ok('error' in checkGatewayUrl('http://g:9091/?x=1'));
  assert.equal(checkPrometheusUrl('https://prom.example:9090/'), 'https://prom.example:9090');
  assert.throws(() => checkPrometheusUrl('localhost:9090'), /not an http:\/\/ or https:\/\/ URL/);
  assert.equal(selectorMatchers(' {pod="a",namespace="b"} '), 'pod="a",namespace="b"');
  assert.equal(selectorMatchers('pod=~"train-.*"'), 'pod=~"train-.*"');
  assert.equal(parseTime('now-2h', 10_000), 10_000 - 7200);
  assert.equal(parseTime('1772445600'), 1772445600);
  assert.equal(parseTime('2026-03-02T10:00:00Z'), Date.parse('2026-03-02T10:00:00Z') / 1000);
  assert.equal(parseTime('yesterday'), undefined);
});

test('package.json: a workspace extension (runs on the remote host), and the metricsPort setting is machine-scoped and documented', () => {
  const pkg = JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  const props = pkg.contributes.configuration.properties ?? Object.assign({}, ...pkg.contributes.configuration.map((c: { properties: object }) => c.properties));
  const s = props['greenml.tracking.metricsPort'];
  assert.equal(s.scope, 'machine');
  assert.equal(s.default, 0);
  assert.match(s.markdownDescription, /127\.0\.0\.1:<port>\/metrics/);
});
