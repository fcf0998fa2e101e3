// Reading a Python file as Python does (its declared encoding) and writing fixes back without losing
// a byte: only regular files are read, with a size limit; a file is written back only when its bytes
// decode and re-encode exactly, in the same encoding, and only where `greenml check` was asked to
// look (never through a symlink to outside the checked tree, never over a read-only file); the write
// itself is atomic (io/files.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/files';

/** How the bytes of a file become text, and whether fixed text can be written back the same way. */
export interface DecodedSource {
  text: string;
  /** The encoding used (Python's name for it). */
  encoding: 'utf-8' | 'latin-1' | 'ascii';
  /** Why fixes cannot be written to this file, when they cannot. */
  notWritable?: string;
}

/** PEP 263: `# -*- coding: NAME -*-` on the first or second line (the first then a comment only). */
const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

// Python's names for the encodings written back (encodings.aliases and the tokenizer's own
// spellings), lower-case with `_` as `-`.
const UTF8_NAMES = new Set(['utf-8', 'utf8', 'u8', 'utf', 'cp65001', 'utf-8-sig', 'utf8-ucs2', 'utf8-ucs4']);
const LATIN1_NAMES = new Set(['latin-1', 'latin1', 'latin', 'l1', 'iso-8859-1', 'iso8859-1', 'iso-latin-1', 'iso-8859-1-1987', 'iso-ir-100', 'csisolatin1', 'cp819', 'ibm819', '8859']);
const ASCII_NAMES = new Set(['ascii', 'us-ascii', 'us', '646', 'cp367', 'csascii', 'ibm367', 'iso646-us', 'iso-ir-6', 'ansi-x3.4-1968', 'ansi-x3-4-1968', 'ansi-x3.4-1986', 'iso-646.irv-1991']);

/** The encoding declared in the first two lines, lower-cased, or undefined. */
export function declaredEncoding(bytes: Buffer): string | undefined {
  // The declaration is ASCII: latin1 decoding of the first lines reads it whatever the encoding.
  const lines = bytes.subarray(0, 1024).toString('latin1').split(/\r\n|\r|\n/, 2);
  const first = CODING.exec(lines[0] ?? '');
  if (first) return first[1].toLowerCase();
  if (/^[ \t\f]*(#.*)?$/.test(lines[0] ?? '')) {
    const second = CODING.exec(lines[1] ?? '');
    if (second) return second[1].toLowerCase();
  }
  return undefined;
}

/** Decodes a Python source file as Python would; says why fixes could not be written back losslessly. */
export function decodeSource(bytes: Buffer): DecodedSource {
  const declared = declaredEncoding(bytes);
  const name = declared?.replace(/_/g, '-');
  if (name !== undefined && LATIN1_NAMES.has(name)) {
    // Node's 'latin1' is ISO-8859-1 byte for byte (not windows-1252): every byte round-trips.
    return { text: bytes.toString('latin1'), encoding: 'latin-1' };
  }
  const text = bytes.toString('utf8');
  const lossless = Buffer.from(text, 'utf8').equals(bytes);
  if (name === undefined || UTF8_NAMES.has(name)) {
    return { text, encoding: 'utf-8', ...(lossless ? {} : { notWritable: 'it is not valid UTF-8 (and declares no other encoding)' }) };
  }
  if (ASCII_NAMES.has(name)) {
    const ascii = bytes.every((b) => b < 0x80);
    return { text, encoding: 'ascii', ...(ascii ? {} : { notWritable: 'it declares ASCII but holds other bytes' }) };
  }
  return { text, encoding: 'utf-8', notWritable: `it declares the encoding "${declared}"; Green ML writes back only UTF-8, Latin-1 and ASCII files` };
}

/** The bytes of fixed text in the file's encoding, or why it cannot be written in it. */
export function encodeSource(text: string, source: DecodedSource): Buffer | string {
  if (source.encoding === 'latin-1') {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return `the fixed text has characters Latin-1 cannot hold`;
    return Buffer.from(text, 'latin1');
  }
  if (source.encoding === 'ascii') {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return `the fixed text has characters ASCII cannot hold`;
  }
  return Buffer.from(text, 'utf8');
}

/** The checked tree a file belongs to: the folder argument it was found under, or the folder of a file argument. */
export function treeOf(file: string, inputs: readonly string[]): string {
  const abs = path.resolve(file);
  let best: string | undefined;
  for (const input of inputs) {
    const root = path.resolve(input);
    if (abs === root) return path.dirname(root);
    if (abs.startsWith(root.endsWith(path.sep) ? root : root + path.sep) && (!best || root.length > best.length)) best = root;
  }
  return best ?? path.dirname(abs);
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

export interface WriteOutcome {
  /** Set when the fixes were not written on purpose (a symlink out of the tree): a message, not an error. */
  skipped?: string;
  /** Set when writing failed (read-only file, full disk…): an error. */
  failed?: string;
}

/**
 * Writes fixed text back to `file`, found under the checked tree `tree`. `before` is the file's stat
 * when it was read: a file changed since is left alone. Never throws.
 */
export function writeFixedSource(file: string, tree: string, bytes: Buffer, before: fs.Stats): WriteOutcome {
  let real: string;
  let realTree: string;
  try {
    real = fs.realpathSync(file);
    realTree = fs.realpathSync(tree);
  } catch (err) {
    return { failed: `cannot resolve its path: ${(err as Error).message}` };
  }
  if (!inside(real, realTree)) return { skipped: `not fixed: it is a link to ${real}, outside the checked tree ${tree}` };
  let now: fs.Stats;
  try {
    now = fs.statSync(real);
    fs.accessSync(real, fs.constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM') return { failed: 'fixes not written: the file is read-only' };
    if (e.code === 'EROFS') return { failed: 'fixes not written: the file is on a read-only file system' };
    return { failed: `fixes not written: ${e.message}` };
  }
  if (now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
    return { failed: 'fixes not written: the file changed while it was being checked' };
  }
  try {
    writeFileAtomic(real, bytes);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'no space left on the device' : e.code === 'EROFS' ? 'read-only file system' : e.message;
    return { failed: `fixes not written (the file is unchanged): ${why}` };
  }
  return {};
}
