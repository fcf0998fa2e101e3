// Owns the nodes found from where the text spells them: identifiers by name and statements by their
// keyword. Each place the text spells a word is checked in the tree (a name inside a string, a
// comment or a longer name is not an identifier there). What is read is recorded as the word.
import { key } from '../dependency';
import type { Node } from '../parser';
import type { ModuleText, OffsetRange } from './module';
import type { Navigation } from './navigation';
import type { Recorder } from './recorder';

export const FOR_STATEMENT: ReadonlySet<string> = new Set(['for_statement']);
export const WHILE_STATEMENT: ReadonlySet<string> = new Set(['while_statement']);
export const WITH_STATEMENT: ReadonlySet<string> = new Set(['with_statement']);
export const FUNCTION_DEFINITION: ReadonlySet<string> = new Set(['function_definition']);
export const CLASS_DEFINITION: ReadonlySet<string> = new Set(['class_definition']);
export const LAMBDA: ReadonlySet<string> = new Set(['lambda']);
export const IMPORT_STATEMENTS: ReadonlySet<string> = new Set(['import_statement', 'import_from_statement']);

export class Spellings {
  private readonly identifiersByName = new Map<string, Node[]>();
  private readonly statementsByKeyword = new Map<string, Node[]>();
  private readonly stringsByWord = new Map<string, Node[]>();

  constructor(
    private readonly module: ModuleText,
    private readonly nav: Navigation,
    private readonly recorder: Recorder,
  ) {}

  /** Every identifier node spelled `name`, in document order. */
  identifiers(name: string): readonly Node[] {
    this.recorder.read(key.word(name));
    let found = this.identifiersByName.get(name);
    if (!found) {
      found = this.module.identifiersAt(name, this.module.wordOffsets(name));
      this.identifiersByName.set(name, found);
    }
    return found;
  }

  /** Identifiers already found for a name (no read recorded), if they were asked for. */
  knownIdentifiers(name: string): readonly Node[] | undefined {
    return this.identifiersByName.get(name);
  }

  /** The identifier nodes spelled `name` within some ranges (nothing recorded). */
  identifiersWithin(name: string, ranges: readonly OffsetRange[]): Node[] {
    return this.module.identifiersAt(name, this.module.wordOffsetsWithin(name, ranges));
  }

  /** String literals whose text spells `word` as a whole word (`"cuda:0"` spells `cuda`), in document order. */
  strings(word: string): readonly Node[] {
    this.recorder.read(key.word(word));
    let found = this.stringsByWord.get(word);
    if (!found) {
      found = this.stringsAt(word, this.module.wordOffsets(word));
      this.stringsByWord.set(word, found);
    }
    return found;
  }

  /** String literals already found for a word (no read recorded), if they were asked for. */
  knownStrings(word: string): readonly Node[] | undefined {
    return this.stringsByWord.get(word);
  }

  /** `strings` within some ranges (nothing recorded). */
  stringsWithin(word: string, ranges: readonly OffsetRange[]): Node[] {
    return this.stringsAt(word, this.module.wordOffsetsWithin(word, ranges));
  }

  /** The string nodes whose content holds one of these offsets. */
  private stringsAt(word: string, offsets: Iterable<number>): Node[] {
    const found = new Map<number, Node>();
    for (const at of offsets) {
      const content = this.module.nodeAt(at, at + word.length);
      if (content?.type !== 'string_content') continue;
      const string = this.nav.parentOf(content);
      if (string?.type === 'string') found.set(string.id, string);
    }
    return [...found.values()];
  }

  /** The statements (nodes of `types`) whose own keyword token is `keyword`, in document order. */
  statementsAfter(keyword: string, types: ReadonlySet<string>): Node[] {
    this.recorder.read(key.word(keyword));
    const id = statementsKey(keyword, types);
    let found = this.statementsByKeyword.get(id);
    if (!found) {
      found = this.statementsAt(keyword, types, this.module.wordOffsets(keyword));
      this.statementsByKeyword.set(id, found);
    }
    return found;
  }

  /** Statements already found for a keyword (no read recorded), if they were asked for. */
  knownStatements(keyword: string, types: ReadonlySet<string>): Node[] | undefined {
    return this.statementsByKeyword.get(statementsKey(keyword, types));
  }

  /** `statementsAfter` within some ranges (nothing recorded). */
  statementsWithin(keyword: string, types: ReadonlySet<string>, ranges: readonly OffsetRange[]): Node[] {
    return this.statementsAt(keyword, types, this.module.wordOffsetsWithin(keyword, ranges));
  }

  /** The statements of `types` whose keyword token stands at one of these offsets. */
  private statementsAt(keyword: string, types: ReadonlySet<string>, offsets: Iterable<number>): Node[] {
    const found: Node[] = [];
    for (const at of offsets) {
      this.recorder.checkDeadline();
      const token = this.module.nodeAt(at, at + keyword.length);
      if (!token || token.type !== keyword || token.startIndex !== at || token.endIndex !== at + keyword.length) continue;
      const statement = this.nav.parentOf(token);
      if (statement && types.has(statement.type)) found.push(statement);
    }
    return found;
  }
}

function statementsKey(keyword: string, types: ReadonlySet<string>): string {
  return `${keyword} ${[...types].join(' ')}`;
}
