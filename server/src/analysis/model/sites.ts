// Owns the unit under analysis: the part of the file whose sites rules report on (the whole file, or
// one segment of a long document being analysed again), the site queries kept to it, and the
// file-level facts, combined from per-unit values. A rule asks for "the calls named fit" and gets the
// unit's; it never knows which unit that is.
import { key, type DependencyKey } from '../dependency';
import type { Node } from '../parser';
import type { CallSite } from './calls';
import type { SemanticModel } from './model';
import type { OffsetRange } from './module';
import { sameNode } from './navigation';
import { isWithin } from '../qualifiedName';
import { CLASS_DEFINITION, FOR_STATEMENT, FUNCTION_DEFINITION, WHILE_STATEMENT, WITH_STATEMENT } from './spellings';

/** A fact's value in one unit: whether something holds there, or the nodes found there. */
export type FactValue = boolean | Node[];

/**
 * How a file-level fact is computed in one unit (the model's sites are the unit's while it runs). A
 * kept unit's value may be computed again with a later model: `compute` uses only the model it gets.
 */
export interface FactComputation {
  id: string;
  kind: 'any' | 'nodes';
  compute(model: SemanticModel): FactValue;
}

/** Per-unit values of file-level facts kept across edits (implemented by IncrementalAnalysis). */
export interface FactStore {
  any(fact: FactComputation): boolean;
  nodes(fact: FactComputation): Node[];
}

export class UnitSites {
  /** The unit's offset ranges; undefined: the whole file. */
  private ranges: readonly OffsetRange[] | undefined;
  /** Set while a fact is computed for a unit: what is read of the unit's sites is recorded too (even when quiet). */
  private recordUnit = false;
  /** When set (IncrementalAnalysis), facts are combined from per-unit values kept across edits. */
  facts: FactStore | undefined;

  constructor(private readonly m: SemanticModel) {}

  /** Makes the unit one range of the file (undefined: the whole file). */
  setUnit(range: OffsetRange | undefined): void {
    this.ranges = range ? [range] : undefined;
  }

  /** Whether a node starts in the unit. */
  contains(node: Node): boolean {
    const ranges = this.ranges;
    if (!ranges) return true;
    const at = node.startIndex;
    return ranges.some((r) => r.start <= at && at < r.end);
  }

  /** Calls spelled with this last name in the unit (`fit` finds `model.fit(…)` and `fit(…)`), in document order. */
  callsNamed(name: string): CallSite[] {
    return this.callNodesNamed(name).map((n) => this.m.calls.callSite(n));
  }

  /** Calls in the unit whose callee resolves to one of these qualified names. */
  callsTo(qualifiedNames: Iterable<string>): CallSite[] {
    return this.m.calls.callsTo(qualifiedNames, (name) => this.m.recorder.quietly(() => this.callNodesNamed(name)));
  }

