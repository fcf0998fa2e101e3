// greenml report --slurm against a stand-in `sacct` and `scontrol` that print the real formats
// (sacct(1): --parsable2 is "|"-separated with a header line and no trailing "|", ConsumedEnergyRaw in
// joules; scontrol show config's "Name = value" lines, "(null)" for an unset option): the measured path,
// which a real Slurm in a VM cannot show (its energy plugins need RAPL, IPMI or GPUs; the unmeasured
// path against a real Slurm is in slurmCluster.test.ts). The nodes' rows are written by real
// `greenml run` processes given a Slurm environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { runCli, tmpDir, baseEnv, FIXTURES } from './helpers';
import { readLedger } from '../../server/src/tracking/ledger';
import { listRuns } from '../../server/src/tracking/history';
import { parseElapsed, parseSacct, isJobId } from '../../server/src/tracking/slurm';

const SLURM = join(FIXTURES, 'slurm');
const FORMAT = '--format=JobID,JobName,Elapsed,NNodes,AllocTRES,ConsumedEnergyRaw,Start,End';

/** A bin folder with stand-in sacct and scontrol; sacct answers only the documented command line. */
function standInSlurm(scontrolFixture: string): string {
  const bin = tmpDir('greenml-slurm-bin-');
  fs.writeFileSync(
    join(bin, 'sacct'),
    [
      '#!/bin/sh',
      `if [ "$1 $3 $4" != "-j --parsable2 ${FORMAT}" ]; then echo "sacct: error: unexpected arguments: $*" >&2; exit 1; fi`,
      'case "$2" in',
      `  4242) cat ${JSON.stringify(join(SLURM, 'sacct-energy.txt'))} ;;`,
      `  4243) cat ${JSON.stringify(join(SLURM, 'sacct-no-energy.txt'))} ;;`,
      '  *) echo "JobID|JobName|Elapsed|NNodes|AllocTRES|ConsumedEnergyRaw|Start|End" ;;',
      'esac',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  fs.writeFileSync(join(bin, 'scontrol'), `#!/bin/sh\n[ "$1 $2" = "show config" ] || exit 1\ncat ${JSON.stringify(join(SLURM, scontrolFixture))}\n`, { mode: 0o755 });
  return bin;
}

const envWith = (bin: string, extra: Record<string, string> = {}) => baseEnv({ PATH: `${bin}:${process.env.PATH}`, ...extra });

test('sacct parsable2 parsing: elapsed forms, TRES, empty or 0 energy is "none", never 0', () => {
  assert.equal(parseElapsed('1-02:03:04'), 93784);
  assert.equal(parseElapsed('00:20:00'), 1200);
  assert.equal(parseElapsed('05:30'), 330);
  assert.equal(parseElapsed('00:01.500'), 1.5);
  assert.ok(Number.isNaN(parseElapsed('UNLIMITED')));
  const rows = parseSacct(fs.readFileSync(join(SLURM, 'sacct-no-energy.txt'), 'utf8'));
  assert.deepEqual(rows.map((r) => r.energyJ), [null, null, null]);
  const [job] = parseSacct(fs.readFileSync(join(SLURM, 'sacct-energy.txt'), 'utf8'));
  assert.equal(job.energyJ, 1512000);
  assert.equal(job.nodes, 2);
  assert.equal(job.allocTres.cpu, '16');
  assert.throws(() => parseSacct('JobID|JobName\n1|x\n'), /no Elapsed column/);
  assert.ok(isJobId('4242') && isJobId('4242_7') && !isJobId('4242;rm') && !isJobId(''));
});

test('greenml report --slurm: measured energy from sacct, labelled with the plugin, recorded; each node\'s srun greenml run row listed and summed', async () => {
  const bin = standInSlurm('scontrol-rapl.txt');
  const out = tmpDir();
  // Two tasks of job 4242 on two nodes, writing to one shared folder, as `srun greenml run` does.
  const task = (node: string) =>
    runCli(['run', '--baseline', '0', '--quiet', '--output-dir', out, '--', 'python3', '-c', 'sum(range(3_000_000))'], {
      env: envWith(bin, { SLURM_JOB_ID: '4242', SLURM_NODEID: node, SLURM_PROCID: node, SLURM_NNODES: '2' }),
    });
  const tasks = await Promise.all([task('0'), task('1')]);
  for (const t of tasks) assert.equal(t.code, 0, t.stderr);
  const nodeRuns = listRuns([out]);
  assert.equal(nodeRuns.length, 2);
  const r = await runCli(['report', '--slurm', '4242', '--region', 'DEU', '--output-dir', out], { env: envWith(bin) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Slurm job 4242 \(train\): 2 node\(s\), elapsed 20 min, 16 CPUs, 0 GPUs\n/);
  assert.match(r.stdout, /Energy: 420 Wh \(1512000 J\) — measured: Slurm acct_gather_energy\/rapl \(sacct ConsumedEnergyRaw, 2 node\(s\)\)/);
  assert.match(r.stdout, /node 0 \(.*, task 0\): /);
  assert.match(r.stdout, /node 1 \(.*, task 1\): /);
  const sumJ = nodeRuns.reduce((s, n) => s + n.energyKwh, 0) * 3.6e6;
  const printed = Number(/Sum of 2 row\(s\): .* \(([\d.]+) J\)/.exec(r.stdout)![1]);
  assert.ok(Math.abs(printed - sumJ) < 0.06, `printed sum ${printed} J vs rows ${sumJ} J`);
  // The Slurm figure is a third row, origin "report", with the plugin named and Slurm's own times.
  const report = listRuns([out]).find((x) => x.origin === 'report')!;
  assert.equal(report.energyKwh, 0.42);
  assert.match(report.methods.cpu, /^measured: Slurm acct_gather_energy\/rapl/);
  assert.equal(report.startedAt, new Date('2026-03-02T10:00:00').toISOString());
  assert.equal(report.durationS, 1200);
  assert.equal(readLedger(out).length, 3);
  const label = JSON.parse(fs.readFileSync(report.labelJsonPath!, 'utf8'));
  assert.equal(label.job.slurm_job_id, '4242');
  assert.match(label.carbon_intensity.source, /Germany/);
  assert.equal(label.components.gpu.method, 'none: not measured by acct_gather_energy/rapl');
});

test('greenml report --slurm: energy accounting not configured is said plainly, never as zero, and nothing is recorded', async () => {
  const bin = standInSlurm('scontrol-none.txt');
  const out = tmpDir();
  const r = await runCli(['report', '--slurm', '4243', '--output-dir', out], { env: envWith(bin) });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Energy: not measured by Slurm — energy accounting is not configured on this cluster \(ConsumedEnergyRaw is empty or 0 for job 4243; AcctGatherEnergyType is not set in slurm\.conf\)/);
  assert.doesNotMatch(r.stdout, /\b0 Wh\b|0 J\b/);
  assert.match(r.stdout, /No greenml run rows of job 4243/);
  assert.equal(fs.existsSync(join(out, 'emissions.csv')), false);
  // With node rows, those are the figures: listed and summed, exit 0, still no Slurm row.
  const t = await runCli(['run', '--baseline', '0', '--quiet', '--output-dir', out, '--', 'python3', '-c', 'pass'], { env: envWith(bin, { SLURM_JOB_ID: '4243', SLURM_NODEID: '0', SLURM_PROCID: '0' }) });
  assert.equal(t.code, 0, t.stderr);
  const again = await runCli(['report', '--slurm', '4243', '--output-dir', out], { env: envWith(bin) });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /not measured by Slurm/);
  assert.match(again.stdout, /Sum of 1 row\(s\)/);
  assert.equal(readLedger(out).length, 1);
});

test('greenml report --slurm: no sacct, an unknown job, a bad job id and a failing sacct are clear errors', async () => {
  const noSacct = await runCli(['report', '--slurm', '4242'], { env: baseEnv({ PATH: tmpDir() }) });
  assert.equal(noSacct.code, 1);
  assert.match(noSacct.stderr, /sacct is not on PATH: run greenml report --slurm on a node of the Slurm cluster/);
  const bin = standInSlurm('scontrol-rapl.txt');
  const unknown = await runCli(['report', '--slurm', '999'], { env: envWith(bin) });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Slurm's accounting has no job 999/);
  const badId = await runCli(['report', '--slurm', '42;rm'], { env: envWith(bin) });
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /'42;rm' is not a Slurm job id/);
  fs.writeFileSync(join(bin, 'sacct'), '#!/bin/sh\necho "sacct: error: Problem talking to the database: Connection refused" >&2\nexit 1\n', { mode: 0o755 });
  const failing = await runCli(['report', '--slurm', '4242'], { env: envWith(bin) });
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /failed \(exit 1\): sacct: error: Problem talking to the database: Connection refused/);
});
