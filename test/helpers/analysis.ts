// Shared test helpers: analyse text, apply a finding's fix, and check the standard fix properties.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before } from 'node:test';
import { analyzeText, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import { loadPython, parsePython } from '../../server/src/analysis/parser';
import { hasIndentedTopLevelStatement } from '../../server/src/analysis/document';
import { SourceText } from '../../server/src/analysis/sourceText';
import type { Finding } from '../../server/src/analysis/types';
import { effectiveConfig, type GreenmlSettings } from '../../server/src/config/settings';
import { applyEdits } from '../../server/src/fixes/edits';
import { RULES } from '../../server/src/rules/registry';

/** Call at the top of a test file: loads the parser before the tests run. */
export function useParser(): void {
  before(async () => {
    await loadPython();
  });
}

/** Joins lines with "\n" and a final newline: keeps fixtures readable in test files. */
export function py(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** Settings that run every rule, the opt-in ones included (for tests over every rule). */
export const EVERY_RULE: GreenmlSettings = { extendSelect: RULES.filter((r) => r.optIn).map((r) => r.code) };

export function check(text: string, settings?: GreenmlSettings, options: AnalyzeOptions = {}): Finding[] {
  return analyzeText(text, { ...options, config: options.config ?? effectiveConfig(settings, undefined) }).findings;
}

/** Findings of one code only. */
export function findings(text: string, code: string, settings?: GreenmlSettings): Finding[] {
  return check(text, settings).filter((f) => f.code === code);
}

export function assertNone(text: string, code: string, settings?: GreenmlSettings): void {
  const found = findings(text, code, settings);
  assert.deepEqual(
    found.map((f) => `${f.range.start.line + 1}: ${f.message}`),
    [],
    `expected no ${code} in:\n${text}`,
  );
}

export function assertOne(text: string, code: string, settings?: GreenmlSettings): Finding {
  const found = findings(text, code, settings);
  assert.equal(found.length, 1, `expected one ${code}, got ${found.length}: ${found.map((f) => f.message).join(' | ')}\nin:\n${text}`);
  return found[0];
}

/** Text after applying the finding's fix number `index`. */
export function applyFix(text: string, finding: Finding, index = 0): string {
  const fix = finding.fixes[index];
  assert.ok(fix, `${finding.code} has no fix #${index}`);
  return applyEdits(new SourceText(text), fix.edits);
}

/** Whether tree-sitter finds a syntax error in the text. */
export function hasSyntaxError(text: string): boolean {
  const tree = parsePython(text);
  try {
    return tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}

/**
 * Applies the only `code` finding's fix and checks what every fix must guarantee: the result parses,
 * the diagnostic is gone, a second analysis offers nothing more to fix for that code, and newline
 * style is kept. Returns the fixed text.
 */
export function assertFixes(text: string, code: string, settings?: GreenmlSettings, fixIndex = 0): string {
  assert.equal(hasSyntaxError(text), false, 'fixture must parse before the fix');
  const finding = assertOne(text, code, settings);
  const fixed = applyFix(text, finding, fixIndex);
  assert.notEqual(fixed, text, 'the fix changes nothing');
  assert.equal(hasSyntaxError(fixed), false, `fixed text does not parse:\n${fixed}`);
  assert.deepEqual(findings(fixed, code, settings).map((f) => f.message), [], `diagnostic still there after the fix:\n${fixed}`);
  if (text.includes('\r\n')) assert.ok(!/[^\r]\n/.test(fixed), 'fix introduced LF newlines into a CRLF file');
  return fixed;
}

/** Counts occurrences of a substring. */
export function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Every training-script fixture (test/fixtures/scripts/*.py, in name order) joined, `copies` times over: a long, realistic file. */
export function repeatedFixtureScripts(copies: number): string {
  const all = fixtureScripts().join('\n');
  return Array.from({ length: copies }, () => all).join('\n');
}

/**
 * Whole training-script fixtures, in name order (then over again), joined until they hold at least
 * `lines` lines: a realistic file whose size does not grow as fixtures are added.
 */
export function fixtureScriptsOfLines(lines: number): string {
  const scripts = fixtureScripts();
  const out: string[] = [];
  let held = 0;
  for (let i = 0; held < lines; i++) {
    const script = scripts[i % scripts.length];
    out.push(script);
    held += script.split('\n').length;
  }
  return out.join('\n');
}

function fixtureScripts(): string[] {
  const dir = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts');
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.py'))
    .sort()
    .map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
}

/**
 * Whether Python would accept the text as far as its parse tree tells: no syntax errors, and no
 * top-level statement indented on its own line (an IndentationError that tree-sitter parses).
 */
export function validPython(text: string): boolean {
  const tree = parsePython(text);
  try {
    return !tree.rootNode.hasError && !hasIndentedTopLevelStatement(tree.rootNode, text);
  } finally {
    tree.delete();
  }
}


/** Whether a text parses without syntax errors (as one tree). */
export { parsesCleanly } from '../../server/src/fixes/fixAll';
