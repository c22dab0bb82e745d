import type { Generated } from 'kysely';
import type { NetLicensingTables } from '../../faces/netlicensing/store/netlicensing-schema.js';

/**
 * The database, as one TypeScript interface. Conventions that hold for every table:
 * - `account_id` leads every key, so data can be sharded by account;
 * - times are integer milliseconds since the epoch (UTC) — the same on SQLite and PostgreSQL;
 * - JSON is stored as text, booleans as 0/1 — no dialect-specific column types.
 */
export interface DB extends NetLicensingTables {
  settings: SettingsTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  products: ProductsTable;
  features: FeaturesTable;
  offerings: OfferingsTable;
  customers: CustomersTable;
  entitlements: EntitlementsTable;
  events: EventsTable;
  idempotency_records: IdempotencyRecordsTable;
  activations: ActivationsTable;
  leases: LeasesTable;
  signing_keys: SigningKeysTable;
  trials: TrialsTable;
  entitlement_versions: EntitlementVersionsTable;
  offering_versions: OfferingVersionsTable;
  retired_license_keys: RetiredLicenseKeysTable;
  migrations: MigrationsTable;
  migration_items: MigrationItemsTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  usage_records: UsageRecordsTable;
  usage_counters: UsageCountersTable;
  pool_checkouts: PoolCheckoutsTable;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface AccountsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  account_id: string;
  id: string;
  name: string;
  role: string;
  product_id: string | null;
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
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

export interface CustomersTable {
  account_id: string;
  id: string;
  name: string;
  email: string | null;
  external_ref: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
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

export interface EventsTable {
  account_id: string;
  id: string;
  type: string;
  subject_type: string;
  subject_id: string;
  customer_id: string | null;
  entitlement_id: string | null;
  product_id: string | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  before: string | null;
  after: string | null;
  at: number;
}

export interface IdempotencyRecordsTable {
  account_id: string;
  /** The credential that made the request (`api_key:<id>` or `user:<id>`): records are never shared. */
  principal: string;
  key: string;
  fingerprint: string;
  status_code: number | null;
  response: string | null;
  created_at: number;
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

export interface OfferingVersionsTable {
  account_id: string;
  offering_id: string;
  version: number;
  snapshot: string;
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

export interface MigrationsTable {
  account_id: string;
  id: string;
  source_offering_id: string;
  target_offering_id: string;
  selection: string;
  options: string;
  state: string;
  impact: string;
  total: number;
  done: number;
  failed: number;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  locked_by: string | null;
  locked_until: number | null;
  error: string | null;
  result: string;
  skipped: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface MigrationItemsTable {
  account_id: string;
  migration_id: string;
  entitlement_id: string;
  state: string;
  result: string | null;
  done_at: number | null;
}

export interface UsageRecordsTable {
  account_id: string;
  id: string;
  entitlement_id: string;
  activation_id: string;
  customer_id: string;
  product_id: string;
  feature: string;
  quantity: number;
  at: number;
  period_start: number;
  recorded_at: number;
  idempotency_key: string;
}

export interface UsageCountersTable {
  account_id: string;
  entitlement_id: string;
  feature: string;
  period_start: number;
  period_end: number;
  used: number;
  closed: number;
}

export interface PoolCheckoutsTable {
  account_id: string;
  entitlement_id: string;
  activation_id: string;
  feature: string;
  count: number;
  updated_at: number;
}

export type Seq = Generated<number>;

export interface StaffUsersTable {
  account_id: string;
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
  disabled_at: number | null;
}

export interface StaffSessionsTable {
  token_hash: string;
  account_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  user_agent: string | null;
}
