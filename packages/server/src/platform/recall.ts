/** Most entries a memory keeps by default (in two generations); past it, the oldest go (the store answers misses). */
export const RECALL = 500_000;

/**
 * What a reader of the event log already knows of earlier events (the reports projector and its
 * store use it), so a batch asks the store only for the rest. Two generations: when the newer one
 * is full the older is dropped, so the most recent entries always stay (clearing everything at
 * once made every following batch miss).
 */
export class Recall<T> {
  private newer = new Map<string, T>();
  private older = new Map<string, T>();
  private dropped = false;

  constructor(private readonly limit = RECALL) {}

  /** True while nothing set since the last clear has been dropped: a key it lacks was never set. */
  get whole(): boolean {
    return !this.dropped;
  }

  get(key: string): T | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }
  set(key: string, value: T): void {
    if (this.newer.size >= this.limit / 2 && !this.newer.has(key)) {
      if (this.older.size > 0) this.dropped = true;
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
  }
  clear(): void {
    this.newer.clear();
    this.older.clear();
    this.dropped = false;
  }
}
