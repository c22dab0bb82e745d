import type { Selectable } from 'kysely';
import type { FeatureType } from '@leasehold/contract';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { FeatureRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { FeaturesPort } from '../ports.js';
import type { FeaturesTable } from './tables.js';
import { uniquely, type RepoContext, changed } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<FeaturesTable>): FeatureRecord => ({
  id: r.id,
  productId: r.product_id,
  code: r.code,
  name: r.name,
  type: r.type as FeatureType,
  unit: r.unit,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class FeatureRepository implements FeaturesPort {
  constructor(private readonly ctx: RepoContext) {}

  private ofProduct(productId: string) {
    return this.ctx.db
      .selectFrom('features')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('product_id', '=', productId);
  }

  async find(productId: string, ref: string): Promise<FeatureRecord | undefined> {
    const row = await this.ofProduct(productId)
      .where((eb) => eb.or([eb('id', '=', ref), eb('code', '=', ref)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async allOf(productId: string): Promise<FeatureRecord[]> {
    return (await this.ofProduct(productId).orderBy('id').execute()).map(toRecord);
  }

  list(productId: string, page: PageRequest): Promise<Page<FeatureRecord>> {
    return paginate(this.ofProduct(productId), 'id', page, toRecord);
  }

  async insert(f: FeatureRecord): Promise<void> {
    changed(this.ctx, 'account', f.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('features')
          .values({
            account_id: this.ctx.scope.accountId,
            id: f.id,
            product_id: f.productId,
            code: f.code,
            name: f.name,
            type: f.type,
            unit: f.unit,
            created_at: f.createdAt,
            updated_at: f.updatedAt,
          })
          .execute(),
      () => new StoreConflict('duplicate', 'feature', 'code', f.code),
    );
  }

  async update(f: FeatureRecord): Promise<void> {
    changed(this.ctx, 'account', f.id);
    await this.ctx.db
      .updateTable('features')
      .set({ name: f.name, unit: f.unit, updated_at: f.updatedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', f.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    changed(this.ctx, 'account', id);
    await this.ctx.db.deleteFrom('features').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }
}
