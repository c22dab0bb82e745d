import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('offerings')
    .addColumn('upgrade_paths', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('offerings')
    .addColumn('eviction_order', 'text', (c) => c.notNull().defaultTo('least_recently_seen'))
    .execute();
  await db.schema
    .alterTable('offerings')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('activations').addColumn('app_version', 'text').execute();

  // Every version of every entitlement and offering, so any past moment can be answered exactly.
  await db.schema
    .createTable('entitlement_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('entitlement_versions_pk', ['account_id', 'entitlement_id', 'version'])
    .execute();
  await db.schema
    .createTable('offering_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('offering_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('offering_versions_pk', ['account_id', 'offering_id', 'version'])
    .execute();

  // Keys replaced by a re-keying migration keep working until their grace date.
  await db.schema
    .createTable('retired_license_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('retired_license_keys_pk', ['account_id', 'entitlement_id', 'key_hash'])
    .execute();
  await db.schema.createIndex('retired_license_keys_hash').on('retired_license_keys').column('key_hash').execute();

  await db.schema
    .createTable('migrations')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('source_offering_id', 'text', (c) => c.notNull())
    .addColumn('target_offering_id', 'text', (c) => c.notNull())
    .addColumn('selection', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('migrations_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('migrations_state').on('migrations').columns(['state', 'locked_until']).execute();

  await db.schema
    .createTable('migration_items')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('migration_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('done_at', 'bigint')
    .addPrimaryKeyConstraint('migration_items_pk', ['account_id', 'migration_id', 'entitlement_id'])
    .execute();
  await db.schema
    .createIndex('migration_items_pending')
    .on('migration_items')
    .columns(['account_id', 'migration_id', 'state', 'entitlement_id'])
    .execute();
}
