// VS Code side: starts the bundled language server and adds commands, the status item and the log.
// Thin by design: analysis and measurement live in the server.
import { LOAD_STARTED } from './loadStarted';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { Commands, SERVER_ID, SERVER_NODE_OPTIONS } from '../../server/src/common/protocol';
import { registerAnalysisCommands } from './commands';
import { ServerStatusItem } from './statusItem';
import { activateTracking } from './tracking';

let client: LanguageClient | undefined;
/** The bundle's modules have all been evaluated (this module's body runs last). */
const LOAD_FINISHED = performance.now();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activateCalled = performance.now();
  const log = vscode.window.createOutputChannel('Green ML', { log: true });
  context.subscriptions.push(log);
  const status = new ServerStatusItem();
  context.subscriptions.push(status);

  registerAnalysisCommands(context, () => client, log);
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      log.info('Restarting the Green ML language server');
      await client?.restart();
    }),
  );
  // The language client library is most of this extension's code: it is loaded, and the server
  // started, after activation has returned (the status item shows the server starting).
  void startClient(context, log, status);
  const now = performance.now();
  log.info(
    `Activated in ${(now - LOAD_STARTED).toFixed(1)} ms: code evaluated in ${(LOAD_FINISHED - LOAD_STARTED).toFixed(1)} ms, activate() called ${(activateCalled - LOAD_FINISHED).toFixed(1)} ms later, ran ${(now - activateCalled).toFixed(1)} ms (the language client loads and the server starts after)`,
  );
}

async function startClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, status: ServerStatusItem): Promise<void> {
  try {
    // A turn of the event loop first, so the load is not part of activation.
    await new Promise((resolve) => setImmediate(resolve));
    const { LanguageClient, RevealOutputChannelOn, State, TransportKind } = await import('vscode-languageclient/node');
    const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_OPTIONS] } },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_OPTIONS, '--nolazy', '--inspect=6010'] } },
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
      middleware: {
        // The server links each code to its page shipped in the extension (a file URL); in VS Code
        // the link opens that page rendered, through the Show Rule Documentation command.
        handleDiagnostics: (uri, diagnostics, next) => next(uri, diagnostics.map(linkRuleDocs)),
      },
    };
    const created: LanguageClient = new LanguageClient(SERVER_ID, 'Green ML', serverOptions, clientOptions);
    client = created;
    context.subscriptions.push(
      created.onDidChangeState((e) => {
        if (e.newState === State.Running) status.running();
        else if (e.newState === State.Starting) status.starting();
        else status.stopped();
      }),
    );
    activateTracking(context, created, log);
    await created.start();
  } catch (err) {
    log.error(`The Green ML language server did not start: ${err instanceof Error ? err.message : String(err)}`);
    status.stopped();
  }
}

const RULE_PAGE = /\/docs\/rules\/(GML\d{3})\.md$/;

function linkRuleDocs(d: vscode.Diagnostic): vscode.Diagnostic {
  const code = d.code;
  if (typeof code === 'object' && code.target.scheme === 'file') {
    const m = RULE_PAGE.exec(code.target.path);
    if (m) d.code = { value: code.value, target: vscode.Uri.parse(`command:${Commands.showDocumentation}?${encodeURIComponent(JSON.stringify([m[1]]))}`) };
  }
  return d;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
