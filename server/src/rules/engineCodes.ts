// The codes the engine itself reports (not rules): suppression comments naming unknown codes,
// invalid configuration, files too large to analyse, and the per-file time budget running out.
// Their documentation is the doc comment above each, like a rule's (see rules/docs.ts).
import type { Severity } from '../analysis/types';

export interface EngineCode {
  readonly code: string;
  readonly name: string;
  readonly summary: string;
  readonly defaultSeverity: Severity;
  /** Where the engine reports it, for the docs page header. */
  readonly emittedBy: string;
}

function engineCode(code: EngineCode): EngineCode {
  return code;
}

export const unknownSuppressionCode = engineCode({
  code: 'GML001',
  name: 'unknown-suppression-code',
  summary: 'A suppression comment names a rule code that does not exist.',
  defaultSeverity: 'warning',
  emittedBy: 'the engine, in every Python file',
});

export const invalidConfiguration = engineCode({
  code: 'GML002',
  name: 'invalid-configuration',
  summary: '`[tool.greenml]` in pyproject.toml is invalid TOML or has unknown keys or values.',
  defaultSeverity: 'error',
  emittedBy: 'the engine, on `pyproject.toml`',
});

export const fileNotAnalysed = engineCode({
  code: 'GML003',
  name: 'file-not-analysed',
  summary: 'A file larger than `greenml.maxFileSize` is not analysed.',
  defaultSeverity: 'information',
  emittedBy: 'the language server (the CLI prints a note on stderr)',
});

export const analysisTimeBudget = engineCode({
  code: 'GML004',
  name: 'analysis-time-budget',
  summary: 'The per-file analysis time budget (`greenml.analysisTimeBudgetMs`) ran out before every rule had run.',
  defaultSeverity: 'information',
  emittedBy: 'the engine, in every Python file and notebook (language server and `greenml check`)',
});

export const ENGINE_CODES: readonly EngineCode[] = [unknownSuppressionCode, invalidConfiguration, fileNotAnalysed, analysisTimeBudget];
