/**
 * Validation outcomes for the reports, counted in memory on the hot path (a map increment per
 * validation, nothing written) and summarised by a background job as one `validation.summary`
 * event per account and flush. The counts of a process that dies between two flushes are lost:
 * at most one flush interval's worth (LEASEHOLD_VALIDATION_FLUSH_MS, default 60 s).
 */
import type { ServerValidationCode } from '@leasehold/contract';
import { formatTimestamp } from '@leasehold/contract';
import { recordEvent } from '../../events/record.js';
import type { Clock } from '../../../foundation/clock.js';
import type { IdGenerator } from '../../../foundation/ids.js';
import type { MasterKey } from '../../../secrets/master-key.js';
import type { Store } from '../../../platform/domain/ports.js';

export interface ValidationCount {
  productId: string;
  customerId: string;
  entitlementId: string;
  code: ServerValidationCode;
  count: number;
}

/** Outcomes counted since the last flush, per account, then per entitlement and code. */
export class ValidationTally {
  private counts = new Map<string, Map<string, ValidationCount>>();
  private since: number | null = null;

  count(accountId: string, o: Omit<ValidationCount, 'count'>, now: number): void {
    let account = this.counts.get(accountId);
    if (!account) this.counts.set(accountId, (account = new Map()));
    const key = `${o.entitlementId}\u0000${o.code}`;
    const known = account.get(key);
    if (known) known.count++;
    else account.set(key, { ...o, count: 1 });
    this.since ??= now;
  }

  /** Takes everything counted so far (the tally starts again empty). */
  take(): { since: number | null; counts: Map<string, ValidationCount[]> } {
    const out = new Map([...this.counts].map(([account, m]) => [account, [...m.values()]]));
    const since = this.since;
    this.counts = new Map();
    this.since = null;
    return { since, counts: out };
  }

  /** Puts counts back (a flush that failed), so they go out with the next one. */
  restore(accountId: string, counts: readonly ValidationCount[], since: number | null): void {
    let account = this.counts.get(accountId);
    if (!account) this.counts.set(accountId, (account = new Map()));
    for (const c of counts) {
      const key = `${c.entitlementId}\u0000${c.code}`;
      const known = account.get(key);
      if (known) known.count += c.count;
      else account.set(key, { ...c });
    }
    if (since !== null && (this.since === null || since < this.since)) this.since = since;
  }
}

const tallies = new WeakMap<object, ValidationTally>();

/** A server's tally, keyed by its Services (tests run several servers in one process). */
export function tallyOf(owner: object): ValidationTally {
  let t = tallies.get(owner);
  if (!t) tallies.set(owner, (t = new ValidationTally()));
  return t;
}

/** How often the counts are written (LEASEHOLD_VALIDATION_FLUSH_MS, 1 s to 1 h). */
export function validationFlushMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['LEASEHOLD_VALIDATION_FLUSH_MS'];
  if (text === undefined || text === '') return 60_000;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1000 || n > 3_600_000)
    throw new Error(`LEASEHOLD_VALIDATION_FLUSH_MS must be a whole number from 1000 to 3600000, not ${JSON.stringify(text)}`);
  return n;
}

/**
 * Writes what was counted: one `validation.summary` event per account that had validations. An
 * account whose write fails keeps its counts for the next flush. Answers the events written.
 */
export async function flushValidationCounts(
  services: { store: Store; clock: Clock; ids: IdGenerator; secrets: MasterKey },
  tally: ValidationTally = tallyOf(services),
): Promise<number> {
  const { since, counts } = tally.take();
  const now = services.clock.now();
  const pending = [...counts];
  let written = 0;
  while (pending.length > 0) {
    const [accountId, rows] = pending[0]!;
    const store = services.store.forAccount({ accountId, productId: null });
    const ctx = { store, clock: services.clock, ids: services.ids, secrets: services.secrets, actor: SYSTEM, requestId: null };
    try {
      await store.write((tx) =>
        recordEvent(tx, ctx, {
          type: 'validation.summary',
          subjectType: 'account',
          subjectId: accountId,
          after: { from: formatTimestamp(since ?? now), to: formatTimestamp(now), counts: rows },
        }),
      );
    } catch (error) {
      for (const [a, r] of pending) tally.restore(a, r, since);
      throw error;
    }
    pending.shift();
    written++;
  }
  return written;
}

const SYSTEM = { type: 'system' as const, id: null };
