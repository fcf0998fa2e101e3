// Analysis of a segmented document (PythonDocument) kept per segment and rule, so an edit re-examines
// only what it can have changed. Each segment keeps, per rule, the findings of its sites and the
// dependencies the model recorded while the rule computed them (dependency.ts). After an edit a
// segment is analysed again whole when it was reparsed or when the changes reach what its fact values
// read; a rule runs again on a kept segment when the changed statements reach one of its dependencies
// or one of its findings or fixes touches the changed text; the other findings are moved to their new
// positions. File-level facts are kept per segment too (segmentFacts.ts): a segment analysed again
// computes its own value, and the rules that used a fact run again only when its combined value
// changed. Anything that cannot be judged this way (the first analysis, a new configuration, a
// document parsed again whole, a time budget running out, more than half of the rule runs to redo) is
// a full analysis, recorded the same way.
import type { EffectiveConfig } from '../../config/settings';
import type { Rule } from '../../rules/rule';
import { finishFindings, runRules, type AnalysisResult, type RawFinding, type RuleRun } from '../analyze';
import { allWordsOf, changedKeys, key, type DependencyKey } from '../dependency';
import type { DocumentChanges, PythonDocument, Segment } from '../document';
import { BindingCandidates } from '../model/bindings';
import { SemanticModel } from '../model/model';
import type { SourceText } from '../sourceText';
import type { Finding } from '../types';
import { RULES } from '../../rules/registry';
import { activeRules, atCurrentOffsets, findingMover, findingsOf, moveCombined, moveFactReads, moveFacts, moveReads, ruleRecord, sameFact, shiftedBy, type RuleRecord, type SegmentRecord } from './records';
import { SegmentFacts } from './segmentFacts';

export interface IncrementalOptions {
  config: EffectiveConfig;
  /** Identifies the configuration: a different key starts over. */
  configKey: string;
  relativePath?: string;
  timeBudgetMs?: number;
  rules?: readonly Rule[];
}

/** How the last analysis was made, for tests and benchmarks. */
export interface IncrementalStats {
  mode: 'full' | 'partial';
  /** Segments whose sites were examined by some rule (a segment examined in two rounds counts twice). */
  analysed: number;
  /** Rules run over a segment's sites (a rule run on two segments counts twice). */
  ruleRuns: number;
  segments: number;
  /** Facts whose combined value changed, sending the rules that used them to run again. */
  changedFacts: string[];
  /** Fact values a reparsed segment kept from before the edit instead of computing them again. */
  factsCarried: number;
  /** For the segments kept before and analysed again (whole or some of their rules): the dependency the changes reached, and how many. */
  staleBecause: Map<string, number>;
  /** Milliseconds spent in each phase. */
  phases?: Record<string, number>;
}

export class IncrementalAnalysis {
  private records = new Map<Segment, SegmentRecord>();
  private readonly facts = new SegmentFacts();
  /** The values behind the compared dependencies (see summaryOf) as of the last analysis. */
  private summaries = new Map<DependencyKey, string>();
  private configKey: string | undefined;
  /** Which segments may bind each name, kept across edits (see BindingCandidates). */
  private readonly candidates = new BindingCandidates();
  lastStats: IncrementalStats | undefined;
  private staleBecause = new Map<string, number>();
  /**
   * The cells (a segment's record of one rule, or its fact values) that depend on each key, so an
   * edit finds what it reaches from what it changed alone, not by asking every record.
   */
  private readonly dependents = new Map<DependencyKey, Set<IndexCell>>();
  /** Each segment's indexed cells, by rule index (FACT_VALUES for its fact values). */
  private readonly indexedKeys = new Map<Segment, Map<number, IndexCell>>();
  /** The dependencies on several words together ever indexed, with their words. */
  private readonly allWordsKeys = new Map<DependencyKey, string[]>();
  /** Whether `dependents` holds every record (it is made on the first edit after a full analysis). */
  private indexed = false;

