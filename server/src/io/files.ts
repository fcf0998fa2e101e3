// Reading and writing files that a repository (or a sysfs tree) controls, without being hung, flooded
// or made to lose data. Reads: only regular files, never more than a byte limit — a FIFO is refused
// instead of waited on, and a symlink to /dev/zero instead of read forever. Writes: atomic — a temp
// file beside the target, written whole, fsynced, renamed over it — so a full disk or a crash leaves
// the old file or the new one, never a truncated one; the temp file is removed when anything fails.
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Why a file was not read: not a regular file, or larger than the limit. */
export class UnreadableFileError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOTREGULAR' | 'ETOOLARGE',
    /** The file's size, when known to be over the limit. */
    readonly size?: number,
  ) {
    super(message);
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1048576) return `${+(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * Reads a regular file (following symlinks) of at most `maxBytes`. Throws UnreadableFileError for
 * anything else, and the usual errno errors (ENOENT, EACCES…). The file is opened non-blocking, so
 * opening a FIFO returns at once and is then refused; a file that grows past the limit while it is
 * read is refused too (sysfs and procfs files report a size of 4096 or 0 and are read to their end).
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  return readRegularFileAndStat(path, maxBytes).bytes;
}

/** readRegularFile, with the file's stat as it was when read (to tell later whether it changed). */
export function readRegularFileAndStat(path: string, maxBytes: number): { bytes: Buffer; stat: fs.Stats } {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnreadableFileError(`${kindOf(st)}, not a regular file`, 'ENOTREGULAR');
    const tooLarge = () => new UnreadableFileError(`larger than ${formatBytes(maxBytes)}`, 'ETOOLARGE');
    if (st.size > maxBytes) throw new UnreadableFileError(`larger than ${formatBytes(maxBytes)}`, 'ETOOLARGE', st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte more than allowed tells a file that grew past the limit from one that fits exactly.
    const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size + 1, 4096), maxBytes + 1, 1 << 20));
    for (;;) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, maxBytes + 1 - total), null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      total += n;
      if (total > maxBytes) throw tooLarge();
    }
    return { bytes: Buffer.concat(chunks, total), stat: st };
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFile as UTF-8 text. */
export function readRegularText(path: string, maxBytes: number): string {
  return readRegularFile(path, maxBytes).toString('utf8');
}

/** Whether `path` is a regular file (following symlinks); false when it is missing or unreadable. */
export function isRegularFile(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface AtomicWriteOptions {
  /** fsync the file (and its folder) before returning: the new content survives a power cut. Default true. */
  fsync?: boolean;
  /** Mode of a new file (default 0o666 less the umask); an existing file keeps its own mode and owner. */
  mode?: number;
}

function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}

/**
 * Replaces `path` with `data` atomically: a temp file in the same folder (so the rename stays on one
 * file system), written whole, fsynced, given the old file's mode (and owner, where allowed), then
 * renamed over the target. On any failure the temp file is removed and the target is untouched.
 * `path` is replaced as a name: callers that must write through a symlink resolve it first.
 */
export function writeFileAtomic(path: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  const sync = options.fsync ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let old: fs.Stats | undefined;
  try {
    old = fs.statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const dir = dirname(path);
  // Hidden, and not ending in the target's extension: a concurrent walk does not pick it up.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, options.mode ?? 0o666);
  try {
    writeAll(fd, bytes);
    if (old) {
      fs.fchmodSync(fd, old.mode & 0o7777);
      if (typeof process.getuid === 'function' && (old.uid !== process.getuid() || old.gid !== process.getgid?.())) {
        try {
          fs.fchownSync(fd, old.uid, old.gid);
        } catch {
          /* not permitted (not root): the file becomes ours, as with any editor's save */
        }
      }
    }
    if (sync) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw err;
  }
  if (sync) fsyncDir(dir);
}

/** Makes a rename in `dir` durable; file systems that cannot fsync a folder are skipped. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    /* EINVAL/EISDIR on some file systems: the data itself is already synced */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The first `headBytes` and the last `tailBytes` of a regular file (the whole file in `head` when it
 * is no longer than both together): enough to read a CSV's header and last row however long it grew.
 */
export function readRegularFileEnds(path: string, headBytes: number, tailBytes: number): { head: Buffer; tail: Buffer; size: number } {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnreadableFileError(`${kindOf(st)}, not a regular file`, 'ENOTREGULAR');
    const readAt = (position: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    };
    if (st.size <= headBytes + tailBytes) return { head: readAt(0, st.size), tail: Buffer.alloc(0), size: st.size };
    return { head: readAt(0, headBytes), tail: readAt(st.size - tailBytes, tailBytes), size: st.size };
  } finally {
    fs.closeSync(fd);
  }
}
