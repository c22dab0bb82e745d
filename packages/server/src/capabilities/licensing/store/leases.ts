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
