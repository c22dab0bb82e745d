import type { WebhookDelivery, WebhookEndpoint } from '@leasehold/contract';
import { iso, isoOrNull } from '../../../platform/http/wire.js';
import type { EndpointView } from '../endpoints.js';
import type { WebhookDeliveryRecord } from '../ports.js';
import { endpointState } from '../schedule.js';

/** An endpoint on the wire: never its secret, sealed or not (the response schema drops it too). */
export const endpointOut = ({ endpoint: e, backlog, now }: EndpointView): WebhookEndpoint => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  productId: e.productId,
  enabled: e.enabled,
  state: endpointState(e, now),
  disabledReason: e.disabledReason,
  parkedUntil: isoOrNull(e.parkedUntil),
  failingSince: isoOrNull(e.failingSince),
  backlog,
  previousSecretExpiresAt: e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt > now ? iso(e.previousSecretExpiresAt) : null,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

export const deliveryOut = (d: WebhookDeliveryRecord): WebhookDelivery => ({
  id: d.id,
  endpointId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  subjectId: d.subjectId,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: isoOrNull(d.nextAt),
  createdAt: iso(d.createdAt),
  deliveredAt: isoOrNull(d.deliveredAt),
  attemptLog: d.attemptLog.map((a) => ({
    n: a.n,
    at: iso(a.at),
    status: a.status,
    error: a.error,
    responseExcerpt: a.excerpt,
    durationMs: a.durationMs,
  })),
});
