/** What the entitlements' rules ask of storage; the store implements it (capabilities/entitlements/store/). */
import type { EntitlementState } from '@leasehold/contract';
import type {
  EntitlementRecord,
  EntitlementSnapshot,
  EntitlementVersion,
  OfferingRecord,
  Page,
  PageRequest,
} from '../../platform/domain/model.js';

export interface EntitlementFilter {
  customerId?: string | undefined;
  offeringId?: string | undefined;
  productId?: string | undefined;
  state?: EntitlementState | undefined;
  orderRef?: string | undefined;
  /** The keyed hash of a license key (exact match on the indexed column). */
  keyHash?: string | undefined;
}

export interface EntitlementsPort {
  /** By id or externalRef. With `lock`, the row stays locked until the transaction ends. */
  find(ref: string, opts?: { lock?: boolean }): Promise<EntitlementRecord | undefined>;
  list(filter: EntitlementFilter, page: PageRequest): Promise<Page<EntitlementRecord>>;
  /** Every entitlement of a customer, across products (the facts activation rules check). */
  ofCustomer(customerId: string): Promise<EntitlementRecord[]>;
  /** Ids of the entitlements on an offering that can still change (active or suspended), in id order. */
  idsOnOffering(
    offeringId: string,
    opts: { customerIds?: string[]; afterId?: string; limit: number },
  ): Promise<Array<{ id: string; customerId: string }>>;
  findMany(ids: string[]): Promise<EntitlementRecord[]>;
  /** Replaces the license key (re-keying); the caller keeps the old one working until its grace date. */
  updateKey(id: string, keyHash: string, keySealed: string): Promise<void>;
  /** Keeps a replaced key working until `validUntil`. */
  retireKey(e: EntitlementRecord, validUntil: number, at: number): Promise<void>;
  /** Up to `limit` entitlements of the product whose overrides set feature `code`, in id order. */
  overridingFeature(productId: string, code: string, limit: number): Promise<EntitlementRecord[]>;
  countFor(column: 'customer_id' | 'offering_id', id: string): Promise<number>;
  /** Refuses a taken externalRef or key with the store's conflict (`entitlement.externalRef`, `entitlement.key`). */
  insert(e: EntitlementRecord): Promise<void>;
  update(e: EntitlementRecord): Promise<void>;
}

/**
 * Every version of entitlements and offerings, written in the transaction of the change. They let
 * the API answer "what did this customer hold at 14:02 last March" exactly, and revert to it.
 */
export interface VersionsPort {
  appendEntitlement(v: EntitlementVersion): Promise<void>;
  appendOffering(o: OfferingRecord, at: number): Promise<void>;
  entitlementHistory(entitlementId: string): Promise<EntitlementVersion[]>;
  /** The entitlement as it stood at `at` (its latest version written at or before then). */
  entitlementAsOf(entitlementId: string, at: number): Promise<EntitlementSnapshot | undefined>;
  offeringAsOf(offeringId: string, at: number): Promise<OfferingRecord | undefined>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly entitlements: EntitlementsPort;
    readonly versions: VersionsPort;
  }
}
