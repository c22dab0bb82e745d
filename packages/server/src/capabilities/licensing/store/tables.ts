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
