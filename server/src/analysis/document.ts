// A Python document kept parsed. A long document is kept as SEGMENTS: runs of whole top-level
// statements, each parsed on its own (tree-sitter's includedRanges, so nodes keep their absolute
// positions). tree-sitter's incremental reparse of one tree still visits every top-level statement
// (the module's statement list is "fragile" for reuse), which on a 5,000-line script costs more than
// the whole edit-latency budget; reparsing the one segment an edit touches costs a few milliseconds.
// Short documents are one segment, reparsed incrementally with the old tree.
import { deferMove, parsePython, parsePythonRange, readyTree, TreeText, type Node, type Tree } from './parser';
import { noStatementChanges, type StatementChanges } from './dependency';
import { moduleBindingNames } from './model/bindings';
import { importKeys } from './model/imports';
import { judgeEdit } from './parseGuard';
import { SourceText } from './sourceText';
import type { Range } from './types';
import { wordsOf } from './words';

export interface ContentChange {
  /** Absent: the whole text is replaced. */
  range?: Range;
  text: string;
}

/** One run of whole top-level statements, `[start, end)` in the document's text. */
export interface Segment {
  start: number;
  end: number;
  /** The segment's tree, with any move put off (see deferMove) made. */
  readonly tree: Tree;
}

/** A segment whose tree may have moves put off: the edits before it since it was last read. */
class DeferredSegment implements Segment {
  constructor(
    public start: number,
    public end: number,
    /** The tree as it is, moves still put off: for identity, and for readers that go through readyTree. */
    readonly deferredTree: Tree,
  ) {}

  get tree(): Tree {
    return readyTree(this.deferredTree);
  }
}

/**
 * What changed since the last `takeChanges()`: enough for an analysis kept per segment to tell which
 * of its results still hold (see IncrementalAnalysis).
 */
export interface DocumentChanges {
  /** The text the changes were made to. */
  before: SourceText;
  /** Offset edits in the order they were made, each in the text as it was at that moment. */
  edits: Array<{ start: number; oldEnd: number; newEnd: number }>;
  /**
   * What the changed top-level statements (as they were and as they are) spell and bind (see
   * dependency.ts). Undefined when the whole document was parsed again.
   */
  statements: StatementChanges | undefined;
}

export interface PythonDocumentOptions {
  /** A segment is cut once it holds this many lines (default 50); 0 keeps the document one tree. */
  segmentLines?: number;
}

export const DEFAULT_SEGMENT_LINES = 50;

export class PythonDocument {
  private source: SourceText;
  private parts: DeferredSegment[];
  private readonly segmentLines: number;
  private changes: DocumentChanges;
  /** What every segment's tree reads node text from: the current text. */
  private readonly treeText = new TreeText();

  constructor(text: string, options: PythonDocumentOptions = {}) {
    this.segmentLines = options.segmentLines ?? DEFAULT_SEGMENT_LINES;
    this.source = new SourceText(text);
    this.treeText.set(text);
    this.parts = this.cut(this.source);
    this.changes = { before: this.source, edits: [], statements: undefined };
  }

  get text(): string {
    return this.source.text;
  }

  get sourceText(): SourceText {
    return this.source;
  }

  /** The segments in document order; they cover the text. */
  get segments(): readonly Segment[] {
    return this.parts;
  }

  /**
   * The segments' trees, in document order, as they are: a tree after the last edits may still have
   * their moves put off, so its nodes are read through readyTree (as SemanticModel does).
   */
  get trees(): Tree[] {
    return this.parts.map((s) => s.deferredTree);
  }

  /** The tree of a document kept as one segment (short documents, and any with segmentLines 0). */
  get tree(): Tree {
    if (this.parts.length !== 1) throw new Error(`this document is kept as ${this.parts.length} segments: use trees`);
    return this.parts[0].tree;
  }

  /** The changes since the last call (or since the document was made), and starts a new record. */
  takeChanges(): DocumentChanges {
    const taken = this.changes;
    this.changes = { before: this.source, edits: [], statements: noStatementChanges() };
    return taken;
  }

