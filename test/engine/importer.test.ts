// Where a fix's new import goes, read on the Importer directly: after the leading import block, or,
// for an edit inside that block (a guarded import's try body), right above the edited statement.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parsePython, type Node, type Tree } from '../../server/src/analysis/parser';
import { SemanticModel } from '../../server/src/analysis/model/model';
import { SourceText } from '../../server/src/analysis/sourceText';
import { applyEdits } from '../../server/src/fixes/edits';
import { Importer } from '../../server/src/fixes/importer';
import { py, useParser, validPython } from '../helpers/analysis';

useParser();

const trees: Tree[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) t.delete();
});

/** Adds `import os` for an edit at the statement that starts with `at`; returns the new text. */
function importOsAt(text: string, at: string): string {
  const tree = parsePython(text);
  trees.push(tree);
  const model = new SemanticModel(tree);
  const start = text.indexOf(at);
  assert.ok(start >= 0, `no "${at}"`);
  const node: Node = tree.rootNode.descendantForIndex(start, start + at.length)!;
  const source = new SourceText(text);
  const imported = new Importer(model, source, node).module('os');
  assert.equal(imported.name, 'os');
  assert.ok(imported.edit, 'a new import line');
  return applyEdits(source, [imported.edit]);
}

describe('Importer: where a new import goes', () => {
  const guarded = py(
    '"""Train."""',
    'import numpy as np',
    'try:',
    '    import ujson as json',
    '    workers = compute_workers()',
    'except ImportError:',
    '    import json',
    'import torch',
    '',
    'loader = make_loader(workers)',
  );

  it('after the leading import block (docstring, imports, a try-guarded import) for an edit below it', () => {
    assert.equal(
      importOsAt(guarded, 'loader = make_loader'),
      py('"""Train."""', 'import numpy as np', 'try:', '    import ujson as json', '    workers = compute_workers()', 'except ImportError:', '    import json', 'import torch', 'import os', '', 'loader = make_loader(workers)'),
    );
  });

  it('right above the edited statement, at its indentation, for an edit inside the import block (the try body)', () => {
    const fixed = importOsAt(guarded, 'workers = compute_workers()');
    assert.equal(
      fixed,
      py('"""Train."""', 'import numpy as np', 'try:', '    import ujson as json', '    import os', '    workers = compute_workers()', 'except ImportError:', '    import json', 'import torch', '', 'loader = make_loader(workers)'),
    );
    assert.ok(validPython(fixed));
  });

  it('reuses an import that has run at the edit, and not one under a branch that may not have', () => {
    const tree = parsePython(py('import sys', 'if sys.platform == "linux":', '    import os', 'path = make_path()'));
    trees.push(tree);
    const text = tree.rootNode.text;
    const model = new SemanticModel(tree);
    const at = tree.rootNode.descendantForIndex(text.indexOf('make_path'))!;
    assert.ok(new Importer(model, new SourceText(text), at).module('os').edit, 'the branch may not have run: a new import');
    assert.equal(new Importer(model, new SourceText(text), at).module('sys').edit, undefined, 'import sys has run: reused');
  });
});
