import type { Selectable } from 'kysely';
import type { MigrationRecord, MigrationState, Page, PageRequest } from '../../../platform/domain/model.js';
import type { MigrationsPort } from '../ports.js';
import type { MigrationsTable } from './tables.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';

export const migrationFromRow = (r: Selectable<MigrationsTable>): MigrationRecord => ({
  id: r.id,
  sourceOfferingId: r.source_offering_id,
  targetOfferingId: r.target_offering_id,
  selection: parseJson(r.selection),
  options: parseJson(r.options),
  state: r.state as MigrationState,
  impact: parseJson(r.impact),
  result: parseJson(r.result),
  total: r.total,
  done: r.done,
  failed: r.failed,
  skipped: r.skipped,
  actor: { type: r.actor_type, id: r.actor_id },
  requestId: r.request_id,
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * Bulk migrations and their items. The items are the target set, fixed when the migration is
 * created; each is marked done in the same transaction that changes its entitlement, which is what
 * makes a migration safe to resume after a crash without doing anything twice.
 */
export class MigrationRepository implements MigrationsPort {
  constructor(private readonly ctx: RepoContext) {}

  async insert(m: MigrationRecord, entitlementIds: string[]): Promise<void> {
    const accountId = this.ctx.scope.accountId;
    await this.ctx.db
      .insertInto('migrations')
      .values({
        account_id: accountId,
        id: m.id,
        source_offering_id: m.sourceOfferingId,
        target_offering_id: m.targetOfferingId,
        selection: JSON.stringify(m.selection),
        options: JSON.stringify(m.options),
        state: m.state,
        impact: JSON.stringify(m.impact),
        result: JSON.stringify(m.result),
        total: m.total,
        done: 0,
        failed: 0,
        skipped: 0,
        actor_type: m.actor.type,
        actor_id: m.actor.id,
        request_id: m.requestId,
        locked_by: null,
        locked_until: null,
        error: null,
        created_at: m.createdAt,
        started_at: null,
        finished_at: null,
      })
      .execute();
    // Batches keep each statement well under both engines' bound-parameter limits.
    for (let i = 0; i < entitlementIds.length; i += 500) {
      await this.ctx.db
        .insertInto('migration_items')
        .values(
          entitlementIds.slice(i, i + 500).map((entitlement_id) => ({
            account_id: accountId,
            migration_id: m.id,
            entitlement_id,
            state: 'pending',
            result: null,
            done_at: null,
          })),
        )
        .execute();
    }
  }

  /** The account's migrations; for a product scope, only those whose offerings both belong to it. */
  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    const q = this.ctx.db.selectFrom('migrations').selectAll().where('account_id', '=', accountId);
    if (!productId) return q;
    const ofProduct = this.ctx.db
      .selectFrom('offerings')
      .select('id')
      .where('account_id', '=', accountId)
      .where('product_id', '=', productId);
    return q.where('source_offering_id', 'in', ofProduct).where('target_offering_id', 'in', ofProduct);
  }

  async find(id: string): Promise<MigrationRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && migrationFromRow(row);
  }

  list(page: PageRequest): Promise<Page<MigrationRecord>> {
    return paginate(this.scoped(), 'id', page, migrationFromRow);
  }

  async pendingItems(migrationId: string, limit: number): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('migration_items')
      .select('entitlement_id')
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('migration_id', '=', migrationId)
      .where('state', '=', 'pending')
      .orderBy('entitlement_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.entitlement_id);
  }

  /** Marks an item finished; false if it was not pending (someone else did it). */
  async finishItem(
    migrationId: string,
    entitlementId: string,
    state: 'done' | 'skipped' | 'failed',
    result: object,
    at: number,
  ): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('migration_items')
      .set({ state, result: JSON.stringify(result), done_at: at })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('migration_id', '=', migrationId)
      .where('entitlement_id', '=', entitlementId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  /** How many distinct customers the migration's finished items belong to. */
  async customersMoved(migrationId: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('migration_items as i')
      .innerJoin('entitlements as e', (j) => j.onRef('e.account_id', '=', 'i.account_id').onRef('e.id', '=', 'i.entitlement_id'))
      .select((eb) => eb.fn.count<number>('e.customer_id').distinct().as('n'))
      .where('i.account_id', '=', this.ctx.scope.accountId)
      .where('i.migration_id', '=', migrationId)
      .where('i.state', '=', 'done')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async itemCounts(migrationId: string): Promise<Record<string, number>> {
    const rows = await this.ctx.db
      .selectFrom('migration_items')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('migration_id', '=', migrationId)
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  async update(m: MigrationRecord): Promise<void> {
    await this.ctx.db
      .updateTable('migrations')
      .set({
        state: m.state,
        done: m.done,
        failed: m.failed,
        skipped: m.skipped,
        result: JSON.stringify(m.result),
        error: m.error,
        started_at: m.startedAt,
        finished_at: m.finishedAt,
      })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', m.id)
      .execute();
  }
}
