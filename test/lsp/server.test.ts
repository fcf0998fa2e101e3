// The language server end to end over real JSON-RPC: in-process over a stream pair, and the bundled
// dist/server.js over stdio.
import { RULES } from '../../server/src/rules/registry';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { CodeAction, Diagnostic, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { inProcessClient, stdioClient, type TestLspClient } from '../helpers/lsp';
import { fixtureScriptsOfLines, parsesCleanly, repeatedFixtureScripts } from '../helpers/analysis';
import { analyzeText } from '../../server/src/analysis/analyze';
import { loadPython } from '../../server/src/analysis/parser';


const DEPRECATED = ['import torch', 'scaler = torch.cuda.amp.GradScaler()', 'for x in data:', '    loss = model(x)', '    scaler.scale(loss).backward()', ''].join('\n');

function applyTextEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

function editsOf(edit: WorkspaceEdit, uri: string, version: number): TextEdit[] {
  const change = edit.documentChanges?.[0];
  assert.ok(change && 'textDocument' in change, 'expected a versioned text document edit');
  assert.equal(change.textDocument.uri, uri);
  assert.equal(change.textDocument.version, version, 'edit must be versioned with the current document version');
  return change.edits as TextEdit[];
}

async function scenario(client: TestLspClient, uri: string): Promise<void> {
  const init = (await client.initialize()) as { capabilities: { textDocumentSync: { change: number }; codeActionProvider: { codeActionKinds: string[] } } };
  assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
  assert.ok(init.capabilities.codeActionProvider.codeActionKinds.includes('source.fixAll.greenml'));

  const diags = await client.open(uri, DEPRECATED);
  const gml105 = diags.filter((d) => d.code === 'GML105');
  assert.equal(gml105.length, 1);
  assert.equal(gml105[0].source, 'greenml');
  assert.match(gml105[0].codeDescription!.href, /GML105\.md$/);
  // The link works offline: the page shipped with Green ML, not a web address.
  assert.ok(fs.existsSync(fileURLToPath(gml105[0].codeDescription!.href)), gml105[0].codeDescription!.href);
  assert.deepEqual(gml105[0].range, { start: { line: 1, character: 9 }, end: { line: 1, character: 34 } });

  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: gml105[0].range,
    context: { diagnostics: [gml105[0]] },
  })) as CodeAction[];
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Disable GML105 for this line'), titles.join(' | '));
  assert.ok(titles.includes('Show documentation for GML105'), titles.join(' | '));
  const fix = actions.find((a) => a.title.startsWith('Replace with torch.amp.GradScaler'));
  assert.ok(fix?.edit, titles.join(' | '));
  assert.equal(fix.isPreferred, true, 'safe fixes are preferred');
  const fixed = applyTextEdits(DEPRECATED, editsOf(fix.edit, uri, 1));
  assert.match(fixed, /scaler = torch\.amp\.GradScaler\("cuda"\)/);

  // The client applies the edit as an incremental change: the diagnostic goes away.
  const after = await client.change(uri, [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 36 } }, text: 'torch.amp.GradScaler("cuda")' }]);
  assert.deepEqual(after.filter((d) => d.code === 'GML105'), []);

  // Typing a new deprecated call brings one back, at the right place.
  const again = await client.change(uri, [{ range: { start: { line: 3, character: 20 }, end: { line: 3, character: 20 } }, text: '\n    s2 = torch.cuda.amp.GradScaler()' }]);
  const back = again.filter((d) => d.code === 'GML105');
  assert.equal(back.length, 1);
  assert.equal(back[0].range.start.line, 4);

  // source.fixAll.greenml: one versioned edit applying the safe fixes.
  const fixAll = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [], only: ['source.fixAll'] },
  })) as CodeAction[];
  assert.equal(fixAll.length, 1);
  assert.equal(fixAll[0].kind, 'source.fixAll.greenml');
  editsOf(fixAll[0].edit!, uri, client.version(uri));
  await client.close(uri);
  await client.shutdown();
}

