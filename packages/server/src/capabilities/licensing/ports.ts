/**
 * What licensing's rules ask of storage and of the validation cache. The store implements these
 * (capabilities/licensing/store/); repository methods are bound to the scope of their transaction.
 */
import type { ActivationState } from '@leasehold/contract';
import type {
  ActivationRecord,
  CustomerRecord,
  EntitlementRecord,
  FeatureRecord,
  LeaseRecord,
  OfferingRecord,
  Page,
  PageRequest,
  ProductRecord,
  SigningKeyRecord,
} from '../../platform/domain/model.js';

export interface ActivationsPort {
  find(id: string): Promise<ActivationRecord | undefined>;
  /**
   * The live activation of a device on an entitlement, if any. With `lock`, the row stays locked
   * until the transaction ends, so a concurrent deactivation or release is waited for, not undone.
   */
  findLive(entitlementId: string, fingerprint: string, opts?: { lock?: boolean }): Promise<ActivationRecord | undefined>;
  /** Every live activation of an entitlement (at most `limit`): the facts a seat decision is made from. */
  liveOf(entitlementId: string, opts?: { limit?: number }): Promise<ActivationRecord[]>;
  /**
   * Live activations that hold a seat at `now` (see holdsSeat), counted in the database: an upper
   * bound on the seats in use, since named users and per-host ephemeral instances may share one.
   */
  countHolding(entitlementId: string, now: number): Promise<number>;
  /** Live heartbeat-held activations whose deadline passed and that are not borrowed: seats to release. */
  deadOf(entitlementId: string, now: number): Promise<ActivationRecord[]>;
  /** Live activations of one named user (or of the device, for a user-less activation). */
  liveOfUser(entitlementId: string, user: string): Promise<ActivationRecord[]>;
  /** Live activations of many entitlements at once (impact previews over thousands of them). */
  liveOfMany(entitlementIds: string[]): Promise<ActivationRecord[]>;
  /** Entitlements with a live device matching a platform and/or application version. */
  entitlementsWithDevices(filter: { platform?: string | undefined; version?: string | undefined }): Promise<Set<string>>;
  /** Live activations of a customer, optionally on one product. */
  liveOfCustomer(customerId: string, productId?: string): Promise<ActivationRecord[]>;
  list(entitlementId: string, filter: { state?: ActivationState | undefined }, page: PageRequest): Promise<Page<ActivationRecord>>;
  /** Every activation of one device (by its fingerprint, exact), across the account's entitlements. */
  withFingerprint(fingerprint: string, filter: { state?: ActivationState | undefined }, page: PageRequest): Promise<Page<ActivationRecord>>;
  /** Deactivations the customer made themselves, since `since`: what rehost limits count. */
  countRehostsSince(entitlementId: string, since: number): Promise<{ count: number; oldest: number | null }>;
  insert(a: ActivationRecord): Promise<void>;
  update(a: ActivationRecord): Promise<void>;
  /**
   * Releases a heartbeat-held seat if it is still dead; false when it was already released or a
   * heartbeat arrived meanwhile (several processes may sweep at once: exactly one wins).
   */
  releaseIfDead(activation: { id: string; entitlementId: string }, now: number): Promise<boolean>;
  /** Floating and ephemeral seats whose heartbeat deadline has passed (and are not borrowed). */
  dead(now: number, limit: number): Promise<ActivationRecord[]>;
}

/** The lease ledger: every lease the server signed, so none is ever unaccounted for. */
export interface LeasesPort {
  insert(l: LeaseRecord): Promise<void>;
  listForEntitlement(entitlementId: string, page: PageRequest): Promise<Page<LeaseRecord>>;
  /** The latest lease of each of these activations (absent: the activation never got one). */
  latestOf(activationIds: string[]): Promise<Map<string, LeaseRecord>>;
  /** When the last lease signed with this key expires (null if none is outstanding after `now`). */
  lastExpiryForKey(kid: string, now: number): Promise<number | null>;
}

/** The account's lease-signing keys: at most one active; retired ones are kept. */
export interface SigningKeysPort {
  active(): Promise<SigningKeyRecord | undefined>;
  /** Newest first. */
  all(): Promise<SigningKeyRecord[]>;
  /** False when another process created the account's active key first; the caller then reads the winner's. */
  insertActive(k: SigningKeyRecord): Promise<boolean>;
  retire(id: string, at: number): Promise<void>;
}

/** Which devices have had a trial of which product: one trial per device and product. */
export interface TrialsPort {
  find(productId: string, fingerprint: string): Promise<{ entitlementId: string } | undefined>;
  /** False when the device already had one (also when two requests race). */
  insert(productId: string, fingerprint: string, entitlementId: string, at: number): Promise<boolean>;
}

/** Everything a validation reads about one license, as committed when it was loaded. */
export interface LicenseSnapshot {
  accountId: string;
  entitlement: EntitlementRecord;
  offering: OfferingRecord;
  product: ProductRecord;
  customer: CustomerRecord;
  /** The product's features (types decide which usage and pool reads a validation needs). */
  features: FeatureRecord[];
  /** The entitlement's live activations. */
  live: ActivationRecord[];
}

/** Taken before reading the database; a fill is kept only if nothing it covers changed meanwhile. */
export interface Ticket {
  key: string;
  token: number;
  accountGen: number;
  allGen: number;
}

/**
 * Validation's memory of license snapshots (the store's LicenseCache). A miss takes a ticket, reads
 * the database, and offers what it read back; the cache refuses the fill if a write to that license
 * was reported meanwhile. Snapshots are shared: callers must not mutate them.
 */
export interface LicenseCachePort {
  /** Once per request, before reading: may memory be used now (and catch up with other processes)? */
  usable(): boolean;
  license(accountId: string, entitlementId: string): LicenseSnapshot | undefined;
  /** Taken before a miss reads the database; a change to the license meanwhile voids it. */
  ticket(accountId: string, entitlementId: string): Ticket;
  remember(ticket: Ticket, snapshot: LicenseSnapshot): void;
}

/**
 * Named-user seats kept for people: the users (as activations send them, `user`) an entitlement's
 * seats are assigned to. The portal's seat assignments implement it; a seat decision reads it.
 */
export interface SeatReservationsPort {
  /** Lower-cased; only of people who may still use the seat. */
  reservedUsers(entitlementId: string): Promise<string[]>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly activations: ActivationsPort;
    readonly seatReservations: SeatReservationsPort;
    readonly leases: LeasesPort;
    readonly signingKeys: SigningKeysPort;
    readonly trials: TrialsPort;
  }
}
