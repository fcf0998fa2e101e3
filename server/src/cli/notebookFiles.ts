// `greenml check` on .ipynb files: the code cells analysed as one program (notebooks/cells.ts),
// findings reported per cell, and --fix writing the cell sources back into the notebook's JSON
// (through the caller's `write`, which writes atomically where it may).
import type { EffectiveConfig } from '../config/settings';
import { analyzeNotebook, fixNotebook, type CellFinding } from '../notebooks/cells';
import { NotebookFormatError, parseIpynb, rewriteIpynb } from '../notebooks/ipynb';
import type { FileReport } from './check';
import type { WriteOutcome } from './sourceFiles';

export interface NotebookCheckOptions {
  config: EffectiveConfig;
  relativePath: string;
  fix: boolean;
  maxCodeSize: number;
  /** Per-file analysis budget in ms (default 2000). */
  timeBudgetMs?: number;
  /** Writes the fixed notebook JSON; says whether it was skipped or failed. */
  write: (text: string) => WriteOutcome;
}

export function isNotebookPath(file: string): boolean {
  return file.toLowerCase().endsWith('.ipynb');
}

/** Checks (and with `fix`, fixes in place) one notebook; problems come back as messages, never thrown. */
export function checkNotebookFile(shown: string, text: string, opts: NotebookCheckOptions): { report?: FileReport; errors: string[]; writeFailed?: boolean } {
  let nb;
  try {
    nb = parseIpynb(text);
  } catch (err) {
    if (err instanceof NotebookFormatError) return { errors: [`not analysed: ${err.message}`] };
    throw err;
  }
  if (nb.language && nb.language.toLowerCase() !== 'python') return { errors: [`not analysed: the notebook kernel language is ${nb.language}, not Python`] };
  const code = nb.cells.filter((c) => c.kind === 'code').reduce((n, c) => n + c.text.length, 0);
  if (code > opts.maxCodeSize) return { errors: [`not analysed: its code cells hold ${(code / 1048576).toFixed(1)} MB, above the ${opts.maxCodeSize / 1048576} MB limit`] };
  const analyzeOptions = { config: opts.config, relativePath: opts.relativePath, ...(opts.timeBudgetMs ? { timeBudgetMs: opts.timeBudgetMs } : {}) };
  const findingsAsIs = () => {
    const analysis = analyzeNotebook(nb.cells, analyzeOptions);
    analysis.dispose();
    return analysis.findings;
  };
  if (opts.fix) {
    const fixed = fixNotebook(nb.cells, { ...analyzeOptions, unsafe: opts.config.unsafeFixes });
    // As for a .py file: a notebook whose code does not parse is left as it is.
    if (fixed.notFixed === 'syntax-errors') {
      return { report: toReport(shown, fixed.remaining), errors: ['not fixed: its code cells have syntax errors (fixes are applied only to code that parses)'] };
    }
    const notes = fixed.stoppedAfterRounds ? [`fixing stopped after ${fixed.stoppedAfterRounds} rounds with fixes left to apply: run --fix again`] : [];
    const out = rewriteIpynb(nb, new Map(fixed.cells.map((c, i) => [i, c.text] as const)));
    const outcome = fixed.applied.length === 0 || out === text ? {} : opts.write(out);
    if (outcome.skipped || outcome.failed) {
      return { report: toReport(shown, findingsAsIs()), errors: [(outcome.skipped ?? outcome.failed)!], ...(outcome.failed ? { writeFailed: true } : {}) };
    }
    return { report: toReport(shown, fixed.remaining, out === text ? 0 : fixed.applied.length), errors: notes };
  }
  const analysis = analyzeNotebook(nb.cells, analyzeOptions);
  analysis.dispose();
  return { report: toReport(shown, analysis.findings), errors: analysis.result.notes };
}

function toReport(file: string, findings: CellFinding[], fixed?: number): FileReport {
  return {
    file,
    findings: findings.map((f) => f.finding),
    cells: findings.map((f) => f.cell + 1),
    ...(fixed !== undefined ? { fixed } : {}),
  };
}
