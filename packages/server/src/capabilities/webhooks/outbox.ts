/**
 * The outbox's write side: an event's deliveries are written in the event's own transaction (the
 * reason none is ever lost is in ports.ts). recordEvent (events/record.ts) calls `fanOut` for
 * every event it appends.
 *
 * A feed position for other readers of the outbox (the reporting store, issue 20): read the
 * deliveries of an internal endpoint the same way, or keep to the `events` table with the rule
 * that makes "after the last id seen" safe, which is what this module gives the webhooks: a
 * reader must only follow rows written in the transaction of the event, never a position taken
 * from ids or times that a slower transaction can still fill in behind.
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
