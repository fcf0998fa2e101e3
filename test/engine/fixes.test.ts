// Fix-all (safe and unsafe fixes) over the whole fixture corpus, and every single fix on its own:
// the result parses, the fixed diagnostics are gone, a second pass changes nothing, indentation
// style and newline kind are kept, and no import is added twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePython, type Node } from '../../server/src/analysis/parser';
import { SourceText } from '../../server/src/analysis/sourceText';
import type { Finding } from '../../server/src/analysis/types';
import { applyEdits } from '../../server/src/fixes/edits';
import { fixAllText } from '../../server/src/fixes/fixAll';
import { check, useParser } from '../helpers/analysis';
import { loadCorpus, syntaxProblems } from './corpus';

useParser();

const withFindings = loadCorpus().filter((f) => f.expected.length > 0);

function problemsOf(text: string): string[] {
  const tree = parsePython(text);
  try {
    return syntaxProblems(tree);
  } finally {
    tree.delete();
  }
}

/** Texts of the import statements of a module (from the parse tree), with how often each occurs. */
function importCounts(text: string): Map<string, number> {
  const tree = parsePython(text);
  try {
    const counts = new Map<string, number>();
    const stack: Node[] = [tree.rootNode];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement') {
        counts.set(n.text, (counts.get(n.text) ?? 0) + 1);
        continue;
      }
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
    return counts;
  } finally {
    tree.delete();
  }
}

function fixAll(text: string): ReturnType<typeof fixAllText> {
  return fixAllText(text, { unsafe: true });
}

/** Replaces each leading group of four spaces with `unit` (continuation alignment after it stays). */
function reindent(text: string, unit: string): string {
  return text
    .split('\n')
    .map((line) => {
      let i = 0;
      let out = '';
      while (line.startsWith('    ', i)) {
        out += unit;
        i += 4;
      }
      return out + line.slice(i);
    })
    .join('\n');
}

