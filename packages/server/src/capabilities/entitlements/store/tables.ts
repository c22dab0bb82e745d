/** The entitlements capability's tables (entitlements, their versions and retired license keys), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    entitlements: EntitlementsTable;
    entitlement_versions: EntitlementVersionsTable;
    retired_license_keys: RetiredLicenseKeysTable;
  }
}

export interface EntitlementsTable {
  account_id: string;
  id: string;
  customer_id: string;
  offering_id: string;
  product_id: string;
  order_ref: string | null;
  external_ref: string | null;
  state: string;
  starts_at: number;
  ends_at: number | null;
  maintenance_until: number | null;
  overrides: string;
  metadata: string;
  key_hash: string;
  key_sealed: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface EntitlementVersionsTable {
  account_id: string;
  entitlement_id: string;
  version: number;
  snapshot: string;
  change: string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  at: number;
}

export interface RetiredLicenseKeysTable {
  account_id: string;
  entitlement_id: string;
  key_hash: string;
  key_sealed: string;
  valid_until: number;
  retired_at: number;
}
