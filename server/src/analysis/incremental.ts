// Analysis of a segmented document (PythonDocument) kept per segment, so an edit re-examines only
// what it can have changed. Each segment keeps the findings anchored in it and the dependencies the
// model recorded while they were computed (see SemanticModel.dependencies). After an edit a segment is
// analysed again when it was reparsed, when one of its dependencies is among what the changed
// statements spell or bind (DocumentChanges.words), or when one of its findings or fixes touches the
// changed text; the other segments' findings are moved to their new positions.
//
// File-wide facts ("is a mixed-precision policy set anywhere?") are kept per segment too
// (SemanticModel.someSegment / collectSegments): a segment analysed again computes its own value, and
// the segments that used the fact are analysed again only when the combined value changed. Anything
// that cannot be judged this way (the first analysis, a new configuration, a document parsed again
// whole, a time budget running out, more than half of the segments to redo) is a full analysis,
// recorded the same way.
import type { EffectiveConfig } from '../config/settings';
import type { Rule } from '../rules/rule';
import { finishFindings, runRules, type AnalysisResult, type RawFinding, type RuleRun } from './analyze';
import type { DocumentChanges, PythonDocument, Segment } from './document';
import type { Node } from './parser';
import { ALL_WORDS, ANCHOR_TOKEN_PREFIX, BindingCandidates, SemanticModel, STRUCTURAL_ANCHORS, type SegmentFacts } from './semantic';
import type { SourceText } from './sourceText';
import type { Fix, Position, Range, TextEdit } from './types';

export interface IncrementalOptions {
  config: EffectiveConfig;
  /** Identifies the configuration: a different key starts over. */
  configKey: string;
  relativePath?: string;
  timeBudgetMs?: number;
  rules?: readonly Rule[];
}

/** Where a node found by a fact lies, kept as offsets (nodes of an edited tree are not kept). */
interface Span {
  start: number;
  end: number;
  type: string;
}

type FactValue = boolean | Span[];

interface SegmentRecord {
  raw: RawFinding[];
  /** What the rules read while examining this segment's anchors. */
  dependencies: Set<string>;
  /** This segment's values of file-wide facts, and what computing them read. */
  facts: Map<string, FactValue>;
  factDependencies: Set<string>;
  /** Top-level statements whose content the rules or facts read (SemanticModel.readSegmentOf), as offsets: an edit touching one → analysed again. */
  reads: Array<{ start: number; end: number }>;
  /** The facts among `dependencies` and `factDependencies` (`fact:key` → key). */
  factsUsed: Set<string>;
  /**
   * What computing each fact value read, on its own, with what it read of the segment's own anchors
   * (see SemanticModel.withinRange): when an edit reparses the segment, a value whose reads the edit
   * does not reach is kept instead of computed again.
   */
  factReads: Map<string, { dependencies: readonly string[]; reads: Array<{ start: number; end: number }> }>;
  /**
   * Added to every offset the record keeps (reads, fact spans, fact reads) to give the current
   * text's: a record lying wholly after an edit moves by changing this number alone (see shiftedBy).
   */
  shift: number;
  /** The lowest and highest offsets kept (before `shift`), made when first needed after a change. */
  bounds: { lo: number; hi: number } | undefined;
}

/** How the last analysis was made, for tests and benchmarks. */
export interface IncrementalStats {
  mode: 'full' | 'partial';
  /** Segments whose anchors were examined (a segment examined in two rounds counts twice). */
  analysed: number;
  segments: number;
  /** Facts whose combined value changed, sending the segments that used them to be analysed again. */
  changedFacts: string[];
  /** Fact values a reparsed segment kept from before the edit instead of computing them again. */
  factsCarried: number;
  /** For the segments kept before and analysed again: the dependency the changes reached, and how many. */
  staleBecause: Map<string, number>;
  /** Milliseconds spent in each phase. */
  phases?: Record<string, number>;
}

type FactTest = { kind: 'some'; test: (model: SemanticModel) => boolean } | { kind: 'collect'; find: (model: SemanticModel) => Node[] };

