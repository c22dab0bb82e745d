import type { ActivationRecord } from '../../../platform/domain/model.js';
import { issueLease, type IssuedLease } from '../leases/issue.js';
import { quotaStatuses } from '../../usage/record.js';
import { ceiling as quotaCeiling, type QuotaStatus } from '../../usage/quota.js';
import type { Tx } from '../../../platform/domain/ports.js';
import type { ClientContext, License } from './license.js';

/** A lease for an activated device, with the rights and quotas as they are now. */
export async function lease(tx: Tx, ctx: ClientContext, license: License, activation: ActivationRecord): Promise<IssuedLease> {
  return issueLease(tx, ctx, ctx.keyring, { ...license, activation, usage: await quotaStatuses(tx, license, ctx.clock.now()) });
}

export function ceilingOf(q: QuotaStatus): number {
  return quotaCeiling({ limit: q.limit, period: 'P1M', overage: q.overage });
}
