// Applying fixes to a whole file: one fix at a time, re-analysing after each, like Ruff does, so
// fixes never overlap and each one sees the code the previous one produced.
import { analyzeText, type AnalyzeOptions } from '../analysis/analyze';
import { SourceText } from '../analysis/sourceText';
import type { Finding, Fix } from '../analysis/types';
import { applyEdits } from './edits';

export interface FixAllResult {
  text: string;
  /** Codes of the fixes applied, in order. */
  applied: string[];
  /** Findings left after fixing. */
  remaining: Finding[];
}

export function applicableFix(finding: Finding, unsafe: boolean): Fix | undefined {
  return finding.fixes.find((f) => f.safety === 'safe' || unsafe);
}

/** Applies every applicable fix (safe ones; unsafe ones too when `unsafe`), at most `maxRounds` times. */
export function fixAllText(text: string, options: AnalyzeOptions & { unsafe: boolean; maxRounds?: number }): FixAllResult {
  const applied: string[] = [];
  const maxRounds = options.maxRounds ?? 50;
  const skip = new Set<string>();
  for (let round = 0; round < maxRounds; round++) {
    const analysis = analyzeText(text, options);
    const findings = analysis.findings;
    analysis.dispose();
    const target = findings.find((f) => !skip.has(key(f)) && applicableFix(f, options.unsafe));
    if (!target) return { text, applied, remaining: findings };
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
  return { text, applied, remaining: last.findings };
}

function key(f: Finding): string {
  return `${f.code}:${f.range.start.line}:${f.range.start.character}:${f.message}`;
}
