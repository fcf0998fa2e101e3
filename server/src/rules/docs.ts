// Renders the documentation of every code from its one source: a rule's (or engine code's) fields
// give the page's title and header line and the README's rule table row; its doc comment gives the
// sections (scripts/docs.mjs reads the comments, writes docs/rules/ and the README table, and
// checks them in the tests).
import type { EngineCode } from './engineCodes';
import type { Rule } from './rule';

/** The sections every page has, in order; "Measured here" may follow "Fix safety". */
export const SECTIONS = ['What it flags', 'Why', 'Example', 'Fixed example', 'Fix safety', 'References'] as const;
const OPTIONAL_SECTIONS = ['Measured here'];

type Documented = Rule | EngineCode;

function isRule(code: Documented): code is Rule {
  return 'check' in code;
}

/** `a`, `a` or `b`, `a`, `b` or `c` (each in backticks). */
function orList(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

export function headerLine(code: Documented): string {
  const fix = isRule(code) ? code.fixSafety : 'none';
  const where = isRule(code) ? `**Runs when:** ${orList(code.frameworks)} is imported${code.optIn ? ' and the rule is selected by its code' : ''}` : `**Emitted by:** ${code.emittedBy}`;
  return `**Fix:** ${fix} · **Default severity:** ${code.defaultSeverity} · ${where}`;
}

/** Problems with a doc comment's sections: missing, out of order, or unknown. */
export function sectionProblems(body: string): string[] {
  const titles = [...body.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  const problems: string[] = [];
  const expected = [...SECTIONS];
  const present = titles.filter((t) => !OPTIONAL_SECTIONS.includes(t));
  if (present.join('|') !== expected.join('|')) problems.push(`sections are [${titles.join(', ')}], expected [${expected.join(', ')}] (and optionally ${OPTIONAL_SECTIONS.join(', ')} after Fix safety)`);
  for (const t of titles) if (!SECTIONS.includes(t as (typeof SECTIONS)[number]) && !OPTIONAL_SECTIONS.includes(t)) problems.push(`unknown section "${t}"`);
  return problems;
}

/** docs/rules/<code>.md */
export function renderPage(code: Documented, body: string): string {
  return `# ${code.code} \`${code.name}\`\n\n${headerLine(code)}\n\n${body.trim()}\n`;
}

/** The README's rule table. */
export function renderRuleTable(rules: readonly Rule[], engineCodes: readonly EngineCode[]): string {
  const rows = [
    '| code | name | what it flags | fix | runs when importing |',
    '|---|---|---|---|---|',
    ...rules.map((r) => `| [${r.code}](docs/rules/${r.code}.md) | \`${r.name}\` | ${r.summary}${r.optIn ? ' (opt-in)' : ''} | ${r.fixSafety} | ${r.frameworks.join(', ')} |`),
    ...engineCodes.map((c) => `| [${c.code}](docs/rules/${c.code}.md) | \`${c.name}\` | ${c.summary} | none | — |`),
  ];
  return rows.join('\n');
}

/** The python code blocks of a section of a page. */
export function pythonBlocks(page: string, section: string): string[] {
  const start = page.indexOf(`\n## ${section}\n`);
  if (start < 0) return [];
  const next = page.indexOf('\n## ', start + 1);
  const text = page.slice(start, next < 0 ? undefined : next);
  return [...text.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
}
