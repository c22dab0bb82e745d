import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/** The tables of background jobs that any process may pick up: a state and a lock with an expiry. */
type JobTable = 'code_batches' | 'activation_batches' | 'pending_keys';

/**
 * Takes the lock of one job row, of any account, in one of `states` and not locked (or locked by
 * a worker whose lock ran out): of several processes asking at once exactly one gets it, as the
 * lock is taken by a write conditional on the lock seen.
 */
export async function claimJob(
  db: Kysely<DB>,
  table: JobTable,
  states: readonly string[],
  worker: string,
  now: number,
  lockMs: number,
): Promise<{ accountId: string; id: string } | undefined> {
  // One shape for both tables; Kysely cannot type a table chosen at run time.
  const k = db as unknown as Kysely<
    Record<
      JobTable,
      { account_id: string; id: string; state: string; locked_by: string | null; locked_until: number | null; created_at: number }
    >
  >;
  const candidates = await k
    .selectFrom(table)
    .select(['account_id', 'id', 'locked_until'])
    .where('state', 'in', [...states])
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .orderBy('created_at')
    .limit(5)
    .execute();
  for (const c of candidates) {
    const out = await k
      .updateTable(table)
      .set({ locked_by: worker, locked_until: now + lockMs })
      .where('account_id', '=', c.account_id)
      .where('id', '=', c.id)
      .where((eb) => (c.locked_until === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', c.locked_until)))
      .executeTakeFirst();
    if (Number(out.numUpdatedRows) === 1) return { accountId: c.account_id, id: c.id };
  }
  return undefined;
}

/** Moves this worker's lock to `until` (null: releases it); false when another worker holds it now. */
export async function moveJobLock(
  db: Kysely<DB>,
  table: JobTable,
  accountId: string,
  id: string,
  worker: string,
  until: number | null,
): Promise<boolean> {
  const k = db as unknown as Kysely<
    Record<JobTable, { account_id: string; id: string; locked_by: string | null; locked_until: number | null }>
  >;
  const out = await k
    .updateTable(table)
    .set(until === null ? { locked_by: null, locked_until: null } : { locked_until: until })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('locked_by', '=', worker)
    .executeTakeFirst();
  return Number(out.numUpdatedRows) === 1;
}
