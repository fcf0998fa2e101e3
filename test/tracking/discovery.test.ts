// Discovery of Python processes started in the workspace without greenml: quiet (recorded only when
// they ran the minimum duration), never tools, durations from the process's real start time
// (/proc/<pid>/stat starttime), exit status recorded when it can be seen, "unknown" otherwise.
// Real processes in a temporary workspace, the real TrackingService reading /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { TrackingService } from '../../server/src/tracking/service';
import { toolingReason } from '../../server/src/tracking/discovery';
import { readLedger } from '../../server/src/tracking/ledger';
import type { RunEndedParams, TrackingStatus } from '../../server/src/common/trackingProtocol';
import { tmpDir, waitFor } from './helpers';

test('tooling command lines are recognised; training scripts are not', () => {
  const tools: string[][] = [
    ['/usr/bin/python3', '-m', 'pip', 'install', 'torch'],
    ['/venv/bin/python', '/venv/bin/pip3.11', 'list'],
    ['python3', '/home/u/.vscode/extensions/ms-python.debugpy-2024.0.0/bundled/libs/debugpy/adapter'],
    ['python3', '/x/debugpy/launcher', '5678', '--', 'train.py'],
    ['python', '-m', 'ipykernel_launcher', '-f', '/run/user/1000/jupyter/kernel-1.json'],
    ['python', '/home/u/.vscode/extensions/ms-python.black-formatter-2024.2.0/bundled/tool/lsp_server.py'],
    ['python3', '/home/u/.vscode/extensions/ms-python.python-2024.1.0/python_files/get_output_via_markers.py'],
    ['/usr/bin/python3', '/usr/local/bin/jupyter-lab'],
    ['python3', '-m', 'jedi_language_server'],
    ['python3', '-mpylsp'],
    ['python3', '-m', 'venv', '.venv'],
  ];
  for (const cmd of tools) assert.ok(toolingReason(cmd), `not recognised as a tool: ${cmd.join(' ')}`);
  const runs: string[][] = [
    ['python3', 'train.py', '--epochs', '3'],
    ['/usr/bin/python3', '-u', 'scripts/finetune.py'],
    ['python', '-m', 'mypackage.train'],
    ['python3', '-c', 'import time; time.sleep(60)'],
    ['python3', '-X', 'dev', 'pipeline.py'],
  ];
  for (const cmd of runs) assert.equal(toolingReason(cmd), undefined, `taken for a tool: ${cmd.join(' ')}`);
});

interface Harness {
  ws: string;
  svc: TrackingService;
  ended: RunEndedParams[];
  statuses: TrackingStatus[];
  log: string[];
}

function start(settings: Record<string, unknown>): Harness {
  const ws = fs.realpathSync(tmpDir('greenml-disc-'));
  const ended: RunEndedParams[] = [];
  const statuses: TrackingStatus[] = [];
  const log: string[] = [];
  const svc = new TrackingService({ publish: (s) => statuses.push(s), runEnded: (p) => ended.push(p), log: (m) => log.push(m), pollMs: 200, discoveryMs: 300 });
  svc.configure({ trusted: true, workspaceFolders: [ws], settings: { carbon: { region: 'FRA' }, tracking: { interval: 0.5, ...settings } } });
  return { ws, svc, ended, statuses, log };
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
}

