// Every code's documentation is generated from the code itself (its fields and its doc comment), and
// says what the rule does: the committed pages and the README table equal what `npm run docs`
// writes, and each page's Python examples are flagged by the rule while its fixed examples are not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pythonBlocks } from '../../server/src/rules/docs';
import { RULES } from '../../server/src/rules/registry';
import { EVERY_RULE, findings, useParser } from '../helpers/analysis';

useParser();

const ROOT = path.resolve(__dirname, '..', '..', '..');

it('docs/rules/*.md and the README rule table are what `npm run docs` generates from the rules', () => {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'docs.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

describe('each rule page: the examples are flagged, the fixed examples are not', () => {
  for (const rule of RULES) {
    it(`${rule.code} ${rule.name}`, () => {
      const page = fs.readFileSync(path.join(ROOT, 'docs', 'rules', `${rule.code}.md`), 'utf8');
      const examples = pythonBlocks(page, 'Example');
      assert.ok(examples.length > 0, `${rule.code}: the Example section has a python block`);
      for (const code of examples) assert.ok(findings(code, rule.code, EVERY_RULE).length > 0, `${rule.code} example not flagged:\n${code}`);
      for (const code of pythonBlocks(page, 'Fixed example')) assert.deepEqual(findings(code, rule.code, EVERY_RULE), [], `${rule.code} fixed example still flagged:\n${code}`);
    });
  }
});
