/**
 * What the rules ask of storage, in the domain's terms. The store (platform/store/) implements these
 * ports, and the compiler checks it does (`implements`); the rules import only these, never the
 * store. Each capability declares its repositories' ports beside its rules (`<capability>/ports.ts`)
 * and adds them to the transaction a service is handed (`Tx`, below) from there.
 */
import type { StaffDirectoryPort } from '../../capabilities/access/ports.js';
import type { ActivationRecord } from './model.js';

/**
 * Whose data a query may touch. Every repository method is bound to one scope, so a query that
 * forgets the account cannot be written. `productId` narrows product-limited API keys further.
 */
export interface Scope {
  accountId: string;
  productId: string | null;
}

/**
 * The repositories of one account, on one connection or transaction. Each capability adds its own
 * from its `ports.ts` (`declare module '…/platform/domain/ports.js' { interface Tx { … } }`), and its
 * `capability.ts` says how the store builds them (`repositories`); `registry.ts` checks at compile
 * time that every name declared here is built.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the capabilities' declarations
export interface Tx {}

/** One account's data. Every query made through it is scoped to the account (and product). */
export interface AccountStore {
  readonly scope: Scope;
  /** Reads outside a transaction: each statement sees committed data. */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * One transaction: the change and its event commit together or not at all. `fn` may run more
   * than once (a transaction the database rolled back to break a deadlock is run again).
   */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** A quota period that ended and is not closed yet. */
export interface EndedUsagePeriod {
  accountId: string;
  entitlementId: string;
  feature: string;
  periodStart: number;
  periodEnd: number;
  used: number;
}

/**
 * The whole store, as background jobs and the first sign-up see it: an account's store, plus the
 * few steps that span accounts or happen before an account is known.
 */
export interface Store {
  /** Console sign-in and sessions, looked up before an account is known. */
  readonly staff: StaffDirectoryPort;
  forAccount(scope: Scope): AccountStore;
  /** Dead heartbeat-held seats across accounts, oldest deadline first, for the sweeper. */
  deadSeats(now: number, limit: number): Promise<Array<{ accountId: string; activation: ActivationRecord }>>;
  /** Takes the lock of one bulk migration that needs work; of several processes asking at once exactly one gets it. */
  claimMigration(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined>;
  /** Extends this worker's lock; false when another worker has taken the migration over. */
  renewMigrationLock(accountId: string, id: string, worker: string, until: number): Promise<boolean>;
  releaseMigrationLock(accountId: string, id: string, worker: string): Promise<void>;
  /** Quota periods that ended and were not closed yet, across accounts. */
  endedUsagePeriods(now: number, limit: number): Promise<EndedUsagePeriod[]>;
  /** Marks a period closed inside `tx`; false when another process closed it first. */
  markUsagePeriodClosed(tx: Tx, c: { accountId: string; entitlementId: string; feature: string; periodStart: number }): Promise<boolean>;
  /** Inserts the setting unless it exists; true when this call wrote it. */
  claimSetting(name: string, value: string): Promise<boolean>;
  getSetting(name: string): Promise<string | undefined>;
  /** The first `limit` account ids, oldest first. */
  accountIds(limit: number): Promise<string[]>;
}

/**
 * What the store refuses, in its own terms: a write that would break a unique index, or a cursor it
 * cannot read. The store throws it (as its StoreConflict error); the domain turns it into its errors
 * (`fromStore` in errors.ts) where it reaches a caller.
 */
export interface StoreRefusal {
  readonly kind: 'duplicate' | 'bad_cursor';
  /** The record kind, e.g. 'product', 'entitlement'. */
  readonly resource: string;
  /** The field whose value is taken (or 'cursor'). */
  readonly field: string;
  readonly value: string | null;
}