  /** Applies changes in order and reparses once, reusing the old tree for unchanged regions. */
  update(changes: readonly ContentChange[]): void {
    const only = changes.length === 1 ? changes[0] : undefined;
    if (only?.range) {
      // One ranged change (what an editor sends for a keystroke): its offsets are known, no comparison needed.
      const { start, end } = this.source.rangeOffsets(only.range);
      if (start !== end || only.text !== '') this.apply(start, end, only.text);
      return;
    }
    let text = this.source.text;
    let source = this.source;
    for (const change of changes) {
      if (!change.range) {
        text = change.text;
        source = new SourceText(text);
        continue;
      }
      const { start, end } = source.rangeOffsets(change.range);
      text = text.slice(0, start) + change.text + text.slice(end);
      source = new SourceText(text);
    }
    this.setText(text);
  }

  /** Replaces the text between two offsets and reparses incrementally (like `update` with one change). */
  replaceRange(startOffset: number, oldEndOffset: number, newText: string): void {
    if (!(startOffset >= 0 && startOffset <= oldEndOffset && oldEndOffset <= this.source.text.length)) {
      throw new RangeError(`replaceRange(${startOffset}, ${oldEndOffset}) is outside the text (length ${this.source.text.length})`);
    }
    this.apply(startOffset, oldEndOffset, newText);
  }

  /**
   * Replaces the whole text, reparsing incrementally: the changed region is what lies between the
   * common prefix and the common suffix of the old and new texts. Nothing happens when they are equal.
   */
  setText(text: string): void {
    const region = changedRegion(this.source.text, text);
    if (region) this.apply(region.start, region.oldEnd, text.slice(region.start, region.newEnd));
  }

  dispose(): void {
    for (const s of this.parts) s.deferredTree.delete();
    this.parts = [];
  }

