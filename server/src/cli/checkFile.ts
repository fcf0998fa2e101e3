// Checking one file for `greenml check`: read it (regular files only, with a size limit), decode it
// as Python does, analyse it, and with --fix write the fixes back (sourceFiles.ts) — or say why not.
// A fix that could not be written is an error: the file's findings are reported as they stand.
import * as path from 'node:path';
import { analyzeText } from '../analysis/analyze';
import { DEFAULT_MAX_FILE_SIZE } from '../common/protocol';
import { loadProjectConfig, type ProjectConfig } from '../config/pyproject';
import { effectiveConfig } from '../config/settings';
import { fixAllText } from '../fixes/fixAll';
import { readRegularFileAndStat, UnreadableFileError } from '../io/files';
import type { CheckOptions, FileError, FileResult } from './check';
import { checkNotebookFile, isNotebookPath } from './notebookFiles';
import { decodeSource, encodeSource, treeOf, writeFixedSource } from './sourceFiles';

/** Largest notebook file read: outputs (images) make notebooks far larger than their code, which has its own limit. */
export const MAX_NOTEBOOK_FILE_SIZE = 128 * 1024 * 1024;

function isBinary(buffer: Buffer): boolean {
  const n = Math.min(buffer.length, 8000);
  for (let i = 0; i < n; i++) if (buffer[i] === 0) return true;
  return false;
}

function mb(n: number): string {
  return `${+(n / 1048576).toFixed(1)} MB`;
}

/** Reads, analyses (and with --fix, fixes) one file; never throws. */
export function checkFile(file: string, opts: CheckOptions, projects: Map<string, ProjectConfig>): FileResult {
  const errors: FileError[] = [];
  const dir = path.dirname(path.resolve(file));
  let project = projects.get(dir);
  if (!project) {
    project = opts.useConfig ? loadProjectConfig(dir) : { problems: [] };
    projects.set(dir, project);
    for (const p of project.problems) errors.push({ file: path.relative(process.cwd(), project.file ?? dir) || project.file!, message: `${p.message} (line ${p.range.start.line + 1})` });
  }
  const config = effectiveConfig(project.settings, {
    ...(opts.select ? { select: opts.select } : {}),
    ...(opts.ignore ? { ignore: opts.ignore } : {}),
    ...(opts.unsafeFixes ? { unsafeFixes: true } : {}),
  });
  const relativePath = project.root ? path.relative(project.root, path.resolve(file)).split(path.sep).join('/') : path.basename(file);
  const shown = file;
  const notebook = isNotebookPath(file);
  const limit = notebook ? MAX_NOTEBOOK_FILE_SIZE : DEFAULT_MAX_FILE_SIZE;
  let read: ReturnType<typeof readRegularFileAndStat>;
  try {
    read = readRegularFileAndStat(file, limit);
  } catch (err) {
    if (err instanceof UnreadableFileError && err.code === 'ETOOLARGE') {
      const size = err.size !== undefined ? `${(err.size / 1048576).toFixed(1)} MB` : 'it';
      errors.push({ file: shown, message: `not analysed: ${size} is above the ${mb(limit)} limit${notebook ? ' for a notebook file' : ''}` });
    } else if (err instanceof UnreadableFileError) errors.push({ file: shown, message: `not analysed: ${err.message}` });
    else errors.push({ file: shown, message: `cannot read: ${(err as Error).message}` });
    return { errors };
  }
  const { bytes: buffer, stat } = read;
  const tree = treeOf(file, opts.paths);
  const timeBudget = opts.timeBudgetMs ? { timeBudgetMs: opts.timeBudgetMs } : {};
  if (notebook && !isBinary(buffer)) {
    // Notebooks: size limit on the code cells (outputs may be large), findings per cell.
    try {
      const text = buffer.toString('utf8');
      const lossless = Buffer.from(text, 'utf8').equals(buffer);
      const nb = checkNotebookFile(shown, text, {
        config,
        relativePath,
        fix: opts.fix,
        maxCodeSize: DEFAULT_MAX_FILE_SIZE,
        ...timeBudget,
        write: (out) => (lossless ? writeFixedSource(file, tree, Buffer.from(out, 'utf8'), stat) : { skipped: 'not fixed: it is not valid UTF-8' }),
      });
      for (const message of nb.errors) errors.push({ file: shown, message });
      return { errors, ...(nb.report ? { report: nb.report } : {}), ...(nb.writeFailed ? { writeFailed: true } : {}) };
    } catch (err) {
      errors.push({ file: shown, message: `internal error: ${(err as Error).message}` });
      return { errors };
    }
  }
  if (isBinary(buffer)) {
    errors.push({ file: shown, message: 'not analysed: binary content (NUL bytes)' });
    return { errors };
  }
  const source = decodeSource(buffer);
  const text = source.text;
  try {
    if (opts.fix && !source.notWritable) {
      const result = fixAllText(text, { config, relativePath, unsafe: config.unsafeFixes, ...timeBudget });
      if (result.notFixed === 'syntax-errors') errors.push({ file: shown, message: 'not fixed: the file has syntax errors (fixes are applied only to files that parse)' });
      if (result.stoppedAfterRounds) {
        errors.push({ file: shown, message: `fixing stopped after ${result.stoppedAfterRounds} rounds with fixes left to apply: run --fix again` });
      }
      if (result.text === text) return { errors, report: { file: shown, findings: result.remaining, fixed: 0 } };
      const bytes = encodeSource(result.text, source);
      const outcome = typeof bytes === 'string' ? { skipped: `not fixed: ${bytes}` } : writeFixedSource(file, tree, bytes, stat);
      if (outcome.skipped || outcome.failed) {
        // Nothing was written: the findings are those of the file as it is.
        errors.push({ file: shown, message: (outcome.skipped ?? outcome.failed)! });
        return { errors, report: { file: shown, findings: result.initial }, ...(outcome.failed ? { writeFailed: true } : {}) };
      }
      return { errors, report: { file: shown, findings: result.remaining, fixed: result.applied.length } };
    }
    if (opts.fix) errors.push({ file: shown, message: `not fixed: ${source.notWritable}` });
    const result = analyzeText(text, { config, relativePath, ...timeBudget });
    result.dispose();
    for (const note of result.notes) errors.push({ file: shown, message: note });
    return { errors, report: { file: shown, findings: result.findings } };
  } catch (err) {
    errors.push({ file: shown, message: `internal error: ${(err as Error).message}` });
    return { errors };
  }
}
