import { Type } from 'typebox';
import type { App } from './route-kit.js';
import type { Services } from './services.js';

const Health = Type.Object({ status: Type.String() });

export function healthRoutes(app: App, services: Services): void {
  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      operationId: 'checkHealth',
      description: 'Answers 200 as long as the process runs, whatever the database does; for liveness probes.',
      summary: 'The process is up',
      response: { 200: Health },
    },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      operationId: 'checkReadiness',
      description:
        'Answers 200 when the database answers a ping and 503 with Retry-After when it does not; for readiness probes and load balancers.',
      summary: 'The process can serve: its database answers',
      response: { 200: Health, 503: Health },
    },
    handler: async (_req, reply) => {
      try {
        await services.store.database.ping();
        return { status: 'ready' };
      } catch {
        return reply.code(503).header('retry-after', '5').send({ status: 'database unavailable' });
      }
    },
  });
}
