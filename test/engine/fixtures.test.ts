// Every fixture script produces exactly the rule codes its hand-written first line expects (with every
// rule selected, the opt-in ones included).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownSuppressionCode } from '../../server/src/rules/engineCodes';
import { RULES } from '../../server/src/rules/registry';
import { check, EVERY_RULE, useParser } from '../helpers/analysis';
import { expectHeader, loadCorpus } from './corpus';

useParser();

const corpus = loadCorpus();

describe('fixture corpus', () => {
  it('reads the expect header by hand-written convention', () => {
    assert.deepEqual(expectHeader('# expect: GML101, GML211\nimport torch\n'), ['GML101', 'GML211']);
    assert.deepEqual(expectHeader('# expect: none\r\nimport torch\r\n'), []);
    assert.equal(expectHeader('"""doc"""\n# expect: none\n'), undefined);
  });

  it('has at least 20 fixtures, at least half of them clean', () => {
    const clean = corpus.filter((f) => f.expected.length === 0).length;
    assert.ok(corpus.length >= 20, `only ${corpus.length} fixtures`);
    assert.ok(clean * 2 >= corpus.length, `only ${clean} of ${corpus.length} fixtures expect none`);
  });

  it('covers every rule in the registry with at least one positive fixture', () => {
    const expected = new Set(corpus.flatMap((f) => f.expected));
    const missing = RULES.map((r) => r.code).filter((code) => !expected.has(code));
    assert.deepEqual(missing, [], `no fixture expects ${missing.join(', ')}`);
  });

  for (const fixture of corpus) {
    it(`${fixture.name} produces exactly ${fixture.expected.join(', ') || 'nothing'}`, () => {
      const found = check(fixture.text, EVERY_RULE);
      const codes = new Set(found.map((f) => f.code));
      if (!fixture.expected.includes(unknownSuppressionCode.code)) codes.delete(unknownSuppressionCode.code);
      assert.deepEqual(
        [...codes].sort(),
        [...new Set(fixture.expected)].sort(),
        found.map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.code} ${f.message}`).join('\n'),
      );
    });
  }
});
