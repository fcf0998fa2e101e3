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

/**
 * ## What it flags
 *
 * A suppression comment that names a Green ML code that does not exist:
 *
 * | comment | reported |
 * |---|---|
 * | `# noqa: GML999` | `GML999` |
 * | `# greenml: ignore[GML2O1]` (letter O instead of zero) | `GML2O1` |
 * | `# greenml: file-ignore[GML10]` | `GML10` |
 *
 * Only codes that start with `GML` are checked; codes of other tools in the same comment
 * (`# noqa: E501, GML201`) are left alone, so a shared `noqa` comment keeps working for flake8
 * and Ruff. The diagnostic points at the unknown code inside the comment.
 *
 * ## Why
 *
 * A suppression with a mistyped code suppresses nothing, silently: the author believes a finding
 * is acknowledged while it is still reported (or, worse, believes a check is off when it never
 * was). Reporting the typo at the place it was written is the only way to notice it. Ruff reports
 * unused and unknown `noqa` codes for the same reason (`RUF100`, unused-noqa).
 *
 * ## Example
 *
 * ```python
 * from sklearn.model_selection import GridSearchCV
 *
 * search = GridSearchCV(model, grid, cv=5)  # noqa: GML210
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from sklearn.model_selection import GridSearchCV
 *
 * search = GridSearchCV(model, grid, cv=5)  # noqa: GML201
 * ```
 *
 * ## Fix safety
 *
 * No automatic fix: the engine cannot know which code was meant. Correct the code, or delete the
 * comment if nothing needs suppressing. GML001 can itself be turned off like any rule
 * (`ignore = ["GML001"]` in `[tool.greenml]`, `--ignore GML001` on the command line) or silenced on
 * a line with `# greenml: ignore[GML001]`.
 *
 * ## References
 *
 * - Green ML suppression syntax: `# noqa: CODE`, `# greenml: ignore[CODE]`,
 *   `# greenml: file-ignore[CODE]` (see the project README and DESIGN §3).
 * - Ruff, *Error suppression* (`noqa` comments and the detection of unused or unknown codes):
 *   https://docs.astral.sh/ruff/linter/#error-suppression
 */
export const unknownSuppressionCode = engineCode({
  code: 'GML001',
  name: 'unknown-suppression-code',
  summary: 'A suppression comment names a rule code that does not exist.',
  defaultSeverity: 'warning',
  emittedBy: 'the engine, in every Python file',
});

/**
 * ## What it flags
 *
 * A `pyproject.toml` whose `[tool.greenml]` table cannot be used as written. Each problem is one
 * diagnostic on the line it comes from:
 *
 * - the file is not valid TOML (an unterminated array, a duplicate key, a missing `]`…) — one
 *   diagnostic at the position the TOML parser stopped;
 * - an unknown key in `[tool.greenml]` (e.g. `selectt`); the known keys are `select`, `ignore`,
 *   `extend-select`, `per-file-ignores`, `unsafe-fixes`, `severity`, `target-device`,
 *   `prefer-dtype`, `grid-search-min-fits` and `analysis-time-budget-ms`;
 * - a value of the wrong type or outside its set: `select = "GML1"` instead of a list,
 *   `unsafe-fixes = "yes"`, `target-device = "tpu"`, `severity.GML201 = "fatal"`,
 *   `grid-search-min-fits = 0`, a rule code
 *   that is not a Green ML code or prefix in a code list.
 *
 * In the editor the diagnostic appears on `pyproject.toml` itself; `greenml check` prints it on
 * stderr as `greenml: pyproject.toml: <message> (line N)`.
 *
 * ## Why
 *
 * Configuration that is silently ignored is worse than none: a team that wrote
 * `ignore = ["GML201"]` with a typo in the key would keep seeing findings with no explanation, and a
 * mistyped `select` could hide every rule. So every problem is reported where it was written, and
 * nothing else changes: with invalid TOML the whole table falls back to the defaults (all rules,
 * their default severities, no unsafe fixes, bf16); with a bad key or value only that key is
 * dropped and the valid keys still apply. Nothing crashes and analysis of Python files goes on.
 *
 * ## Example
 *
 * ```toml
 * [tool.greenml]
 * selectt = ["GML1"]
 * unsafe-fixes = "yes"
 * ignore = ["GML201"
 * ```
 *
 * ## Fixed example
 *
 * ```toml
 * [tool.greenml]
 * select = ["GML1"]
 * unsafe-fixes = true
 * ignore = ["GML201"]
 * ```
 *
 * ## Fix safety
 *
 * No automatic fix: the intended value cannot be inferred. The message names the key, the accepted
 * values and, for unknown keys, the list of known keys.
 *
 * ## References
 *
 * - TOML v1.0.0 specification: https://toml.io/en/v1.0.0
 * - PEP 518, the `[tool]` table of `pyproject.toml`: https://peps.python.org/pep-0518/#tool-table
 * - Green ML configuration keys: DESIGN §3 and the `greenml.*` settings in the extension manifest.
 */
