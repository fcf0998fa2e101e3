// Writes docs/rules/<code>.md and the README's rule table from the rules themselves: their fields
// (compiled, from out/) and the doc comment above each `defineRule(…)` / `engineCode(…)` (read with
// the TypeScript compiler). `--check` writes nothing and exits 1 listing what differs.
// Usage: npm run docs  (or: npx tsc -p . && node scripts/docs.mjs [--check])
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');
const check = process.argv.includes('--check');

const compiled = (p) => join(root, 'out', 'server', 'src', 'rules', p);
if (!existsSync(compiled('registry.js'))) {
  process.stderr.write('docs: out/ is not built; run `npx tsc -p .` first (npm run docs does)\n');
  process.exit(2);
}
const { RULES } = require(compiled('registry.js'));
const { ENGINE_CODES } = require(compiled('engineCodes.js'));
const { renderPage, renderRuleTable, sectionProblems } = require(compiled('docs.js'));

/** code → the Markdown of the doc comment above its definition, from every .ts file in server/src/rules. */
function docComments() {
  const dir = join(root, 'server', 'src', 'rules');
  const found = new Map();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations) {
        const init = decl.initializer;
        if (!init || !ts.isCallExpression(init) || !['defineRule', 'engineCode'].includes(init.expression.getText(file))) continue;
        const spec = init.arguments[0];
        const codeProperty = spec && ts.isObjectLiteralExpression(spec) ? spec.properties.find((p) => p.name?.getText(file) === 'code') : undefined;
        const code = codeProperty && ts.isPropertyAssignment(codeProperty) && ts.isStringLiteral(codeProperty.initializer) ? codeProperty.initializer.text : undefined;
        if (!code) throw new Error(`${name}: ${decl.name.getText(file)} has no literal code`);
        const ranges = ts.getLeadingCommentRanges(text, statement.pos) ?? [];
        const doc = ranges.map((r) => text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**')).pop();
        if (!doc) throw new Error(`${name}: ${code} has no doc comment`);
        const body = doc
          .replace(/^\/\*\*\n/, '')
          .replace(/\n \*\/$/, '')
          .split('\n')
          .map((line) => line.replace(/^ \* ?/, '').replace(/^ \*$/, ''))
          .join('\n');
        found.set(code, body);
      }
    }
  }
  return found;
}

const comments = docComments();
const problems = [];
const differing = [];
const write = (path, text) => {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) return;
  differing.push(path.slice(root.length + 1));
  if (!check) writeFileSync(path, text);
};

for (const code of [...RULES, ...ENGINE_CODES]) {
  const body = comments.get(code.code);
  if (body === undefined) {
    problems.push(`${code.code}: no doc comment found above its definition`);
    continue;
  }
  for (const p of sectionProblems(body)) problems.push(`${code.code}: ${p}`);
  write(join(root, 'docs', 'rules', `${code.code}.md`), renderPage(code, body));
}

const START = '<!-- rules table: generated from server/src/rules by `npm run docs` -->';
const END = '<!-- end of rules table -->';
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) problems.push(`README.md: no "${START}" … "${END}" block`);
else write(readmePath, `${readme.slice(0, from + START.length)}\n${renderRuleTable(RULES, ENGINE_CODES)}\n${readme.slice(to)}`);

for (const p of problems) process.stderr.write(`docs: ${p}\n`);
if (check && differing.length) process.stderr.write(`docs: out of date (run npm run docs): ${differing.join(', ')}\n`);
else if (!check) for (const d of differing) process.stdout.write(`wrote ${d}\n`);
process.exit(problems.length || (check && differing.length) ? 1 : 0);
