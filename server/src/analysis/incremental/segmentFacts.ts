// Owns the file-level facts of an incremental analysis: each segment's value of each fact a rule
// asked for (computed with the segment as the unit, see Sites.computeFor), their combined values for
// comparison after the next edit, and the values a reparsed segment can keep because the edit did
// not reach what computing them read.
import { decode, reaches, type DependencyKey } from '../dependency';
import type { DocumentChanges, Segment } from '../document';
import type { SemanticModel } from '../model/model';
import type { FactComputation, FactStore } from '../model/sites';
import type { Node } from '../parser';
import { addFactValue, atCurrentOffsets, freshRecord, moveReads, moveSpans, takeReads, type KeptFactValue, type OffsetSpan, type SegmentRecord, type Span } from './records';

type CarriedValue = { value: KeptFactValue; dependencies: readonly DependencyKey[]; reads: OffsetSpan[] };

export class SegmentFacts {
  /** Every fact asked for so far, by id: a later model computes a segment's value with the same computation. */
  private readonly computations = new Map<string, FactComputation>();
  /** Each fact's combined value after the last analysis (spans at that text's offsets). */
  combined = new Map<string, KeptFactValue>();
  /** Segments whose records were analysed or computed a fact value in this analysis (their dependencies are indexed again). */
  computed = new Set<Segment>();
  /** Fact values of a reparsed segment that its edit left as they were (see carry), for its fresh record. */
  private carried: Map<Segment, Map<string, CarriedValue>> | undefined;

  /** The values `carry` found, once (the next analysis starts without them). */
  takeCarried(): Map<Segment, Map<string, CarriedValue>> | undefined {
    const carried = this.carried;
    this.carried = undefined;
    return carried;
  }

  /** A fresh record for a segment to analyse, holding the fact values carried to it. */
  freshRecordFor(segment: Segment, carried: Map<Segment, Map<string, CarriedValue>> | undefined): SegmentRecord {
    const record = freshRecord();
    const values = carried?.get(segment);
    if (values) for (const [id, c] of values) addFactValue(record, id, c.value, c.dependencies, c.reads);
    return record;
  }

  /** The model's view of the kept facts: each segment's value, computed for the segments that lack it. */
  storeFor(model: SemanticModel, segments: readonly Segment[], records: Map<Segment, SegmentRecord>): FactStore {
    const valueOf = (segment: Segment, fact: FactComputation) => {
      if (!this.computations.has(fact.id)) this.computations.set(fact.id, fact);
      return this.valueOf(model, segment, fact.id, records);
    };
    return {
      any: (fact) => {
        let any = false;
        // Every segment's value is made (not only up to the first true): the combined value is compared after edits.
        for (const s of segments) if (valueOf(s, fact) === true) any = true;
        return any;
      },
      nodes: (fact) => {
        const out: Node[] = [];
        for (const s of segments) {
          const spans = valueOf(s, fact) as Span[];
          // Read after valueOf: computing a value puts the record at the current offsets.
          const shift = records.get(s)!.shift;
          for (const span of spans) {
            const node = model.module.nodeSpanning(span.start + shift, span.end + shift, span.type);
            if (node) out.push(node);
          }
        }
        return out;
      },
    };
  }

  /** A segment's value of a fact, computed (with the segment as the unit) when it has none. */
  private valueOf(model: SemanticModel, segment: Segment, id: string, records: Map<Segment, SegmentRecord>): KeptFactValue {
    const record = records.get(segment)!;
    let value = record.facts.get(id);
    if (value === undefined) {
      const fact = this.computations.get(id)!;
      const dependencies = new Set<DependencyKey>();
      value = model.sites.computeFor({ start: segment.start, end: segment.end }, dependencies, () => {
        const computed = fact.compute(model);
        return typeof computed === 'boolean' ? computed : computed.map((n) => ({ start: n.startIndex, end: n.endIndex, type: n.type }));
      });
      const reads: OffsetSpan[] = [];
      takeReads(dependencies, reads, record.factsUsed);
      addFactValue(record, id, value, dependencies, reads);
      this.computed.add(segment);
    }
    return value;
  }

  /** Every used fact's combined value over the current segments (from the kept spans, no nodes made). */
  combine(model: SemanticModel, segments: readonly Segment[], records: Map<Segment, SegmentRecord>): Map<string, KeptFactValue> {
    const out = new Map<string, KeptFactValue>();
    for (const [id, fact] of this.computations) {
      // Only facts something depends on now: a segment's value is made when first needed.
      if (!isUsed(id, records)) continue;
      if (fact.kind === 'any') {
        let any = false;
        for (const s of segments) if (this.valueOf(model, s, id, records) === true) any = true;
        out.set(id, any);
      } else {
        const all: Span[] = [];
        for (const s of segments) {
          const spans = this.valueOf(model, s, id, records) as Span[];
          const shift = records.get(s)!.shift;
          for (const span of spans) all.push(shift === 0 ? span : { start: span.start + shift, end: span.end + shift, type: span.type });
        }
        out.set(id, all);
      }
    }
    return out;
  }

  /** Whether some fact in use has no combined value yet. */
  anyUncombined(records: Map<Segment, SegmentRecord>): boolean {
    return [...this.computations.keys()].some((id) => !this.combined.has(id) && isUsed(id, records));
  }

  /**
   * When an edit parsed one segment again (one old segment gone, one new one there), the old
   * segment's fact values whose reads the edit does not reach (see dependency.ts `reaches`), and no
   * read or found span the edit touches. Those values still hold for the new segment (moved to its
   * offsets); the next analysis takes them (takeCarried).
   */
  carry(records: Map<Segment, SegmentRecord>, segments: readonly Segment[], current: ReadonlySet<Segment>, changes: DocumentChanges, differs: (k: DependencyKey) => boolean): void {
    this.carried = undefined;
    const statements = changes.statements!;
    const gone = [...records.keys()].filter((s) => !current.has(s));
    const added = segments.filter((s) => !records.has(s));
    if (gone.length !== 1 || added.length !== 1) return;
    const old = records.get(gone[0])!;
    atCurrentOffsets(old);
    const carried = new Map<string, CarriedValue>();
    for (const [id, value] of old.facts) {
      const read = old.factReads.get(id);
      if (!read || read.dependencies.some((d) => reaches(decode(d), statements, differs))) continue;
      const reads = moveReads(read.reads, changes);
      const moved = typeof value === 'boolean' ? value : moveSpans(value, changes);
      if (reads && moved !== undefined) carried.set(id, { value: moved, dependencies: read.dependencies, reads });
    }
    if (carried.size) this.carried = new Map([[added[0], carried]]);
  }
}

/** Whether a kept record depends on a fact (its rules, or another fact, read it). */
function isUsed(id: string, records: Map<Segment, SegmentRecord>): boolean {
  for (const r of records.values()) if (r.factsUsed.has(id)) return true;
  return false;
}
