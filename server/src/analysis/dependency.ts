// What an answer of the semantic model depends on, and which edits reach it. The model records a
// Dependency for every read (model/recorder.ts); an incremental analysis keeps a segment's findings
// until an edit reaches one of the dependencies they were computed from (incremental.ts). Rules never
// see any of this. Dependencies are kept as string keys (sets of them are compared on every
// keystroke); this file alone knows the encoding.

import { isWithin, selfAndParents } from './qualifiedName';

/** A place or fact an answer was read from. */
export type Dependency =
  /** A statement spelling this word: identifiers, keywords and calls are found from where the text spells them. */
  | { kind: 'word'; word: string }
  /** A statement spelling every one of these words (a lookup whose every hit spells them all). */
  | { kind: 'allWords'; words: readonly string[] }
  /** A module-level statement that can bind this name. */
  | { kind: 'moduleBinding'; name: string }
  /** What a module-level name resolves to through imports (compared: see summaryOf). */
  | { kind: 'resolution'; name: string }
  /** Whether a def or class binds a name at module level (compared). */
  | { kind: 'definition'; name: string }
  /** The import bindings of a qualified name (compared). */
  | { kind: 'importOf'; qualified: string }
  /** Whether a top-level package is imported (compared). */
  | { kind: 'package'; name: string }
  /** The import bindings of the names at or under a qualified name (compared): where a call under it can be spelled. */
  | { kind: 'importsUnder'; prefix: string }
  /** Whether any call anywhere is spelled with this last name (compared): `x.backward()` somewhere. */
  | { kind: 'anyCall'; name: string }
  /** Where the import statements of a qualified name stand (a fix inserting beside them). */
  | { kind: 'importStatement'; qualified: string }
  /** Every import binding. */
  | { kind: 'imports' }
  /** The star imports. */
  | { kind: 'starImports' }
  /** The top-level statements at the head of the file (docstring, imports). */
  | { kind: 'head' }
  /** Anything in the file (a whole-tree walk). */
  | { kind: 'wholeFile' }
  /** The file's indentation unit or newline style (fix text is written in them). */
  | { kind: 'layout'; of: 'indent' | 'eol' }
  /** The text of one top-level statement, by its offsets. */
  | { kind: 'statement'; start: number; end: number }
  /** A file-level fact's combined value (see facts in rules/rule.ts). */
  | { kind: 'fact'; id: string }
  /** A word looked for among the sites of the unit a fact was computed for. */
  | { kind: 'unitWord'; word: string }
  /** The sites of a fact's unit enumerated by node type. */
  | { kind: 'unitStructure' };

/** A Dependency in the form kept in sets: made by `key`, read back by `decode`. */
export type DependencyKey = string & { readonly __dependencyKey: unique symbol };

const ALL_WORDS = '&';
const FACT = 'fact:';
const UNIT_WORD = 'unit:';

const as = (s: string) => s as DependencyKey;

/** Dependency keys, made without building the object (the model records one on most reads). */
export const key = {
  word: (word: string): DependencyKey => as(word),
  allWords: (words: readonly string[]): DependencyKey => as(words.join(ALL_WORDS)),
  moduleBinding: (name: string): DependencyKey => as(`=${name}`),
  resolution: (name: string): DependencyKey => as(`q=${name}`),
  definition: (name: string): DependencyKey => as(`k=${name}`),
  importOf: (qualified: string): DependencyKey => as(`@${qualified}`),
  package: (name: string): DependencyKey => as(`+${name}`),
  importsUnder: (prefix: string): DependencyKey => as(`i=${prefix}`),
  anyCall: (name: string): DependencyKey => as(`c=${name}`),
  importStatement: (qualified: string): DependencyKey => as(`<import-edit>${qualified}`),
  imports: as('<imports>'),
  starImports: as('<star>'),
  head: as('<head>'),
  wholeFile: as('*'),
  indent: as('<indent>'),
  eol: as('<eol>'),
  statement: (start: number, end: number): DependencyKey => as(`§${start}:${end}`),
  fact: (id: string): DependencyKey => as(`${FACT}${id}`),
  unitWord: (word: string): DependencyKey => as(`${UNIT_WORD}${word}`),
  unitStructure: as('<unit>'),
};

