// Every code the engine can report — each rule and each meta code — has its documentation page
// (the diagnostics link to it) and a row in the README rule table.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { ENGINE_CODES } from '../../server/src/rules/engineCodes';
import { RULES } from '../../server/src/rules/registry';

const ROOT = path.resolve(__dirname, '..', '..', '..');

it('every rule and meta code has docs/rules/<code>.md and a README row', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const codes: Array<[string, string]> = [...RULES.map((r) => [r.code, r.name] as [string, string]), ...ENGINE_CODES.map((c) => [c.code, c.name] as [string, string])];
  assert.ok(codes.some(([c]) => c === 'GML004'));
  for (const [code, name] of codes) {
    const page = path.join(ROOT, 'docs', 'rules', `${code}.md`);
    assert.ok(fs.existsSync(page), `${page} missing`);
    assert.match(fs.readFileSync(page, 'utf8').split('\n')[0], new RegExp(`^# ${code} \`${name}\``), `${code}.md title`);
    assert.ok(readme.includes(`| [${code}](docs/rules/${code}.md) | \`${name}\` |`), `README row for ${code}`);
  }
});
