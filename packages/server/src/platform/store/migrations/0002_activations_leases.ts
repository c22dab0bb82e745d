import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Offering settings for seats, leases and activation rules; defaults keep existing offerings valid.
  const offeringColumns: Array<[string, 'text' | 'integer', string | number | null]> = [
    ['rehost_period', 'text', 'P1Y'],
    ['heartbeat_window', 'text', 'PT10M'],
    ['borrow_limit', 'text', null],
    ['max_devices_per_user', 'integer', 1],
    ['ephemeral_counting', 'text', 'instance'],
    ['enforcement_mode', 'text', 'enforce'],
    ['activation_rules', 'text', '[]'],
  ];
  for (const [name, type, fallback] of offeringColumns) {
    await db.schema
      .alterTable('offerings')
      .addColumn(name, type, (c) => (fallback === null ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }
  await db.schema.alterTable('products').addColumn('trial_offering_id', 'text').execute();

  await db.schema
    .createTable('activations')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('seat_kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('platform', 'text')
    .addColumn('hostname', 'text')
    .addColumn('named_user', 'text')
    .addColumn('host', 'text')
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('heartbeat_deadline', 'bigint')
    .addColumn('borrowed_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addPrimaryKeyConstraint('activations_pk', ['account_id', 'id'])
    .execute();
  // One live activation per device and entitlement: a second activate of the same fingerprint
  // finds the first, even when two arrive at once.
  await db.schema
    .createIndex('activations_live_fingerprint')
    .unique()
    .on('activations')
    .columns(['account_id', 'entitlement_id', 'fingerprint'])
    .where(sql.ref('state'), '=', 'active')
    .execute();
  await db.schema.createIndex('activations_entitlement').on('activations').columns(['account_id', 'entitlement_id', 'state']).execute();
  await db.schema.createIndex('activations_customer').on('activations').columns(['account_id', 'customer_id', 'state']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('refresh_after', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('leases_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('leases_entitlement').on('leases').columns(['account_id', 'entitlement_id', 'id']).execute();
  await db.schema.createIndex('leases_activation').on('leases').columns(['account_id', 'activation_id', 'id']).execute();
  await db.schema.createIndex('leases_kid').on('leases').columns(['account_id', 'kid', 'expires_at']).execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .addPrimaryKeyConstraint('signing_keys_pk', ['account_id', 'id'])
    .execute();
  // At most one active key per account, even when two processes create the first one at once.
  await db.schema
    .createIndex('signing_keys_one_active')
    .unique()
    .on('signing_keys')
    .column('account_id')
    .where(sql.ref('state'), '=', 'active')
    .execute();

  await db.schema
    .createTable('trials')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('trials_pk', ['account_id', 'product_id', 'fingerprint'])
    .execute();
}
