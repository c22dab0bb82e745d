/** What key generators ask of storage; the store implements it (capabilities/keys/store/). */
import type { KeyGeneratorKind } from '@leasehold/contract';
import type { Page, PageRequest } from '../../platform/domain/model.js';

export interface PatternSettings {
  pattern: string;
  alphabet?: string | undefined;
  checkDigit?: boolean | undefined;
}

export interface RemoteSettings {
  url: string;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  /** `fail` (default): a creation the endpoint cannot serve is refused; `queue`: it is created without its key, completed later. */
  onFailure?: 'fail' | 'queue' | undefined;
}

/** How keys are made for a product, or for one offering of it (which wins over the product's). */
export interface KeyGeneratorRecord {
  id: string;
  productId: string;
  offeringId: string | null;
  kind: KeyGeneratorKind;
  pattern: PatternSettings | null;
  remote: RemoteSettings | null;
  /** A remote generator's Standard Webhooks secret, sealed under the master key. */
  secretSealed: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface KeyGeneratorsPort {
  insert(g: KeyGeneratorRecord): Promise<void>;
  update(g: KeyGeneratorRecord): Promise<void>;
  delete(id: string): Promise<void>;
  find(id: string): Promise<KeyGeneratorRecord | undefined>;
  list(filter: { productId?: string | undefined }, page: PageRequest): Promise<Page<KeyGeneratorRecord>>;
  /** The generator for an offering: its own, else its product's, else none. */
  forOffering(productId: string, offeringId: string): Promise<KeyGeneratorRecord | undefined>;
}

/**
 * An entitlement waiting for its key from a remote generator (its generator's onFailure: queue).
 * The row is the job: a worker claims it when `nextAttemptAt` has come, asks the endpoint, and
 * either writes the key into the entitlement or sets the next attempt further off.
 */
export interface PendingKeyRecord {
  /** The entitlement's id: one pending key each. */
  entitlementId: string;
  productId: string;
  generatorId: string;
  /** dropped: the entitlement no longer waits (deleted, given a key otherwise, its generator changed). */
  state: 'queued' | 'issued' | 'dropped';
  /** Calls made so far, the creation's included. */
  attempts: number;
  lastError: string;
  nextAttemptAt: number;
  /** Who created the entitlement: the key's event is theirs. */
  actor: unknown;
  requestId: string | null;
  createdAt: number;
  issuedAt: number | null;
}

export interface PendingKeysPort {
  insert(p: PendingKeyRecord): Promise<void>;
  find(entitlementId: string): Promise<PendingKeyRecord | undefined>;
  /** A queued key of any account whose next attempt has come, locked for `worker` until `lockedUntil`. */
  claim(worker: string, now: number, lockMs: number): Promise<{ accountId: string; id: string } | undefined>;
  /** Records an attempt's outcome and lets the lock go (`nextAttemptAt` then holds off other workers). */
  settle(p: PendingKeyRecord, worker: string): Promise<boolean>;
  list(filter: { state?: PendingKeyRecord['state'] | undefined }, page: PageRequest): Promise<Page<PendingKeyRecord>>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly keyGenerators: KeyGeneratorsPort;
    readonly pendingKeys: PendingKeysPort;
  }
}
