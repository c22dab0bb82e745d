/** The catalog capability's tables (products, features and offerings (with their versions)), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    products: ProductsTable;
    features: FeaturesTable;
    offerings: OfferingsTable;
    offering_versions: OfferingVersionsTable;
  }
}

export interface ProductsTable {
  account_id: string;
  id: string;
  code: string;
  name: string;
  metadata: string;
  trial_offering_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface FeaturesTable {
  account_id: string;
  id: string;
  product_id: string;
  code: string;
  name: string;
  type: string;
  unit: string | null;
  created_at: number;
  updated_at: number;
}

export interface OfferingsTable {
  account_id: string;
  id: string;
  product_id: string;
  code: string;
  name: string;
  license_model: string;
  seat_model: string;
  seats: number;
  term: string | null;
  lease_period: string;
  features: string;
  rehost_limit: number | null;
  maintenance_term: string | null;
  rehost_period: string;
  heartbeat_window: string;
  borrow_limit: string | null;
  offline_lease_period: string | null;
  /** Added by the releases capability's migration 0020. */
  download_limit: string | null;
  max_devices_per_user: number;
  ephemeral_counting: string;
  enforcement_mode: string;
  activation_rules: string;
  upgrade_paths: string;
  eviction_order: string;
  version: number;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface OfferingVersionsTable {
  account_id: string;
  offering_id: string;
  version: number;
  snapshot: string;
  at: number;
}
