/**
 * What a write changed, for the caches that serve the validation hot path from memory.
 *
 * Repositories report every write to the rows a license is made of (entitlements, activations,
 * the catalog, customers). Inside a transaction the reports are collected and published when it
 * commits; the transaction also hands them to the database's cross-process channel (PostgreSQL
 * NOTIFY, delivered at commit), so other server processes drop what they cached. A write outside
 * a transaction is published at once.
 */

/**
 * - `entitlement`: the entitlement row or one of its activations (id: the entitlement id);
 * - `account`: anything shared by many entitlements — offerings, products, features, customers;
 * - `keys`: a license key was replaced (id: the entitlement id);
 * - `all`: no longer known what changed (a lost notification channel, another process's write).
 */
export type ChangeKind = 'entitlement' | 'account' | 'keys' | 'all';

export interface CacheChange {
  accountId: string;
  kind: ChangeKind;
  id: string;
}

export type ChangeListener = (changes: readonly CacheChange[]) => void;

/** The process-wide change stream: local commits, and what other processes report. */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(changes: readonly CacheChange[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
  }
}

/** The changes one transaction (or one autocommit statement) makes. */
export class ChangeSet {
  private readonly items = new Map<string, CacheChange>();

  /** `feed` set: autocommit, so each change is published as soon as it is reported. */
  constructor(private readonly feed: ChangeFeed | null) {}

  add(accountId: string, kind: ChangeKind, id: string): void {
    const change = { accountId, kind, id };
    if (this.feed) {
      this.feed.publish([change]);
      return;
    }
    this.items.set(`${kind}\u0000${accountId}\u0000${id}`, change);
  }

  get changes(): CacheChange[] {
    return [...this.items.values()];
  }
}

/** NOTIFY payloads are limited to 8,000 bytes; a bigger change set is sent as "the whole account". */
const MAX_PAYLOAD = 7_000;

/** The wire form of a change set, for another process: `{o: origin, c: [[account, kind, id], …]}`. */
export function encodeChanges(origin: string, changes: readonly CacheChange[]): string {
  const payload = JSON.stringify({ o: origin, c: changes.map((c) => [c.accountId, c.kind, c.id]) });
  if (payload.length <= MAX_PAYLOAD) return payload;
  const accounts = [...new Set(changes.map((c) => c.accountId))];
  const coarse = JSON.stringify({ o: origin, c: accounts.map((a) => [a, 'account', '*']) });
  return coarse.length <= MAX_PAYLOAD ? coarse : JSON.stringify({ o: origin, c: [['*', 'all', '*']] });
}

/** Reads a payload from another process; anything unreadable means "everything may have changed". */
export function decodeChanges(payload: string): { origin: string | null; changes: CacheChange[] } {
  try {
    const parsed = JSON.parse(payload) as { o?: unknown; c?: unknown };
    if (!Array.isArray(parsed.c)) throw new Error('no changes');
    const changes = parsed.c.map((item: unknown) => {
      if (!Array.isArray(item) || item.length !== 3 || !item.every((part) => typeof part === 'string')) throw new Error('bad change');
      const [accountId, kind, id] = item as [string, string, string];
      if (!['entitlement', 'account', 'keys', 'all'].includes(kind)) throw new Error('bad kind');
      return { accountId, kind: kind as ChangeKind, id };
    });
    return { origin: typeof parsed.o === 'string' ? parsed.o : null, changes };
  } catch {
    return { origin: null, changes: [{ accountId: '*', kind: 'all', id: '*' }] };
  }
}
