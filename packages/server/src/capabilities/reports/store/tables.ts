import type { Kysely } from 'kysely';

/**
 * The reports capability's one table in the main database: saved reports (queries, not figures;
 * the figures live in the reporting store). Merged into the one `DB` interface of
 * `platform/store/schema.ts`.
 */
declare module '../../../platform/store/schema.js' {
  interface DB {
    saved_reports: SavedReportsTable;
  }
}

export interface SavedReportsTable {
  account_id: string;
  id: string;
  name: string;
  /** '' for a report of the whole account. */
  product_id: string;
  query: string;
  created_at: number;
  updated_at: number;
}

export const savedReportsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('saved_reports')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('saved_reports_pk', ['account_id', 'id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('saved_reports').execute();
  },
};
