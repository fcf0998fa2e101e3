// Rule tests written as the code they check. A fixture is Python with marker lines under the lines
// a rule flags:
//
//     for x, y in loader:
//         loss.backward()
//     #   ^^^^^^^^^^^^^^^ GML101
//
// The carets stand under the columns the finding covers on that line (to the end of the line when
// it spans several); `# ^^^ GML101: fragment` also requires the message to contain the fragment.
// Marker lines are removed before the text is analysed. A fixture is indented like the test around
// it: its common indentation is removed first.
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/analysis/types';
import type { GreenmlSettings } from '../../server/src/config/settings';
import { applyFix, check, findings, validPython } from './analysis';

interface Marker {
  line: number;
  start: number;
  end: number;
  code: string;
  message?: string;
}

const MARKER = /^(\s*#?\s*)(\^+)\s+(GML\d{3})(?::\s*(.+))?\s*$/;

/** Removes the common indentation of a template literal's lines, and its first and last blank lines. */
export function dedent(text: string): string {
  const lines = text.replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n') + '\n';
}

/** The fixture's Python (marker lines removed) and its markers, with lines counted in that Python. */
export function parseFixture(fixture: string): { text: string; markers: Marker[] } {
  const lines = dedent(fixture).split('\n');
  const kept: string[] = [];
  const markers: Marker[] = [];
  for (const line of lines) {
    const m = MARKER.exec(line);
    if (!m) {
      kept.push(line);
      continue;
    }
    assert.ok(kept.length > 0, `a marker needs a line above it: ${line}`);
    const start = m[1].length;
    markers.push({ line: kept.length - 1, start, end: start + m[2].length, code: m[3], message: m[4] });
  }
  return { text: kept.join('\n'), markers };
}

/** The text with a marker under each finding, as a fixture would write it. */
function annotate(text: string, items: Array<{ line: number; start: number; end: number; code: string }>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(line);
    for (const m of items.filter((x) => x.line === i).sort((a, b) => a.start - b.start)) {
      const lead = m.start >= 2 ? `#${' '.repeat(m.start - 1)}` : ' '.repeat(m.start);
      out.push(`${lead}${'^'.repeat(Math.max(1, m.end - m.start))} ${m.code}`);
    }
  });
  return out.join('\n');
}

function spanOf(text: string, f: Finding): { line: number; start: number; end: number; code: string } {
  const line = f.range.start.line;
  const end = f.range.end.line === line ? f.range.end.character : text.split('\n')[line].length;
  return { line, start: f.range.start.character, end, code: f.code };
}

/**
 * Analyses the fixture and checks that the findings of `codes` (the codes its markers name, when
 * not given) are exactly where its markers are, and that their messages contain the markers' fragments.
 */
export function expectFindings(fixture: string, options: { codes?: string[]; settings?: GreenmlSettings } = {}): Finding[] {
  const { text, markers } = parseFixture(fixture);
  const codes = new Set(options.codes ?? markers.map((m) => m.code));
  assert.ok(codes.size > 0, 'name the codes under test: a marker, or options.codes for a fixture that expects none');
  const found = check(text, options.settings).filter((f) => codes.has(f.code));
  assert.equal(annotate(text, found.map((f) => spanOf(text, f))), annotate(text, markers), 'findings differ from the markers');
  for (const m of markers) {
    if (!m.message) continue;
    const f = found.find((x) => x.code === m.code && x.range.start.line === m.line && x.range.start.character === m.start)!;
    assert.ok(f.message.includes(m.message), `${m.code} at ${m.line + 1}:${m.start + 1}: message "${f.message}" lacks "${m.message}"`);
  }
  return found;
}

/** `expectFindings` for a fixture that must give no finding of `code`. */
export function expectNone(code: string, fixture: string, settings?: GreenmlSettings): void {
  expectFindings(fixture, { codes: [code], settings });
}

/**
 * Applies the fix (number `fixIndex`) of the one `code` finding of `before` and checks the result:
 * it equals `after`, parses, no longer has the finding, and offers nothing more to fix for the code.
 * Both are dedented; `before` may carry markers. Returns the finding.
 */
export function expectFix(code: string, before: string, after: string, options: { settings?: GreenmlSettings; fixIndex?: number; eol?: '\r\n' } = {}): Finding {
  const eol = options.eol ?? '\n';
  const source = parseFixture(before).text.replace(/\n/g, eol);
  const expected = dedent(after).replace(/\n/g, eol);
  assert.ok(validPython(source), `the fixture must parse before the fix:\n${source}`);
  const all = findings(source, code, options.settings);
  assert.equal(all.length, 1, `expected one ${code}, got ${all.length}: ${all.map((f) => f.message).join(' | ')}`);
  const fixed = applyFix(source, all[0], options.fixIndex ?? 0);
  assert.equal(fixed, expected);
  assert.ok(validPython(fixed), `the fixed text does not parse:\n${fixed}`);
  assert.deepEqual(findings(fixed, code, options.settings).map((f) => f.message), [], `${code} is still reported after the fix`);
  return all[0];
}
