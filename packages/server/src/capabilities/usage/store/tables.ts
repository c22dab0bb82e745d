/** The usage capability's tables (usage records, quota counters and pool checkouts), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    usage_records: UsageRecordsTable;
    usage_counters: UsageCountersTable;
    pool_checkouts: PoolCheckoutsTable;
  }
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
