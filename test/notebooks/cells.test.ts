// Notebook cells as one program: IPython masking, the position map both ways, findings located in
// cells, and fix edits mapped back to the right cell.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig } from '../../server/src/config/settings';
import { disableForLineEdit } from '../../server/src/lsp/codeActions';
import { analyzeNotebook, ConcatenatedNotebook, fixNotebook, maskIPython, type CellInput } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { parsesCleanly, useParser } from '../helpers/analysis';

useParser();

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks');
const code = (text: string, uri?: string): CellInput => ({ kind: 'code', text, uri });
const md = (text: string): CellInput => ({ kind: 'markdown', text });


describe('IPython masking', () => {
  it('comments out top-level line magics and shell escapes, keeping every column', () => {
    const cell = '%matplotlib inline\n!pip install -q torch\nimport torch';
    const { masked } = maskIPython(cell);
    assert.equal(masked, '#matplotlib inline\n#pip install -q torch\nimport torch');
    assert.equal(masked.length, cell.length);
  });

  it('keeps an indented block non-empty when its only line is a magic', () => {
    const cell = 'for f in files:\n    !gzip -d $f\nprint(1)';
    const { masked } = maskIPython(cell);
    assert.equal(masked, 'for f in files:\n    0#zip -d $f\nprint(1)');
    assert.ok(parsesCleanly(masked));
  });

  it('keeps the name bound by `x = !cmd` and `x = %magic`, and leaves comparisons alone', () => {
    const cell = 'files = !ls *.csv\nvars, n = %who_ls\nok = a != b';
    assert.equal(maskIPython(cell).masked, 'files = 0#s *.csv\nvars, n = 0#ho_ls\nok = a != b');
  });

  it('keeps the statement of %time / %timeit visible at its own columns', () => {
    const { masked, spans } = maskIPython('%time model.fit(X, y)\n%timeit -n 3 f()');
    assert.equal(masked, '0;    model.fit(X, y)\n#timeit -n 3 f()');
    assert.deepEqual(spans[0], { line: 0, start: 0, end: 6 });
    assert.ok(parsesCleanly(masked));
  });

  it('masks help requests (obj?, ?obj, obj??) but not question marks in strings or comments', () => {
    const cell = 'GridSearchCV?\n?np.mean\nsearch.fit??\nq = "why?"  # really?\n';
    assert.equal(maskIPython(cell).masked, '#ridSearchCV?\n#np.mean\n#earch.fit??\nq = "why?"  # really?\n');
  });

  it('masks a shell line continued with a backslash, and leaves % inside strings and brackets alone', () => {
    const cell = '!pip install \\\n    torch\ns = """\n%not a magic\n"""\nv = (a\n% b)';
    assert.equal(maskIPython(cell).masked, '#pip install \\\n    #orch\ns = """\n%not a magic\n"""\nv = (a\n% b)');
  });

  it('blanks a whole foreign cell magic, but analyses the body of %%time', () => {
    assert.equal(maskIPython('%%bash\necho hi\nls').masked, '      \n       \n  ');
    const timed = maskIPython('%%time\nimport torch\nx = torch.ones(3)');
    assert.equal(timed.masked, '      \nimport torch\nx = torch.ones(3)');
  });

  it('keeps CRLF line breaks', () => {
    assert.equal(maskIPython('%load_ext foo\r\nx = 1\r\n').masked, '#load_ext foo\r\nx = 1\r\n');
  });
});

describe('position map', () => {
  const cells = [code('import torch\nx = 1'), md('# Title\ntext'), code(''), code('a = 2\r\nb = 3\r\n')];
  // Built once the parser is ready (the tests run after useParser's setup): joining reads the cells' syntax.
  let joined: ConcatenatedNotebook | undefined;
  const notebook = () => (joined ??= new ConcatenatedNotebook(cells));

  it('joins code cells line by line, skipping markdown and keeping empty cells as a line', () => {
    assert.equal(notebook().text, 'import torch\nx = 1\n\na = 2\r\nb = 3\r\n');
    assert.deepEqual(
      notebook().cells.map((c) => [c.index, c.startLine, c.lineCount]),
      [
        [0, 0, 2],
        [2, 2, 1],
        [3, 3, 3],
      ],
    );
  });

  it('maps cell positions to the joined text and back', () => {
    assert.deepEqual(notebook().toJoined(3, { line: 1, character: 4 }), { line: 4, character: 4 });
    assert.deepEqual(notebook().toJoined(0, { line: 1, character: 2 }), { line: 1, character: 2 });
    assert.equal(notebook().toJoined(1, { line: 0, character: 0 }), undefined, 'markdown cells are not in the joined text');
    const back = notebook().fromJoined({ line: 4, character: 4 });
    assert.equal(back?.cell.index, 3);
    assert.deepEqual(back?.position, { line: 1, character: 4 });
    assert.equal(notebook().fromJoined({ line: 2, character: 0 })?.cell.index, 2);
    assert.equal(notebook().fromJoined({ line: 9, character: 0 }), undefined);
  });
});

