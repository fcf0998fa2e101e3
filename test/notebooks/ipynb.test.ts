// Reading .ipynb files and rewriting cell sources in place.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NotebookFormatError, parseIpynb, rewriteIpynb, sourceLines } from '../../server/src/notebooks/ipynb';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks');
const GRID = fs.readFileSync(path.join(FIXTURES, 'grid_search.ipynb'), 'utf8');

describe('ipynb', () => {
  it('reads the cells, their kinds and their text', () => {
    const nb = parseIpynb(GRID);
    assert.deepEqual(
      nb.cells.map((c) => c.kind),
      ['code', 'markdown', 'code', 'code', 'markdown', 'code'],
    );
    assert.equal(nb.language, 'python');
    assert.equal(nb.cells[3].text, '!nvidia-smi --query-gpu=name --format=csv\nprint(search.best_params_)\nsearch.best_score_?');
    assert.equal(GRID.slice(nb.cells[1].sourceSpan.start, nb.cells[1].sourceSpan.start + 1), '[');
  });

  it('splits sources into lines the way Jupyter stores them', () => {
    assert.deepEqual(sourceLines('a\nb\n\nc'), ['a\n', 'b\n', '\n', 'c']);
    assert.deepEqual(sourceLines('a\n'), ['a\n']);
    assert.deepEqual(sourceLines(''), []);
  });

  it('rewrites only the changed source, in the file indentation, leaving everything else byte for byte', () => {
    const nb = parseIpynb(GRID);
    const out = rewriteIpynb(nb, new Map([[2, 'x = 1\ny = 2']]));
    const expectedSource = '[\n    "x = 1\\n",\n    "y = 2"\n   ]';
    const { start, end } = nb.cells[2].sourceSpan;
    assert.equal(out, GRID.slice(0, start) + expectedSource + GRID.slice(end));
    const reparsed = JSON.parse(out) as { cells: Array<{ source: string[]; outputs?: unknown }> };
    const original = JSON.parse(GRID) as typeof reparsed;
    assert.deepEqual(reparsed.cells[2].source, ['x = 1\n', 'y = 2']);
    assert.deepEqual(reparsed.cells[2].outputs, original.cells[2].outputs);
  });

  it('keeps a string source a string, and writes an empty list for an emptied cell', () => {
    const text = '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "a = 1\\nb"}, {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["c"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}';
    const nb = parseIpynb(text);
    assert.equal(nb.cells[0].text, 'a = 1\nb');
    const out = rewriteIpynb(nb, new Map([[0, 'a = 2\nb'], [1, '']]));
    assert.equal(out, text.replace('"a = 1\\nb"', '"a = 2\\nb"').replace('["c"]', '[]'));
  });

  it('reports broken and unsupported notebooks with a clear error', () => {
    assert.throws(() => parseIpynb('{"cells": [}'), (e: unknown) => e instanceof NotebookFormatError && /not valid JSON/.test(e.message));
    assert.throws(() => parseIpynb('{"worksheets": [], "nbformat": 3}'), /nbformat 3/);
    assert.throws(() => parseIpynb('[1, 2]'), /not a notebook/);
    assert.throws(() => parseIpynb('{"cells": [{"cell_type": "code"}]}'), /cell 1 has no cell_type or source/);
  });
});
