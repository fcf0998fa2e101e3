// `greenml report`: a job's energy from the cluster's own counters, recorded like a local run (the
// ledger row and carbon label, every figure labelled with its source):
//   --prometheus URL --job SELECTOR   DCGM exporter (GPU) and Kepler (CPU, RAM) through Prometheus
//   --slurm JOBID                     Slurm's accounting (sacct), and the job's `greenml run` rows per node
import { resolve } from 'node:path';
import * as fs from 'node:fs';
import { resolveOffline, type CarbonOptions } from '../tracking/carbon';
import { PromClient, PromError, checkPrometheusUrl } from '../tracking/promQuery';
import { jobEnergy, parseTime, selectorMatchers } from '../tracking/promEnergy';
import { writeReport, type ReportFigure, type ReportRecords } from '../tracking/reportRecord';
import { SlurmError, energyPlugin, isJobId, nodeRunsOf, pluginComponent, runSacct } from '../tracking/slurm';
import { fmtCo2, fmtDuration, fmtEnergy } from '../common/units';
import { J_PER_KWH } from '../tracking/session';

const HELP = `Usage: greenml report --prometheus URL --job SELECTOR [--from T] [--to T] [options]
       greenml report --slurm JOBID [options]

Reads a job's energy from the counters the cluster already has and records it like a local run: a
row in DIR/emissions.csv and a carbon label in DIR/runs/, listed in VS Code's Runs view. Every figure
says where it comes from. See docs/clusters.md.

From Prometheus (HTTP API, increase() over the window):
  --prometheus URL      Prometheus's base URL, e.g. http://prometheus:9090
  --job SELECTOR        label matchers of the job's series, e.g. 'pod="train-0",namespace="ml"'
                        (braces optional). GPU: DCGM exporter's DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION
                        (mJ), or DCGM_FI_DEV_POWER_USAGE integrated where a GPU has no energy counter
  --kepler-job SELECTOR matchers for Kepler's series when its labels differ (default: --job), e.g.
                        'pod_name="train-0"' (Kepler <= 0.7) or 'container_name="trainer"' (>= 0.10)
  --from T / --to T     the window: RFC 3339 time, unix seconds, now or now-2h (default: the last hour)
From Slurm:
  --slurm JOBID         sacct -j JOBID: ConsumedEnergyRaw when an acct_gather_energy plugin measures,
                        a plain "not configured" when it does not; and the rows that each node's
                        \`srun greenml run\` wrote to DIR, summed
Options:
  --output-dir DIR      ledger and labels directory (default ./.greenml)
  --region ISO          country (ISO 3166 alpha-3 code or name) for the carbon intensity
  --intensity G         carbon intensity override, gCO2e/kWh
  --pue X               power usage effectiveness (default 1.0)
  --label TEXT          name shown for the report in the run history
  -h, --help            this help

Exit status: 0 when a figure was reported, 1 when none could be (server unreachable, nothing matched,
Slurm energy not configured and no node rows), 2 on a usage error.
`;

interface ReportArgs {
  prometheus?: string;
  job?: string;
  keplerJob?: string;
  from?: string;
  to?: string;
  slurm?: string;
  outputDir: string;
  region?: string;
  intensity?: number;
  pue?: number;
  label?: string;
}

function parseArgs(argv: string[]): ReportArgs | string {
  const a: ReportArgs = { outputDir: '.greenml' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      switch (name) {
        case '--prometheus': a.prometheus = value(); break;
        case '--job': a.job = value(); break;
        case '--kepler-job': a.keplerJob = value(); break;
        case '--from': a.from = value(); break;
        case '--to': a.to = value(); break;
        case '--slurm': a.slurm = value(); break;
        case '--output-dir': a.outputDir = value(); break;
        case '--region': a.region = value(); break;
        case '--label': a.label = value(); break;
        case '--intensity':
        case '--pue': {
          const v = Number(value());
          if (!Number.isFinite(v) || v < (name === '--pue' ? 1 : 0)) return `${name} needs a number ≥ ${name === '--pue' ? 1 : 0}`;
          if (name === '--pue') a.pue = v;
          else a.intensity = v;
          break;
        }
        case '-h':
        case '--help': return 'help';
        default: return `unknown option '${arg}'`;
      }
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (a.prometheus && a.slurm) return 'give --prometheus or --slurm, not both';
  if (!a.prometheus && !a.slurm) return 'give --prometheus URL --job SELECTOR, or --slurm JOBID';
  if (a.prometheus && !a.job) return '--prometheus needs --job SELECTOR (e.g. --job \'pod="train-0"\')';
  if (!a.prometheus && (a.job || a.keplerJob || a.from || a.to)) return '--job, --kepler-job, --from and --to go with --prometheus';
  return a;
}

export async function reportMain(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`greenml report: ${parsed}\n\n${HELP}`);
    return 2;
  }
  const carbon: CarbonOptions = { region: parsed.region ?? process.env.GREENML_REGION, override: parsed.intensity, pue: parsed.pue, liveProvider: 'none', env: process.env };
  const outputDir = resolve(parsed.outputDir);
  const command = ['greenml', 'report', ...argv];
  return parsed.prometheus ? fromPrometheus(parsed, carbon, outputDir, command) : fromSlurm(parsed, carbon, outputDir, command);
}