test('a discovered run counts from the process\'s real start, not from when it was found; exit status unknown when not seen', async () => {
  // Discovery only looks every 3 s here: the process has been running for a while when it is found.
  const ws = fs.realpathSync(tmpDir('greenml-disc-'));
  const ended: RunEndedParams[] = [];
  const log: string[] = [];
  const svc = new TrackingService({ publish: () => undefined, runEnded: (p) => ended.push(p), log: (m) => log.push(m), pollMs: 200, discoveryMs: 3000 });
  svc.configure({ trusted: true, workspaceFolders: [ws], settings: { carbon: { region: 'FRA' }, tracking: { interval: 0.5, discoveryMinDuration: 2 } } });
  fs.writeFileSync(join(ws, 'train.py'), 'import time\nt = time.time()\nwhile time.time() - t < 4.5: pass\n');
  const t0 = Date.now();
  const py = spawn('/usr/bin/python3', ['train.py'], { cwd: ws, stdio: 'ignore' });
  try {
    await exited(py);
    const real = (Date.now() - t0) / 1000;
    const end = await waitFor(() => ended.find((e) => e.origin === 'discovered'), 8000, 'the discovered run recorded');
    const found = log.find((l) => l.includes(`tracking Python process ${py.pid}`)) ?? '';
    const prior = Number(/running for ([\d.]+) s/.exec(found)?.[1]);
    assert.ok(prior > 2, `found ${prior} s after its start (so the test shows something): ${found}`);
    assert.ok(Math.abs(end.durationS - real) < 1.2, `recorded ${end.durationS.toFixed(2)} s for a ${real.toFixed(2)} s process (found after ${prior} s)`);
    assert.equal(end.exitCode, null);
    const label = JSON.parse(fs.readFileSync(end.labelJsonPath!, 'utf8'));
    assert.equal(label.exit_code, null);
    assert.equal(label.origin, 'discovered');
    assert.ok(Math.abs(Date.parse(label.started_at) - t0) < 700, `started_at ${label.started_at} vs spawn at ${new Date(t0).toISOString()}`);
    assert.match(fs.readFileSync(end.labelMarkdownPath!, 'utf8'), /\| Exit status \| unknown \(a process found running/);
    assert.ok(label.notes.some((n: string) => /Found [\d.]+ s after it started/.test(n)), 'the label says how the part before discovery was estimated');
    assert.equal(readLedger(join(ws, '.greenml')).length, 1);
  } finally {
    py.kill();
    svc.dispose();
  }
});

test('a discovered run shorter than the minimum is not recorded nor shown; a tool never is; a zombie\'s exit status is recorded', async () => {
  const h = start({ discoveryMinDuration: 2.5 });
  const helpers = join(h.ws, 'python_files');
  fs.mkdirSync(helpers);
  fs.writeFileSync(join(helpers, 'helper.py'), 'import time\ntime.sleep(4)\n');
  fs.writeFileSync(join(h.ws, 'short.py'), 'import time\ntime.sleep(1.2)\n');
  fs.writeFileSync(join(h.ws, 'fails.py'), 'import time, sys\ntime.sleep(3.2)\nsys.exit(3)\n');
  const procs = [
    spawn('/usr/bin/python3', ['short.py'], { cwd: h.ws, stdio: 'ignore' }),
    spawn('/usr/bin/python3', [join(helpers, 'helper.py')], { cwd: h.ws, stdio: 'ignore' }),
    // Its parent (sleep, after exec) never waits for it: it stays a zombie whose exit status /proc shows.
    spawn('sh', ['-c', '/usr/bin/python3 fails.py & exec sleep 6'], { cwd: h.ws, stdio: 'ignore' }),
  ];
  try {
    const end = await waitFor(() => h.ended.find((e) => e.script?.endsWith('fails.py')), 10_000, 'fails.py recorded');
    assert.equal(end.exitCode, 3, 'exit status read from the zombie');
    assert.ok(end.durationS >= 3 && end.durationS < 5.5, `duration ${end.durationS}`);
    await Promise.all(procs.slice(0, 2).map(exited));
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(h.ended.map((e) => e.script?.split('/').pop()), ['fails.py'], 'only the run over the minimum is recorded');
    const rows = readLedger(join(h.ws, '.greenml'));
    assert.equal(rows.length, 1);
    assert.ok(h.log.some((l) => /short\.py .*under the 2\.5 s minimum: not recorded/.test(l)), h.log.join('\n'));
    assert.ok(h.log.some((l) => /not tracking pid \d+ \(helper .*python_files\/helper\.py\)/.test(l)), h.log.join('\n'));
    // Never in the status bar either while it was under the minimum.
    assert.ok(!h.statuses.some((s) => s.runs.some((r) => r.label.startsWith('short.py'))), 'short.py showed in the status');
    assert.ok(h.statuses.some((s) => s.runs.some((r) => r.label.startsWith('fails.py'))), 'fails.py showed once past the minimum');
  } finally {
    for (const p of procs) p.kill();
    h.svc.dispose();
  }
});
