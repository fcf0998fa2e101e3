// Runs inside the VS Code extension host (loaded by @vscode/test-electron as extensionTestsPath).
// The same scenarios as test/e2e/editor.test.ts, through the VS Code API instead of the UI.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const WS = process.env.GREENML_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

function greenml(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'greenml');
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
}

async function waitForCode(uri: vscode.Uri, code: string, present = true): Promise<vscode.Diagnostic[]> {
  return waitFor(() => {
    const ds = greenml(uri);
    return ds.some((d) => codeOf(d) === code) === present ? ds : undefined;
  }, `${code} ${present ? 'to appear on' : 'to go from'} ${uri.fsPath}`);
}

/** A fresh copy of a fixture under a scenario-specific name, opened in an editor. */
async function openCopy(fixture: string, name: string): Promise<vscode.TextEditor> {
  copyFileSync(join(WS, fixture), join(WS, name));
  const doc = await vscode.workspace.openTextDocument(join(WS, name));
  return vscode.window.showTextDocument(doc);
}

async function applyFix(editor: vscode.TextEditor, code: string, title: RegExp): Promise<string> {
  const diag = (await waitForCode(editor.document.uri, code)).find((d) => codeOf(d) === code)!;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    editor.document.uri,
    diag.range,
    vscode.CodeActionKind.QuickFix.value,
  );
  const action = actions.find((a) => title.test(a.title));
  assert.ok(action, `no action ${title}; offered ${actions.map((a) => a.title).join(' | ')}`);
  if (action.edit) assert.ok(await vscode.workspace.applyEdit(action.edit));
  if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  await editor.document.save();
  return action.title;
}

async function setGreenmlIgnore(codes: string[] | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('greenml').update('ignore', codes, vscode.ConfigurationTarget.Workspace);
}

const scenarios: [string, () => Promise<void>][] = [
  ['diagnostics with codes and source', async () => {
    const ed = await openCopy('search_and_fit.py', 'diag_search_and_fit.py');
    await waitForCode(ed.document.uri, 'GML201');
    await waitForCode(ed.document.uri, 'GML211');
  }],
  ['GML201 quick fix', async () => {
    const ed = await openCopy('grid_search.py', 'fix_grid_search.py');
    assert.match(await applyFix(ed, 'GML201', /HalvingGridSearchCV/), /\(unsafe\)/);
    assert.match(ed.document.getText(), /HalvingGridSearchCV\(/);
    await waitForCode(ed.document.uri, 'GML201', false);
  }],
  ['GML211 quick fix', async () => {
    const ed = await openCopy('keras_fit.py', 'fix_keras_fit.py');
    assert.match(await applyFix(ed, 'GML211', /EarlyStopping/), /\(unsafe\)/);
    assert.match(ed.document.getText(), /callbacks=\[[^\]]*EarlyStopping\(/);
    await waitForCode(ed.document.uri, 'GML211', false);
  }],
  ['Disable for this line', async () => {
    const ed = await openCopy('grid_search.py', 'disable_grid_search.py');
    await applyFix(ed, 'GML201', /Disable GML201 for this line/);
    assert.match(ed.document.getText(), /# greenml: ignore\[GML201\]/);
    await waitForCode(ed.document.uri, 'GML201', false);
  }],
  ['codeActionsOnSave source.fixAll.greenml', async () => {
    const cfg = vscode.workspace.getConfiguration('editor', { languageId: 'python' });
    await cfg.update('codeActionsOnSave', { 'source.fixAll.greenml': 'explicit' }, vscode.ConfigurationTarget.Workspace);
    try {
      const ed = await openCopy('cuda_amp.py', 'save_cuda_amp.py');
      await waitForCode(ed.document.uri, 'GML105');
      await ed.edit((b) => b.insert(new vscode.Position(ed.document.lineCount, 0), '# saved\n'));
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor(() => /torch\.amp\.autocast\("cuda"/.test(readFileSync(ed.document.uri.fsPath, 'utf8')), 'the GML105 fix on save');
      await waitForCode(ed.document.uri, 'GML105', false);
    } finally {
      await cfg.update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  }],
  ['greenml.ignore setting', async () => {
    await setGreenmlIgnore(['GML201']);
    try {
      const ed = await openCopy('search_and_fit.py', 'setting_search_and_fit.py');
      const ds = await waitForCode(ed.document.uri, 'GML211');
      await waitForCode(ed.document.uri, 'GML201', false);
      assert.ok(!ds.some((d) => codeOf(d) === 'GML201'));
    } finally {
      await setGreenmlIgnore(undefined);
    }
  }],
  ['pyproject.toml ignore, then broken pyproject.toml', async () => {
    const pyproject = join(WS, 'pyproject.toml');
    writeFileSync(pyproject, '[tool.greenml]\nignore = ["GML201"]\n');
    try {
      const ed = await openCopy('search_and_fit.py', 'pyproject_search_and_fit.py');
      await waitForCode(ed.document.uri, 'GML211');
      await waitForCode(ed.document.uri, 'GML201', false);
      writeFileSync(pyproject, '[tool.greenml\nignore = [\n');
      await waitFor(() => greenml(vscode.Uri.file(pyproject)).length > 0, 'a diagnostic on the broken pyproject.toml');
    } finally {
      rmSync(pyproject, { force: true });
    }
  }],
];

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, body] of scenarios) {
    const started = Date.now();
    try {
      await body();
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      console.log(`FAIL ${name}: ${e instanceof Error ? e.stack : e}`);
      failures.push(name);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  if (failures.length) throw new Error(`${failures.length} scenario(s) failed: ${failures.join(', ')}`);
}
