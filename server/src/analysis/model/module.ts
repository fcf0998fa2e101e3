// Owns the module's text and trees: one tree, or one per segment of a long document (see
// document.ts), the node at an offset, the top-level statement holding a node, and where the text
// spells each word (indexed once per text, or once per segment tree and kept across edits).
import type { Node, Tree } from '../parser';
import { readyTree } from '../parser';
import { indexWords, wordOffsets } from '../words';

/** Words looked for one by one before the model indexes them all (see wordOffsets). */
const WORDS_BEFORE_INDEX = 24;

/** Each segment tree's words with their offsets from the segment's start (see segmentWords). */
const SEGMENT_WORDS = new WeakMap<Tree, Map<string, number[]>>();

export interface OffsetRange {
  start: number;
  end: number;
}

export class ModuleText {
  /** The trees of the module: one, or one per segment of a long document, in document order. */
  readonly trees: readonly Tree[];
  /** The module node (of the first segment): what scopeOf answers for module-level nodes. */
  readonly root: Node;
  /** The text the trees were parsed from. */
  readonly text: string;
  /** Each segment's module node, made when first asked for (see rootAt). */
  private readonly roots: Array<Node | undefined>;
  /** Where each tree's segment starts in the text. */
  readonly starts: readonly number[];
  private words: Map<string, number[]> | undefined;
  private wordsAsked = 0;
  private parsesCleanly: boolean | undefined;
  private readonly segmentsClean: Array<boolean | undefined> = [];
  /** Each segment's nodes of a type, by the type (see segmentNodesOfType). */
  private readonly segmentNodes = new Map<string, Array<Node[] | undefined>>();
  /** Each segment's top-level statements (asked for one segment at a time). */
  private readonly topLevelNodes: Array<Node[] | undefined> = [];

  constructor(trees: readonly Tree[], text: string | undefined, segmentStarts: number[] | undefined) {
    this.trees = trees;
    if (trees.length === 0) throw new Error('a semantic model needs at least one tree');
    // Each root node is made when first needed: most edits of a long document read a few segments.
    this.roots = new Array<Node | undefined>(trees.length);
    this.root = this.roots[0] = readyTree(trees[0]).rootNode;
    this.starts = segmentStarts ?? trees.map((t, i) => (i === 0 ? 0 : (readyTree(t).getIncludedRanges()[0]?.startIndex ?? t.rootNode.startIndex)));
    if (this.starts.length !== trees.length) throw new Error('segmentStarts must give one start per tree');
    if (text === undefined && trees.length > 1) throw new Error('a model of several segments needs the text');
    this.text = text ?? this.root.text;
  }

  get segmented(): boolean {
    return this.trees.length > 1;
  }

  /** The smallest node spanning [start, end), in whichever segment holds `start`. */
  nodeAt(start: number, end: number = start): Node | null {
    if (this.trees.length === 1) return this.root.descendantForIndex(start, end);
    return this.rootAt(this.segmentAt(start)).descendantForIndex(start, end);
  }

  /** The node spanning exactly `[start, end)` with this type (a node found again from kept offsets). */
  nodeSpanning(start: number, end: number, type: string): Node | undefined {
    let node = this.nodeAt(start, end);
    while (node && node.startIndex === start && node.endIndex === end) {
      if (node.type === type) return node;
      node = node.parent;
    }
    return undefined;
  }

  /** Segment `i`'s module node. */
  rootAt(i: number): Node {
    let root = this.roots[i];
    if (!root) root = this.roots[i] = readyTree(this.trees[i]).rootNode;
    return root;
  }

  /** Every segment's module node (for whole-file reads). */
  allRoots(): Node[] {
    return this.trees.map((_, i) => this.rootAt(i));
  }

