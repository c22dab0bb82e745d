import type { Selectable } from 'kysely';
import type { SigningKeyRecord } from '../../../platform/domain/model.js';
import type { SigningKeysPort } from '../ports.js';
import type { SigningKeysTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { parseJson } from '../../../platform/store/paging.js';

const toRecord = (r: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  id: r.id,
  algorithm: 'EdDSA',
  state: r.state as SigningKeyRecord['state'],
  publicJwk: parseJson(r.public_jwk),
  privateSealed: r.private_sealed,
  createdAt: r.created_at,
  retiredAt: r.retired_at,
});

export class SigningKeyRepository implements SigningKeysPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    return this.ctx.db.selectFrom('signing_keys').selectAll().where('account_id', '=', this.ctx.scope.accountId);
  }

  async active(): Promise<SigningKeyRecord | undefined> {
    const row = await this.scoped().where('state', '=', 'active').executeTakeFirst();
    return row && toRecord(row);
  }

  async all(): Promise<SigningKeyRecord[]> {
    return (await this.scoped().orderBy('id', 'desc').execute()).map(toRecord);
  }

  /**
   * False when another process created the account's active key first (the unique index says so).
   * ON CONFLICT rather than catching the violation: on PostgreSQL a failed statement aborts the
   * transaction, and the caller still has to read the winner's key in it.
   */
  async insertActive(k: SigningKeyRecord): Promise<boolean> {
    const result = await this.ctx.db
      .insertInto('signing_keys')
      .values({
        account_id: this.ctx.scope.accountId,
        id: k.id,
        algorithm: k.algorithm,
        state: 'active',
        public_jwk: JSON.stringify(k.publicJwk),
        private_sealed: k.privateSealed,
        created_at: k.createdAt,
        retired_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async retire(id: string, at: number): Promise<void> {
    await this.ctx.db
      .updateTable('signing_keys')
      .set({ state: 'retired', retired_at: at })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .execute();
  }
}
