import type { Selectable } from 'kysely';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { Page, PageRequest, ProductRecord } from '../../../platform/domain/model.js';
import type { ProductsPort } from '../ports.js';
import type { ProductsTable } from './tables.js';
import { uniquely, type RepoContext, changed } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<ProductsTable>): ProductRecord => ({
  id: r.id,
  code: r.code,
  name: r.name,
  metadata: parseJson(r.metadata),
  trialOfferingId: r.trial_offering_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const duplicate = (code: string) => new StoreConflict('duplicate', 'product', 'code', code);

export class ProductRepository implements ProductsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    let q = this.ctx.db.selectFrom('products').selectAll().where('account_id', '=', accountId);
    if (productId) q = q.where('id', '=', productId);
    return q;
  }

  /** By id or code. */
  async find(ref: string): Promise<ProductRecord | undefined> {
    const row = await this.scoped()
      .where((eb) => eb.or([eb('id', '=', ref), eb('code', '=', ref)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  list(page: PageRequest): Promise<Page<ProductRecord>> {
    return paginate(this.scoped(), 'id', page, toRecord);
  }

  async insert(p: ProductRecord): Promise<void> {
    changed(this.ctx, 'account', p.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('products')
          .values({
            account_id: this.ctx.scope.accountId,
            id: p.id,
            code: p.code,
            name: p.name,
            metadata: JSON.stringify(p.metadata),
            trial_offering_id: p.trialOfferingId,
            created_at: p.createdAt,
            updated_at: p.updatedAt,
          })
          .execute(),
      () => duplicate(p.code),
    );
  }

  async update(p: ProductRecord): Promise<void> {
    changed(this.ctx, 'account', p.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .updateTable('products')
          .set({
            code: p.code,
            name: p.name,
            metadata: JSON.stringify(p.metadata),
            trial_offering_id: p.trialOfferingId,
            updated_at: p.updatedAt,
          })
          .where('account_id', '=', this.ctx.scope.accountId)
          .where('id', '=', p.id)
          .execute(),
      () => duplicate(p.code),
    );
  }

  /** Deletes the product and its features; the caller has checked that no offering uses it. */
  async delete(id: string): Promise<void> {
    changed(this.ctx, 'account', id);
    const accountId = this.ctx.scope.accountId;
    await this.ctx.db.deleteFrom('features').where('account_id', '=', accountId).where('product_id', '=', id).execute();
    await this.ctx.db.deleteFrom('products').where('account_id', '=', accountId).where('id', '=', id).execute();
  }
}
