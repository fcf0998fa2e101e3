// `greenml run` against hostile tools and paths (issue 21, items 14–16 and 18): an nvidia-smi that
// ignores SIGTERM, leaves a grandchild on its output, streams without line breaks or prints junk;
// FIFOs and /dev/zero where sysfs counters should be; bad --status-file / --summary-json paths; a
// full disk; SIGQUIT; a token in the environment. Whatever happens, the command's exit status comes
// back, the ledger row is written, and the tracker stays small and ends.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, greenmlAsync, pidsWith, rssMb, smallTmpfs, fillFileSystem, fileSizeLimitPrefix, tempTree, waitFor, CLI } from './sandbox';

before(ensureBuilt);

const MARKER = `greenml-rel-${process.pid}`;
after(() => {
  // Processes the fake tools left behind on purpose (found by this run's marker only).
  for (const pid of pidsWith(MARKER)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** A folder holding an executable `nvidia-smi` with this bash body (compute-apps queries answer nothing). */
function fakeNvidiaSmi(body: string): string {
  const dir = tempTree();
  fs.writeFileSync(path.join(dir, 'nvidia-smi'), `#!/bin/bash\n# ${MARKER}\ncase "$*" in *compute-apps*) exit 0;; esac\n${body}\n`, { mode: 0o755 });
  return dir;
}

/** PATH with only the given folder added in front (no real nvidia-smi here either way). */
function envWith(dir: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir ?? tempTree()}:${process.env.PATH}` };
  delete env.GREENML_SYSFS_ROOT;
  return { ...env, ...extra };
}

/** Rows of a ledger (the header line excluded). */
function ledgerRows(outputDir: string): string[][] {
  const lines = fs.readFileSync(path.join(outputDir, 'emissions.csv'), 'utf8').trim().split('\n');
  return lines.slice(1).map((l) => l.split(','));
}

const RUN = ['run', '--quiet', '--baseline', '0', '--interval', '0.2'];

describe('an nvidia-smi that does not go away (item 14)', () => {
  it('one that ignores SIGTERM: the command’s exit status comes back at once, and nvidia-smi is killed', async () => {
    const tools = fakeNvidiaSmi(`trap '' TERM\nwhile true; do echo "0, GPU-aaaa, Fake GPU, 100.00, 50, [N/A]"; sleep 0.2; done`);
    const out = tempTree();
    const r = await greenmlAsync(out, [...RUN, '--output-dir', out, '--', 'sh', '-c', 'sleep 1; exit 3'], { env: envWith(tools), timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, 'greenml run ended');
    assert.equal(r.status, 3, r.stderr);
    assert.equal(ledgerRows(out).length, 1);
    await waitFor(() => pidsWith(path.join(tools, 'nvidia-smi')).length === 0, 5000, 'the fake nvidia-smi to be gone');
  });

  it('one whose grandchild holds its output open: the command’s exit status still comes back', async () => {
    const tools = fakeNvidiaSmi(`(exec -a ${MARKER}-grandchild sleep 600) &\ntrap 'exit 0' TERM\nwhile true; do echo "0, GPU-aaaa, Fake GPU, 100.00, 50, [N/A]"; sleep 0.2; done`);
    const out = tempTree();
    const r = await greenmlAsync(out, [...RUN, '--output-dir', out, '--', 'sh', '-c', 'sleep 1; exit 4'], { env: envWith(tools), timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, 'greenml run ended although the grandchild still holds the pipe');
    assert.equal(r.status, 4, r.stderr);
    assert.ok(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
  });

  it('one streaming without line breaks: the tracker stays small', async () => {
    const tools = fakeNvidiaSmi(`chunk=$(head -c 65536 /dev/zero | tr '\\0' 'x')\nwhile true; do printf '%s' "$chunk"; done`);
    const out = tempTree();
    let peak = 0;
    let sampler: NodeJS.Timeout | undefined;
    // Past the 5 s watchdog, which ended such a child before (the tracker had grown to 150–330 MB by then).
    const r = await greenmlAsync(out, [...RUN, '--output-dir', out, '--', 'sleep', '6'], { env: envWith(tools), timeoutMs: 30_000 }, (pid) => {
      sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 100);
    });
    clearInterval(sampler);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(peak > 0, 'memory was sampled');
    // Node itself takes 60–80 MB here.
    assert.ok(peak < 120, `the tracker grew to ${peak.toFixed(0)} MB`);
  });

  it('one printing junk: no GPU is counted from lines that are not nvidia-smi’s', async () => {
    const tools = fakeNvidiaSmi(
      `i=0\nwhile true; do i=$((i+1)); echo "$((i % 60)), junk-$i, x, 1, 2"; echo "$i, GPU-$i, ,5,6"; echo "7, GPU-12ab, Name, 1, 2, 3, 4, 5"; echo "1e3, GPU-ab, N, 1, 2"; sleep 0.05; done`,
    );
    const out = tempTree();
    const r = await greenmlAsync(out, [...RUN, '--output-dir', out, '--', 'sleep', '2'], { env: envWith(tools), timeoutMs: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const [row] = ledgerRows(out);
    assert.equal(row[25], '0', `gpu_count is ${row[25]}`);
    assert.equal(row[26], '', 'no gpu_model');
  });
});

describe('sysfs counters that are FIFOs or /dev/zero (item 15)', () => {
  function sysfs(kind: 'fifo' | 'zero'): string {
    const root = tempTree({
      'class/powercap/intel-rapl:0/name': 'package-0\n',
      'class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850\n',
      'class/drm/card0/device/hwmon/hwmon0/name': 'amdgpu\n',
    });
    for (const f of ['class/powercap/intel-rapl:0/energy_uj', 'class/drm/card0/device/hwmon/hwmon0/power1_average']) {
      if (kind === 'fifo') execFileSync('mkfifo', [path.join(root, f)]);
      else fs.symlinkSync('/dev/zero', path.join(root, f));
    }
    return root;
  }

  for (const kind of ['fifo', 'zero'] as const) {
    it(`${kind === 'fifo' ? 'FIFOs' : 'links to /dev/zero'}: the command runs, CPU energy is estimated, no GPU, and the tracker stays small`, async () => {
      const out = tempTree();
      let peak = 0;
      let sampler: NodeJS.Timeout | undefined;
      const summary = path.join(out, 's.json');
      const r = await greenmlAsync(out, [...RUN, '--output-dir', out, '--summary-json', summary, '--', 'sh', '-c', 'sleep 1; exit 5'], { env: envWith(undefined, { GREENML_SYSFS_ROOT: sysfs(kind) }), timeoutMs: 30_000 }, (pid) => {
        sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 50);
      });
      clearInterval(sampler);
      assert.equal(r.timedOut, false, 'greenml run ended');
      assert.equal(r.status, 5, r.stderr);
      const s = JSON.parse(fs.readFileSync(summary, 'utf8'));
      assert.match(s.components.cpu.method, /^estimated/);
      assert.match(s.components.gpu.method, /^none/);
      assert.ok(peak < 200, `the tracker grew to ${peak.toFixed(0)} MB`);
    });
  }
});

describe('bad output paths and a full disk (item 16)', () => {
  it('--status-file under a file: a clear message, the command’s exit status, the ledger row', async () => {
    const out = tempTree({ 'afile': 'x' });
    const r = await greenmlAsync(out, ['run', '--baseline', '0', '--output-dir', out, '--status-file', path.join(out, 'afile', 'status.json'), '--', 'sh', '-c', 'exit 3'], { env: envWith(undefined) });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /--status-file .*afile[/\\]status\.json: cannot create the folder .*afile: a file is in the way; the live status is written to .* instead/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(ledgerRows(out).length, 1);
  });

  it('--summary-json in a folder that does not exist yet: the folder is made and the summary written', async () => {
    const out = tempTree();
    const summary = path.join(out, 'new', 'deeper', 's.json');
    const r = await greenmlAsync(out, ['run', '--baseline', '0', '--output-dir', out, '--summary-json', summary, '--', 'sh', '-c', 'exit 0'], { env: envWith(undefined) });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /could not write/);
    assert.equal(JSON.parse(fs.readFileSync(summary, 'utf8')).exit_code, 0);
  });

  it('--summary-json under a file: said before the command runs, the command’s exit status, the ledger row', async () => {
    const out = tempTree({ 'afile': 'x' });
    const r = await greenmlAsync(out, ['run', '--baseline', '0', '--output-dir', out, '--summary-json', path.join(out, 'afile', 's.json'), '--', 'sh', '-c', 'echo started >&2; exit 6'], { env: envWith(undefined) });
    assert.equal(r.status, 6, r.stderr);
    assert.ok(r.stderr.indexOf('--summary-json') < r.stderr.indexOf('started'), 'the problem is told before the command starts');
    assert.match(r.stderr, /--summary-json .*: cannot create the folder .*: a file is in the way; no summary will be written/);
    assert.doesNotMatch(r.stderr, /could not write the run records/);
    assert.equal(ledgerRows(out).length, 1);
  });

  for (const fault of ['a real full disk', 'writes failing past the file-size limit'] as const) {
    it(`${fault} under the output folder: no temp files left, the command’s exit status`, (t) => {
      let out: string;
      let prefix: string[] = [];
      if (fault === 'a real full disk') {
        const mount = smallTmpfs(64);
        if (!mount) {
          t.skip('no tmpfs can be mounted here (not root): see the file-size-limit case, which fails the same writes');
          return;
        }
        t.diagnostic('fault: a 64 KB tmpfs filled to the last byte');
        out = path.join(mount, 'runs');
        fs.mkdirSync(path.join(out, 'live'), { recursive: true });
        fillFileSystem(mount);
      } else {
        t.diagnostic('fault: RLIMIT_FSIZE of 1 KB (EFBIG; works without root)');
        out = tempTree({ 'live/.keep': '' });
        prefix = fileSizeLimitPrefix(1);
      }
      const [cmd, ...pre] = [...prefix, process.execPath];
      const r = spawnSync(cmd, [...pre, CLI, ...RUN, '--output-dir', out, '--', 'sh', '-c', 'sleep 1; exit 7'], { encoding: 'utf8', env: envWith(undefined), timeout: 30_000 });
      assert.equal(r.status, 7, r.stderr);
      assert.match(r.stderr, /cannot write checkpoint/);
      assert.match(r.stderr, /could not write the run records/);
      const leftovers = fs.readdirSync(path.join(out, 'live')).filter((n) => n.endsWith('.tmp'));
      assert.deepEqual(leftovers, [], 'no temp files left in live/');
    });
  }
});

describe('signals and secrets', () => {
  it('SIGQUIT to the tracker reaches the command, whose exit status comes back', async () => {
    const out = tempTree();
    const ready = path.join(out, 'ready');
    const script = `import signal, sys, time\nsignal.signal(signal.SIGQUIT, lambda *a: sys.exit(9))\nopen(${JSON.stringify(ready)}, 'w').write('1')\ntime.sleep(30)`;
    let pid = 0;
    const run = greenmlAsync(out, ['run', '--quiet', '--baseline', '0', '--output-dir', out, '--', 'python3', '-c', script], { env: envWith(undefined), timeoutMs: 30_000 }, (p) => (pid = p));
    await waitFor(() => fs.existsSync(ready), 10_000, 'the command to be ready');
    process.kill(pid, 'SIGQUIT');
    const r = await run;
    assert.equal(r.status, 9, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    assert.equal(ledgerRows(out).length, 1);
  });

  it('the Electricity Maps token is not in the environment of the command, nor of anything the tracker starts', async () => {
    const out = tempTree();
    const seen = path.join(out, 'seen');
    // A python3 ahead on PATH that records the environment of every start: the command's and the
    // tracker's own `python3 -c 'import platform…'` probe for the ledger's python_version.
    const bin = tempTree();
    fs.writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nenv >> ${JSON.stringify(seen)}\necho --- >> ${JSON.stringify(seen)}\nexec /usr/bin/python3 "$@"\n`, { mode: 0o755 });
    const env = { ...envWith(bin), GREENML_ELECTRICITYMAPS_TOKEN: 'secret-token-123' };
    const r = await greenmlAsync(out, ['run', '--quiet', '--baseline', '0', '--output-dir', out, '--', 'python3', '-c', 'import os; print(os.environ.get("GREENML_ELECTRICITYMAPS_TOKEN"))'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'None');
    const starts = fs.readFileSync(seen, 'utf8').split('---\n').filter(Boolean);
    assert.ok(starts.length >= 2, 'the command and the version probe both started python3');
    assert.doesNotMatch(fs.readFileSync(seen, 'utf8'), /secret-token-123/);
    assert.match(ledgerRows(out)[0][21], /^3\./, 'the probe still found the Python version');
  });
});
