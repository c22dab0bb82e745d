/**
 * The dispatcher: a consumer of the outbox, off the request path. Each process runs one; it claims
 * due deliveries from the database (store/dispatch.ts), sends them without waiting for one another
 * (a slow or dead receiver holds at most its endpoint's few slots, never another endpoint's
 * deliveries), and writes each attempt's outcome as schedule.ts decides it.
 */
import { formatTimestamp, type WebhookPayload } from '@leasehold/contract';
import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';
import type { Context } from '../../platform/domain/context.js';
import type { AccountStore } from '../../platform/domain/ports.js';
import type { EventRecord } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import type { AttemptResult, ClaimedDelivery, WebhookDispatchPort } from './ports.js';
import { BREAKER_AFTER, decideAttempt, MAX_AGE_MS } from './schedule.js';
import { send } from './sender.js';
import { webhookSettings, type WebhookSettings } from './settings.js';
import { signatureHeader } from './signing.js';

/** The master key's purpose for signing secrets. */
export const SECRET_PURPOSE = 'webhook-secret';
/** Attempts one process has in flight at most. */
const PROCESS_IN_FLIGHT = 64;

export interface DispatcherServices {
  store: { forAccount(scope: { accountId: string; productId: null }): AccountStore };
  clock: Clock;
  ids: IdGenerator;
  secrets: MasterKey;
}

/** The Standard Webhooks body: the event as `data`. */
export function payloadOf(event: EventRecord): WebhookPayload {
  const { at, ...rest } = event;
  return { type: event.type, timestamp: formatTimestamp(at), data: { ...rest, at: formatTimestamp(at) } };
}

export function systemContext(services: DispatcherServices, accountId: string): Context {
  return {
    store: services.store.forAccount({ accountId, productId: null }),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    actor: { type: 'system', id: null },
    requestId: null,
  };
}

export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly services: DispatcherServices,
    private readonly port: WebhookDispatchPort,
    private readonly worker: string,
    private readonly settings: () => WebhookSettings = webhookSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** Claims what is due and starts sending it; resolves once claimed (the attempts go on). */
  async tick(): Promise<number> {
    const room = PROCESS_IN_FLIGHT - this.inFlight.size;
    if (room <= 0) return 0;
    const s = this.settings();
    const claimed = await this.port.claim(this.worker, this.services.clock.now(), {
      cap: s.concurrency,
      breakerAfter: BREAKER_AFTER,
      // Longer than any attempt may take, so only a dead (or stalled) process loses its claims.
      claimMs: 2 * s.timeoutMs + 1_000,
      limit: room,
    });
    for (const c of claimed) {
      const attempt: Promise<void> = this.deliver(c, s).finally(() => this.inFlight.delete(attempt));
      this.inFlight.add(attempt);
    }
    return claimed.length;
  }

  /** Resolves when every attempt started so far has been written. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Ticks and waits until nothing more is due now (tests, and the bench). */
  async drain(): Promise<void> {
    while ((await this.tick()) > 0 || this.inFlight.size > 0) await this.idle();
  }

  /** Deliveries whose schedule ended while their endpoint stayed parked are failed; old log rows go. */
  async sweep(): Promise<void> {
    const now = this.services.clock.now();
    for (const e of await this.port.expire(now - MAX_AGE_MS, now, 500)) {
      const ctx = systemContext(this.services, e.accountId);
      await ctx.store.write(async (tx) => {
        const endpoint = await tx.webhookEndpoints.lock(e.endpointId);
        if (!endpoint) return;
        if (endpoint.failingSince === null) await tx.webhookEndpoints.update({ ...endpoint, failingSince: now });
        await recordEvent(tx, ctx, {
          type: 'webhook_endpoint.failing',
          subjectType: 'webhook_endpoint',
          subjectId: endpoint.id,
          productId: endpoint.productId,
          context: { expired: e.count },
        });
      });
    }
    await this.port.prune(now - this.settings().retentionDays * 86_400_000, 1_000);
  }

  private async deliver(c: ClaimedDelivery, s: WebhookSettings): Promise<void> {
    const body = JSON.stringify(payloadOf(c.event));
    const timestamp = Math.floor(this.services.clock.now() / 1000);
    const secrets = c.secretsSealed.map((sealed) => this.services.secrets.decrypt(SECRET_PURPOSE, sealed));
    const result = await send({
      url: c.url,
      body,
      headers: {
        'webhook-id': c.event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, c.event.id, timestamp, body),
        'user-agent': 'Leasehold-Webhooks/1',
      },
      timeoutMs: s.timeoutMs,
      allowPrivateNetworks: s.allowPrivateNetworks,
      now: () => this.services.clock.now(),
    });
    await this.finish(c, result);
  }

  /** Writes the attempt and its outcome, under the endpoint's lock, while the claim is still ours. */
  private async finish(c: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const ctx = systemContext(this.services, c.accountId);
    await ctx.store.write(async (tx) => {
      const endpoint = await tx.webhookEndpoints.lock(c.endpointId);
      if (!endpoint) return;
      await tx.webhookDeliveries.logAttempt(c.deliveryId, c.attempt, result);
      if (!(await tx.webhookDeliveries.heldBy(c.deliveryId, this.worker, c.attempt))) return;
      const now = ctx.clock.now();
      const o = decideAttempt(endpoint, c.attempt, result, now, this.random);
      await tx.webhookDeliveries.settle(c.deliveryId, o.delivery, now);
      const after = {
        ...endpoint,
        consecutiveFailures: o.endpoint.consecutiveFailures,
        parkedUntil: o.endpoint.parkedUntil,
        failingSince: o.endpoint.failingSince,
        ...(o.endpoint.disable ? { enabled: false, disabledReason: 'gone', updatedAt: now } : {}),
      };
      if (JSON.stringify(after) !== JSON.stringify(endpoint)) await tx.webhookEndpoints.update(after);
      for (const notice of o.notices) {
        await recordEvent(tx, ctx, {
          type: notice === 'failing' ? 'webhook_endpoint.failing' : 'webhook_endpoint.disabled',
          subjectType: 'webhook_endpoint',
          subjectId: endpoint.id,
          productId: endpoint.productId,
          context: notice === 'failing' ? { deliveryId: c.deliveryId, eventId: c.event.id } : { reason: 'The receiver answered 410 Gone' },
        });
      }
    });
  }
}