  /** Where segment `i` ends (where the next starts, or the end of the text). */
  segmentEnd(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] : this.text.length;
  }

  /** The index of the segment holding an offset. */
  segmentAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether a node is (a segment's) module node. */
  isModuleNode(node: Node): boolean {
    return node.type === 'module' && this.rootAt(this.segmentAt(node.startIndex)).id === node.id;
  }

  /** The top-level statement (of the node's segment) that holds a node, found by binary search. */
  topLevelStatementHolding(node: Node): Node | undefined {
    const start = node.startIndex;
    const end = node.endIndex;
    const segment = this.segmentAt(start);
    const top = (this.topLevelNodes[segment] ??= this.rootAt(segment).children.filter((c): c is Node => c !== null));
    let lo = 0;
    let hi = top.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (top[mid].startIndex <= start) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Zero-width nodes can share a start offset with their neighbours: take the one that holds the node.
    while (found >= 0 && !(top[found].startIndex <= start && end <= top[found].endIndex)) found--;
    return found >= 0 ? top[found] : undefined;
  }

  /** Segment `i`'s nodes of a type in document order (outer ones first), walked once per model. */
  segmentNodesOfType(i: number, type: string): Node[] {
    let lists = this.segmentNodes.get(type);
    if (!lists) this.segmentNodes.set(type, (lists = []));
    return (lists[i] ??= this.rootAt(i).descendantsOfType(type).filter((n): n is Node => n !== null));
  }

  /**
   * What `node.descendantsOfType(type)` gives (the node itself too), read from its segment's list.
   * Worth it for calls, which loops, functions and statements nested in each other ask for in turn;
   * a type asked for inside a few small nodes costs less walked where it is (lists of every node of
   * the segment for each such question made the analysis slower). For a type that is never
   * zero-width: a range then tells descent.
   */
  nodesOfTypeWithin(node: Node, type: string): Node[] {
    if (node.type === 'module') return node.descendantsOfType(type).filter((n): n is Node => n !== null);
    const nodes = this.segmentNodesOfType(this.segmentAt(node.startIndex), type);
    const { startIndex: start, endIndex: end } = node;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nodes[mid].startIndex < start) lo = mid + 1;
      else hi = mid;
    }
    const out: Node[] = [];
    for (let k = lo; k < nodes.length && nodes[k].startIndex < end; k++) if (nodes[k].endIndex <= end) out.push(nodes[k]);
    return out;
  }

  /** The offsets of the top-level statement holding a node, or of its whole segment when it lies outside any statement. */
  statementRangeOf(node: Node): OffsetRange {
    const statement = this.topLevelStatementHolding(node);
    if (statement) return { start: statement.startIndex, end: statement.endIndex };
    const segment = this.segmentAt(node.startIndex);
    return { start: this.starts[segment], end: this.segmentEnd(segment) };
  }

  /**
   * Whether the tokens around a name tell its role (see mayBindBefore): true in a text that parses
   * without errors. Error recovery can build a call or an assignment around stray tokens
   * (`data ]: (…)` read as a call of `data`), so in a broken text every place is asked in the tree.
   */
  tokensTellAt(offset: number): boolean {
    if (this.trees.length === 1) return (this.parsesCleanly ??= !this.root.hasError);
    // A segment is parsed alone: its own errors are what can mislead the tokens there.
    const i = this.segmentAt(offset);
    let clean = this.segmentsClean[i];
    if (clean === undefined) clean = this.segmentsClean[i] = !this.rootAt(i).hasError;
    return clean;
  }

  /**
   * Offsets where `word` is spelled as a whole word. In one tree the first few words are looked for
   * one by one; once more are asked for, one pass over the text indexes every word. A segmented
   * document's segments are indexed once each, kept with their trees across edits.
   */
  wordOffsets(word: string): Iterable<number> {
    if (this.trees.length > 1) return this.segmentWordOffsets(word);
    if (this.words) return this.words.get(word) ?? [];
    if (++this.wordsAsked > WORDS_BEFORE_INDEX) this.words = indexWords(this.text);
    return wordOffsets(this.text, word);
  }

  /** `wordOffsets` within some ranges. */
  wordOffsetsWithin(word: string, ranges: readonly OffsetRange[]): number[] {
    if (this.trees.length > 1) return this.segmentWordOffsets(word, ranges);
    return [...this.wordOffsets(word)].filter((at) => ranges.some((r) => r.start <= at && at < r.end));
  }

  /** Where the segments (those that meet `ranges`, all when absent) spell `word`, from their kept word indexes. */
  private segmentWordOffsets(word: string, ranges?: readonly OffsetRange[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.trees.length; i++) {
      const start = this.starts[i];
      const end = this.segmentEnd(i);
      if (ranges && !ranges.some((r) => r.start < end && start < r.end)) continue;
      const relative = this.segmentWords(i).get(word);
      if (!relative) continue;
      for (const r of relative) {
        const at = start + r;
        if (!ranges || ranges.some((g) => g.start <= at && at < g.end)) out.push(at);
      }
    }
    return out;
  }

  /** A segment's words with their offsets from the segment's start, indexed once per tree. */
  segmentWords(i: number): Map<string, number[]> {
    const tree = this.trees[i];
    let words = SEGMENT_WORDS.get(tree);
    if (!words) {
      words = indexWords(this.text.slice(this.starts[i], this.segmentEnd(i)));
      SEGMENT_WORDS.set(tree, words);
    }
    return words;
  }

  /** The identifier nodes at these offsets where `name` is spelled. */
  identifiersAt(name: string, offsets: Iterable<number>): Node[] {
    const found: Node[] = [];
    for (const at of offsets) {
      const node = this.nodeAt(at, at + name.length);
      if (node && node.type === 'identifier' && node.startIndex === at && node.endIndex === at + name.length) found.push(node);
    }
    return found;
  }
}
