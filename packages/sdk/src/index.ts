/**
 * @leasehold/sdk — the client library vendors embed in their applications. Depends on Node's
 * built-ins and the wire types of @leasehold/contract only.
 */
export {
  Leasehold,
  License,
  type OpenOptions,
  type LicenseEvents,
  type RefreshOutcome,
  type Violation,
  type UpdateCheck,
  type UpdateQuery,
} from './license.js';
export type { LicenseStatus } from './status.js';
export { LeaseholdError, type LeaseholdErrorCode } from './errors.js';
export { ManualClock, systemClock, type Clock, type Timer } from './clock.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { deviceFingerprint, machineId, type DeviceFingerprint, type FingerprintSource, type MachineIdProbes } from './fingerprint.js';
export { LeaseCache, type CachedState, type CacheRead } from './cache.js';
export { TrustedKeys, verifyLease, LeaseRejected, type VerifiedLease, type LeaseExpectations } from './lease.js';
export { verifySignedKey, SignedKeyRejected, type SignedKeyClaims, type SignedKeyExpectations } from './signed-key.js';
export { verifyKeygenKey, KeygenKeyRejected, KEYGEN_SIGNED_SCHEMES, type KeygenSignedScheme } from './keygen-key.js';
export type { OfflineActivationRequest, OfflineActivationResponse } from './offline.js';
export type { Fetch } from './transport.js';
export type {
  OverageRule,
  PoolStatus,
  QueuedUsage,
  QuotaSnapshot,
  UsageFlushOutcome,
  UsageReceipt,
  UsageRejection,
  UsageStatus,
} from './usage.js';
