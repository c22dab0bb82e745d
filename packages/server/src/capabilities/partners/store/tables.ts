import type { Kysely } from 'kysely';

/** The partners capability's tables, merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    partners: PartnersTable;
    code_batches: CodeBatchesTable;
    partner_codes: PartnerCodesTable;
  }
}

export interface PartnersTable {
  account_id: string;
  id: string;
  name: string;
  kind: string;
  email: string | null;
  external_ref: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface CodeBatchesTable {
  account_id: string;
  id: string;
  partner_id: string;
  offering_id: string;
  product_id: string;
  quantity: number;
  generated: number;
  state: string;
  expires_at: number | null;
  overrides: string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface PartnerCodesTable {
  account_id: string;
  /** The keyed hash of the code's normal form: unique across accounts, as license keys are. */
  code_hash: string;
  code_sealed: string;
  batch_id: string;
  partner_id: string;
  serial: number;
  state: string;
  redeemed_at: number | null;
  voided_at: number | null;
  entitlement_id: string | null;
}

/** Channel partners, their code batches and the codes. */
export const partnerCodesMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('partners')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('external_ref', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('partners_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('partners_external_ref').unique().on('partners').columns(['account_id', 'external_ref']).execute();
    await db.schema
      .createTable('code_batches')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('offering_id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('generated', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('overrides', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('code_batches_pk', ['account_id', 'id'])
      .execute();
    await db.schema.createIndex('code_batches_partner').on('code_batches').columns(['account_id', 'partner_id']).execute();
    await db.schema.createIndex('code_batches_work').on('code_batches').columns(['state', 'locked_until']).execute();
    await db.schema
      .createTable('partner_codes')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull().primaryKey())
      .addColumn('code_sealed', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('serial', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('redeemed_at', 'bigint')
      .addColumn('voided_at', 'bigint')
      .addColumn('entitlement_id', 'text')
      .execute();
    // A serial is taken once per batch: a generation step run twice cannot add the same codes again.
    await db.schema
      .createIndex('partner_codes_serial')
      .unique()
      .on('partner_codes')
      .columns(['account_id', 'batch_id', 'serial'])
      .execute();
    await db.schema.createIndex('partner_codes_partner').on('partner_codes').columns(['account_id', 'partner_id', 'state']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('partner_codes').execute();
    await db.schema.dropTable('code_batches').execute();
    await db.schema.dropTable('partners').execute();
  },
};
