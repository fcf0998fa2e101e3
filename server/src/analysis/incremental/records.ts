// Owns what an incremental analysis keeps per segment between edits (a SegmentRecord: each rule's
// findings, dependencies and statements read; fact values) and how each kept offset and finding moves
// through an edit — or is found touched by it, which sends its rule (or, for a fact value, the
// segment) to be analysed again.
import { factIdOf, isStatementKey, isUnitKey, type DependencyKey } from '../dependency';
import type { DocumentChanges } from '../document';
import type { RawFinding } from '../analyze';
import type { SourceText } from '../sourceText';
import type { Fix, Position, Range, TextEdit } from '../types';

/** Where a node found by a fact lies, kept as offsets (nodes of an edited tree are not kept). */
export interface Span {
  start: number;
  end: number;
  type: string;
}

/** A fact's value in one segment, kept across edits. */
export type KeptFactValue = boolean | Span[];

export interface OffsetSpan {
  start: number;
  end: number;
}

/**
 * What one rule found and read while examining a segment's sites. Kept for every enabled rule of every
 * segment of every open long document, so kept small: arrays, not sets; the empty ones shared; the
 * key strings shared with other rules' records (see ruleRecord).
 */
export interface RuleRecord {
  readonly raw: RawFinding[];
  readonly dependencies: readonly DependencyKey[];
  /** Top-level statements whose content the rule read, as offsets: an edit touching one → the rule runs again. */
  readonly reads: OffsetSpan[];
}

export interface SegmentRecord {
  /**
   * Each enabled rule's record, by its index in the rule list: an edit that reaches what one rule read
   * runs that rule again on the segment, not every rule.
   */
  rules: Map<number, RuleRecord>;
  /** Made from `rules` when first needed (see findingsOf, activeRules); undefined once `rules` changes. */
  derived: { findings: RawFinding[]; active: Array<[number, RuleRecord]> } | undefined;
  /** This segment's values of file-level facts, and what computing them read. */
  facts: Map<string, KeptFactValue>;
  factDependencies: Set<DependencyKey>;
  /** The facts the rules' dependencies and `factDependencies` name, by id. */
  factsUsed: Set<string>;
  /**
   * What computing each fact value read, on its own, with what it read of the segment's own sites
   * (see Sites.computeFor): when an edit reparses the segment, a value whose reads the edit does not
   * reach is kept instead of computed again.
   */
  factReads: Map<string, { dependencies: readonly DependencyKey[]; reads: OffsetSpan[] }>;
  /**
   * Added to every offset the record keeps (rule reads, fact spans, fact reads) to give the current
   * text's: a record lying wholly after an edit moves by changing this number alone (see shiftedBy).
   */
  shift: number;
  /** The lowest and highest offsets kept (before `shift`), made when first needed after a change. */
  bounds: { lo: number; hi: number } | undefined;
}

export function freshRecord(): SegmentRecord {
  return { rules: new Map(), derived: undefined, facts: new Map(), factDependencies: new Set(), factsUsed: new Set(), factReads: new Map(), shift: 0, bounds: undefined };
}

/** Every rule's findings in a segment, kept until its rule records change. */
export function findingsOf(record: SegmentRecord): RawFinding[] {
  return (record.derived ??= derive(record)).findings;
}

/** The rule records that an edit can move or touch: those with findings or statement reads (most have neither). */
export function activeRules(record: SegmentRecord): ReadonlyArray<[number, RuleRecord]> {
  return (record.derived ??= derive(record)).active;
}

function derive(record: SegmentRecord): NonNullable<SegmentRecord['derived']> {
  const findings: RawFinding[] = [];
  const active: Array<[number, RuleRecord]> = [];
  for (const entry of record.rules) {
    const rule = entry[1];
    for (const r of rule.raw) findings.push(r);
    if (rule.raw.length || rule.reads.length) active.push(entry);
  }
  return { findings, active };
}

const NO_FINDINGS: RawFinding[] = Object.freeze([]) as unknown as RawFinding[];
const NO_READS: OffsetSpan[] = Object.freeze([]) as unknown as OffsetSpan[];

