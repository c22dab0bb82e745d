import type { Kysely } from 'kysely';

/** The keys capability's table, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    key_generators: KeyGeneratorsTable;
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