  private apply(start: number, oldEnd: number, insert: string): void {
    const before = this.source;
    // Offsets outside the text would send the reparse below round for ever: refused, loudly.
    if (!(Number.isInteger(start) && Number.isInteger(oldEnd) && start >= 0 && start <= oldEnd && oldEnd <= before.text.length)) {
      throw new RangeError(`an edit of [${start}, ${oldEnd}) is outside the text (length ${before.text.length})`);
    }
    const next = before.withEdit(start, oldEnd, insert);
    const newEnd = start + insert.length;
    this.changes.edits.push({ start, oldEnd, newEnd });
    const edit = treeEdit(before, next, start, oldEnd, newEnd);
    // Whether the parser may read the new text, judged from the edit (parsePython finds it judged).
    const verdict = judgeEdit(before, next, start, insert);
    const segmented = this.parts.length > 1;
    if (segmented && verdict.refusal) {
      // A text the parser cannot read (see parseGuard) is kept as one stand-in tree, as a fresh open keeps it.
      this.source = next;
      this.recut();
      return;
    }
    if (!segmented) {
      // One tree: tree-sitter's own incremental reparse. An analysis of one segment is made again whole.
      const old = this.parts[0].tree;
      const wasBroken = old.rootNode.hasError;
      old.edit(edit);
      let tree = parsePython(next.text, wasBroken ? null : old);
      // Around syntax errors an incremental reparse can recover differently from a fresh parse of
      // the same text: a broken text is always parsed afresh, so it reads as a fresh open reads it.
      if (!wasBroken && tree.rootNode.hasError) {
        tree.delete();
        tree = parsePython(next.text);
      }
      this.treeText.set(next.text);
      this.treeText.attach(tree);
      this.changes.statements = undefined;
      old.delete();
      this.source = next;
      this.parts = [new DeferredSegment(0, next.text.length, tree)];
      if (this.segmentLines > 0 && next.lineCount >= 2 * this.segmentLines && readsExactly(tree.rootNode, next.text)) this.recut();
      return;
    }
    // The segments the edit touches (an edit at a boundary touches both sides) are parsed again as one.
    let first = this.parts.findIndex((s) => s.end >= start);
    if (first < 0) first = this.parts.length - 1;
    let last = first;
    while (last + 1 < this.parts.length && this.parts[last + 1].start <= oldEnd) last++;
    const delta = newEnd - oldEnd;
    const edited = first === last ? first : -1;
    let from = this.parts[first].start;
    let to = this.parts[last].end + delta;
    // Within one segment, tree-sitter's incremental reparse of that segment's tree; the statements as
    // they were are read from an unedited copy (an edited tree's nodes read the old text at new offsets).
    const reused = edited >= 0 ? this.parts[edited].tree : undefined;
    const snapshot = reused?.copy();
    reused?.edit(edit);
    let tree = parsePythonRange(next.text, from, to, next, reused);
    // A stretch with a syntax error reads as the whole file reads it only when the error stays inside:
    // it is parsed again with the segments around it until its first and last statements are clean
    // (an error at a segment's edge may join the text beyond it: an unclosed bracket or string).
    while (!errorsInside(tree.rootNode, next.text, first === 0, last === this.parts.length - 1)) {
      tree.delete();
      const whole = first === 0 && last === this.parts.length - 1;
      if (whole || next.positionAt(to).line - next.positionAt(from).line > MERGED_LINES * Math.max(1, this.segmentLines)) {
        // Not held within a few segments (a string left open swallows the rest of the file): one tree,
        // as a fresh open of this text makes it, until the text parses cleanly again.
        snapshot?.delete();
        this.source = next;
        this.recut();
        return;
      }
      first = Math.max(0, first - 1);
      last = Math.min(this.parts.length - 1, last + 1);
      from = this.parts[first].start;
      to = this.parts[last].end + delta;
      tree = parsePythonRange(next.text, from, to, next);
    }
    const oldRoots = this.parts.slice(first, last + 1).map((s, k) => (first + k === edited && snapshot ? snapshot.rootNode : s.tree.rootNode));
    // The statements as they were are read (from the old text) before the trees are pointed at the new one.
    // Error recovery can read statements far from the edit otherwise (a statement swallowed into an
    // error twenty lines below): when either side has an error, every statement of the stretch that
    // does not read the same on both sides counts as changed.
    const broken = tree.rootNode.hasError || oldRoots.some((r) => r.hasError);
    const changed = broken ? changedStatementsOfBrokenStretch(oldRoots, tree.rootNode, start, oldEnd, newEnd) : changedStatementsAround(oldRoots, tree.rootNode, start, oldEnd, newEnd);
    this.note(changed.before, changed.after, first === 0, { start, end: oldEnd }, { start, end: newEnd });
    snapshot?.delete();
    this.treeText.set(next.text);
    this.treeText.attach(tree);
    for (let i = first; i <= last; i++) this.parts[i].deferredTree.delete();
    const later = this.parts.slice(last + 1);
    // The segments after the edit only move; their trees are edited when next read.
    for (const s of later) {
      deferMove(s.deferredTree, { index: s.start, row: before.positionAt(s.start).line }, edit);
      s.start += delta;
      s.end += delta;
    }
    this.source = next;
    this.parts = [...this.parts.slice(0, first), ...this.split(new DeferredSegment(from, to, tree)), ...later];
    if (next.lineCount < this.segmentLines) this.recut();
  }

