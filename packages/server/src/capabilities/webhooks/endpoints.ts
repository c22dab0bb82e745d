/** Webhook endpoints: where events go, with a signing secret shown once and kept sealed. */
import type { WebhookEndpointCreate, WebhookEndpointPatch, WebhookReplay, WebhookRotateSecret } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { timeFrom } from '../../platform/domain/dates.js';
import { durationMillis, isPositiveDuration } from '../../foundation/durations.js';
import { recordEvent } from '../events/record.js';
import { refusalOfUrl, type Resolve } from './address-guard.js';
import { SECRET_PURPOSE } from './dispatcher.js';
import type { DeliveryStatus, WebhookDeliveryRecord, WebhookEndpointRecord } from './ports.js';
import { wants } from './schedule.js';
import { newSigningSecret } from './signing.js';

/** An endpoint as the API shows it: the record and its backlog (never the secret). */
export interface EndpointView {
  endpoint: WebhookEndpointRecord;
  backlog: number;
  now: number;
}

const MAX_OVERLAP_MS = 30 * 86_400_000;
/** Events one replay may queue (a wider range is refused: ask for it in parts). */
export const MAX_REPLAY = 10_000;

/** The fields of an endpoint an event shows: never a secret, sealed or not. */
const visible = (e: WebhookEndpointRecord) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  productId: e.productId,
  enabled: e.enabled,
});

async function requireEndpoint(tx: Tx, id: string, lock = false): Promise<WebhookEndpointRecord> {
  const found = lock ? await tx.webhookEndpoints.lock(id) : await tx.webhookEndpoints.find(id);
  if (!found) throw notFound('webhook endpoint', id);
  return found;
}

async function viewOf(tx: Tx, ctx: Context, endpoint: WebhookEndpointRecord): Promise<EndpointView> {
  const backlog = (await tx.webhookEndpoints.backlogs([endpoint.id])).get(endpoint.id) ?? 0;
  return { endpoint, backlog, now: ctx.clock.now() };
}

async function checkUrl(url: string, allowPrivate: boolean, resolve: Resolve): Promise<void> {
  const refusal = await refusalOfUrl(url, allowPrivate, resolve);
  if (refusal) throw new DomainError('WEBHOOK_URL_REFUSED', `The webhook URL ${refusal}.`, { field: 'url', reason: refusal });
}

async function productIdOf(tx: Tx, ref: string | null | undefined): Promise<string | null> {
  if (ref === undefined || ref === null) return null;
  const product = await tx.products.find(ref);
  if (!product) throw new DomainError('UNKNOWN_REFERENCE', `No product ${JSON.stringify(ref)} in this account.`, { field: 'productId' });
  return product.id;
}

export interface UrlPolicy {
  allowPrivate: boolean;
  resolve: Resolve;
}

export async function createEndpoint(
  ctx: Context,
  input: WebhookEndpointCreate,
  policy: UrlPolicy,
): Promise<{ view: EndpointView; secret: string }> {
  // The URL is checked before the transaction: a DNS answer may take a while.
  await checkUrl(input.url, policy.allowPrivate, policy.resolve);
  const secret = newSigningSecret();
  return ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const endpoint: WebhookEndpointRecord = {
      id: ctx.ids.next('webhook'),
      url: input.url,
      description: input.description ?? null,
      events: input.events ?? ['*'],
      productId: await productIdOf(tx, input.productId),
      enabled: input.enabled ?? true,
      disabledReason: null,
      secretSealed: ctx.secrets.encrypt(SECRET_PURPOSE, secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      consecutiveFailures: 0,
      parkedUntil: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await tx.webhookEndpoints.insert(endpoint);
    await recordEvent(tx, ctx, {
      type: 'webhook_endpoint.created',
      subjectType: 'webhook_endpoint',
      subjectId: endpoint.id,
      productId: endpoint.productId,
      after: visible(endpoint),
    });
    return { view: await viewOf(tx, ctx, endpoint), secret };
  });
}

export function getEndpoint(ctx: Context, id: string): Promise<EndpointView> {
  return ctx.store.read(async (tx) => viewOf(tx, ctx, await requireEndpoint(tx, id)));
}

export function listEndpoints(ctx: Context, page: PageRequest): Promise<Page<EndpointView>> {
  return ctx.store.read(async (tx) => {
    const found = await tx.webhookEndpoints.list(page);
    const backlogs = await tx.webhookEndpoints.backlogs(found.items.map((e) => e.id));
    const now = ctx.clock.now();
    return { items: found.items.map((endpoint) => ({ endpoint, backlog: backlogs.get(endpoint.id) ?? 0, now })), next: found.next };
  });
}

/** Enabling again clears the breaker and a 410's disabling: the backlog resumes in order. */
export async function updateEndpoint(ctx: Context, id: string, patch: WebhookEndpointPatch, policy: UrlPolicy): Promise<EndpointView> {
  if (patch.url !== undefined) await checkUrl(patch.url, policy.allowPrivate, policy.resolve);
  return ctx.store.write(async (tx) => {
    const before = await requireEndpoint(tx, id, true);
    const after: WebhookEndpointRecord = {
      ...before,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: patch.events } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.productId !== undefined ? { productId: await productIdOf(tx, patch.productId) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      updatedAt: ctx.clock.now(),
    };
    if (patch.enabled === true && !before.enabled)
      Object.assign(after, { disabledReason: null, consecutiveFailures: 0, parkedUntil: null });
    await tx.webhookEndpoints.update(after);
    await recordEvent(tx, ctx, {
      type: 'webhook_endpoint.updated',
      subjectType: 'webhook_endpoint',
      subjectId: after.id,
      productId: after.productId,
      before: visible(before),
      after: visible(after),
    });
    return viewOf(tx, ctx, after);
  });
}

