import type { Kysely } from 'kysely';

/** The keys capability's table, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    key_generators: KeyGeneratorsTable;
    pending_keys: PendingKeysTable;
  }
}

export interface KeyGeneratorsTable {
  account_id: string;
  id: string;
  product_id: string;
  /** '' for the product's generator: a unique index over (account, product, offering) then holds one each. */
  offering_id: string;
  kind: string;
  settings: string;
  secret_sealed: string | null;
  created_at: number;
  updated_at: number;
}

/** Key generators per product or offering; one each. */
export const keyGeneratorsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('key_generators')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('offering_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('key_generators_pk', ['account_id', 'id'])
      .execute();
    await db.schema
      .createIndex('key_generators_target')
      .unique()
      .on('key_generators')
      .columns(['account_id', 'product_id', 'offering_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('key_generators').execute();
  },
};

export interface PendingKeysTable {
  account_id: string;
  /** The entitlement's id. */
  id: string;
  product_id: string;
  generator_id: string;
  state: string;
  attempts: number;
  last_error: string;
  locked_by: string | null;
  /** While queued and unlocked: when the next attempt may be made (a worker's claim waits for it). */
  locked_until: number | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  created_at: number;
  issued_at: number | null;
}

/** Entitlements waiting for their key from a remote generator set to queue. */
export const pendingKeysMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('pending_keys')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('generator_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('issued_at', 'bigint')
      .addPrimaryKeyConstraint('pending_keys_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('pending_keys_work').on('pending_keys').columns(['state', 'locked_until']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('pending_keys').execute();
  },
};
