// Loads web-tree-sitter and the tree-sitter-python grammar once; parsing after that is synchronous.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, Query, type Edit, type Node, type Range, type Tree } from 'web-tree-sitter';
import { judgeText } from './parseGuard';

export type { Node, Tree, Edit };

let loaded: Promise<Language> | undefined;
let language: Language | undefined;

/** Finds a wasm file beside the bundle (dist/) first, then in node_modules (tests, development). */
function locate(fileName: string, packagePath: string): string {
  const candidates = [path.join(__dirname, fileName), path.join(__dirname, '..', fileName)];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return require.resolve(packagePath);
}

/** Initialises the parser runtime; safe to call many times. */
export function loadPython(): Promise<Language> {
  loaded ??= (async () => {
    const runtime = locate('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtime });
    const grammar = await Language.load(locate('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    language = grammar;
    return grammar;
  })();
  return loaded;
}

export function pythonLanguage(): Language {
  if (!language) throw new Error('tree-sitter-python is not loaded: await loadPython() first');
  return language;
}

let sharedParser: Parser | undefined;

/** Parses text, reusing oldTree (already edited with tree.edit) for an incremental reparse. */
export function parsePython(text: string, oldTree?: Tree | null): Tree {
  return guardedParse(text, oldTree ?? null);
}

/**
 * Parses only `[start, end)` of a text (a segment of whole top-level statements): the tree's nodes
 * carry their offsets and rows in the whole text. `oldTree`, already edited, is reused where unchanged.
 */
export function parsePythonRange(
  text: string,
  start: number,
  end: number,
  lines: { positionAt(offset: number): { line: number; character: number } },
  oldTree?: Tree,
): Tree {
  const from = lines.positionAt(start);
  const to = lines.positionAt(end);
  const range = { startIndex: start, endIndex: end, startPosition: { row: from.line, column: from.character }, endPosition: { row: to.line, column: to.character } };
  return guardedParse(text, oldTree ?? null, [range]);
}

/** Why a tree's text was not parsed (see parseGuard): the tree then holds no statements. Undefined for a parsed text. */
export function refusalOf(tree: Tree): string | undefined {
  return refusals.get(tree);
}

const refusals = new WeakMap<Tree, string>();

/**
 * Every parse goes through here. A text the parser cannot read safely (parseGuard) is not given to
 * it: its stand-in, blanks of the same length and line breaks, keeps every offset and row and holds
 * nothing. A parser that failed, or fails its check after an unusual text, is dropped, not deleted
 * (its memory may be corrupt), and a new one parses from then on.
 */
function guardedParse(text: string, oldTree: Tree | null, includedRanges?: Range[]): Tree {
  const verdict = judgeText(text);
  if (verdict.refusal) return standIn(text, verdict.refusal, includedRanges);
  const parser = currentParser();
  let tree: Tree | null;
  try {
    // A stand-in's nodes say nothing about the text: it is never reused.
    tree = parser.parse(withLineFeeds(text), oldTree && !refusals.has(oldTree) ? oldTree : null, includedRanges ? { includedRanges } : undefined);
  } catch (err) {
    sharedParser = undefined;
    throw err;
  }
  if (!tree) throw new Error('tree-sitter returned no tree');
  if (verdict.checkParser && !parserWorks(parser)) {
    sharedParser = undefined;
    return standIn(text, 'the Python parser (tree-sitter-python) failed on it', includedRanges);
  }
  return tree;
}

function standIn(text: string, refusal: string, includedRanges?: Range[]): Tree {
  const tree = currentParser().parse(text.replace(/[^\r\n]/g, ' ').replace(/\r(?!\n)/g, '\n'), null, includedRanges ? { includedRanges } : undefined);
  if (!tree) throw new Error('tree-sitter returned no tree');
  refusals.set(tree, refusal);
  // Its root's text is the document's, not the blanks (as TreeText gives every tree).
  const input = withLineFeeds(text);
  (tree as unknown as { textCallback: (index: number) => string }).textCallback = (index: number) => input.slice(index);
  return tree;
}

function currentParser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(pythonLanguage());
    expectedCheck ??= checkShape(sharedParser);
  }
  return sharedParser;
}

/** A text that exercises the scanner (indentation, a string), and its tree from a new parser. */
const CHECK_TEXT = 'if a:\n    b = "c"\n';
let expectedCheck: string | undefined;

function checkShape(parser: Parser): string | undefined {
  try {
    const tree = parser.parse(CHECK_TEXT);
    if (!tree) return undefined;
    const shape = tree.rootNode.toString();
    tree.delete();
    return shape;
  } catch {
    return undefined;
  }
}

function parserWorks(parser: Parser): boolean {
  return expectedCheck !== undefined && checkShape(parser) === expectedCheck;
}

/** Where a tree's text starts, in the tree's own offsets and rows, and where it has moved to since. */
interface DeferredMove {
  fromIndex: number;
  fromRow: number;
  toIndex: number;
  toRow: number;
}

const deferredMoves = new WeakMap<Tree, DeferredMove>();

/**
 * Records an edit lying wholly before a tree's text, which starts a line at `start` (offset and
 * row, as before the edit), without editing the tree. Such an edit only moves the tree's nodes, and
 * a segment of a long document is seldom read before the next keystroke moves it again: the moves
 * add up to one edit of the stretch before the tree, made when the tree is next read (readyTree).
 */
export function deferMove(tree: Tree, start: { index: number; row: number }, edit: Edit): void {
  let move = deferredMoves.get(tree);
  if (!move) {
    move = { fromIndex: start.index, fromRow: start.row, toIndex: start.index, toRow: start.row };
    deferredMoves.set(tree, move);
  }
  move.toIndex += edit.newEndIndex - edit.oldEndIndex;
  move.toRow += edit.newEndPosition.row - edit.oldEndPosition.row;
}

/** The tree with the moves deferMove put off made: what every read of a segment's nodes goes through. */
export function readyTree(tree: Tree): Tree {
  const move = deferredMoves.get(tree);
  if (!move) return tree;
  deferredMoves.delete(tree);
  // Moves that cancel out (a character typed and deleted again before the tree) leave it as it is.
  if (move.toIndex === move.fromIndex && move.toRow === move.fromRow) return tree;
  tree.edit({
    startIndex: 0,
    oldEndIndex: move.fromIndex,
    newEndIndex: move.toIndex,
    startPosition: { row: 0, column: 0 },
    oldEndPosition: { row: move.fromRow, column: 0 },
    newEndPosition: { row: move.toRow, column: 0 },
  });
  return tree;
}

/**
 * The text a document's trees read their nodes' text from. A node's `text` is read from the text its
 * tree was parsed from; a segment shifted with `tree.edit()` (or left as it was) must read the current
 * text instead, and must not keep an old one alive. Every tree attached here reads whatever text was
 * set last.
 */
export class TreeText {
  private input = '';

  set(text: string): void {
    this.input = withLineFeeds(text);
  }

  attach(tree: Tree): void {
    (tree as unknown as { textCallback: (index: number) => string }).textCallback = (index: number) => this.input.slice(index);
  }
}

/**
 * A lone carriage return ends a line for Python and for LSP positions, but tree-sitter counts rows
 * at line feeds only: the parser reads it as a line feed (same length, so every offset is kept and
 * rows agree with SourceText).
 */
function withLineFeeds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

const queries = new Map<string, Query>();

/** A compiled query, cached by its source. */
export function pythonQuery(source: string): Query {
  let q = queries.get(source);
  if (!q) {
    q = new Query(pythonLanguage(), source);
    queries.set(source, q);
  }
  return q;
}
