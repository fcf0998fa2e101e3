// `greenml run [options] -- COMMAND...`: runs COMMAND (argument array, no shell), tracks the power,
// energy and CO₂e of its process tree, shows a live line on stderr, forwards signals, writes the
// ledger row and carbon label, and exits with the command's exit code (128 + signal number if it
// was killed by a signal).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import { resolve, dirname } from 'node:path';
import { MachineSampler } from '../tracking/machine';
import { ProcessTree, selfChildrenCpuS } from '../tracking/procfs';
import { IntensityTracker, LiveProvider, withoutSecrets } from '../tracking/carbon';
import { RunSession, measureBaseline, summaryJson } from '../tracking/session';
import { writeFileAtomic } from '../io/files';
import { checkpoint, finishRun } from '../tracking/recorder';
import { recoverInterrupted } from '../tracking/ledger';
import { scriptOf } from '../tracking/label';
import { formatLiveLine } from '../tracking/format';
import type { RunOrigin } from '../common/trackingProtocol';
import { parseDuration } from '../tracking/forecast';
import { listRuns } from '../tracking/history';
import type { CarbonAwareStart } from '../tracking/label';
import { TtyStatusLine } from './liveLine';
import { waitForCleanest } from './cleanestStart';
import { holdTerminal } from './hold';

const HELP = `Usage: greenml run [options] -- COMMAND [ARGS...]

Runs COMMAND and tracks the power, energy and CO2e of its process tree.

Options:
  --interval S          sampling interval in seconds (default 1)
  --region ISO          country (ISO 3166 alpha-3 code or name, e.g. FRA, France) for the carbon intensity
  --intensity G         carbon intensity override, gCO2e/kWh
  --pue X               power usage effectiveness (default 1.0)
  --live-provider P     none | ukCarbonIntensity | electricityMaps (default none)
  --output-dir DIR      ledger and labels directory (default ./.greenml)
  --summary-json FILE   write a JSON summary of the run to FILE
  --status-file FILE    write the live status (checkpoint) to FILE instead of DIR/live/<run>.json
  --baseline S          idle baseline measured before the run, seconds (default 1; 0 = none)
  --label TEXT          name shown for the run (default: the script)
  --start-when-cleanest wait for the cleanest window of the live provider's forecast, then start
                        (Enter starts at once, Ctrl-C cancels); without a forecast, start at once
  --within DURATION     how long --start-when-cleanest may wait, e.g. 6h, 90m (default 24h)
  --quiet               no live line
  --hold                after COMMAND ends, show its exit status and wait for a key, then exit 0 (on
                        a terminal; VS Code's "Run with emissions tracking" uses it so the output stays)
  -h, --help            this help

Environment: GREENML_SYSFS_ROOT (default /sys), GREENML_ELECTRICITYMAPS_TOKEN (read by the tracker,
removed from COMMAND's environment), GREENML_UK_POSTCODE, GREENML_ELECTRICITYMAPS_ZONE,
GREENML_UK_CARBON_API / GREENML_ELECTRICITYMAPS_API (base URLs).
Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to COMMAND.
Exit status: the command's, 128+N when it was killed by signal N, 127 when it cannot be started,
130 when a --start-when-cleanest wait was cancelled, 2 on a usage error. A run record that cannot be
written is reported on stderr; the exit status is still the command's.
`;

/**
 * Makes sure a file can be created at `file` (its folder exists or is created, and it is not a
 * folder itself); returns why not, in words, or undefined when it can.
 */
export function prepareOutputFile(file: string): string | undefined {
  try {
    fs.mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOTDIR' || e.code === 'EEXIST' ? `cannot create the folder ${dirname(file)}: a file is in the way` : `cannot create the folder ${dirname(file)}: ${e.message}`;
  }
  try {
    if (fs.statSync(file).isDirectory()) return `${file} is a folder`;
  } catch {
    /* does not exist yet: fine */
  }
  return undefined;
}

export interface RunArgs {
  intervalS: number;
  region?: string;
  intensity?: number;
  pue?: number;
  liveProvider: LiveProvider;
  outputDir: string;
  summaryJson?: string;
  statusFile?: string;
  baselineS: number;
  label?: string;
  origin: RunOrigin;
  quiet: boolean;
  hold: boolean;
  startWhenCleanest: boolean;
  withinMs: number;
  command: string[];
}

