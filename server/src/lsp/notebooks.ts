// Notebook documents over LSP 3.17 notebook sync: each notebook's Python code cells are analysed as
// one program (notebooks/cells.ts) with the same engine and configuration as a file; diagnostics go
// to each cell's URI; code actions on a cell and the fix-all command carry edits mapped back to cell
// URIs and versions. Each open notebook keeps its joined program parsed (PythonDocument), reparsed
// incrementally on the one region an edit changed.
import {
  CodeAction,
  NotebookCellKind,
  NotebookDocuments,
  type CodeActionParams,
  type Connection,
  type Diagnostic,
  type NotebookDocument,
  type TextDocumentEdit,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PythonDocument } from '../analysis/document';
import { SourceText } from '../analysis/sourceText';
import type { TextEdit } from '../analysis/types';
import { FIX_ALL_KIND } from '../common/protocol';
import { analyzeNotebook, applicableCellFix, ConcatenatedNotebook, fixNotebook, type CellEdit, type CellInput, type NotebookAnalysis } from '../notebooks/cells';
import { codeActions, minimalEdit } from './codeActions';
import { toDiagnostic } from './convert';
import type { ParsedTrees } from './parsedTrees';
import type { DocumentConfig, SettingsStore } from './settings';

/** Selector for the `notebookDocumentSync` server capability: any notebook's Python cells. */
export const NOTEBOOK_SYNC = { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] };

export interface NotebookSupport {
  /** Whether the URI is a cell of an open notebook (code actions for it come from here). */
  handles(uri: string): boolean;
  codeActions(params: CodeActionParams): Promise<CodeAction[]>;
  /**
   * `greenml.server.applyFixAll` on a cell: the notebook's fix-all edit (the one `source.fixAll.greenml`
   * offers), versioned per cell and applied through workspace/applyEdit; returns how many fixes were applied.
   */
  applyFixAll(cellUri: string): Promise<{ applied: number }>;
  /** Re-analyses every open notebook (settings or pyproject.toml changed). */
  revalidateAll(): void;
  /** Resolves when the notebook's latest state has been analysed and published. */
  whenAnalysed(notebookUri: string): Promise<void>;
  /** Tests only: the parsed joined program kept for an open notebook (read it, never update or dispose it). */
  parsedDocument(notebookUri: string): PythonDocument | undefined;
  /** Frees every notebook's tree and stops analysing (server shutdown). */
  dispose(): void;
}

interface NotebookState {
  /** The open notebook this state is for (a notebook closed and opened again gets a new state). */
  notebook: NotebookDocument;
  key?: string;
  /** Made from `document`'s current tree: cleared before that tree is edited or deleted. */
  analysis?: NotebookAnalysis;
  /** The joined program text, parsed; updated incrementally, disposed with the state. */
  document?: PythonDocument;
  /** Cell URIs that have diagnostics published. */
  published: Set<string>;
}

interface Analysed {
  analysis?: NotebookAnalysis;
  config: DocumentConfig;
  key: string;
  cells: CellInput[];
}

