// `greenml run` on a real terminal: the command runs on a pseudo-terminal (python3's pty module,
// test/fixtures/tracking/pty_run.py), and the bytes that reach the terminal are replayed into
// @xterm/headless, the terminal emulator VS Code's own terminal is built on. The screen must show
// every line the child printed whole, on its own row, with the live figure only on the last row and
// never inside the child's lines; after the run the figure row is gone and the summary follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Terminal } from '@xterm/headless';
import { CLI, FIXTURES, baseEnv, tmpDir } from './helpers';

const ROWS = 12;
const COLS = 100;

function runOnPty(args: string[], cwd: string, answers: [string, string][] = []): Promise<{ code: number | null; bytes: Buffer; snapshots: string[][] }> {
  return new Promise((resolve, reject) => {
    const term = new Terminal({ rows: ROWS, cols: COLS, allowProposedApi: true });
    const child = spawn('python3', [join(FIXTURES, 'pty_run.py'), String(ROWS), String(COLS), ...answers.flatMap(([t, k]) => ['--answer', t, k]), '--', process.execPath, CLI, ...args], {
      cwd,
      env: baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}` }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    const snapshots: string[][] = [];
    child.stdout!.on('data', (d: Buffer) => {
      chunks.push(d);
      // Screens as the user saw them while the command ran (after xterm has parsed this chunk).
      term.write(d, () => snapshots.push(screen(term)));
    });
    child.on('error', reject);
    child.on('exit', (code) => term.write('', () => resolve({ code, bytes: Buffer.concat(chunks), snapshots: [...snapshots, screen(term)] })));
  });
}

function screen(term: Terminal): string[] {
  const buf = term.buffer.active;
  const rows: string[] = [];
  for (let i = 0; i < buf.length; i++) rows.push(buf.getLine(i)?.translateToString(true) ?? '');
  return rows;
}

test('TTY: the live figure stays on the last row and never breaks the child\'s lines', async () => {
  const dir = tmpDir();
  const script = [
    'import sys, time',
    'for i in range(30):',
    '    print(f"step {i:02d}: loss={1/(i+1):.4f}", flush=True)',
    '    time.sleep(0.1)',
    // A partial line written in two pieces (the way progress output is): it must end up whole.
    'sys.stdout.write("epoch done: "); sys.stdout.flush(); time.sleep(0.4); print("acc=0.91", flush=True)',
  ].join('\n');
  const r = await runOnPty(['run', '--interval', '0.2', '--baseline', '0', '--region', 'FRA', '--output-dir', join(dir, '.greenml'), '--', 'python3', '-c', script], dir);
  assert.equal(r.code, 0, r.bytes.toString());
  const final = r.snapshots[r.snapshots.length - 1];
  const all = final.join('\n');
  // Every line the child printed is on the screen (or in scrollback), whole and alone on its row.
  for (let i = 0; i < 30; i++) {
    const want = `step ${String(i).padStart(2, '0')}: loss=${(1 / (i + 1)).toFixed(4)}`;
    assert.ok(final.some((row) => row.trimEnd() === want), `line ${JSON.stringify(want)} not whole on a row:\n${all}`);
  }
  assert.ok(final.some((row) => row.trimEnd() === 'epoch done: acc=0.91'), `the partial line was broken:\n${all}`);
  // The figure was drawn while the child ran, on the bottom row only, and never in a child's row.
  const during = r.snapshots.filter((s) => s.some((row) => row.startsWith('greenml:')));
  assert.ok(during.length >= 3, `the live figure was drawn ${during.length} times`);
  for (const s of during) {
    const visible = s.slice(-ROWS);
    visible.forEach((row, i) => {
      if (row.includes('greenml:') && !row.startsWith('greenml: done') && !row.startsWith('greenml: ledger') && !row.startsWith('greenml: carbon') && !row.startsWith('greenml: note')) {
        assert.equal(i, ROWS - 1, `live figure on row ${i + 1} of ${ROWS}:\n${visible.join('\n')}`);
        assert.match(row, /^greenml: [\d.]+ m?W · [\d.]+ m?Wh · [\d.]+ m?g CO₂e · \d+:\d\d \(CPU (measured|estimated)\)/);
      }
    });
    for (const row of s) assert.ok(!/(step \d\d|epoch done).*greenml:|greenml:.*(step \d\d|epoch)/.test(row), `a child line shares a row with the figure: ${row}`);
  }
  // After the run: the figure row is cleared, the summary is printed after the child's last line,
  // and the whole screen scrolls again (the scroll region was given back).
  assert.ok(!final.some((row) => /^greenml: [\d.]+ m?W ·/.test(row)), `the live figure was left on screen:\n${all}`);
  const lastChild = final.findIndex((row) => row.startsWith('epoch done'));
  const done = final.findIndex((row) => row.startsWith('greenml: done'));
  assert.ok(done > lastChild, `summary at row ${done}, child's last line at ${lastChild}:\n${all}`);
  assert.match(final[done], /greenml: done .* mWh · .* mg CO₂e/, 'small runs read in mWh / mg, as in the status bar');
  assert.ok(r.bytes.toString('latin1').includes('\x1b[r'), 'the scroll region is reset at the end');
});

test('TTY: --hold keeps the traceback, shows the exit status, waits for a key, then exits 0', async () => {
  const dir = tmpDir();
  const started = Date.now();
  writeFileSync(join(dir, 'train.py'), 'print("training…", flush=True)\nraise SystemExit("boom")\n');
  const r = await runOnPty(
    ['run', '--quiet', '--hold', '--baseline', '0', '--region', 'FRA', '--output-dir', join(dir, '.greenml'), '--', 'python3', 'train.py'],
    dir,
    [['Press any key', 'x']],
  );
  const text = r.snapshots[r.snapshots.length - 1].join('\n');
  assert.match(text, /training…\nboom\n\nGreen ML: train\.py exited with code 1 after [\d.]+ s · [\d.]+ mWh · [\d.]+ mg CO₂e\nPress any key to close the terminal\./, text);
  assert.ok(!/greenml: [\d.]+ m?W ·/.test(text), '--quiet draws no live figure');
  assert.equal(r.code, 0, 'after the key, the status is on screen: the terminal process exits 0');
  assert.ok(Date.now() - started < 20_000);
});
