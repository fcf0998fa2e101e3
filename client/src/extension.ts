// VS Code side: starts the bundled language server and adds commands, the status item and the log.
// Thin by design: analysis and measurement live in the server.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, RevealOutputChannelOn, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { Commands, SERVER_ID } from '../../server/src/common/protocol';
import { registerAnalysisCommands } from './commands';
import { ServerStatusItem } from './statusItem';
import { activateTracking } from './tracking';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Green ML', { log: true });
  context.subscriptions.push(log);
  const status = new ServerStatusItem();
  context.subscriptions.push(status);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { notebook: '*', language: 'python' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/pyproject.toml') },
    outputChannel: log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };
  client = new LanguageClient(SERVER_ID, 'Green ML', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) status.running();
      else if (e.newState === State.Starting) status.starting();
      else status.stopped();
    }),
  );
  registerAnalysisCommands(context, () => client, log);
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      log.info('Restarting the Green ML language server');
      await client?.restart();
    }),
  );
  activateTracking(context, client, log);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
