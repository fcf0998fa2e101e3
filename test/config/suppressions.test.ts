// Suppression comments (noqa and greenml forms), unknown codes in them (GML001), and the
// "Disable GML### for this line" edit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../server/src/analysis/analyze';
import { parsePython } from '../../server/src/analysis/parser';
import { SourceText } from '../../server/src/analysis/sourceText';
import { effectiveConfig } from '../../server/src/config/settings';
import { parseSuppressionComment } from '../../server/src/config/suppressions';
import { applyEdits } from '../../server/src/fixes/edits';
import { disableForLineEdit } from '../../server/src/lsp/codeActions';
import { check, py, useParser } from '../helpers/analysis';

useParser();

const IMPORTS = ['import torch', 'from sklearn.model_selection import GridSearchCV'];
const AMP = 'scaler = torch.cuda.amp.GradScaler()';
const GRID = 'search = GridSearchCV(est, {"C": [0.1, 1, 10, 100]})';

function codes(text: string): string[] {
  return check(text).map((f) => `${f.range.start.line + 1}:${f.code}`);
}

describe('parseSuppressionComment', () => {
  it('reads every form', () => {
    assert.deepEqual(parseSuppressionComment('# noqa'), { scope: 'line', codes: '*' });
    assert.deepEqual(parseSuppressionComment('# NOQA: GML201'), { scope: 'line', codes: ['GML201'] });
    assert.deepEqual(parseSuppressionComment('# noqa: E501, GML201'), { scope: 'line', codes: ['E501', 'GML201'] });
    assert.deepEqual(parseSuppressionComment('# greenml: ignore'), { scope: 'line', codes: '*' });
    assert.deepEqual(parseSuppressionComment('# greenml: ignore[GML201, GML105]'), { scope: 'line', codes: ['GML201', 'GML105'] });
    assert.deepEqual(parseSuppressionComment('# greenml: file-ignore[GML201]'), { scope: 'file', codes: ['GML201'] });
    assert.deepEqual(parseSuppressionComment('# type: ignore  # noqa: GML105'), { scope: 'line', codes: ['GML105'] });
    assert.equal(parseSuppressionComment('# just a comment about noqa'), undefined);
    assert.equal(parseSuppressionComment('# greenml rocks'), undefined);
  });
});

describe('suppression comments in analysis', () => {
  it('nothing suppressed without a comment', () => {
    assert.deepEqual(codes(py(...IMPORTS, AMP, GRID)), ['3:GML105', '4:GML201']);
  });

  it('# noqa suppresses everything on its line only', () => {
    assert.deepEqual(codes(py(...IMPORTS, `${AMP}  # noqa`, GRID)), ['4:GML201']);
  });

  it('# noqa: GML201 suppresses that code only', () => {
    assert.deepEqual(codes(py(...IMPORTS, `${AMP}  # noqa: GML201`, `${GRID}  # noqa: GML201`)), ['3:GML105']);
  });

  it('# noqa: E501, GML201 with another tool\'s code', () => {
    assert.deepEqual(codes(py(...IMPORTS, AMP, `${GRID}  # noqa: E501, GML201`)), ['3:GML105']);
    assert.deepEqual(codes(py(...IMPORTS, AMP, `${GRID}  # noqa: E501`)), ['3:GML105', '4:GML201'], "another tool's code alone suppresses nothing of ours");
  });

  it('# greenml: ignore[GML201] and # greenml: ignore', () => {
    assert.deepEqual(codes(py(...IMPORTS, AMP, `${GRID}  # greenml: ignore[GML201]`)), ['3:GML105']);
    assert.deepEqual(codes(py(...IMPORTS, `${AMP}  # greenml: ignore[GML201]`, GRID)), ['3:GML105', '4:GML201'], 'a different code does not suppress');
    assert.deepEqual(codes(py(...IMPORTS, `${AMP}  # greenml: ignore`, `${GRID}  # greenml: ignore`)), []);
  });

  it('# greenml: file-ignore[GML201] anywhere in the file', () => {
    assert.deepEqual(codes(py(...IMPORTS, AMP, GRID, 'other = GridSearchCV(est, {"C": [0.1, 1, 10, 100]})', '# greenml: file-ignore[GML201]')), ['3:GML105']);
    assert.deepEqual(codes(py('# greenml: file-ignore', ...IMPORTS, AMP, GRID)), []);
  });

  it('a suppression on the last line of a multi-line call', () => {
    const text = py(...IMPORTS, 'search = GridSearchCV(', '    est,', '    {"C": [0.1, 1, 10, 100]},', ')  # noqa: GML201', GRID);
    assert.deepEqual(codes(text), ['7:GML201']);
    const greenml = py(...IMPORTS, 'search = GridSearchCV(', '    est,', '    {"C": [0.1, 1, 10, 100]},', ')  # greenml: ignore[GML201]');
    assert.deepEqual(codes(greenml), []);
  });

  it('a comment inside a compound statement body does not suppress its header', () => {
    const text = py('import torch', 'with torch.cuda.amp.autocast():', '    y = model(x)  # noqa: GML105');
    assert.deepEqual(codes(text), ['2:GML105']);
  });

  it('# noqa: GML999 is reported as GML001 at the unknown code', () => {
    const line = `${GRID}  # noqa: GML999, GML201`;
    const found = check(py(...IMPORTS, line));
    assert.deepEqual(found.map((f) => f.code), ['GML001']);
    const f = found[0];
    assert.equal(f.name, 'unknown-suppression-code');
    assert.equal(f.range.start.line, 2);
    assert.equal(f.range.start.character, line.indexOf('GML999'));
    assert.equal(f.range.end.character, line.indexOf('GML999') + 6);
    assert.match(f.message, /GML999/);
  });

  it('GML001 is placed in UTF-16 columns after non-ASCII text on its line', () => {
    const line = `${GRID.replace('est', 'modèle_€')}  # noqa: GML999 😀`;
    const found = check(py(...IMPORTS, line));
    assert.deepEqual(found.map((f) => f.code).sort(), ['GML001', 'GML201']);
    const f = found.find((x) => x.code === 'GML001')!;
    assert.equal(f.range.start.character, line.indexOf('GML999'));
    assert.equal(f.range.end.character, line.indexOf('GML999') + 6);
  });

  it('GML001 itself can be ignored by configuration', () => {
    const text = py(...IMPORTS, `${GRID}  # greenml: ignore[GML77]`);
    assert.deepEqual(check(text).map((f) => f.code).sort(), ['GML001', 'GML201']);
    assert.deepEqual(check(text, { ignore: ['GML001'] }).map((f) => f.code), ['GML201']);
  });
});

