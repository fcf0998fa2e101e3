// Notebook documents over LSP: the real server in-process, notebookDocument/did* notifications,
// diagnostics on cell URIs, code actions whose edits target cell URIs and versions.
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { CodeAction, TextDocumentEdit, TextEdit } from 'vscode-languageserver';
import { inProcessClient } from '../helpers/lsp';

const NB = pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-lsp', 'tune.ipynb')).toString();
const cellUri = (n: number) => `vscode-notebook-cell:${NB.slice('file:'.length)}#W${n}sZmlsZQ%3D%3D`;

const CELL1 = ['%matplotlib inline', 'from sklearn.model_selection import GridSearchCV', 'from sklearn.svm import SVC'].join('\n');
const CELL2 = '## Search\nAn exhaustive grid.';
const CELL3 = ['grid = {"C": [1, 10, 100], "gamma": [0.1, 0.01, 0.001]}', 'search = GridSearchCV(SVC(), grid, cv=3)', 'search.fit(X, y)'].join('\n');

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

function changesByUri(action: CodeAction): Map<string, TextDocumentEdit> {
  const out = new Map<string, TextDocumentEdit>();
  for (const c of action.edit?.documentChanges ?? []) {
    assert.ok('textDocument' in c, 'versioned text document edits');
    out.set(c.textDocument.uri, c);
  }
  return out;
}

