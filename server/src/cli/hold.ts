// `greenml run --hold`: once the command has ended, one line with its exit status and figures, then
// wait for a key before exiting, so a terminal that closes with its process (VS Code's run terminal)
// keeps the script's output and traceback on screen, as VS Code's own tasks do. On a non-terminal
// stdin it only prints the line.
import { basename } from 'node:path';
import type { RunStatus } from '../common/trackingProtocol';
import { fmtCo2, fmtDuration, fmtEnergy, fmtExit } from '../common/units';

/** A script's file name, or a command's first line cut to 40 characters. */
export function shortName(label: string): string {
  if (/\.(py|ipynb)$/.test(label) && !label.includes('\n')) return basename(label);
  const first = label.split('\n', 1)[0];
  return first.length > 40 ? `${first.slice(0, 39)}…` : first;
}

export function exitLine(label: string, exitCode: number, s: RunStatus): string {
  const what = exitCode === 0 ? 'finished' : `exited with ${fmtExit(exitCode).replace(/^exit /, '')}`;
  return `Green ML: ${shortName(label)} ${what} after ${fmtDuration(s.durationS)} · ${fmtEnergy(s.energyKwh)} · ${fmtCo2(s.emissionsKg)}`;
}

export async function holdTerminal(label: string, exitCode: number, s: RunStatus, input: NodeJS.ReadStream = process.stdin, out: NodeJS.WriteStream = process.stderr): Promise<void> {
  const keys = input.isTTY === true;
  const dim = out.isTTY ? ['\x1b[2m', '\x1b[0m'] : ['', ''];
  out.write(`\n${dim[0]}${exitLine(label, exitCode, s)}${keys ? '\nPress any key to close the terminal.' : ''}${dim[1]}\n`);
  if (!keys) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      input.off('data', done);
      input.off('end', done);
      input.off('error', done);
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, done);
      input.setRawMode?.(false);
      input.pause();
      resolve();
    };
    input.setRawMode?.(true);
    input.resume();
    input.once('data', done);
    input.once('end', done);
    input.once('error', done);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, done);
  });
}