export const invalidConfiguration = engineCode({
  code: 'GML002',
  name: 'invalid-configuration',
  summary: '`[tool.greenml]` in pyproject.toml is invalid TOML or has unknown keys or values.',
  defaultSeverity: 'error',
  emittedBy: 'the engine, on `pyproject.toml`',
});

/**
 * ## What it flags
 *
 * A Python file (or notebook) that Green ML did not analyse, for one of two reasons:
 *
 * - **It is larger than the analysis size limit** — `greenml.maxFileSize`, 5 MB by default. The
 *   editor shows one information diagnostic at the top of the file, giving the file's size and the
 *   limit; `greenml check` writes
 *   `greenml: path/to/file.py: not analysed: 10.4 MB is above the 5 MB limit` on stderr, goes on
 *   with the other files, and does not count the file as a finding (the exit status is decided by
 *   the files that were analysed).
 * - **Its Python parser cannot read it safely.** A file whose lines are indented to more than 200
 *   different depths (and that holds a string) is not given to the parser, tree-sitter-python: past
 *   about 384 nested indentation levels inside a string its scanner writes past the end of a buffer
 *   (and a fuzzed, edited document broke it at about 230), which corrupts the parser's memory and
 *   would silently stop the analysis of every later file.
 *   Both the editor and `greenml check` report it as a GML003 finding on line 1 that names the
 *   number of depths; every other file is analysed as usual. No valid script comes near the limit:
 *   CPython itself refuses more than 100 nested blocks ("too many levels of indentation").
 *
 * ## Why
 *
 * Multi-megabyte `.py` files are almost always generated: embedded data, serialised weights,
 * vendored bundles. Parsing and analysing them would cost seconds on every keystroke while finding
 * nothing a person wrote, and the analysis must never make the editor stall (DESIGN §7–8). Skipping
 * them silently would hide the fact that the file was not checked, so the skip is stated instead.
 * Below the limit, a per-file time budget (`greenml.analysisTimeBudgetMs`, 2 s by default) still
 * bounds the work: if it runs out, a [GML004](GML004.md) diagnostic names the rules that did not
 * finish.
 *
 * ## Example
 *
 * A 10 MB `generated_tables.py` open in the editor shows:
 *
 * ```
 * Green ML did not analyse this file: it is 10.0 MB, above greenml.maxFileSize (5.0 MB).
 * ```
 *
 * A generated file of 520 nested `if` blocks around a string literal shows:
 *
 * ```
 * Green ML did not analyse this file: its lines are indented to 520 different depths, more than the 300 that its Python parser (tree-sitter-python) reads safely (CPython itself allows at most 100 nested blocks).
 * ```
 *
 * ## Fixed example
 *
 * Either leave generated files unanalysed (nothing to do), move the data out of Python source
 * (a `.npy`, `.parquet` or JSON file loaded at run time), or raise the limit for a workspace that
 * really has large hand-written scripts:
 *
 * ```json
 * { "greenml.maxFileSize": 20971520 }
 * ```
 *
 * A file the parser cannot read needs restructuring (CPython would not run it either): flatten the
 * nesting, or generate the code differently. Like any code, GML003 can be turned off with
 * `ignore = ["GML003"]`.
 *
 * ## Fix safety
 *
 * No automatic fix. Raising `greenml.maxFileSize` makes Green ML analyse the file on every change;
 * the time budget still applies.
 *
 * ## References
 *
 * - Green ML settings `greenml.maxFileSize` and `greenml.analysisTimeBudgetMs` in the extension
 *   manifest (`package.json`, `contributes.configuration`).
 * - Language Server Protocol 3.17, `DiagnosticSeverity.Information`:
 *   https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#diagnosticSeverity
 */
