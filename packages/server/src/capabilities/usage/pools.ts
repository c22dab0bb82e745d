import type { PoolCheckRequest } from '@leasehold/contract';
import { DomainError } from '../../platform/domain/errors.js';
import type { ActivationRecord } from '../../platform/domain/model.js';
import { holdsSeat } from '../licensing/activations/seats.js';
import { onActivatedDevice, type ClientContext } from '../licensing/activations/license.js';

export interface PoolUse {
  inUse: number;
  holders: Array<{ activationId: string; fingerprint: string; count: number }>;
}

/**
 * Elements in use per pool feature: what devices that still hold a seat have checked out. A device
 * that is deactivated, or whose floating seat died, stops counting at once — its elements return
 * to the pool by themselves.
 */
export function poolUse(
  holdings: Array<{ activationId: string; feature: string; count: number }>,
  live: ActivationRecord[],
  now: number,
): Map<string, PoolUse> {
  const holding = new Map(live.filter((a) => holdsSeat(a, now)).map((a) => [a.id, a]));
  const out = new Map<string, PoolUse>();
  for (const h of holdings) {
    const device = holding.get(h.activationId);
    if (!device) continue;
    const use = out.get(h.feature) ?? { inUse: 0, holders: [] };
    use.inUse += h.count;
    use.holders.push({ activationId: h.activationId, fingerprint: device.fingerprint, count: h.count });
    out.set(h.feature, use);
  }
  return out;
}

export interface PoolAnswer {
  feature: string;
  inUse: number;
  limit: number;
  held: number;
}

/**
 * Checks elements out of (or back into) a pool feature for this device. Check-outs are refused at
 * the limit with POOL_EXHAUSTED, naming who holds what; check-ins are always accepted, which is how
 * a pool left over its limit by a downgrade drains back under it.
 */
export function movePoolElements(
  ctx: ClientContext,
  feature: string,
  request: PoolCheckRequest,
  direction: 'checkout' | 'checkin',
): Promise<PoolAnswer> {
  return onActivatedDevice(ctx, { fingerprint: request.fingerprint, lock: true }, async ({ tx, license, activation, now }) => {
    const features = await tx.features.allOf(license.product.id);
    if (features.find((f) => f.code === feature)?.type !== 'pool') {
      throw new DomainError('INVALID_REQUEST', `${feature} is not a pool feature of ${license.product.code}.`, {
        field: 'feature',
        feature,
      });
    }
    const value = license.rights.features[feature];
    const limit = typeof value === 'number' ? value : 0;
    const live = await tx.activations.liveOf(license.entitlement.id);
    const holdings = await tx.pools.holdings([license.entitlement.id]);
    const use = poolUse(holdings, live, now).get(feature) ?? { inUse: 0, holders: [] };
    const held = holdings.find((h) => h.activationId === activation.id && h.feature === feature)?.count ?? 0;
    const count = request.count ?? 1;
    if (direction === 'checkout') {
      if (use.inUse + count > limit) {
        return new DomainError('POOL_EXHAUSTED', `${feature}: ${use.inUse} of ${limit} in use; ${count} more would pass the limit.`, {
          feature,
          limit,
          inUse: use.inUse,
          requested: count,
          holders: use.holders,
          resolve:
            limit < use.inUse
              ? 'The pool is over a reduced limit: only check-ins are accepted until it is back under.'
              : 'Check elements in elsewhere, or raise the pool size.',
        });
      }
      await tx.pools.set(license.entitlement.id, activation.id, feature, held + count, now);
      return { feature, inUse: use.inUse + count, limit, held: held + count };
    }
    if (count > held) {
      throw new DomainError('INVALID_REQUEST', `This device holds ${held} of ${feature}; it cannot check in ${count}.`, {
        field: 'count',
        held,
      });
    }
    await tx.pools.set(license.entitlement.id, activation.id, feature, held - count, now);
    return { feature, inUse: use.inUse - count, limit, held: held - count };
  });
}
