import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { SavedQuery, SavedReportRecord, SavedReportsPort } from '../ports.js';
import type { SavedReportsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const fromRow = (r: Selectable<SavedReportsTable>): SavedReportRecord => ({
  id: r.id,
  name: r.name,
  productId: r.product_id === '' ? null : r.product_id,
  query: parseJson<SavedQuery>(r.query),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** Saved reports of one account; a product-limited scope sees its product's only. */
export class SavedReportRepository implements SavedReportsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    const q = this.ctx.db.selectFrom('saved_reports').selectAll().where('account_id', '=', accountId);
    return productId ? q.where('product_id', '=', productId) : q;
  }

  async insert(r: SavedReportRecord): Promise<void> {
    await this.ctx.db
      .insertInto('saved_reports')
      .values({
        account_id: this.ctx.scope.accountId,
        id: r.id,
        name: r.name,
        product_id: r.productId ?? '',
        query: JSON.stringify(r.query),
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      })
      .execute();
  }

  async update(r: SavedReportRecord): Promise<void> {
    await this.ctx.db
      .updateTable('saved_reports')
      .set({ name: r.name, query: JSON.stringify(r.query), updated_at: r.updatedAt })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', r.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('saved_reports').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }

  async find(id: string): Promise<SavedReportRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  list(page: PageRequest): Promise<Page<SavedReportRecord>> {
    return paginate(this.scoped(), 'id', page, fromRow);
  }
}
