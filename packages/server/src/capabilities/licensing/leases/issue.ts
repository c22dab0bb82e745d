import type { LeaseRecord } from '../../../platform/domain/model.js';
import type { Tx } from '../../../platform/domain/ports.js';
import type { Context } from '../../../platform/domain/context.js';
import type { Keyring } from './keyring.js';
import { signCompactJws } from './keyring.js';
import { planLease, type LeaseFacts } from './build.js';

export interface IssuedLease {
  record: LeaseRecord;
  token: string;
}

/** Signs the lease for an activation and records it in the ledger, inside the caller's transaction. */
export async function issueLease(
  tx: Tx,
  ctx: Context,
  keyring: Keyring,
  facts: Omit<LeaseFacts, 'leaseId' | 'accountId' | 'now'>,
): Promise<IssuedLease> {
  const accountId = ctx.store.scope.accountId;
  const plan = planLease({ ...facts, accountId, leaseId: ctx.ids.next('lease'), now: ctx.clock.now() });
  const { kid, key } = await keyring.activeKey(tx, accountId);
  const record: LeaseRecord = {
    id: plan.claims.jti,
    activationId: facts.activation.id,
    entitlementId: facts.entitlement.id,
    kid,
    issuedAt: plan.issuedAt,
    expiresAt: plan.expiresAt,
    refreshAfter: plan.refreshAfter,
    // The rights version, from what the plan was computed from (already loaded: no extra read).
    entitlementVersion: facts.entitlement.version,
    offeringId: facts.offering.id,
    offeringVersion: facts.offering.version,
  };
  await tx.leases.insert(record);
  return { record, token: signCompactJws(plan.claims, kid, key) };
}
