import type { RepoContext } from '../../../platform/store/context.js';
import type { PoolHolding, PoolsPort } from '../ports.js';

/** Elements of pool features held by devices; a holding counts only while its device holds a seat. */
export class PoolRepository implements PoolsPort {
  constructor(private readonly ctx: RepoContext) {}

  async holdings(entitlementIds: string[]): Promise<Array<PoolHolding & { entitlementId: string }>> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.ctx.db
      .selectFrom('pool_checkouts')
      .select(['entitlement_id', 'activation_id', 'feature', 'count'])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', 'in', entitlementIds)
      .execute();
    return rows.map((r) => ({ entitlementId: r.entitlement_id, activationId: r.activation_id, feature: r.feature, count: r.count }));
  }

  /** Sets how many elements a device holds (0 removes the holding). */
  async set(entitlementId: string, activationId: string, feature: string, count: number, at: number): Promise<void> {
    await this.ctx.db
      .deleteFrom('pool_checkouts')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('activation_id', '=', activationId)
      .where('feature', '=', feature)
      .execute();
    if (count > 0) {
      await this.ctx.db
        .insertInto('pool_checkouts')
        .values({
          account_id: this.ctx.scope.accountId,
          entitlement_id: entitlementId,
          activation_id: activationId,
          feature,
          count,
          updated_at: at,
        })
        .execute();
    }
  }
}
