import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type {
  ActivationBatchesPort,
  ActivationBatchRecord,
  BatchAction,
  BatchDeviceInput,
  BatchItemRecord,
  BatchState,
  ItemOutcome,
} from '../ports.js';
import type { ActivationBatchesTable, ActivationBatchItemsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { claimJob, moveJobLock } from '../../../platform/store/job-locks.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

const batchFromRow = (r: Selectable<ActivationBatchesTable>): ActivationBatchRecord => ({
  id: r.id,
  entitlementId: r.entitlement_id,
  productId: r.product_id,
  action: r.action as BatchAction,
  state: r.state as BatchState,
  total: r.total,
  done: r.done,
  results: parseJson(r.results),
  refusals: parseJson(r.refusals),
  error: r.error,
  actor: { type: r.actor_type, id: r.actor_id },
  requestId: r.request_id,
  createdAt: Number(r.created_at),
  startedAt: r.started_at === null ? null : Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

const itemFromRow = (r: Selectable<ActivationBatchItemsTable>): BatchItemRecord => ({
  line: r.line,
  device: parseJson(r.device),
  outcome: r.outcome as ItemOutcome,
  code: r.code,
  message: r.message,
  activationId: r.activation_id,
  lease: r.lease,
});

/**
 * Batch activations and their items. The items are fixed when the batch is created; each is
 * finished in the same transaction that activates its device, which is what makes a batch safe to
 * resume after a crash without activating anything twice. A product scope sees its product's batches.
 */
export class ActivationBatchRepository implements ActivationBatchesPort {
  constructor(private readonly ctx: RepoContext) {}

  private get accountId() {
    return this.ctx.scope.accountId;
  }

  private scoped() {
    const q = this.ctx.db.selectFrom('activation_batches').selectAll().where('account_id', '=', this.accountId);
    return this.ctx.scope.productId ? q.where('product_id', '=', this.ctx.scope.productId) : q;
  }

  async insert(b: ActivationBatchRecord, devices: BatchDeviceInput[]): Promise<void> {
    await this.ctx.db
      .insertInto('activation_batches')
      .values({
        account_id: this.accountId,
        id: b.id,
        entitlement_id: b.entitlementId,
        product_id: b.productId,
        action: b.action,
        state: b.state,
        total: b.total,
        done: b.done,
        results: JSON.stringify(b.results),
        refusals: JSON.stringify(b.refusals),
        error: null,
        actor_type: b.actor.type,
        actor_id: b.actor.id,
        request_id: b.requestId,
        locked_by: null,
        locked_until: null,
        created_at: b.createdAt,
        started_at: null,
        finished_at: null,
      })
      .execute();
    // Batches keep each statement well under both engines' bound-parameter limits.
    for (let i = 0; i < devices.length; i += 500) {
      await this.ctx.db
        .insertInto('activation_batch_items')
        .values(
          devices.slice(i, i + 500).map((device, j) => ({
            account_id: this.accountId,
            batch_id: b.id,
            line: i + j + 1,
            device: JSON.stringify(device),
            outcome: 'pending',
            code: null,
            message: null,
            activation_id: null,
            lease: null,
          })),
        )
        .execute();
    }
  }

  async find(id: string): Promise<ActivationBatchRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && batchFromRow(row);
  }

  list(page: PageRequest): Promise<Page<ActivationBatchRecord>> {
    return paginate(this.scoped(), 'id', page, batchFromRow);
  }

  async update(b: ActivationBatchRecord): Promise<void> {
    await this.ctx.db
      .updateTable('activation_batches')
      .set({
        state: b.state,
        done: b.done,
        results: JSON.stringify(b.results),
        refusals: JSON.stringify(b.refusals),
        error: b.error,
        started_at: b.startedAt,
        finished_at: b.finishedAt,
      })
      .where('account_id', '=', this.accountId)
      .where('id', '=', b.id)
      .execute();
  }

  async pendingItems(batchId: string, limit: number): Promise<BatchItemRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('activation_batch_items')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('batch_id', '=', batchId)
      .where('outcome', '=', 'pending')
      .orderBy('line')
      .limit(limit)
      .execute();
    return rows.map(itemFromRow);
  }

  async finishItem(batchId: string, item: BatchItemRecord): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('activation_batch_items')
      .set({ outcome: item.outcome, code: item.code, message: item.message, activation_id: item.activationId, lease: item.lease })
      .where('account_id', '=', this.accountId)
      .where('batch_id', '=', batchId)
      .where('line', '=', item.line)
      .where('outcome', '=', 'pending')
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async items(
    batchId: string,
    filter: { outcome?: ItemOutcome | undefined },
    page: { limit: number; afterLine: number },
  ): Promise<BatchItemRecord[]> {
    let q = this.ctx.db
      .selectFrom('activation_batch_items')
      .selectAll()
      .where('account_id', '=', this.accountId)
      .where('batch_id', '=', batchId)
      .where('line', '>', page.afterLine);
    if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
    return (await q.orderBy('line').limit(page.limit).execute()).map(itemFromRow);
  }

  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined> {
    return claimJob(this.ctx.db, 'activation_batches', ['pending', 'running'], worker, now, lockMs);
  }

  renew(id: string, worker: string, until: number): Promise<boolean> {
    return moveJobLock(this.ctx.db, 'activation_batches', this.accountId, id, worker, until);
  }

  async release(id: string, worker: string): Promise<void> {
    await moveJobLock(this.ctx.db, 'activation_batches', this.accountId, id, worker, null);
  }
}
