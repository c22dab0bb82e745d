/** The migrations capability's tables (bulk migrations and their items), merged into the one `DB` interface of `platform/store/schema.ts`. */
declare module '../../../platform/store/schema.js' {
  interface DB {
    migrations: MigrationsTable;
    migration_items: MigrationItemsTable;
  }
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