  /** Records what the statements an edit changed spell and bind (see DocumentChanges.statements). */
  private note(before: readonly Node[], after: readonly Node[], inHead: boolean, was: { start: number; end: number }, is: { start: number; end: number }): void {
    const changes = this.changes.statements;
    if (!changes) return;
    for (const statement of [...before, ...after]) {
      for (const w of wordsOf(statement.text)) changes.words.add(w);
      moduleBindingNames(statement, changes.moduleBindings);
    }
    // What their imports bind, as keys: each key found on one side more times than on the other is
    // reported (a binding's qualified name, a package, a star import).
    const counts = new Map<string, number>();
    // Import statements the edit touches: readers of where those imports stand.
    for (const k of [...touchedImportKeys(before, was), ...touchedImportKeys(after, is)]) {
      if (!k.startsWith('*') && !k.startsWith('+')) changes.importStatements.add(k.slice(k.indexOf('=') + 1));
    }
    // An import moved into or out of a branch binds the same name: only where it stands changed.
    const branches = new Map<string, number>();
    for (const k of before.flatMap(importKeys)) count(k, 1);
    for (const k of after.flatMap(importKeys)) count(k, -1);
    function count(k: string, by: number): void {
      const plain = k.startsWith('?') ? k.slice(1) : k;
      counts.set(plain, (counts.get(plain) ?? 0) + by);
      if (plain !== k) branches.set(plain, (branches.get(plain) ?? 0) + by);
    }
    for (const [k, n] of branches) if (n !== 0) changes.importStatements.add(k.slice(k.indexOf('=') + 1));
    for (const [k, n] of counts) {
      if (n === 0) continue;
      changes.imports = true;
      if (k.startsWith('*')) changes.starImports = true;
      else if (k.startsWith('+')) changes.packages.add(k.slice(1));
      else changes.importBindings.add(k.slice(k.indexOf('=') + 1));
    }
    if (inHead) changes.head = true;
  }

  /** Parses the whole text again as fresh segments (an analysis kept per segment starts over). */
  private recut(): void {
    const old = this.parts;
    this.parts = this.cut(this.source);
    for (const s of old) s.deferredTree.delete();
    this.changes.statements = undefined;
  }

  /** Cuts a text into segments of at least `segmentLines` lines, at top-level statements that start a line. */
  private cut(source: SourceText): DeferredSegment[] {
    const whole = parsePython(source.text);
    // Segments read exactly as the whole file only when it parses cleanly (see readsExactly).
    if (this.segmentLines <= 0 || source.lineCount < 2 * this.segmentLines || !readsExactly(whole.rootNode, source.text)) {
      this.treeText.set(source.text);
      this.treeText.attach(whole);
      return [new DeferredSegment(0, source.text.length, whole)];
    }
    const starts = boundaries(whole.rootNode, 0, this.segmentLines);
    whole.delete();
    this.treeText.set(source.text);
    return starts.map((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : source.text.length;
      const tree = parsePythonRange(source.text, start, end, source);
      this.treeText.attach(tree);
      return new DeferredSegment(start, end, tree);
    });
  }

  /** A freshly parsed segment, cut again when it has grown to more than three segments' worth. */
  private split(segment: DeferredSegment): DeferredSegment[] {
    const lines = this.source.positionAt(segment.end).line - this.source.positionAt(segment.start).line;
    // A stretch holding a syntax error stays whole (see errorsInside).
    if (lines < 3 * this.segmentLines || !readsExactly(segment.tree.rootNode, this.source.text)) return [segment];
    const starts = boundaries(segment.tree.rootNode, segment.start, this.segmentLines);
    if (starts.length < 2) return [segment];
    segment.tree.delete();
    return starts.map((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : segment.end;
      const tree = parsePythonRange(this.source.text, start, end, this.source);
      this.treeText.attach(tree);
      return new DeferredSegment(start, end, tree);
    });
  }
}

/** How many segments' worth of lines a stretch holding a syntax error may grow to before the document becomes one tree. */
const MERGED_LINES = 8;

/**
 * Whether a stretch parsed on its own holds its syntax errors inside, so that it reads as the whole
 * file reads it: no error at all (see readsExactly), or none in its first and last top-level
 * statements, where it meets the text around it (the file's start and end need no margin).
 */
function errorsInside(root: Node, text: string, atFileStart: boolean, atFileEnd: boolean): boolean {
  if (readsExactly(root, text)) return true;
  // A triple-quoted string left open: parsed alone, the stretch ends it at its own end, while the
  // whole file lexes it on to the next triple quote, anywhere after.
  if (hasOpenTripleQuote(root)) return false;
  const statements = root.children.filter((c): c is Node => !!c && c.type !== 'comment');
  if (statements.length < 3) return atFileStart && atFileEnd;
  const clean = (n: Node) => !n.hasError && !n.isMissing && !startsIndentedOnItsLine(n, text);
  return (atFileStart || clean(statements[0])) && (atFileEnd || clean(statements[statements.length - 1]));
}

