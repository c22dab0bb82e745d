import { Event, EventQuery, ListOf } from '@leasehold/contract';
import { listEvents } from '../../domain/events/list.js';
import { contextOf } from '../auth.js';
import { answers, bearer, type App } from '../route-kit.js';
import type { Services } from '../services.js';
import { eventOut, pageOut } from '../wire.js';

export function eventRoutes(app: App, services: Services): void {
  app.get('/v1/events', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      security: bearer,
      summary: 'The audit log, newest first; filter by subject, type (or prefix.*), customer, entitlement and time',
      querystring: EventQuery,
      response: answers(200, ListOf(Event)),
    },
    handler: async (req) => pageOut(await listEvents(contextOf(services, req), req.query), eventOut),
  });
}
