import type { Selectable } from 'kysely';
import type { EntitlementState } from '@leasehold/contract';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { EntitlementRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { EntitlementFilter, EntitlementsPort } from '../ports.js';
import type { EntitlementsTable } from './tables.js';
import { uniquely, type RepoContext, changed } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

export const entitlementFromRow = (r: Selectable<EntitlementsTable>): EntitlementRecord => ({
  id: r.id,
  customerId: r.customer_id,
  offeringId: r.offering_id,
  productId: r.product_id,
  orderRef: r.order_ref,
  externalRef: r.external_ref,
  state: r.state as EntitlementState,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  maintenanceUntil: r.maintenance_until,
  overrides: parseJson(r.overrides),
  metadata: parseJson(r.metadata),
  keyHash: r.key_hash,
  keySealed: r.key_sealed,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (e: EntitlementRecord) => ({
  customer_id: e.customerId,
  offering_id: e.offeringId,
  product_id: e.productId,
  order_ref: e.orderRef,
  external_ref: e.externalRef,
  state: e.state,
  starts_at: e.startsAt,
  ends_at: e.endsAt,
  maintenance_until: e.maintenanceUntil,
  overrides: JSON.stringify(e.overrides),
  metadata: JSON.stringify(e.metadata),
  version: e.version,
  updated_at: e.updatedAt,
});

export class EntitlementRepository implements EntitlementsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('entitlements').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('product_id', '=', productId);
    return q;
  }

  /** By id or externalRef. With `lock`, the row stays locked until the transaction ends. */
  async find(ref: string, opts: { lock?: boolean } = {}): Promise<EntitlementRecord | undefined> {
    let q = this.scoped().where((eb) => eb.or([eb('id', '=', ref), eb('external_ref', '=', ref)]));
    if (opts.lock) q = this.ctx.database.forUpdate(q);
    const row = await q.executeTakeFirst();
    return row && entitlementFromRow(row);
  }

  list(filter: EntitlementFilter, page: PageRequest): Promise<Page<EntitlementRecord>> {
    let q = this.scoped();
    if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
    if (filter.offeringId) q = q.where('offering_id', '=', filter.offeringId);
    if (filter.productId) q = q.where('product_id', '=', filter.productId);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.orderRef) q = q.where('order_ref', '=', filter.orderRef);
    if (filter.keyHash) q = q.where('key_hash', '=', filter.keyHash);
    return paginate(q, 'id', page, entitlementFromRow);
  }

  /** Every entitlement of a customer, across products (the facts activation rules check). */
  async ofCustomer(customerId: string): Promise<EntitlementRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('entitlements')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('customer_id', '=', customerId)
      .execute();
    return rows.map(entitlementFromRow);
  }

  /** Ids of the entitlements on an offering that can still change (active or suspended), in id order. */
  async idsOnOffering(
    offeringId: string,
    opts: { customerIds?: string[]; afterId?: string; limit: number },
  ): Promise<Array<{ id: string; customerId: string }>> {
    let q = this.scoped()
      .clearSelect()
      .select(['id', 'customer_id'])
      .where('offering_id', '=', offeringId)
      .where('state', 'in', ['active', 'suspended']);
    if (opts.customerIds) q = q.where('customer_id', 'in', opts.customerIds.length ? opts.customerIds : ['-']);
    if (opts.afterId) q = q.where('id', '>', opts.afterId);
    const rows = await q.orderBy('id').limit(opts.limit).execute();
    return rows.map((r) => ({ id: r.id, customerId: r.customer_id }));
  }

  async findMany(ids: string[]): Promise<EntitlementRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.scoped().where('id', 'in', ids).execute();
    return rows.map(entitlementFromRow);
  }

  /** Replaces the license key (re-keying); the caller keeps the old one working until its grace date. */
  async updateKey(id: string, keyHash: string, keySealed: string): Promise<void> {
    changed(this.ctx, 'keys', id);
    changed(this.ctx, 'entitlement', id);
    await this.ctx.db
      .updateTable('entitlements')
      .set({ key_hash: keyHash, key_sealed: keySealed })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .execute();
  }

  async retireKey(e: EntitlementRecord, validUntil: number, at: number): Promise<void> {
    await this.ctx.db
      .insertInto('retired_license_keys')
      .values({
        account_id: this.ctx.scope.accountId,
        entitlement_id: e.id,
        key_hash: e.keyHash,
        key_sealed: e.keySealed,
        valid_until: validUntil,
        retired_at: at,
      })
      .execute();
  }

  /**
   * Up to `limit` entitlements of the product whose overrides set feature `code`. The LIKE on the
   * JSON text only narrows the rows (it may match elsewhere in the overrides); the check on the
   * parsed overrides decides. Scanned in id order, a batch at a time.
   */
  async overridingFeature(productId: string, code: string, limit: number): Promise<EntitlementRecord[]> {
    const found: EntitlementRecord[] = [];
    const batch = 500;
    let after = '';
    for (;;) {
      const rows = await this.ctx.db
        .selectFrom('entitlements')
        .selectAll()
        .where('account_id', '=', this.ctx.scope.accountId)
        .where('product_id', '=', productId)
        .where('overrides', 'like', `%${JSON.stringify(code)}%`)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batch)
        .execute();
      for (const row of rows) {
        const e = entitlementFromRow(row);
        if (e.overrides.features && Object.hasOwn(e.overrides.features, code)) found.push(e);
        if (found.length >= limit) return found;
      }
      if (rows.length < batch) return found;
      after = rows[rows.length - 1]!.id;
    }
  }

  async countFor(column: 'customer_id' | 'offering_id', id: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('entitlements')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where(column, '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(e: EntitlementRecord): Promise<void> {
    changed(this.ctx, 'entitlement', e.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('entitlements')
          .values({
            account_id: this.ctx.scope.accountId,
            id: e.id,
            key_hash: e.keyHash,
            key_sealed: e.keySealed,
            created_at: e.createdAt,
            ...toRow(e),
          })
          .execute(),
      () => conflictOf(e),
    );
  }

  async update(e: EntitlementRecord): Promise<void> {
    changed(this.ctx, 'entitlement', e.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .updateTable('entitlements')
          .set(toRow(e))
          .where('account_id', '=', this.ctx.scope.accountId)
          .where('id', '=', e.id)
          .execute(),
      () => conflictOf(e),
    );
  }
}

/** The unique columns are the external reference and the key hash; say which one clashed. */
function conflictOf(e: EntitlementRecord): StoreConflict {
  return e.externalRef
    ? new StoreConflict('duplicate', 'entitlement', 'externalRef', e.externalRef)
    : new StoreConflict('duplicate', 'entitlement', 'key');
}
