// `greenml` command line: dispatches to the sub-commands, each in its own file.
import { workerData } from 'node:worker_threads';
import { checkMain, isCheckWorker, runCheckWorker } from './check';
import { runMain } from './run';

const USAGE = `Usage: greenml <command> [options]

Commands:
  check [PATH...]      report energy-wasting patterns in Python files (greenml check --help)
  run -- COMMAND...    run a command and track its power, energy and CO2e (greenml run --help)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return checkMain(rest);
    case 'run':
      return runMain(rest);
    case '--version':
    case '-V':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case '--help':
    case '-h':
    case undefined:
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`greenml: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

/** How long after its result the process may take to wind down before it is ended with that result. */
const EXIT_GRACE_MS = 3000;

declare const __GREENML_VERSION__: string | undefined;
const VERSION = typeof __GREENML_VERSION__ === 'string' ? __GREENML_VERSION__ : '0.1.0';

if (isCheckWorker(workerData)) {
  // This file is also the script of `greenml check`'s worker threads (see checkInWorkers).
  runCheckWorker(workerData).catch((err: unknown) => {
    process.stderr.write(`greenml: check worker failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
} else if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // The work is done and the exit status known: nothing left behind (a tool's grandchild holding
      // a pipe, say) may keep the process from ending with it. The timer itself holds nothing.
      setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
    },
    (err: unknown) => {
      process.stderr.write(`greenml: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
