import {
  IdParams,
  ListOf,
  ListQuery,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
  WebhookReplay,
  WebhookReplayResult,
  WebhookRotateSecret,
} from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, optionalBody, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  replay,
  rotateSecret,
  sendTest,
  updateEndpoint,
  type UrlPolicy,
} from '../endpoints.js';
import { resolveHost } from '../sender.js';
import { webhookSettings } from '../settings.js';
import { deliveryOut, endpointOut } from './wire.js';

const tags = ['webhooks'];
const permission = 'webhooks:manage';
const policy = (): UrlPolicy => ({ allowPrivate: webhookSettings().allowPrivateNetworks, resolve: resolveHost });

export function endpointRoutes(app: App, services: Services): void {
  app.get('/v1/webhook-endpoints', {
    config: { permission },
    schema: {
      tags,
      operationId: 'listWebhookEndpoints',
      summary: 'List webhook endpoints',
      description: 'The endpoints events are delivered to, with their state (active, parked, disabled) and backlog.',
      querystring: ListQuery,
      response: answers(200, ListOf(WebhookEndpoint), []),
    },
    handler: async (req) =>
      pageOut(await listEndpoints(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), endpointOut),
  });

  app.post('/v1/webhook-endpoints', {
    config: { permission },
    schema: {
      tags,
      operationId: 'createWebhookEndpoint',
      summary: 'Add a webhook endpoint',
      description:
        'Events are POSTed to `url`, signed per Standard Webhooks. The answer carries the signing secret (`whsec_…`) once; it is stored sealed and never shown again. The URL must be https and resolve to public addresses.',
      body: WebhookEndpointCreate,
      response: answers(201, WebhookEndpointWithSecret, ['WEBHOOK_URL_REFUSED', 'UNKNOWN_REFERENCE']),
    },
    handler: async (req, reply) => {
      const { view, secret } = await createEndpoint(contextOf(services, req), req.body, policy());
      return reply.code(201).send({ ...endpointOut(view), secret });
    },
  });

  app.get('/v1/webhook-endpoints/:id', {
    config: { permission },
    schema: {
      tags,
      operationId: 'getWebhookEndpoint',
      summary: 'Read a webhook endpoint',
      description: 'The endpoint, its state and backlog; never its secret.',
      params: IdParams,
      response: answers(200, WebhookEndpoint, ['NOT_FOUND']),
    },
    handler: async (req) => endpointOut(await getEndpoint(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/webhook-endpoints/:id', {
    config: { permission },
    schema: {
      tags,
      operationId: 'updateWebhookEndpoint',
      summary: 'Change a webhook endpoint',
      description: 'Changes the fields sent. `enabled: true` on a disabled or parked endpoint resumes its backlog, in order.',
      params: IdParams,
      body: WebhookEndpointPatch,
      response: answers(200, WebhookEndpoint, ['NOT_FOUND', 'WEBHOOK_URL_REFUSED', 'UNKNOWN_REFERENCE']),
    },
    handler: async (req) => endpointOut(await updateEndpoint(contextOf(services, req), req.params.id, req.body, policy())),
  });

  app.delete('/v1/webhook-endpoints/:id', {
    config: { permission },
    schema: {
      tags,
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint',
      description: 'Deletes the endpoint with its queued deliveries and delivery log.',
      params: IdParams,
      response: noContent(['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      await deleteEndpoint(contextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });

  app.post('/v1/webhook-endpoints/:id/rotate-secret', {
    config: { permission },
    schema: {
      tags,
      operationId: 'rotateWebhookSecret',
      summary: "Rotate an endpoint's signing secret",
      description:
        'A new secret, shown once in the answer. For `overlap` (default P1D) deliveries carry both signatures in `webhook-signature`, so receivers can switch without missing one.',
      params: IdParams,
      body: optionalBody(WebhookRotateSecret),
      response: answers(200, WebhookEndpointWithSecret, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { view, secret } = await rotateSecret(contextOf(services, req), req.params.id, req.body ?? {});
      return { ...endpointOut(view), secret };
    },
  });

  app.post('/v1/webhook-endpoints/:id/test', {
    config: { permission },
    schema: {
      tags,
      operationId: 'testWebhookEndpoint',
      summary: 'Send a test event',
      description: 'Queues a `webhook.test` event for this endpoint only; the answer is its delivery (follow it in the delivery log).',
      params: IdParams,
      response: answers(202, WebhookDelivery, ['NOT_FOUND']),
    },
    handler: async (req, reply) => reply.code(202).send(deliveryOut(await sendTest(contextOf(services, req), req.params.id))),
  });

  app.post('/v1/webhook-endpoints/:id/replay', {
    config: { permission },
    schema: {
      tags,
      operationId: 'replayWebhookEvents',
      summary: 'Send a time range of events again',
      description:
        'Queues again every event recorded from `from` (inclusive) to `to` (exclusive) that the endpoint subscribes to, in order; each keeps its webhook-id (the event id), so a receiver that still has it dedupes it. At most 10,000 events per call.',
      params: IdParams,
      body: WebhookReplay,
      response: answers(202, WebhookReplayResult, ['NOT_FOUND']),
    },
    handler: async (req, reply) => reply.code(202).send({ queued: await replay(contextOf(services, req), req.params.id, req.body) }),
  });
}