describe('edits mapped back to cells', () => {
  it('puts a whole-line insertion right after the import cell at the end of that cell, converting newlines', () => {
    const nb = new ConcatenatedNotebook([code('import os\r\nimport sys'), md('x'), code('print(os.sep)')]);
    const edits = nb.mapEdits([{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, newText: 'import re\n' }], 2);
    assert.deepEqual(edits, [{ cell: 0, range: { start: { line: 1, character: 10 }, end: { line: 1, character: 10 } }, newText: '\r\nimport re' }]);
  });

  it('keeps an insertion at the top of a later cell in that cell when it is not after the import block', () => {
    const nb = new ConcatenatedNotebook([code('import os\nx = 1'), code('print(x)')]);
    const edits = nb.mapEdits([{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, newText: 'y = 2\n' }], 1);
    assert.deepEqual(edits, [{ cell: 1, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'y = 2\n' }]);
  });

  it('narrows a replacement written across cells to the cell it changes', () => {
    const nb = new ConcatenatedNotebook([code('a = 1'), code('b = 2')]);
    const edits = nb.mapEdits([{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 5 } }, newText: 'a = 1\nb = 3' }]);
    assert.deepEqual(edits, [{ cell: 1, range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, newText: '3' }]);
  });

  it('splits an edit that really spans cells: new text in the first, the rest deleted', () => {
    const nb = new ConcatenatedNotebook([code('a = 1\nb = 2'), code('c = 3'), code('d = 4\ne = 5')]);
    const edits = nb.mapEdits([{ range: { start: { line: 1, character: 0 }, end: { line: 3, character: 5 } }, newText: 'z = 0' }]);
    assert.deepEqual(edits, [
      { cell: 0, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } }, newText: 'z = 0' },
      { cell: 1, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, newText: '' },
      { cell: 2, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, newText: '' },
    ]);
  });

  it('refuses an edit that would rewrite masked IPython syntax', () => {
    const nb = new ConcatenatedNotebook([code('%time f(x)')]);
    assert.equal(nb.mapEdits([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 7 } }, newText: 'g' }]), undefined);
    assert.ok(nb.mapEdits([{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } }, newText: 'g' }]));
  });
});

