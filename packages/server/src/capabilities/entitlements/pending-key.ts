import { randomBytes } from 'node:crypto';
import type { Context } from '../../platform/domain/context.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { DomainError } from '../../platform/domain/errors.js';
import { recordEvent } from '../events/record.js';
import type { QueuedKey } from '../keys/new-key.js';

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

/** The first retry 30 s after the failure, then twice as long each time, never more than an hour apart. */
export function nextAttemptDelay(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export const about = (e: EntitlementRecord) => ({
  subjectType: 'entitlement' as const,
  subjectId: e.id,
  entitlementId: e.id,
  customerId: e.customerId,
  productId: e.productId,
});

/** Queues the key of an entitlement just written without one, in the creating transaction, with its event. */
export async function queueKey(tx: Tx, ctx: Context, e: EntitlementRecord, q: QueuedKey): Promise<void> {
  const now = ctx.clock.now();
  await tx.pendingKeys.insert({
    entitlementId: e.id,
    productId: e.productId,
    generatorId: q.generator.id,
    state: 'queued',
    attempts: q.attempts,
    lastError: q.reason,
    nextAttemptAt: now + nextAttemptDelay(1),
    actor: ctx.actor,
    requestId: ctx.requestId,
    createdAt: now,
    issuedAt: null,
  });
  await recordEvent(tx, ctx, { ...about(e), type: 'entitlement.key_queued', after: { reason: q.reason, attempts: q.attempts } });
}

/**
 * Where someone waits for the key — a customer redeeming a code, a device starting a trial — the
 * creation never queues: an empty key is of no use to them and they can try again, so the whole
 * transaction is refused (and rolled back) as with onFailure: fail.
 */
export function requireKeyNow(entitlement: { keyPending?: boolean }, what: string): void {
  if (!entitlement.keyPending) return;
  throw new DomainError('KEY_GENERATOR_FAILED', `The remote key generator could not give a key; ${what}.`, {
    resolve: 'Try again in a few minutes.',
  });
}