/**
 * A rule's record from what it read (its statement reads moved out of `dependencies`, see takeReads),
 * with no findings yet (a finding replaces the record). Each key is stored as the instance `canonical`
 * holds for it: one string per key, however many rules and segments read it.
 */
export function ruleRecord(dependencies: Set<DependencyKey>, factsUsed: Set<string>, canonical: Map<string, DependencyKey>): RuleRecord {
  const reads: OffsetSpan[] = [];
  takeReads(dependencies, reads, factsUsed);
  const keys: DependencyKey[] = new Array(dependencies.size);
  let i = 0;
  for (const k of dependencies) {
    let c = canonical.get(k);
    if (c === undefined) canonical.set(k, (c = k));
    keys[i++] = c;
  }
  if (reads.length || keys.length > SHARED_KEYS) return { raw: NO_FINDINGS, dependencies: keys, reads: reads.length ? reads : NO_READS };
  // A rule that found and read little (most: the file does not import its packages) has a record
  // like many others': one is shared (records are never changed, only replaced).
  const id = keys.join('\n');
  let shared = SHARED.get(id);
  if (!shared) {
    shared = { raw: NO_FINDINGS, dependencies: keys, reads: NO_READS };
    if (SHARED.size < MAX_SHARED) SHARED.set(id, shared);
  }
  return shared;
}

/** Records of at most this many keys, nothing found and no statement read, are shared. */
const SHARED_KEYS = 4;
const MAX_SHARED = 4096;
const SHARED = new Map<string, RuleRecord>();

/**
 * How far the changes move every offset the record keeps, when they move them all alike: 0 when
 * they all lie before the edits, the edits' length change when they all lie after (nothing
 * touched either way); undefined when an edit falls between the lowest and the highest (each is
 * then moved on its own: moveReads, moveFacts).
 */
export function shiftedBy(record: SegmentRecord, changes: DocumentChanges): number | undefined {
  const bounds = (record.bounds ??= boundsOf(record));
  if (bounds.lo > bounds.hi) return 0;
  let lo = bounds.lo + record.shift;
  let hi = bounds.hi + record.shift;
  let delta = 0;
  for (const e of changes.edits) {
    // The same tests as moveReads and moveOffset: an edit touches offsets from its start to its old end.
    if (hi < e.start) continue;
    if (lo <= e.oldEnd) return undefined;
    const d = e.newEnd - e.oldEnd;
    lo += d;
    hi += d;
    delta += d;
  }
  return delta;
}

/** The lowest and highest of a record's kept offsets (lo > hi when it keeps none). */
export function boundsOf(record: SegmentRecord): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  const span = (s: { start: number; end: number }) => {
    if (s.start < lo) lo = s.start;
    if (s.end > hi) hi = s.end;
  };
  for (const rule of record.rules.values()) for (const r of rule.reads) span(r);
  for (const value of record.facts.values()) if (typeof value !== 'boolean') for (const s of value) span(s);
  for (const read of record.factReads.values()) for (const r of read.reads) span(r);
  return { lo, hi };
}

/** Writes a shifted record's offsets out at the current text's (shift 0), before anything reads or adds to them one by one. */
export function atCurrentOffsets(record: SegmentRecord): void {
  record.bounds = undefined;
  const shift = record.shift;
  if (shift === 0) return;
  const at = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + shift, end: s.end + shift });
  // Only the rule records that read statements change (most read none: copied on write).
  let rules: Map<number, RuleRecord> | undefined;
  for (const [index, rule] of record.rules) {
    if (rule.reads.length === 0) continue;
    (rules ??= new Map(record.rules)).set(index, { ...rule, reads: rule.reads.map(at) });
  }
  if (rules) {
    record.rules = rules;
    record.derived = undefined;
  }
  const facts = new Map<string, KeptFactValue>();
  for (const [key, value] of record.facts) facts.set(key, typeof value === 'boolean' ? value : value.map(at));
  record.facts = facts;
  const factReads: SegmentRecord['factReads'] = new Map();
  for (const [key, read] of record.factReads) factReads.set(key, { dependencies: read.dependencies, reads: read.reads.map(at) });
  record.factReads = factReads;
  record.shift = 0;
}

