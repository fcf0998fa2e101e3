// File access used by the samplers. Reading goes through an injectable function so that tests can
// make a read fail with a real EACCES-coded error (root ignores file modes), and the sysfs/procfs
// roots can be moved (GREENML_SYSFS_ROOT, for tests and containers). Only regular files are read,
// and at most MAX_SYSTEM_FILE_BYTES of each: a FIFO or a symlink to /dev/zero where a counter
// should be is an unreadable counter, not a hang or a runaway read.
import * as fs from 'node:fs';
import { readRegularText, writeFileAtomic as writeAtomic } from '../io/files';

export type ReadText = (path: string) => string;

/** Larger than any sysfs attribute or procfs file the samplers read (/proc/cpuinfo of a 512-thread machine is about 700 KB). */
export const MAX_SYSTEM_FILE_BYTES = 4 * 1024 * 1024;

export const readTextSync: ReadText = (path) => readRegularText(path, MAX_SYSTEM_FILE_BYTES);

export function sysfsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.GREENML_SYSFS_ROOT;
  return v && v.length > 0 ? v.replace(/\/+$/, '') || '/' : '/sys';
}

export function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function listDir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch {
    return [];
  }
}

/** Writes a file atomically (temp file in the same directory, then rename; the temp file is removed on failure). */
export function writeFileAtomic(path: string, data: string, fsync = false): void {
  writeAtomic(path, data, { fsync });
}
