// A Python document kept parsed: full parses, and incremental reparses after edits.
import { parsePython, type Tree } from './parser';
import { SourceText } from './sourceText';
import type { Range } from './types';

export interface ContentChange {
  /** Absent: the whole text is replaced. */
  range?: Range;
  text: string;
}

export class PythonDocument {
  private source: SourceText;
  private parsed: Tree;

  constructor(text: string) {
    this.source = new SourceText(text);
    this.parsed = parsePython(text);
  }

  get text(): string {
    return this.source.text;
  }

  get sourceText(): SourceText {
    return this.source;
  }

  get tree(): Tree {
    return this.parsed;
  }

  /** Applies changes in order and reparses once, reusing the old tree for unchanged regions. */
  update(changes: readonly ContentChange[]): void {
    let text = this.source.text;
    let source = this.source;
    const old = this.parsed;
    let incremental = true;
    for (const change of changes) {
      if (!change.range) {
        text = change.text;
        source = new SourceText(text);
        incremental = false;
        continue;
      }
      const start = source.offsetAt(change.range.start);
      const oldEnd = source.offsetAt(change.range.end);
      const startPosition = source.positionAt(start);
      const oldEndPosition = source.positionAt(oldEnd);
      text = text.slice(0, start) + change.text + text.slice(oldEnd);
      source = new SourceText(text);
      const newEnd = start + change.text.length;
      const newEndPosition = source.positionAt(newEnd);
      if (incremental) {
        old.edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: newEnd,
          startPosition: { row: startPosition.line, column: startPosition.character },
          oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
          newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
        });
      }
    }
    this.source = source;
    this.parsed = parsePython(text, incremental ? old : null);
    old.delete();
  }

  dispose(): void {
    this.parsed.delete();
  }
}
