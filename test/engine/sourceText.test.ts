// SourceText.withEdit makes the edited text's line starts from the old ones: they must equal those
// of the same text read afresh, for every newline style an edit can split, join or add.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceText } from '../../server/src/analysis/sourceText';
import { seededRandom } from '../helpers/random';

describe('SourceText.withEdit', () => {
  it('line starts, positions and offsets equal a fresh read after random edits (\\n, \\r\\n, lone \\r)', () => {
    const rnd = seededRandom(5);
    const pieces = ['a', 'bc', '\n', '\r', '\r\n', ' ', 'x\ny', '\r\r', '\n\r', '# c\r\n'];
    const piece = () => pieces[Math.floor(rnd() * pieces.length)];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      for (let i = Math.floor(rnd() * 16); i > 0; i--) text += piece();
      const before = new SourceText(text);
      assert.ok(before.lineCount >= 1); // line starts made, so withEdit reuses them
      const start = Math.floor(rnd() * (text.length + 1));
      const end = start + Math.floor(rnd() * (text.length - start + 1));
      let insert = '';
      for (let i = Math.floor(rnd() * 3); i > 0; i--) insert += piece();
      const edited = before.withEdit(start, end, insert);
      const fresh = new SourceText(edited.text);
      assert.equal(edited.text, text.slice(0, start) + insert + text.slice(end));
      assert.equal(edited.lineCount, fresh.lineCount, JSON.stringify({ text, start, end, insert }));
      for (let offset = 0; offset <= edited.text.length; offset++) {
        assert.deepEqual(edited.positionAt(offset), fresh.positionAt(offset), JSON.stringify({ text, start, end, insert, offset }));
      }
    }
  });
});
