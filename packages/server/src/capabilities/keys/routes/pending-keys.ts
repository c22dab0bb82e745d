import { ListOf, PendingKey, PendingKeyQuery } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, isoOrNull, pageOut } from '../../../platform/http/wire.js';
import { listPendingKeys } from '../generators.js';
import type { PendingKeyRecord } from '../ports.js';

const pendingOut = (p: PendingKeyRecord) => ({
  entitlementId: p.entitlementId,
  productId: p.productId,
  generatorId: p.generatorId,
  state: p.state,
  attempts: p.attempts,
  lastError: p.lastError,
  nextAttemptAt: p.state === 'queued' ? iso(p.nextAttemptAt) : null,
  createdAt: iso(p.createdAt),
  issuedAt: isoOrNull(p.issuedAt),
});

/** Entitlements waiting for their key from a remote generator that was down (onFailure: queue). */
export function pendingKeyRoutes(app: App, services: Services): void {
  app.get('/v1/pending-keys', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['key generators'],
      operationId: 'listPendingKeys',
      summary: 'Entitlements waiting for their key from a remote generator, newest first',
      description:
        'An entitlement created while its remote key generator (set to `onFailure: "queue"`) could not answer has no key until a background worker gets one: each with its attempts, the last error and the next attempt. `state=queued` lists those still waiting.',
      querystring: PendingKeyQuery,
      response: answers(200, ListOf(PendingKey), []),
    },
    handler: async (req) =>
      pageOut(
        await listPendingKeys(contextOf(services, req), req.query.state, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        pendingOut,
      ),
  });
}
