// didChange content changes checked before they reach a document. A client that sends a position
// that is not a number, or text that is not a string, has lost track of the document: such a change
// is dropped, with an error in the log. A range given end first is applied the other way round (as
// VS Code's Range and vscode-languageserver-textdocument take it) and noted; positions outside the
// text are clamped where the change is applied (SourceText.offsetAt).
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';

export interface CheckedChanges {
  changes: TextDocumentContentChangeEvent[];
  /** One line per change dropped or taken the other way round, for the log. */
  problems: string[];
}

interface LoosePosition {
  line?: unknown;
  character?: unknown;
}

export function checkChanges(changes: readonly TextDocumentContentChangeEvent[]): CheckedChanges {
  const kept: TextDocumentContentChangeEvent[] = [];
  const problems: string[] = [];
  changes.forEach((change, i) => {
    const what = `content change ${i + 1} of ${changes.length}`;
    if (typeof change?.text !== 'string') {
      problems.push(`${what} dropped: its text is not a string`);
      return;
    }
    if (!('range' in change) || change.range === undefined) {
      kept.push(change);
      return;
    }
    const { start, end } = (change.range ?? {}) as { start?: LoosePosition; end?: LoosePosition };
    if (!isPosition(start) || !isPosition(end)) {
      problems.push(`${what} dropped: its range ${JSON.stringify(change.range)} is not two positions of numbers`);
      return;
    }
    if (start.line > end.line || (start.line === end.line && start.character > end.character)) {
      problems.push(`${what}: its range ends (${end.line}:${end.character}) before it starts (${start.line}:${start.character}); applied from ${end.line}:${end.character} to ${start.line}:${start.character}`);
    }
    kept.push(change);
  });
  return { changes: kept, problems };
}

function isPosition(p: LoosePosition | undefined): p is { line: number; character: number } {
  return typeof p?.line === 'number' && typeof p.character === 'number' && Number.isFinite(p.line) && Number.isFinite(p.character);
}
