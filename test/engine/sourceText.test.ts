// SourceText.withEdit makes the edited text's line starts from the old ones: they must equal those
// of the same text read afresh, for every newline style an edit can split, join or add.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceText } from '../../server/src/analysis/sourceText';
import { seededRandom } from '../helpers/random';

describe('SourceText.withEdit', () => {
  it('line starts, positions and offsets equal a fresh read after random edits (\\n, \\r\\n, lone \\r)', () => {
    const rnd = seededRandom(5);
    const pieces = ['a', 'bc', '\n', '\r', '\r\n', ' ', 'x\ny', '\r\r', '\n\r', '# c\r\n', '  ', '\t', '\n    d', '\f', '"', "'''", '(', ')', '\\', '\n   e'];
    const piece = () => pieces[Math.floor(rnd() * pieces.length)];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      for (let i = Math.floor(rnd() * 16); i > 0; i--) text += piece();
      const before = new SourceText(text);
      assert.ok(before.lineCount >= 1); // line starts made, so withEdit reuses them
      const unitBefore = before.indentUnit; // made too: withEdit keeps it when the edit cannot change it
      const start = Math.floor(rnd() * (text.length + 1));
      const end = start + Math.floor(rnd() * (text.length - start + 1));
      let insert = '';
      for (let i = Math.floor(rnd() * 3); i > 0; i--) insert += piece();
      const edited = before.withEdit(start, end, insert);
      const fresh = new SourceText(edited.text);
      // Line starts counted independently of SourceText: after every "\r\n", lone "\r" and lone "\n".
      const naive = [0];
      for (const m of edited.text.matchAll(/\r\n|\r|\n/g)) naive.push(m.index + m[0].length);
      assert.equal(fresh.lineCount, naive.length);
      naive.forEach((at, line) => assert.equal(edited.lineStart(line), at));
      assert.equal(edited.text, text.slice(0, start) + insert + text.slice(end));
      assert.equal(edited.lineCount, fresh.lineCount, JSON.stringify({ text, start, end, insert }));
      assert.equal(edited.indentUnit, fresh.indentUnit, JSON.stringify({ text, start, end, insert, unitBefore }));
      for (let offset = 0; offset <= edited.text.length; offset++) {
        assert.deepEqual(edited.positionAt(offset), fresh.positionAt(offset), JSON.stringify({ text, start, end, insert, offset }));
      }
    }
  });
});

describe('SourceText.withEdit and the indentation unit', () => {
  it('reads the unit again after an edit between quotes, which may open or close a string', () => {
    const before = new SourceText("s = '''\n  a\n'''\nif b:\n    c\n");
    assert.equal(before.indentUnit, '    ');
    // `'x''` is a string and an empty one: the line that was a string's text is now code.
    assert.equal(before.withEdit(5, 5, 'x').indentUnit, '  ');
  });
});

describe('SourceText.indentUnit', () => {
  const unit = (text: string) => new SourceText(text).indentUnit;
  it('is the smallest step in spaces, ignoring blank and comment lines', () => {
    assert.equal(unit('def f():\n  x = 1\n  if x:\n    y = 2\n'), '  ');
    assert.equal(unit('def f():\n        # deep comment\n   x = 1\n\n      \n   return x\n'), '   ');
    assert.equal(unit('if a:\r\n  b\r\n'), '  ');
    // A form feed before a comment: still a comment line.
    assert.equal(unit('if a:\n\f  # c\n        b\n'), ' '.repeat(8));
  });
  it('reads code lines only: not the text of a string, lines inside brackets, or after a backslash', () => {
    // A docstring's reStructuredText indented 3 spaces, in a file whose code uses 4.
    assert.equal(unit('"""\nDocs:\n\n.. figure:: x.png\n   :alt: x\n"""\nfor x in y:\n    f(x)\n'), '    ');
    assert.equal(unit("s = '''\n a\n'''\nif a:\n    b\n"), '    ');
    // An escaped quote does not end a string; a string in one pair of quotes ends with its line.
    assert.equal(unit('s = """ \\""" \n  x\n"""\nif a:\n    b = \'"\'\n    c\n'), '    ');
    // Continuation lines aligned under an opening bracket, or after a backslash.
    assert.equal(unit('x = f(a,\n      b)\ny = 1 + \\\n  2\nif a:\n    b\n'), '    ');
    // A string opened inside brackets.
    assert.equal(unit('x = ["""\n a""",\n  2]\nif a:\n    b\n'), '    ');
  });
  it('is a tab when more lines are indented with tabs', () => {
    assert.equal(unit('def f():\n\tx = 1\n\tif x:\n\t\ty = 2\n'), '\t');
  });
  it('is four spaces when nothing is indented', () => {
    assert.equal(unit('x = 1\ny = 2\n'), '    ');
    assert.equal(unit(''), '    ');
  });
});