const fmtJ = (j: number) => fmtEnergy(j / J_PER_KWH);

async function fromPrometheus(a: ReportArgs, carbon: CarbonOptions, outputDir: string, command: string[]): Promise<number> {
  let base: string;
  try {
    base = checkPrometheusUrl(a.prometheus!);
  } catch (err) {
    process.stderr.write(`greenml report: --prometheus: ${(err as Error).message}\n`);
    return 2;
  }
  const now = Date.now() / 1000;
  const to = a.to ? parseTime(a.to, now) : now;
  if (to === undefined) return usage(`--to: '${a.to}' is not a time (RFC 3339, unix seconds, now or now-2h)`);
  const from = a.from ? parseTime(a.from, now) : to - 3600;
  if (from === undefined) return usage(`--from: '${a.from}' is not a time (RFC 3339, unix seconds, now or now-2h)`);
  if (!(from < to)) return usage(`the window is empty: --from ${new Date(from * 1000).toISOString()} is not before --to ${new Date(to * 1000).toISOString()}`);
  const gpuSelector = a.job!;
  const keplerSelector = a.keplerJob ?? gpuSelector;
  process.stderr.write(`greenml: asking ${base} for {${selectorMatchers(gpuSelector)}} from ${new Date(from * 1000).toISOString()} to ${new Date(to * 1000).toISOString()}${a.from ? '' : ' (default: the last hour)'}\n`);
  let energy;
  try {
    energy = await jobEnergy(new PromClient(base), { gpuSelector, keplerSelector, from, to });
  } catch (err) {
    if (err instanceof PromError) {
      const hint = err.kind === 'bad_data' ? ` (is --job${a.keplerJob ? '/--kepler-job' : ''} a list of label matchers, e.g. 'pod="train-0"'?)` : '';
      process.stderr.write(`greenml report: ${err.message}${hint}\n`);
      return err.kind === 'bad_data' ? 2 : 1;
    }
    throw err;
  }
  if (energy.figures.length === 0) {
    process.stderr.write(
      `greenml report: no DCGM exporter or Kepler series match {${selectorMatchers(gpuSelector)}}${a.keplerJob ? ` / {${selectorMatchers(keplerSelector)}}` : ''} between ${new Date(from * 1000).toISOString()} and ${new Date(to * 1000).toISOString()} in ${base}; nothing recorded. Check the labels with a query such as DCGM_FI_DEV_POWER_USAGE or {__name__=~"kepler_.*_joules_total"} in Prometheus.\n`,
    );
    return 1;
  }
  const has = (c: string) => energy.figures.some((f) => f.component === c);
  const rec = record(outputDir, {
    label: a.label ?? `Prometheus job {${selectorMatchers(gpuSelector)}}`,
    command,
    cwd: process.cwd(),
    startedAt: new Date(from * 1000),
    endedAt: new Date(to * 1000),
    figures: energy.figures,
    missing: {
      cpu: has('cpu') ? '' : 'none: no Kepler CPU series matched',
      gpu: has('gpu') ? '' : 'none: no DCGM exporter series matched',
      ram: has('ram') ? '' : 'none: no Kepler DRAM series matched',
    },
    intensity: resolveOffline(carbon),
    host: energy.hosts.join(', ') || undefined,
    gpuModels: energy.gpuModels,
    exitCode: null,
    source: { prometheus: base, job: gpuSelector, kepler_job: keplerSelector, from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(), queries: energy.figures.map((f) => f.query) },
    notes: energy.figures.some((f) => f.method.includes('Kepler')) ? ['Kepler measures with RAPL where the node has it and estimates with a power model where it does not (a VM): its kepler_node_info / configuration says which.'] : [],
  });
  if (!rec) return 1;
  for (const f of energy.figures) {
    process.stdout.write(`${f.component.toUpperCase()}: ${fmtJ(f.joules)} (${f.joules.toFixed(1)} J) — ${f.method}\n`);
    for (const p of f.parts) {
      const who = ['Hostname', 'gpu', 'UUID', 'modelName', 'node_name', 'instance'].filter((k) => p.labels[k]).map((k) => `${k}=${p.labels[k]}`).join(' ');
      process.stdout.write(`  ${who || 'series'}: ${p.joules.toFixed(1)} J\n`);
    }
  }
  printTotals(rec);
  return 0;
}

function usage(msg: string): number {
  process.stderr.write(`greenml report: ${msg}\n`);
  return 2;
}

