// What a rule is: its identity and documentation (Ruff's anatomy), and a check over a semantic model.
import type { Node } from '../analysis/parser';
import type { SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { Fix, FixSafety, Range, Severity } from '../analysis/types';

export const DOCS_BASE_URL = 'https://github.com/greenml/greenml/blob/main/docs/rules/';

export function ruleDocsUrl(code: string): string {
  return `${DOCS_BASE_URL}${code}.md`;
}

/** Options that shape fixes, from `[tool.greenml]` / editor settings. */
export interface FixOptions {
  /** Device the fixes target when the script does not say: cuda, cpu or mps. Undefined: inferred per script. */
  targetDevice?: 'cuda' | 'cpu' | 'mps';
  /** Reduced-precision dtype fixes insert. */
  preferDtype: 'bf16' | 'fp16';
}

export interface Report {
  /** The node the diagnostic points at (or give `range`). */
  node?: Node;
  range?: Range;
  message: string;
  fixes?: Fix[];
}

export interface RuleContext {
  readonly model: SemanticModel;
  readonly source: SourceText;
  readonly options: FixOptions;
  report(report: Report): void;
}

export interface Rule {
  /** `GML101` */
  readonly code: string;
  /** Kebab-case name of the bad pattern: `fp32-training-loop`. */
  readonly name: string;
  /** One line for tables and hovers. */
  readonly summary: string;
  readonly defaultSeverity: Severity;
  /** Top-level packages of which at least one must be imported for the rule to run. */
  readonly requires: readonly string[];
  /** Safety of the fix the rule offers, or 'none' when it offers none. */
  readonly fixSafety: FixSafety | 'none';
  check(context: RuleContext): void;
}