/**
 * Whether a tree holds a triple-quote string start that no string closes: error recovery took it
 * apart, or ended the string with a made-up (missing) end and read on as statements, so that the
 * stretch's last statements look clean while the whole file is still inside the string there.
 */
function hasOpenTripleQuote(root: Node): boolean {
  for (const start of root.descendantsOfType('string_start')) {
    if (!start || !(start.text.endsWith('"""') || start.text.endsWith("'''"))) continue;
    const string = start.parent;
    if (string?.type !== 'string') return true;
    const end = string.lastChild;
    if (!end || end.type !== 'string_end' || end.isMissing) return true;
  }
  return false;
}

/**
 * Whether a tree parsed from a stretch of text reads that stretch exactly as a parse of the whole file
 * would: no syntax error (nothing left open at its end, nothing its start depends on) and no
 * top-level statement indented on its own line (Python's IndentationError, which tree-sitter reads
 * without an error but differently depending on where the parse started).
 */
export function readsExactly(root: Node, text: string): boolean {
  return !root.hasError && !hasIndentedTopLevelStatement(root, text);
}

/** Whether a top-level statement of a tree starts after indentation on its own line. */
export function hasIndentedTopLevelStatement(root: Node, text: string): boolean {
  return root.children.some((statement) => !!statement && statement.type !== 'comment' && startsIndentedOnItsLine(statement, text));
}

/** Whether a node starts after indentation on its own line. */
function startsIndentedOnItsLine(node: Node, text: string): boolean {
  let at = node.startIndex - 1;
  if (!isIndentation(text.charCodeAt(at))) return false;
  while (at >= 0 && isIndentation(text.charCodeAt(at))) at--;
  const before = at < 0 ? 10 : text.charCodeAt(at);
  return before === 10 || before === 13;
}

function isIndentation(code: number): boolean {
  return code === 32 || code === 9 || code === 12;
}

/** Offsets where segments start: `from`, then every top-level statement at column 0 at least `lines` lines after the previous start. */
function boundaries(root: Node, from: number, lines: number): number[] {
  const starts = [from];
  let lastRow = -1;
  for (const statement of root.children) {
    if (!statement) continue;
    if (lastRow < 0) lastRow = statement.startPosition.row;
    if (statement.startPosition.column !== 0 || statement.startIndex <= from) continue;
    if (statement.startPosition.row - lastRow >= lines) {
      starts.push(statement.startIndex);
      lastRow = statement.startPosition.row;
    }
  }
  return starts;
}

/** The import keys (see importKeys) of the import statements among these statements that touch `[start, end]`. */
function touchedImportKeys(statements: readonly Node[], range: { start: number; end: number }): string[] {
  const keys: string[] = [];
  for (const statement of statements) {
    if (!statement.text.includes('import')) continue;
    const imports = statement.type === 'import_statement' || statement.type === 'import_from_statement' ? [statement] : statement.descendantsOfType(['import_statement', 'import_from_statement']);
    for (const n of imports) if (n && n.startIndex <= range.end && n.endIndex >= range.start) keys.push(...importKeys(n));
  }
  return keys;
}

/**
 * The top-level statements an edit changed, before and after it: those touching the edit, widened
 * until both sides cover the same stretch of text. An edit can turn statements it does not touch
 * into something else (an unclosed bracket makes the rest of its segment one error; closing it
 * makes them statements again), and what those statements bound must be reported too.
 */
