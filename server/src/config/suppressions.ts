// Suppression comments, read from the parse tree's comment nodes:
//   `# noqa` / `# noqa: GML101,GML202`           (flake8/Ruff compatible; other tools' codes are left alone)
//   `# greenml: ignore` / `# greenml: ignore[GML101]`      on a line
//   `# greenml: file-ignore[GML101]`                        anywhere in the file
import type { Range } from '../analysis/types';

export interface SuppressionCode {
  code: string;
  range: Range;
}

export interface Suppressions {
  /** line → codes suppressed there ('*' = all). */
  lines: Map<number, Set<string>>;
  fileCodes: Set<string>;
  /** Every GML code written in a greenml or noqa comment, to report unknown ones. */
  mentioned: SuppressionCode[];
}

function splitCodes(list: string): string[] {
  return list
    .split(/[,\s]+/)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** Parses one comment's text; returns what it suppresses, or undefined when it is not a suppression. */
export function parseSuppressionComment(text: string): { scope: 'line' | 'file'; codes: string[] | '*' } | undefined {
  // A comment may hold several directives: `# type: ignore  # noqa: GML101`.
  for (const part of text.split('#').map((p) => p.trim())) {
    const lower = part.toLowerCase();
    if (lower === 'noqa') return { scope: 'line', codes: '*' };
    if (lower.startsWith('noqa:')) return { scope: 'line', codes: splitCodes(part.slice(5)) };
    if (lower.startsWith('greenml:')) {
      const rest = part.slice(8).trim();
      const scope = rest.toLowerCase().startsWith('file-ignore') ? 'file' : rest.toLowerCase().startsWith('ignore') ? 'line' : undefined;
      if (!scope) continue;
      const open = rest.indexOf('[');
      const close = rest.indexOf(']', open + 1);
      if (open < 0) return { scope, codes: '*' };
      return { scope, codes: splitCodes(rest.slice(open + 1, close < 0 ? undefined : close)) };
    }
  }
  return undefined;
}

/** A comment's text and where it starts (0-based line, UTF-16 column). */
export interface SuppressionComment {
  text: string;
  line: number;
  column: number;
}

export function collectSuppressions(comments: readonly SuppressionComment[]): Suppressions {
  const lines = new Map<number, Set<string>>();
  const fileCodes = new Set<string>();
  const mentioned: SuppressionCode[] = [];
  for (const comment of comments) {
    const text = comment.text;
    // Every directive of a comment counts: `# noqa: E501  # greenml: ignore[GML201]` suppresses GML201.
    const directives = text.split('#').map((part) => parseSuppressionComment(`#${part}`)).filter((p) => p !== undefined);
    for (const parsed of directives) {
      const line = comment.line;
      const codes = parsed.codes === '*' ? ['*'] : parsed.codes.map((c) => c.toUpperCase());
      const target = parsed.scope === 'file' ? fileCodes : lines.get(line) ?? new Set<string>();
      for (const c of codes) target.add(c);
      if (parsed.scope === 'line') lines.set(line, target);
      if (parsed.codes !== '*') {
        for (const c of parsed.codes) {
          if (!c.toUpperCase().startsWith('GML')) continue;
          const at = text.indexOf(c);
          const start = comment.column + Math.max(0, at);
          mentioned.push({ code: c.toUpperCase(), range: { start: { line, character: start }, end: { line, character: start + c.length } } });
        }
      }
    }
  }
  return { lines, fileCodes, mentioned };
}

/** Whether a finding on these lines is suppressed: a comment on its first or its last line counts. */
export function isSuppressed(s: Suppressions, code: string, range: Range): boolean {
  if (s.fileCodes.has('*') || s.fileCodes.has(code)) return true;
  for (const line of new Set([range.start.line, range.end.line])) {
    const codes = s.lines.get(line);
    if (codes && (codes.has('*') || codes.has(code))) return true;
  }
  return false;
}
