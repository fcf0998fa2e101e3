// Analysis commands: Fix all, Show rule documentation.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands } from '../../server/src/common/protocol';

/**
 * What "Fix all" works on: the Python editor in focus, else the notebook in focus (through one of its
 * Python cells: the server fixes the whole notebook from any of its cells).
 */
function fixAllTarget(): { uri: vscode.Uri; label: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.languageId === 'python') {
    const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === editor.document));
    return { uri: editor.document.uri, label: (notebook?.uri ?? editor.document.uri).fsPath };
  }
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  const cell = notebook?.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
  return notebook && cell ? { uri: cell.document.uri, label: notebook.uri.fsPath } : undefined;
}

export function registerAnalysisCommands(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.fixAll, async () => {
      const target = fixAllTarget();
      const client = getClient();
      if (!target || !client) {
        void vscode.window.showInformationMessage('Green ML: open a Python file or notebook to fix.');
        return;
      }
      const result = (await client.sendRequest('workspace/executeCommand', { command: Commands.applyFixAll, arguments: [target.uri.toString()] })) as { applied?: number } | undefined;
      const applied = result?.applied ?? 0;
      log.info(`Fix all: ${applied} fix(es) applied to ${target.label}`);
      if (applied === 0) void vscode.window.showInformationMessage('Green ML: nothing to fix automatically (unsafe fixes need greenml.unsafeFixes).');
    }),
    vscode.commands.registerCommand(Commands.showDocumentation, async (code?: string) => {
      if (typeof code !== 'string') {
        // The pages shipped in the extension are the list of rules.
        const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules'));
        const codes = entries.map(([name]) => name).filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)).sort();
        code = await vscode.window.showQuickPick(codes, { placeHolder: 'Green ML rule' });
        if (!code) return;
      }
      const page = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${code}.md`);
      try {
        await vscode.workspace.fs.stat(page);
        await vscode.commands.executeCommand('markdown.showPreview', page);
      } catch {
        void vscode.window.showWarningMessage(`Green ML: no documentation page for ${code}.`);
      }
    }),
  );
}
