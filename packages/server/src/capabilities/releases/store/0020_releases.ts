import type { Kysely } from 'kysely';

/** Releases, their artifacts and the downloads granted; offerings get a download limit. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('releases')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('version_key', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('critical', 'integer', (c) => c.notNull())
    .addColumn('minimum_version', 'text')
    .addColumn('requires', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('backdated_to', 'bigint')
    .addColumn('yanked_at', 'bigint')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('releases_pk', ['account_id', 'id'])
    // Two versions of equal precedence (1.0.0+a, 1.0.0+b) could not be ordered: one per product.
    .addUniqueConstraint('releases_version', ['account_id', 'product_id', 'version_key'])
    .execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addColumn('sha256', 'text')
    .addColumn('expected_size', 'bigint')
    .addColumn('expected_sha256', 'text')
    .addColumn('requires', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('signature_kid', 'text')
    .addColumn('storage', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint')
    .addPrimaryKeyConstraint('artifacts_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('artifacts_release').on('artifacts').columns(['account_id', 'release_id']).execute();

  await db.schema
    .createTable('downloads')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('artifact_id', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text')
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('downloads_pk', ['account_id', 'id'])
    .execute();
  // What a download limit counts: one entitlement's downloads of one artifact or release, by time.
  await db.schema.createIndex('downloads_entitlement').on('downloads').columns(['account_id', 'entitlement_id', 'at']).execute();
  await db.schema.createIndex('downloads_release').on('downloads').columns(['account_id', 'release_id', 'id']).execute();
  await db.schema.createIndex('downloads_customer').on('downloads').columns(['account_id', 'customer_id', 'id']).execute();

  await db.schema.alterTable('offerings').addColumn('download_limit', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('offerings').dropColumn('download_limit').execute();
  await db.schema.dropTable('downloads').execute();
  await db.schema.dropTable('artifacts').execute();
  await db.schema.dropTable('releases').execute();
}
