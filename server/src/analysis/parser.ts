// Loads web-tree-sitter and the tree-sitter-python grammar once; parsing after that is synchronous.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, Query, type Edit, type Node, type Tree } from 'web-tree-sitter';

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
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(pythonLanguage());
  }
  const tree = sharedParser.parse(withLineFeeds(text), oldTree ?? null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
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
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(pythonLanguage());
  }
  const from = lines.positionAt(start);
  const to = lines.positionAt(end);
  const range = { startIndex: start, endIndex: end, startPosition: { row: from.line, column: from.character }, endPosition: { row: to.line, column: to.character } };
  const tree = sharedParser.parse(withLineFeeds(text), oldTree ?? null, { includedRanges: [range] });
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
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