/** Moves the statement-span dependencies into `reads`, and notes the fact ones in `factsUsed`. */
export function takeReads(dependencies: Set<DependencyKey>, reads: OffsetSpan[], factsUsed: Set<string>): void {
  for (const d of dependencies) {
    const fact = factIdOf(d);
    if (fact !== undefined) factsUsed.add(fact);
    if (!isStatementKey(d)) continue;
    const colon = d.indexOf(':');
    reads.push({ start: Number(d.slice(1, colon)), end: Number(d.slice(colon + 1)) });
    dependencies.delete(d);
  }
}

/** Spans moved through the changes (the same array when none moved); undefined when an edit touches one (start and end included). */
export function moveReads(reads: OffsetSpan[], changes: DocumentChanges): OffsetSpan[] | undefined {
  let out: OffsetSpan[] | undefined;
  for (let i = 0; i < reads.length; i++) {
    const r = reads[i];
    let { start, end } = r;
    for (const e of changes.edits) {
      if (e.start <= end && e.oldEnd >= start) return undefined;
      if (start > e.oldEnd) {
        start += e.newEnd - e.oldEnd;
        end += e.newEnd - e.oldEnd;
      }
    }
    if (!out && (start !== r.start || end !== r.end)) out = reads.slice(0, i);
    out?.push(start === r.start && end === r.end ? r : { start, end });
  }
  return out ?? reads;
}

/** An offset of the text before the changes, where it now is; undefined when an edit touches it. */
export function moveOffset(offset: number, changes: DocumentChanges): number | undefined {
  for (const e of changes.edits) {
    if (offset >= e.start && offset <= e.oldEnd) return undefined;
    if (offset > e.oldEnd) offset += e.newEnd - e.oldEnd;
  }
  return offset;
}

/** Spans moved through the changes (the same array when none moved); undefined when an edit touches one. */
export function moveSpans(spans: Span[], changes: DocumentChanges): Span[] | undefined {
  let out: Span[] | undefined;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const start = moveOffset(s.start, changes);
    const end = moveOffset(s.end, changes);
    if (start === undefined || end === undefined) return undefined;
    if (!out && (start !== s.start || end !== s.end)) out = spans.slice(0, i);
    out?.push(start === s.start && end === s.end ? s : { start, end, type: s.type });
  }
  return out ?? spans;
}

/** Each fact's read spans moved through the changes (the same map when none moved); undefined when an edit touches one. */
export function moveFactReads(factReads: SegmentRecord['factReads'], changes: DocumentChanges): SegmentRecord['factReads'] | undefined {
  let out: SegmentRecord['factReads'] | undefined;
  for (const [key, read] of factReads) {
    const reads = moveReads(read.reads, changes);
    if (!reads) return undefined;
    if (reads !== read.reads) (out ??= new Map(factReads)).set(key, { dependencies: read.dependencies, reads });
  }
  return out ?? factReads;
}

/** Fact values moved through the changes (the same map when none moved); undefined when an edit touches a span. */
export function moveFacts(facts: Map<string, KeptFactValue>, changes: DocumentChanges): Map<string, KeptFactValue> | undefined {
  let out: Map<string, KeptFactValue> | undefined;
  for (const [key, value] of facts) {
    if (typeof value === 'boolean') continue;
    const moved = moveSpans(value, changes);
    if (!moved) return undefined;
    if (moved !== value) (out ??= new Map(facts)).set(key, moved);
  }
  return out ?? facts;
}

/** Combined fact values moved through the changes; a value with a span the edits touched is dropped (counts as changed). */
export function moveCombined(combined: Map<string, KeptFactValue>, changes: DocumentChanges): Map<string, KeptFactValue> {
  const out = new Map<string, KeptFactValue>();
  for (const [key, value] of combined) {
    if (typeof value === 'boolean') out.set(key, value);
    else {
      const moved = moveSpans(value, changes);
      if (moved) out.set(key, moved);
    }
  }
  return out;
}

export function sameFact(a: KeptFactValue | undefined, b: KeptFactValue): boolean {
  if (a === undefined) return false;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  return a.length === b.length && a.every((s, i) => s.start === b[i].start && s.end === b[i].end && s.type === b[i].type);
}