  /**
   * Calls in the unit whose qualified name is `prefix` or lies under it (`torch.cuda` finds
   * `torch.cuda.synchronize()` and, after `from torch import cuda`, `cuda.synchronize()`), in
   * document order: found from where the unit spells the names imports bind there, so that no
   * other call's name is resolved.
   */
  callsUnder(prefix: string): CallSite[] {
    const under = (q: string | undefined) => !!q && isWithin(q, prefix);
    const names = this.m.imports.namesAround(prefix);
    if (!names) return this.calls().filter((c) => under(c.qualifiedName));
    const nav = this.m.nav;
    const found = new Map<number, CallSite>();
    for (const name of names) {
      for (const id of this.identifiers(name)) {
        // The attribute chain rooted at the name (`torch.cuda.synchronize`), then the call of it.
        let callee = id;
        for (let parent = nav.parentOf(callee); parent?.type === 'attribute' && sameNode(parent.childForFieldName('object'), callee); parent = nav.parentOf(callee)) callee = parent;
        const call = nav.parentOf(callee);
        if (call?.type !== 'call' || !sameNode(call.childForFieldName('function'), callee) || found.has(call.id)) continue;
        const site = this.m.calls.callSite(call);
        if (under(site.qualifiedName)) found.set(call.id, site);
      }
    }
    return [...found.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** Every call in the unit, in document order. */
  calls(): CallSite[] {
    return this.nodesOfType('call').map((n) => this.m.calls.callSite(n));
  }

  /** Identifiers spelled `name` in the unit. */
  identifiers(name: string): Node[] {
    const { spellings } = this.m;
    return this.spelledIn(name, spellings.knownIdentifiers(name), () => spellings.identifiers(name), (ranges) => spellings.identifiersWithin(name, ranges));
  }

  /** String literals in the unit whose text spells `word` as a whole word, in document order. */
  strings(word: string): Node[] {
    const { spellings } = this.m;
    return this.spelledIn(word, spellings.knownStrings(word), () => spellings.strings(word), (ranges) => spellings.stringsWithin(word, ranges));
  }

  /** Nodes of a type in the unit, in document order (read from the unit's trees). */
  nodesOfType(type: string): Node[] {
    this.readUnit(key.unitStructure);
    const { module, recorder } = this.m;
    const ranges = this.ranges;
    if (!ranges) return recorder.quietly(() => (type === 'call' ? this.m.calls.allCallNodes() : module.allRoots().flatMap((_, i) => module.segmentNodesOfType(i, type))));
    const out: Node[] = [];
    for (const r of ranges) {
      for (let i = 0; i < module.trees.length; i++) {
        if (module.starts[i] >= r.end || module.segmentEnd(i) <= r.start) continue;
        // Each rule asks for the unit's calls: the segment is walked once per model, not once per rule.
        for (const n of module.segmentNodesOfType(i, type)) if (n.startIndex >= r.start && n.startIndex < r.end) out.push(n);
      }
    }
    return out.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /** `with` statements in the unit. */
  withStatements(): Node[] {
    return this.statements('with', WITH_STATEMENT);
  }

  /** Function definitions (nested ones included) in the unit. */
  functionDefinitions(): Node[] {
    return this.statements('def', FUNCTION_DEFINITION);
  }

  /** Class definitions in the unit. */
  classDefinitions(): Node[] {
    return this.statements('class', CLASS_DEFINITION);
  }

  /** `for` loops in the unit, in document order, then `while` loops. */
  loops(): Node[] {
    return [...this.statements('for', FOR_STATEMENT), ...this.statements('while', WHILE_STATEMENT)];
  }

  /**
   * Runs a fact's computation for one unit, recording what it reads into `dependencies` (what is
   * read of the unit's own sites too), then restores the unit and the recorder.
   */
  computeFor<T>(range: OffsetRange, dependencies: Set<DependencyKey>, compute: () => T): T {
    const saved = { ranges: this.ranges, recordUnit: this.recordUnit };
    this.ranges = [range];
    this.recordUnit = true;
    try {
      return this.m.recorder.recordingInto(dependencies, compute);
    } finally {
      this.ranges = saved.ranges;
      this.recordUnit = saved.recordUnit;
    }
  }

  /** A fact's value over the whole file: combined from kept per-unit values, or computed for the file once per model. */
  fact(fact: FactComputation): FactValue {
    const recorder = this.m.recorder;
    recorder.read(key.fact(fact.id));
    if (this.facts) return fact.kind === 'any' ? this.facts.any(fact) : this.facts.nodes(fact);
    return recorder.remember(`fact:${fact.id}`, () => recorder.quietly(() => fact.compute(this.m)));
  }

  /** The call nodes named `name` in the unit: the file's list filtered when known, else found where the unit spells the name. */
  private callNodesNamed(name: string): Node[] {
    const { calls, spellings } = this.m;
    return this.spelledIn(name, calls.knownCallNodes(name), () => calls.callNodesNamed(name), (ranges) => calls.callsAt(spellings.identifiersWithin(name, ranges)));
  }

  private statements(keyword: string, types: ReadonlySet<string>): Node[] {
    const { spellings } = this.m;
    return this.spelledIn(keyword, spellings.knownStatements(keyword, types), () => spellings.statementsAfter(keyword, types), (ranges) => spellings.statementsWithin(keyword, types, ranges));
  }

  /**
   * The unit's nodes found where the text spells a word: the file's list (`known`, or found once by
   * `inFile`) kept to the unit, or, in a part of the file, found where that part spells the word.
   */
  private spelledIn(word: string, known: readonly Node[] | undefined, inFile: () => readonly Node[], inRanges: (ranges: readonly OffsetRange[]) => Node[]): Node[] {
    this.readUnit(key.unitWord(word));
    const ranges = this.ranges;
    if (!ranges || known) return (known ?? this.m.recorder.quietly(inFile)).filter((n) => this.contains(n));
    return inRanges(ranges);
  }

  /** While a fact is computed for a unit, what is read of the unit's sites (see dependency.ts: unitWord, unitStructure). */
  private readUnit(dependency: DependencyKey): void {
    const dependencies = this.m.recorder.dependencies;
    if (this.recordUnit && dependencies) dependencies.add(dependency);
  }
}
