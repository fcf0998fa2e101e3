// The rule runner: semantic model → enabled rules → findings, minus suppressed ones, within a time budget.
import { collectSuppressions, isSuppressed } from '../config/suppressions';
import { effectiveConfig, type EffectiveConfig } from '../config/settings';
import { RULES, isKnownCode } from '../rules/registry';
import type { Report, Rule, RuleContext } from '../rules/rule';
import { nodeRange } from '../fixes/edits';
import { parsePython, type Node, type Tree } from './parser';
import { AnalysisTimeout, SemanticModel } from './semantic';
import { SourceText } from './sourceText';
import type { Finding, Range } from './types';

export interface AnalyzeOptions {
  config?: EffectiveConfig;
  /** Path relative to the project root, for per-file-ignores. */
  relativePath?: string;
  /** Rules stop being run once this many milliseconds have passed (default 2000). */
  timeBudgetMs?: number;
  rules?: readonly Rule[];
}

export interface AnalysisResult {
  findings: Finding[];
  model: SemanticModel;
  source: SourceText;
  /** Things the user should know that are not findings: a rule that failed, the time budget running out. */
  notes: string[];
}

export const UNKNOWN_SUPPRESSION_CODE = 'GML001';

export function analyzeTree(tree: Tree, source: SourceText, options: AnalyzeOptions = {}): AnalysisResult {
  const started = performance.now();
  const config = options.config ?? effectiveConfig(undefined, undefined);
  const budget = options.timeBudgetMs ?? 2000;
  const model = new SemanticModel(tree);
  // Rules are stopped mid-way too: model queries throw AnalysisTimeout once the budget is spent.
  model.deadline = started + budget;
  const findings: Finding[] = [];
  const notes: string[] = [];
  const suppressions = collectSuppressions(model.comments);

  for (const rule of options.rules ?? RULES) {
    if (!config.isEnabled(rule.code, options.relativePath)) continue;
    if (!model.importsAny(rule.requires)) continue;
    if (performance.now() - started > budget) {
      notes.push(`Analysis stopped after ${budget} ms before ${rule.code} (${rule.name}); later rules were not run on this file.`);
      break;
    }
    const severity = config.severityOf(rule.code, rule.defaultSeverity);
    const context: RuleContext = {
      model,
      source,
      options: config.fixOptions,
      report(report: Report) {
        const range = report.range ?? (report.node ? nodeRange(report.node) : undefined);
        if (!range) throw new Error(`${rule.code} reported without a node or range`);
        if (isSuppressed(suppressions, rule.code, range) || isSuppressed(suppressions, rule.code, logicalLineRange(model, report.node, range))) return;
        const fixes = (report.fixes ?? []).filter((f) => f.edits.length > 0);
        findings.push({ code: rule.code, name: rule.name, range, message: report.message, severity, fixes });
      },
    };
    try {
      rule.check(context);
    } catch (err) {
      if (err instanceof AnalysisTimeout) {
        notes.push(`Analysis stopped after ${budget} ms in ${rule.code} (${rule.name}); it and later rules did not finish on this file.`);
        break;
      }
      notes.push(`${rule.code} (${rule.name}) failed on this file: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // The model outlives the analysis (code actions): later queries are not bounded.
  model.deadline = undefined;

  if (config.isEnabled(UNKNOWN_SUPPRESSION_CODE, options.relativePath)) {
    for (const m of suppressions.mentioned) {
      if (!isKnownCode(m.code) && !isSuppressed(suppressions, UNKNOWN_SUPPRESSION_CODE, m.range)) {
        findings.push({
          code: UNKNOWN_SUPPRESSION_CODE,
          name: 'unknown-suppression-code',
          range: m.range,
          message: `Unknown rule code ${m.code} in a suppression comment: it suppresses nothing.`,
          severity: config.severityOf(UNKNOWN_SUPPRESSION_CODE, 'warning'),
          fixes: [],
        });
      }
    }
  }

  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
  return { findings, model, source, notes };
}

const COMPOUND_STATEMENTS = new Set([
  'if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement',
  'function_definition', 'class_definition', 'decorated_definition', 'elif_clause', 'else_clause', 'except_clause', 'finally_clause', 'case_clause',
]);

/**
 * The finding's range stretched to the end of its logical line: the simple statement around it, or
 * the header of the compound statement it sits in. A suppression comment after the closing
 * parenthesis of a multi-line call then applies to a finding on the call's first line.
 */
function logicalLineRange(model: SemanticModel, node: Node | undefined, range: Range): Range {
  let n: Node | null = node ?? model.root.descendantForPosition({ row: range.start.line, column: range.start.character });
  if (!n) return range;
  while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module' && !COMPOUND_STATEMENTS.has(n.parent.type)) n = n.parent;
  if (COMPOUND_STATEMENTS.has(n.type) || n.type === 'module' || n.type === 'block') return range;
  return n.endPosition.row > range.end.line ? { start: range.start, end: { line: n.endPosition.row, character: n.endPosition.column } } : range;
}

/** Parses and analyses a text in one go (CLI, tests). The caller owns nothing: the tree lives as long as the result. */
export function analyzeText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  return analyzeTree(parsePython(text), new SourceText(text), options);
}
