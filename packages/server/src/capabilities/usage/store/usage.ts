import type { RepoContext } from '../../../platform/store/context.js';
import type { UsageGroup, UsagePort, UsageRecordRow } from '../ports.js';

/** The usage ledger (every accepted record) and the per-period counters quota decisions read. */
export class UsageRepository implements UsagePort {
  constructor(private readonly ctx: RepoContext) {}

  async hasKey(entitlementId: string, idempotencyKey: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('usage_records')
      .select('id')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insert(r: UsageRecordRow): Promise<void> {
    await this.ctx.db
      .insertInto('usage_records')
      .values({
        account_id: this.ctx.scope.accountId,
        id: r.id,
        entitlement_id: r.entitlementId,
        activation_id: r.activationId,
        customer_id: r.customerId,
        product_id: r.productId,
        feature: r.feature,
        quantity: r.quantity,
        at: r.at,
        period_start: r.periodStart,
        recorded_at: r.recordedAt,
        idempotency_key: r.idempotencyKey,
      })
      .execute();
  }

  async counter(entitlementId: string, feature: string, periodStart: number): Promise<number | undefined> {
    const row = await this.ctx.db
      .selectFrom('usage_counters')
      .select('used')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('feature', '=', feature)
      .where('period_start', '=', periodStart)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.used);
  }

  /** Adds to a period's counter; the caller holds the entitlement's lock, so read-then-write is safe. */
  async add(entitlementId: string, feature: string, period: { start: number; end: number }, quantity: number): Promise<void> {
    const current = await this.counter(entitlementId, feature, period.start);
    if (current === undefined) {
      await this.ctx.db
        .insertInto('usage_counters')
        .values({
          account_id: this.ctx.scope.accountId,
          entitlement_id: entitlementId,
          feature,
          period_start: period.start,
          period_end: period.end,
          used: quantity,
          closed: 0,
        })
        .execute();
    } else {
      await this.ctx.db
        .updateTable('usage_counters')
        .set({ used: current + quantity })
        .where('account_id', '=', this.ctx.scope.accountId)
        .where('entitlement_id', '=', entitlementId)
        .where('feature', '=', feature)
        .where('period_start', '=', period.start)
        .execute();
    }
  }

  async close(entitlementId: string, feature: string, periodStart: number): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('usage_counters')
      .set({ closed: 1 })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('feature', '=', feature)
      .where('period_start', '=', periodStart)
      .where('closed', '=', 0)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  /** Counters of an entitlement's periods running at `at`, by feature. */
  async currentUse(entitlementId: string, at: number): Promise<Map<string, number>> {
    const rows = await this.ctx.db
      .selectFrom('usage_counters')
      .select(['feature', 'used'])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('entitlement_id', '=', entitlementId)
      .where('period_start', '<=', at)
      .where('period_end', '>', at)
      .execute();
    return new Map(rows.map((r) => [r.feature, Number(r.used)]));
  }

  /** Counters whose period overlaps [from, to), for statements. */
  async counters(filter: { entitlementIds?: string[]; from: number; to: number }) {
    let q = this.ctx.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('period_start', '<', filter.to)
      .where('period_end', '>', filter.from);
    if (filter.entitlementIds) q = q.where('entitlement_id', 'in', filter.entitlementIds.length ? filter.entitlementIds : ['-']);
    return (await q.orderBy('entitlement_id').orderBy('feature').orderBy('period_start').execute()).map((r) => ({
      entitlementId: r.entitlement_id,
      feature: r.feature,
      periodStart: Number(r.period_start),
      periodEnd: Number(r.period_end),
      used: Number(r.used),
      closed: r.closed === 1,
    }));
  }

  /** Usage summed by one dimension over a time range. */
  async report(
    filter: { from: number; to: number; customerId?: string; entitlementId?: string; feature?: string },
    by: 'feature' | 'customer' | 'device' | 'entitlement',
  ): Promise<UsageGroup[]> {
    const column = { feature: 'feature', customer: 'customer_id', device: 'activation_id', entitlement: 'entitlement_id' } as const;
    let q = this.ctx.db
      .selectFrom('usage_records')
      .select((eb) => [
        eb.ref(column[by]).as('key'),
        'feature',
        eb.fn.sum<number>('quantity').as('quantity'),
        eb.fn.countAll<number>().as('records'),
      ])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('at', '>=', filter.from)
      .where('at', '<', filter.to);
    if (this.ctx.scope.productId) q = q.where('product_id', '=', this.ctx.scope.productId);
    if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
    if (filter.entitlementId) q = q.where('entitlement_id', '=', filter.entitlementId);
    if (filter.feature) q = q.where('feature', '=', filter.feature);
    const rows = await q.groupBy([column[by], 'feature']).orderBy(column[by]).orderBy('feature').execute();
    return rows.map((r) => ({ key: String(r.key), feature: r.feature, quantity: Number(r.quantity), records: Number(r.records) }));
  }
}
