import type { RepoContext } from '../../../platform/store/context.js';
import type { TrialsPort } from '../ports.js';

/** Which devices have had a trial of which product: one trial per device and product. */
export class TrialRepository implements TrialsPort {
  constructor(private readonly ctx: RepoContext) {}

  async find(productId: string, fingerprint: string): Promise<{ entitlementId: string } | undefined> {
    const row = await this.ctx.db
      .selectFrom('trials')
      .select('entitlement_id')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('product_id', '=', productId)
      .where('fingerprint', '=', fingerprint)
      .executeTakeFirst();
    return row && { entitlementId: row.entitlement_id };
  }

  /** False when the device already had one (also when two requests race). */
  async insert(productId: string, fingerprint: string, entitlementId: string, at: number): Promise<boolean> {
    try {
      await this.ctx.db
        .insertInto('trials')
        .values({ account_id: this.ctx.scope.accountId, product_id: productId, fingerprint, entitlement_id: entitlementId, created_at: at })
        .execute();
      return true;
    } catch (error) {
      if (this.ctx.database.isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
