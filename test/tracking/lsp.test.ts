// Server → client tracking notifications over a real LSP connection (vscode-languageserver on one
// side of a stream pair, vscode-jsonrpc on the other), with a real `greenml run` and a real
// discovered Python process in a temporary workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader as CR, StreamMessageWriter as CW } from 'vscode-jsonrpc/node';
import { registerTracking } from '../../server/src/tracking/lspBridge';
import { TrackingMethods, TrackingStatus, RunEndedParams } from '../../server/src/common/trackingProtocol';
import { runCli, tmpDir, baseEnv, waitFor } from './helpers';

test('LSP: greenml/trackingStatus while a run is live, greenml/runEnded with its label, discovered processes', async () => {
  const ws = fs.realpathSync(tmpDir('greenml-ws-'));
  const up = new PassThrough();
  const down = new PassThrough();
  const serverConn = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const bridge = registerTracking(serverConn, { pollMs: 250, discoveryMs: 400, log: () => undefined });
  serverConn.listen();
  const client = createMessageConnection(new CR(down), new CW(up));
  const statuses: { at: number; s: TrackingStatus }[] = [];
  const ended: RunEndedParams[] = [];
  let configAsked = 0;
  client.onNotification(TrackingMethods.status, (...a: unknown[]) => void statuses.push({ at: Date.now(), s: a[0] as TrackingStatus }));
  client.onNotification(TrackingMethods.runEnded, (...a: unknown[]) => void ended.push(a[0] as RunEndedParams));
  client.onRequest('workspace/configuration', () => {
    configAsked++;
    return [{ carbon: { region: 'DEU', pue: 1.1 }, tracking: { interval: 0.5, discoveryMinDuration: 1 } }];
  });
  client.listen();
  try {
    client.sendNotification(TrackingMethods.config, { trusted: true, workspaceFolders: [ws] });
    await waitFor(() => configAsked > 0 && statuses.length > 0, 5000, 'settings fetched and first status');
    assert.equal(statuses[statuses.length - 1].s.runs.length, 0);
    const initial = (await client.sendRequest(TrackingMethods.getStatus)) as TrackingStatus;
    assert.equal(initial.needsRegion, false, 'region DEU came through workspace/configuration');

    // 1. A terminal run in the workspace (what the VS Code command starts).
    const run = runCli(['run', '--interval', '0.5', '--baseline', '0', '--region', 'DEU', '--output-dir', join(ws, '.greenml'), '--', 'python3', '-c', 'import time\nt=time.time()\nwhile time.time()-t<2.5: pass'], {
      env: baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}` }),
      cwd: ws,
    });
    const live = await waitFor(() => statuses.find((x) => x.s.runs.length === 1 && x.s.runs[0].energyKwh > 0), 8000, 'a live status');
    assert.equal(live.s.totals.count, 1);
    assert.match(live.s.runs[0].components.cpu.method, /^(measured|estimated)/);
    assert.match(live.s.runs[0].intensity.source, /Germany \(DEU\)/);
    assert.ok(live.at - live.s.runs[0].sampleTime <= 2000, `status lag ${live.at - live.s.runs[0].sampleTime} ms`);
    assert.equal((await run).code, 0);
    const end = await waitFor(() => ended.find((e) => e.origin === 'terminal'), 5000, 'greenml/runEnded');
    assert.ok(end.energyKwh > 0);
    assert.ok(end.labelMarkdownPath && fs.existsSync(end.labelMarkdownPath));
    assert.equal(end.exitCode, 0);

    // 2. A Python process started in the workspace without greenml is discovered and tracked.
    const py = spawn('python3', ['-c', 'import time\nt=time.time()\nwhile time.time()-t<3: pass'], { cwd: ws, stdio: 'ignore' });
    const disc = await waitFor(() => statuses.find((x) => x.s.runs.some((r) => r.origin === 'discovered' && r.pid === py.pid)), 6000, 'discovered run');
    assert.match(disc.s.runs.find((r) => r.origin === 'discovered')!.label, /pid \d+/);
    await new Promise((r) => py.once('exit', r));
    const dEnd = await waitFor(() => ended.find((e) => e.origin === 'discovered'), 6000, 'discovered run ended');
    assert.ok(dEnd.energyKwh > 0);
    assert.ok(dEnd.labelJsonPath && fs.existsSync(dEnd.labelJsonPath));
    await waitFor(() => statuses[statuses.length - 1].s.runs.length === 0, 3000, 'idle again');
  } finally {
    bridge.dispose();
    client.dispose();
    serverConn.dispose();
  }
});

test('LSP: an untrusted workspace never discovers processes', async () => {
  const ws = fs.realpathSync(tmpDir('greenml-ws-'));
  const up = new PassThrough();
  const down = new PassThrough();
  const serverConn = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const bridge = registerTracking(serverConn, { pollMs: 200, discoveryMs: 200, log: () => undefined });
  serverConn.listen();
  const client = createMessageConnection(new CR(down), new CW(up));
  const statuses: TrackingStatus[] = [];
  client.onNotification(TrackingMethods.status, (...a: unknown[]) => void statuses.push(a[0] as TrackingStatus));
  client.listen();
  const py = spawn('python3', ['-c', 'import time; time.sleep(2)'], { cwd: ws, stdio: 'ignore' });
  try {
    client.sendNotification(TrackingMethods.config, { trusted: false, workspaceFolders: [ws], settings: {} });
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(statuses.length > 0);
    assert.ok(statuses.every((s) => s.runs.length === 0));
  } finally {
    py.kill();
    bridge.dispose();
    client.dispose();
    serverConn.dispose();
  }
});
