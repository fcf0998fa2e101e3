// File access used by the samplers. Reading goes through an injectable function so that tests can
// make a read fail with a real EACCES-coded error (root ignores file modes), and the sysfs/procfs
// roots can be moved (GREENML_SYSFS_ROOT, for tests and containers).
import * as fs from 'node:fs';

export type ReadText = (path: string) => string;

export const readTextSync: ReadText = (path) => fs.readFileSync(path, 'utf8');

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

/** Writes a file atomically: temp file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: string, fsync = false): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    if (fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
}
