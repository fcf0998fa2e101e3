// The rule runner: semantic model → enabled rules → findings, minus suppressed ones, within a time budget.
import { collectSuppressions, isSuppressed, type Suppressions } from '../config/suppressions';
import { effectiveConfig, type EffectiveConfig } from '../config/settings';
import { RULES, isKnownCode } from '../rules/registry';
import { analysisTimeBudget, fileNotAnalysed, unknownSuppressionCode } from '../rules/engineCodes';
import type { Report, Rule } from '../rules/rule';
import { contextFor } from '../rules/context';
import { nodeRange } from '../fixes/edits';
import { AnalysisTimeout } from './model/recorder';
import { SemanticModel } from './model/model';
import { parsePython, refusalOf, type Node, type Tree } from './parser';
import { SourceText } from './sourceText';
import type { Finding, Range } from './types';

export interface AnalyzeOptions {
  config?: EffectiveConfig;
  /** Path relative to the project root, for per-file-ignores. */
  relativePath?: string;
  /** Rules stop being run once this many milliseconds have passed (default: the configuration's budget, 2000 unless set). */
  timeBudgetMs?: number;
  rules?: readonly Rule[];
}

export interface AnalysisResult {
  findings: Finding[];
  model: SemanticModel;
  source: SourceText;
  /**
   * Things for the log, not the file: a rule that failed; the time budget running out when GML004
   * is turned off or suppressed (otherwise that is a GML004 finding).
   */
  notes: string[];
  /**
   * Frees the parse tree when the result owns it (analyzeText); a no-op for analyzeTree, whose caller
   * owns the tree. The tree lives in the parser's wasm heap, which no garbage collector frees. After
   * this, `model` must not be used; findings, fixes and notes are plain data and stay valid.
   */
  dispose(): void;
}

export function analyzeTree(tree: Tree | readonly Tree[], source: SourceText, options: AnalyzeOptions = {}): AnalysisResult {
  const started = performance.now();
  const config = options.config ?? effectiveConfig(undefined, undefined);
  const budget = options.timeBudgetMs ?? config.timeBudgetMs;
  // The model builds each of its indexes on first use (see SemanticModel): a rule runs only on a file
  // that imports one of its packages, which needs the imports alone, and suppression comments are
  // read only when the text contains `noqa` or `greenml`.
  let builtModel: SemanticModel | undefined;
  const modelOf = (): SemanticModel => (builtModel ??= new SemanticModel(tree, { text: source.text }));
  const run = runRules(modelOf, source, { config, budget, started, relativePath: options.relativePath, rules: options.rules });
  return {
    findings: finishFindings(run.raw, run, source, modelOf, config, options.relativePath, options.rules),
    source,
    notes: run.notes,
    get model() {
      return modelOf();
    },
    dispose() {},
  };
}

/** A finding before suppression comments are applied, with the ranges a comment can suppress it on. */
export interface RawFinding {
  finding: Finding;
  /** The finding's range and its logical line (see logicalLineRange). */
  suppressible: Range[];
}

export interface RuleRun {
  raw: RawFinding[];
  notes: string[];
  /** Where the budget ran out: the rule not started (`before`) or not finished. */
  stopped?: { index: number; before: boolean };
  budget: number;
}

export interface RunOptions {
  config: EffectiveConfig;
  budget: number;
  started: number;
  relativePath?: string;
  rules?: readonly Rule[];
  /** Only the rules at these indexes of the list run (an incremental analysis running some again). */
  only?: ReadonlySet<number>;
  /**
   * Called before an enabled rule is looked at (its package check included), with its index: an
   * incremental analysis records what each rule reads apart.
   */
  beforeRule?: (index: number) => void;
}

