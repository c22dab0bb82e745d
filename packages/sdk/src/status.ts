import { REFUSAL_CODES } from '@leasehold/contract';
import type { EnforcementMode, EntitlementClaims, FeatureValues, LeaseClaims, RefusalCode, ValidationCode } from '@leasehold/contract';

/** What the license allows now, as `License.status()` reports it. */
export interface LicenseStatus {
  /** The license is in force: a verified, unexpired lease, no refusal from the server, a believable clock. */
  valid: boolean;
  /** `VALID`, or why not: a server code (`SUSPENDED`, `REVOKED`, `NOT_ACTIVATED`, …) or an SDK code (`LEASE_EXPIRED`, `CACHE_TAMPERED`, `CLOCK_TAMPERED`, `SIGNATURE_INVALID`, `NO_LICENSE`). */
  code: ValidationCode;
  message: string;
  /**
   * The application may run: `valid`, or the lease's enforcement mode is `warn` or `log`, in
   * which case the SDK keeps granting the lease's features and reports what it would have refused.
   */
  permitted: boolean;
  /** The lease's enforcement mode; null without a lease. */
  mode: EnforcementMode | null;
  issuedAt: Date | null;
  /** When the lease ends; the application works offline until then. */
  expiresAt: Date | null;
  /** When the SDK starts renewing the lease. */
  refreshAfter: Date | null;
  activationId: string | null;
  seat: LeaseClaims['seat'] | null;
  /** The rights the lease carries (customer, offering, term, seats, features). */
  entitlement: EntitlementClaims | null;
  /** The features granted now: the lease's, or none when the license is not permitted. */
  features: FeatureValues;
  /** Whether the last call to the server got an answer; null before the first call. */
  online: boolean | null;
  lastContactAt: Date | null;
  fingerprint: string;
}

const MESSAGES: Partial<Record<ValidationCode, string>> = {
  VALID: 'The license is valid.',
  NO_LICENSE: 'This device holds no license: activate one.',
  LEASE_EXPIRED: 'The lease expired without a refresh: connect to the license server.',
  CACHE_TAMPERED: 'The license cache was changed, damaged or copied from another device: activate again.',
  CLOCK_TAMPERED: 'The system clock is earlier than a time already seen: correct the clock, or connect to the license server.',
  SIGNATURE_INVALID: 'The lease is not signed by a key this application trusts.',
  SUSPENDED: 'The license is suspended.',
  EXPIRED: 'The license term has ended.',
  REVOKED: 'The license was revoked.',
  RETURNED: 'The license was returned.',
  NOT_STARTED: 'The license term has not started yet.',
  NOT_ACTIVATED: 'This device is no longer activated for the license.',
  HEARTBEAT_DEAD: 'The floating seat was freed because heartbeats stopped.',
  NOT_FOUND: 'The license key is not valid.',
  FINGERPRINT_MISMATCH: 'The license is bound to another device.',
  PRODUCT_MISMATCH: 'The license is for another product.',
};

export function messageFor(code: ValidationCode): string {
  return MESSAGES[code] ?? code;
}

const REFUSALS: ReadonlySet<string> = new Set(REFUSAL_CODES);

/** Whether a server answer takes the license out of force until the server grants a lease again. */
export function isRefusal(code: string): code is RefusalCode {
  return REFUSALS.has(code);
}

/**
 * Whether the answer to a usage or pool call takes the license out of force: a refusal, except
 * NOT_FOUND, which an older server without the route says too.
 */
export function isCallRefusal(code: string): code is RefusalCode {
  return code !== 'NOT_FOUND' && REFUSALS.has(code);
}

/** The validation code for a refusal: an unknown key is `NOT_FOUND`, as `/v1/client/validate` says it. */
export function refusalCode(code: RefusalCode): ValidationCode {
  return code === 'LICENSE_KEY_INVALID' ? 'NOT_FOUND' : code;
}
