// Analysis of a segmented document (PythonDocument) kept per segment, so an edit re-examines only
// what it can have changed. Each segment keeps the findings of its sites and the dependencies the
// model recorded while they were computed (dependency.ts). After an edit a segment is analysed again
// when it was reparsed, when the changed statements reach one of its dependencies, or when one of its
// findings or fixes touches the changed text; the other segments' findings are moved to their new
// positions. File-level facts are kept per segment too (segmentFacts.ts): a segment analysed again
// computes its own value, and the segments that used a fact are analysed again only when its combined
// value changed. Anything that cannot be judged this way (the first analysis, a new configuration, a
// document parsed again whole, a time budget running out, more than half of the segments to redo) is
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
import { atCurrentOffsets, moveCombined, moveFactReads, moveFacts, moveFindings, moveReads, sameFact, shiftedBy, takeReads, type SegmentRecord } from './records';
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
  /** Segments whose sites were examined (a segment examined in two rounds counts twice). */
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
   * Which segments' records depend on each key (their dependencies and fact dependencies), so an
   * edit finds the records it reaches from what it changed alone, not by asking every record.
   */
  private readonly dependents = new Map<DependencyKey, Set<Segment>>();
  private readonly indexedKeys = new Map<Segment, DependencyKey[]>();
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
    const stale = kept ? segments.filter((s) => !kept.has(s)) : segments;
    const partial = !!kept && stale.length * 2 <= segments.length;
    const before = partial ? moveCombined(this.facts.combined, changes) : undefined;
    // A segment parsed again keeps the fact values the edit cannot have changed (see SegmentFacts.carry).
    const carried = this.facts.takeCarried();
    this.records = new Map();
    if (partial) for (const [s, r] of kept) this.records.set(s, r);
    for (const s of partial ? stale : segments) this.records.set(s, this.facts.freshRecordFor(s, partial ? carried : undefined));
    const factsCarried = carried ? [...carried.values()].reduce((n, m) => n + m.size, 0) : 0;
    model.sites.facts = this.facts.storeFor(model, segments, this.records);

    const notes = new Set<string>();
    let stopped: RuleRun | undefined;
    const done: RawFinding[] = [];
    let analysed = 0;
    const changedFacts: string[] = [];
    const analysedRecords = new Set<SegmentRecord>();
    const run = (list: readonly Segment[]): boolean => {
      for (const segment of list) {
        const record = this.records.get(segment)!;
        atCurrentOffsets(record);
        analysedRecords.add(record);
        this.facts.computed.add(segment);
        model.sites.setUnit({ start: segment.start, end: segment.end });
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
    this.facts.computed = new Set();
    phase('carry');
    let ok = run(partial ? stale : segments);
    phase('rules');
    const endUnit = () => {
      model.sites.setUnit(undefined);
      model.dependencies = undefined;
    };
    endUnit();
    if (ok && before) {
      // Kept segments that used a fact whose combined value changed are analysed again (their own
      // fact values still hold: only the rules' part is redone).
      const now = this.facts.combine(model, segments, this.records);
      this.facts.combined = now;
      for (const [id, value] of now) if (!sameFact(before.get(id), value)) changedFacts.push(id);
      const factKeys = new Set(changedFacts.map((id) => key.fact(id)));
      const again = factKeys.size ? segments.filter((s) => kept!.has(s) && [...this.records.get(s)!.dependencies].some((d) => factKeys.has(d))) : [];
      phase('compare');
      ok = run(again);
      endUnit();
      phase('rules');
    }
    model.sites.facts = undefined;
    this.lastStats = { mode: partial ? 'partial' : 'full', analysed, segments: segments.length, changedFacts, factsCarried: partial ? factsCarried : 0, staleBecause: this.staleBecause };
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
    // Compared dependencies first recorded now get their values, for the next edit's comparison:
    // those of the records analysed, and of kept records that computed a fact value for another's rule.
    for (const segment of this.facts.computed) {
      const record = this.records.get(segment);
      if (record) analysedRecords.add(record);
    }
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
      this.indexedKeys.clear();
      this.indexed = false;
    } else if (this.indexed) for (const segment of this.facts.computed) this.indexRecord(segment, this.records.get(segment)!);
    phase('combine');
    const raw = segments.flatMap((s) => this.records.get(s)?.raw ?? []);
    const finished = { notes: [...notes], budget };
    const findings = finishFindings(raw, finished, source, modelOf, options.config, options.relativePath, options.rules);
    phase('finish');
    this.lastStats.phases = phases;
    return result(findings, source, finished.notes, model);
  }

  private indexRecord(segment: Segment, record: SegmentRecord): void {
    this.unindex(segment);
    const keys = [...record.dependencies, ...record.factDependencies];
    this.indexedKeys.set(segment, keys);
    for (const k of keys) {
      const set = this.dependents.get(k);
      if (set) set.add(segment);
      else this.dependents.set(k, new Set([segment]));
      if (!this.allWordsKeys.has(k)) {
        const words = allWordsOf(k);
        if (words) this.allWordsKeys.set(k, words);
      }
    }
  }

  private unindex(segment: Segment): void {
    const keys = this.indexedKeys.get(segment);
    if (!keys) return;
    for (const k of keys) {
      const set = this.dependents.get(k);
      if (!set) continue;
      set.delete(segment);
      if (set.size === 0) this.dependents.delete(k);
    }
    this.indexedKeys.delete(segment);
  }

  /**
   * The segments whose records still hold after the changes, with their findings and fact spans moved
   * to where they now are. Undefined when nothing can be reused (the document was parsed again whole).
   */
  private carryOver(segments: readonly Segment[], changes: DocumentChanges, source: SourceText, model: SemanticModel): Map<Segment, SegmentRecord> | undefined {
    const statements = changes.statements;
    if (!statements || this.records.size === 0 || segments.length < 2) return undefined;
    const kept = new Map<Segment, SegmentRecord>();
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
    // The records the changes reach, with the first reason found (for the stats).
    const reached = new Map<Segment, string>();
    const reach = (k: DependencyKey): void => {
      const dependents = this.dependents.get(k);
      if (dependents) for (const s of dependents) if (!reached.has(s)) reached.set(s, k);
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
      else kept.set(segment, { ...previous, raw, facts, reads, factReads, shift: 0, bounds: undefined });
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

function result(findings: Finding[], source: SourceText, notes: string[], model: SemanticModel): AnalysisResult {
  return { findings, source, notes, model, dispose() {} };
}
