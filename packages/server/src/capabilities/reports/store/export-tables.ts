import type { Kysely } from 'kysely';

/**
 * Scheduled exports of saved reports and their run log, in the main database (migration 0047):
 * the schedule is claimed by a conditional write of `next_run_at`, so each run happens once among
 * several processes on one database.
 */
declare module '../../../platform/store/schema.js' {
  interface DB {
    report_exports: ReportExportsTable;
    report_export_runs: ReportExportRunsTable;
  }
}

export interface ReportExportsTable {
  account_id: string;
  id: string;
  saved_report_id: string;
  /** '' for an export of an account-wide saved report. */
  product_id: string;
  cadence: string;
  hour: number;
  /** JSON: {kind: 'url', url} or {kind: 'email', to}. */
  destination: string;
  secret_sealed: string | null;
  next_run_at: number;
  /** When the export was paused (migration 0049); null while it runs on its schedule. */
  paused_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ReportExportRunsTable {
  account_id: string;
  id: string;
  export_id: string;
  trigger: string;
  at: number;
  period_from: number;
  period_to: number;
  rows: number | null;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  error: string | null;
}

export const reportExportsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('report_exports')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('saved_report_id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('cadence', 'text', (c) => c.notNull())
      .addColumn('hour', 'integer', (c) => c.notNull())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text')
      .addColumn('next_run_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('report_exports_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('report_exports_due').on('report_exports').column('next_run_at').execute();
    await db.schema
      .createTable('report_export_runs')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('export_id', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('period_from', 'bigint', (c) => c.notNull())
      .addColumn('period_to', 'bigint', (c) => c.notNull())
      .addColumn('rows', 'integer')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('report_export_runs_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('report_export_runs_of').on('report_export_runs').columns(['account_id', 'export_id', 'id']).execute();
    await db.schema.createIndex('report_export_runs_due').on('report_export_runs').columns(['status', 'next_attempt_at']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('report_export_runs').execute();
    await db.schema.dropTable('report_exports').execute();
  },
};

/**
 * Migration 0049: a paused export keeps its row and run log but is skipped by the job that finds
 * due runs. A nullable column, so every export written before it runs on as it did.
 */
export const reportExportsPausedMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('report_exports').addColumn('paused_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('report_exports').dropColumn('paused_at').execute();
  },
};
