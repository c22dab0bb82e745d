import type { Selectable } from 'kysely';
import type { Role } from '@leasehold/contract';
import type { ApiKeyRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import type { ApiKeysPort } from '../ports.js';
import type { ApiKeysTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate } from '../../../platform/store/paging.js';

export const apiKeyFromRow = (r: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  role: r.role as Role,
  productId: r.product_id,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export class ApiKeyRepository implements ApiKeysPort {
  constructor(private readonly ctx: RepoContext) {}

  private live() {
    return this.ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('revoked_at', 'is', null);
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.live().where('id', '=', id).executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  list(page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return paginate(this.live(), 'id', page, apiKeyFromRow);
  }

  async countAdmins(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('revoked_at', 'is', null)
      .where('role', '=', 'admin')
      .where('product_id', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(k: ApiKeyRecord, tokenHash: string): Promise<void> {
    await this.ctx.db
      .insertInto('api_keys')
      .values({
        account_id: this.ctx.scope.accountId,
        id: k.id,
        name: k.name,
        role: k.role,
        product_id: k.productId,
        token_hash: tokenHash,
        prefix: k.prefix,
        created_at: k.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  /** Revoked keys stay in the table (the audit log names them) but never authenticate again. */
  async revoke(id: string, at: number): Promise<void> {
    await this.ctx.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .execute();
  }
}
