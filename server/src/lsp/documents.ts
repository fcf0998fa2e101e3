// Open documents kept parsed: TextDocuments' incremental sync feeds PythonDocument's incremental reparse.
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { PythonDocument } from '../analysis/document';
import type { AnalysisResult } from '../analysis/analyze';
import { IncrementalAnalysis } from '../analysis/incremental/incremental';

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

  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    this.version = version;
    this.analysis = undefined;
    if (this.python) this.pending.push(...changes);
    else {
      for (const c of changes) this.rawText = 'range' in c ? applyToString(this.rawText, c) : c.text;
    }
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

function applyToString(text: string, change: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }): string {
  const offset = (line: number, character: number): number => {
    let at = 0;
    for (let l = 0; l < line; l++) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) return text.length;
      at = nl + 1;
    }
    return Math.min(at + character, text.length);
  };
  const start = offset(change.range.start.line, change.range.start.character);
  const end = offset(change.range.end.line, change.range.end.character);
  return text.slice(0, start) + change.text + text.slice(end);
}
