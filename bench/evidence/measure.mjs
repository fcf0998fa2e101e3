// Measures a rule's before/after workloads with `greenml run`: N runs of each, alternating which
// goes first, and prints the median and spread (min–max) of duration and energy, with how the energy
// was obtained (measured or estimated) — the figures for a rule's "Measured here" section and for
// docs/evidence.md.
//
// Usage: npm run build && node bench/evidence/measure.mjs [--runs N] [--python PY] [--json FILE] BEFORE.py AFTER.py [AFTER2.py …]
// Several AFTER scripts (alternatives to the same BEFORE) share its runs: each is compared with it.
// A script may end its output with a line of `key=value` pairs (`score=0.953 trees=412 cpu_s=3.1`):
// the pairs are kept per run (`reported` in the JSON) and the last run's line is printed, so a
// saving is never reported without the score each script reached.
// Each script runs in a fresh temporary folder (its cwd) with PYTHONHASHSEED=0 and one thread per
// library (OMP/MKL/OPENBLAS_NUM_THREADS=1) unless GREENML_EVIDENCE_THREADS says otherwise, so the
// two scripts compete for the same resources.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const runs = Number(option('--runs', '5'));
const python = option('--python', '/usr/bin/python3');
const jsonOut = option('--json', undefined);
const [before, ...afters] = args.map((a) => resolve(a));
if (!before || afters.length === 0 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: node bench/evidence/measure.mjs [--runs N] [--python PY] [--json FILE] BEFORE.py AFTER.py [AFTER2.py …]\n');
  process.exit(2);
}
const cli = join(root, 'dist', 'cli.js');
const threads = process.env.GREENML_EVIDENCE_THREADS ?? '1';

function runOnce(script) {
  const dir = mkdtempSync(join(tmpdir(), 'greenml-evidence-'));
  try {
    // Data files beside the script travel with it.
    cpSync(dirname(script), dir, { recursive: true });
    const summary = join(dir, 'summary.json');
    const env = { ...process.env, PYTHONHASHSEED: '0', OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads };
    const r = spawnSync(process.execPath, [cli, 'run', '--quiet', '--baseline', '0', '--interval', '0.5', '--output-dir', join(dir, '.greenml'), '--summary-json', summary, '--', python, join(dir, basename(script))], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 30 * 60_000,
    });
    if (r.status !== 0) throw new Error(`${basename(script)} exited with ${r.status}:\n${r.stderr.slice(-2000)}`);
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    const stdout = r.stdout.trim().split('\n').pop() ?? '';
    const reported = Object.fromEntries([...stdout.matchAll(/(?:^|\s)([A-Za-z_][\w.]*)=(\S+)/g)].map(([, k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]));
    return { seconds: s.duration_s, joules: s.energy_kwh * 3.6e6, methods: Object.fromEntries(Object.entries(s.components).map(([k, c]) => [k, c.method])), stdout, reported };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadAtStart = loadavg();
const scripts = [before, ...afters];
const results = scripts.map(() => []);
for (let i = 0; i < runs; i++) {
  // Rotate which runs first, so a machine warming up or slowing down favours none.
  const order = scripts.map((_, k) => (k + i) % scripts.length);
  for (const k of order) {
    const r = runOnce(scripts[k]);
    results[k].push(r);
    process.stderr.write(`run ${i + 1}/${runs} ${basename(scripts[k])}: ${r.seconds.toFixed(2)} s, ${r.joules.toFixed(1)} J  ${r.stdout}\n`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (list, key) => ({ median: median(list.map((r) => r[key])), min: Math.min(...list.map((r) => r[key])), max: Math.max(...list.map((r) => r[key])) });
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, threads, node: process.version, load: { start: loadAtStart.map((l) => Number(l.toFixed(2))), end: loadavg().map((l) => Number(l.toFixed(2))) } };
const reportedOf = (list) => Object.fromEntries(Object.keys(list[0].reported).map((k) => [k, list.map((r) => r.reported[k])]));
const comparisons = afters.map((after, j) => {
  const [b, a] = [results[0], results[j + 1]];
  const c = {
    before: basename(before),
    after: basename(after),
    runs,
    machine,
    methods: b[0].methods,
    seconds: { before: stats(b, 'seconds'), after: stats(a, 'seconds') },
    joules: { before: stats(b, 'joules'), after: stats(a, 'joules') },
    reported: { before: reportedOf(b), after: reportedOf(a) },
  };
  c.ratio = { seconds: c.seconds.after.median / c.seconds.before.median, joules: c.joules.after.median / c.joules.before.median };
  return c;
});
const f = (s, digits) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
for (const [j, c] of comparisons.entries()) {
  process.stdout.write(
    `| ${c.before} → ${c.after} | ${runs} | ${f(c.seconds.before, 2)} s → ${f(c.seconds.after, 2)} s | ${f(c.joules.before, 1)} J → ${f(c.joules.after, 1)} J | ×${c.ratio.joules.toFixed(2)} energy, ×${c.ratio.seconds.toFixed(2)} time | ${c.methods.cpu} |\n`,
  );
  process.stdout.write(`  reported (last run): ${c.before}: ${results[0].at(-1).stdout} | ${c.after}: ${results[j + 1].at(-1).stdout}\n`);
}
// One AFTER: the comparison itself (the original format); several: a list of them.
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(comparisons.length === 1 ? comparisons[0] : comparisons, null, 2)}\n`);