export class IncrementalAnalysis {
  private records = new Map<Segment, SegmentRecord>();
  /** Each fact's combined value after the last analysis (spans at that text's offsets). */
  private combined = new Map<string, FactValue>();
  private readonly tests = new Map<string, FactTest>();
  /** The values behind the comparable dependencies (SemanticModel.summaryOf) as of the last analysis. */
  private summaries = new Map<string, string>();
  private configKey: string | undefined;
  /** Which segments may bind each name, kept across edits (see BindingCandidates). */
  private readonly candidates = new BindingCandidates();
  lastStats: IncrementalStats | undefined;
  private staleBecause = new Map<string, number>();
  /**
   * Which segments' records depend on each token (their dependencies and fact dependencies), so an
   * edit finds the records it reaches from its words alone, not by asking every record.
   */
  private readonly dependents = new Map<string, Set<Segment>>();
  private readonly indexedTokens = new Map<Segment, string[]>();
  /** The dependencies on several words together (see SemanticModel.readingAll) ever indexed, with their words. */
  private readonly allWordsTokens = new Map<string, string[]>();
  /** Whether `dependents` holds every record (it is made on the first edit after a full analysis). */
  private indexed = false;

  /** Analyses the document's current text, reusing what the changes since the last call left valid. */
  analyze(doc: PythonDocument, options: IncrementalOptions): AnalysisResult {
    const started = performance.now();
    const changes = doc.takeChanges();
    // Module-level resolutions kept from the last models, less those the changes reach.
    this.candidates.forgetResolutions(this.configKey === undefined ? undefined : changes.words);
    const source = doc.sourceText;
    const segments = doc.segments;
    const budget = options.timeBudgetMs ?? options.config.timeBudgetMs;
    const model = new SemanticModel(doc.trees, { text: source.text, bindingCandidates: this.candidates, segmentStarts: segments.map((s) => s.start) });
    const modelOf = () => model;

    this.staleBecause = new Map();
    const kept = this.configKey === options.configKey ? this.carryOver(segments, changes, source, model) : undefined;
    if (!kept) this.summaries = new Map();
    this.configKey = options.configKey;
    const stale = kept ? segments.filter((s) => !kept.has(s)) : segments;
    const partial = !!kept && stale.length * 2 <= segments.length;
    const before = partial ? moveCombined(this.combined, changes, source) : undefined;
    this.records = new Map();
    if (partial) for (const [s, r] of kept) this.records.set(s, r);
    for (const s of partial ? stale : segments) {
      const record = freshRecord();
      // A segment parsed again keeps the fact values the edit cannot have changed (see carryFacts).
      const carried = partial ? this.carriedFacts?.get(s) : undefined;
      if (carried) for (const [key, c] of carried) addFactValue(record, key, c.value, c.dependencies, c.reads);
      this.records.set(s, record);
    }
    const factsCarried = [...(this.carriedFacts?.values() ?? [])].reduce((n, m) => n + m.size, 0);
    this.carriedFacts = undefined;
    model.segmentFacts = this.factsFor(model, segments);

    const notes = new Set<string>();
    let stopped: RuleRun | undefined;
    const done: RawFinding[] = [];
    let analysed = 0;
    const changedFacts: string[] = [];
    const analysedRecords = new Set<SegmentRecord>();
    this.factsComputed = new Set();
    const run = (list: readonly Segment[]): boolean => {
      for (const segment of list) {
        const record = this.records.get(segment)!;
        atCurrentOffsets(record);
        analysedRecords.add(record);
        this.factsComputed.add(segment);
        model.anchorRanges = [{ start: segment.start, end: segment.end }];
        record.dependencies = new Set();
        model.dependencies = record.dependencies;
        const result = runRules(modelOf, source, { config: options.config, budget, started, relativePath: options.relativePath, rules: options.rules });
        takeReads(record.dependencies, record.reads, record.factsUsed);
        analysed++;
        for (const n of result.notes) notes.add(n);
        done.push(...result.raw);
        record.raw = result.raw;
        if (result.stopped) {
          stopped = result;
          return false;
        }
      }
      return true;
    };
    const phases: Record<string, number> = {};
    let mark = started;
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = (phases[name] ?? 0) + now - mark;
      mark = now;
    };
    phase('carry');
    let ok = run(partial ? stale : segments);
    phase('rules');
    model.anchorRanges = undefined;
    model.dependencies = undefined;
    if (ok && before) {
      // Kept segments that used a fact whose combined value changed are analysed again (their own
      // fact values still hold: only the rules' part is redone).
      const now = this.combine(model, segments);
      this.combined = now;
      for (const [key, value] of now) if (!sameFact(before.get(key), value)) changedFacts.push(key);
      const tokens = new Set(changedFacts.map((k) => `fact:${k}`));
      const again = tokens.size ? segments.filter((s) => kept!.has(s) && [...this.records.get(s)!.dependencies].some((d) => tokens.has(d))) : [];
      phase('compare');
      ok = run(again);
      model.anchorRanges = undefined;
      model.dependencies = undefined;
      phase('rules');
    }
    model.segmentFacts = undefined;
    this.lastStats = { mode: partial ? 'partial' : 'full', analysed, segments: segments.length, changedFacts, factsCarried: partial ? factsCarried : 0, staleBecause: this.staleBecause };
    if (!ok && stopped) {
      // Out of time: what was found is reported with GML004, and the next analysis starts over.
      this.records = new Map();
      this.combined = new Map();
      this.configKey = undefined;
      this.dependents.clear();
      this.indexedTokens.clear();
      this.indexed = false;
      const findings = finishFindings(done, { ...stopped, notes: [...notes] }, source, modelOf, options.config, options.relativePath, options.rules);
      return result(findings, source, [...notes, ...stopped.notes.filter((n) => !notes.has(n))], model);
    }
    // The combined facts for the next edit's comparison (made above when nothing was asked for since).
    if (!before || [...this.tests.keys()].some((k) => !this.combined.has(k) && this.isUsed(k))) this.combined = this.combine(model, segments);
    // Comparable dependencies first recorded now get their values, for the next edit's comparison.
    for (const record of analysedRecords) {
      for (const deps of [record.dependencies, record.factDependencies]) {
        for (const d of deps) {
          if (this.summaries.has(d)) continue;
          const value = model.summaryOf(d);
          if (value !== undefined) this.summaries.set(d, value);
        }
      }
    }
    // The dependency index follows the records whose dependencies were made or grew now. After a
    // full analysis it is made on the first edit instead (most open documents are never edited).
    if (!partial) {
      this.dependents.clear();
      this.indexedTokens.clear();
      this.indexed = false;
    } else if (this.indexed) for (const segment of this.factsComputed) this.indexRecord(segment, this.records.get(segment)!);
    phase('combine');
    const raw = segments.flatMap((s) => this.records.get(s)?.raw ?? []);
    const finished = { notes: [...notes], budget };
    const findings = finishFindings(raw, finished, source, modelOf, options.config, options.relativePath, options.rules);
    phase('finish');
    this.lastStats.phases = phases;
    return result(findings, source, finished.notes, model);
  }

  /** Fact values of a reparsed segment that its edit left as they were (see carryOver), for its fresh record. */
  private carriedFacts: Map<Segment, Map<string, { value: FactValue; dependencies: readonly string[]; reads: Array<{ start: number; end: number }> }>> | undefined;

  /** Segments whose records were analysed or computed a fact value in this analysis (their dependencies are indexed again). */
  private factsComputed = new Set<Segment>();

  private indexRecord(segment: Segment, record: SegmentRecord): void {
    this.unindex(segment);
    const tokens = [...record.dependencies, ...record.factDependencies];
    this.indexedTokens.set(segment, tokens);
    for (const t of tokens) {
      const set = this.dependents.get(t);
      if (set) set.add(segment);
      else this.dependents.set(t, new Set([segment]));
      if (t.includes(ALL_WORDS) && !this.allWordsTokens.has(t)) this.allWordsTokens.set(t, t.split(ALL_WORDS));
    }
  }

  private unindex(segment: Segment): void {
    const tokens = this.indexedTokens.get(segment);
    if (!tokens) return;
    for (const t of tokens) {
      const set = this.dependents.get(t);
      if (!set) continue;
      set.delete(segment);
      if (set.size === 0) this.dependents.delete(t);
    }
    this.indexedTokens.delete(segment);
  }

  /** A segment's value of a fact, computed (with the segment as the anchors) when it has none. */
  private valueOf(model: SemanticModel, segment: Segment, key: string): FactValue {
    const record = this.records.get(segment)!;
    let value = record.facts.get(key);
    if (value === undefined) {
      const test = this.tests.get(key)!;
      const range = { start: segment.start, end: segment.end };
      const dependencies = new Set<string>();
      value = model.withinRange(
        range,
        dependencies,
        () => (test.kind === 'some' ? test.test(model) : test.find(model).map((n) => ({ start: n.startIndex, end: n.endIndex, type: n.type }))),
        true,
      );
      const reads: Array<{ start: number; end: number }> = [];
      takeReads(dependencies, reads, record.factsUsed);
      addFactValue(record, key, value, dependencies, reads);
      this.factsComputed.add(segment);
    }
    return value;
  }

  /** The model's view of the kept facts: each segment's value, computed for the segments that lack it. */
  private factsFor(model: SemanticModel, segments: readonly Segment[]): SegmentFacts {
    const valueOf = (segment: Segment, key: string) => this.valueOf(model, segment, key);
    return {
      some: (key, test) => {
        if (!this.tests.has(key)) this.tests.set(key, { kind: 'some', test });
        let any = false;
        // Every segment's value is made (not only up to the first true): the combined value is compared after edits.
        for (const s of segments) if (valueOf(s, key) === true) any = true;
        return any;
      },
      collect: (key, find) => {
        if (!this.tests.has(key)) this.tests.set(key, { kind: 'collect', find });
        const out: Node[] = [];
        for (const s of segments) {
          const spans = valueOf(s, key) as Span[];
          // Read after valueOf: computing a value puts the record at the current offsets.
          const shift = this.records.get(s)!.shift;
          for (const span of spans) {
            const node = model.nodeSpanning(span.start + shift, span.end + shift, span.type);
            if (node) out.push(node);
          }
        }
        return out;
      },
    };
  }

  /** Every known fact's combined value over the current segments (from the kept spans, no nodes made). */
  private combine(model: SemanticModel, segments: readonly Segment[]): Map<string, FactValue> {
    const out = new Map<string, FactValue>();
    for (const [key, test] of this.tests) {
      // Only facts something depends on now: a segment's value is made when first needed.
      if (!this.isUsed(key)) continue;
      if (test.kind === 'some') {
        let any = false;
        for (const s of segments) if (this.valueOf(model, s, key) === true) any = true;
        out.set(key, any);
      } else {
        const all: Span[] = [];
        for (const s of segments) {
          const spans = this.valueOf(model, s, key) as Span[];
          const shift = this.records.get(s)!.shift;
          for (const span of spans) all.push(shift === 0 ? span : { start: span.start + shift, end: span.end + shift, type: span.type });
        }
        out.set(key, all);
      }
    }
    return out;
  }

  /** Whether a kept record depends on a fact (its rules, or another fact, read it). */
  private isUsed(key: string): boolean {
    for (const r of this.records.values()) if (r.factsUsed.has(key)) return true;
    return false;
  }

  /**
   * When an edit parsed one segment again (one old segment gone, one new one there), the old
   * segment's fact values whose reads the edit does not reach: none of their words, anchor names or
   * comparable tokens among what the changed statements spell and bind, no enumeration of the
   * anchors by node type, no other fact read, and no read or found span the edit touches. Those
   * values still hold for the new segment (moved to its offsets).
   */
  private carryFacts(
    segments: readonly Segment[],
    current: ReadonlySet<Segment>,
    changes: DocumentChanges,
    plain: readonly string[],
    comparable: readonly string[],
    differs: (token: string) => boolean,
  ): Map<Segment, Map<string, { value: FactValue; dependencies: readonly string[]; reads: Array<{ start: number; end: number }> }>> | undefined {
    const gone = [...this.records.keys()].filter((s) => !current.has(s));
    const added = segments.filter((s) => !this.records.has(s));
    if (gone.length !== 1 || added.length !== 1) return undefined;
    const old = this.records.get(gone[0])!;
    atCurrentOffsets(old);
    const plainSet = new Set(plain);
    const comparableSet = new Set(comparable);
    const reached = (dependencies: readonly string[]): boolean => {
      for (const d of dependencies) {
        if (d === '*' || d === STRUCTURAL_ANCHORS || d.startsWith('fact:')) return true;
        if (d === '<head>') {
          if (changes.head) return true;
        } else if (plainSet.has(d)) return true;
        else if (d.includes(ALL_WORDS) && d.split(ALL_WORDS).every((w) => plainSet.has(w))) return true;
        else if (d.startsWith(ANCHOR_TOKEN_PREFIX) && plainSet.has(d.slice(ANCHOR_TOKEN_PREFIX.length))) return true;
        else if (comparableSet.has(d) && differs(d)) return true;
      }
      return false;
    };
    const carried = new Map<string, { value: FactValue; dependencies: readonly string[]; reads: Array<{ start: number; end: number }> }>();
    for (const [key, value] of old.facts) {
      const read = old.factReads.get(key);
      if (!read || reached(read.dependencies)) continue;
      const reads = moveReads(read.reads, changes);
      const moved = typeof value === 'boolean' ? value : moveSpans(value, changes);
      if (reads && moved !== undefined) carried.set(key, { value: moved, dependencies: read.dependencies, reads });
    }
    return carried.size ? new Map([[added[0], carried]]) : undefined;
  }

  /**
   * The segments whose records still hold after the changes, with their findings and fact spans moved
   * to where they now are. Undefined when nothing can be reused (the document was parsed again whole).
   */
  private carryOver(segments: readonly Segment[], changes: DocumentChanges, source: SourceText, model: SemanticModel): Map<Segment, SegmentRecord> | undefined {
    const words = changes.words;
    if (!words || this.records.size === 0 || segments.length < 2) return undefined;
    const kept = new Map<Segment, SegmentRecord>();
    // A comparable dependency the changes reach (`q=name`, `k=name` by `=name`; `@qualified` and
    // `+package` by themselves) counts only when its value differs now. Its value is computed only
    // for a record that depends on it; the others' kept values are dropped (recomputed when recorded).
    const plain: string[] = [];
    const comparable: string[] = [];
    for (const w of words) {
      if (w.startsWith('=')) {
        plain.push(w);
        comparable.push(`q${w}`, `k${w}`);
      } else if (w.startsWith('@') || w.startsWith('+')) comparable.push(w);
      else plain.push(w);
    }
    const compared = new Map<string, boolean>();
    const differs = (token: string): boolean => {
      let result = compared.get(token);
      if (result === undefined) {
        const before = this.summaries.get(token);
        const now = model.summaryOf(token);
        result = before === undefined || now === undefined || now !== before;
        compared.set(token, result);
      }
      return result;
    };
    const current = new Set(segments);
    if (!this.indexed) {
      for (const [segment, record] of this.records) this.indexRecord(segment, record);
      this.indexed = true;
    }
    // The records the changes reach, with the first reason found (for the stats).
    const reached = new Map<Segment, string>();
    const reach = (token: string): void => {
      const dependents = this.dependents.get(token);
      if (dependents) for (const s of dependents) if (!reached.has(s)) reached.set(s, token);
    };
    reach('*');
    if (changes.head) reach('<head>');
    // File-wide layout read by fixes: compared only when a record depends on it.
    if (this.dependents.has('<indent>') && changes.before.indentUnit !== source.indentUnit) reach('<indent>');
    if (this.dependents.has('<eol>') && changes.before.eol !== source.eol) reach('<eol>');
    for (const w of plain) reach(w);
    // A dependency on several words together counts only when the changes spell every one of them.
    if (this.allWordsTokens.size) {
      const spelled = new Set(plain);
      for (const [token, all] of this.allWordsTokens) if (this.dependents.get(token)?.size && all.every((w) => spelled.has(w))) reach(token);
    }
    // A comparable token counts only when a record depends on it and its value differs now.
    for (const t of comparable) if (this.dependents.get(t)?.size && differs(t)) reach(t);
    const because = (this.staleBecause = new Map());
    for (const segment of segments) {
      const previous = this.records.get(segment);
      if (!previous) continue;
      const reason = reached.get(segment);
      if (reason !== undefined) {
        because.set(reason, (because.get(reason) ?? 0) + 1);
        continue;
      }
      const delta = shiftedBy(previous, changes);
      if (delta !== undefined) {
        // Every kept offset lies before the edits or after them all: one number moves them.
        const raw = moveFindings(previous.raw, changes, source);
        if (!raw) continue;
        previous.shift += delta;
        kept.set(segment, raw === previous.raw ? previous : { ...previous, raw });
        continue;
      }
      atCurrentOffsets(previous);
      const reads = moveReads(previous.reads, changes);
      if (!reads) {
        because.set('§', (because.get('§') ?? 0) + 1);
        continue;
      }
      const raw = moveFindings(previous.raw, changes, source);
      const facts = raw && moveFacts(previous.facts, changes);
      const factReads = facts && moveFactReads(previous.factReads, changes);
      if (!raw || !facts || !factReads) continue;
      // Nothing moved (the segment lies before the edit): the record is kept as it is.
      if (raw === previous.raw && facts === previous.facts && reads === previous.reads && factReads === previous.factReads) kept.set(segment, previous);
      else {
        kept.set(segment, {
          raw,
          dependencies: previous.dependencies,
          facts,
          factDependencies: previous.factDependencies,
          reads,
          factsUsed: previous.factsUsed,
          factReads,
          shift: 0,
          bounds: undefined,
        });
      }
    }
    this.carriedFacts = this.carryFacts(segments, current, changes, plain, comparable, differs);
    // Segments no longer there (parsed again) leave the index.
    for (const segment of [...this.indexedTokens.keys()]) if (!current.has(segment)) this.unindex(segment);
    for (const token of comparable) {
      if (!compared.has(token)) this.summaries.delete(token);
      else if (compared.get(token)) {
        const now = model.summaryOf(token);
        if (now === undefined) this.summaries.delete(token);
        else this.summaries.set(token, now);
      }
    }
    return kept;
  }
}

