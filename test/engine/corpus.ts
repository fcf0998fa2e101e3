// The fixture corpus shared by the engine tests: every script in test/fixtures/scripts, and the
// examples that declare what they expect, each with the codes its first line says it produces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Tree } from '../../server/src/analysis/parser';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCRIPTS_DIR = path.join(ROOT, 'test', 'fixtures', 'scripts');
export const EXAMPLES_DIR = path.join(ROOT, 'examples');

export interface Fixture {
  /** Path relative to the repository root, for messages. */
  name: string;
  file: string;
  text: string;
  /** Codes the hand-written header expects; empty for `# expect: none`. */
  expected: string[];
}

/** Reads `# expect: GML101, GML211` / `# expect: none` from a script's first line; undefined when absent. */
export function expectHeader(text: string): string[] | undefined {
  const first = text.split(/\r\n|\r|\n/, 1)[0].trim();
  const prefix = '# expect:';
  if (!first.startsWith(prefix)) return undefined;
  const list = first.slice(prefix.length).trim();
  if (list.toLowerCase() === 'none') return [];
  return list
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
}

function read(dir: string, requireHeader: boolean): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  const out: Fixture[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    if (!entry.endsWith('.py')) continue;
    const file = path.join(dir, entry);
    const text = fs.readFileSync(file, 'utf8');
    const expected = expectHeader(text);
    if (expected === undefined) {
      if (requireHeader) throw new Error(`${file} has no "# expect:" first line`);
      continue;
    }
    out.push({ name: path.relative(ROOT, file), file, text, expected });
  }
  return out;
}

/** Every fixture script (a header is required) and every example that has one. */
export function loadCorpus(): Fixture[] {
  return [...read(SCRIPTS_DIR, true), ...read(EXAMPLES_DIR, false)];
}

/** ERROR and MISSING nodes of a tree, as "type@row:col" strings. */
export function syntaxProblems(tree: Tree): string[] {
  const out: string[] = [];
  const stack: Node[] = [tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (!node.hasError && !node.isMissing && node.type !== 'ERROR') continue;
    if (node.type === 'ERROR' || node.isMissing) out.push(`${node.isMissing ? 'MISSING ' : ''}${node.type}@${node.startPosition.row + 1}:${node.startPosition.column + 1}`);
    for (const child of node.children) if (child) stack.push(child);
  }
  return out;
}