function record(outputDir: string, input: Parameters<typeof writeReport>[1]): ReportRecords | undefined {
  try {
    fs.mkdirSync(outputDir, { recursive: true });
    return writeReport(outputDir, input);
  } catch (err) {
    process.stderr.write(`greenml report: could not write the records in ${outputDir}: ${(err as Error).message}\n`);
    return undefined;
  }
}

function printTotals(rec: ReportRecords): void {
  const s = rec.status;
  process.stdout.write(
    `Total: ${fmtEnergy(s.energyKwh)} · ${fmtCo2(s.emissionsKg)} over ${fmtDuration(s.durationS)} (intensity ${s.intensity.gPerKwh} gCO2e/kWh — ${s.intensity.source}; PUE ${s.intensity.pue})\n`,
  );
  process.stdout.write(`greenml: ledger ${rec.ledgerPath}\ngreenml: carbon label ${rec.labelMarkdownPath}\n`);
}

function fromSlurm(a: ReportArgs, carbon: CarbonOptions, outputDir: string, command: string[]): number {
  const jobId = a.slurm!;
  if (!isJobId(jobId)) return usage(`--slurm: '${jobId}' is not a Slurm job id (e.g. 4242, 4242_7)`);
  let rows;
  try {
    rows = runSacct(jobId);
  } catch (err) {
    if (err instanceof SlurmError || err instanceof Error) {
      process.stderr.write(`greenml report: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const job = rows[0];
  const { plugin, why } = energyPlugin();
  process.stdout.write(`Slurm job ${job.jobId} (${job.jobName}): ${job.nodes} node(s), elapsed ${fmtDuration(job.elapsedS)}, ${job.allocTres.cpu ?? '?'} CPUs${job.allocTres['gres/gpu'] ? `, ${job.allocTres['gres/gpu']} GPUs` : ''}\n`);
  const nodes = nodeRunsOf(outputDir, jobId);
  let code = 0;
  if (job.energyJ !== null) {
    const pluginText = plugin ?? `acct_gather_energy (plugin not known: ${why})`;
    const component = pluginComponent(plugin);
    const endedAt = job.end ?? new Date();
    const startedAt = job.start ?? new Date(endedAt.getTime() - job.elapsedS * 1000);
    const figure: ReportFigure = { component, joules: job.energyJ, method: `measured: Slurm ${pluginText} (sacct ConsumedEnergyRaw, ${job.nodes} node(s))` };
    const other = component === 'gpu' ? 'cpu' : 'gpu';
    const rec = record(outputDir, {
      label: a.label ?? `Slurm job ${job.jobId} (${job.jobName})`,
      command,
      cwd: process.cwd(),
      startedAt,
      endedAt,
      figures: [figure],
      missing: { cpu: '', gpu: '', ram: 'none: not separated by Slurm', [other]: `none: not measured by ${pluginText}` } as Record<'cpu' | 'gpu' | 'ram', string>,
      intensity: resolveOffline(carbon),
      job: { slurm_job_id: jobId },
      gpuModels: [],
      exitCode: null,
      source: { sacct: `sacct -j ${jobId} --parsable2 --format=JobID,JobName,Elapsed,NNodes,AllocTRES,ConsumedEnergyRaw,Start,End`, energy_plugin: pluginText, consumed_energy_raw_j: job.energyJ },
      notes: job.end ? [] : ['The job was still running: energy so far.'],
    });
    process.stdout.write(`Energy: ${fmtJ(job.energyJ)} (${job.energyJ} J) — ${figure.method}\n`);
    if (rec) printTotals(rec);
    else code = 1;
  } else {
    process.stdout.write(
      `Energy: not measured by Slurm — energy accounting is not configured on this cluster (ConsumedEnergyRaw is empty or 0 for job ${jobId}; ${plugin ? `AcctGatherEnergyType is ${plugin}` : why}). Set AcctGatherEnergyType (e.g. acct_gather_energy/rapl) in slurm.conf to have Slurm measure it; no Slurm figure is recorded.\n`,
    );
  }
  if (nodes.length > 0) {
    process.stdout.write(`greenml run rows of this job in ${outputDir} (one per node and rank):\n`);
    for (const n of nodes) process.stdout.write(`  node ${n.nodeId || '?'} (${n.host}${n.procId ? `, task ${n.procId}` : ''}): ${fmtEnergy(n.energyKwh)} · ${fmtCo2(n.emissionsKg)} over ${fmtDuration(n.durationS)} — ${n.methods}\n`);
    const kwh = nodes.reduce((s, n) => s + n.energyKwh, 0);
    const kg = nodes.reduce((s, n) => s + n.emissionsKg, 0);
    process.stdout.write(`  Sum of ${nodes.length} row(s): ${fmtEnergy(kwh)} (${(kwh * J_PER_KWH).toFixed(1)} J) · ${fmtCo2(kg)}\n`);
  } else if (job.energyJ === null) {
    process.stdout.write(`No greenml run rows of job ${jobId} in ${outputDir} either (run each task as \`srun greenml run --output-dir SHARED_DIR -- python train.py\`).\n`);
    code = 1;
  }
  return code;
}
