// Parse trees live in the parser's WebAssembly heap, which never shrinks: only the most recently
// analysed documents and notebooks stay parsed, the others are reparsed when next needed.

interface Entry {
  release(): void;
}

export class ParsedTrees {
  /** Least recently used first. */
  private readonly order = new Map<string, Entry>();
  private releaseScheduled = false;

  constructor(readonly limit: number) {}

  /** Marks a document (or notebook) as just analysed; `release` frees its tree when it falls out. */
  touch(key: string, release: () => void): void {
    this.order.delete(key);
    this.order.set(key, { release });
    if (this.order.size > this.limit && !this.releaseScheduled) {
      this.releaseScheduled = true;
      // After the current microtasks: callers still holding an analysis result finish with it first.
      setImmediate(() => {
        this.releaseScheduled = false;
        for (const [key, entry] of this.order) {
          if (this.order.size <= this.limit) break;
          this.order.delete(key);
          entry.release();
        }
      });
    }
  }

  /** A closed document or notebook: its owner frees the tree itself. */
  forget(key: string): void {
    this.order.delete(key);
  }

  /** Keys of the documents and notebooks kept parsed, least recently used first. */
  keys(): string[] {
    return [...this.order.keys()];
  }

  /** Releases every tree (server shutdown). */
  releaseAll(): void {
    const entries = [...this.order.values()];
    this.order.clear();
    for (const entry of entries) entry.release();
  }
}