export function encode(d: Dependency): DependencyKey {
  switch (d.kind) {
    case 'word':
      return key.word(d.word);
    case 'allWords':
      return key.allWords(d.words);
    case 'moduleBinding':
    case 'resolution':
    case 'definition':
      return key[d.kind](d.name);
    case 'package':
      return key.package(d.name);
    case 'importsUnder':
      return key.importsUnder(d.prefix);
    case 'anyCall':
      return key.anyCall(d.name);
    case 'importOf':
    case 'importStatement':
      return key[d.kind](d.qualified);
    case 'imports':
    case 'starImports':
    case 'head':
    case 'wholeFile':
    case 'unitStructure':
      return key[d.kind];
    case 'layout':
      return d.of === 'indent' ? key.indent : key.eol;
    case 'statement':
      return key.statement(d.start, d.end);
    case 'fact':
      return key.fact(d.id);
    case 'unitWord':
      return key.unitWord(d.word);
  }
}

export function decode(k: DependencyKey): Dependency {
  switch (k) {
    case key.imports:
      return { kind: 'imports' };
    case key.starImports:
      return { kind: 'starImports' };
    case key.head:
      return { kind: 'head' };
    case key.wholeFile:
      return { kind: 'wholeFile' };
    case key.indent:
      return { kind: 'layout', of: 'indent' };
    case key.eol:
      return { kind: 'layout', of: 'eol' };
    case key.unitStructure:
      return { kind: 'unitStructure' };
  }
  switch (k.charCodeAt(0)) {
    case 61 /* = */:
      return { kind: 'moduleBinding', name: k.slice(1) };
    case 64 /* @ */:
      return { kind: 'importOf', qualified: k.slice(1) };
    case 43 /* + */:
      return { kind: 'package', name: k.slice(1) };
    case 0xa7 /* § */: {
      const colon = k.indexOf(':');
      return { kind: 'statement', start: Number(k.slice(1, colon)), end: Number(k.slice(colon + 1)) };
    }
  }
  if (k.startsWith('q=')) return { kind: 'resolution', name: k.slice(2) };
  if (k.startsWith('k=')) return { kind: 'definition', name: k.slice(2) };
  if (k.startsWith('c=')) return { kind: 'anyCall', name: k.slice(2) };
  if (k.startsWith('i=')) return { kind: 'importsUnder', prefix: k.slice(2) };
  if (k.startsWith('<import-edit>')) return { kind: 'importStatement', qualified: k.slice('<import-edit>'.length) };
  if (k.startsWith(FACT)) return { kind: 'fact', id: k.slice(FACT.length) };
  if (k.startsWith(UNIT_WORD)) return { kind: 'unitWord', word: k.slice(UNIT_WORD.length) };
  if (k.includes(ALL_WORDS)) return { kind: 'allWords', words: k.split(ALL_WORDS) };
  return { kind: 'word', word: k };
}

/** Whether a key stands for a statement span (`§start:end`), without decoding it: the runner moves these into offset ranges. */
export function isStatementKey(k: DependencyKey): boolean {
  return k.charCodeAt(0) === 0xa7;
}

/** Whether a key is a read of a unit's own sites (unitWord, unitStructure), without decoding it. */
export function isUnitKey(k: DependencyKey): boolean {
  return k === key.unitStructure || k.startsWith(UNIT_WORD);
}

/** The fact id of a `fact` key, without decoding others. */
export function factIdOf(k: DependencyKey): string | undefined {
  return k.startsWith(FACT) ? k.slice(FACT.length) : undefined;
}

/** Whether a key depends on several words together (see allWords), and those words. */
export function allWordsOf(k: DependencyKey): string[] | undefined {
  return k.includes(ALL_WORDS) && !k.startsWith(FACT) && !k.startsWith(UNIT_WORD) ? k.split(ALL_WORDS) : undefined;
}

// ---- what an edit changed --------------------------------------------------------------------

/**
 * What the top-level statements an edit changed (as they were and as they are) spell and bind:
 * enough to tell which dependencies the edit can reach. Made by document.ts from the statements.
 */
export interface StatementChanges {
  /** Their words (see words.ts). */
  words: Set<string>;
  /** The names they can bind at module level. */
  moduleBindings: Set<string>;
  /** Qualified names whose import bindings differ (one side binds one more often than the other). */
  importBindings: Set<string>;
  /** Top-level packages imported a different number of times. */
  packages: Set<string>;
  /** Whether any import binding, package or star import differs. */
  imports: boolean;
  /** Whether a star import differs. */
  starImports: boolean;
  /** Qualified names bound by an import statement the edit touched, even one that binds the same. */
  importStatements: Set<string>;
  /** Whether a changed statement lies in the first segment (where imports and docstrings go). */
  head: boolean;
}

