import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { PendingKeyRecord, PendingKeysPort } from '../ports.js';
import type { PendingKeysTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { claimJob } from '../../../platform/store/job-locks.js';
import { paginate } from '../../../platform/store/paging.js';

const fromRow = (r: Selectable<PendingKeysTable>): PendingKeyRecord => ({
  entitlementId: r.id,
  productId: r.product_id,
  generatorId: r.generator_id,
  state: r.state as PendingKeyRecord['state'],
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.locked_until === null ? 0 : Number(r.locked_until),
  actor: { type: r.actor_type, id: r.actor_id },
  requestId: r.request_id,
  createdAt: Number(r.created_at),
  issuedAt: r.issued_at === null ? null : Number(r.issued_at),
});

/** Keys waiting for a remote generator, of one account; the claim alone looks across accounts, as background work does. */
export class PendingKeyRepository implements PendingKeysPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    const q = this.ctx.db.selectFrom('pending_keys').selectAll().where('account_id', '=', accountId);
    return productId ? q.where('product_id', '=', productId) : q;
  }

  async insert(p: PendingKeyRecord): Promise<void> {
    const actor = p.actor as { type: string; id: string | null };
    await this.ctx.db
      .insertInto('pending_keys')
      .values({
        account_id: this.ctx.scope.accountId,
        id: p.entitlementId,
        product_id: p.productId,
        generator_id: p.generatorId,
        state: p.state,
        attempts: p.attempts,
        last_error: p.lastError,
        locked_by: null,
        locked_until: p.nextAttemptAt,
        actor_type: actor.type,
        actor_id: actor.id,
        request_id: p.requestId,
        created_at: p.createdAt,
        issued_at: p.issuedAt,
      })
      .execute();
  }

  async find(entitlementId: string): Promise<PendingKeyRecord | undefined> {
    const row = await this.scoped().where('id', '=', entitlementId).executeTakeFirst();
    return row && fromRow(row);
  }

  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined> {
    return claimJob(this.ctx.db, 'pending_keys', ['queued'], worker, now, lockMs);
  }

  async settle(p: PendingKeyRecord, worker: string): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('pending_keys')
      .set({
        state: p.state,
        attempts: p.attempts,
        last_error: p.lastError,
        issued_at: p.issuedAt,
        locked_by: null,
        locked_until: p.state === 'queued' ? p.nextAttemptAt : null,
      })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', p.entitlementId)
      .where('locked_by', '=', worker)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  list(filter: { state?: PendingKeyRecord['state'] | undefined }, page: PageRequest): Promise<Page<PendingKeyRecord>> {
    const q = filter.state ? this.scoped().where('state', '=', filter.state) : this.scoped();
    return paginate(q, 'id', page, fromRow);
  }
}
