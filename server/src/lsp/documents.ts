// Open documents kept parsed: TextDocuments' incremental sync feeds PythonDocument's incremental reparse.
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { PythonDocument } from '../analysis/document';
import type { AnalysisResult } from '../analysis/analyze';
import { IncrementalAnalysis } from '../analysis/incremental/incremental';
import { SourceText } from '../analysis/sourceText';
import type { Range } from '../analysis/types';
import { checkChanges } from './contentChanges';

export class ManagedDocument {
  readonly uri: string;
  readonly languageId: string;
  version: number;
  private python: PythonDocument | undefined;
  private pending: TextDocumentContentChangeEvent[] = [];
  private rawText: string;
  /** The last analysis and the version it was made for. */
  analysis: { version: number; result: AnalysisResult } | undefined;
  /** Findings kept per segment of a long document between edits (see IncrementalAnalysis). */
  incremental = new IncrementalAnalysis();

  constructor(uri: string, languageId: string, version: number, text: string) {
    this.uri = uri;
    this.languageId = languageId;
    this.version = version;
    this.rawText = text;
  }

  get text(): string {
    return this.python ? this.python.text : this.rawText;
  }

  /** Parsed document, created on first use and reparsed incrementally with the edits since. */
  get parsed(): PythonDocument {
    if (!this.python) {
      this.python = new PythonDocument(this.rawText);
      this.pending = [];
    } else if (this.pending.length) {
      this.python.update(this.pending.map((c) => ('range' in c ? { range: c.range, text: c.text } : { text: c.text })));
      this.pending = [];
    }
    return this.python;
  }

  /** Takes a didChange's content changes in; returns what was wrong with them, for the log (see checkChanges). */
  applyChanges(received: readonly TextDocumentContentChangeEvent[], version: number): string[] {
    const { changes, problems } = checkChanges(received);
    this.version = version;
    this.analysis = undefined;
    if (this.python) this.pending.push(...changes);
    else {
      for (const c of changes) this.rawText = 'range' in c ? applyToString(this.rawText, c) : c.text;
    }
    return problems;
  }

  /** Text of the document including edits not yet parsed. */
  currentText(): string {
    if (this.python && this.pending.length) return this.parsed.text;
    return this.text;
  }

  get isParsed(): boolean {
    return this.python !== undefined;
  }

  /** Drops the parse tree and the analysis (kept: the text); the next use reparses. Frees parser memory. */
  release(): void {
    if (!this.python) return;
    this.rawText = this.currentText();
    this.analysis = undefined;
    this.incremental = new IncrementalAnalysis();
    this.python.dispose();
    this.python = undefined;
    this.pending = [];
  }

  dispose(): void {
    this.python?.dispose();
    this.python = undefined;
  }
}

/** One ranged change applied to a text as PythonDocument.update applies it (clamped, end-first ranges turned round). */
function applyToString(text: string, change: { range: Range; text: string }): string {
  const { start, end } = new SourceText(text).rangeOffsets(change.range);
  return text.slice(0, start) + change.text + text.slice(end);
}
