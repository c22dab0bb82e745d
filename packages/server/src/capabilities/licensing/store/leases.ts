import type { Selectable } from 'kysely';
import type { LeaseRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { LeasesPort } from '../ports.js';
import type { LeasesTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<LeasesTable>): LeaseRecord => ({
  id: r.id,
  activationId: r.activation_id,
  entitlementId: r.entitlement_id,
  kid: r.kid,
  issuedAt: r.issued_at,
  expiresAt: r.expires_at,
  refreshAfter: r.refresh_after,
  entitlementVersion: Number(r.entitlement_version ?? 0),
  offeringId: r.offering_id ?? null,
  offeringVersion: Number(r.offering_version ?? 0),
});

/** The lease ledger: every lease the server signed, so none is ever unaccounted for. */
export class LeaseRepository implements LeasesPort {
  constructor(private readonly ctx: RepoContext) {}

  async insert(l: LeaseRecord): Promise<void> {
    await this.ctx.db
      .insertInto('leases')
      .values({
        account_id: this.ctx.scope.accountId,
        id: l.id,
        activation_id: l.activationId,
        entitlement_id: l.entitlementId,
        kid: l.kid,
        issued_at: l.issuedAt,
        expires_at: l.expiresAt,
        refresh_after: l.refreshAfter,
        // An account transfer's file from before 0045 carries no rights version: older than any change.
        entitlement_version: l.entitlementVersion ?? 0,
        offering_id: l.offeringId ?? null,
        offering_version: l.offeringVersion ?? 0,
      })
      .execute();
  }

  listForEntitlement(entitlementId: string, page: PageRequest): Promise<Page<LeaseRecord>> {
    const q = this.ctx.db
      .selectFrom('leases')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId);
    return paginate(q, 'id', page, toRecord);
  }

  /**
   * The latest lease (by issue time, then id) of each of these activations: what each device runs
   * on now. One query per 500 activations, each an index seek (leases_activation_latest).
   */
  async latestOf(activationIds: string[]): Promise<Map<string, LeaseRecord>> {
    const latest = new Map<string, LeaseRecord>();
    const { accountId } = this.ctx.scope;
    for (let i = 0; i < activationIds.length; i += 500) {
      const chunk = activationIds.slice(i, i + 500);
      const rows = await this.ctx.db
        .selectFrom('leases as l')
        .selectAll('l')
        .where('l.account_id', '=', accountId)
        .where('l.activation_id', 'in', chunk)
        .where((eb) =>
          eb(
            'l.issued_at',
            '=',
            eb
              .selectFrom('leases as m')
              .select((m) => m.fn.max('m.issued_at').as('latest'))
              .where('m.account_id', '=', accountId)
              .whereRef('m.activation_id', '=', 'l.activation_id'),
          ),
        )
        .execute();
      // Two leases issued in the same second: the later id (ids are time-ordered) is the latest.
      for (const row of rows) {
        const seen = latest.get(row.activation_id);
        if (!seen || seen.id < row.id) latest.set(row.activation_id, toRecord(row));
      }
    }
    return latest;
  }

  /** When the last lease signed with this key expires (null if none is outstanding after `now`). */
  async lastExpiryForKey(kid: string, now: number): Promise<number | null> {
    const row = await this.ctx.db
      .selectFrom('leases')
      .select((eb) => eb.fn.max('expires_at').as('last'))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('kid', '=', kid)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row?.last == null ? null : Number(row.last);
  }
}
