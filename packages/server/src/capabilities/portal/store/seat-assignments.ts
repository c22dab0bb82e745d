import type { SeatReservationsPort } from '../../licensing/ports.js';
import type { SeatAssignmentsPort } from '../ports.js';
import type { SeatAssignmentRecord } from '../records.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import { uniquely, type RepoContext } from '../../../platform/store/context.js';

/** Named-user seats assigned to portal users: the portal's list of them, and licensing's reservations. */
export class SeatAssignmentRepository implements SeatAssignmentsPort, SeatReservationsPort {
  constructor(private readonly ctx: RepoContext) {}

  // Only of users who are not disabled (disabling a portal user frees the seats assigned to them) and
  // who are people of the entitlement's customer now (an entitlement moved to another customer
  // keeps no seat for its former customer's people).
  private live() {
    return this.ctx.db
      .selectFrom('portal_seat_assignments as s')
      .innerJoin('portal_users as u', (j) => j.onRef('u.account_id', '=', 's.account_id').onRef('u.id', '=', 's.portal_user_id'))
      .innerJoin('entitlements as e', (j) =>
        j.onRef('e.account_id', '=', 's.account_id').onRef('e.id', '=', 's.entitlement_id').onRef('e.customer_id', '=', 'u.customer_id'),
      )
      .select(['s.entitlement_id', 's.portal_user_id', 's.assigned_at', 's.assigned_by', 'u.name', 'u.email'])
      .where('s.account_id', '=', this.ctx.scope.accountId)
      .where('u.disabled_at', 'is', null);
  }

  private static of(r: {
    entitlement_id: string;
    portal_user_id: string;
    assigned_at: number;
    assigned_by: string | null;
    name: string;
    email: string;
  }): SeatAssignmentRecord {
    return {
      entitlementId: r.entitlement_id,
      portalUserId: r.portal_user_id,
      name: r.name,
      email: r.email,
      assignedAt: Number(r.assigned_at),
      assignedBy: r.assigned_by,
    };
  }

  async ofEntitlement(entitlementId: string): Promise<SeatAssignmentRecord[]> {
    const rows = await this.live()
      .where('s.entitlement_id', '=', entitlementId)
      .orderBy('s.assigned_at')
      .orderBy('s.portal_user_id')
      .execute();
    return rows.map(SeatAssignmentRepository.of);
  }

  async ofUser(portalUserId: string): Promise<SeatAssignmentRecord[]> {
    const rows = await this.live()
      .where('s.portal_user_id', '=', portalUserId)
      .orderBy('s.assigned_at')
      .orderBy('s.entitlement_id')
      .execute();
    return rows.map(SeatAssignmentRepository.of);
  }

  async insert(a: Omit<SeatAssignmentRecord, 'name' | 'email'>): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('portal_seat_assignments')
          .values({
            account_id: this.ctx.scope.accountId,
            entitlement_id: a.entitlementId,
            portal_user_id: a.portalUserId,
            assigned_at: a.assignedAt,
            assigned_by: a.assignedBy,
          })
          .execute(),
      () => new StoreConflict('duplicate', 'seat_assignment', 'portalUserId', a.portalUserId),
    );
  }

  async remove(entitlementId: string, portalUserId: string): Promise<boolean> {
    const out = await this.ctx.db
      .deleteFrom('portal_seat_assignments')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('portal_user_id', '=', portalUserId)
      .executeTakeFirst();
    return Number(out.numDeletedRows) === 1;
  }

  async reservedUsers(entitlementId: string): Promise<string[]> {
    return (await this.ofEntitlement(entitlementId)).map((a) => a.email.toLowerCase());
  }
}