describe('language server over LSP', () => {
  it('in-process over a stream pair: initialize, open, diagnostics, code action, edit, diagnostics, fix-all, shutdown', async () => {
    const client = inProcessClient();
    try {
      await scenario(client, 'file:///tmp/greenml-inprocess/train.py');
    } finally {
      client.kill();
    }
  });

  it('bundled dist/server.js over stdio: the same scenario', async () => {
    const server = path.resolve(__dirname, '../../../dist/server.js');
    assert.ok(fs.existsSync(server), 'dist/server.js missing: run npm run build');
    const client = stdioClient(server);
    try {
      await scenario(client, 'file:///tmp/greenml-stdio/train.py');
    } finally {
      client.kill();
    }
  });

  it('documents released from the parse cache (more than 8 open) still get correct diagnostics, edits and code actions', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      const uris = Array.from({ length: 12 }, (_, i) => `file:///tmp/greenml-cache/doc${i}.py`);
      for (const uri of uris) assert.equal((await client.open(uri, DEPRECATED)).filter((d) => d.code === 'GML105').length, 1);
      await new Promise((resolve) => setImmediate(resolve));
      // doc0 was analysed first, so it is no longer parsed: an incremental edit must still apply.
      const after = await client.change(uris[0], [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 36 } }, text: 'torch.amp.GradScaler("cuda")' }]);
      assert.deepEqual(after.filter((d) => d.code === 'GML105'), []);
      const [d] = (await client.diagnosticsFor(uris[1], 1)).filter((x) => x.code === 'GML105');
      const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: uris[1] }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
      const fix = actions.find((a) => a.title.startsWith('Replace with torch.amp.GradScaler'));
      assert.ok(fix?.edit);
      assert.match(applyTextEdits(DEPRECATED, editsOf(fix.edit, uris[1], 1)), /torch\.amp\.GradScaler\("cuda"\)/);
      await client.shutdown();
    } finally {
      client.kill();
    }
  });

  it('a long document is analysed per segment: after each edit the published diagnostics equal a whole-file analysis', async () => {
    await loadPython();
    // A budget no loaded machine runs out of: what is compared is the findings, not the time (the budget has its own tests).
    const budget = 600_000;
    const client = inProcessClient({ settings: { analysisTimeBudgetMs: budget } });
    try {
      await client.initialize();
      let text = repeatedFixtureScripts(1);
      assert.ok(text.split('\n').length >= 4 * 100, 'long enough to be kept as segments');
      const uri = 'file:///tmp/greenml-long/train.py';
      const expected = (t: string) => {
        const result = analyzeText(t, { timeBudgetMs: budget });
        try {
          return result.findings.map((f) => ({ code: f.code, range: f.range, message: f.message }));
        } finally {
          result.dispose();
        }
      };
      const published = (diagnostics: Diagnostic[]) => diagnostics.map((d) => ({ code: d.code, range: d.range, message: d.message }));
      assert.deepEqual(published(await client.open(uri, text)), expected(text));
      const lines = text.split('\n');
      const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
      // Typing in a function body, breaking a line and mending it, editing a grid, and an import.
      const edits: Array<{ line: number; character: number; insert?: string; remove?: number }> = [
        { line: at('loss.backward()'), character: 4, insert: 'x' },
        { line: at('loss.backward()'), character: 4, remove: 1 },
        { line: at('optimizer.step()'), character: 4, insert: '(' },
        { line: at('optimizer.step()'), character: 4, remove: 1 },
        { line: at('for n_estimators in ['), character: lines[at('for n_estimators in [')].indexOf('[') + 1, insert: '50, ' },
        { line: at('import torch'), character: 'import torch'.length, insert: ', os' },
      ];
      for (const e of edits) {
        assert.ok(e.line >= 0);
        const end = { line: e.line, character: e.character + (e.remove ?? 0) };
        const diagnostics = await client.change(uri, [{ range: { start: { line: e.line, character: e.character }, end }, text: e.insert ?? '' }]);
        const edited = text.split('\n');
        edited[e.line] = edited[e.line].slice(0, e.character) + (e.insert ?? '') + edited[e.line].slice(end.character);
        text = edited.join('\n');
        if (!parsesCleanly(text)) continue; // broken code: segments may recover from the error differently
        assert.deepEqual(published(diagnostics), expected(text), `after ${JSON.stringify(e)}`);
      }
      await client.shutdown();
    } finally {
      client.kill();
    }
  });

  it('a spent time budget (greenml.analysisTimeBudgetMs) is an information diagnostic GML004 on the first line', async () => {
    const client = inProcessClient({ settings: { analysisTimeBudgetMs: 0.001 } });
    try {
      await client.initialize();
      const uri = 'file:///tmp/greenml-budget/train.py';
      const diags = await client.open(uri, DEPRECATED);
      assert.deepEqual(diags.map((d) => d.code), ['GML004'], 'no rule ran within 1 µs');
      const [d] = diags;
      assert.equal(d.severity, 3, 'information');
      assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 'import torch'.length } });
      assert.match(d.codeDescription!.href, /GML004\.md$/);
      // The rules that run by default: opt-in rules (GML107) are not selected.
      const torchRules = RULES.filter((r) => r.frameworks.includes('torch') && !r.optIn).map((r) => r.code);
      assert.match(String(d.message), new RegExp(`0\\.001 ms time budget ran out, before GML101 \\(fp32-training-loop\\); rules not run to completion: ${torchRules.join(', ')}\\. .*greenml\\.analysisTimeBudgetMs`));

      // With the default budget the rules run and GML004 goes away.
      client.settings = {};
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      await client.waitFor(() => {
        const codes = client.diagnostics.get(uri)?.diagnostics.map((x) => x.code);
        return codes && codes.includes('GML105') && !codes.includes('GML004');
      }, 'GML105 and no GML004 with the default budget');
      await client.shutdown();
    } finally {
      client.kill();
    }
  });

  it('the time budget comes from [tool.greenml] analysis-time-budget-ms unless the editor sets one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-budget-'));
    // Long enough that no machine analyses it within 10 ms, and of a fixed size (ten copies of every
    // fixture grew to 22,000 lines, more than the 10 s the test waits on a loaded machine).
    const text = fixtureScriptsOfLines(2000);
    const file = path.join(dir, 'long.py');
    fs.writeFileSync(file, text);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.greenml]\nanalysis-time-budget-ms = 10\n');
    const client = inProcessClient({ rootUri: pathToFileURL(dir).toString(), settings: { analysisTimeBudgetMs: null } });
    try {
      await client.initialize();
      const uri = pathToFileURL(file).toString();
      const budget = (await client.open(uri, text)).filter((d) => d.code === 'GML004');
      assert.equal(budget.length, 1, 'the 10 ms budget of pyproject.toml ran out');
      assert.match(String(budget[0].message), /10 ms time budget ran out.*analysis-time-budget-ms in \[tool\.greenml\]/);

      client.settings = { analysisTimeBudgetMs: 600_000 };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      await client.waitFor(() => {
        const codes = client.diagnostics.get(uri)?.diagnostics.map((x) => x.code);
        return codes && codes.length > 0 && !codes.includes('GML004');
      }, 'the editor setting wins over pyproject.toml');
      await client.shutdown();
    } finally {
      client.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Disable for this line inserts a greenml ignore comment that silences the diagnostic', async () => {
    const client = inProcessClient();
    await client.initialize();
    const uri = 'file:///tmp/greenml-disable/a.py';
    const text = 'import torch\nx = torch.cuda.amp.GradScaler()  # keep\n';
    const [d] = (await client.open(uri, text)).filter((x) => x.code === 'GML105');
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    const disable = actions.find((a) => a.title === 'Disable GML105 for this line')!;
    const edits = editsOf(disable.edit!, uri, 1);
    const next = applyTextEdits(text, edits);
    assert.equal(next, 'import torch\nx = torch.cuda.amp.GradScaler()  # keep  # greenml: ignore[GML105]\n');
    const after = await client.change(uri, [{ text: next }]);
    assert.deepEqual(after.map((x) => x.code), []);
    await client.shutdown();
  });

  it('settings and pyproject.toml turn rules off; a broken pyproject.toml gets one diagnostic; fix-all command applies edits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-lsp-'));
    const file = path.join(dir, 'train.py');
    const pyproject = path.join(dir, 'pyproject.toml');
    fs.writeFileSync(file, DEPRECATED);
    const client = inProcessClient({ rootUri: pathToFileURL(dir).toString() });
    await client.initialize();
    const uri = pathToFileURL(file).toString();
    assert.equal((await client.open(uri, DEPRECATED)).filter((d) => d.code === 'GML105').length, 1);

    client.settings = { ignore: ['GML105'] };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.waitFor(() => client.diagnostics.get(uri)?.diagnostics.every((d) => d.code !== 'GML105'), 'GML105 off by setting');

    client.settings = {};
    fs.writeFileSync(pyproject, '[tool.greenml]\nignore = ["GML1"]\n');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(pyproject).toString(), type: 1 }] });
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.waitFor(() => client.diagnostics.get(uri)?.diagnostics.every((d) => d.code !== 'GML105'), 'GML105 off by pyproject');

    fs.writeFileSync(pyproject, '[tool.greenml]\nignore = ["GML1"\nbogus-key = 1\n');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(pyproject).toString(), type: 2 }] });
    const pyUri = pathToFileURL(pyproject).toString();
    const broken = await client.waitFor(() => client.diagnostics.get(pyUri)?.diagnostics.length ? client.diagnostics.get(pyUri)!.diagnostics : undefined, 'pyproject diagnostic');
    assert.equal(broken.length, 1);
    assert.equal(broken[0].code, 'GML002');
    assert.match(String(broken[0].message), /Invalid TOML/);
    // Defaults apply again: GML105 is back.
    await client.waitFor(() => client.diagnostics.get(uri)?.diagnostics.some((d) => d.code === 'GML105'), 'defaults used with broken TOML');

    fs.rmSync(pyproject);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pyUri, type: 3 }] });
    await client.waitFor(() => client.diagnostics.get(pyUri)?.diagnostics.length === 0, 'pyproject diagnostics cleared');

    const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'greenml.server.applyFixAll', arguments: [uri] })) as { applied: number };
    assert.equal(result.applied, 1);
    assert.equal(client.appliedEdits.length, 1);
    const fixed = applyTextEdits(DEPRECATED, editsOf(client.appliedEdits[0], uri, 1));
    assert.match(fixed, /torch\.amp\.GradScaler\("cuda"\)/);
    await client.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

after(() => {
  // Nothing global to clean: each test shut its server down.
});

export type { Diagnostic };
