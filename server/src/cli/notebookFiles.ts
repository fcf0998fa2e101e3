// `greenml check` on .ipynb files: the code cells analysed as one program (notebooks/cells.ts),
// findings reported per cell, and --fix writing the cell sources back into the notebook's JSON.
import * as fs from 'node:fs';
import type { EffectiveConfig } from '../config/settings';
import { analyzeNotebook, fixNotebook, type CellFinding } from '../notebooks/cells';
import { NotebookFormatError, parseIpynb, rewriteIpynb } from '../notebooks/ipynb';
import type { FileReport } from './check';

export interface NotebookCheckOptions {
  config: EffectiveConfig;
  relativePath: string;
  fix: boolean;
  maxCodeSize: number;
  /** Per-file analysis budget in ms (default 2000). */
  timeBudgetMs?: number;
}

export function isNotebookPath(file: string): boolean {
  return file.toLowerCase().endsWith('.ipynb');
}

/** Checks (and with `fix`, fixes in place) one notebook; problems come back as messages, never thrown. */
export function checkNotebookFile(file: string, shown: string, text: string, opts: NotebookCheckOptions): { report?: FileReport; errors: string[] } {
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
  if (opts.fix) {
    const fixed = fixNotebook(nb.cells, { ...analyzeOptions, unsafe: opts.config.unsafeFixes });
    const texts = new Map(fixed.cells.map((c, i) => [i, c.text] as const));
    const out = rewriteIpynb(nb, texts);
    if (out !== text) fs.writeFileSync(file, out);
    return { report: toReport(shown, fixed.remaining, fixed.applied.length), errors: [] };
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
