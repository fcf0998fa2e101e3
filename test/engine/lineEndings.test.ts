// Line endings: a script written with "\n", "\r\n" or a lone "\r" (Python and LSP both end a line
// there) gives the same findings at the same lines and columns, and its fixes keep its line ending.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText } from '../../server/src/analysis/analyze';
import { PythonDocument } from '../../server/src/analysis/document';
import { parsePython } from '../../server/src/analysis/parser';
import type { Finding } from '../../server/src/analysis/types';
import { effectiveConfig } from '../../server/src/config/settings';
import { fixAllText } from '../../server/src/fixes/fixAll';
import { useParser } from '../helpers/analysis';

useParser();

const SCRIPTS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts');
const config = effectiveConfig({ unsafeFixes: true }, undefined);

const summary = (findings: Finding[]) => findings.map((f) => `${f.code} ${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.message}`);

function scripts(): Array<{ name: string; text: string }> {
  return fs
    .readdirSync(SCRIPTS)
    .filter((n) => n.endsWith('.py'))
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(SCRIPTS, name), 'utf8').replace(/\r\n/g, '\n') }));
}

describe('line endings', () => {
  for (const eol of ['\r\n', '\r']) {
    const label = JSON.stringify(eol);
    it(`${label}: every fixture gives the findings it gives with "\\n", at the same lines and columns`, () => {
      let compared = 0;
      for (const { name, text } of scripts()) {
        const lf = analyzeText(text, { config });
        const other = analyzeText(text.replace(/\n/g, eol), { config });
        assert.deepEqual(summary(other.findings), summary(lf.findings), `${name} with ${label}`);
        compared += lf.findings.length;
        lf.dispose();
        other.dispose();
      }
      assert.ok(compared >= 15, `findings compared: ${compared}`);
    });

    it(`${label}: fixing every fixture gives the "\\n" result with ${label} line endings`, () => {
      let fixed = 0;
      for (const { name, text } of scripts()) {
        const lf = fixAllText(text, { config, unsafe: true });
        const other = fixAllText(text.replace(/\n/g, eol), { config, unsafe: true });
        assert.equal(other.text, lf.text.replace(/\n/g, eol), `${name} with ${label}`);
        assert.deepEqual(other.applied, lf.applied, name);
        if (lf.applied.length) fixed++;
      }
      assert.ok(fixed >= 10, `fixtures with fixes: ${fixed}`);
    });
  }

  it('a lone "\\r" ends a line for the parse tree too: rows match, and incremental reparses equal fresh parses', () => {
    const text = ['import torch', 'x = 1', 'def f(a):', '    return a', ''].join('\r');
    const tree = parsePython(text);
    assert.equal(tree.rootNode.hasError, false);
    assert.deepEqual(
      tree.rootNode.namedChildren.map((c) => c!.startPosition.row),
      [0, 1, 2],
    );
    tree.delete();
    const doc = new PythonDocument(text);
    // Type a line in the body, then turn a lone "\r" into "\r\n" and back.
    doc.update([{ range: { start: { line: 3, character: 12 }, end: { line: 3, character: 12 } }, text: '\r    b = a' }]);
    doc.update([{ range: { start: { line: 1, character: 5 }, end: { line: 1, character: 5 } }, text: '\n' }]);
    doc.update([{ range: { start: { line: 1, character: 5 }, end: { line: 2, character: 0 } }, text: '' }]);
    const fresh = parsePython(doc.text);
    assert.equal(doc.tree.rootNode.toString(), fresh.rootNode.toString());
    assert.deepEqual(
      doc.tree.rootNode.descendantsOfType('identifier').map((n) => [n!.text, n!.startPosition.row, n!.startPosition.column]),
      fresh.rootNode.descendantsOfType('identifier').map((n) => [n!.text, n!.startPosition.row, n!.startPosition.column]),
    );
    assert.equal(doc.tree.rootNode.hasError, false);
    fresh.delete();
    doc.dispose();
  });
});
