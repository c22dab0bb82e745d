import { sql, type Selectable } from 'kysely';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import type { CustomerRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { CustomerFilter, CustomersPort } from '../ports.js';
import type { CustomersTable } from './tables.js';
import { uniquely, type RepoContext, changed } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<CustomersTable>): CustomerRecord => ({
  id: r.id,
  name: r.name,
  email: r.email,
  externalRef: r.external_ref,
  metadata: parseJson(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const duplicate = (ref: string | null) => new StoreConflict('duplicate', 'customer', 'externalRef', ref);

/** Customers are account-wide contacts; product-limited keys see them too (they need them to sell). */
export class CustomerRepository implements CustomersPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    return this.ctx.db.selectFrom('customers').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  async find(ref: string): Promise<CustomerRecord | undefined> {
    const row = await this.scoped()
      .where((eb) => eb.or([eb('id', '=', ref), eb('external_ref', '=', ref)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  list(filter: CustomerFilter, page: PageRequest): Promise<Page<CustomerRecord>> {
    let q = this.scoped();
    if (filter.email) q = q.where((eb) => eb(eb.fn('lower', ['email']), '=', filter.email!.toLowerCase()));
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      // ESCAPE is spelled out: SQLite has no default escape character for LIKE, PostgreSQL does.
      q = q.where((eb) =>
        eb.or((['name', 'email', 'external_ref'] as const).map((col) => sql<boolean>`lower(${sql.ref(col)}) like ${like} escape '\\'`)),
      );
    }
    return paginate(q, 'id', page, toRecord);
  }

  /** Holds the customer's row until the transaction ends (decisions that count across entitlements). */
  async lock(id: string): Promise<void> {
    await this.ctx.database.forUpdate(this.scoped().where('id', '=', id)).executeTakeFirst();
  }

  async insert(c: CustomerRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('customers')
          .values({
            account_id: this.ctx.scope.accountId,
            id: c.id,
            name: c.name,
            email: c.email,
            external_ref: c.externalRef,
            metadata: JSON.stringify(c.metadata),
            created_at: c.createdAt,
            updated_at: c.updatedAt,
          })
          .execute(),
      () => duplicate(c.externalRef),
    );
  }

  async update(c: CustomerRecord): Promise<void> {
    changed(this.ctx, 'account', c.id);
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .updateTable('customers')
          .set({ name: c.name, email: c.email, external_ref: c.externalRef, metadata: JSON.stringify(c.metadata), updated_at: c.updatedAt })
          .where('account_id', '=', this.ctx.scope.accountId)
          .where('id', '=', c.id)
          .execute(),
      () => duplicate(c.externalRef),
    );
  }

  async delete(id: string): Promise<void> {
    changed(this.ctx, 'account', id);
    await this.ctx.db.deleteFrom('customers').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }
}
