import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every usage record as reported; the idempotency key makes a repeated report count once.
  await db.schema
    .createTable('usage_records')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_records_pk', ['account_id', 'id'])
    .addUniqueConstraint('usage_records_idempotency', ['account_id', 'entitlement_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('usage_records_customer').on('usage_records').columns(['account_id', 'customer_id', 'at']).execute();
  await db.schema
    .createIndex('usage_records_entitlement')
    .on('usage_records')
    .columns(['account_id', 'entitlement_id', 'feature', 'at'])
    .execute();

  // Running totals per entitlement, feature and period: what quota decisions read.
  await db.schema
    .createTable('usage_counters')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('period_end', 'bigint', (c) => c.notNull())
    .addColumn('used', 'bigint', (c) => c.notNull())
    .addColumn('closed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_counters_pk', ['account_id', 'entitlement_id', 'feature', 'period_start'])
    .execute();
  await db.schema.createIndex('usage_counters_open').on('usage_counters').columns(['closed', 'period_end']).execute();

  // Elements of pool features held by devices.
  await db.schema
    .createTable('pool_checkouts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pool_checkouts_pk', ['account_id', 'activation_id', 'feature'])
    .execute();
  await db.schema
    .createIndex('pool_checkouts_entitlement')
    .on('pool_checkouts')
    .columns(['account_id', 'entitlement_id', 'feature'])
    .execute();
}