  /** Analyses the document's current text, reusing what the changes since the last call left valid. */
  analyze(doc: PythonDocument, options: IncrementalOptions): AnalysisResult {
    const started = performance.now();
    const changes = doc.takeChanges();
    // Module-level resolutions kept from the last models, less those the changes reach.
    this.candidates.forgetResolutions(this.configKey === undefined ? undefined : changes.statements);
    const source = doc.sourceText;
    const segments = doc.segments;
    const budget = options.timeBudgetMs ?? options.config.timeBudgetMs;
    const model = new SemanticModel(doc.trees, { text: source.text, bindingCandidates: this.candidates, segmentStarts: segments.map((s) => s.start) });
    const modelOf = () => model;

    this.staleBecause = new Map();
    const kept = this.configKey === options.configKey ? this.carryOver(segments, changes, source, model) : undefined;
    if (!kept) this.summaries = new Map();
    this.configKey = options.configKey;
    const stale = kept ? segments.filter((s) => !kept.records.has(s)) : segments;
    const rules = options.rules ?? RULES;
    // Partial while at most half of the rule runs of a full analysis are to be made again.
    const enabled = rules.filter((r) => options.config.isEnabled(r.code, options.relativePath, r.optIn)).length;
    let toRun = stale.length * enabled;
    if (kept) for (const redo of kept.redo.values()) toRun += redo.size;
    const partial = !!kept && toRun * 2 <= segments.length * enabled;
    const before = partial ? moveCombined(this.facts.combined, changes) : undefined;
    // A segment parsed again keeps the fact values the edit cannot have changed (see SegmentFacts.carry).
    const carried = this.facts.takeCarried();
    this.records = new Map();
    if (partial) for (const [s, r] of kept.records) this.records.set(s, r);
    for (const s of partial ? stale : segments) this.records.set(s, this.facts.freshRecordFor(s, partial ? carried : undefined));
    const factsCarried = carried ? [...carried.values()].reduce((n, m) => n + m.size, 0) : 0;
    model.sites.facts = this.facts.storeFor(model, segments, this.records);

    const ruleIndex = new Map(rules.map((r, i) => [r.code, i]));
    const notes = new Set<string>();
    let stopped: RuleRun | undefined;
    const done: RawFinding[] = [];
    let analysed = 0;
    let ruleRuns = 0;
    const changedFacts: string[] = [];
    /** The rules run on each segment in this analysis (their records read the facts as they now are). */
    const ran = new Map<Segment, Set<number>>();
    const ranRecords: RuleRecord[] = [];
    // What the rules read, and each key's one string for this analysis (a key read by many rules and
    // segments is stored once).
    const reading = new Set<DependencyKey>();
    const canonical = new Map<string, DependencyKey>();
    const run = (work: readonly SegmentWork[]): boolean => {
      for (const { segment, rules: only } of work) {
        const record = this.records.get(segment)!;
        atCurrentOffsets(record);
        this.facts.computed.add(segment);
        model.sites.setUnit({ start: segment.start, end: segment.end });
        // Each rule records what it reads apart, into one set emptied between rules (one per rule
        // would be garbage for the collector on every analysis).
        const ranHere = ran.get(segment) ?? new Set<number>();
        ran.set(segment, ranHere);
        const runNow: number[] = [];
        let current: number | undefined;
        const finish = () => {
          if (current === undefined) return;
          record.rules.set(current, ruleRecord(reading, record.factsUsed, canonical));
          runNow.push(current);
          ranHere.add(current);
          reading.clear();
          current = undefined;
        };
        const beforeRule = (index: number) => {
          finish();
          current = index;
          model.dependencies = reading;
        };
        const result = runRules(modelOf, source, { config: options.config, budget, started, relativePath: options.relativePath, rules: options.rules, only, beforeRule });
        finish();
        model.dependencies = undefined;
        const found = new Map<number, RawFinding[]>();
        for (const r of result.raw) {
          const index = ruleIndex.get(r.finding.code)!;
          const list = found.get(index);
          if (list) list.push(r);
          else found.set(index, [r]);
        }
        for (const [index, raw] of found) record.rules.set(index, { ...record.rules.get(index)!, raw });
        for (const index of runNow) ranRecords.push(record.rules.get(index)!);
        record.derived = undefined;
        analysed++;
        ruleRuns += runNow.length;
        for (const n of result.notes) notes.add(n);
        done.push(...result.raw);
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
    this.facts.computed = new Set();
    phase('carry');
    const firstRound: SegmentWork[] = partial
      ? segments.flatMap((s): SegmentWork[] => (!kept.records.has(s) ? [{ segment: s }] : kept.redo.has(s) ? [{ segment: s, rules: kept.redo.get(s) }] : []))
      : segments.map((s) => ({ segment: s }));
    let ok = run(firstRound);
    phase('rules');
    const endUnit = () => {
      model.sites.setUnit(undefined);
      model.dependencies = undefined;
    };
    endUnit();
    if (ok && before) {
      // On kept segments, the rules not run yet that used a fact whose combined value changed run
      // again (the segments' own fact values still hold: only those rules' part is redone).
      const now = this.facts.combine(model, segments, this.records);
      this.facts.combined = now;
      for (const [id, value] of now) if (!sameFact(before.get(id), value)) changedFacts.push(id);
      const factKeys = new Set(changedFacts.map((id) => key.fact(id)));
      const again: SegmentWork[] = [];
      if (factKeys.size) {
        for (const segment of segments) {
          if (!kept!.records.has(segment)) continue;
          const redo = new Set<number>();
          for (const [index, rule] of this.records.get(segment)!.rules) {
            if (ran.get(segment)?.has(index)) continue;
            for (const d of rule.dependencies) {
              if (!factKeys.has(d)) continue;
              redo.add(index);
              break;
            }
          }
          if (redo.size) again.push({ segment, rules: redo });
        }
      }
      phase('compare');
      ok = run(again);
      endUnit();
      phase('rules');
    }
    model.sites.facts = undefined;
    this.lastStats = { mode: partial ? 'partial' : 'full', analysed, ruleRuns, segments: segments.length, changedFacts, factsCarried: partial ? factsCarried : 0, staleBecause: this.staleBecause };
    if (!ok && stopped) {
      // Out of time: what was found is reported with GML004, and the next analysis starts over.
      this.records = new Map();
      this.facts.combined = new Map();
      this.configKey = undefined;
      this.dependents.clear();
      this.indexedKeys.clear();
      this.indexed = false;
      const findings = finishFindings(done, { ...stopped, notes: [...notes] }, source, modelOf, options.config, options.relativePath, options.rules);
      return result(findings, source, [...notes, ...stopped.notes.filter((n) => !notes.has(n))], model);
    }
    // The combined facts for the next edit's comparison (made above when nothing was asked for since).
    if (!before || this.facts.anyUncombined(this.records)) this.facts.combined = this.facts.combine(model, segments, this.records);
    // Compared dependencies first recorded now get their values, for the next edit's comparison: those
    // of the rules run, and of the segments that computed a fact value (for their rules or another's).
    const summarise = (deps: Iterable<DependencyKey>) => {
      for (const d of deps) {
        if (this.summaries.has(d)) continue;
        const value = model.summaryOf(d);
        if (value !== undefined) this.summaries.set(d, value);
      }
    };
    for (const rule of ranRecords) summarise(rule.dependencies);
    for (const segment of this.facts.computed) {
      const record = this.records.get(segment);
      if (record) summarise(record.factDependencies);
    }
    // The dependency index follows the records whose dependencies were made or grew now. After a
    // full analysis it is made on the first edit instead (most open documents are never edited).
    if (!partial) {
      this.dependents.clear();
      this.indexedKeys.clear();
      this.indexed = false;
    } else if (this.indexed) {
      // Of a kept segment, only the cells made now: the rules run on it and its fact values.
      for (const segment of this.facts.computed) this.indexRecord(segment, this.records.get(segment)!, kept.records.has(segment) ? (ran.get(segment) ?? NO_RULES_RUN) : undefined);
    }
    phase('combine');
    const raw: RawFinding[] = [];
    for (const s of segments) {
      const record = this.records.get(s);
      if (record) for (const r of findingsOf(record)) raw.push(r);
    }
    const finished = { notes: [...notes], budget };
    const findings = finishFindings(raw, finished, source, modelOf, options.config, options.relativePath, options.rules);
    phase('finish');
    this.lastStats.phases = phases;
    return result(findings, source, finished.notes, model);
  }

  /**
   * Indexes a segment's cells under the keys they depend on: every cell, or (a kept segment analysed
   * in part) the rules at these indexes and the fact values.
   */
  private indexRecord(segment: Segment, record: SegmentRecord, rules?: ReadonlySet<number>): void {
    let cells = this.indexedKeys.get(segment);
    if (!rules || !cells) {
      this.unindex(segment);
      cells = new Map();
      this.indexedKeys.set(segment, cells);
    }
    const add = (index: number, keys: Iterable<DependencyKey>) => {
      const old = cells.get(index);
      if (old) this.unindexCell(old);
      const cell: IndexCell = { segment, index, keys };
      cells.set(index, cell);
      for (const k of cell.keys) {
        const set = this.dependents.get(k);
        if (set) set.add(cell);
        else this.dependents.set(k, new Set([cell]));
        if (!this.allWordsKeys.has(k)) {
          const words = allWordsOf(k);
          if (words) this.allWordsKeys.set(k, words);
        }
      }
    };
    for (const [index, rule] of record.rules) if (!rules || rules.has(index)) add(index, rule.dependencies);
    add(FACT_VALUES, record.factDependencies);
  }

  private unindexCell(cell: IndexCell): void {
    for (const k of cell.keys) {
      const set = this.dependents.get(k);
      if (!set) continue;
      set.delete(cell);
      if (set.size === 0) this.dependents.delete(k);
    }
  }

  private unindex(segment: Segment): void {
    const cells = this.indexedKeys.get(segment);
    if (!cells) return;
    for (const cell of cells.values()) this.unindexCell(cell);
    this.indexedKeys.delete(segment);
  }

  /**
   * The segments whose records still hold after the changes, with their findings and fact spans moved
   * to where they now are, and for each the rules to run on it again (what the changes reached of
   * theirs, or a finding they touched). Undefined when nothing can be reused (the document was parsed
   * again whole).
   */
  private carryOver(segments: readonly Segment[], changes: DocumentChanges, source: SourceText, model: SemanticModel): KeptRecords | undefined {
    const statements = changes.statements;
    if (!statements || this.records.size === 0 || segments.length < 2) return undefined;
    const kept: KeptRecords = { records: new Map(), redo: new Map() };
    // A compared dependency the changes reach counts only when its value differs now. Its value is
    // computed only for a record that depends on it; the others' kept values are dropped.
    const { plain, compared } = changedKeys(statements);
    const comparisons = new Map<DependencyKey, boolean>();
    const differs = (k: DependencyKey): boolean => {
      let result = comparisons.get(k);
      if (result === undefined) {
        const before = this.summaries.get(k);
        const now = model.summaryOf(k);
        result = before === undefined || now === undefined || now !== before;
        comparisons.set(k, result);
      }
      return result;
    };
    const current = new Set(segments);
    if (!this.indexed) {
      for (const [segment, record] of this.records) this.indexRecord(segment, record);
      this.indexed = true;
    }
    // What the changes reach in each segment, with the first reason found (for the stats): the
    // segment's fact values (it is analysed again whole) or some of its rules.
    const reached = new Map<Segment, { reason: string; rules: Set<number> | 'all' }>();
    const reach = (k: DependencyKey): void => {
      const cells = this.dependents.get(k);
      if (!cells) return;
      for (const { segment, index } of cells) {
        let hit = reached.get(segment);
        if (!hit) reached.set(segment, (hit = { reason: k, rules: new Set() }));
        if (hit.rules === 'all') continue;
        if (index === FACT_VALUES) hit.rules = 'all';
        else hit.rules.add(index);
      }
    };
    reach(key.wholeFile);
    if (statements.head) reach(key.head);
    // File-wide layout read by fixes: compared only when a record depends on it.
    if (this.dependents.has(key.indent) && changes.before.indentUnit !== source.indentUnit) reach(key.indent);
    if (this.dependents.has(key.eol) && changes.before.eol !== source.eol) reach(key.eol);
    for (const k of plain) reach(k);
    // A dependency on several words together counts only when the changes spell every one of them.
    for (const [k, words] of this.allWordsKeys) if (this.dependents.get(k)?.size && words.every((w) => statements.words.has(w))) reach(k);
    // A compared key counts only when a record depends on it and its value differs now.
    for (const k of compared) if (this.dependents.get(k)?.size && differs(k)) reach(k);
    const moveFindings = findingMover(changes, source);
    const because = (this.staleBecause = new Map());
    const count = (reason: string) => because.set(reason, (because.get(reason) ?? 0) + 1);
    for (const segment of segments) {
      const previous = this.records.get(segment);
      if (!previous) continue;
      const hit = reached.get(segment);
      if (hit?.rules === 'all') {
        count(hit.reason);
        continue;
      }
      const delta = shiftedBy(previous, changes);
      let record: SegmentRecord;
      if (delta !== undefined) {
        // Every kept offset lies before the edits or after them all: one number moves them.
        previous.shift += delta;
        record = previous;
      } else {
        atCurrentOffsets(previous);
        const facts = moveFacts(previous.facts, changes);
        const factReads = facts && moveFactReads(previous.factReads, changes);
        if (!facts || !factReads) continue;
        record = facts === previous.facts && factReads === previous.factReads ? previous : { ...previous, facts, factReads, shift: 0, bounds: undefined };
      }
      if (!hit && delta !== undefined && findingsOf(record).length === 0) {
        // Nothing the edit reached, nothing read near it, no finding to move.
        kept.records.set(segment, record);
        continue;
      }
      const redo = new Set<number>(hit?.rules ?? NO_RULES);
      let reason = hit?.reason;
      // The rule records, copied only when one changes or is dropped (most stay as they are).
      let rules: Map<number, RuleRecord> | undefined;
      for (const index of redo) if (record.rules.has(index)) (rules ??= new Map(record.rules)).delete(index);
      for (const [index, rule] of activeRules(record)) {
        if (redo.has(index)) continue;
        // A rule that read a statement the edit touches runs again, as one whose finding it touches.
        const reads = delta !== undefined ? rule.reads : moveReads(rule.reads, changes);
        if (!reads) reason ??= '§';
        const raw = reads && moveFindings(rule.raw);
        if (!raw) {
          redo.add(index);
          (rules ??= new Map(record.rules)).delete(index);
        } else if (raw !== rule.raw || reads !== rule.reads) (rules ??= new Map(record.rules)).set(index, { ...rule, raw, reads: reads! });
      }
      if (rules) {
        record.rules = rules;
        record.derived = undefined;
        record.bounds = undefined;
      }
      kept.records.set(segment, record);
      if (redo.size) {
        kept.redo.set(segment, redo);
        if (reason !== undefined) count(reason);
      }
    }
    this.facts.carry(this.records, segments, current, changes, differs);
    // Segments no longer there (parsed again) leave the index.
    for (const segment of [...this.indexedKeys.keys()]) if (!current.has(segment)) this.unindex(segment);
    for (const k of compared) {
      if (!comparisons.has(k)) this.summaries.delete(k);
      else if (comparisons.get(k)) {
        const now = model.summaryOf(k);
        if (now === undefined) this.summaries.delete(k);
        else this.summaries.set(k, now);
      }
    }
    return kept;
  }
}

const NO_RULES: readonly number[] = [];
const NO_RULES_RUN: ReadonlySet<number> = new Set();

/** The index cell of a segment's fact values (rule cells are the rules' indexes). */
const FACT_VALUES = -1;

/** One rule's record of a segment (or the segment's fact values), as the dependency index holds it. */
interface IndexCell {
  segment: Segment;
  index: number;
  /** The record's own keys (a segment's fact dependencies only grow: unindexing what was never indexed is harmless). */
  keys: Iterable<DependencyKey>;
}

/** A segment to analyse: every rule, or the rules at these indexes. */
interface SegmentWork {
  segment: Segment;
  rules?: ReadonlySet<number>;
}

/** The records an edit leaves standing, and the rules to run again on each. */
interface KeptRecords {
  records: Map<Segment, SegmentRecord>;
  redo: Map<Segment, Set<number>>;
}

function result(findings: Finding[], source: SourceText, notes: string[], model: SemanticModel): AnalysisResult {
  return { findings, source, notes, model, dispose() {} };
}
