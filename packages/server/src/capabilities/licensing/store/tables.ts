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
};
