/**
 * Why a license may or may not run, as the server and the SDK report it. `VALID` is the only code
 * that comes with `valid: true`; conditions that do not stop the application travel as warnings.
 */
export const SERVER_VALIDATION_CODES = [
  'VALID',
  'NOT_FOUND',
  'SUSPENDED',
  'EXPIRED',
  'REVOKED',
  'RETURNED',
  'NOT_STARTED',
  'NOT_ACTIVATED',
  'FINGERPRINT_MISMATCH',
  'SEAT_LIMIT_REACHED',
  'HEARTBEAT_DEAD',
  'FEATURE_MISSING',
  'PRODUCT_MISMATCH',
  'RULE_UNSATISFIED',
  'REHOST_LIMIT_REACHED',
  'TRIAL_ALREADY_USED',
  'QUOTA_EXHAUSTED',
  'POOL_EXHAUSTED',
] as const;

/** Codes only the SDK produces, from its cache and clock. */
export const SDK_VALIDATION_CODES = [
  'LEASE_EXPIRED',
  'CACHE_TAMPERED',
  'CLOCK_TAMPERED',
  'SIGNATURE_INVALID',
  'NO_LICENSE',
  'OFFLINE',
] as const;

export type ServerValidationCode = (typeof SERVER_VALIDATION_CODES)[number];
export type SdkValidationCode = (typeof SDK_VALIDATION_CODES)[number];
export type ValidationCode = ServerValidationCode | SdkValidationCode;

/** Warnings: true facts that do not stop the application. */
export const WARNING_CODES = [
  'TERM_ENDING_SOON',
  'MAINTENANCE_EXPIRED',
  'ENFORCEMENT_RELAXED',
  'SEAT_LIMIT_EXCEEDED',
  'RULE_UNSATISFIED',
  'POOL_OVER_LIMIT',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];
