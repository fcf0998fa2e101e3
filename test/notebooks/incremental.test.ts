// Notebooks reparsed incrementally: the joined program of the code cells is kept in one
// PythonDocument and only the region an edit changed is reparsed. After seeded random cell edits the
// tree equals a fresh parse and the findings equal a fresh analyzeNotebook; over LSP the same
// document object serves every edit, and closing the notebook disposes it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { changedRegion, PythonDocument } from '../../server/src/analysis/document';
import { parsePython } from '../../server/src/analysis/parser';
import { effectiveConfig } from '../../server/src/config/settings';
import { analyzeNotebook, ConcatenatedNotebook, type CellFinding, type CellInput } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { seededRandom as prng } from '../helpers/random';
import { inProcessClient, type TestLspClient } from '../helpers/lsp';

useParser();

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks');
const fixture = (name: string): CellInput[] => parseIpynb(fs.readFileSync(path.join(FIXTURES, name), 'utf8')).cells.map((c) => ({ kind: c.kind, text: c.text }));
const config = effectiveConfig(undefined, undefined);


function freshSexp(text: string): string {
  const tree = parsePython(text);
  try {
    return tree.rootNode.toString();
  } finally {
    tree.delete();
  }
}

function comparable(findings: readonly CellFinding[]): unknown {
  return findings.map((f) => ({ code: f.finding.code, cell: f.cell, range: f.finding.range, message: f.finding.message }));
}

const CHARS = ['x', '_', '(', ')', '[', ']', ':', ',', '=', '.', '"', "'", '#', ' ', '\t', '\\', '%', '!', '?', '\n', '1', 'é', '😀'];
const WHOLE_CELLS = [
  '',
  'import torch',
  'from sklearn.model_selection import GridSearchCV\nsearch = GridSearchCV(SVC(), {"C": [1, 10]}, cv=3)',
  'search = GridSearchCV(SVC(), param_grid, cv=5, n_jobs=-1)\nsearch.fit(X_train, y_train)',
  'search = HalvingGridSearchCV(SVC(), param_grid, cv=5)',
  '%%bash\necho hi',
  '%%time\nfor i in range(3):\n    !echo $i\n    model.fit(X)',
  'def f(:\n    return (',
  'x = """unterminated\nstring',
  'scaler = torch.cuda.amp.GradScaler()  # greenml: ignore[GML105]',
];

/** An offset that does not split a "\r\n" pair or a surrogate pair (an editor's cursor never does). */
function cursor(text: string, offset: number): number {
  if (offset > 0 && offset < text.length) {
    if (text[offset - 1] === '\r' && text[offset] === '\n') return offset - 1;
    const c = text.charCodeAt(offset);
    if (c >= 0xdc00 && c <= 0xdfff) return offset - 1;
  }
  return offset;
}

/** One random edit of the cells (in place); returns what it did. */
function randomEdit(cells: CellInput[], rnd: () => number, eol: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const codeCells = cells.map((c, i) => (c.kind === 'code' ? i : -1)).filter((i) => i >= 0);
  const index = pick(codeCells);
  const cell = cells[index];
  const r = rnd();
  if (r < 0.45) {
    const at = cursor(cell.text, Math.floor(rnd() * (cell.text.length + 1)));
    const ch = pick(CHARS).replace('\n', eol);
    cell.text = cell.text.slice(0, at) + ch + cell.text.slice(at);
    return `insert ${JSON.stringify(ch)} in cell ${index} at ${at}`;
  }
  if (r < 0.8) {
    if (!cell.text) return `nothing to delete in cell ${index}`;
    const at = cursor(cell.text, Math.floor(rnd() * cell.text.length));
    // One character as the editor sees it: a "\r\n" pair or a surrogate pair goes as one.
    const c = cell.text.charCodeAt(at);
    const width = (cell.text[at] === '\r' && cell.text[at + 1] === '\n') || (c >= 0xd800 && c <= 0xdbff) ? 2 : 1;
    cell.text = cell.text.slice(0, at) + cell.text.slice(at + width);
    return `delete ${width} at ${at} in cell ${index}`;
  }
  if (r < 0.88) {
    // A line break turned from "\r\n" to "\n" or back: the changed region must not split the pair.
    const breaks = [...cell.text.matchAll(/\r?\n/g)];
    if (!breaks.length) return `no line break in cell ${index}`;
    const m = pick(breaks);
    cell.text = cell.text.slice(0, m.index) + (m[0] === '\n' ? '\r\n' : '\n') + cell.text.slice(m.index + m[0].length);
    return `toggle line break at ${m.index} in cell ${index}`;
  }
  if (r < 0.96) {
    cell.text = pick(WHOLE_CELLS).replace(/\n/g, eol);
    return `replace cell ${index}`;
  }
  if (r < 0.98 || codeCells.length < 2) {
    cells.splice(index, 0, { kind: 'code', text: pick(WHOLE_CELLS).replace(/\n/g, eol) });
    return `add a cell before ${index}`;
  }
  cells.splice(index, 1);
  return `remove cell ${index}`;
}

