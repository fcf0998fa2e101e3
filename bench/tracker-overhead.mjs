// Tracker CPU cost: `greenml run --interval 1` tracking a busy Python child. Measures the tracker
// process's own CPU time (utime+stime from /proc) over a window after start-up, as % of one core.
// Usage: npm run build && node bench/tracker-overhead.mjs [seconds=20]
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const secs = Number(process.argv[2] ?? 20);
const out = mkdtempSync(join(tmpdir(), 'greenml-bench-'));
const cpuOf = (pid) => {
  const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const busy = `import time\nt=time.time()\nwhile time.time()-t<${secs + 4}: pass`;
const c = spawn(process.execPath, ['dist/cli.js', 'run', '--quiet', '--interval', '1', '--baseline', '0', '--output-dir', out, '--', 'python3', '-c', busy], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 3000)); // past node start-up and the first samples
const c0 = cpuOf(c.pid);
const t0 = performance.now();
await new Promise((r) => setTimeout(r, secs * 1000));
const c1 = cpuOf(c.pid);
const t1 = performance.now();
const pct = ((c1 - c0) / ((t1 - t0) / 1000)) * 100;
console.log(JSON.stringify({ window_s: +((t1 - t0) / 1000).toFixed(1), tracker_cpu_s: +(c1 - c0).toFixed(3), percent_of_one_core: +pct.toFixed(3) }));
await new Promise((r) => c.on('exit', r));
