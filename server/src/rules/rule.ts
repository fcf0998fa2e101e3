// What a rule is (Ruff's anatomy: code, name of the bad pattern, summary, fix safety, docs), and
// the one context it checks a file through. A rule asks the semantic model about the file, iterates
// the sites it may report on, reads the file-level facts it declares, and reports findings. How the
// analysis is kept up to date as the user types lives below this API and never reaches a rule.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { SourceText } from '../analysis/sourceText';
import type { FixSafety, Range, Severity, TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { rulesDocsBaseUrl } from '../docsLocation';

// The rule pages shipped with the package, as file URLs: they open offline (see docsLocation.ts).
export const DOCS_BASE_URL = rulesDocsBaseUrl();

export function ruleDocsUrl(code: string): string {
  return `${DOCS_BASE_URL}${code}.md`;
}

/** Options that shape findings and fixes, from `[tool.greenml]` / editor settings. */
export interface FixOptions {
  /** Device the fixes target when the script does not say: cuda, cpu or mps. Undefined: inferred per script. */
  targetDevice?: 'cuda' | 'cpu' | 'mps';
  /** Reduced-precision dtype fixes insert. */
  preferDtype: 'bf16' | 'fp16';
  /**
   * Exhaustive searches whose literal number of fits is below this are not reported (GML201,
   * GML202, GML204); a count that is not literal is reported as before. Undefined: the default, 20.
   */
  gridSearchMinFits?: number;
}

/**
 * The sites a rule reports on: the calls, loops, statements and names of the code being checked,
 * each list in document order.
 */
export interface Sites {
  /** Calls spelled with this last name (`fit` finds `model.fit(…)` and `fit(…)`). */
  callsNamed(name: string): CallSite[];
  /** Calls whose callee resolves to one of these qualified names (through imports and aliases). */
  callsTo(qualifiedNames: Iterable<string>): CallSite[];
  /** Calls whose qualified name is `prefix` or lies under it (`torch.cuda` finds `torch.cuda.synchronize()`), without resolving other calls. */
  callsUnder(prefix: string): CallSite[];
  /** String literals whose text spells this word as a whole word (`"cuda:0"` spells `cuda`). */
  strings(word: string): Node[];
  /** Every call (resolving each call's name costs: prefer the queries above). */
  calls(): CallSite[];
  /** Identifiers spelled `name`. */
  identifiers(name: string): Node[];
  /** Nodes of one tree-sitter type (`string`, …). */
  nodesOfType(type: string): Node[];
  withStatements(): Node[];
  functionDefinitions(): Node[];
  classDefinitions(): Node[];
  /** `for` loops, then `while` loops. */
  loops(): Node[];
}

/** What a fact is computed from: the file, and the sites of the part of the file it is computed for. */
export interface FactContext {
  readonly model: Semantic;
  readonly sites: Sites;
}

/**
 * A file-level fact a rule needs beside its sites ("is a mixed-precision policy set anywhere?"): a
 * rule declares it in its metadata and reads its value from `context.facts`. `compute` must use only
 * the context it is given (its sites are a part of the file, whose values are combined).
 */
export type Fact = { kind: 'any'; compute(context: FactContext): boolean } | { kind: 'nodes'; compute(context: FactContext): Node[] };

export const fact = {
  /** Whether something holds anywhere in the file. */
  any: (compute: (context: FactContext) => boolean): Fact & { kind: 'any' } => ({ kind: 'any', compute }),
  /** The nodes found anywhere in the file, in document order. */
  nodes: (compute: (context: FactContext) => Node[]): Fact & { kind: 'nodes' } => ({ kind: 'nodes', compute }),
};

export type Facts = Record<string, Fact>;

/** The values of a rule's declared facts. */
export type FactValues<F extends Facts> = { readonly [K in keyof F]: F[K] extends { kind: 'any' } ? boolean : Node[] };

export interface ReportedFix {
  /** States the remedy; " (unsafe)" is added for unsafe fixes. */
  title: string;
  edits: TextEdit[];
  /** Defaults to the rule's declared fix safety. */
  safety?: FixSafety;
}

export interface Report {
  /** The node the diagnostic points at (or give `range`). */
  node?: Node;
  range?: Range;
  message: string;
  /** Overrides the rule's default severity for this finding (information where the waste is less certain). */
  severity?: Severity;
  fixes?: ReportedFix[];
}

export interface RuleContext<F extends Facts = Facts> {
  /** The file: names, bindings, calls, structure and values. */
  readonly model: Semantic;
  /** The sites this check reports on. */
  readonly sites: Sites;
  /** The rule's declared facts. */
  readonly facts: FactValues<F>;
  readonly source: SourceText;
  readonly options: FixOptions;
  /** Fix edits in the file's own layout, and imports added once (see fixes/edits.ts). */
  readonly edits: Edits;
  report(report: Report): void;
}

/**
 * A rule. Its documentation is the doc comment above its definition, with the sections What it
 * flags, Why (with figures and their sources), Example, Fixed example, Fix safety and References
 * (and Measured here, where we measured it): docs/rules/<code>.md and the README's rule table are
 * generated from it and from these fields (`npm run docs`; rules/docs.ts).
 */
export interface RuleSpec<F extends Facts> {
  /** `GML101` */
  readonly code: string;
  /** Kebab-case name of the bad pattern: `fp32-training-loop`. */
  readonly name: string;
  /** One line for tables and hovers. */
  readonly summary: string;
  readonly defaultSeverity: Severity;
  /** Top-level packages of which at least one must be imported for the rule to run. */
  readonly frameworks: readonly string[];
  /** Safety of the fixes the rule offers, or 'none' when it offers none. */
  readonly fixSafety: FixSafety | 'none';
  /** Selected only when named in `select` / `extend-select` (not by `ALL` or a prefix). */
  readonly optIn?: boolean;
  readonly facts?: F;
  check(context: RuleContext<F>): void;
}

export interface Rule extends RuleSpec<Facts> {
  readonly facts: Facts;
}

/** Declares a rule; its facts get ids from its code. */
export function defineRule<F extends Facts = Record<never, Fact>>(spec: RuleSpec<F>): Rule {
  return { ...spec, facts: spec.facts ?? {} } as unknown as Rule;
}
