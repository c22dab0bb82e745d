import type { Selectable } from 'kysely';
import type { Page, PageRequest } from '../../../platform/domain/model.js';
import type { Database } from '../../../platform/store/database.js';
import type { RepoContext } from '../../../platform/store/context.js';
import { paginate, parseJson } from '../../../platform/store/paging.js';
import type {
  ExportCadence,
  ExportDestination,
  ExportRunStatus,
  ExportSchedulePort,
  ReportExportRecord,
  ReportExportRunRecord,
  ReportExportsPort,
} from '../ports.js';
import type { ReportExportRunsTable, ReportExportsTable } from './export-tables.js';

const exportOf = (r: Selectable<ReportExportsTable>): ReportExportRecord => ({
  id: r.id,
  savedReportId: r.saved_report_id,
  productId: r.product_id === '' ? null : r.product_id,
  cadence: r.cadence as ExportCadence,
  hour: Number(r.hour),
  destination: parseJson<ExportDestination>(r.destination),
  secretSealed: r.secret_sealed,
  nextRunAt: Number(r.next_run_at),
  pausedAt: r.paused_at === null ? null : Number(r.paused_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const runOf = (r: Selectable<ReportExportRunsTable>): ReportExportRunRecord => ({
  id: r.id,
  exportId: r.export_id,
  trigger: r.trigger as ReportExportRunRecord['trigger'],
  at: Number(r.at),
  from: Number(r.period_from),
  to: Number(r.period_to),
  rows: r.rows === null ? null : Number(r.rows),
  status: r.status as ExportRunStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  error: r.error,
});

/** Exports of one account; a product-limited scope sees those of its product's saved reports only. */
export class ReportExportRepository implements ReportExportsPort {
  constructor(private readonly ctx: RepoContext) {}

  private scoped() {
    const { accountId, productId } = this.ctx.scope;
    const q = this.ctx.db.selectFrom('report_exports').selectAll().where('account_id', '=', accountId);
    return productId ? q.where('product_id', '=', productId) : q;
  }

  async insert(r: ReportExportRecord): Promise<void> {
    await this.ctx.db
      .insertInto('report_exports')
      .values({
        account_id: this.ctx.scope.accountId,
        id: r.id,
        saved_report_id: r.savedReportId,
        product_id: r.productId ?? '',
        cadence: r.cadence,
        hour: r.hour,
        destination: JSON.stringify(r.destination),
        secret_sealed: r.secretSealed,
        next_run_at: r.nextRunAt,
        paused_at: r.pausedAt,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      })
      .execute();
  }

  async update(r: ReportExportRecord): Promise<void> {
    await this.ctx.db
      .updateTable('report_exports')
      .set({
        cadence: r.cadence,
        hour: r.hour,
        destination: JSON.stringify(r.destination),
        secret_sealed: r.secretSealed,
        next_run_at: r.nextRunAt,
        paused_at: r.pausedAt,
        updated_at: r.updatedAt,
      })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', r.id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    const { accountId } = this.ctx.scope;
    await this.ctx.db.deleteFrom('report_export_runs').where('account_id', '=', accountId).where('export_id', '=', id).execute();
    await this.ctx.db.deleteFrom('report_exports').where('account_id', '=', accountId).where('id', '=', id).execute();
  }

  async find(id: string): Promise<ReportExportRecord | undefined> {
    const row = await this.scoped().where('id', '=', id).executeTakeFirst();
    return row && exportOf(row);
  }

  list(page: PageRequest): Promise<Page<ReportExportRecord>> {
    return paginate(this.scoped(), 'id', page, exportOf);
  }

  async advance(id: string, seen: number, next: number): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('report_exports')
      .set({ next_run_at: next })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .where('next_run_at', '=', seen)
      // A pause committed after the job looked wins: the claim fails and no run is made.
      .where('paused_at', 'is', null)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async insertRun(r: ReportExportRunRecord): Promise<void> {
    await this.ctx.db
      .insertInto('report_export_runs')
      .values({
        account_id: this.ctx.scope.accountId,
        id: r.id,
        export_id: r.exportId,
        trigger: r.trigger,
        at: r.at,
        period_from: r.from,
        period_to: r.to,
        rows: r.rows,
        status: r.status,
        attempts: r.attempts,
        next_attempt_at: r.nextAttemptAt,
        error: r.error,
      })
      .execute();
  }

  async findRun(id: string): Promise<ReportExportRunRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('report_export_runs')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && runOf(row);
  }

  async claimRun(id: string, seen: number, until: number): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('report_export_runs')
      .set({ next_attempt_at: until })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', seen)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  async settleRun(r: ReportExportRunRecord, claimedUntil: number): Promise<boolean> {
    const out = await this.ctx.db
      .updateTable('report_export_runs')
      .set({ rows: r.rows, status: r.status, attempts: r.attempts, next_attempt_at: r.nextAttemptAt, error: r.error })
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('id', '=', r.id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', claimedUntil)
      .executeTakeFirst();
    return Number(out.numUpdatedRows) === 1;
  }

  runs(exportId: string, page: PageRequest): Promise<Page<ReportExportRunRecord>> {
    const q = this.ctx.db
      .selectFrom('report_export_runs')
      .selectAll()
      .where('account_id', '=', this.ctx.scope.accountId)
      .where('export_id', '=', exportId);
    return paginate(q, 'id', page, runOf);
  }
}

/** The export job's look across accounts; each claim is then made in the account's own transaction. */
export class ExportScheduleRepository implements ExportSchedulePort {
  constructor(private readonly database: Database) {}

  async dueExports(now: number, limit: number): Promise<Array<{ accountId: string; id: string; nextRunAt: number }>> {
    const rows = await this.database.db
      .selectFrom('report_exports')
      .select(['account_id', 'id', 'next_run_at'])
      .where('next_run_at', '<=', now)
      .where('paused_at', 'is', null)
      .orderBy('next_run_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, id: r.id, nextRunAt: Number(r.next_run_at) }));
  }

  async dueRuns(now: number, limit: number): Promise<Array<{ accountId: string; id: string; nextAttemptAt: number }>> {
    const rows = await this.database.db
      .selectFrom('report_export_runs')
      .select(['account_id', 'id', 'next_attempt_at'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, id: r.id, nextAttemptAt: Number(r.next_attempt_at) }));
  }
}