export function noStatementChanges(): StatementChanges {
  return { words: new Set(), moduleBindings: new Set(), importBindings: new Set(), packages: new Set(), imports: false, starImports: false, importStatements: new Set(), head: false };
}

/**
 * The keys the changes reach directly (`plain`), and the compared ones they may reach (`compared`:
 * reached only when the value behind them differs now, see summaryOf). Together with `reaches`
 * below, the one definition of which edit reaches which dependency.
 */
export function changedKeys(changes: StatementChanges): { plain: DependencyKey[]; compared: DependencyKey[] } {
  const plain: DependencyKey[] = [];
  const compared: DependencyKey[] = [];
  for (const w of changes.words) plain.push(key.word(w));
  for (const n of changes.moduleBindings) {
    plain.push(key.moduleBinding(n));
    compared.push(key.resolution(n), key.definition(n));
  }
  for (const q of changes.importBindings) compared.push(key.importOf(q));
  // A binding changed at `a.b.c` changes what lies under `a`, `a.b` and `a.b.c`.
  for (const p of new Set([...changes.importBindings].flatMap(selfAndParents))) compared.push(key.importsUnder(p));
  for (const p of changes.packages) compared.push(key.package(p));
  // Whether a call is spelled with a name changes only where a changed statement spells it.
  for (const w of changes.words) compared.push(key.anyCall(w));
  if (changes.imports) plain.push(key.imports);
  if (changes.starImports) plain.push(key.starImports);
  for (const q of changes.importStatements) plain.push(key.importStatement(q));
  return { plain, compared };
}

/**
 * Whether the changes reach a dependency of a fact value kept with a segment that was parsed again:
 * `differs` tells whether a compared value changed. Enumerations of the unit and other facts are
 * always reached (the segment's text changed); statement spans and layout are judged by the caller.
 */
export function reaches(d: Dependency, changes: StatementChanges, differs: (k: DependencyKey) => boolean): boolean {
  switch (d.kind) {
    case 'word':
    case 'unitWord':
      return changes.words.has(d.word);
    case 'allWords':
      return d.words.every((w) => changes.words.has(w));
    case 'moduleBinding':
      return changes.moduleBindings.has(d.name);
    case 'resolution':
    case 'definition':
      return changes.moduleBindings.has(d.name) && differs(encode(d));
    case 'importOf':
      return changes.importBindings.has(d.qualified) && differs(encode(d));
    case 'package':
      return changes.packages.has(d.name) && differs(encode(d));
    case 'importsUnder':
      return [...changes.importBindings].some((q) => isWithin(q, d.prefix)) && differs(encode(d));
    case 'anyCall':
      return changes.words.has(d.name) && differs(encode(d));
    case 'importStatement':
      return changes.importStatements.has(d.qualified);
    case 'imports':
      return changes.imports;
    case 'starImports':
      return changes.starImports;
    case 'head':
      return changes.head;
    case 'wholeFile':
    case 'unitStructure':
    case 'fact':
      return true;
    case 'layout':
    case 'statement':
      return false;
  }
}

/** What the model answers for the compared dependencies, as text that can be compared across edits. */
export interface ComparedValues {
  resolutionSummary(name: string): string;
  hasDefinition(name: string): boolean;
  importSummary(qualified: string): string;
  hasPackage(name: string): boolean;
  importsUnderSummary(prefix: string): string;
  hasCallNamed(name: string): boolean;
}

/** The value behind a compared dependency now; undefined for the others. */
export function summaryOf(k: DependencyKey, model: ComparedValues): string | undefined {
  const d = decode(k);
  switch (d.kind) {
    case 'resolution':
      return model.resolutionSummary(d.name);
    case 'definition':
      return String(model.hasDefinition(d.name));
    case 'importOf':
      return model.importSummary(d.qualified);
    case 'package':
      return String(model.hasPackage(d.name));
    case 'importsUnder':
      return model.importsUnderSummary(d.prefix);
    case 'anyCall':
      return String(model.hasCallNamed(d.name));
    default:
      return undefined;
  }
}
