import { EventPropagationOut } from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { eventPropagation } from '../../licensing/leases/propagation.js';
import { countsOut, deviceOut, targetOut } from '../../licensing/routes/propagation.js';

const EventQuery = Type.Object({ event: Type.String({ minLength: 1, maxLength: 200, description: 'An event id (evt_…)' }) });

/** A thin route: the answer is licensing's (the lease ledger), asked by event beside the other reports. */
export function eventPropagationRoute(app: App, services: Services): void {
  app.get('/v1/reports/propagation', {
    config: { permission: 'reports:read' },
    schema: {
      tags: ['reports'],
      operationId: 'getEventPropagation',
      summary: 'How far the change an event made has reached the fleet',
      description:
        "An entitlement's event: its devices against the version the event produced. An offering's update: every entitlement on the offering against the offering version it produced, in total and per entitlement. Events that changed no rights: 400 INVALID_REQUEST with `details.reason` NO_RIGHTS_CHANGE. Unlike the other reports this reads the main database's lease ledger (docs/reports.md, Propagation).",
      querystring: EventQuery,
      response: answers(200, EventPropagationOut, ['NOT_FOUND', 'INVALID_REQUEST']),
    },
    handler: async (req) => {
      const p = await eventPropagation(contextOf(services, req), req.query.event);
      return {
        eventId: p.event.id,
        eventType: p.event.type,
        target: targetOut(p.target),
        ...countsOut(p),
        entitlements: p.entitlements.map((e) => ({ entitlementId: e.entitlementId, ...countsOut(e) })),
        items: p.items === null ? null : p.items.map(deviceOut),
      };
    },
  });
}
