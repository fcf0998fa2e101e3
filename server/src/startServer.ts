// Capabilities and handler wiring. Domain work lives in analysis/, rules/ and config/; LSP helpers in lsp/.
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  MessageType,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { analyzeTree, type AnalysisResult } from './analysis/analyze';
import type { PythonDocument } from './analysis/document';
import { loadPython } from './analysis/parser';
import { Commands, DIAGNOSTIC_SOURCE, FIX_ALL_KIND, type EditorSettings } from './common/protocol';
import { fixAllText } from './fixes/fixAll';
import { codeActions, minimalEdit, versionedEdit } from './lsp/codeActions';
import { toDiagnostic } from './lsp/convert';
import { ManagedDocument } from './lsp/documents';
import { filePathOf, SettingsStore, type DocumentConfig } from './lsp/settings';
import { NOTEBOOK_SYNC, registerNotebooks } from './lsp/notebooks';
import { ParsedTrees } from './lsp/parsedTrees';
import { ruleDocsUrl } from './rules/rule';
import { fileNotAnalysed, invalidConfiguration } from './rules/engineCodes';
import { registerTracking } from './tracking/lspBridge';

/** How many documents and notebooks stay parsed between edits (see ParsedTrees); 8 keeps 200 open documents under 150 MB (docs/benchmarks.md). */
const MAX_PARSED_DOCUMENTS = 8;

export interface ServerHandle {
  /** Resolves when the document's (or notebook's) latest version has been analysed and published (tests, benchmarks). */
  whenAnalysed(uri: string): Promise<void>;
  /** Tests only: the parsed joined program kept for an open notebook, to check it is reused across edits. */
  notebookDocument(notebookUri: string): PythonDocument | undefined;
  /** Tests only: which documents (`text:URI`) and notebooks (`notebook:URI`) are kept parsed, least recently used first. */
  parsedKeys(): string[];
}

