// Turns a RunSession into its records: the checkpoint (live file) while it runs, and at the end the
// carbon label and the ledger row; the checkpoint is then removed (the language server learns of the
// end from the new ledger row, so nothing is left in live/).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { RunSession } from './session';
import { LedgerRow, LiveFile, RowContext, appendLedgerRow, buildRow, liveDir, projectNameFor, writeLiveFile } from './ledger';
import { buildLabel, writeLabel, type CarbonAwareStart } from './label';
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
}

export function finishRun(
  s: RunSession,
  outputDir: string,
  exitCode: number | null,
  opts: { livePath?: string; pythonVersion?: string; carbonAwareStart?: CarbonAwareStart } = {},
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
    samples: s.samples.toJSON(),
    carbonAwareStart: opts.carbonAwareStart,
  });
  const paths = writeLabel(outputDir, label);
  const ledgerPath = appendLedgerRow(outputDir, row);
  // The row is in: the checkpoint has done its job. (A crash before this line leaves a checkpoint
  // whose run is already in the ledger; recovery sees the run id there and only removes it.) A status
  // file the user named (--status-file) is kept, with the final figures.
  if (opts.livePath) {
    writeLiveFile(
      outputDir,
      { version: 1, trackerPid: process.pid, pids: [], running: false, status, row, exitCode, labelJsonPath: paths.json, labelMarkdownPath: paths.md, writtenAt: Date.now() },
      opts.livePath,
    );
  } else removeCheckpoint(outputDir, status.runId);
  return { row, labelJsonPath: paths.json, labelMarkdownPath: paths.md, ledgerPath };
}

/** Removes a run's checkpoint, and live/ itself when nothing else is in it. */
export function removeCheckpoint(outputDir: string, runId: string, livePath?: string): void {
  const dir = liveDir(outputDir);
  try {
    fs.rmSync(livePath ?? join(dir, `${runId}.json`), { force: true });
  } catch {
    /* already gone */
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    /* not empty (another run is live) or never made */
  }
}
