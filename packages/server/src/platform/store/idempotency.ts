import type { RepoContext } from './context.js';

export interface StoredResponse {
  fingerprint: string;
  statusCode: number | null;
  response: string | null;
  createdAt: number;
}

/**
 * Idempotency records: claimed before the write runs (a unique row), completed with the response
 * after. A claim that finds a completed row replays it; one that finds an open claim is a
 * concurrent repeat. Each record belongs to one credential (`principal`), so one caller's key can
 * never reach another caller's answer, even in the same account.
 */
export class IdempotencyRepository {
  constructor(private readonly ctx: RepoContext) {}

  private mine(principal: string, key: string) {
    return { account_id: this.ctx.scope.accountId, principal, key };
  }

  async find(principal: string, key: string): Promise<StoredResponse | undefined> {
    const row = await this.ctx.db
      .selectFrom('idempotency_records')
      .select(['fingerprint', 'status_code', 'response', 'created_at'])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('principal', '=', principal)
      .where('key', '=', key)
      .executeTakeFirst();
    return row && { fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response, createdAt: row.created_at };
  }

  /** True when this call took the key; false when the same caller already holds it. */
  async claim(principal: string, key: string, fingerprint: string, at: number): Promise<boolean> {
    try {
      await this.ctx.db
        .insertInto('idempotency_records')
        .values({ ...this.mine(principal, key), fingerprint, status_code: null, response: null, created_at: at })
        .execute();
      return true;
    } catch (error) {
      if (this.ctx.database.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async complete(principal: string, key: string, statusCode: number, response: string): Promise<void> {
    await this.ctx.db
      .updateTable('idempotency_records')
      .set({ status_code: statusCode, response })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('principal', '=', principal)
      .where('key', '=', key)
      .execute();
  }

  async release(principal: string, key: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('idempotency_records')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('principal', '=', principal)
      .where('key', '=', key)
      .execute();
  }
}
