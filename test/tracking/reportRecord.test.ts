// A `greenml report` row is a run like any other in the history: the same ledger columns, a carbon
// label (Markdown and the Runs view's page) with each figure's source, and no exit status claimed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { writeReport } from '../../server/src/tracking/reportRecord';
import { getRun, listRuns } from '../../server/src/tracking/history';
import { resolveOffline } from '../../server/src/tracking/carbon';
import { CODECARBON_COLUMNS, readLedger } from '../../server/src/tracking/ledger';
import { labelHtml } from '../../client/src/tracking/runHtml';
import { tmpDir } from './helpers';

test('a report is listed, labelled and rendered like a local run, with its sources and without an exit status', () => {
  const out = tmpDir();
  const rec = writeReport(out, {
    label: 'Prometheus job {pod="train-0"}',
    command: ['greenml', 'report', '--prometheus', 'http://prom:9090', '--job', 'pod="train-0"'],
    cwd: out,
    startedAt: new Date('2026-03-02T10:00:00Z'),
    endedAt: new Date('2026-03-02T12:00:00Z'),
    figures: [
      { component: 'gpu', joules: 3.6e6, method: 'measured: DCGM exporter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ counter, increase over the window)' },
      { component: 'cpu', joules: 1.8e6, method: 'measured: Kepler (kepler_container_package_joules_total: container CPU package, increase over the window)' },
    ],
    missing: { cpu: '', gpu: '', ram: 'none: no Kepler DRAM series matched' },
    intensity: resolveOffline({ region: 'FRA' }),
    host: 'gpu-node-1',
    gpuModels: ['NVIDIA A100-SXM4-80GB'],
    exitCode: null,
    source: { prometheus: 'http://prom:9090', job: 'pod="train-0"' },
    notes: [],
  });
  assert.equal(rec.status.energyKwh, 1.5);
  assert.equal(rec.status.durationS, 7200);
  const [row] = readLedger(out);
  assert.equal(Object.keys(row).length, CODECARBON_COLUMNS.length);
  assert.equal(row.energy_consumed, '1.5');
  assert.equal(row.gpu_energy, '1');
  assert.equal(row.duration, '7200');
  const [summary] = listRuns([out]);
  assert.equal(summary.origin, 'report');
  assert.equal(summary.script, 'Prometheus job {pod="train-0"}');
  assert.equal(summary.methods.ram, 'none: no Kepler DRAM series matched');
  const md = fs.readFileSync(rec.labelMarkdownPath, 'utf8');
  assert.match(md, /\| Started from \| greenml report \(the cluster's own counters\) \|/);
  assert.match(md, /\| GPU \| 1\.00 kWh \| .* \| measured: DCGM exporter/);
  assert.match(md, /## Where the figures come from\n\n- prometheus: `http:\/\/prom:9090`/);
  const html = labelHtml(getRun([out], summary.runId)!, { cspSource: 'x', nonce: 'n', styleUri: 's', scriptUri: 'j' } as never, false);
  assert.match(html, /not applicable \(figures read from the cluster by greenml report\)/);
  assert.match(html, /measured: Kepler \(kepler_container_package_joules_total/);
  assert.match(html, /greenml report \(the cluster&#39;s own counters\)/);
});