describe('"Disable for this line" edit', () => {
  function disable(text: string, code: string, index = 0): string {
    const result = analyzeText(text, { config: effectiveConfig(undefined, undefined) });
    const finding = result.findings.filter((f) => f.code === code)[index];
    assert.ok(finding, `no ${code}`);
    return applyEdits(new SourceText(text), [disableForLineEdit(result, finding)]);
  }

  function parses(text: string): boolean {
    const tree = parsePython(text);
    try {
      return !tree.rootNode.hasError;
    } finally {
      tree.delete();
    }
  }

  it('appends a greenml ignore comment to a line without a comment (trailing spaces dropped)', () => {
    const text = py(...IMPORTS, `${AMP}   `, GRID);
    const out = disable(text, 'GML105');
    assert.equal(out, py(...IMPORTS, `${AMP}  # greenml: ignore[GML105]`, GRID));
    assert.deepEqual(codes(out), ['4:GML201']);
  });

  it('adds the code to an existing greenml ignore list', () => {
    const text = py(...IMPORTS, `${AMP}  # greenml: ignore[GML201]`);
    const out = disable(text, 'GML105');
    assert.equal(out, py(...IMPORTS, `${AMP}  # greenml: ignore[GML201, GML105]`));
    assert.deepEqual(codes(out), []);
  });

  it('keeps an unrelated comment and appends after it', () => {
    const text = py(...IMPORTS, `${AMP}  # fp16 loss scaling`);
    const out = disable(text, 'GML105');
    assert.equal(out, py(...IMPORTS, `${AMP}  # fp16 loss scaling  # greenml: ignore[GML105]`));
    assert.deepEqual(codes(out), []);
    assert.ok(parses(out));
  });

  it('after a noqa with another code, the new comment suppresses too', () => {
    const text = py(...IMPORTS, AMP, `${GRID}  # noqa: E501`);
    const out = disable(text, 'GML201');
    assert.deepEqual(codes(out), ['3:GML105']);
    assert.ok(parses(out));
  });

  it('keeps CRLF', () => {
    const text = py(...IMPORTS, AMP, GRID).replace(/\n/g, '\r\n');
    const out = disable(text, 'GML105');
    assert.ok(!/(^|[^\r])\n/.test(out));
    assert.deepEqual(codes(out), ['4:GML201']);
  });
});
