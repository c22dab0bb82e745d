import { Type, type Static } from 'typebox';
import { Timestamp } from '../common.js';
import { EVENT_TYPE_NAMES } from './events.js';

/** `["*"]` for every event type, or names from the closed list (EVENT_TYPES). */
export const WebhookEventSelection = Type.Array(Type.Union([Type.Literal('*'), Type.Enum(EVENT_TYPE_NAMES)]), {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description: 'Event types this endpoint receives (the closed list of EVENT_TYPES), or ["*"] for all',
});

const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  description: 'Where deliveries are POSTed: https, resolving to public addresses (unless private networks are allowed)',
});

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(Type.String()),
    productId: Type.Union([Type.String(), Type.Null()], { description: "Only this product's events (null: all)" }),
    enabled: Type.Boolean(),
    state: Type.Union([Type.Literal('active'), Type.Literal('parked'), Type.Literal('disabled')], {
      description: 'parked: the circuit breaker holds deliveries after repeated failures and probes again later',
    }),
    disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'gone: the receiver answered 410' }),
    parkedUntil: Type.Union([Timestamp, Type.Null()]),
    failingSince: Type.Union([Timestamp, Type.Null()], {
      description: 'Set when a delivery failed after its last attempt; cleared by the next successful delivery',
    }),
    backlog: Type.Integer({ description: 'Deliveries waiting (pending or being sent)' }),
    previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'Until then deliveries are signed with the previous secret too (after rotate-secret)',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'WebhookEndpoint' },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** Creation and rotation answer the signing secret, once. */
export const WebhookEndpointWithSecret = Type.Object(
  { ...WebhookEndpoint.properties, secret: Type.String({ description: 'whsec_…: shown only in this answer' }) },
  { title: 'WebhookEndpointWithSecret' },
);
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecret>;

export const WebhookEndpointCreate = Type.Object(
  {
    url: Url,
    events: Type.Optional(WebhookEventSelection),
    enabled: Type.Optional(Type.Boolean()),
    productId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type WebhookEndpointCreate = Static<typeof WebhookEndpointCreate>;

export const WebhookEndpointPatch = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(WebhookEventSelection),
    enabled: Type.Optional(Type.Boolean()),
    productId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WebhookEndpointPatch = Static<typeof WebhookEndpointPatch>;

export const WebhookRotateSecret = Type.Object(
  {
    overlap: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 20,
        description: 'How long the old secret still signs: an ISO 8601 duration up to P30D (default P1D)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebhookRotateSecret = Static<typeof WebhookRotateSecret>;

export const WebhookReplay = Type.Object(
  { from: Timestamp, to: Timestamp },
  { additionalProperties: false, description: 'Events recorded from `from` (inclusive) to `to` (exclusive) are sent again' },
);
export type WebhookReplay = Static<typeof WebhookReplay>;

export const WebhookReplayResult = Type.Object({ queued: Type.Integer() }, { title: 'WebhookReplayResult' });

export const WebhookAttempt = Type.Object(
  {
    n: Type.Integer(),
    at: Timestamp,
    status: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status (null: no answer)" }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'timeout, connection reset, refused address, …' }),
    responseExcerpt: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KB of the answer body' }),
    durationMs: Type.Integer(),
  },
  { title: 'WebhookAttempt' },
);
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    endpointId: Type.String(),
    eventId: Type.String({ description: 'Also the webhook-id header: the same on every attempt' }),
    eventType: Type.String(),
    subjectId: Type.String(),
    status: Type.Enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    deliveredAt: Type.Union([Timestamp, Type.Null()]),
    attemptLog: Type.Array(WebhookAttempt),
  },
  { title: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.Enum(WEBHOOK_DELIVERY_STATUSES)),
});
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuery>;

/** What a receiver gets: the Standard Webhooks body, with the event as `data`. */
export interface WebhookPayload<E = unknown> {
  type: string;
  timestamp: string;
  data: E;
}