/** Lines of `after` that are not in `before` (as a multiset). */
function addedLines(before: string, after: string): string[] {
  const pool = new Map<string, number>();
  for (const l of before.split(/\r?\n/)) pool.set(l, (pool.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of after.split(/\r?\n/)) {
    const n = pool.get(l) ?? 0;
    if (n > 0) pool.set(l, n - 1);
    else out.push(l);
  }
  return out;
}

function leading(line: string): string {
  return line.slice(0, line.length - line.trimStart().length);
}

describe('reindent helper (test scaffolding)', () => {
  it('rewrites only leading four-space groups', () => {
    assert.equal(reindent('a\n    b\n        c(\n          d)\n', '\t'), 'a\n\tb\n\t\tc(\n\t\t  d)\n');
    assert.equal(reindent('    x = "    y"\n', '  '), '  x = "    y"\n');
  });
});

describe('fix all (safe + unsafe) on every fixture with findings', () => {
  assert.ok(withFindings.length >= 10, `only ${withFindings.length} fixtures with findings`);
  for (const fixture of withFindings) {
    describe(fixture.name, () => {
      const original = fixture.text;
      // Computed on first use, once the parser is loaded.
      let memo: { before: Finding[]; fixedCodes: Set<string>; result: ReturnType<typeof fixAll> } | undefined;
      const state = () => {
        if (!memo) {
          const before = check(original);
          memo = { before, fixedCodes: new Set(before.filter((f) => f.fixes.length > 0).map((f) => f.code)), result: fixAll(original) };
        }
        return memo;
      };

      it('applies at least one fix when a finding offers one', () => {
        const { fixedCodes, result } = state();
        if (fixedCodes.size > 0) assert.ok(result.applied.length > 0, 'nothing applied');
        else assert.equal(result.text, original);
      });

      it('leaves code that parses (no ERROR or MISSING nodes)', () => {
        const { result } = state();
        assert.equal(problemsOf(original).length, 0, 'fixture must parse');
        assert.deepEqual(problemsOf(result.text), [], result.text);
      });

      it('removes every diagnostic whose code had a fix', () => {
        const { fixedCodes, result } = state();
        const after = check(result.text);
        const left = after.filter((f) => fixedCodes.has(f.code));
        assert.deepEqual(left.map((f) => `${f.range.start.line + 1} ${f.code} ${f.message}`), [], result.text);
        assert.deepEqual(after.filter((f) => f.fixes.length > 0).map((f) => f.code), [], 'nothing fixable remains');
        assert.deepEqual(result.remaining.map((f) => f.code), after.map((f) => f.code), 'remaining = a fresh analysis');
      });

      it('is idempotent: a second fix-all pass changes nothing', () => {
        const { result } = state();
        const again = fixAll(result.text);
        assert.equal(again.text, result.text);
        assert.deepEqual(again.applied, []);
      });

      it('adds each import line at most once, and none that was already there', () => {
        const { result } = state();
        const a = importCounts(original);
        const b = importCounts(result.text);
        for (const [line, n] of b) {
          const was = a.get(line) ?? 0;
          assert.ok(n - was <= 1, `"${line}" added ${n - was} times`);
          if (was > 0) assert.equal(n, was, `"${line}" was already imported and was added again`);
        }
      });

      for (const [label, unit] of [
        ['tabs', '\t'],
        ['two spaces', '  '],
      ] as const) {
        it(`keeps ${label} indentation`, () => {
          const { before, result } = state();
          const styled = reindent(original, unit);
          assert.deepEqual(problemsOf(styled), [], 'the re-indented fixture must parse');
          assert.deepEqual([...new Set(check(styled).map((f) => f.code))].sort(), [...new Set(before.map((f) => f.code))].sort(), 'indentation must not change findings');
          const fixed = fixAll(styled).text;
          assert.deepEqual(problemsOf(fixed), [], fixed);
          for (const line of addedLines(styled, fixed)) {
            if (line.trim() === '') continue;
            const ws = leading(line);
            if (unit === '\t') assert.ok(!ws.startsWith('    ') && !ws.startsWith('  '), `space-indented line added to a tab file: ${JSON.stringify(line)}`);
            else {
              assert.ok(!ws.includes('\t'), `tab added to a space file: ${JSON.stringify(line)}`);
              assert.equal(ws.length % 2, 0, `odd indentation added to a two-space file: ${JSON.stringify(line)}`);
            }
          }
          // Fixing is independent of the indentation style: fix∘reindent = reindent∘fix.
          assert.equal(fixed, reindent(result.text, unit));
        });
      }

      it('keeps CRLF newlines', () => {
        const { result } = state();
        const crlf = original.replace(/\n/g, '\r\n');
        const fixed = fixAll(crlf).text;
        assert.ok(!/(^|[^\r])\n/.test(fixed), 'a lone \\n in the CRLF output');
        assert.equal(fixed, result.text.replace(/\n/g, '\r\n'));
      });
    });
  }
});

describe('every fix of every finding, applied alone', () => {
  for (const fixture of withFindings) {
    it(`${fixture.name}: each fix parses and removes its own diagnostic`, () => {
      const found = check(fixture.text);
      let tried = 0;
      found.forEach((finding: Finding, i) => {
        finding.fixes.forEach((fix, j) => {
          const label = `${finding.code} #${i} (line ${finding.range.start.line + 1}) fix ${j} "${fix.title}"`;
          const fixed = applyEdits(new SourceText(fixture.text), fix.edits);
          assert.notEqual(fixed, fixture.text, `${label} changes nothing`);
          assert.deepEqual(problemsOf(fixed), [], `${label} does not parse:\n${fixed}`);
          const beforeCount = found.filter((f) => f.code === finding.code).length;
          const after = check(fixed).filter((f) => f.code === finding.code);
          assert.ok(after.length < beforeCount, `${label}: ${finding.code} still reported ${after.length} time(s):\n${after.map((f) => f.message).join('\n')}`);
          tried++;
        });
      });
      const offered = found.reduce((n, f) => n + f.fixes.length, 0);
      assert.equal(tried, offered);
    });
  }
});
