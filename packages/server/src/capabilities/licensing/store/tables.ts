import type { Kysely, Migration } from 'kysely';

/** The licensing capability's tables (activations, leases, signing keys and trials), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    activations: ActivationsTable;
    leases: LeasesTable;
    signing_keys: SigningKeysTable;
    trials: TrialsTable;
  }
}

export interface ActivationsTable {
  account_id: string;
  id: string;
  entitlement_id: string;
  customer_id: string;
  product_id: string;
  fingerprint: string;
  seat_kind: string;
  state: string;
  name: string | null;
  platform: string | null;
  hostname: string | null;
  named_user: string | null;
  host: string | null;
  app_version: string | null;
  meta: string;
  pinned: number;
  heartbeat_deadline: number | null;
  borrowed_until: number | null;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export interface LeasesTable {
  account_id: string;
  id: string;
  activation_id: string;
  entitlement_id: string;
  kid: string;
  issued_at: number;
  expires_at: number;
  refresh_after: number;
  /** Added by migration 0045: the rights version the lease carries. */
  entitlement_version: number;
  offering_id: string | null;
  offering_version: number;
}

export interface SigningKeysTable {
  account_id: string;
  id: string;
  algorithm: string;
  state: string;
  public_jwk: string;
  private_sealed: string;
  created_at: number;
  retired_at: number | null;
}

export interface TrialsTable {
  account_id: string;
  product_id: string;
  fingerprint: string;
  entitlement_id: string;
  created_at: number;
}

/**
 * The licensing capability's own migrations (after the shared history in platform/store/migrations/):
 * - 0029: a device found by its fingerprint across the account (the support desk's search,
 *   `GET /v1/activations?fingerprint=`) is an index seek, not a walk of every activation.
 * - 0045: every lease records the rights version it carries (the entitlement's version, the
 *   offering's id and version), and "the latest lease of each activation" (propagation) is an
 *   index seek on (account, activation, issued_at). Older leases read version 0: behind any change.
 */
export const licensingMigrations: Record<string, Migration> = {
  '0029_activation_fingerprint': {
    up: async (db: Kysely<unknown>) => {
      await db.schema.createIndex('activations_fingerprint').on('activations').columns(['account_id', 'fingerprint']).execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropIndex('activations_fingerprint').execute();
    },
  },
  '0045_lease_rights_version': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .alterTable('leases')
        .addColumn('entitlement_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('leases').addColumn('offering_id', 'text').execute();
      await db.schema
        .alterTable('leases')
        .addColumn('offering_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('leases_activation_latest').on('leases').columns(['account_id', 'activation_id', 'issued_at']).execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropIndex('leases_activation_latest').execute();
      await db.schema.alterTable('leases').dropColumn('offering_version').execute();
      await db.schema.alterTable('leases').dropColumn('offering_id').execute();
      await db.schema.alterTable('leases').dropColumn('entitlement_version').execute();
    },
  },
};
