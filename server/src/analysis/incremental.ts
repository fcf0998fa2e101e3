// Analysis of a segmented document (PythonDocument) kept per segment, so an edit re-examines only
// what it can have changed. Each segment keeps the findings anchored in it and the dependencies the
// model recorded while they were computed: the words and keywords whose places in the file the
// answers were drawn from. After an edit a segment is analysed again when it was reparsed, when one
// of its dependencies is a word of a changed top-level statement (as it was or as it is), or when one
// of its findings or fixes touches the changed text; the other segments' findings are moved to their
// new positions. Rules then enumerate anchors only in those segments (SemanticModel.anchorRanges),
// while names still resolve against the whole file. Anything that cannot be judged this way (the
// first analysis, a new configuration, a document parsed again whole, a time budget running out,
// more than half of the segments to redo) is a full analysis, recorded the same way.
import type { EffectiveConfig } from '../config/settings';
import type { Rule } from '../rules/rule';
import { finishFindings, runRules, type AnalysisResult, type RawFinding, type RuleRun } from './analyze';
import type { DocumentChanges, PythonDocument, Segment } from './document';
import { SemanticModel } from './semantic';
import type { SourceText } from './sourceText';
import type { Position, Range } from './types';

export interface IncrementalOptions {
  config: EffectiveConfig;
  /** Identifies the configuration: a different key starts over. */
  configKey: string;
  relativePath?: string;
  timeBudgetMs?: number;
  rules?: readonly Rule[];
}

interface SegmentResult {
  raw: RawFinding[];
  dependencies: Set<string>;
}

/** How the last analysis was made, for tests and benchmarks. */
export interface IncrementalStats {
  mode: 'full' | 'partial';
  /** Segments whose anchors were examined. */
  analysed: number;
  segments: number;
}

export class IncrementalAnalysis {
  private results = new Map<Segment, SegmentResult>();
  private configKey: string | undefined;
  lastStats: IncrementalStats | undefined;

  /** Analyses the document's current text, reusing what the changes since the last call left valid. */
  analyze(doc: PythonDocument, options: IncrementalOptions): AnalysisResult {
    const started = performance.now();
    const changes = doc.takeChanges();
    const source = doc.sourceText;
    const segments = doc.segments;
    const budget = options.timeBudgetMs ?? options.config.timeBudgetMs;
    const model = new SemanticModel(doc.trees, { text: source.text });
    const modelOf = () => model;

    const moved = this.configKey === options.configKey ? this.carryOver(segments, changes, source) : undefined;
    this.configKey = options.configKey;
    const stale = moved ? segments.filter((s) => !moved.has(s)) : segments;
    const partial = !!moved && stale.length * 2 <= segments.length;
    const toRun = partial ? stale : segments;
    this.results = new Map();
    if (partial) for (const [s, r] of moved) this.results.set(s, r);
    // One run per segment, each finding only that segment's anchors: its findings and dependencies
    // are its own. The model (and its indexes) is shared; what it remembers replays its dependencies.
    const notes = new Set<string>();
    let stopped: RuleRun | undefined;
    const done: RawFinding[] = [];
    for (const segment of toRun) {
      model.anchorRanges = [{ start: segment.start, end: segment.end }];
      const dependencies = new Set<string>();
      model.dependencies = dependencies;
      const run = runRules(modelOf, source, { config: options.config, budget, started, relativePath: options.relativePath, rules: options.rules });
      for (const n of run.notes) notes.add(n);
      done.push(...run.raw);
      if (run.stopped) {
        stopped = run;
        break;
      }
      this.results.set(segment, { raw: run.raw, dependencies });
    }
    model.anchorRanges = undefined;
    model.dependencies = undefined;
    this.lastStats = { mode: partial ? 'partial' : 'full', analysed: toRun.length, segments: segments.length };
    if (stopped) {
      // Out of time: what was found is reported with GML004, and the next analysis starts over.
      this.results = new Map();
      const findings = finishFindings(done, { ...stopped, notes: [...notes] }, source, modelOf, options.config, options.relativePath, options.rules);
      return result(findings, source, [...notes, ...stopped.notes.filter((n) => !notes.has(n))], model);
    }
    const raw = segments.flatMap((s) => this.results.get(s)?.raw ?? []);
    const run = { notes: [...notes], budget };
    const findings = finishFindings(raw, run, source, modelOf, options.config, options.relativePath, options.rules);
    return result(findings, source, run.notes, model);
  }

  /**
   * The segments whose results still hold after the changes, with their findings moved to where
   * they now are. Undefined when nothing can be reused (the document was parsed again whole).
   */
  private carryOver(segments: readonly Segment[], changes: DocumentChanges, source: SourceText): Map<Segment, SegmentResult> | undefined {
    const words = changes.words;
    if (!words || this.results.size === 0 || segments.length < 2) return undefined;
    const kept = new Map<Segment, SegmentResult>();
    for (const segment of segments) {
      const previous = this.results.get(segment);
      if (!previous) continue;
      const deps = previous.dependencies;
      if (deps.has('*') || (changes.head && deps.has('<head>'))) continue;
      let touched = false;
      for (const w of words) {
        if (deps.has(w)) {
          touched = true;
          break;
        }
      }
      if (touched) continue;
      const raw = moveFindings(previous.raw, changes, source);
      if (raw) kept.set(segment, { raw, dependencies: deps });
    }
    return kept;
  }
}

function result(findings: RawFinding['finding'][], source: SourceText, notes: string[], model: SemanticModel): AnalysisResult {
  return { findings, source, notes, model, dispose() {} };
}

/**
 * Findings moved through the edits to the current text; undefined when a range or a fix edit
 * touches changed text (the finding may then have changed: its segment is analysed again).
 */
function moveFindings(raw: readonly RawFinding[], changes: DocumentChanges, now: SourceText): RawFinding[] | undefined {
  if (changes.edits.length === 0) return [...raw];
  const before = changes.before;
  const move = (p: Position): Position | undefined => {
    let offset = before.offsetAt(p);
    for (const e of changes.edits) {
      if (offset >= e.start && offset <= e.oldEnd) return undefined;
      if (offset > e.oldEnd) offset += e.newEnd - e.oldEnd;
    }
    return now.positionAt(offset);
  };
  const moveRange = (r: Range): Range | undefined => {
    const start = move(r.start);
    const end = start && move(r.end);
    return start && end ? { start, end } : undefined;
  };
  const out: RawFinding[] = [];
  for (const r of raw) {
    const range = moveRange(r.finding.range);
    if (!range) return undefined;
    const suppressible: Range[] = [];
    for (const s of r.suppressible) {
      const m = moveRange(s);
      if (!m) return undefined;
      suppressible.push(m);
    }
    const fixes = [];
    for (const fix of r.finding.fixes) {
      const edits = [];
      for (const e of fix.edits) {
        const m = moveRange(e.range);
        if (!m) return undefined;
        edits.push({ range: m, newText: e.newText });
      }
      fixes.push({ ...fix, edits });
    }
    out.push({ finding: { ...r.finding, range, fixes }, suppressible });
  }
  return out;
}
