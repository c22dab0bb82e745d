/** What the usage rules ask of storage; the store implements these (capabilities/usage/store/). */

/** One accepted usage record, as the ledger keeps it. */
export interface UsageRecordRow {
  id: string;
  entitlementId: string;
  activationId: string;
  customerId: string;
  productId: string;
  feature: string;
  quantity: number;
  at: number;
  periodStart: number;
  recordedAt: number;
  idempotencyKey: string;
}

/** Usage summed over one value of a report's dimension (`key`: a feature, customer, device or entitlement id). */
export interface UsageGroup {
  key: string;
  feature: string;
  quantity: number;
  records: number;
}

/** The usage ledger (every accepted record) and the per-period counters quota decisions read. */
export interface UsagePort {
  /** Whether a record with this idempotency key was accepted for the entitlement already. */
  hasKey(entitlementId: string, idempotencyKey: string): Promise<boolean>;
  insert(r: UsageRecordRow): Promise<void>;
  /** A period's counter, undefined when nothing was counted in it yet. */
  counter(entitlementId: string, feature: string, periodStart: number): Promise<number | undefined>;
  /** Adds to a period's counter; the caller holds the entitlement's lock, so read-then-write is safe. */
  add(entitlementId: string, feature: string, period: { start: number; end: number }, quantity: number): Promise<void>;
  /** Closes a period's counter; false when it was closed already. */
  close(entitlementId: string, feature: string, periodStart: number): Promise<boolean>;
  /** Counters of an entitlement's periods running at `at`, by feature. */
  currentUse(entitlementId: string, at: number): Promise<Map<string, number>>;
  /** Counters whose period overlaps [from, to), for statements. */
  counters(filter: {
    entitlementIds?: string[];
    from: number;
    to: number;
  }): Promise<Array<{ entitlementId: string; feature: string; periodStart: number; periodEnd: number; used: number; closed: boolean }>>;
  /** Usage summed by one dimension over a time range. */
  report(
    filter: { from: number; to: number; customerId?: string; entitlementId?: string; feature?: string },
    by: 'feature' | 'customer' | 'device' | 'entitlement',
  ): Promise<UsageGroup[]>;
}

/** How many elements of a pool feature one device holds. */
export interface PoolHolding {
  activationId: string;
  feature: string;
  count: number;
}

/** Elements of pool features held by devices; a holding counts only while its device holds a seat. */
export interface PoolsPort {
  holdings(entitlementIds: string[]): Promise<Array<PoolHolding & { entitlementId: string }>>;
  /** Sets how many elements a device holds (0 removes the holding). */
  set(entitlementId: string, activationId: string, feature: string, count: number, at: number): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly usage: UsagePort;
    readonly pools: PoolsPort;
  }
}
