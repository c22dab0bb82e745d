import type { RepoContext } from './context.js';

export interface StoredResponse {
  fingerprint: string;
  statusCode: number | null;
  response: string | null;
  createdAt: number;
}

/**
 * Idempotency keys: claimed before the write runs (a unique row), completed with the response after.
 * A claim that finds a completed row replays it; one that finds an open claim is a concurrent repeat.
 */
export class IdempotencyRepository {
  constructor(private readonly ctx: RepoContext) {}

  async find(key: string): Promise<StoredResponse | undefined> {
    const row = await this.ctx.db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'status_code', 'response', 'created_at'])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row && { fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response, createdAt: row.created_at };
  }

  /** True when this call took the key; false when someone already holds it. */
  async claim(key: string, fingerprint: string, at: number): Promise<boolean> {
    try {
      await this.ctx.db
        .insertInto('idempotency_keys')
        .values({ account_id: this.ctx.scope.accountId, key, fingerprint, status_code: null, response: null, created_at: at })
        .execute();
      return true;
    } catch (error) {
      if (this.ctx.database.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async complete(key: string, statusCode: number, response: string): Promise<void> {
    await this.ctx.db
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('key', '=', key)
      .execute();
  }

  async release(key: string): Promise<void> {
    await this.ctx.db.deleteFrom('idempotency_keys').where('account_id', '=', this.ctx.scope.accountId).where('key', '=', key).execute();
  }

  async expireBefore(at: number): Promise<void> {
    await this.ctx.db
      .deleteFrom('idempotency_keys')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('created_at', '<', at)
      .execute();
  }
}
