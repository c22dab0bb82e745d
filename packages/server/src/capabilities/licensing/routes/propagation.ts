import { EntitlementPropagationOut, IdParams } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, rightsOf } from '../../../platform/http/wire.js';
import { entitlementPropagation, type DevicePropagation, type PropagationCounts, type RightsTarget } from '../leases/propagation.js';

export const deviceOut = (d: DevicePropagation) => ({
  activationId: d.activation.id,
  fingerprint: d.activation.fingerprint,
  name: d.activation.name,
  rightsVersion: d.lease ? rightsOf(d.lease) : null,
  lastSeenAt: iso(d.activation.lastSeenAt),
  leaseExpiresAt: d.lease ? iso(d.lease.expiresAt) : null,
  holds: d.holds,
  standing: d.standing,
});

export const countsOut = (c: PropagationCounts) => ({
  devices: c.devices,
  held: c.held,
  behind: c.behind,
  stopped: c.stopped,
  allBy: c.allBy === null ? null : iso(c.allBy),
});

export const targetOut = (t: RightsTarget) => ({ ...t });

const PropagationQuery = Type.Object({
  version: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "A version of the entitlement (default: its current rights, with its offering's current version)",
    }),
  ),
});

/** The answer about one entitlement's devices; the report by event is in the reports capability's routes. */
export function propagationRoutes(app: App, services: Services): void {
  app.get('/v1/entitlements/:id/propagation', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags: ['activations'],
      operationId: 'getEntitlementPropagation',
      summary: "How far the entitlement's rights have reached its devices",
      description:
        "For its current rights (or `version`): how many live devices hold them on an unexpired lease, how many still run on an older lease (and the latest moment the last of them must refresh or stop, `allBy`), how many hold no unexpired lease (`stopped`), and each device's rights version, last seen and lease expiry. Read from the lease ledger: exact.",
      params: IdParams,
      querystring: PropagationQuery,
      response: answers(200, EntitlementPropagationOut, ['NOT_FOUND', 'INVALID_REQUEST']),
    },
    handler: async (req) => {
      const p = await entitlementPropagation(contextOf(services, req), req.params.id, req.query.version);
      return { entitlementId: p.entitlement.id, target: targetOut(p.target), ...countsOut(p), items: p.items.map(deviceOut) };
    },
  });
}
