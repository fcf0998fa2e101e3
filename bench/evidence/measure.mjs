// Measures a rule's before/after workloads with `greenml run`: N runs of each, alternating which
// goes first, and prints the median and spread (min–max) of duration and energy, with how the energy
// was obtained (measured or estimated) — the figures for a rule's "Measured here" section and for
// docs/evidence.md.
//
// Usage: npm run build && node bench/evidence/measure.mjs [--runs N] [--python PY] [--json FILE] BEFORE.py AFTER.py
// Each script runs in a fresh temporary folder (its cwd) with PYTHONHASHSEED=0 and one thread per
// library (OMP/MKL/OPENBLAS_NUM_THREADS=1) unless GREENML_EVIDENCE_THREADS says otherwise, so the
// two scripts compete for the same resources.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
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
const [before, after] = args.map((a) => resolve(a));
if (!before || !after || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: node bench/evidence/measure.mjs [--runs N] [--python PY] [--json FILE] BEFORE.py AFTER.py\n');
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
    return { seconds: s.duration_s, joules: s.energy_kwh * 3.6e6, methods: Object.fromEntries(Object.entries(s.components).map(([k, c]) => [k, c.method])), stdout: r.stdout.trim().split('\n').pop() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = { before: [], after: [] };
for (let i = 0; i < runs; i++) {
  // Alternate which runs first, so a machine warming up or slowing down favours neither.
  const order = i % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  for (const which of order) {
    const r = runOnce(which === 'before' ? before : after);
    results[which].push(r);
    process.stderr.write(`run ${i + 1}/${runs} ${which}: ${r.seconds.toFixed(2)} s, ${r.joules.toFixed(1)} J  ${r.stdout ?? ''}\n`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (list, key) => ({ median: median(list.map((r) => r[key])), min: Math.min(...list.map((r) => r[key])), max: Math.max(...list.map((r) => r[key])) });
const summary = {
  before: basename(before),
  after: basename(after),
  runs,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, threads, node: process.version },
  methods: results.before[0].methods,
  seconds: { before: stats(results.before, 'seconds'), after: stats(results.after, 'seconds') },
  joules: { before: stats(results.before, 'joules'), after: stats(results.after, 'joules') },
};
summary.ratio = { seconds: summary.seconds.after.median / summary.seconds.before.median, joules: summary.joules.after.median / summary.joules.before.median };
const f = (s, digits) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
process.stdout.write(
  `| ${summary.before} → ${summary.after} | ${runs} | ${f(summary.seconds.before, 2)} s → ${f(summary.seconds.after, 2)} s | ${f(summary.joules.before, 1)} J → ${f(summary.joules.after, 1)} J | ×${summary.ratio.joules.toFixed(2)} energy, ×${summary.ratio.seconds.toFixed(2)} time | ${summary.methods.cpu} |\n`,
);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(summary, null, 2)}\n`);
