import { GenericMessage, InboundQuery, InboundReceipt, type IntegrationProvider } from '@leasehold/contract';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../../../platform/domain/context.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { defaultAccount } from '../../access/accounts.js';
import { receiveGenericMessage, receiveStripeEvent } from '../receive.js';
import type { Receipt } from '../inbound.js';

const tags = ['integrations'];

/** What either endpoint may refuse an event with; a refused event changes nothing, and the sender retries it. */
const REFUSALS = [
  'WEBHOOK_SIGNATURE_INVALID',
  'INTEGRATION_NOT_CONFIGURED',
  'NOT_FOUND',
  'UNKNOWN_REFERENCE',
  'DUPLICATE_EXTERNAL_REF',
  'CHANGE_NOT_ALLOWED',
  'INVALID_STATE',
  'DATE_OUT_OF_RANGE',
] as const;

/** Stripe's event envelope; the signature is checked over the body as received, before anything in it is used. */
const StripeEventBody = Type.Object(
  {
    id: Type.String({ maxLength: 255 }),
    type: Type.String({ maxLength: 255 }),
    created: Type.Integer(),
    data: Type.Object({ object: Type.Object({}) }),
  },
  { additionalProperties: true, title: 'StripeEvent' },
);

/** The account named by `?account=`, or the server's first; the actor is the integration. */
async function inboundContext(services: Services, req: FastifyRequest, provider: IntegrationProvider): Promise<Context> {
  const accountId = (req.query as { account?: string }).account ?? (await defaultAccount(services.store));
  return {
    store: services.store.forAccount({ accountId, productId: null }),
    clock: services.clock,
    ids: services.ids,
    secrets: services.secrets,
    actor: { type: 'integration', id: provider },
    requestId: req.id,
  };
}

const receiptOut = (r: Receipt) => ({ received: true as const, ...r });

/** The public, signature-verified endpoints billing systems post to (no API key: the signature is the credential). */
export function webhookRoutes(app: App, services: Services): void {
  app.post('/v1/integrations/stripe/webhook', {
    config: { public: true, rawBody: true },
    schema: {
      tags,
      operationId: 'receiveStripeEvent',
      summary: 'Stripe posts its subscription events here (verified by Stripe-Signature)',
      description:
        'Give Stripe this URL with `?account=acc_…` (the server’s first account when left out). Each event is verified with Stripe’s verifier against the account’s signing secret, applied once by its id, and ignored when older than a change already applied to its subscription. docs/billing.md lists the events to send and what each does.',
      querystring: InboundQuery,
      body: StripeEventBody,
      response: answers(200, InboundReceipt, REFUSALS),
    },
    handler: async (req) => {
      const ctx = await inboundContext(services, req, 'stripe');
      const signature = req.headers['stripe-signature'];
      return receiptOut(await receiveStripeEvent(ctx, req.rawBody ?? '', typeof signature === 'string' ? signature : undefined));
    },
  });

  app.post('/v1/integrations/generic/webhook', {
    config: { public: true, rawBody: true },
    schema: {
      tags,
      operationId: 'receiveBillingMessage',
      summary: 'Any billing or CRM system posts entitlement changes here, signed the Standard Webhooks way',
      description:
        'A message `{action, entitlement: {externalRef}, customer, offering, endsAt, occurredAt}` signed with the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (Standard Webhooks v1) under the account’s secret; applied once by its `webhook-id`. docs/billing.md has the actions and examples.',
      querystring: InboundQuery,
      body: GenericMessage,
      response: answers(200, InboundReceipt, REFUSALS),
    },
    handler: async (req) => {
      const ctx = await inboundContext(services, req, 'generic');
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const headers = { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') };
      return receiptOut(await receiveGenericMessage(ctx, req.rawBody ?? '', headers, req.body));
    },
  });
}
