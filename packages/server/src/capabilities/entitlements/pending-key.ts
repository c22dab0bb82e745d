import { randomBytes } from 'node:crypto';
import type { EntitlementRecord } from '../../platform/domain/model.js';

/**
 * An entitlement whose remote key generator has not given its key yet carries, instead of a key's
 * keyed hash, this prefix and random bytes: no key a client sends hashes to it (a keyed hash is
 * hex), so nobody can use the entitlement until the worker writes its real key.
 */
const PENDING_KEY_PREFIX = 'pending:';

export function pendingKeyHash(): string {
  return `${PENDING_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** Whether the entitlement still waits for its key (nothing can be activated on it). */
export function isKeyPending(e: Pick<EntitlementRecord, 'keyHash'>): boolean {
  return e.keyHash.startsWith(PENDING_KEY_PREFIX);
}