function freshRecord(): SegmentRecord {
  return { raw: [], dependencies: new Set(), facts: new Map(), factDependencies: new Set(), reads: [], factsUsed: new Set(), factReads: new Map(), shift: 0, bounds: undefined };
}

/**
 * How far the changes move every offset the record keeps, when they move them all alike: 0 when
 * they all lie before the edits, the edits' length change when they all lie after (nothing
 * touched either way); undefined when an edit falls between the lowest and the highest (each is
 * then moved on its own: moveReads, moveFacts).
 */
function shiftedBy(record: SegmentRecord, changes: DocumentChanges): number | undefined {
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
function boundsOf(record: SegmentRecord): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  const span = (s: { start: number; end: number }) => {
    if (s.start < lo) lo = s.start;
    if (s.end > hi) hi = s.end;
  };
  for (const r of record.reads) span(r);
  for (const value of record.facts.values()) if (typeof value !== 'boolean') for (const s of value) span(s);
  for (const read of record.factReads.values()) for (const r of read.reads) span(r);
  return { lo, hi };
}

/** Writes a shifted record's offsets out at the current text's (shift 0), before anything reads or adds to them one by one. */
function atCurrentOffsets(record: SegmentRecord): void {
  record.bounds = undefined;
  const shift = record.shift;
  if (shift === 0) return;
  const at = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + shift, end: s.end + shift });
  record.reads = record.reads.map(at);
  const facts = new Map<string, FactValue>();
  for (const [key, value] of record.facts) facts.set(key, typeof value === 'boolean' ? value : value.map(at));
  record.facts = facts;
  const factReads: SegmentRecord['factReads'] = new Map();
  for (const [key, read] of record.factReads) factReads.set(key, { dependencies: read.dependencies, reads: read.reads.map(at) });
  record.factReads = factReads;
  record.shift = 0;
}