describe('notebooks over LSP', () => {
  it('publishes diagnostics to cell URIs and serves code actions with edits on cell URIs', async () => {
    const client = inProcessClient();
    try {
      const init = (await client.initialize()) as { capabilities: { notebookDocumentSync?: { notebookSelector: Array<{ notebook: string; cells: Array<{ language: string }> }> } } };
      assert.deepEqual(init.capabilities.notebookDocumentSync, { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] });

      await client.openNotebook(NB, [
        { uri: cellUri(0), text: CELL1 },
        { uri: cellUri(1), text: CELL2, kind: 1 },
        { uri: cellUri(2), text: CELL3 },
      ]);
      const diags = await client.diagnosticsFor(cellUri(2), 1);
      assert.deepEqual(
        diags.map((d) => [d.code, d.range]),
        [['GML201', { start: { line: 1, character: 9 }, end: { line: 1, character: 21 } }]],
      );
      assert.match(String(diags[0].message), /9 candidates × 3 folds = 27 fits/);
      assert.equal(client.diagnostics.has(cellUri(1)), false, 'nothing published to the markdown cell');

      const actions = (await client.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: cellUri(2) },
        range: diags[0].range,
        context: { diagnostics: [diags[0]] },
      })) as CodeAction[];
      const titles = actions.map((a) => a.title);
      assert.ok(titles.includes('Show documentation for GML201'), titles.join(' | '));

      const disable = actions.find((a) => a.title === 'Disable GML201 for this line');
      assert.ok(disable, titles.join(' | '));
      assert.deepEqual(disable.diagnostics?.[0].range, diags[0].range, 'the action names the cell diagnostic');
      const disableEdits = changesByUri(disable);
      assert.deepEqual([...disableEdits.keys()], [cellUri(2)]);
      assert.equal(disableEdits.get(cellUri(2))!.textDocument.version, 1);
      assert.deepEqual(disableEdits.get(cellUri(2))!.edits, [{ range: { start: { line: 1, character: 40 }, end: { line: 1, character: 40 } }, newText: '  # greenml: ignore[GML201]' }]);

      const halving = actions.find((a) => a.title.startsWith('Replace GridSearchCV with successive halving'));
      assert.ok(halving, titles.join(' | '));
      const halvingEdits = changesByUri(halving);
      assert.deepEqual([...halvingEdits.keys()].sort(), [cellUri(0), cellUri(2)].sort(), 'imports go to cell 1, the call is in cell 3');
      // GridSearchCV is used nowhere else: its import becomes HalvingGridSearchCV's, the experimental import before it.
      assert.deepEqual(halvingEdits.get(cellUri(0))!.edits, [
        { range: { start: { line: 1, character: 36 }, end: { line: 1, character: 36 } }, newText: 'Halving' },
        { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401\n' },
      ]);
      const cell1 = applyEdits(CELL1, halvingEdits.get(cellUri(0))!.edits as TextEdit[]);
      assert.equal(cell1.split('\n').slice(1, 3).join('\n'), 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401\nfrom sklearn.model_selection import HalvingGridSearchCV');
      const cell3 = applyEdits(CELL3, halvingEdits.get(cellUri(2))!.edits as TextEdit[]);
      assert.equal(cell3.split('\n')[1], 'search = HalvingGridSearchCV(SVC(), grid, cv=3, return_train_score=False)');

      // The user applies "Disable for this line" to cell 3: the diagnostic goes away at version 2.
      const v = await client.changeNotebookCell(NB, cellUri(2), [{ range: { start: { line: 1, character: 40 }, end: { line: 1, character: 40 } }, text: '  # greenml: ignore[GML201]' }]);
      assert.equal(v, 2);
      assert.deepEqual(await client.diagnosticsFor(cellUri(2), 2), []);

      // A plain file next to the notebook still works the same.
      const fileDiags = await client.open(pathToFileURL(path.join(os.tmpdir(), 'greenml-nb-lsp', 'train.py')).toString(), 'import torch\ns = torch.cuda.amp.GradScaler()\n');
      assert.deepEqual(fileDiags.map((d) => d.code), ['GML105']);

      await client.connection.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: NB }, cellTextDocuments: [0, 1, 2].map((n) => ({ uri: cellUri(n) })) });
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('greenml.server.applyFixAll on a cell applies the notebook fix-all as versioned cell edits', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      const texts = new Map([
        [cellUri(0), 'import numpy as np\nfrom torch.cuda.amp import GradScaler'],
        [cellUri(2), 'scaler = GradScaler()'],
      ]);
      await client.openNotebook(NB, [
        { uri: cellUri(0), text: texts.get(cellUri(0))! },
        { uri: cellUri(1), text: CELL2, kind: 1 },
        { uri: cellUri(2), text: texts.get(cellUri(2))! },
      ]);
      const before = await client.diagnosticsFor(cellUri(2), 1);
      assert.deepEqual(before.map((d) => d.code), ['GML105'], 'a safe-fixable finding before the command');

      const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'greenml.server.applyFixAll', arguments: [cellUri(2)] })) as { applied: number };
      assert.deepEqual(result, { applied: 1 });
      assert.equal(client.appliedEdits.length, 1, 'one workspace/applyEdit');
      const changes = new Map<string, TextDocumentEdit>();
      for (const c of client.appliedEdits[0].documentChanges ?? []) {
        assert.ok('textDocument' in c, 'versioned text document edits');
        changes.set(c.textDocument.uri, c);
      }
      // The fix imports torch in the first cell (with the other imports) and rewrites the call in the third.
      assert.deepEqual([...changes.keys()].sort(), [cellUri(0), cellUri(2)].sort());
      for (const c of changes.values()) assert.equal(c.textDocument.version, 1, `${c.textDocument.uri} edit is versioned`);
      const fixed = new Map([...texts].map(([uri, text]) => [uri, applyEdits(text, (changes.get(uri)?.edits ?? []) as TextEdit[])]));
      assert.equal(fixed.get(cellUri(2)), 'scaler = torch.amp.GradScaler("cuda")');
      assert.match(fixed.get(cellUri(0))!, /^import torch$/m);

      // The client applies the edit: the finding is gone from the cell's diagnostics at its new version.
      for (const [uri, c] of changes) {
        const edits = [...(c.edits as TextEdit[])].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
        await client.changeNotebookCell(NB, uri, edits.map((e) => ({ range: e.range, text: e.newText })));
      }
      assert.deepEqual(await client.diagnosticsFor(cellUri(2), 2), []);

      // Nothing left to fix: the command applies nothing and sends no edit.
      assert.deepEqual(await client.connection.sendRequest('workspace/executeCommand', { command: 'greenml.server.applyFixAll', arguments: [cellUri(2)] }), { applied: 0 });
      assert.equal(client.appliedEdits.length, 1);
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('a spent time budget is reported (GML004) on the first line of the first code cell', async () => {
    const client = inProcessClient({ settings: { analysisTimeBudgetMs: 0.001 } });
    try {
      await client.initialize();
      await client.openNotebook(NB, [
        { uri: cellUri(0), text: CELL2, kind: 1 },
        { uri: cellUri(1), text: CELL1 },
        { uri: cellUri(2), text: CELL3 },
      ]);
      const first = await client.diagnosticsFor(cellUri(1), 1);
      assert.deepEqual(first.map((d) => [d.code, d.severity, d.range]), [['GML004', 3, { start: { line: 0, character: 0 }, end: { line: 0, character: '%matplotlib inline'.length } }]]);
      assert.match(String(first[0].message), /0\.001 ms time budget ran out, before GML201 \(exhaustive-grid-search\).*greenml\.analysisTimeBudgetMs/);
      assert.equal(client.diagnostics.has(cellUri(0)), false, 'nothing on the markdown cell');
      assert.equal(client.diagnostics.has(cellUri(2)), false, 'GML201 was not run');
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });

  it('clears a cell diagnostic when the import it depended on is removed from another cell', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      await client.openNotebook(NB, [
        { uri: cellUri(0), text: CELL1 },
        { uri: cellUri(2), text: CELL3 },
      ]);
      assert.equal((await client.diagnosticsFor(cellUri(2), 1)).length, 1);
      // Cell 1 changes; cell 3 keeps version 1, so wait for a publish that clears it.
      await client.changeNotebookCell(NB, cellUri(0), [{ text: 'import numpy as np' }]);
      await client.waitFor(() => {
        const d = client.diagnostics.get(cellUri(2));
        return d && d.diagnostics.length === 0;
      }, 'cell 3 diagnostics cleared');
      await client.shutdown();
    } catch (err) {
      client.kill();
      throw err;
    }
  });
});
