// Status bar lag: time from a sample taken by `greenml run` to the greenml/trackingStatus
// notification reaching an LSP client (the status bar renders on receipt). Real server-side bridge
// over a stream pair, real CLI run of a busy Python child for N seconds.
// Usage: npm run build && npx tsc -p . && node out/bench/tracker-lag.js [seconds=15]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader as CR, StreamMessageWriter as CW } from 'vscode-jsonrpc/node';
import { registerTracking } from '../server/src/tracking/lspBridge';
import { TrackingMethods, TrackingStatus } from '../server/src/common/trackingProtocol';

async function main(): Promise<void> {
  const secs = Number(process.argv[2] ?? 15);
  const ws = fs.realpathSync(fs.mkdtempSync(join(os.tmpdir(), 'greenml-lag-')));
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const bridge = registerTracking(server, { log: () => undefined });
  server.listen();
  const client = createMessageConnection(new CR(down), new CW(up));
  const lags: number[] = [];
  let lastSample = 0;
  client.onNotification(TrackingMethods.status, (...a: unknown[]) => {
    const s = a[0] as TrackingStatus;
    for (const r of s.runs) if (r.sampleTime !== lastSample) {
      lastSample = r.sampleTime;
      lags.push(Date.now() - r.sampleTime);
    }
  });
  client.listen();
  client.sendNotification(TrackingMethods.config, { trusted: true, workspaceFolders: [ws], settings: { tracking: { discoverProcesses: false } } });
  const busy = `import time\nt=time.time()\nwhile time.time()-t<${secs}: pass`;
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  const c = spawn(process.execPath, [cli, 'run', '--quiet', '--interval', '1', '--baseline', '0', '--output-dir', join(ws, '.greenml'), '--', 'python3', '-c', busy], { stdio: 'inherit', cwd: ws });
  await new Promise((r) => c.on('exit', r));
  await new Promise((r) => setTimeout(r, 1000));
  bridge.dispose();
  client.dispose();
  server.dispose();
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
  console.log(JSON.stringify({ samples: lags.length, p50_ms: q(0.5), p95_ms: q(0.95), max_ms: lags[lags.length - 1] }));
}
void main();
