// Who a run is within a distributed job: the host, and the ranks that torchrun (RANK, LOCAL_RANK,
// WORLD_SIZE) and Slurm (SLURM_JOB_ID, SLURM_PROCID, SLURM_NODEID) put in the environment. The
// metrics carry these as labels so that the cluster's Prometheus can sum one job across nodes, and
// the carbon label records them so that `greenml report --slurm` can find each node's row.
import * as os from 'node:os';

/** Environment variable → label name. Only the ones present are used. */
export const JOB_ENV_LABELS: readonly (readonly [string, string])[] = [
  ['RANK', 'rank'],
  ['LOCAL_RANK', 'local_rank'],
  ['WORLD_SIZE', 'world_size'],
  ['SLURM_JOB_ID', 'slurm_job_id'],
  ['SLURM_PROCID', 'slurm_procid'],
  ['SLURM_NODEID', 'slurm_nodeid'],
];

export type JobIdentity = Record<string, string>;

/** The distributed-job labels present in `env` (values trimmed; empty ones left out). */
export function jobIdentity(env: NodeJS.ProcessEnv = process.env): JobIdentity {
  const out: JobIdentity = {};
  for (const [name, label] of JOB_ENV_LABELS) {
    const v = env[name]?.trim();
    if (v) out[label] = v;
  }
  return out;
}

export function hostName(): string {
  return os.hostname();
}
