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
    let source = this.source;
    let incremental = true;
    for (const change of changes) {
      if (!change.range) {
        source = new SourceText(change.text);
        incremental = false;
        continue;
      }
      source = splice(source, source.offsetAt(change.range.start), source.offsetAt(change.range.end), change.text, incremental ? this.parsed : undefined);
    }
    this.reparse(source, incremental);
  }

  /** Replaces the text between two offsets and reparses incrementally (like `update` with one change). */
  replaceRange(startOffset: number, oldEndOffset: number, newText: string): void {
    this.reparse(splice(this.source, startOffset, oldEndOffset, newText, this.parsed), true);
  }

  /**
   * Replaces the whole text, reparsing incrementally: the changed region is what lies between the
   * common prefix and the common suffix of the old and new texts. Nothing happens when they are equal.
   */
  setText(text: string): void {
    const region = changedRegion(this.source.text, text);
    if (region) this.replaceRange(region.start, region.oldEnd, text.slice(region.start, region.newEnd));
  }

  dispose(): void {
    this.parsed.delete();
  }

  /** Parses `source` (with the current tree, already edited, when incremental) and deletes the old tree. */
  private reparse(source: SourceText, incremental: boolean): void {
    const old = this.parsed;
    this.parsed = parsePython(source.text, incremental ? old : null);
    this.source = source;
    old.delete();
  }
}

/** The text with [start, oldEnd) replaced by `insert`; `tree`, when given, is edited to match. */
function splice(source: SourceText, start: number, oldEnd: number, insert: string, tree: Tree | undefined): SourceText {
  const next = new SourceText(source.text.slice(0, start) + insert + source.text.slice(oldEnd));
  if (tree) {
    const startPosition = source.positionAt(start);
    const oldEndPosition = source.positionAt(oldEnd);
    const newEnd = start + insert.length;
    const newEndPosition = next.positionAt(newEnd);
    tree.edit({
      startIndex: start,
      oldEndIndex: oldEnd,
      newEndIndex: newEnd,
      startPosition: { row: startPosition.line, column: startPosition.character },
      oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
      newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
    });
  }
  return next;
}

/**
 * The one region where two texts differ, as offsets: `before` and `after` share `[0, start)` and
 * everything from `oldEnd` (in `before`) and `newEnd` (in `after`) on. Undefined when they are equal.
 * Its ends never fall inside a "\r\n" pair: an offset there has no line/column of its own.
 */
export function changedRegion(before: string, after: string): { start: number; oldEnd: number; newEnd: number } | undefined {
  if (before === after) return undefined;
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  if (start > 0 && before.charCodeAt(start - 1) === 13 && (before.charCodeAt(start) === 10 || after.charCodeAt(start) === 10)) start--;
  let suffix = 0;
  while (suffix < max - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // The suffix starts with the same character in both texts; a "\r" before it in either would be split off.
  if (suffix > 0 && before.charCodeAt(before.length - suffix) === 10 && (before.charCodeAt(before.length - suffix - 1) === 13 || after.charCodeAt(after.length - suffix - 1) === 13)) suffix--;
  return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}
