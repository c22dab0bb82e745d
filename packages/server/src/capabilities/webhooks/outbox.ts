/**
 * The outbox's write side: an event's deliveries are written in the event's own transaction (the
 * reason none is ever lost is in ports.ts). recordEvent (events/record.ts) calls `fanOut` for
 * every event it appends.
 *
 * Other readers of the outbox (the reporting store, issue 20) get no feed position from this
 * change. Two designs keep such a reader from skipping a late commit, and either fits beside this
 * one: (1) the reader is an internal subscriber with delivery rows of its own, written here like
 * an endpoint's (exact, one row more per event); (2) on PostgreSQL the event row records its
 * transaction id (`pg_current_xact_id()`) and the reader takes only rows below the oldest
 * transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`), ordered by (xid, id); on
 * SQLite writers are serialised, so rowid order is commit order. A per-account counter taken in
 * the event's transaction would also do, but it makes every write of an account wait for the
 * previous one on PostgreSQL, which the seat and activation paths cannot afford.
 */
import type { Context } from '../../platform/domain/context.js';
import type { EventRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { wants } from './schedule.js';

export async function fanOut(tx: Tx, ctx: Pick<Context, 'ids' | 'clock'>, event: EventRecord): Promise<void> {
  if (event.type === 'webhook.test') return;
  const endpoints = await tx.webhookEndpoints.enabled();
  for (const endpoint of endpoints) {
    if (!wants(endpoint, event)) continue;
    await tx.webhookDeliveries.enqueue({ id: ctx.ids.next('webhookDelivery'), endpointId: endpoint.id, event, now: ctx.clock.now() });
  }
}
