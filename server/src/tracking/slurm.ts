// Slurm accounting: `sacct -j JOBID --parsable2 --format=…` (fields separated by "|", a header line
// first, one line for the job and one per step) and `scontrol show config` for the energy plugin.
// ConsumedEnergyRaw is in joules and is filled only when an AcctGatherEnergyType plugin
// (acct_gather_energy/rapl, ipmi, gpu, …) gathers energy; empty or 0 means "not measured", never zero.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { listRuns } from './history';

export const SACCT_FIELDS = ['JobID', 'JobName', 'Elapsed', 'NNodes', 'AllocTRES', 'ConsumedEnergyRaw', 'Start', 'End'] as const;

export interface SacctRow {
  jobId: string;
  jobName: string;
  elapsedS: number;
  nodes: number;
  allocTres: Record<string, string>;
  /** Joules, or null when Slurm has none (empty or 0: no energy plugin gathered it). */
  energyJ: number | null;
  start?: Date;
  end?: Date;
}

/** A job id as sacct takes it: 4242, 4242_7 (array task), 4242+1 (het job component). */
export function isJobId(s: string): boolean {
  return /^\d+([_+]\d+)?$/.test(s);
}

/** `[DD-]HH:MM:SS`, `MM:SS` or `MM:SS.mmm` → seconds. */
export function parseElapsed(s: string): number {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

function parseTres(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Slurm prints local times without a zone (YYYY-MM-DDTHH:MM:SS); "Unknown"/"None" for none. */
function parseSlurmTime(s: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(s)) return undefined;
  const t = new Date(s);
  return Number.isFinite(t.getTime()) ? t : undefined;
}

/** The rows of `sacct --parsable2` output; throws when the header is not the one asked for. */
export function parseSacct(text: string): SacctRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines.shift()?.split('|') ?? [];
  const col = (name: string) => header.indexOf(name);
  for (const f of SACCT_FIELDS) if (col(f) < 0) throw new Error(`sacct's output has no ${f} column (header: ${header.join('|') || 'none'})`);
  return lines.map((line) => {
    const f = line.split('|');
    const get = (name: string) => f[col(name)] ?? '';
    const raw = get('ConsumedEnergyRaw').trim();
    const energy = raw === '' ? NaN : Number(raw);
    return {
      jobId: get('JobID'),
      jobName: get('JobName'),
      elapsedS: parseElapsed(get('Elapsed')),
      nodes: Number(get('NNodes')) || 0,
      allocTres: parseTres(get('AllocTRES')),
      energyJ: Number.isFinite(energy) && energy > 0 ? energy : null,
      start: parseSlurmTime(get('Start')),
      end: parseSlurmTime(get('End')),
    };
  });
}

export class SlurmError extends Error {}

/** Runs sacct for one job; its rows (the job's own first). */
export function runSacct(jobId: string, env: NodeJS.ProcessEnv = process.env): SacctRow[] {
  const args = ['-j', jobId, '--parsable2', `--format=${SACCT_FIELDS.join(',')}`];
  const r = spawnSync('sacct', args, { encoding: 'utf8', env, timeout: 60_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new SlurmError(code === 'ENOENT' ? 'sacct is not on PATH: run greenml report --slurm on a node of the Slurm cluster (a login node)' : `cannot run sacct: ${r.error.message}`);
  }
  if (r.status !== 0) throw new SlurmError(`sacct ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim() || 'no message'}`);
  const rows = parseSacct(r.stdout);
  if (rows.length === 0) throw new SlurmError(`Slurm's accounting has no job ${jobId} (sacct printed no rows; jobs appear there once they start)`);
  rows.sort((a, b) => (a.jobId === jobId ? -1 : b.jobId === jobId ? 1 : 0));
  return rows;
}

/** AcctGatherEnergyType from `scontrol show config` (e.g. "acct_gather_energy/rapl"), or why it is not known. */
export function energyPlugin(env: NodeJS.ProcessEnv = process.env): { plugin?: string; why?: string } {
  const r = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8', env, timeout: 30_000 });
  if (r.error || r.status !== 0) return { why: r.error ? `scontrol: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` : `scontrol show config failed: ${r.stderr.trim()}` };
  const m = /^AcctGatherEnergyType\s*=\s*(\S+)/m.exec(r.stdout);
  if (!m) return { why: 'scontrol show config does not list AcctGatherEnergyType' };
  // Unset, Slurm prints "(null)"; acct_gather_energy/none gathers nothing either.
  if (m[1] === '(null)' || m[1].endsWith('/none')) return { why: `AcctGatherEnergyType is ${m[1] === '(null)' ? 'not set' : m[1]} in slurm.conf` };
  return { plugin: m[1] };
}

/** The component an energy plugin's figure belongs to: the gpu plugin reads GPUs, the others the node or its CPU packages. */
export function pluginComponent(plugin: string | undefined): 'cpu' | 'gpu' {
  return plugin === 'acct_gather_energy/gpu' ? 'gpu' : 'cpu';
}

export interface NodeRun {
  runId: string;
  host: string;
  nodeId: string;
  procId: string;
  energyKwh: number;
  emissionsKg: number;
  durationS: number;
  methods: string;
}

/** The `greenml run` rows of a Slurm job in a ledger folder (each node's, by the job identity in its label). */
export function nodeRunsOf(outputDir: string, jobId: string): NodeRun[] {
  const out: NodeRun[] = [];
  for (const r of listRuns([outputDir])) {
    if (!r.labelJsonPath || r.origin === 'report') continue;
    let label: { job?: Record<string, string> | null; host?: string };
    try {
      label = JSON.parse(fs.readFileSync(r.labelJsonPath, 'utf8'));
    } catch {
      continue;
    }
    if (label.job?.slurm_job_id !== jobId) continue;
    out.push({
      runId: r.runId,
      host: label.host ?? '',
      nodeId: label.job.slurm_nodeid ?? '',
      procId: label.job.slurm_procid ?? '',
      energyKwh: r.energyKwh,
      emissionsKg: r.emissionsKg,
      durationS: r.durationS,
      methods: `CPU ${r.methods.cpu}; GPU ${r.methods.gpu}; RAM ${r.methods.ram}`,
    });
  }
  return out.sort((a, b) => Number(a.nodeId) - Number(b.nodeId) || Number(a.procId) - Number(b.procId));
}
