import type { Kysely } from 'kysely';

/** Inbound billing integrations: their settings, the events received (idempotency), and subscription ↔ entitlement links. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_settings')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('integration_settings_pk', ['account_id', 'provider'])
    .execute();
  await db.schema
    .createTable('integration_events')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('entitlement_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('integration_events_pk', ['account_id', 'provider', 'event_id'])
    .execute();
  await db.schema.createIndex('integration_events_by_id').on('integration_events').columns(['account_id', 'provider', 'id']).execute();
  await db.schema
    .createTable('integration_links')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('last_event_at', 'bigint', (c) => c.notNull())
    .addColumn('last_event_id', 'text', (c) => c.notNull())
    .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('integration_links_pk', ['account_id', 'provider', 'subject'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('integration_links').execute();
  await db.schema.dropTable('integration_events').execute();
  await db.schema.dropTable('integration_settings').execute();
}
