// SemanticModel.parentOf finds parents from the node's top-level statement down instead of from the
// root (tree-sitter's `parent`); it must agree with tree-sitter for every node, in any order of asking.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parsePython, type Node } from '../../server/src/analysis/parser';
import { SemanticModel } from '../../server/src/analysis/model/model';
import { useParser } from '../helpers/analysis';
import { seededRandom } from '../helpers/random';

useParser();

const SCRIPTS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'scripts');

function allNodes(root: Node): Node[] {
  const out: Node[] = [];
  const cursor = root.walk();
  for (;;) {
    out.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return out;
      }
    }
  }
}

function checkParents(text: string, seed: number): number {
  const tree = parsePython(text);
  try {
    const model = new SemanticModel(tree);
    const nodes = allNodes(tree.rootNode);
    const random = seededRandom(seed);
    // Shuffled, so some nodes are asked after their descendants (cached on the way down) and some before.
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
    }
    for (const n of nodes) {
      const expected = n.parent;
      const got = model.parentOf(n);
      assert.equal(got?.id ?? null, expected?.id ?? null, `parent of ${n.type} at ${n.startPosition.row}:${n.startPosition.column}`);
    }
    return nodes.length;
  } finally {
    tree.delete();
  }
}

test('parentOf agrees with tree-sitter on every node of every fixture script', () => {
  let total = 0;
  for (const [i, f] of fs.readdirSync(SCRIPTS).filter((n) => n.endsWith('.py')).sort().entries()) {
    total += checkParents(fs.readFileSync(path.join(SCRIPTS, f), 'utf8'), i + 1);
  }
  assert.ok(total > 5000, `nodes checked: ${total}`);
});

test('parentOf agrees with tree-sitter around syntax errors, missing nodes and zero-width nodes', () => {
  const texts = [
    'import torch\nfor x in (:\n    y = [1, 2\nprint(x\n',
    'def f(:\n    return\nclass C(\n    pass\n\n@decorator\n',
    'x = 1\n\n\n(\n',
    '',
    '# only a comment\n',
    'if True:\n    pass\nelse\n    x = (1,\n',
    'with open(p) as f, torch.autocast("cuda"):\n    loss.backward()\n',
  ];
  for (const [i, t] of texts.entries()) checkParents(t, 100 + i);
});
