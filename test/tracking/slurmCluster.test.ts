// greenml report --slurm against a real single-node Slurm started by the test (test/helpers/slurmCluster.ts):
// `srun -n2 greenml run …` writes one row per task with the job identity Slurm put in the environment,
// sacct has the job with no energy (no energy plugin in a VM), and the report says so plainly and sums the rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli, tmpDir, baseEnv } from './helpers';
import { startSlurm, type SlurmCluster } from '../helpers/slurmCluster';
import { listRuns } from '../../server/src/tracking/history';

let slurm: SlurmCluster;
before(async () => {
  slurm = await startSlurm();
});
after(async () => {
  await slurm?.stop();
});

function sacctHas(jobId: string, env: NodeJS.ProcessEnv): boolean {
  const r = spawnSync('sacct', ['-j', jobId, '-n', '-X', '-o', 'State'], { env, encoding: 'utf8' });
  return r.status === 0 && /COMPLETED/.test(r.stdout);
}

test('real Slurm: srun -n2 greenml run writes a row per task with its Slurm identity; report --slurm says energy accounting is not configured and sums the rows', async () => {
  const env = baseEnv({ PATH: `${tmpDir()}:${process.env.PATH}`, ...slurm.env });
  const out = tmpDir();
  const r = spawnSync('srun', ['-N1', '-n2', process.execPath, CLI, 'run', '--baseline', '0', '--quiet', '--output-dir', out, '--', 'python3', '-c', 'sum(range(2_000_000))'], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const rows = listRuns([out]);
  assert.equal(rows.length, 2);
  const labels = rows.map((x) => JSON.parse(fs.readFileSync(x.labelJsonPath!, 'utf8')));
  const jobId = labels[0].job.slurm_job_id as string;
  assert.match(jobId, /^\d+$/);
  assert.deepEqual(labels.map((l) => l.job.slurm_procid).sort(), ['0', '1']);
  assert.deepEqual(labels.map((l) => l.job.slurm_nodeid), ['0', '0']);
  const end = Date.now() + 30_000;
  while (!sacctHas(jobId, env) && Date.now() < end) await new Promise((res) => setTimeout(res, 250));
  const rep = await runCli(['report', '--slurm', jobId, '--output-dir', out], { env });
  assert.equal(rep.code, 0, rep.stderr);
  // The job's name is srun's command (`node`) or, on some Slurm set-ups, the allocation's (`allocation`).
  assert.match(rep.stdout, new RegExp(`Slurm job ${jobId} \\((node|allocation)\\): 1 node\\(s\\)`));
  assert.match(rep.stdout, new RegExp(`Energy: not measured by Slurm — energy accounting is not configured on this cluster \\(ConsumedEnergyRaw is empty or 0 for job ${jobId}; AcctGatherEnergyType is acct_gather_energy/none in slurm\\.conf\\)`));
  assert.doesNotMatch(rep.stdout, /\b0 Wh\b/);
  assert.match(rep.stdout, /node 0 \(.*, task 0\)/);
  assert.match(rep.stdout, /node 0 \(.*, task 1\)/);
  const sumJ = rows.reduce((s, x) => s + x.energyKwh, 0) * 3.6e6;
  const printed = Number(/Sum of 2 row\(s\): .* \(([\d.]+) J\)/.exec(rep.stdout)![1]);
  assert.ok(Math.abs(printed - sumJ) < 0.06, `printed ${printed} J vs rows ${sumJ} J`);
  assert.equal(listRuns([out]).length, 2, 'no Slurm row recorded without a Slurm figure');
  // A job without greenml rows: nothing to report, exit 1, still no zero.
  // The job prints its own id: the accounting database may not list it yet when srun returns.
  const plain = spawnSync('srun', ['-N1', '-n1', 'sh', '-c', 'echo $SLURM_JOB_ID'], { env, encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  const id2 = plain.stdout.trim();
  assert.match(id2, /^\d+$/);
  while (!sacctHas(id2, env) && Date.now() < end + 30_000) await new Promise((res) => setTimeout(res, 250));
  const none = await runCli(['report', '--slurm', id2, '--output-dir', join(out, 'other')], { env });
  assert.equal(none.code, 1, `${none.stdout}\n${none.stderr}`);
  assert.match(none.stdout, /not measured by Slurm/);
  assert.match(none.stdout, new RegExp(`No greenml run rows of job ${id2}`));
});
