// Owns the incremental bookkeeping of one semantic model: the dependencies its answers are read
// from (see dependency.ts), memoised answers that replay them, and the per-file time budget.
import { key, type DependencyKey } from '../dependency';

/** Thrown by model queries once the model's deadline has passed: the per-file time budget bounds every rule. */
export class AnalysisTimeout extends Error {
  constructor() {
    super('analysis time budget exceeded');
    this.name = 'AnalysisTimeout';
  }
}

export class Recorder {
  /**
   * When set, the dependencies the model's answers are drawn from are added here (an incremental
   * analysis sets it per segment): an answer can change only when an edit reaches one of them.
   */
  dependencies: Set<DependencyKey> | undefined;
  private quiet = 0;
  private readonly memos = new Map<string, { value: unknown; dependencies: Set<DependencyKey> }>();
  /** When set (a performance.now() time), long-running queries throw AnalysisTimeout once it has passed. */
  deadline: number | undefined;
  private deadlineTicks = 0;

  /** Whether reads are being recorded now (not quieted). */
  get recording(): boolean {
    return this.dependencies !== undefined && this.quiet === 0;
  }

  /** Records a dependency (unless quieted). */
  read(dependency: DependencyKey): void {
    if (this.dependencies && this.quiet === 0) this.dependencies.add(dependency);
  }

  /** Runs `f` without recording: enumerations of the unit's sites, structure within one statement. */
  quietly<T>(f: () => T): T {
    this.quiet++;
    try {
      return f();
    } finally {
      this.quiet--;
    }
  }

  /**
   * A value computed once per model under `id`. The dependencies read while computing it are added
   * again on every later use, so a caller that finds it remembered depends on the same things.
   */
  remember<T>(id: string, compute: () => T): T {
    const hit = this.memos.get(id);
    if (hit) {
      if (this.recording) for (const d of hit.dependencies) this.dependencies!.add(d);
      return hit.value as T;
    }
    const outer = this.dependencies;
    const quiet = this.quiet;
    const dependencies = new Set<DependencyKey>();
    this.dependencies = dependencies;
    this.quiet = 0;
    let value: T;
    try {
      value = compute();
    } finally {
      this.dependencies = outer;
      this.quiet = quiet;
    }
    if (outer && quiet === 0) for (const d of dependencies) outer.add(d);
    this.memos.set(id, { value, dependencies });
    return value;
  }

  /**
   * Runs a lookup that finds its answer from where words are spelled, recording one dependency on
   * all of them together instead of one on each: when every hit spells each word
   * (`x.callbacks.append(…)`), only a changed statement spelling every one can change the answer.
   */
  readingAll<T>(words: readonly string[], lookup: () => T): T {
    this.read(key.allWords(words));
    return this.quietly(lookup);
  }

  /**
   * Runs `f` recording into `dependencies` (a unit's fact value) from a clean state, then restores
   * the recorder as it was.
   */
  recordingInto<T>(dependencies: Set<DependencyKey>, f: () => T): T {
    const saved = { dependencies: this.dependencies, quiet: this.quiet };
    this.dependencies = dependencies;
    this.quiet = 0;
    try {
      return f();
    } finally {
      this.dependencies = saved.dependencies;
      this.quiet = saved.quiet;
    }
  }

  /** Throws AnalysisTimeout past the deadline; cheap enough for hot paths (reads the clock every 256 calls). */
  checkDeadline(): void {
    if (this.deadline === undefined || (++this.deadlineTicks & 255) !== 0) return;
    if (performance.now() > this.deadline) throw new AnalysisTimeout();
  }
}
