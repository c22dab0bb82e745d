import { IdParams, ListOf, PortalSeatAssign, PortalSeatAssignment, PortalSeatParams } from '@leasehold/contract';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso } from '../../../platform/http/wire.js';
import type { SeatAssignmentRecord } from '../records.js';
import { assignSeat, listSeatAssignments, mySeatAssignments, revokeSeat } from '../seats.js';
import { portalOf, requirePortalAdmin } from './portal-auth.js';

const tags = ['portal'];
const config = { portal: 'session' } as const;

const seatOut = (a: SeatAssignmentRecord): PortalSeatAssignment => ({
  entitlementId: a.entitlementId,
  portalUser: { id: a.portalUserId, name: a.name, email: a.email },
  assignedAt: iso(a.assignedAt),
  assignedBy: a.assignedBy,
});
const listOut = (items: SeatAssignmentRecord[]) => ({ data: items.map(seatOut), nextCursor: null });

/** Named-user seats: a customer's admin assigns them to colleagues and takes them back; everyone sees their own. */
export function seatRoutes(app: App, services: Services): void {
  app.get('/v1/portal/entitlements/:id/seats', {
    config,
    schema: {
      tags,
      operationId: 'listPortalSeatAssignments',
      summary: "Who holds the named-user seats of one of the customer's entitlements",
      description: 'An admin sees every assignment of the entitlement; a member sees only their own (an empty list when they have none).',
      params: IdParams,
      response: answers(200, ListOf(PortalSeatAssignment), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { ctx, user } = portalOf(services, req);
      return listOut(await listSeatAssignments(ctx, user, req.params.id));
    },
  });

  app.get('/v1/portal/seats', {
    config,
    schema: {
      tags,
      operationId: 'listMyPortalSeats',
      summary: 'The named-user seats assigned to the signed-in person',
      description: "The signed-in portal user's own seat assignments, on whichever of their customer's entitlements.",
      response: answers(200, ListOf(PortalSeatAssignment), []),
    },
    handler: async (req) => {
      const { ctx, user } = portalOf(services, req);
      return listOut(await mySeatAssignments(ctx, user));
    },
  });

  app.post('/v1/portal/entitlements/:id/seats', {
    config,
    schema: {
      tags,
      operationId: 'assignPortalSeat',
      summary: 'An admin assigns a named-user seat to a colleague',
      description:
        'Keeps one seat of a `named_user` entitlement for a portal user of the same customer: their activations (sending their email as `user`) always find it, ' +
        'and it counts as taken for everyone else. 403 for a member; 409 SEAT_LIMIT_REACHED when assigned and active people fill the seats; ' +
        '409 INVALID_STATE on an entitlement that counts devices; 409 DUPLICATE_CODE when the colleague has a seat already. Recorded as `entitlement.seat_assigned`.',
      params: IdParams,
      body: PortalSeatAssign,
      response: answers(201, PortalSeatAssignment, ['NOT_FOUND', 'INVALID_STATE', 'DUPLICATE_CODE', 'SEAT_LIMIT_REACHED']),
    },
    handler: async (req, reply) => {
      const { ctx, user } = portalOf(services, req);
      requirePortalAdmin(user);
      return reply.code(201).send(seatOut(await assignSeat(ctx, user, req.params.id, req.body.portalUserId)));
    },
  });

  app.delete('/v1/portal/entitlements/:id/seats/:userId', {
    config,
    schema: {
      tags,
      operationId: 'revokePortalSeat',
      summary: 'An admin takes a named-user seat back from a colleague',
      description:
        'Ends the assignment (`entitlement.seat_revoked`). Refused with 409 IN_USE while the colleague has live devices on the entitlement, listed in the details: deactivate them first. 403 for a member.',
      params: PortalSeatParams,
      response: answers(200, PortalSeatAssignment, ['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req) => {
      const { ctx, user } = portalOf(services, req);
      requirePortalAdmin(user);
      return seatOut(await revokeSeat(ctx, user, req.params.id, req.params.userId));
    },
  });
}
