import { IdParams, ListOf, WebhookDelivery, WebhookDeliveryQuery } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import { listDeliveries, retryDelivery } from '../endpoints.js';
import { deliveryOut } from './wire.js';

const tags = ['webhooks'];
const permission = 'webhooks:manage';

export function deliveryRoutes(app: App, services: Services): void {
  app.get('/v1/webhook-endpoints/:id/deliveries', {
    config: { permission },
    schema: {
      tags,
      operationId: 'listWebhookDeliveries',
      summary: "An endpoint's delivery log",
      description:
        'Newest first: each delivery with its status (pending, sending, delivered, failed), its attempts, and for each attempt the response status, the first 1 KB of the response body and the duration.',
      params: IdParams,
      querystring: WebhookDeliveryQuery,
      response: answers(200, ListOf(WebhookDelivery), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await listDeliveries(contextOf(services, req), req.params.id, req.query.status, {
          limit: req.query.limit ?? 50,
          cursor: req.query.cursor,
        }),
        deliveryOut,
      ),
  });

  app.post('/v1/webhook-deliveries/:id/retry', {
    config: { permission },
    schema: {
      tags,
      operationId: 'retryWebhookDelivery',
      summary: 'Send a delivery again',
      description: 'A failed (or delivered) delivery is queued again from its first attempt, with the same webhook-id.',
      params: IdParams,
      response: answers(202, WebhookDelivery, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req, reply) => reply.code(202).send(deliveryOut(await retryDelivery(contextOf(services, req), req.params.id))),
  });
}
