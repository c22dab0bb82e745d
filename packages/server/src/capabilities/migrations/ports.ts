/** What bulk migrations ask of storage; the store implements it (capabilities/migrations/store/). */
import type { MigrationRecord, Page, PageRequest } from '../../platform/domain/model.js';

/**
 * Bulk migrations and their items. The items are the target set, fixed when the migration is
 * created; each is marked done in the same transaction that changes its entitlement, which is what
 * makes a migration safe to resume after a crash without doing anything twice. For a product
 * scope, only migrations whose offerings both belong to the product are seen.
 */
export interface MigrationsPort {
  insert(m: MigrationRecord, entitlementIds: string[]): Promise<void>;
  find(id: string): Promise<MigrationRecord | undefined>;
  list(page: PageRequest): Promise<Page<MigrationRecord>>;
  /** Up to `limit` entitlement ids still to do, in id order. */
  pendingItems(migrationId: string, limit: number): Promise<string[]>;
  /** Marks an item finished; false if it was not pending (someone else did it). */
  finishItem(
    migrationId: string,
    entitlementId: string,
    state: 'done' | 'skipped' | 'failed',
    result: object,
    at: number,
  ): Promise<boolean>;
  /** How many distinct customers the migration's finished items belong to. */
  customersMoved(migrationId: string): Promise<number>;
  /** How many items are in each state. */
  itemCounts(migrationId: string): Promise<Record<string, number>>;
  update(m: MigrationRecord): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly migrations: MigrationsPort;
  }
}