describe('notebook analysis', () => {
  const grid = parseIpynb(fs.readFileSync(path.join(FIXTURES, 'grid_search.ipynb'), 'utf8'));
  const config = effectiveConfig(undefined, undefined);

  it('finds the exhaustive search in cell 3 at its position within the cell', () => {
    const { findings } = analyzeNotebook(grid.cells, { config });
    assert.deepEqual(
      findings.map((f) => [f.cell + 1, f.finding.code, f.finding.range]),
      [[3, 'GML201', { start: { line: 3, character: 9 }, end: { line: 3, character: 21 } }]],
    );
    assert.match(findings[0].finding.message, /12 candidates × 5 folds = 60 fits/);
  });

  it('finds nothing in the clean notebook (magics, empty cell, halving search)', () => {
    const clean = parseIpynb(fs.readFileSync(path.join(FIXTURES, 'clean_halving.ipynb'), 'utf8'));
    assert.deepEqual(analyzeNotebook(clean.cells, { config }).findings, []);
  });

  it('a rule runs only when its framework is imported in some cell, and imports in cell 1 count for cell 3', () => {
    const cells = [code('from sklearn.model_selection import GridSearchCV'), md('text'), code('s = GridSearchCV(est, {"a": [1, 2, 3, 4]})')];
    assert.deepEqual(analyzeNotebook(cells, { config }).findings.map((f) => [f.cell, f.finding.code]), [[2, 'GML201']]);
    assert.deepEqual(analyzeNotebook([cells[2]], { config }).findings, []);
  });

  it('a cell that does not parse cannot hide the next cells\' findings (Jupyter compiles each cell alone)', () => {
    const search = code('s = GridSearchCV(est, {"a": [1, 2, 3, 4]})');
    for (const broken of ['x = 1 +', 'model = <YOUR CODE>', 'plt.plot(history["loss"]', 'print("unclosed']) {
      const cells = [code('from sklearn.model_selection import GridSearchCV'), code(`y = 2\n${broken}`), search];
      const analysis = analyzeNotebook(cells, { config });
      assert.deepEqual(analysis.findings.map((f) => [f.cell, f.finding.code]), [[2, 'GML201']], broken);
      // Only the statement that does not parse is masked: the rest of its cell is still read.
      assert.match(analysis.notebook.text, /^y = 2$/m, broken);
    }
  });

  it('an error that stays inside its cell is left to the parser (the cell is not masked)', () => {
    const cells = [code('from sklearn.model_selection import GridSearchCV'), code('s = GridSearchCV(est, {"a": [1, 2, 3, 4]})\nx = 1 +\ny = 3'), code('z = 4')];
    const notebook = new ConcatenatedNotebook(cells);
    assert.equal(notebook.text, cells.map((c) => c.text).join('\n'));
    assert.deepEqual(analyzeNotebook(cells, { config }).findings.map((f) => [f.cell, f.finding.code]), [[1, 'GML201']]);
  });

  it('honours a suppression comment on the cell line', () => {
    const cells = grid.cells.map((c, i) => (i === 2 ? { ...c, text: c.text.replace('n_jobs=-1)', 'n_jobs=-1)  # greenml: ignore[GML201]') } : c));
    assert.deepEqual(analyzeNotebook(cells, { config }).findings, []);
  });

  it('"Disable for this line" lands on the cell line', () => {
    const analysis = analyzeNotebook(grid.cells, { config });
    const edit = disableForLineEdit(analysis.result, analysis.result.findings[0]);
    const mapped = analysis.notebook.mapEdits([edit], analysis.preambleEndLine);
    assert.deepEqual(mapped, [{ cell: 2, range: { start: { line: 3, character: 57 }, end: { line: 3, character: 57 } }, newText: '  # greenml: ignore[GML201]' }]);
  });

  it('applies the halving fix back to the cells: imports edited in cell 1, the call in cell 3', () => {
    const fixed = fixNotebook(grid.cells, { config, unsafe: true });
    assert.deepEqual(fixed.applied, ['GML201']);
    assert.equal(
      fixed.cells[0].text,
      '%matplotlib inline\nimport numpy as np\nfrom sklearn.datasets import load_digits\n' +
        'from sklearn.experimental import enable_halving_search_cv  # noqa: F401\nfrom sklearn.model_selection import HalvingGridSearchCV, train_test_split\nfrom sklearn.svm import SVC',
    );
    assert.equal(fixed.cells[2].text.split('\n')[3], 'search = HalvingGridSearchCV(SVC(), param_grid, cv=5, n_jobs=-1, return_train_score=False)');
    for (const i of [1, 3, 4, 5]) assert.equal(fixed.cells[i].text, grid.cells[i].text, `cell ${i + 1} unchanged`);
    assert.deepEqual(fixed.remaining, []);
    assert.deepEqual(analyzeNotebook(fixed.cells, { config }).findings, [], 'a second analysis finds nothing');
  });

  it('a fix in an early cell imports what it uses above it, not from the later cell that imports it', () => {
    // As notebooks write it: the imports cell, a training cell, then a later cell importing what the fix needs.
    const cells = [
      code('import torch\nfrom skorch import NeuralNetClassifier\nfrom skorch.hf import HuggingfacePretrainedTokenizer'),
      md('## Training'),
      code('net = NeuralNetClassifier(BertModule, max_epochs=3, device="cuda")\nnet.fit(X_train, y_train)'),
      md('## With Accelerate'),
      code('from accelerate import Accelerator\nfrom skorch.hf import AccelerateMixin\n\nclass AcceleratedNet(AccelerateMixin, NeuralNetClassifier):\n    pass'),
    ];
    const fixed = fixNotebook(cells, { config, unsafe: true });
    assert.deepEqual(fixed.applied, ['GML108']);
    assert.equal(fixed.cells[0].text, 'import torch\nfrom skorch import NeuralNetClassifier\nfrom skorch.hf import HuggingfacePretrainedTokenizer, AccelerateMixin\nfrom accelerate import Accelerator');
    assert.match(fixed.cells[2].text, /^class AcceleratedNeuralNetClassifier\(AccelerateMixin, NeuralNetClassifier\):/);
    assert.match(fixed.cells[2].text, /accelerator=Accelerator\(mixed_precision="bf16"\)/);
    assert.equal(fixed.cells[4].text, cells[4].text, 'the later cell is left as it was');
  });

  it('added imports go into the imports cell after an install-on-Colab cell, not above the install nor between a comment and its code', () => {
    const cells = [
      code("import subprocess\n\n# Installation on Google Colab\ntry:\n    import google.colab\n    subprocess.run(['python', '-m', 'pip', 'install', 'skorch'])\nexcept ImportError:\n    pass"),
      md('## Imports'),
      code('import torch\nfrom skorch import NeuralNetClassifier'),
      code('# Training parameters\nDEVICE = "cuda"'),
      code('net = NeuralNetClassifier(BertModule, max_epochs=3, device=DEVICE)\nnet.fit(X_train, y_train)'),
    ];
    const fixed = fixNotebook(cells, { config, unsafe: true });
    assert.deepEqual(fixed.applied, ['GML108']);
    assert.equal(fixed.cells[2].text, 'import torch\nfrom skorch import NeuralNetClassifier\nfrom skorch.hf import AccelerateMixin\nfrom accelerate import Accelerator');
    for (const i of [0, 3]) assert.equal(fixed.cells[i].text, cells[i].text, `cell ${i + 1} unchanged`);
  });

  it('applies a safe fix inside a CRLF cell without changing its newlines', () => {
    const cells = [code('import torch\r\n'), code('scaler = torch.cuda.amp.GradScaler()\r\nprint(scaler)')];
    const fixed = fixNotebook(cells, { config, unsafe: false });
    assert.deepEqual(fixed.applied, ['GML105']);
    assert.equal(fixed.cells[0].text, 'import torch\r\n');
    assert.equal(fixed.cells[1].text, 'scaler = torch.amp.GradScaler("cuda")\r\nprint(scaler)');
  });
});
