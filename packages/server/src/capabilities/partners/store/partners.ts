import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { PartnerKind, PartnerRecord, PartnersPort } from '../ports.js';
import type { PartnersTable } from './tables.js';
import { type RepoContext, uniquely } from '../../../platform/store/context.js';
import { StoreConflict } from '../../../platform/store/conflicts.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const fromRow = (r: Selectable<PartnersTable>): PartnerRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind as PartnerKind,
  email: r.email,
  externalRef: r.external_ref,
  metadata: parseJson(r.metadata),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toRow = (p: PartnerRecord) => ({
  name: p.name,
  kind: p.kind,
  email: p.email,
  external_ref: p.externalRef,
  metadata: JSON.stringify(p.metadata),
  updated_at: p.updatedAt,
});

/** Channel partners of one account. */
export class PartnerRepository implements PartnersPort {
  constructor(private readonly ctx: RepoContext) {}

  private all() {
    return this.ctx.db.selectFrom('partners').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  private conflict(p: PartnerRecord) {
    return () => new StoreConflict('duplicate', 'partner', 'externalRef', p.externalRef);
  }

  async insert(p: PartnerRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .insertInto('partners')
          .values({ account_id: this.ctx.scope.accountId, id: p.id, created_at: p.createdAt, ...toRow(p) })
          .execute(),
      this.conflict(p),
    );
  }

  async update(p: PartnerRecord): Promise<void> {
    await uniquely(
      this.ctx,
      () =>
        this.ctx.db
          .updateTable('partners')
          .set(toRow(p))
          .where('account_id', '=', this.ctx.scope.accountId)
          .where('id', '=', p.id)
          .execute(),
      this.conflict(p),
    );
  }

  async delete(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('partners').where('account_id', '=', this.ctx.scope.accountId).where('id', '=', id).execute();
  }

  async find(ref: string): Promise<PartnerRecord | undefined> {
    const row = await this.all()
      .where((eb) => eb.or([eb('id', '=', ref), eb('external_ref', '=', ref)]))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  list(page: PageRequest): Promise<Page<PartnerRecord>> {
    return paginate(this.all(), 'id', page, fromRow);
  }
}