describe('incremental notebook analysis', () => {
  it('changedRegion: the one changed region between two texts, never splitting "\\r\\n"', () => {
    assert.equal(changedRegion('abc', 'abc'), undefined);
    assert.deepEqual(changedRegion('abc', 'abXc'), { start: 2, oldEnd: 2, newEnd: 3 });
    assert.deepEqual(changedRegion('aXbc', 'abc'), { start: 1, oldEnd: 2, newEnd: 1 });
    assert.deepEqual(changedRegion('aaaa', 'aaaaa'), { start: 4, oldEnd: 4, newEnd: 5 }, 'prefix and suffix do not overlap');
    assert.deepEqual(changedRegion('', 'x'), { start: 0, oldEnd: 0, newEnd: 1 });
    // "\n" → "\r\n": the suffix "\nb" would start between the new "\r" and "\n".
    assert.deepEqual(changedRegion('a\nb', 'a\r\nb'), { start: 1, oldEnd: 2, newEnd: 3 });
    assert.deepEqual(changedRegion('a\r\nb', 'a\nb'), { start: 1, oldEnd: 3, newEnd: 2 });
    // The prefix "a\r" would end between "\r" and "\n".
    assert.deepEqual(changedRegion('a\r\nb', 'a\r'), { start: 1, oldEnd: 4, newEnd: 2 });
    assert.deepEqual(changedRegion('a\r', 'a\r\n'), { start: 1, oldEnd: 2, newEnd: 3 });
  });

  it('PythonDocument.setText and replaceRange reparse incrementally to the fresh tree', () => {
    const doc = new PythonDocument('import torch\r\nx = 1\r\n');
    try {
      doc.setText('import torch\nx = (1\r\n');
      assert.equal(doc.tree.rootNode.toString(), freshSexp(doc.text));
      doc.replaceRange(19, 19, ')');
      assert.equal(doc.text, 'import torch\nx = (1)\r\n');
      assert.equal(doc.tree.rootNode.toString(), freshSexp(doc.text));
      const tree = doc.tree;
      doc.setText(doc.text);
      assert.equal(doc.tree, tree, 'an unchanged text keeps the tree');
    } finally {
      doc.dispose();
    }
  });

  const cases: Array<{ name: string; cells: CellInput[]; eol: string; seed: number; steps: number }> = [
    { name: 'grid_search.ipynb', cells: fixture('grid_search.ipynb'), eol: '\n', seed: 4101, steps: 120 },
    { name: 'clean_halving.ipynb', cells: fixture('clean_halving.ipynb'), eol: '\n', seed: 4202, steps: 80 },
    {
      name: 'grid_search.ipynb (CRLF)',
      cells: fixture('grid_search.ipynb').map((c) => ({ ...c, text: c.text.replace(/\n/g, '\r\n') })),
      eol: '\r\n',
      seed: 4303,
      steps: 80,
    },
  ];
  let total = 0;
  let withFindings = 0;
  for (const c of cases) {
    it(`${c.name}: ${c.steps} random cell edits, seed ${c.seed}: tree and findings equal a fresh analysis`, () => {
      const rnd = prng(c.seed);
      const cells = c.cells.map((x) => ({ ...x }));
      const doc = new PythonDocument(new ConcatenatedNotebook(cells).text);
      try {
        for (let step = 0; step < c.steps; step++) {
          const what = randomEdit(cells, rnd, c.eol);
          const notebook = new ConcatenatedNotebook(cells);
          doc.setText(notebook.text);
          assert.equal(doc.text, notebook.text, `step ${step} (${what}): text`);
          assert.equal(doc.tree.rootNode.toString(), freshSexp(notebook.text), `step ${step} (${what}): incremental tree differs from a fresh parse`);
          const incremental = analyzeNotebook(notebook, { config, timeBudgetMs: 60_000 }, doc);
          const fresh = analyzeNotebook(cells, { config, timeBudgetMs: 60_000 });
          assert.deepEqual(comparable(incremental.findings), comparable(fresh.findings), `step ${step} (${what}): findings differ`);
          assert.equal(incremental.preambleEndLine, fresh.preambleEndLine, `step ${step} (${what}): preamble`);
          if (fresh.findings.length) withFindings++;
          total++;
        }
      } finally {
        doc.dispose();
      }
    });
  }

  it('covered at least 200 edits, some of them with findings', () => {
    assert.ok(total >= 200, `only ${total} steps`);
    assert.ok(withFindings >= 10, `only ${withFindings} steps had findings`);
  });

  it('refuses a document that does not hold the joined text', () => {
    const doc = new PythonDocument('x = 1');
    try {
      assert.throws(() => analyzeNotebook([{ kind: 'code', text: 'y = 2' }], {}, doc), /joined text/);
    } finally {
      doc.dispose();
    }
  });
});

