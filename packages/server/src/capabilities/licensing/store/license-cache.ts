import { LRUCache } from 'lru-cache';
import type { LicenseCachePort, LicenseSnapshot, Ticket } from '../ports.js';
import type { CacheChange } from '../../../platform/store/changes.js';
import type { Database } from '../../../platform/store/database.js';

export interface KeyOwner {
  accountId: string;
  entitlementId: string;
}

/**
 * The validation hot path's memory: license snapshots by entitlement, and license-key owners by
 * key hash, in bounded LRU maps.
 *
 * Freshness: every committed write to what a snapshot holds is reported on the database's change
 * feed (store/changes.ts) — by this process at commit, by other processes through NOTIFY
 * (PostgreSQL) or `data_version` (SQLite) — and drops the entries it touches. A read that raced a
 * write cannot put its older result back: a fill is refused when its entry was dropped after the
 * read began (the ticket). While other processes cannot be heard (PostgreSQL LISTEN connection
 * down) nothing is served from memory. What remains is the delivery delay of a notification from
 * another process, a few milliseconds: a validation answered in that window reflects the state
 * just before the change, as it would had it arrived a moment earlier.
 *
 * Snapshots are shared: callers must not mutate them.
 */
export class LicenseCache implements LicenseCachePort {
  private readonly licenses: LRUCache<string, { accountGen: number; snapshot: LicenseSnapshot }> | null;
  private readonly owners: LRUCache<string, KeyOwner> | null;
  private readonly accountGens = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private ownersGen = 0;
  private allGen = 0;
  private nextToken = 1;
  /** Counters for the benchmark and tests. */
  readonly stats = { hits: 0, misses: 0, refusedFills: 0 };

  constructor(
    private readonly database: Database,
    readonly capacity: number,
  ) {
    // Bounded by size, not count: a snapshot holds the license's live devices, and a site license
    // may have thousands. A license with up to four devices counts one; more count one per four.
    this.licenses =
      capacity > 0 ? new LRUCache({ maxSize: capacity, sizeCalculation: (entry) => 1 + Math.floor(entry.snapshot.live.length / 4) }) : null;
    this.owners = capacity > 0 ? new LRUCache({ max: capacity }) : null;
    database.changes.subscribe((changes) => this.apply(changes));
  }

  /** Once per request, before reading: may memory be used now (and catch up with other processes)? */
  usable(): boolean {
    return this.licenses !== null && this.database.cacheable();
  }

  owner(keyHash: string): KeyOwner | undefined {
    return this.owners?.get(keyHash);
  }

  /** Remembers a key's owner if no key changed since `gens` was taken (see ownerTicket). */
  rememberOwner(keyHash: string, owner: KeyOwner, gens: { ownersGen: number; allGen: number }): void {
    if (gens.ownersGen === this.ownersGen && gens.allGen === this.allGen) this.owners?.set(keyHash, owner);
  }

  ownerTicket(): { ownersGen: number; allGen: number } {
    return { ownersGen: this.ownersGen, allGen: this.allGen };
  }

  license(accountId: string, entitlementId: string): LicenseSnapshot | undefined {
    const entry = this.licenses?.get(keyOf(accountId, entitlementId));
    if (entry && entry.accountGen === (this.accountGens.get(accountId) ?? 0)) {
      this.stats.hits++;
      return entry.snapshot;
    }
    this.stats.misses++;
    return undefined;
  }

  /**
   * Taken before a miss reads the database. Misses of one license that overlap share a token, so
   * on a busy license the first read to finish fills the entry (a token per miss would let every
   * newer miss refuse the older fills, and the entry would never fill while misses kept coming).
   * A change drops the token: reads begun before it can no longer fill.
   */
  ticket(accountId: string, entitlementId: string): Ticket {
    const key = keyOf(accountId, entitlementId);
    let token = this.pending.get(key);
    if (token === undefined) {
      token = this.nextToken++;
      // Reads that failed leave their token; forgetting them all only refuses a few fills.
      if (this.pending.size >= Math.max(1_000, this.capacity)) this.pending.clear();
      this.pending.set(key, token);
    }
    return { key, token, accountGen: this.accountGens.get(accountId) ?? 0, allGen: this.allGen };
  }

  remember(ticket: Ticket, snapshot: LicenseSnapshot): void {
    const current = this.pending.get(ticket.key);
    if (current === ticket.token) this.pending.delete(ticket.key);
    const fresh =
      current === ticket.token && ticket.allGen === this.allGen && ticket.accountGen === (this.accountGens.get(snapshot.accountId) ?? 0);
    if (fresh) this.licenses?.set(ticket.key, { accountGen: ticket.accountGen, snapshot });
    else this.stats.refusedFills++;
  }

  private apply(changes: readonly CacheChange[]): void {
    for (const change of changes) {
      switch (change.kind) {
        case 'entitlement': {
          const key = keyOf(change.accountId, change.id);
          this.licenses?.delete(key);
          this.pending.delete(key);
          break;
        }
        case 'account':
          this.accountGens.set(change.accountId, (this.accountGens.get(change.accountId) ?? 0) + 1);
          break;
        case 'keys':
          this.ownersGen++;
          this.owners?.clear();
          break;
        case 'all':
          this.allGen++;
          this.ownersGen++;
          this.licenses?.clear();
          this.owners?.clear();
          this.pending.clear();
          break;
      }
    }
  }
}

const keyOf = (accountId: string, entitlementId: string) => `${accountId}/${entitlementId}`;
