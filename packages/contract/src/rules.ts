import type { FeatureValue } from './resources/features.js';

/**
 * Rules the server and the SDK both decide, written once. The server answers with them online;
 * the SDK decides offline from the lease; `packages/server/test/e2e/rules-agree.test.ts` runs one
 * table of cases through both and requires the same answer.
 */

/**
 * Does a feature value grant the feature? `true`; a positive number (a limit, a pool); a quota with
 * something included, or pay-per-use (`overage: 'bill'`), which grants the feature even when
 * nothing is included: every use is billed. `false`, `0` and a blocked quota of 0 grant nothing.
 */
export function grants(value: FeatureValue | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'number') return value > 0;
  return value.limit > 0 || value.overage === 'bill';
}

/**
 * Validation codes by which the server takes a license out of force: after one, the SDK stops
 * granting until the server grants a lease again. Seat, quota and pool refusals are not here: they
 * refuse one request, not the license.
 */
export const REFUSAL_CODES = [
  'SUSPENDED',
  'EXPIRED',
  'REVOKED',
  'RETURNED',
  'NOT_STARTED',
  'NOT_ACTIVATED',
  'HEARTBEAT_DEAD',
  'FINGERPRINT_MISMATCH',
  'PRODUCT_MISMATCH',
  'NOT_FOUND',
  'LICENSE_KEY_INVALID',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
