import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { effectiveRights } from '../entitlements/effective-rights.js';
import { holders, namedSeatsTaken } from '../licensing/activations/seats.js';
import type { PortalUserRecord, SeatAssignmentRecord } from './records.js';
import { requirePortalUser } from './users.js';

/**
 * Named-user seats assigned by a customer's admin to colleagues. An assignment keeps one seat of a
 * `named_user` entitlement for a portal user: activations sending their email as `user` always
 * find it, and it counts as taken for everyone else (licensing's decideSeat reads the assignments
 * as reservations). The seat count is licensing's: people with a device holding a seat plus the
 * people assigned one never exceed the entitlement's effective seats.
 */

async function namedUserEntitlement(tx: Tx, customerId: string, ref: string, lock = false): Promise<EntitlementRecord> {
  const entitlement = await tx.entitlements.find(ref, { lock });
  if (!entitlement || entitlement.customerId !== customerId) throw notFound('entitlement', ref);
  return entitlement;
}

const isNamedUser = async (tx: Tx, e: EntitlementRecord) => (await tx.offerings.find(e.offeringId))!.seatModel === 'named_user';

/** An admin sees every assignment of the entitlement; a member only their own. */
export function listSeatAssignments(ctx: Context, viewer: PortalUserRecord, ref: string): Promise<SeatAssignmentRecord[]> {
  return ctx.store.read(async (tx) => {
    const entitlement = await namedUserEntitlement(tx, viewer.customerId, ref);
    const all = await tx.seatAssignments.ofEntitlement(entitlement.id);
    return viewer.role === 'admin' ? all : all.filter((a) => a.portalUserId === viewer.id);
  });
}

/** The signed-in person's own seats, on whichever of their customer's entitlements. */
export function mySeatAssignments(ctx: Context, viewer: PortalUserRecord): Promise<SeatAssignmentRecord[]> {
  return ctx.store.read((tx) => tx.seatAssignments.ofUser(viewer.id));
}

/**
 * Assigns a seat to a colleague, in the entitlement's row lock (the one activations take), so an
 * assignment and an activation racing for the last seat are decided one after the other.
 */
export function assignSeat(ctx: Context, admin: PortalUserRecord, ref: string, portalUserId: string): Promise<SeatAssignmentRecord> {
  return ctx.store.write(async (tx) => {
    const entitlement = await namedUserEntitlement(tx, admin.customerId, ref, true);
    const colleague = await requirePortalUser(tx, portalUserId, admin.customerId);
    if (colleague.disabledAt !== null) throw notFound('portal user', portalUserId);
    const offering = (await tx.offerings.find(entitlement.offeringId))!;
    if (offering.seatModel !== 'named_user') {
      throw new DomainError('INVALID_STATE', 'This license counts devices, not people: it has no named-user seats to assign.', {
        seatModel: offering.seatModel,
      });
    }
    const assigned = await tx.seatAssignments.ofEntitlement(entitlement.id);
    if (assigned.some((a) => a.portalUserId === colleague.id)) {
      throw new DomainError('DUPLICATE_CODE', `${colleague.name} has a seat of this license already.`, { field: 'portalUserId' });
    }
    const now = ctx.clock.now();
    const seats = effectiveRights(offering, entitlement, now).seats;
    const live = await tx.activations.liveOf(entitlement.id);
    const reserved = [...assigned.map((a) => a.email.toLowerCase()), colleague.email.toLowerCase()];
    const taken = namedSeatsTaken(live, reserved, now);
    if (taken > seats) {
      throw new DomainError('SEAT_LIMIT_REACHED', `All ${seats} seats are taken (assigned or in use).`, {
        rule: 'seats',
        limit: seats,
        used: taken - 1,
        assigned: assigned.length,
        holders: holders(live, now),
        resolve: 'Revoke a seat, deactivate a device of someone without one, or buy more seats.',
      });
    }
    const record = { entitlementId: entitlement.id, portalUserId: colleague.id, assignedAt: now, assignedBy: admin.id };
    await tx.seatAssignments.insert(record);
    await recordEvent(tx, ctx, {
      type: 'entitlement.seat_assigned',
      subjectType: 'entitlement',
      subjectId: entitlement.id,
      entitlementId: entitlement.id,
      customerId: entitlement.customerId,
      productId: entitlement.productId,
      after: { portalUserId: colleague.id, user: colleague.email },
    });
    return { ...record, name: colleague.name, email: colleague.email };
  });
}

/**
 * Takes a seat back. Refused with IN_USE while the colleague still has a live device on the
 * entitlement (their seat would stay taken by it): deactivate those first, within the rehost limit.
 */
export function revokeSeat(ctx: Context, admin: PortalUserRecord, ref: string, portalUserId: string): Promise<SeatAssignmentRecord> {
  return ctx.store.write(async (tx) => {
    const entitlement = await namedUserEntitlement(tx, admin.customerId, ref, true);
    const assignment = (await tx.seatAssignments.ofEntitlement(entitlement.id)).find((a) => a.portalUserId === portalUserId);
    if (!assignment || !(await isNamedUser(tx, entitlement))) throw notFound('seat assignment', portalUserId);
    const devices = (await tx.activations.liveOf(entitlement.id)).filter((a) => a.user?.toLowerCase() === assignment.email.toLowerCase());
    if (devices.length > 0) {
      throw new DomainError('IN_USE', `${assignment.name} still uses this license on ${devices.length} device(s).`, {
        devices: devices.map((d) => ({ id: d.id, name: d.name, hostname: d.hostname })),
        resolve: 'Deactivate their devices first, then take the seat back.',
      });
    }
    await tx.seatAssignments.remove(entitlement.id, portalUserId);
    await recordEvent(tx, ctx, {
      type: 'entitlement.seat_revoked',
      subjectType: 'entitlement',
      subjectId: entitlement.id,
      entitlementId: entitlement.id,
      customerId: entitlement.customerId,
      productId: entitlement.productId,
      before: { portalUserId, user: assignment.email },
    });
    return assignment;
  });
}
