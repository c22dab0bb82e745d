import type { ActivationRecord } from '../../../platform/domain/model.js';
import { issueLease, type IssuedLease } from '../leases/issue.js';
import { quotaStatuses } from '../../usage/record.js';
import { ceiling as quotaCeiling, type QuotaStatus } from '../../usage/quota.js';
import type { Tx } from '../../../platform/domain/ports.js';
import type { ClientContext, License } from './license.js';

/** A lease for an activated device, with the rights and quotas as they are now. */
export async function lease(
  tx: Tx,
  ctx: ClientContext,
  license: License,
  activation: ActivationRecord,
  opts: { offline?: boolean } = {},
): Promise<IssuedLease> {
  // A lease answered through a file (an air-gapped device) lives the offering's offline lease
  // period when it has one: such a device cannot come back for a new one every leasePeriod.
  const offlinePeriod = opts.offline ? license.offering.offlineLeasePeriod : null;
  const facts = offlinePeriod ? { ...license, rights: { ...license.rights, leasePeriod: offlinePeriod } } : license;
  return issueLease(tx, ctx, ctx.keyring, { ...facts, activation, usage: await quotaStatuses(tx, license, ctx.clock.now()) });
}

export function ceilingOf(q: QuotaStatus): number {
  return quotaCeiling({ limit: q.limit, period: 'P1M', overage: q.overage });
}
