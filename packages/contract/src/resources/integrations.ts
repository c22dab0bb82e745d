import { Type, type Static } from 'typebox';
import { Duration, IdOrCode, Name, Timestamp } from '../common.js';
import { ExternalRef } from './customers.js';

/** The inbound billing integrations: Stripe's webhooks, and the generic signed endpoint for any other system. */
export const INTEGRATION_PROVIDERS = ['stripe', 'generic'] as const;
export type IntegrationProvider = (typeof INTEGRATION_PROVIDERS)[number];

/** What a subscription that stops being paid (Stripe `past_due`, `unpaid`, `paused`) does to its entitlement. */
export const PAYMENT_FAILURE_ACTIONS = ['suspend', 'fallback'] as const;
export type PaymentFailureAction = (typeof PAYMENT_FAILURE_ACTIONS)[number];

const PriceId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s]+$' });
const PriceOfferings = Type.Record(PriceId, IdOrCode, {
  description:
    'Stripe price id → the offering (code or id) a subscription to it holds; checked before the price metadata `leasehold_offering`',
  maxProperties: 500,
});

export const Integration = Type.Object(
  {
    provider: Type.Enum(INTEGRATION_PROVIDERS),
    secretSet: Type.Boolean({ description: 'Whether events can be verified (the secret itself is never shown again)' }),
    webhookPath: Type.String({
      description: 'Where the billing system posts, relative to the server: `/v1/integrations/…/webhook?account=…`',
    }),
    prices: PriceOfferings,
    onPaymentFailure: Type.Enum(PAYMENT_FAILURE_ACTIONS, {
      description: '`suspend` the entitlement while a subscription is unpaid, or move it to `fallbackOffering` (Stripe only)',
    }),
    fallbackOffering: Type.Union([Type.String(), Type.Null()]),
    renewalGrace: Duration,
    updatedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'Integration' },
);
export type Integration = Static<typeof Integration>;

export const IntegrationWrite = Type.Object(
  {
    signingSecret: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 200,
        pattern: '^whsec_[A-Za-z0-9+/=_-]+$',
        description:
          'Write-only: Stripe’s endpoint signing secret, or for the generic endpoint a Standard Webhooks secret (`whsec_` + base64 of 24–64 random bytes)',
      }),
    ),
    prices: Type.Optional(PriceOfferings),
    onPaymentFailure: Type.Optional(Type.Enum(PAYMENT_FAILURE_ACTIONS)),
    fallbackOffering: Type.Optional(Type.Union([IdOrCode, Type.Null()])),
    renewalGrace: Type.Optional(Duration),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type IntegrationWrite = Static<typeof IntegrationWrite>;

export const INBOUND_OUTCOMES = ['applied', 'unchanged', 'stale', 'ignored', 'failed'] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

export const InboundEvent = Type.Object(
  {
    id: Type.String(),
    provider: Type.Enum(INTEGRATION_PROVIDERS),
    eventId: Type.String({ description: 'The sender’s id for the event (Stripe `evt_…`, the generic endpoint’s `webhook-id`)' }),
    type: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()], { description: 'The subscription (or order) the event is about' }),
    entitlementId: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.Enum(INBOUND_OUTCOMES, {
      description:
        '`applied` changed something; `unchanged` changed nothing new; `stale` was older than a change already applied; `ignored` is not about licensing (or names no mapped price); `failed` was refused and may be sent again',
    }),
    detail: Type.Union([Type.String(), Type.Null()]),
    occurredAt: Timestamp,
    receivedAt: Timestamp,
  },
  { title: 'InboundEvent' },
);
export type InboundEvent = Static<typeof InboundEvent>;

export const InboundReceipt = Type.Object(
  {
    received: Type.Literal(true),
    duplicate: Type.Boolean({ description: 'The event id was processed before; nothing was done again' }),
    outcome: Type.Enum(INBOUND_OUTCOMES),
    entitlementId: Type.Union([Type.String(), Type.Null()]),
    detail: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'InboundReceipt' },
);
export type InboundReceipt = Static<typeof InboundReceipt>;

export const InboundQuery = Type.Object(
  {
    account: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The account (acc_…); the server’s first account when left out' }),
    ),
  },
  { additionalProperties: false },
);

export const GENERIC_ACTIONS = ['create', 'renew', 'suspend', 'resume', 'change_offering', 'end'] as const;
export type GenericAction = (typeof GENERIC_ACTIONS)[number];

/**
 * The body a billing or CRM system posts to `/v1/integrations/generic/webhook`, signed the Standard
 * Webhooks way. One entitlement per `entitlement.externalRef` (the system's subscription or order id).
 */
export const GenericMessage = Type.Object(
  {
    action: Type.Enum(GENERIC_ACTIONS),
    entitlement: Type.Object({ externalRef: ExternalRef }, { additionalProperties: false }),
    customer: Type.Optional(
      Type.Object(
        {
          externalRef: ExternalRef,
          name: Type.Optional(Name),
          email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
    offering: Type.Optional(IdOrCode),
    endsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    occurredAt: Type.Optional(Timestamp),
  },
  { additionalProperties: true, title: 'GenericBillingMessage' },
);
export type GenericMessage = Static<typeof GenericMessage>;
