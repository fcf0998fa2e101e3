// Turns a RunSession into its records: the checkpoint (live file), and at the end the ledger row,
// the carbon label and the final live file that tells the language server the run ended.
import { spawnSync } from 'node:child_process';
import { RunSession } from './session';
import { LedgerRow, LiveFile, RowContext, appendLedgerRow, buildRow, projectNameFor, writeLiveFile } from './ledger';
import { buildLabel, writeLabel } from './label';
import { lookupCountry, withoutSecrets } from './carbon';

export function rowContext(s: RunSession, outputDir: string, pythonVersion = ''): RowContext {
  const region = s.lastIntensity.region;
  const country = region ? lookupCountry(region) : undefined;
  return {
    projectName: projectNameFor(outputDir),
    cpuModel: s.machine.cpu.model,
    cpuCount: s.machine.cpu.logicalCpus,
    gpuNames: s.machine.read().gpus.map((g) => g.name),
    ramTotalGb: s.machine.memTotalBytes / 1024 ** 3,
    countryName: country?.name ?? '',
    countryIso: country?.iso ?? '',
    pythonVersion,
    averages: s.averages(),
  };
}

export function checkpoint(s: RunSession, outputDir: string, livePath?: string): string {
  const status = s.status();
  const lf: LiveFile = {
    version: 1,
    trackerPid: process.pid,
    pids: s.pids,
    running: true,
    status,
    row: buildRow(status, rowContext(s, outputDir)),
    writtenAt: Date.now(),
  };
  return writeLiveFile(outputDir, lf, livePath);
}

/** `python --version` of the interpreter a command runs, when it runs one ('' otherwise). */
export function pythonVersionOf(command: string[]): string {
  const exe = command[0] ?? '';
  if (!/python[\d.]*(\.exe)?$/i.test(exe)) return '';
  try {
    const r = spawnSync(exe, ['-c', 'import platform;print(platform.python_version())'], { encoding: 'utf8', timeout: 3000, env: withoutSecrets() });
    return r.status === 0 ? r.stdout.trim() : '';
  } catch {
    return '';
  }
}

export interface FinishResult {
  row: LedgerRow;
  labelJsonPath: string;
  labelMarkdownPath: string;
  ledgerPath: string;
  livePath?: string;
}

export function finishRun(
  s: RunSession,
  outputDir: string,
  exitCode: number | null,
  opts: { livePath?: string; pythonVersion?: string; writeLive?: boolean } = {},
): FinishResult {
  s.ended = true;
  s.exitCode = exitCode;
  const status = s.status();
  const row = buildRow(status, rowContext(s, outputDir, opts.pythonVersion ?? pythonVersionOf(s.info.command)));
  const label = buildLabel(status, {
    command: s.info.command,
    cwd: s.info.cwd,
    exitCode,
    endedAt: new Date(),
    cpuTimeS: s.cpuTimeS,
    hardware: {
      cpuModel: s.machine.cpu.model,
      logicalCpus: s.machine.cpu.logicalCpus,
      sockets: s.machine.cpu.sockets,
      tdpSource: s.machine.cpu.tdpSource,
      gpus: s.machine.read().gpus.map((g) => g.name),
      ramTotalGb: s.machine.memTotalBytes / 1024 ** 3,
    },
  });
  const paths = writeLabel(outputDir, label);
  // The checkpoint is marked finished before the row is appended: a crash between the two can lose
  // this one row, but can never write it twice (once recovered from the checkpoint, once here).
  let livePath: string | undefined;
  if (opts.writeLive !== false) {
    livePath = writeLiveFile(
      outputDir,
      { version: 1, trackerPid: process.pid, pids: [], running: false, status, row, exitCode, labelJsonPath: paths.json, labelMarkdownPath: paths.md, writtenAt: Date.now() },
      opts.livePath,
    );
  }
  const ledgerPath = appendLedgerRow(outputDir, row);
  return { row, labelJsonPath: paths.json, labelMarkdownPath: paths.md, ledgerPath, livePath };
}