export function startServer(connection: Connection): ServerHandle {
  // A bad setting value is said once, in the log and in a warning, and its default is used.
  const settings = new SettingsStore(connection, (problem) => {
    connection.console.warn(problem);
    void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Green ML: ${problem}` }).catch(() => undefined);
  });
  const documents = new TextDocuments<ManagedDocument>({
    create: (uri, languageId, version, content) => new ManagedDocument(uri, languageId, version, content),
    update: (doc, changes, version) => {
      for (const problem of doc.applyChanges(changes, version)) connection.console.error(`${doc.uri} (version ${version}): ${problem}`);
      return doc;
    },
  });
  const published = new Set<string>();
  const configProblemsPublished = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();
  const ready = loadPython();
  const tracking = registerTracking(connection);
  // Text documents and notebooks share one budget of parsed trees.
  const parsedTrees = new ParsedTrees(MAX_PARSED_DOCUMENTS);
  // Notebooks: cells synced through notebookDocument/* (a separate cell store), analysed per notebook.
  const notebookSupport = registerNotebooks(connection, { settings, ready, parsedTrees });
  let shutDown = false;
  connection.onShutdown(() => {
    shutDown = true;
    tracking.dispose();
    // Frees every tree in the parser's heap (an in-process host outlives the server).
    parsedTrees.releaseAll();
    for (const doc of documents.all()) doc.dispose();
    notebookSupport.dispose();
  });

  connection.onInitialize((params): InitializeResult => {
    settings.supportsConfiguration = !!params.capabilities.workspace?.configuration;
    const init = params.initializationOptions as { settings?: EditorSettings } | undefined;
    settings.initialSettings = init?.settings;
    settings.workspaceRoots = (params.workspaceFolders ?? [])
      .map((f) => filePathOf(f.uri))
      .filter((p): p is string => !!p);
    if (settings.workspaceRoots.length === 0 && params.rootUri) {
      const root = filePathOf(params.rootUri);
      if (root) settings.workspaceRoots.push(root);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        notebookDocumentSync: NOTEBOOK_SYNC,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        executeCommandProvider: { commands: [Commands.applyFixAll] },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'Green ML', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (settings.supportsConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'greenml' }).catch(() => undefined);
    }
  });

  const textKey = (uri: string): string => `text:${uri}`;

  async function analyse(doc: ManagedDocument): Promise<{ result?: AnalysisResult; config: DocumentConfig }> {
    await ready;
    const config = await settings.forDocument(doc.uri);
    // After shutdown the trees are freed and stay so.
    if (shutDown || !config.enabled) return { config };
    const version = doc.version;
    if (doc.analysis && doc.analysis.version === version) return { result: doc.analysis.result, config };
    if (doc.currentText().length > config.maxFileSize) return { config };
    const parsed = doc.parsed;
    parsedTrees.touch(textKey(doc.uri), () => doc.release());
    // A long file is kept as segments (see PythonDocument) and analysed per segment, reusing what its
    // edits left valid; a short one is analysed whole.
    const result =
      parsed.segments.length > 1
        ? doc.incremental.analyze(parsed, {
            config: config.config,
            configKey: config.configKey,
            relativePath: config.relativePath,
            timeBudgetMs: config.timeBudgetMs,
          })
        : analyzeTree(parsed.trees, parsed.sourceText, { config: config.config, relativePath: config.relativePath, timeBudgetMs: config.timeBudgetMs });
    for (const note of result.notes) connection.console.warn(`${doc.uri}: ${note}`);
    doc.analysis = { version, result };
    return { result, config };
  }

  async function validate(doc: ManagedDocument): Promise<void> {
    const version = doc.version;
    const { result, config } = await analyse(doc);
    if (documents.get(doc.uri) !== doc || doc.version !== version) return; // superseded by a newer edit
    let diagnostics: Diagnostic[] = [];
    if (result) diagnostics = result.findings.map(toDiagnostic);
    else if (config.enabled) {
      const size = doc.currentText().length;
      diagnostics = [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: DiagnosticSeverity.Information,
          code: fileNotAnalysed.code,
          codeDescription: { href: ruleDocsUrl(fileNotAnalysed.code) },
          source: DIAGNOSTIC_SOURCE,
          message: `Green ML did not analyse this file: it is ${(size / 1048576).toFixed(1)} MB, above greenml.maxFileSize (${(config.maxFileSize / 1048576).toFixed(1)} MB).`,
        },
      ];
    }
    published.add(doc.uri);
    await connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
    publishConfigProblems();
  }

  function schedule(doc: ManagedDocument): void {
    const run = validate(doc).catch((err: unknown) => connection.console.error(`Green ML failed on ${doc.uri}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    inFlight.set(doc.uri, run);
  }

  /** GML002 diagnostics on each pyproject.toml whose [tool.greenml] is broken; cleared when fixed. */
  function publishConfigProblems(): void {
    for (const project of settings.projects()) {
      if (!project.file) continue;
      const uri = pathToFileURL(project.file).toString();
      if (project.problems.length === 0 && !configProblemsPublished.has(uri)) continue;
      const diagnostics: Diagnostic[] = project.problems.map((p) => ({
        range: p.range,
        severity: DiagnosticSeverity.Error,
        code: invalidConfiguration.code,
        codeDescription: { href: ruleDocsUrl(invalidConfiguration.code) },
        source: DIAGNOSTIC_SOURCE,
        message: p.message,
      }));
      if (diagnostics.length) configProblemsPublished.add(uri);
      else configProblemsPublished.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics });
    }
  }

  function revalidateAll(): void {
    notebookSupport.revalidateAll();
    for (const doc of documents.all()) {
      doc.analysis = undefined;
      schedule(doc);
    }
  }

  documents.onDidOpen((e) => schedule(e.document));
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    inFlight.delete(e.document.uri);
    parsedTrees.forget(textKey(e.document.uri));
    e.document.dispose();
    if (published.delete(e.document.uri)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDidChangeConfiguration((change) => {
    if (!settings.supportsConfiguration) {
      const s = (change.settings as { greenml?: EditorSettings } | undefined)?.greenml;
      if (s) settings.initialSettings = s;
    }
    settings.clear();
    revalidateAll();
    void tracking.refreshSettings();
  });

  connection.onDidChangeWatchedFiles(() => {
    // pyproject.toml created, changed or deleted: configuration may differ everywhere.
    const before = settings.projects().filter((p) => p.file && p.problems.length);
    settings.clearProjects();
    revalidateAll();
    // Files that no longer exist or no longer have problems get their diagnostics cleared.
    void Promise.all([...inFlight.values()]).then(() => {
      const now = new Set(settings.projects().map((p) => p.file));
      for (const p of before) {
        if (!now.has(p.file)) {
          const uri = pathToFileURL(p.file!).toString();
          configProblemsPublished.delete(uri);
          void connection.sendDiagnostics({ uri, diagnostics: [] });
        }
      }
    });
  });

  connection.onCodeAction(async (params) => {
    if (notebookSupport.handles(params.textDocument.uri)) return notebookSupport.codeActions(params);
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const { result, config } = await analyse(doc);
    if (!result) return [];
    return codeActions({
      uri: doc.uri,
      version: doc.version,
      result,
      diagnostics: params.context.diagnostics,
      range: params.range,
      only: params.context.only,
      unsafeFixes: config.config.unsafeFixes,
      fixAllText: () => fixAllText(result.source.text, { config: config.config, relativePath: config.relativePath, unsafe: config.config.unsafeFixes }).text,
    });
  });

  connection.onExecuteCommand(async (params) => {
    if (params.command !== Commands.applyFixAll) return undefined;
    const uri = params.arguments?.[0];
    if (typeof uri === 'string' && notebookSupport.handles(uri)) return notebookSupport.applyFixAll(uri);
    const doc = typeof uri === 'string' ? documents.get(uri) : undefined;
    if (!doc) return { applied: 0 };
    const { result, config } = await analyse(doc);
    if (!result) return { applied: 0 };
    const fixed = fixAllText(result.source.text, { config: config.config, relativePath: config.relativePath, unsafe: config.config.unsafeFixes });
    const edit = minimalEdit(result.source.text, fixed.text, (o) => result.source.positionAt(o));
    if (!edit) return { applied: 0 };
    const response = await connection.workspace.applyEdit({ label: 'Green ML: fix all', edit: versionedEdit(doc.uri, doc.version, [edit]) });
    return { applied: response.applied ? fixed.applied.length : 0 };
  });

  documents.listen(connection);

  return {
    notebookDocument: (uri) => notebookSupport.parsedDocument(uri),
    parsedKeys: () => parsedTrees.keys(),
    async whenAnalysed(uri: string) {
      for (;;) {
        const p = inFlight.get(uri);
        await p;
        if (inFlight.get(uri) === p) break;
      }
      await notebookSupport.whenAnalysed(uri);
    },
  };
}
