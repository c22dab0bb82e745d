import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { DB } from '../../../platform/store/schema.js';
import type { Database } from '../../../platform/store/database.js';
import type { ClaimedDelivery, ClaimOptions, WebhookDispatchPort } from '../ports.js';
import { eventFromRow } from '../../events/store/events.js';

/**
 * Rows another process holds are skipped rather than waited for: `FOR UPDATE SKIP LOCKED` on
 * PostgreSQL. SQLite needs nothing: the claim runs in a write transaction (BEGIN IMMEDIATE), which
 * holds the database's one write lock, so claims of several processes on one file take turns.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any select; the rows locked are those of its FROM table
function skipLocked<QB extends SelectQueryBuilder<any, any, any>>(database: Database, qb: QB): QB {
  return database.dialect === 'postgres' ? (qb.forUpdate().skipLocked() as QB) : qb;
}

/** The dispatcher's queries across accounts (the account-scoped ones are in deliveries.ts). */
export class WebhookDispatchRepository implements WebhookDispatchPort {
  constructor(private readonly database: Database) {}

  /** Endpoints with work due now: enabled, not parked, a delivery due or a claim lapsed. */
  private due(db: Kysely<DB>, now: number, limit: number) {
    return db
      .selectFrom('webhook_endpoints as e')
      .selectAll('e')
      .where('e.enabled', '=', 1)
      .where((eb) => eb.or([eb('e.parked_until', 'is', null), eb('e.parked_until', '<=', now)]))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as d')
            .select('d.id')
            .whereRef('d.account_id', '=', 'e.account_id')
            .whereRef('d.endpoint_id', '=', 'e.id')
            .where((w) =>
              w.or([
                w.and([w('d.status', '=', 'pending'), w('d.next_at', '<=', now)]),
                w.and([w('d.status', '=', 'sending'), w('d.claimed_until', '<=', now)]),
              ]),
            ),
        ),
      )
      .limit(limit);
  }

  async claim(worker: string, now: number, o: ClaimOptions): Promise<ClaimedDelivery[]> {
    // A read first: most ticks find nothing due, and on SQLite a write transaction would take the
    // database's one write lock from the requests four times a second for nothing.
    if ((await this.due(this.database.db, now, 1).execute()).length === 0) return [];
    return this.database.db.transaction().execute(async (trx) => {
      const endpoints = await skipLocked(this.database, this.due(trx, now, o.limit)).execute();
      const claimed: ClaimedDelivery[] = [];
      for (const e of endpoints) {
        if (claimed.length >= o.limit) break;
        // A claim that lapsed belongs to a process that died (or stalled) mid-attempt: the delivery
        // goes back in line; the receiver may have had it, and dedupes it by its webhook-id. The
        // attempt is given back: it has no outcome in the log, and our crash is not the receiver's
        // failure, so it must not move the delivery along the retry schedule (a lapse counted as
        // an attempt made the next real failure wait 5 min instead of 5 s). A delivery that kills
        // every process that sends it is thus retried at each claim's lapse; the log shows no
        // attempt for it, and its endpoint's backlog grows, which is what an operator sees. Done
        // under the endpoint's lock, like every write to its deliveries' claims (locks are taken
        // endpoint first, then delivery, here and when an attempt is written, so they never cross).
        await trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: 'pending',
            claimed_by: null,
            claimed_until: null,
            next_at: now,
            attempts: eb('attempts', '-', 1),
            updated_at: now,
          }))
          .where('account_id', '=', e.account_id)
          .where('endpoint_id', '=', e.id)
          .where('status', '=', 'sending')
          .where('claimed_until', '<=', now)
          .execute();
        const inFlight = await trx
          .selectFrom('webhook_deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', e.account_id)
          .where('endpoint_id', '=', e.id)
          .where('status', '=', 'sending')
          .executeTakeFirstOrThrow();
        const slots = Math.min((e.consecutive_failures >= o.breakerAfter ? 1 : o.cap) - Number(inFlight.n), o.limit - claimed.length);
        if (slots <= 0) continue;
        const due = await trx
          .selectFrom('webhook_deliveries as d')
          .innerJoin('events as ev', (j) => j.onRef('ev.account_id', '=', 'd.account_id').onRef('ev.id', '=', 'd.event_id'))
          .selectAll('ev')
          .select(['d.id as delivery_id', 'd.attempts as delivery_attempts'])
          .where('d.account_id', '=', e.account_id)
          .where('d.endpoint_id', '=', e.id)
          .where('d.status', '=', 'pending')
          .where('d.next_at', '<=', now)
          // In order per subject: never while an earlier delivery of the same subject is unfinished.
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('webhook_deliveries as p')
                  .select('p.id')
                  .whereRef('p.account_id', '=', 'd.account_id')
                  .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
                  .whereRef('p.subject_id', '=', 'd.subject_id')
                  .whereRef('p.seq', '<', 'd.seq')
                  .where('p.status', 'in', ['pending', 'sending']),
              ),
            ),
          )
          .orderBy('d.queued_at')
          .orderBy('d.id')
          .limit(slots)
          .execute();
        const secrets = [e.secret, ...(e.previous_secret && (e.previous_secret_expires_at ?? 0) > now ? [e.previous_secret] : [])];
        for (const row of due) {
          const attempt = row.delivery_attempts + 1;
          await trx
            .updateTable('webhook_deliveries')
            .set({ status: 'sending', claimed_by: worker, claimed_until: now + o.claimMs, attempts: attempt, updated_at: now })
            .where('account_id', '=', e.account_id)
            .where('id', '=', row.delivery_id)
            .execute();
          const { delivery_id, delivery_attempts: _a, ...event } = row;
          claimed.push({
            accountId: e.account_id,
            deliveryId: delivery_id,
            endpointId: e.id,
            url: e.url,
            secretsSealed: secrets,
            attempt,
            event: eventFromRow(event),
          });
        }
      }
      return claimed;
    });
  }

  expire(before: number, now: number, limit: number): Promise<Array<{ accountId: string; endpointId: string; count: number }>> {
    return this.database.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('webhook_deliveries')
        .select(['account_id', 'id', 'endpoint_id'])
        .where('status', '=', 'pending')
        .where('queued_at', '<', before)
        .limit(limit)
        .execute();
      const by = new Map<string, { accountId: string; endpointId: string; count: number }>();
      for (const r of rows) {
        const done = await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', next_at: null, updated_at: now })
          .where('account_id', '=', r.account_id)
          .where('id', '=', r.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) continue;
        const key = `${r.account_id} ${r.endpoint_id}`;
        const entry = by.get(key) ?? { accountId: r.account_id, endpointId: r.endpoint_id, count: 0 };
        entry.count++;
        by.set(key, entry);
      }
      return [...by.values()];
    });
  }

  async prune(before: number, limit: number): Promise<number> {
    const rows = await this.database.db
      .selectFrom('webhook_deliveries')
      .select(['account_id', 'id'])
      .where('status', 'in', ['delivered', 'failed'])
      .where('queued_at', '<', before)
      .limit(limit)
      .execute();
    for (const r of rows) {
      await this.database.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('webhook_attempts').where('account_id', '=', r.account_id).where('delivery_id', '=', r.id).execute();
        await trx.deleteFrom('webhook_deliveries').where('account_id', '=', r.account_id).where('id', '=', r.id).execute();
      });
    }
    return rows.length;
  }

  async backlog(): Promise<number> {
    const row = await this.database.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
