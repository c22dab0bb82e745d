/**
 * The database, as one TypeScript interface. Each capability adds its own tables to it from its
 * `store/tables.ts` (TypeScript's interface merging: `declare module '…/platform/store/schema.js'`),
 * so a new table is written beside the repository that uses it; only what belongs to no capability
 * is declared here. Conventions that hold for every table:
 * - `account_id` leads every key, so data can be sharded by account;
 * - times are integer milliseconds since the epoch (UTC) — the same on SQLite and PostgreSQL;
 * - JSON is stored as text, booleans as 0/1 — no dialect-specific column types.
 */
export interface DB {
  settings: SettingsTable;
  idempotency_records: IdempotencyRecordsTable;
}

export interface SettingsTable {
  name: string;
  value: string;
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
