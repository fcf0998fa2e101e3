// A real single-node Slurm cluster for the tests (Debian's slurm-wlm 22.05, slurmdbd, munge and
// mariadb-server): MariaDB on a Unix socket in a temporary folder, slurmdbd (sacct has rows only with
// accounting in slurmdbd), slurmctld and slurmd on free ports, this host as the one node, no energy
// plugin (acct_gather_energy/none: the plugins read RAPL, IPMI or GPUs and cannot measure in a VM).
// munged runs as the munge user on its default socket (Slurm's munge plugin refuses credentials from
// a munged run as root); one already running is reused. Needs root, like slurmd. A missing binary or
// a daemon that does not start is an error, never a skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { freePort } from './prometheus';

export interface SlurmCluster {
  /** SLURM_CONF for the clients (srun, sacct, scontrol). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const BINARIES: [string, string][] = [
  ['mariadb-install-db', 'mariadb-server'], ['mariadbd', 'mariadb-server'], ['slurmdbd', 'slurmdbd'], ['slurmctld', 'slurmctld'],
  ['slurmd', 'slurmd'], ['sacct', 'slurm-client'], ['sacctmgr', 'slurm-client'], ['srun', 'slurm-client'], ['sinfo', 'slurm-client'], ['munged', 'munge'], ['munge', 'munge'],
];

function which(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')]) {
    const p = join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

async function until(what: string, check: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Slurm test cluster: ${what} did not happen within ${timeoutMs / 1000} s\n${log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const mungeWorks = () => spawnSync('sh', ['-c', 'munge -n | unmunge'], { stdio: 'ignore' }).status === 0;

export async function startSlurm(): Promise<SlurmCluster> {
  const missing = BINARIES.filter(([b]) => !which(b));
  if (missing.length) throw new Error(`Slurm test cluster: missing ${missing.map(([b, p]) => `${b} (apt-get install ${p})`).join(', ')}; scripts/test.mjs and .ci/run install them`);
  if (process.getuid?.() !== 0) throw new Error('Slurm test cluster: slurmd and munged need root (run the tests as root, as CI does)');
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'greenml-slurm-'));
  for (const d of ['db', 'state', 'spool', 'log']) fs.mkdirSync(join(dir, d));
  const children: ChildProcess[] = [];
  let ownMunged = false;
  const logs = () => ['slurmdbd', 'slurmctld', 'slurmd', 'mysql'].map((n) => { try { return `${n}: ${fs.readFileSync(join(dir, 'log', `${n}.log`), 'utf8').split('\n').slice(-6).join('\n')}`; } catch { return `${n}: no log`; } }).join('\n');
  const stop = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    }
    if (ownMunged) {
      try {
        process.kill(Number(fs.readFileSync('/run/munge/munged.pid', 'utf8')), 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!mungeWorks()) {
      fs.mkdirSync('/run/munge', { recursive: true });
      spawnSync('chown', ['munge:munge', '/run/munge']);
      const m = spawnSync('su', ['-s', '/bin/sh', 'munge', '-c', which('munged')!], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`munged did not start: ${m.stderr}`);
      ownMunged = true;
      await until('munge answering', mungeWorks, 10_000, () => '');
    }
    const install = spawnSync(which('mariadb-install-db')!, [`--datadir=${join(dir, 'db')}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
    const sock = join(dir, 'mysql.sock');
    children.push(spawn(which('mariadbd')!, [`--datadir=${join(dir, 'db')}`, `--socket=${sock}`, '--skip-networking', '--user=root', `--pid-file=${join(dir, 'mysql.pid')}`, `--log-error=${join(dir, 'log', 'mysql.log')}`], { stdio: 'ignore' }));
    await until('MariaDB listening', () => fs.existsSync(sock), 30_000, logs);
    const [dbdPort, ctldPort, slurmdPort] = [await freePort(), await freePort(), await freePort()];
    const host = os.hostname().split('.')[0];
    fs.writeFileSync(join(dir, 'slurmdbd.conf'), [
      'AuthType=auth/munge', 'DbdHost=localhost', `DbdPort=${dbdPort}`, 'SlurmUser=root', `LogFile=${join(dir, 'log', 'slurmdbd.log')}`, `PidFile=${join(dir, 'slurmdbd.pid')}`,
      'StorageType=accounting_storage/mysql', 'StorageHost=localhost', 'StorageUser=root', 'StorageLoc=slurm_acct_db', '',
    ].join('\n'), { mode: 0o600 });
    fs.writeFileSync(join(dir, 'slurm.conf'), [
      'ClusterName=greenmltest', `SlurmctldHost=${host}(127.0.0.1)`, `SlurmctldPort=${ctldPort}`, `SlurmdPort=${slurmdPort}`, 'SlurmUser=root', 'AuthType=auth/munge',
      `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`, `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`, `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'MpiDefault=none', 'SchedulerType=sched/builtin', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_CPU',
      'ReturnToService=2', 'AccountingStorageType=accounting_storage/slurmdbd', 'AccountingStorageHost=localhost', `AccountingStoragePort=${dbdPort}`, 'JobAcctGatherType=jobacct_gather/none',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.cpus().length} State=UNKNOWN`, 'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP', '',
    ].join('\n'));
    const env = { SLURM_CONF: join(dir, 'slurm.conf') };
    const daemonEnv = { ...process.env, ...env, MYSQL_UNIX_PORT: sock };
    children.push(spawn(which('slurmdbd')!, ['-D'], { env: daemonEnv, stdio: 'ignore' }));
    await until('slurmdbd started', () => { try { return fs.readFileSync(join(dir, 'log', 'slurmdbd.log'), 'utf8').includes('started'); } catch { return false; } }, 60_000, logs);
    const add = spawnSync(which('sacctmgr')!, ['-i', 'add', 'cluster', 'greenmltest'], { env: daemonEnv, encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`sacctmgr add cluster failed: ${add.stderr}\n${logs()}`);
    children.push(spawn(which('slurmctld')!, ['-D'], { env: daemonEnv, stdio: 'ignore' }));
    children.push(spawn(which('slurmd')!, ['-D'], { env: daemonEnv, stdio: 'ignore' }));
    await until('the node idle', () => spawnSync(which('sinfo')!, ['-h', '-o', '%t'], { env: daemonEnv, encoding: 'utf8' }).stdout.trim() === 'idle', 60_000, logs);
    return { env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