const NB = pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-incremental', 'grid.ipynb')).toString();
const cellUri = (n: number) => `vscode-notebook-cell:${NB.slice('file:'.length)}#W${n}sZmlsZQ%3D%3D`;

function failures(client: TestLspClient): string[] {
  return client.notifications
    .filter((n) => n.method === 'window/logMessage' && (n.params as { type: number }).type === 1)
    .map((n) => (n.params as { message: string }).message);
}

describe('incremental notebook analysis over LSP', () => {
  const cells = fixture('grid_search.ipynb');
  const open = (client: TestLspClient) => client.openNotebook(NB, cells.map((c, i) => ({ uri: cellUri(i), text: c.text, kind: c.kind === 'code' ? 2 : 1 })));
  const codes = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.range.start.line, d.range.start.character]);
  const GML201 = [['GML201', 3, 9]];

  it('edits a cell so a finding disappears and comes back, reparsing one document incrementally', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      await open(client);
      assert.deepEqual(codes(await client.diagnosticsFor(cellUri(2), 1)), GML201);
      const doc = client.handle!.notebookDocument(NB);
      assert.ok(doc, 'the notebook keeps a parsed document');
      const texts = cells.map((c) => c.text);
      const codeCells = cells.flatMap((c, i) => (c.kind === 'code' ? [i] : []));
      /** After an edit: the server has analysed it, in the same document, and published per cell as expected. */
      const settled = async (label: string, cell2: unknown[]) => {
        // A request after the change is handled after it: then the validation it scheduled is awaited.
        await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: cellUri(2) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } });
        await client.handle!.whenAnalysed(NB);
        assert.equal(client.handle!.notebookDocument(NB), doc, `${label}: the same PythonDocument is updated, not replaced`);
        const joined = new ConcatenatedNotebook(texts.map((text, i) => ({ kind: cells[i].kind, text }))).text;
        assert.equal(doc.text, joined, `${label}: document text`);
        assert.equal(doc.tree.rootNode.toString(), freshSexp(joined), `${label}: tree`);
        for (const i of codeCells) {
          const published = client.diagnostics.get(cellUri(i))?.diagnostics ?? [];
          assert.deepEqual(codes(published), i === 2 ? cell2 : [], `${label}: diagnostics of cell ${i}`);
        }
      };
      await settled('open', GML201);

      // `search = GridSearchCV(` → `search = HalvingGridSearchCV(`: not an exhaustive search any more.
      const at = { line: 3, character: 9 };
      texts[2] = texts[2].replace('search = GridSearchCV', 'search = HalvingGridSearchCV');
      let v = await client.changeNotebookCell(NB, cellUri(2), [{ range: { start: at, end: at }, text: 'Halving' }]);
      assert.deepEqual(await client.diagnosticsFor(cellUri(2), v), [], 'the finding is cleared at the new version');
      await settled('Halving added', []);

      // And back, one character at a time: the finding returns once the name is GridSearchCV again.
      for (let i = 0; i < 'Halving'.length; i++) {
        texts[2] = texts[2].replace(/search = \w+/, (m) => m.slice(0, 9) + m.slice(10));
        v = await client.changeNotebookCell(NB, cellUri(2), [{ range: { start: at, end: { line: 3, character: 10 } }, text: '' }]);
        await settled(`deletion ${i + 1}`, i === 6 ? GML201 : []);
      }
      const diags = await client.diagnosticsFor(cellUri(2), v);
      assert.deepEqual(codes(diags), GML201, 'published at the last version');

      // Code actions read the incrementally reparsed tree (disableForLineEdit walks it).
      const actions = (await client.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: cellUri(2) },
        range: diags[0].range,
        context: { diagnostics: [diags[0]] },
      })) as CodeAction[];
      const disable = actions.find((a) => a.title === 'Disable GML201 for this line');
      assert.ok(disable, actions.map((a) => a.title).join(' | '));
      const change = disable.edit!.documentChanges![0] as { textDocument: { uri: string; version: number }; edits: Array<{ range: unknown; newText: string }> };
      assert.deepEqual(change.textDocument, { uri: cellUri(2), version: v });
      const end = { line: 3, character: texts[2].split('\n')[3].length };
      assert.deepEqual(change.edits, [{ range: { start: end, end }, newText: '  # greenml: ignore[GML201]' }]);

      // An edit in another cell (the import goes) clears cell 2 without a new version of it.
      const importLine = texts[0].split('\n')[3];
      texts[0] = texts[0].replace('GridSearchCV, ', '');
      await client.changeNotebookCell(NB, cellUri(0), [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: importLine.length } }, text: importLine.replace('GridSearchCV, ', '') }]);
      await settled('import removed', []);
      assert.deepEqual(failures(client), []);
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('a burst of edits interleaved with code action and fix-all requests never reads a deleted tree', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      await open(client);
      await client.diagnosticsFor(cellUri(2), 1);
      const at = { line: 3, character: 9 };
      const pending: Array<Promise<unknown>> = [];
      let v = 1;
      for (let i = 0; i < 10; i++) {
        // Not awaited in between: edits, code actions and fix-all interleave in the server.
        pending.push(client.changeNotebookCell(NB, cellUri(2), [{ range: { start: at, end: at }, text: 'X' }]).then((n) => (v = Math.max(v, n))));
        pending.push(client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: cellUri(2) }, range: { start: at, end: at }, context: { diagnostics: [] } }));
        pending.push(client.changeNotebookCell(NB, cellUri(2), [{ range: { start: at, end: { line: 3, character: 10 } }, text: '' }]).then((n) => (v = Math.max(v, n))));
        pending.push(client.connection.sendRequest('workspace/executeCommand', { command: 'greenml.server.applyFixAll', arguments: [cellUri(2)] }));
      }
      const results = await Promise.all(pending);
      for (const r of results) if (Array.isArray(r)) for (const a of r as CodeAction[]) assert.equal(typeof a.title, 'string');
      assert.deepEqual(codes(await client.diagnosticsFor(cellUri(2), v)), GML201);
      assert.equal(client.handle!.notebookDocument(NB)!.tree.rootNode.toString(), freshSexp(new ConcatenatedNotebook(cells).text));
      assert.deepEqual(failures(client), []);
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('closing the notebook disposes its document; it can be closed and opened again', async () => {
    const client = inProcessClient();
    const closeNotebook = () =>
      client.connection.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: NB }, cellTextDocuments: cells.map((_, i) => ({ uri: cellUri(i) })) });
    try {
      await client.initialize();
      for (let round = 0; round < 2; round++) {
        client.diagnostics.clear();
        await open(client);
        assert.deepEqual(codes(await client.diagnosticsFor(cellUri(2), 1)), GML201, `round ${round}: diagnostics after opening`);
        const doc = client.handle!.notebookDocument(NB)!;
        assert.ok(doc);
        let disposed = 0;
        const dispose = doc.dispose.bind(doc);
        doc.dispose = () => {
          disposed++;
          dispose();
        };
        await closeNotebook();
        await client.waitFor(() => client.diagnostics.get(cellUri(2))?.diagnostics.length === 0, 'diagnostics cleared on close');
        assert.equal(disposed, 1, `round ${round}: the document is disposed once`);
        assert.equal(client.handle!.notebookDocument(NB), undefined, `round ${round}: no state left`);
      }
      // A close for a notebook that is not open is ignored.
      await closeNotebook();
      // The server still serves a plain file.
      const file = pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-incremental', 'train.py')).toString();
      assert.deepEqual((await client.open(file, 'import torch\ns = torch.cuda.amp.GradScaler()\n')).map((d) => d.code), ['GML105']);
      assert.deepEqual(failures(client), []);
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('notebooks and text documents share the budget of 8 parsed trees; an evicted notebook is parsed again when edited; shutdown frees all', async () => {
    const client = inProcessClient();
    const nbUri = (k: number) => pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-budget', `grid${k}.ipynb`)).toString();
    const nbCell = (k: number, i: number) => `vscode-notebook-cell:${nbUri(k).slice('file:'.length)}#W${i}sZmlsZQ%3D%3D`;
    try {
      await client.initialize();
      for (let k = 0; k < 6; k++) {
        await client.openNotebook(nbUri(k), cells.map((c, i) => ({ uri: nbCell(k, i), text: c.text, kind: c.kind === 'code' ? 2 : 1 })));
        assert.deepEqual(codes(await client.diagnosticsFor(nbCell(k, 2), 1)), GML201, `notebook ${k}`);
      }
      for (let k = 0; k < 4; k++) {
        const file = pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-budget', `train${k}.py`)).toString();
        assert.deepEqual((await client.open(file, 'import torch\ns = torch.cuda.amp.GradScaler()\n')).map((d) => d.code), ['GML105']);
      }
      // Released after the analyses that went over the limit (on the next turn of the event loop).
      await new Promise((resolve) => setImmediate(resolve));
      const kept = client.handle!.parsedKeys();
      assert.equal(kept.length, 8, kept.join(', '));
      assert.deepEqual(kept.slice(0, 4), [2, 3, 4, 5].map((k) => `notebook:${nbUri(k)}`), 'the two least recently analysed notebooks were released');
      assert.equal(client.handle!.notebookDocument(nbUri(0)), undefined, 'notebook 0 holds no tree');
      assert.ok(client.handle!.notebookDocument(nbUri(5)), 'notebook 5 still does');

      // Editing the released notebook parses it again, with the right findings.
      const at = { line: 3, character: 9 };
      const v = await client.changeNotebookCell(nbUri(0), nbCell(0, 2), [{ range: { start: at, end: at }, text: 'Halving' }]);
      assert.deepEqual(await client.diagnosticsFor(nbCell(0, 2), v), []);
      await client.handle!.whenAnalysed(nbUri(0));
      assert.ok(client.handle!.notebookDocument(nbUri(0)), 'notebook 0 is parsed again');
      assert.equal(client.handle!.parsedKeys().at(-1), `notebook:${nbUri(0)}`);

      const doc = client.handle!.notebookDocument(nbUri(5))!;
      let disposed = 0;
      const dispose = doc.dispose.bind(doc);
      doc.dispose = () => {
        disposed++;
        dispose();
      };
      assert.deepEqual(failures(client), []);
      await client.shutdown();
      assert.deepEqual(client.handle!.parsedKeys(), [], 'no tree is kept after shutdown');
      assert.equal(client.handle!.notebookDocument(nbUri(5)), undefined);
      assert.equal(disposed, 1, 'the notebook tree was freed once');
    } catch (err) {
      client.kill();
      throw err;
    }
  });
});
