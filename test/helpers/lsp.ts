// A real LSP client for tests: JSON-RPC over a stream pair to the in-process server, or over stdio
// to the bundled server. It answers the server's requests (configuration, applyEdit, registration)
// and records published diagnostics.
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Diagnostic, PublishDiagnosticsParams, WorkspaceEdit } from 'vscode-languageserver';
import { startServer, type ServerHandle } from '../../server/src/startServer';
import { SERVER_NODE_OPTIONS } from '../../server/src/common/protocol';

export interface LspClientOptions {
  /** Settings returned for workspace/configuration requests (section "greenml"). */
  settings?: Record<string, unknown>;
  rootUri?: string | null;
}

export class TestLspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly appliedEdits: WorkspaceEdit[] = [];
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  settings: Record<string, unknown>;
  private waiters: Array<() => void> = [];
  private versions = new Map<string, number>();

  constructor(
    readonly connection: MessageConnection,
    private readonly options: LspClientOptions,
    readonly handle?: ServerHandle,
    private readonly child?: ChildProcess,
  ) {
    this.settings = options.settings ?? {};
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.wake();
    });
    connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      this.wake();
    });
    connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) => p.items.map(() => this.settings));
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      this.appliedEdits.push(p.edit);
      return { applied: true };
    });
    connection.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async initialize(): Promise<unknown> {
    const result = await this.connection.sendRequest('initialize', {
      // An in-process server would watch this process id with a timer and keep the test alive.
      processId: this.child ? process.pid : null,
      rootUri: this.options.rootUri ?? null,
      workspaceFolders: this.options.rootUri ? [{ uri: this.options.rootUri, name: 'root' }] : null,
      capabilities: {
        workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true }, didChangeWatchedFiles: { dynamicRegistration: false } },
        textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } } },
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Waits until a condition on the recorded state holds. */
  async waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Diagnostics published for exactly this version of the document (waiting up to `timeoutMs`, default 10 s). */
  diagnosticsFor(uri: string, version: number, timeoutMs?: number): Promise<Diagnostic[]> {
    return this.waitFor(
      () => {
        const d = this.diagnostics.get(uri);
        return d && d.version === version ? d.diagnostics : undefined;
      },
      `diagnostics for ${uri} v${version}`,
      timeoutMs,
    );
  }

  async open(uri: string, text: string, languageId = 'python', timeoutMs?: number): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return this.diagnosticsFor(uri, 1, timeoutMs);
  }

  async change(uri: string, changes: Array<{ range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return this.diagnosticsFor(uri, version);
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Opens a notebook (notebookDocument/didOpen); cells are Python code cells unless `kind` says 1 (markup). */
  async openNotebook(uri: string, cells: Array<{ uri: string; text: string; kind?: 1 | 2; languageId?: string }>): Promise<void> {
    for (const c of cells) this.versions.set(c.uri, 1);
    await this.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((c) => ({ kind: c.kind ?? 2, document: c.uri })) },
      cellTextDocuments: cells.map((c) => ({ uri: c.uri, languageId: c.languageId ?? (c.kind === 1 ? 'markdown' : 'python'), version: 1, text: c.text })),
    });
  }

  /** Changes one cell's text (notebookDocument/didChange with textContent); returns the cell's new version. */
  async changeNotebookCell(uri: string, cellUri: string, changes: Array<{ range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>): Promise<number> {
    const version = (this.versions.get(cellUri) ?? 1) + 1;
    this.versions.set(cellUri, version);
    const nbVersion = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, nbVersion);
    await this.connection.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri, version: nbVersion },
      change: { cells: { textContent: [{ document: { uri: cellUri, version }, changes }] } },
    });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Tears the connection (and a child server) down without the protocol, for failed tests. */
  kill(): void {
    this.connection.dispose();
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  async shutdown(): Promise<void> {
    await this.connection.sendRequest('shutdown');
    // `exit` makes a node language server call process.exit: only send it to a child process.
    if (this.child) await this.connection.sendNotification('exit');
    this.connection.dispose();
    if (this.child) {
      await new Promise<void>((resolve) => {
        if (this.child!.exitCode !== null) resolve();
        else this.child!.once('exit', () => resolve());
      });
    }
  }
}

/** The real server, in this process, over a pair of streams. */
export function inProcessClient(options: LspClientOptions = {}): TestLspClient {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const handle = startServer(serverConnection);
  serverConnection.listen();
  const clientConnection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  return new TestLspClient(clientConnection, options, handle);
}

/** The bundled server (dist/server.js) as a child process over stdio, with the Node options the extension gives it. */
export function stdioClient(serverPath: string, options: LspClientOptions = {}): TestLspClient {
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  return new TestLspClient(connection, options, undefined, child);
}