/** Moves the `§start:end` dependencies (statements read) into `reads`, and notes the `fact:key` ones in `factsUsed`. */
function takeReads(dependencies: Set<string>, reads: Array<{ start: number; end: number }>, factsUsed: Set<string>): void {
  for (const d of dependencies) {
    if (d.startsWith('fact:')) factsUsed.add(d.slice(5));
    if (d.charCodeAt(0) !== 0xa7) continue;
    const colon = d.indexOf(':');
    reads.push({ start: Number(d.slice(1, colon)), end: Number(d.slice(colon + 1)) });
    dependencies.delete(d);
  }
}

/** Spans moved through the changes (the same array when none moved); undefined when an edit touches one (start and end included). */
function moveReads(reads: Array<{ start: number; end: number }>, changes: DocumentChanges): Array<{ start: number; end: number }> | undefined {
  let out: Array<{ start: number; end: number }> | undefined;
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

function result(findings: RawFinding['finding'][], source: SourceText, notes: string[], model: SemanticModel): AnalysisResult {
  return { findings, source, notes, model, dispose() {} };
}

/** An offset of the text before the changes, where it now is; undefined when an edit touches it. */
function moveOffset(offset: number, changes: DocumentChanges): number | undefined {
  for (const e of changes.edits) {
    if (offset >= e.start && offset <= e.oldEnd) return undefined;
    if (offset > e.oldEnd) offset += e.newEnd - e.oldEnd;
  }
  return offset;
}

/** Spans moved through the changes (the same array when none moved); undefined when an edit touches one. */
function moveSpans(spans: Span[], changes: DocumentChanges): Span[] | undefined {
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
function moveFactReads(factReads: SegmentRecord['factReads'], changes: DocumentChanges): SegmentRecord['factReads'] | undefined {
  let out: SegmentRecord['factReads'] | undefined;
  for (const [key, read] of factReads) {
    const reads = moveReads(read.reads, changes);
    if (!reads) return undefined;
    if (reads !== read.reads) (out ??= new Map(factReads)).set(key, { dependencies: read.dependencies, reads });
  }
  return out ?? factReads;
}

/** Fact values moved through the changes (the same map when none moved); undefined when an edit touches a span. */
function moveFacts(facts: Map<string, FactValue>, changes: DocumentChanges): Map<string, FactValue> | undefined {
  let out: Map<string, FactValue> | undefined;
  for (const [key, value] of facts) {
    if (typeof value === 'boolean') continue;
    const moved = moveSpans(value, changes);
    if (!moved) return undefined;
    if (moved !== value) (out ??= new Map(facts)).set(key, moved);
  }
  return out ?? facts;
}

/** Combined fact values moved through the changes; a value with a span the edits touched is dropped (counts as changed). */
function moveCombined(combined: Map<string, FactValue>, changes: DocumentChanges, _source: SourceText): Map<string, FactValue> {
  const out = new Map<string, FactValue>();
  for (const [key, value] of combined) {
    if (typeof value === 'boolean') out.set(key, value);
    else {
      const moved = moveSpans(value, changes);
      if (moved) out.set(key, moved);
    }
  }
  return out;
}

function sameFact(a: FactValue | undefined, b: FactValue): boolean {
  if (a === undefined) return false;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  return a.length === b.length && a.every((s, i) => s.start === b[i].start && s.end === b[i].end && s.type === b[i].type);
}

/**
 * Findings moved through the edits to the current text; undefined when a range or a fix edit
 * touches changed text (the finding may then have changed: its segment is analysed again).
 */
function moveFindings(raw: readonly RawFinding[], changes: DocumentChanges, now: SourceText): RawFinding[] | undefined {
  if (changes.edits.length === 0 || raw.length === 0) return raw as RawFinding[];
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
  return mapKept(raw, (r) => {
    const range = moveRange(r.finding.range);
    const suppressible = range && mapKept(r.suppressible, moveRange);
    const fixes = suppressible && mapKept(r.finding.fixes, moveFix);
    if (!range || !suppressible || !fixes) return undefined;
    if (range === r.finding.range && suppressible === r.suppressible && fixes === r.finding.fixes) return r;
    return { finding: { ...r.finding, range, fixes: fixes as Fix[] }, suppressible: suppressible as Range[] };
  }) as RawFinding[] | undefined;
}

/** Each item mapped: the same array when every item maps to itself, undefined when one maps to undefined. */
function mapKept<T>(items: readonly T[], map: (item: T) => T | undefined): readonly T[] | undefined {
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

/** Records a segment's value of a fact with what computing it read (anchor tokens stay with the fact: they are about the segment's own text). */
function addFactValue(record: SegmentRecord, key: string, value: FactValue, dependencies: Iterable<string>, reads: Array<{ start: number; end: number }>): void {
  // Kept as an array: one per fact and segment, read only when the segment is parsed again.
  const list = Array.isArray(dependencies) ? (dependencies as readonly string[]) : [...dependencies];
  atCurrentOffsets(record);
  record.facts.set(key, value);
  record.factReads.set(key, { dependencies: list, reads });
  for (const d of list) {
    if (d === STRUCTURAL_ANCHORS || d.startsWith(ANCHOR_TOKEN_PREFIX)) continue;
    record.factDependencies.add(d);
    if (d.startsWith('fact:')) record.factsUsed.add(d.slice(5));
  }
  record.reads.push(...reads);
}
