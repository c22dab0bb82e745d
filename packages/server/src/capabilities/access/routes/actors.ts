import { ActorName, ListOf } from '@leasehold/contract';
import { Type } from 'typebox';
import { actorNames } from '../actors.js';
import { contextOf } from './auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';

export function actorRoutes(app: App, services: Services): void {
  app.get('/v1/actors', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['access'],
      operationId: 'listActorNames',
      summary: 'Names of the account\'s console users and API keys, for the event log\'s "by"',
      description:
        'Who an event actor id stands for: the name of each console user and live API key, and nothing else (no email, role or secret). Readable by anyone who may read the event log.',
      querystring: Type.Object({}),
      response: answers(200, ListOf(ActorName), []),
    },
    handler: async (req) => ({ data: await actorNames(contextOf(services, req)), nextCursor: null }),
  });
}