/** Runs the enabled rules over a model (made on first need), within the time budget. */
export function runRules(modelOf: () => SemanticModel, source: SourceText, options: RunOptions): RuleRun {
  const { config, budget, started } = options;
  const raw: RawFinding[] = [];
  const notes: string[] = [];
  const rules = options.rules ?? RULES;
  let stopped: RuleRun['stopped'];
  let model: SemanticModel | undefined;
  for (const [index, rule] of rules.entries()) {
    if (options.only && !options.only.has(index)) continue;
    if (!config.isEnabled(rule.code, options.relativePath, rule.optIn)) continue;
    if (!model) {
      model = modelOf();
      // Rules are stopped mid-way too: model queries throw AnalysisTimeout once the budget is spent.
      model.deadline = started + budget;
    }
    options.beforeRule?.(index);
    const current = model;
    let imported: boolean;
    try {
      imported = current.importsAny(rule.frameworks);
    } catch (err) {
      // Finding the imports is model work too, bounded by the same deadline.
      if (!(err instanceof AnalysisTimeout)) throw err;
      stopped = { index, before: true };
      break;
    }
    if (!imported) continue;
    if (performance.now() - started > budget) {
      stopped = { index, before: true };
      break;
    }
    const report = (report: Report) => {
      const range = report.range ?? (report.node ? nodeRange(report.node) : undefined);
      if (!range) throw new Error(`${rule.code} reported without a node or range`);
      const severity = config.severityOf(rule.code, report.severity ?? rule.defaultSeverity);
      const fixes = (report.fixes ?? [])
        .filter((f) => f.edits.length > 0)
        .map((f) => {
          const safety = f.safety ?? (rule.fixSafety === 'none' ? 'unsafe' : rule.fixSafety);
          return { title: safety === 'unsafe' ? `${f.title} (unsafe)` : f.title, safety, edits: f.edits };
        });
      // Fix text is written with the file's newline style.
      if (fixes.length) current.readLayout('eol');
      raw.push({
        finding: { code: rule.code, name: rule.name, range, message: report.message, severity, fixes },
        suppressible: [range, logicalLineRange(current, source, report.node, range)],
      });
    };
    const context = contextFor(rule, current, source, config.fixOptions, report);
    try {
      rule.check(context);
    } catch (err) {
      if (err instanceof AnalysisTimeout) {
        stopped = { index, before: false };
        break;
      }
      notes.push(`${rule.code} (${rule.name}) failed on this file: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // The model outlives the analysis (code actions): later queries are not bounded.
  if (model) model.deadline = undefined;
  return { raw, notes, stopped, budget };
}

/**
 * The findings of a run: suppression comments applied, GML004 when the budget ran out, GML001 for
 * unknown codes in suppression comments, in document order.
 */
export function finishFindings(
  raw: readonly RawFinding[],
  run: Pick<RuleRun, 'stopped' | 'notes' | 'budget'>,
  source: SourceText,
  modelOf: () => SemanticModel,
  config: EffectiveConfig,
  relativePath: string | undefined,
  ruleList?: readonly Rule[],
): Finding[] {
  const suppressions = mayHoldSuppressions(source.text) ? collectSuppressions(modelOf().suppressionComments((offset) => source.positionAt(offset))) : NO_SUPPRESSIONS;
  const findings = raw.filter((r) => !r.suppressible.some((range) => isSuppressed(suppressions, r.finding.code, range))).map((r) => r.finding);
  const rules = ruleList ?? RULES;
  const { stopped, budget, notes } = run;
  if (stopped) {
    const rule = rules[stopped.index];
    const later = rules.slice(stopped.index + 1).filter((r) => config.isEnabled(r.code, relativePath, r.optIn) && modelOf().importsAny(r.frameworks));
    const range: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: source.lineText(0).length } };
    const budgetCode = analysisTimeBudget.code;
    if (config.isEnabled(budgetCode, relativePath) && !isSuppressed(suppressions, budgetCode, range)) {
      const notRun = [rule, ...later].map((r) => r.code).join(', ');
      findings.push({
        code: budgetCode,
        name: analysisTimeBudget.name,
        range,
        message:
          `Green ML stopped analysing this file when its ${budget} ms time budget ran out, ${stopped.before ? 'before' : 'during'} ${rule.code} (${rule.name}); ` +
          `rules not run to completion: ${notRun}. Their findings may be missing: raise the budget (analysis-time-budget-ms in [tool.greenml], greenml.analysisTimeBudgetMs in the editor, --time-budget-ms for greenml check) to analyse the whole file.`,
        severity: config.severityOf(budgetCode, analysisTimeBudget.defaultSeverity),
        fixes: [],
      });
    } else if (stopped.before) notes.push(`Analysis stopped after ${budget} ms before ${rule.code} (${rule.name}); later rules were not run on this file.`);
    else notes.push(`Analysis stopped after ${budget} ms in ${rule.code} (${rule.name}); it and later rules did not finish on this file.`);
  }

  const notAnalysed = notAnalysedFinding(modelOf().trees, source, config, relativePath);
  if (notAnalysed) findings.push(notAnalysed);

  const unknownCode = unknownSuppressionCode.code;
  if (config.isEnabled(unknownCode, relativePath)) {
    for (const m of suppressions.mentioned) {
      if (!isKnownCode(m.code) && !isSuppressed(suppressions, unknownCode, m.range)) {
        findings.push({
          code: unknownCode,
          name: unknownSuppressionCode.name,
          range: m.range,
          message: `Unknown rule code ${m.code} in a suppression comment: it suppresses nothing.`,
          severity: config.severityOf(unknownCode, unknownSuppressionCode.defaultSeverity),
          fixes: [],
        });
      }
    }
  }

  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
  return findings;
}

/** GML003 on the first line when the parser was not given the text (see parseGuard): nothing else in it was analysed. */
function notAnalysedFinding(trees: readonly Tree[], source: SourceText, config: EffectiveConfig, relativePath: string | undefined): Finding | undefined {
  if (!config.isEnabled(fileNotAnalysed.code, relativePath)) return undefined;
  for (const tree of trees) {
    const refusal = refusalOf(tree);
    if (!refusal) continue;
    return {
      code: fileNotAnalysed.code,
      name: fileNotAnalysed.name,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: source.lineText(0).length } },
      message: `Green ML did not analyse this file: ${refusal}.`,
      severity: config.severityOf(fileNotAnalysed.code, fileNotAnalysed.defaultSeverity),
      fixes: [],
    };
  }
  return undefined;
}

const NO_SUPPRESSIONS: Suppressions = { lines: new Map(), fileCodes: new Set(), mentioned: [] };

/** Whether a text can hold a suppression comment (`# noqa…`, `# greenml: …`, any letter case). */
function mayHoldSuppressions(text: string): boolean {
  return /noqa|greenml/i.test(text);
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
function logicalLineRange(model: SemanticModel, source: SourceText, node: Node | undefined, range: Range): Range {
  let n: Node | null = node ?? model.nodeAt(source.offsetAt(range.start));
  if (!n) return range;
  // The model's parents, remembered between findings: tree-sitter's own `parent` walks down from the
  // root each time, which for many findings deep in one expression is findings × depth² steps. The
  // climb is rule work, bounded by the time budget like the model's queries.
  for (let parent = model.parentOf(n); parent && parent.type !== 'block' && parent.type !== 'module' && !COMPOUND_STATEMENTS.has(parent.type); parent = model.parentOf(n)) {
    model.recorder.checkDeadline();
    n = parent;
  }
  if (COMPOUND_STATEMENTS.has(n.type) || n.type === 'module' || n.type === 'block') return range;
  return n.endPosition.row > range.end.line ? { start: range.start, end: { line: n.endPosition.row, character: n.endPosition.column } } : range;
}

/** Parses and analyses a text in one go (CLI, tests). The result owns the tree: `dispose()` frees it. */
export function analyzeText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  const tree = parsePython(text);
  const result = analyzeTree(tree, new SourceText(text), options);
  let disposed = false;
  result.dispose = () => {
    if (!disposed) tree.delete();
    disposed = true;
  };
  return result;
}
