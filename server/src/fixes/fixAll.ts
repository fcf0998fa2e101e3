// Applying fixes to a whole file: one fix at a time, re-analysing after each, like Ruff does, so
// fixes never overlap and each one sees the code the previous one produced. A file that does not
// parse is left alone (as Ruff does): error recovery can make a fix land somewhere else than meant.
import { analyzeText, type AnalyzeOptions } from '../analysis/analyze';
import { parsePython } from '../analysis/parser';
import { SourceText } from '../analysis/sourceText';
import type { Finding, Fix } from '../analysis/types';
import { applyEdits } from './edits';

export const DEFAULT_MAX_FIX_ROUNDS = 50;

export interface FixAllResult {
  text: string;
  /** Codes of the fixes applied, in order. */
  applied: string[];
  /** Findings left after fixing. */
  remaining: Finding[];
  /** Findings of the text as it was given (before any fix). */
  initial: Finding[];
  /** Why nothing was fixed although fixes were available: the text has syntax errors. */
  notFixed?: 'syntax-errors';
  /** Set when fixing stopped at the round limit with fixes still to apply: another run fixes more. */
  stoppedAfterRounds?: number;
}

export function applicableFix(finding: Finding, unsafe: boolean): Fix | undefined {
  return finding.fixes.find((f) => f.safety === 'safe' || unsafe);
}

/** Whether a text parses without syntax errors. */
export function parsesCleanly(text: string): boolean {
  const tree = parsePython(text);
  try {
    return !tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}

/** Applies every applicable fix (safe ones; unsafe ones too when `unsafe`), at most `maxRounds` times. */
export function fixAllText(text: string, options: AnalyzeOptions & { unsafe: boolean; maxRounds?: number }): FixAllResult {
  const applied: string[] = [];
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_FIX_ROUNDS;
  const skip = new Set<string>();
  let initial: Finding[] | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const analysis = analyzeText(text, options);
    const findings = analysis.findings;
    analysis.dispose();
    initial ??= findings;
    const target = findings.find((f) => !skip.has(key(f)) && applicableFix(f, options.unsafe));
    if (!target) return { text, applied, remaining: findings, initial };
    if (round === 0 && !parsesCleanly(text)) return { text, applied, remaining: findings, initial, notFixed: 'syntax-errors' };
    const fix = applicableFix(target, options.unsafe)!;
    const next = applyEdits(new SourceText(text), fix.edits);
    if (next === text) {
      skip.add(key(target));
      continue;
    }
    text = next;
    applied.push(target.code);
  }
  const last = analyzeText(text, options);
  last.dispose();
  const more = last.findings.some((f) => !skip.has(key(f)) && applicableFix(f, options.unsafe));
  return { text, applied, remaining: last.findings, initial: initial ?? last.findings, ...(more ? { stoppedAfterRounds: maxRounds } : {}) };
}

function key(f: Finding): string {
  return `${f.code}:${f.range.start.line}:${f.range.start.character}:${f.message}`;
}
