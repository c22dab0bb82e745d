import type { Kysely } from 'kysely';

/** The batches capability's tables, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    activation_batches: ActivationBatchesTable;
    activation_batch_items: ActivationBatchItemsTable;
  }
}

export interface ActivationBatchesTable {
  account_id: string;
  id: string;
  entitlement_id: string;
  product_id: string;
  action: string;
  state: string;
  total: number;
  done: number;
  results: string;
  refusals: string;
  error: string | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface ActivationBatchItemsTable {
  account_id: string;
  batch_id: string;
  line: number;
  device: string;
  outcome: string;
  code: string | null;
  message: string | null;
  activation_id: string | null;
  lease: string | null;
}

/** Batch activations and their items, one row per device. */
export const activationBatchesMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('activation_batches')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('done', 'integer', (c) => c.notNull())
      .addColumn('results', 'text', (c) => c.notNull())
      .addColumn('refusals', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('activation_batches_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('activation_batches_work').on('activation_batches').columns(['state', 'locked_until']).execute();
    await db.schema
      .createTable('activation_batch_items')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('message', 'text')
      .addColumn('activation_id', 'text')
      .addColumn('lease', 'text')
      .addPrimaryKeyConstraint('activation_batch_items_pk', ['account_id', 'batch_id', 'line'])
      .execute();
    await db.schema
      .createIndex('activation_batch_items_pending')
      .on('activation_batch_items')
      .columns(['account_id', 'batch_id', 'outcome', 'line'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('activation_batch_items').execute();
    await db.schema.dropTable('activation_batches').execute();
  },
};