export function parseRunArgs(argv: string[]): RunArgs | string {
  const a: RunArgs = {
    intervalS: 1, liveProvider: 'none', outputDir: '.greenml', baselineS: 1, origin: 'terminal', quiet: false, hold: false,
    startWhenCleanest: false, withinMs: 24 * 3600_000, command: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      a.command = argv.slice(i + 1);
      break;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const num = (min: number): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < min) throw new Error(`${name} needs a number ≥ ${min}`);
      return v;
    };
    try {
      switch (name) {
        case '--interval': a.intervalS = Math.max(0.1, num(0.1)); break;
        case '--region': a.region = value(); break;
        case '--intensity': a.intensity = num(0); break;
        case '--pue': a.pue = num(1); break;
        case '--live-provider': {
          const v = value();
          if (v !== 'none' && v !== 'ukCarbonIntensity' && v !== 'electricityMaps') return `--live-provider: unknown provider '${v}'`;
          a.liveProvider = v;
          break;
        }
        case '--output-dir': a.outputDir = value(); break;
        case '--summary-json': a.summaryJson = value(); break;
        case '--status-file': a.statusFile = value(); break;
        case '--baseline': a.baselineS = num(0); break;
        case '--label': a.label = value(); break;
        case '--origin': { const v = value(); a.origin = v === 'command' ? 'command' : 'terminal'; break; }
        case '--quiet': a.quiet = true; break;
        case '--hold': a.hold = true; break;
        case '--start-when-cleanest': a.startWhenCleanest = true; break;
        case '--within': {
          const v = value();
          const ms = parseDuration(v);
          if (ms === undefined || ms <= 0) return `--within: '${v}' is not a duration (e.g. 6h, 90m, 1h30m)`;
          a.withinMs = ms;
          break;
        }
        case '-h':
        case '--help': return 'help';
        default:
          if (arg.startsWith('-')) return `unknown option '${arg}'`;
          a.command = argv.slice(i);
          i = argv.length;
      }
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (a.command.length === 0) return 'no command given (greenml run -- python train.py)';
  return a;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export async function runMain(argv: string[]): Promise<number> {
  const parsed = parseRunArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`greenml run: ${parsed}\n\n${HELP}`);
    return 2;
  }
  const args = parsed;
  const outputDir = resolve(args.outputDir);
  const env = process.env;
  const intervalMs = Math.round(args.intervalS * 1000);
  try {
    fs.mkdirSync(outputDir, { recursive: true });
    for (const id of recoverInterrupted(outputDir)) process.stderr.write(`greenml: recovered interrupted run ${id} into the ledger\n`);
  } catch (err) {
    process.stderr.write(`greenml: cannot use output directory ${outputDir}: ${(err as Error).message}\n`);
  }

  // Bad --status-file / --summary-json paths are reported now, before the command runs, and the run
  // goes on without them (the ledger row and label are still written).
  let livePath = args.statusFile ? resolve(args.statusFile) : undefined;
  if (livePath) {
    const why = prepareOutputFile(livePath);
    if (why) {
      process.stderr.write(`greenml: --status-file ${args.statusFile}: ${why}; the live status is written to ${outputDir}/live instead\n`);
      livePath = undefined;
    }
  }
  let summaryPath = args.summaryJson ? resolve(args.summaryJson) : undefined;
  if (summaryPath) {
    const why = prepareOutputFile(summaryPath);
    if (why) {
      process.stderr.write(`greenml: --summary-json ${args.summaryJson}: ${why}; no summary will be written\n`);
      summaryPath = undefined;
    }
  }

  const carbon = {
    region: args.region ?? env.GREENML_REGION,
    override: args.intensity,
    pue: args.pue,
    liveProvider: args.liveProvider,
    ukPostcode: env.GREENML_UK_POSTCODE,
    electricityMapsZone: env.GREENML_ELECTRICITYMAPS_ZONE,
    electricityMapsToken: env.GREENML_ELECTRICITYMAPS_TOKEN,
    env,
  };
  const runId = randomUUID();
  const label = args.label ?? scriptOf(args.command);
  let carbonAwareStart: CarbonAwareStart | undefined;
  if (args.startWhenCleanest) {
    const previous = listRuns([outputDir]).find((r) => r.script === scriptOf(args.command) && !r.interrupted && r.durationS > 0);
    const waited = await waitForCleanest({ withinMs: args.withinMs, runLengthMs: previous ? previous.durationS * 1000 : undefined, carbon, runId, label, outputDir });
    if (!waited.started) return 130;
    carbonAwareStart = waited.record;
  }
  const machine = new MachineSampler({ intervalMs, env: withoutSecrets(env) });
  const intensity = new IntensityTracker(carbon);
  const [baseline] = await Promise.all([measureBaseline(machine, args.baselineS * 1000), intensity.start()]);

  // Signals arriving from now on are forwarded to the child (or end the wait if it is not started).
  let child: ReturnType<typeof spawn> | undefined;
  const pendingSignals: NodeJS.Signals[] = [];
  const onSignal = (sig: NodeJS.Signals) => {
    // On a terminal, Ctrl-C already reached the child (same foreground process group): don't double it.
    if (sig === 'SIGINT' && process.stdin.isTTY && process.stderr.isTTY) return;
    if (child?.pid) {
      try {
        child.kill(sig);
      } catch {
        /* exited */
      }
    } else pendingSignals.push(sig);
  };
  for (const s of SIGNALS) process.on(s, onSignal);

  const cutBefore = selfChildrenCpuS();
  const startedAt = new Date();
  try {
    child = spawn(args.command[0], args.command.slice(1), { stdio: 'inherit', env: withoutSecrets(env) });
  } catch (err) {
    machine.stop();
    for (const s of SIGNALS) process.off(s, onSignal);
    process.stderr.write(`greenml run: cannot start ${args.command[0]}: ${(err as Error).message}\n`);
    return 127;
  }
  const spawnError = await new Promise<Error | undefined>((res) => {
    child!.once('spawn', () => res(undefined));
    child!.once('error', (e) => res(e));
  });
  if (spawnError || !child.pid) {
    machine.stop();
    intensity.stop();
    for (const s of SIGNALS) process.off(s, onSignal);
    process.stderr.write(`greenml run: cannot start ${args.command[0]}: ${spawnError?.message ?? 'no pid'}\n`);
    return 127;
  }
  for (const s of pendingSignals) child.kill(s);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child!.once('exit', (code, signal) => res({ code, signal })));

  const tree = new ProcessTree(child.pid, machine.proc, true);
  const session = new RunSession(
    { runId, origin: args.origin, label, command: args.command, cwd: process.cwd(), startedAt },
    machine,
    tree,
    intensity,
    baseline,
  );
  const safeCheckpoint = () => {
    try {
      checkpoint(session, outputDir, livePath);
    } catch (err) {
      if (!checkpointWarned) process.stderr.write(`greenml: cannot write checkpoint: ${(err as Error).message}\n`);
      checkpointWarned = true;
    }
  };
  let checkpointWarned = false;
  safeCheckpoint();

  // On a terminal the live figure has the last row to itself; elsewhere a line every 10 s.
  const statusLine = args.quiet ? undefined : TtyStatusLine.open(process.stderr);
  const tty = statusLine !== undefined || (!args.quiet && process.stderr.isTTY === true);
  let lastLinePrinted = Date.now();
  const timer = setInterval(() => {
    session.step();
    safeCheckpoint();
    if (args.quiet) return;
    const line = formatLiveLine(session.status());
    if (statusLine) statusLine.draw(line);
    else if (!tty && Date.now() - lastLinePrinted >= 10_000) {
      process.stderr.write(`${line}\n`);
      lastLinePrinted = Date.now();
    }
  }, intervalMs);

  const { code, signal } = await exited;
  clearInterval(timer);
  // Close the run exactly: this process's reaped-children CPU time holds the child's whole tree.
  const cutAfter = selfChildrenCpuS();
  // A reading first, so that descendants that died since the last one are no longer counted as
  // alive: their time is inside the root's (cutAfter) or carried.
  const probe = tree.read();
  const override: { cpuS?: number } = {};
  if (cutBefore !== undefined && cutAfter !== undefined) {
    const exact = cutAfter - cutBefore + tree.nonRootCpuS();
    override.cpuS = Math.max(exact, 0);
  }
  if (override.cpuS !== undefined && override.cpuS < probe.cpuS) delete override.cpuS;
  session.step(machine.read(), override);
  machine.stop();
  intensity.stop();
  for (const s of SIGNALS) process.off(s, onSignal);

  const exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);
  statusLine?.stop();
  try {
    const res = finishRun(session, outputDir, exitCode, { livePath, carbonAwareStart });
    const st = session.status();
    if (!args.quiet) {
      process.stderr.write(`${formatLiveLine(st, true)}\n`);
      process.stderr.write(`greenml: ledger ${res.ledgerPath}\ngreenml: carbon label ${res.labelMarkdownPath}\n`);
      for (const n of new Set(st.notes)) process.stderr.write(`greenml: note: ${n}\n`);
    }
  } catch (err) {
    process.stderr.write(`greenml: could not write the run records in ${outputDir}: ${(err as Error).message}\n`);
  }
  if (summaryPath) {
    try {
      writeFileAtomic(summaryPath, JSON.stringify(summaryJson(session.status(), exitCode), null, 2) + '\n');
    } catch (err) {
      process.stderr.write(`greenml: could not write the summary JSON ${args.summaryJson}: ${(err as Error).message}\n`);
    }
  }
  if (args.hold) {
    await holdTerminal(label, exitCode, session.status());
    // The exit status is on screen: a terminal that reports a non-zero exit with its own command
    // line (VS Code does) would only repeat it, less readably.
    if (process.stdin.isTTY) return 0;
  }
  return exitCode;
}