export function registerNotebooks(connection: Connection, deps: { settings: SettingsStore; ready: Promise<unknown>; parsedTrees: ParsedTrees }): NotebookSupport {
  const notebooks = new NotebookDocuments(TextDocument);
  const states = new Map<string, NotebookState>();
  const inFlight = new Map<string, Promise<void>>();
  let disposed = false;
  const treeKey = (uri: string): string => `notebook:${uri}`;

  /** Frees a notebook's parse tree and the analysis made from it; the next analysis parses afresh. */
  function releaseTree(s: NotebookState): void {
    s.key = undefined;
    s.analysis = undefined;
    s.document?.dispose();
    s.document = undefined;
  }

  /** Forgets a notebook's state and frees its parse tree. */
  function dropState(uri: string): NotebookState | undefined {
    const s = states.get(uri);
    if (!s) return undefined;
    states.delete(uri);
    deps.parsedTrees.forget(treeKey(uri));
    releaseTree(s);
    return s;
  }

  function cellInputs(nb: NotebookDocument): { cells: CellInput[]; key: string } {
    const cells: CellInput[] = [];
    let key = '';
    for (const cell of nb.cells) {
      const doc = notebooks.getCellTextDocument(cell);
      const python = cell.kind === NotebookCellKind.Code && doc?.languageId === 'python';
      cells.push({ kind: python ? 'code' : 'markdown', text: python && doc ? doc.getText() : '', uri: cell.document });
      key += `${cell.document}@${python ? doc!.version : '-'};`;
    }
    return { cells, key };
  }

  async function analyse(nb: NotebookDocument): Promise<Analysed> {
    await deps.ready;
    const config = await deps.settings.forDocument(nb.uri);
    const { cells, key } = cellInputs(nb);
    if (disposed || !config.enabled) return { config, key, cells };
    const s = states.get(nb.uri);
    if (!s || s.notebook !== nb) return { config, key, cells }; // closed meanwhile
    if (s.key === key && s.analysis) return { analysis: s.analysis, config, key, cells };
    const size = cells.reduce((n, c) => n + c.text.length, 0);
    if (size > config.maxFileSize) return { config, key, cells };
    const notebook = new ConcatenatedNotebook(cells);
    // The update below edits and deletes the tree the cached analysis (and its model) reads.
    s.key = undefined;
    s.analysis = undefined;
    if (s.document) s.document.setText(notebook.text);
    else s.document = new PythonDocument(notebook.text, { segmentLines: 0 });
    deps.parsedTrees.touch(treeKey(nb.uri), () => {
      if (states.get(nb.uri) === s) releaseTree(s);
    });
    const analysis = analyzeNotebook(notebook, { config: config.config, relativePath: config.relativePath, timeBudgetMs: config.timeBudgetMs }, s.document);
    for (const note of analysis.result.notes) connection.console.warn(`${nb.uri}: ${note}`);
    s.key = key;
    s.analysis = analysis;
    return { analysis, config, key, cells };
  }

  /**
   * Runs `use` on the notebook's analysis right after checking, in the same synchronous step, that
   * it is still the state's current one: an analysis made meanwhile (or a close) deletes the tree an
   * older analysis reads. `use` must not keep the analysis across an await.
   */
  async function withAnalysis<T>(nb: NotebookDocument, use: (r: Analysed) => T): Promise<T> {
    for (;;) {
      const r = await analyse(nb);
      if (!r.analysis || states.get(nb.uri)?.analysis === r.analysis) return use(r);
    }
  }

  async function validate(uri: string): Promise<void> {
    const nb = notebooks.getNotebookDocument(uri);
    if (!nb) return;
    const byCell = await withAnalysis(nb, ({ analysis, key }) => {
      const now = notebooks.getNotebookDocument(uri);
      if (!now || cellInputs(now).key !== key) return undefined; // superseded by a newer change
      const diagnostics = new Map<string, Diagnostic[]>();
      for (const cell of now.cells) {
        const doc = notebooks.getCellTextDocument(cell);
        if (cell.kind === NotebookCellKind.Code && doc?.languageId === 'python') diagnostics.set(cell.document, []);
      }
      for (const f of analysis?.findings ?? []) {
        const cell = analysis!.notebook.cell(f.cell);
        if (cell?.uri) diagnostics.get(cell.uri)?.push(toDiagnostic(f.finding));
      }
      return diagnostics;
    });
    const s = states.get(uri);
    if (!byCell || !s || s.notebook !== nb) return;
    const publishedNow = new Set<string>();
    for (const [cellUri, diagnostics] of byCell) {
      const doc = notebooks.cellTextDocuments.get(cellUri);
      if (diagnostics.length === 0 && !s.published.has(cellUri)) continue;
      if (diagnostics.length) publishedNow.add(cellUri);
      await connection.sendDiagnostics({ uri: cellUri, version: doc?.version, diagnostics });
    }
    for (const old of s.published) if (!byCell.has(old)) void connection.sendDiagnostics({ uri: old, diagnostics: [] });
    s.published = publishedNow;
  }

  function schedule(uri: string): void {
    const run = validate(uri).catch((err: unknown) => connection.console.error(`Green ML failed on ${uri}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    inFlight.set(uri, run);
  }

  notebooks.onDidOpen((nb) => {
    dropState(nb.uri);
    states.set(nb.uri, { notebook: nb, published: new Set() });
    schedule(nb.uri);
  });
  notebooks.onDidChange((e) => schedule(e.notebookDocument.uri));
  notebooks.onDidClose((nb) => {
    const s = dropState(nb.uri);
    inFlight.delete(nb.uri);
    for (const cellUri of s?.published ?? []) void connection.sendDiagnostics({ uri: cellUri, diagnostics: [] });
  });
  notebooks.listen(connection);

  /** Cell edits → one workspace edit, each cell's edits versioned with that cell document's version. */
  function cellWorkspaceEdit(analysis: NotebookAnalysis, edits: readonly CellEdit[]): WorkspaceEdit | undefined {
    const byCell = new Map<number, LspTextEdit[]>();
    for (const e of edits) {
      const list = byCell.get(e.cell) ?? [];
      list.push({ range: e.range, newText: e.newText });
      byCell.set(e.cell, list);
    }
    const documentChanges: TextDocumentEdit[] = [];
    for (const [index, list] of [...byCell].sort((a, b) => a[0] - b[0])) {
      const uri = analysis.notebook.cell(index)?.uri;
      const doc = uri ? notebooks.cellTextDocuments.get(uri) : undefined;
      if (!uri || !doc) return undefined;
      documentChanges.push({ textDocument: { uri, version: doc.version }, edits: list });
    }
    return { documentChanges };
  }

  /** The notebook's fix-all as one workspace edit on its cells (undefined when there is nothing to fix). */
  function fixAllEdit(analysis: NotebookAnalysis, config: DocumentConfig, cells: CellInput[]): { edit: WorkspaceEdit; applied: number } | undefined {
    if (!analysis.findings.some((f) => applicableCellFix(f, config.config.unsafeFixes))) return undefined;
    const fixed = fixNotebook(cells, { config: config.config, relativePath: config.relativePath, unsafe: config.config.unsafeFixes });
    const edits: CellEdit[] = [];
    fixed.cells.forEach((c, i) => {
      const before = cells[i].text;
      if (c.text === before) return;
      const source = new SourceText(before);
      const edit = minimalEdit(before, c.text, (o) => source.positionAt(o));
      if (edit) edits.push({ cell: i, ...edit });
    });
    const edit = edits.length ? cellWorkspaceEdit(analysis, edits) : undefined;
    return edit ? { edit, applied: fixed.applied.length } : undefined;
  }

  return {
    handles: (uri) => notebooks.findNotebookDocumentForCell(uri) !== undefined,

    async codeActions(params) {
      const uri = params.textDocument.uri;
      const nb = notebooks.findNotebookDocumentForCell(uri);
      if (!nb) return [];
      // Synchronous from the liveness check on: disableForLineEdit reads the analysis's tree.
      return withAnalysis(nb, ({ analysis, config, cells }) => {
        if (!analysis) return [];
        const cell = analysis.notebook.cellByUri(uri);
        if (!cell) return [];
        const toJoined = (p: { line: number; character: number }) => analysis.notebook.toJoined(cell.index, p)!;
        const joinedRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => ({ start: toJoined(r.start), end: toJoined(r.end) });
        const only = params.context.only;
        const isFixAllKind = (o: string) => o === FIX_ALL_KIND || FIX_ALL_KIND.startsWith(`${o}.`);
        const quickOnly = only?.filter((o) => !isFixAllKind(o));
        const actions: CodeAction[] = [];
        if (!only || only.length === 0 || (quickOnly && quickOnly.length > 0)) {
          const joinedActions = codeActions({
            uri,
            version: 0,
            result: analysis.result,
            diagnostics: params.context.diagnostics.map((d) => ({ ...d, range: joinedRange(d.range) })),
            range: joinedRange(params.range),
            only: quickOnly,
            unsafeFixes: config.config.unsafeFixes,
            fixAllText: () => analysis.notebook.text,
          });
          for (const action of joinedActions) {
            const mapped: CodeAction = { ...action };
            mapped.diagnostics = action.diagnostics?.flatMap((d) => {
              const located = analysis.notebook.rangeToCell(d.range);
              return located ? [{ ...d, range: located.range }] : [];
            });
            if (action.edit) {
              const change = action.edit.documentChanges?.[0];
              const edits = change && 'edits' in change ? (change.edits as TextEdit[]) : [];
              const cellEdits = analysis.notebook.mapEdits(edits, analysis.preambleEndLine);
              const edit = cellEdits && cellWorkspaceEdit(analysis, cellEdits);
              if (!edit) continue; // it would change IPython syntax the analysis cannot see
              mapped.edit = edit;
            }
            actions.push(mapped);
          }
        }
        if (only?.some(isFixAllKind)) {
          const fixAll = fixAllEdit(analysis, config, cells);
          if (fixAll) actions.push(CodeAction.create('Green ML: fix all', fixAll.edit, FIX_ALL_KIND));
        }
        return actions;
      });
    },

    async applyFixAll(cellUri) {
      const nb = notebooks.findNotebookDocumentForCell(cellUri);
      if (!nb) return { applied: 0 };
      // Only the edit (plain data) is kept across the applyEdit request.
      const fixAll = await withAnalysis(nb, ({ analysis, config, cells }) => (analysis ? fixAllEdit(analysis, config, cells) : undefined));
      if (!fixAll) return { applied: 0 };
      const response = await connection.workspace.applyEdit({ label: 'Green ML: fix all', edit: fixAll.edit });
      return { applied: response.applied ? fixAll.applied : 0 };
    },

    revalidateAll() {
      for (const uri of states.keys()) {
        const s = states.get(uri)!;
        s.key = undefined;
        s.analysis = undefined;
      }
      const open = new Set<string>();
      for (const cellUri of notebooks.cellTextDocuments.keys()) {
        const nb = notebooks.findNotebookDocumentForCell(cellUri);
        if (nb) open.add(nb.uri);
      }
      for (const uri of open) schedule(uri);
    },

    parsedDocument: (uri) => states.get(uri)?.document,
    dispose() {
      disposed = true;
      for (const uri of [...states.keys()]) dropState(uri);
    },

    async whenAnalysed(uri) {
      for (;;) {
        const p = inFlight.get(uri);
        await p;
        if (inFlight.get(uri) === p) return;
      }
    },
  };
}
