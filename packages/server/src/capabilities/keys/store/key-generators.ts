import type { Selectable } from 'kysely';
import type { KeyGeneratorKind } from '@leasehold/contract';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { KeyGeneratorRecord, KeyGeneratorsPort } from '../ports.js';
import type { KeyGeneratorsTable } from './tables.js';
import { type RepoContext, uniquely } from '../../../platform/store/context.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const fromRow = (r: Selectable<KeyGeneratorsTable>): KeyGeneratorRecord => {
  const settings = parseJson<{ pattern: KeyGeneratorRecord['pattern']; remote: KeyGeneratorRecord['remote'] }>(r.settings);
  return {
    id: r.id,
    productId: r.product_id,
    offeringId: r.offering_id === '' ? null : r.offering_id,
    kind: r.kind as KeyGeneratorKind,
    pattern: settings.pattern,
    remote: settings.remote,
    secretSealed: r.secret_sealed,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
};

/** Key generators of one account; a product-limited scope sees its product's only. */
export class KeyGeneratorRepository implements KeyGeneratorsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    const q = this.ctx.db.selectFrom('key_generators').selectAll().where('account_id', '=', accountId);
    return productId ? q.where('product_id', '=', productId) : q;
  }

  async insert(g: KeyGeneratorRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('key_generators')
          .values({
            account_id: this.ctx.scope.accountId,
            id: g.id,
            product_id: g.productId,
            offering_id: g.offeringId ?? '',
            kind: g.kind,
            settings: JSON.stringify({ pattern: g.pattern, remote: g.remote }),
            secret_sealed: g.secretSealed,
            created_at: g.createdAt,
            updated_at: g.updatedAt,
          })
          .execute(),
      () => new StoreConflict('duplicate', 'key_generator', 'target', g.offeringId ?? g.productId),
    );
  }

  async update(g: KeyGeneratorRecord): Promise<void> {
    await this.ctx.db
      .updateTable('key_generators')
      .set({ settings: JSON.stringify({ pattern: g.pattern, remote: g.remote }), updated_at: g.updatedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', g.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('key_generators').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }

  async find(id: string): Promise<KeyGeneratorRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  list(filter: { productId?: string | undefined }, page: PageRequest): Promise<Page<KeyGeneratorRecord>> {
    const q = filter.productId ? this.scoped().where('product_id', '=', filter.productId) : this.scoped();
    return paginate(q, 'id', page, fromRow);
  }

  async forOffering(productId: string, offeringId: string): Promise<KeyGeneratorRecord | undefined> {
    const rows = await this.ctx.db
      .selectFrom('key_generators')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('product_id', '=', productId)
      .where('offering_id', 'in', [offeringId, ''])
      .execute();
    const row = rows.find((r) => r.offering_id === offeringId) ?? rows[0];
    return row && fromRow(row);
  }
}
