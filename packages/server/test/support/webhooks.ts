import { sql } from 'kysely';
import type { Harness } from './harness.js';
import { WebhookDispatcher } from '../../src/capabilities/webhooks/dispatcher.js';
import { WebhookDispatchRepository } from '../../src/capabilities/webhooks/store/dispatch.js';
import { webhookSettings } from '../../src/capabilities/webhooks/settings.js';
import type { Services } from '../../src/platform/http/services.js';

/** A dispatcher on the harness's services; jitter pinned to the middle (random 0.5: no jitter) unless told. */
export function dispatcherFor(services: Services, worker = 'test-worker', random: () => number = () => 0.5): WebhookDispatcher {
  return new WebhookDispatcher(services, new WebhookDispatchRepository(services.store.database), worker, webhookSettings, random);
}

/** The next time anything could be claimed: the earliest pending delivery's due time, past its endpoint's park. */
export async function nextDue(h: Harness): Promise<number | null> {
  const rows = await sql<{ due: number | string | null }>`
    select min(case when e.parked_until is not null and e.parked_until > d.next_at then e.parked_until else d.next_at end) as due
    from webhook_deliveries d join webhook_endpoints e on e.account_id = d.account_id and e.id = d.endpoint_id
    where d.status = 'pending' and e.enabled = 1`.execute(h.services.store.database.db);
  const due = rows.rows[0]?.due;
  return due === null || due === undefined ? null : Number(due);
}

/**
 * Runs the dispatcher over simulated time: drains what is due, moves the clock to the next due
 * time, and again, until `until` (or nothing is left). No sleeping: the clock is the harness's.
 */
export async function runUntil(h: Harness, d: WebhookDispatcher, until: number): Promise<void> {
  for (;;) {
    await d.drain();
    const due = await nextDue(h);
    if (due === null || due > until) {
      h.clock.set(Math.max(h.clock.now(), until));
      return;
    }
    h.clock.set(Math.max(due, h.clock.now()));
  }
}

export async function createEndpoint(h: Harness, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await h.call('POST', '/v1/webhook-endpoints', body);
  if (res.status !== 201) throw new Error(`creating an endpoint answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
