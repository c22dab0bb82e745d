import type { Kysely } from 'kysely';

// Migrations use only portable column types (text, integer, bigint) so one history runs on
// SQLite and PostgreSQL alike.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('api_keys_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('api_keys_token_hash').unique().on('api_keys').column('token_hash').execute();

  await db.schema
    .createTable('products')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('products_pk', ['account_id', 'id'])
    .addUniqueConstraint('products_code', ['account_id', 'code'])
    .execute();

  await db.schema
    .createTable('features')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('unit', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('features_pk', ['account_id', 'id'])
    .addUniqueConstraint('features_code', ['account_id', 'product_id', 'code'])
    .execute();

  await db.schema
    .createTable('offerings')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('license_model', 'text', (c) => c.notNull())
    .addColumn('seat_model', 'text', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addColumn('term', 'text')
    .addColumn('lease_period', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('rehost_limit', 'integer')
    .addColumn('maintenance_term', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('offerings_pk', ['account_id', 'id'])
    .addUniqueConstraint('offerings_code', ['account_id', 'code'])
    .execute();
  await db.schema.createIndex('offerings_product').on('offerings').columns(['account_id', 'product_id']).execute();

  await db.schema
    .createTable('customers')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('external_ref', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('customers_pk', ['account_id', 'id'])
    .addUniqueConstraint('customers_external_ref', ['account_id', 'external_ref'])
    .execute();

  await db.schema
    .createTable('entitlements')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('offering_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('order_ref', 'text')
    .addColumn('external_ref', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('maintenance_until', 'bigint')
    .addColumn('overrides', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('entitlements_pk', ['account_id', 'id'])
    .addUniqueConstraint('entitlements_external_ref', ['account_id', 'external_ref'])
    .execute();
  // License keys are looked up without knowing the account (the client sends only the key).
  await db.schema.createIndex('entitlements_key_hash').unique().on('entitlements').column('key_hash').execute();
  await db.schema.createIndex('entitlements_customer').on('entitlements').columns(['account_id', 'customer_id']).execute();
  await db.schema.createIndex('entitlements_offering').on('entitlements').columns(['account_id', 'offering_id']).execute();
  await db.schema.createIndex('entitlements_product').on('entitlements').columns(['account_id', 'product_id']).execute();

  await db.schema
    .createTable('events')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('entitlement_id', 'text')
    .addColumn('product_id', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('events_subject').on('events').columns(['account_id', 'subject_id', 'id']).execute();
  await db.schema.createIndex('events_entitlement').on('events').columns(['account_id', 'entitlement_id', 'id']).execute();
  await db.schema.createIndex('events_customer').on('events').columns(['account_id', 'customer_id', 'id']).execute();
  await db.schema.createIndex('events_type').on('events').columns(['account_id', 'type', 'id']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
    .execute();
}