/**
 * What moves findings through the edits to the current text: each list moved, or undefined when a
 * range or a fix edit touches changed text (the finding may then have changed: its rule runs again).
 * Made once per analysis and used for every rule's findings.
 */
export function findingMover(changes: DocumentChanges, now: SourceText): (raw: readonly RawFinding[]) => RawFinding[] | undefined {
  if (changes.edits.length === 0) return (raw) => raw as RawFinding[];
  const before = changes.before;
  let move = (p: Position): Position | undefined => {
    const offset = moveOffset(before.offsetAt(p), changes);
    return offset === undefined ? undefined : now.positionAt(offset);
  };
  if (changes.edits.length === 1) {
    // One edit (a keystroke): positions move by line and column without offsets, and one that does
    // not move is kept as it is (most do: an edit within a line moves only the rest of that line).
    const e = changes.edits[0];
    const start = before.positionAt(e.start);
    const oldEnd = before.positionAt(e.oldEnd);
    const newEnd = now.positionAt(e.newEnd);
    const lines = newEnd.line - oldEnd.line;
    move = (p) => {
      if (p.line < start.line || (p.line === start.line && p.character < start.character)) return p;
      if (p.line < oldEnd.line || (p.line === oldEnd.line && p.character <= oldEnd.character)) return undefined;
      if (p.line === oldEnd.line) return { line: newEnd.line, character: newEnd.character + (p.character - oldEnd.character) };
      return lines === 0 ? p : { line: p.line + lines, character: p.character };
    };
  }
  const moveRange = (r: Range): Range | undefined => {
    const start = move(r.start);
    const end = start && move(r.end);
    if (!start || !end) return undefined;
    return start === r.start && end === r.end ? r : { start, end };
  };
  const moveEdit = (e: TextEdit): TextEdit | undefined => {
    const m = moveRange(e.range);
    return m && (m === e.range ? e : { range: m, newText: e.newText });
  };
  const moveFix = (fix: Fix): Fix | undefined => {
    const edits = mapKept(fix.edits, moveEdit);
    return edits && (edits === fix.edits ? fix : { ...fix, edits: edits as TextEdit[] });
  };
  const moveFinding = (r: RawFinding): RawFinding | undefined => {
    const range = moveRange(r.finding.range);
    const suppressible = range && mapKept(r.suppressible, moveRange);
    const fixes = suppressible && mapKept(r.finding.fixes, moveFix);
    if (!range || !suppressible || !fixes) return undefined;
    if (range === r.finding.range && suppressible === r.suppressible && fixes === r.finding.fixes) return r;
    return { finding: { ...r.finding, range, fixes: fixes as Fix[] }, suppressible: suppressible as Range[] };
  };
  return (raw) => (raw.length === 0 ? (raw as RawFinding[]) : (mapKept(raw, moveFinding) as RawFinding[] | undefined));
}

/** Each item mapped: the same array when every item maps to itself, undefined when one maps to undefined. */
export function mapKept<T>(items: readonly T[], map: (item: T) => T | undefined): readonly T[] | undefined {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const mapped = map(item);
    if (mapped === undefined) return undefined;
    if (!out && mapped !== item) out = items.slice(0, i);
    out?.push(mapped);
  }
  return out ?? items;
}

/** Records a segment's value of a fact with what computing it read (reads of the unit's sites stay with the fact: they are about the segment's own text). */
export function addFactValue(record: SegmentRecord, id: string, value: KeptFactValue, dependencies: Iterable<DependencyKey>, reads: OffsetSpan[]): void {
  // Kept as an array: one per fact and segment, read only when the segment is parsed again.
  const list = Array.isArray(dependencies) ? (dependencies as readonly DependencyKey[]) : [...dependencies];
  atCurrentOffsets(record);
  record.facts.set(id, value);
  record.factReads.set(id, { dependencies: list, reads });
  for (const d of list) {
    if (isUnitKey(d)) continue;
    record.factDependencies.add(d);
    const fact = factIdOf(d);
    if (fact !== undefined) record.factsUsed.add(fact);
  }
}