export function deleteEndpoint(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const endpoint = await requireEndpoint(tx, id, true);
    await tx.webhookEndpoints.delete(endpoint.id);
    await recordEvent(tx, ctx, {
      type: 'webhook_endpoint.deleted',
      subjectType: 'webhook_endpoint',
      subjectId: endpoint.id,
      productId: endpoint.productId,
      before: visible(endpoint),
    });
  });
}

/** A new secret, shown once; the old one goes on signing beside it for the overlap (default a day). */
export function rotateSecret(ctx: Context, id: string, input: WebhookRotateSecret): Promise<{ view: EndpointView; secret: string }> {
  const overlap = input.overlap ?? 'P1D';
  if (!isPositiveDuration(overlap) || durationMillis(overlap) > MAX_OVERLAP_MS) {
    throw invalid('overlap', 'overlap must be an ISO 8601 duration of at most P30D, such as PT1H or P1D.');
  }
  const secret = newSigningSecret();
  return ctx.store.write(async (tx) => {
    const before = await requireEndpoint(tx, id, true);
    const now = ctx.clock.now();
    const after: WebhookEndpointRecord = {
      ...before,
      secretSealed: ctx.secrets.encrypt(SECRET_PURPOSE, secret),
      previousSecretSealed: before.secretSealed,
      previousSecretExpiresAt: now + durationMillis(overlap),
      updatedAt: now,
    };
    await tx.webhookEndpoints.update(after);
    await recordEvent(tx, ctx, {
      type: 'webhook_endpoint.secret_rotated',
      subjectType: 'webhook_endpoint',
      subjectId: after.id,
      productId: after.productId,
      context: { previousSecretExpiresAt: new Date(after.previousSecretExpiresAt!).toISOString() },
    });
    return { view: await viewOf(tx, ctx, after), secret };
  });
}

/** Records a `webhook.test` event and queues it for this endpoint only. */
export function sendTest(ctx: Context, id: string): Promise<WebhookDeliveryRecord> {
  return ctx.store.write(async (tx) => {
    const endpoint = await requireEndpoint(tx, id);
    const eventId = ctx.ids.next('event');
    const now = ctx.clock.now();
    await tx.events.append({
      id: eventId,
      type: 'webhook.test',
      subjectType: 'webhook_endpoint',
      subjectId: endpoint.id,
      customerId: null,
      entitlementId: null,
      productId: endpoint.productId,
      actor: ctx.actor,
      requestId: ctx.requestId,
      before: null,
      after: { message: 'A test event from Leasehold' },
      at: now,
    });
    const deliveryId = ctx.ids.next('webhookDelivery');
    await tx.webhookDeliveries.enqueue({
      id: deliveryId,
      endpointId: endpoint.id,
      event: { id: eventId, type: 'webhook.test', subjectId: endpoint.id },
      now,
    });
    return (await tx.webhookDeliveries.find(deliveryId))!;
  });
}

/** Sends again the events of [from, to) this endpoint wants, in their order; the webhook-ids stay the events' ids. */
export function replay(ctx: Context, id: string, range: WebhookReplay): Promise<number> {
  const from = timeFrom('from', range.from);
  const to = timeFrom('to', range.to);
  if (to <= from) throw invalid('to', '`to` must be later than `from`.');
  return ctx.store.write(async (tx) => {
    const endpoint = await requireEndpoint(tx, id);
    const events = await tx.webhookDeliveries.eventsBetween(from, to, MAX_REPLAY + 1);
    if (events.length > MAX_REPLAY) {
      throw invalid('to', `The range holds more than ${MAX_REPLAY} events; replay it in parts.`, { max: MAX_REPLAY });
    }
    const now = ctx.clock.now();
    let queued = 0;
    for (const event of events) {
      if (!wants({ ...endpoint, enabled: true }, event)) continue;
      await tx.webhookDeliveries.enqueue({ id: ctx.ids.next('webhookDelivery'), endpointId: endpoint.id, event, now });
      queued++;
    }
    return queued;
  });
}

export function listDeliveries(
  ctx: Context,
  endpointId: string,
  status: DeliveryStatus | undefined,
  page: PageRequest,
): Promise<Page<WebhookDeliveryRecord>> {
  return ctx.store.read(async (tx) => {
    const endpoint = await requireEndpoint(tx, endpointId);
    return tx.webhookDeliveries.list(endpoint.id, status, page);
  });
}

/** A failed or delivered delivery is sent again from its first attempt (same webhook-id). */
export function retryDelivery(ctx: Context, id: string): Promise<WebhookDeliveryRecord> {
  return ctx.store.write(async (tx) => {
    const delivery = await tx.webhookDeliveries.find(id);
    if (!delivery) throw notFound('webhook delivery', id);
    if (delivery.status === 'pending' || delivery.status === 'sending') {
      throw new DomainError('INVALID_STATE', 'The delivery is still queued; it is retried on its schedule.', { status: delivery.status });
    }
    await tx.webhookDeliveries.requeue(id, ctx.clock.now());
    return (await tx.webhookDeliveries.find(id))!;
  });
}