export const fileNotAnalysed = engineCode({
  code: 'GML003',
  name: 'file-not-analysed',
  summary: 'A file larger than `greenml.maxFileSize`, or one the Python parser cannot read safely, is not analysed.',
  defaultSeverity: 'information',
  emittedBy: 'the language server and `greenml check` (for a file above the size limit, the CLI prints a note on stderr instead)',
});

/**
 * ## What it flags
 *
 * A file whose analysis ran out of its per-file time budget — `greenml.analysisTimeBudgetMs` in the
 * editor, `analysis-time-budget-ms` in `[tool.greenml]`, `--time-budget-ms` for `greenml check`;
 * 2000 ms by default — before every rule had run. Green ML stops at the rule it was about to start
 * (or was running) when the budget is spent, so findings of that rule and of the rules after it
 * may be missing. One information diagnostic on the first line of the file (the first code cell of
 * a notebook) gives the budget, the rule analysis stopped at, the rules that were not run to
 * completion, and the setting:
 *
 * ```
 * Green ML stopped analysing this file when its 2000 ms time budget ran out, during GML202
 * (nested-loop-search); rules not run to completion: GML202, GML211, GML215. Their findings may be
 * missing: raise the budget (analysis-time-budget-ms in [tool.greenml], greenml.analysisTimeBudgetMs in the
 * editor, --time-budget-ms for greenml check) to analyse the whole file.
 * ```
 *
 * Only rules that apply to the file (enabled, and their framework imported) are listed. A rule that
 * fails for another reason is not reported here: it is named in the server log (the **Green ML**
 * output channel) and, by `greenml check`, on stderr.
 *
 * ## Why
 *
 * The analysis must never make the editor stall (DESIGN §7–8), so every file gets a time budget and
 * the rules stop when it is spent. Stopping silently would make a file look clean when it was only
 * partly checked; before GML004 the only trace was a line in the server log, which few people read.
 * Files that run out of time are usually very long generated or concatenated scripts, or an editor
 * under heavy load.
 *
 * ## Example
 *
 * A 40,000-line training script on a slow machine shows, on line 1:
 *
 * ```
 * Green ML stopped analysing this file when its 2000 ms time budget ran out, before GML201
 * (exhaustive-grid-search); rules not run to completion: GML201, GML202, GML215. […]
 * ```
 *
 * ## Fixed example
 *
 * Raise the budget for the project, in `pyproject.toml` (milliseconds, a whole number of at least 10;
 * the editor and `greenml check` both read it):
 *
 * ```toml
 * [tool.greenml]
 * analysis-time-budget-ms = 10000
 * ```
 *
 * or in the editor only (over `pyproject.toml`):
 *
 * ```json
 * { "greenml.analysisTimeBudgetMs": 10000 }
 * ```
 *
 * or for one `greenml check` run, `--time-budget-ms 10000` (over `pyproject.toml`; the editor setting
 * does not reach the command line); or split the file, or move generated code
 * and data out of it. If a partial analysis is acceptable, turn the
 * diagnostic off like any code — `ignore = ["GML004"]` in `[tool.greenml]` or
 * `# greenml: file-ignore[GML004]` in the file; the stop is then only logged, as before.
 *
 * ## Fix safety
 *
 * No automatic fix. A larger budget makes each analysis of the file take longer (up to the new
 * budget) on every change.
 *
 * ## References
 *
 * - Green ML setting `greenml.analysisTimeBudgetMs` in the extension manifest (`package.json`,
 *   `contributes.configuration`) and the `analysis-time-budget-ms` key of `[tool.greenml]`; files above `greenml.maxFileSize` are not analysed at all
 *   ([GML003](GML003.md)).
 * - Language Server Protocol 3.17, `DiagnosticSeverity.Information`:
 *   https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#diagnosticSeverity
 */
export const analysisTimeBudget = engineCode({
  code: 'GML004',
  name: 'analysis-time-budget',
  summary: 'The per-file analysis time budget (`greenml.analysisTimeBudgetMs`) ran out before every rule had run.',
  defaultSeverity: 'information',
  emittedBy: 'the engine, in every Python file and notebook (language server and `greenml check`)',
});

export const ENGINE_CODES: readonly EngineCode[] = [unknownSuppressionCode, invalidConfiguration, fileNotAnalysed, analysisTimeBudget];