function changedStatementsAround(oldRoots: readonly Node[], newRoot: Node, start: number, oldEnd: number, newEnd: number): { before: Node[]; after: Node[] } {
  const delta = newEnd - oldEnd;
  const toNew = (offset: number) => (offset <= start ? offset : offset >= oldEnd ? offset + delta : newEnd);
  const toOld = (offset: number) => (offset <= start ? offset : offset >= newEnd ? offset - delta : oldEnd);
  let lo = start;
  let hiOld = oldEnd;
  let hiNew = newEnd;
  for (;;) {
    const before = oldRoots.flatMap((root) => changedStatements(root, lo, hiOld));
    const after = changedStatements(newRoot, lo, hiNew);
    let nextLo = lo;
    let nextHiOld = hiOld;
    let nextHiNew = hiNew;
    for (const statement of before) {
      nextLo = Math.min(nextLo, statement.startIndex);
      nextHiOld = Math.max(nextHiOld, statement.endIndex);
      nextHiNew = Math.max(nextHiNew, toNew(statement.endIndex));
    }
    for (const statement of after) {
      nextLo = Math.min(nextLo, statement.startIndex);
      nextHiNew = Math.max(nextHiNew, statement.endIndex);
      nextHiOld = Math.max(nextHiOld, toOld(statement.endIndex));
    }
    if (nextLo === lo && nextHiOld === hiOld && nextHiNew === hiNew) return { before, after };
    lo = nextLo;
    hiOld = nextHiOld;
    hiNew = nextHiNew;
  }
}

/**
 * The top-level statements of a stretch holding a syntax error (before or after the edit) that the
 * edit may have changed: all of them, less those that read the same on both sides — away from the
 * edit, at the same (moved) offsets, with the same text and the same tree, no error in either. A
 * statement error recovery reads otherwise (swallowed into an error, or cut short) is no longer the
 * same node and counts. Merging a broken segment with its neighbours (errorsInside) otherwise sent
 * every reader of every name those neighbours bind to be examined again, for a bracket typed and
 * deleted at a segment's edge.
 */
function changedStatementsOfBrokenStretch(oldRoots: readonly Node[], newRoot: Node, start: number, oldEnd: number, newEnd: number): { before: Node[]; after: Node[] } {
  const delta = newEnd - oldEnd;
  const after = topLevel(newRoot);
  const byStart = new Map<number, Node>();
  for (const statement of after) byStart.set(statement.startIndex, statement);
  const same = new Set<number>();
  const before: Node[] = [];
  for (const old of oldRoots.flatMap(topLevel)) {
    // Statements touching the edit (ends included) always count.
    const at = old.endIndex < start ? old.startIndex : old.startIndex > oldEnd ? old.startIndex + delta : undefined;
    const now = at === undefined ? undefined : byStart.get(at);
    if (now && readsAlike(old, now, at! - old.startIndex)) same.add(now.id);
    else before.push(old);
  }
  return { before, after: after.filter((statement) => !same.has(statement.id)) };
}

/**
 * Whether two statements (one moved by `shift`) read alike: same span, text and node count, no error
 * in either. (Their S-expressions were compared too: 16,852 such pairs over 2,400 bench keystrokes
 * never differed once text and node count agreed, and writing them out was a quarter of a broken
 * stretch's reparse.)
 */
function readsAlike(a: Node, b: Node, shift: number): boolean {
  return (
    a.endIndex + shift === b.endIndex &&
    a.type === b.type &&
    !a.hasError &&
    !b.hasError &&
    !a.isMissing &&
    !b.isMissing &&
    a.descendantCount === b.descendantCount &&
    a.text === b.text
  );
}

/** Every top-level statement (and comment) of a tree. */
function topLevel(root: Node): Node[] {
  return root.children.filter((c): c is Node => c !== null);
}

/** The top-level statements (and comments) of a tree that touch `[start, end]`. */
function changedStatements(root: Node, start: number, end: number): Node[] {
  const out: Node[] = [];
  for (const statement of root.children) {
    if (statement && statement.startIndex <= end && statement.endIndex >= start) out.push(statement);
  }
  return out;
}

function treeEdit(before: SourceText, after: SourceText, start: number, oldEnd: number, newEnd: number) {
  const startPosition = before.positionAt(start);
  const oldEndPosition = before.positionAt(oldEnd);
  const newEndPosition = after.positionAt(newEnd);
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: { row: startPosition.line, column: startPosition.character },
    oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
    newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
  };
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
