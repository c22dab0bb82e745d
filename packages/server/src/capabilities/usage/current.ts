import type { Context } from '../../platform/domain/context.js';
import { requireEntitlement } from '../entitlements/entitlements.js';
import { requireOffering } from '../catalog/offerings.js';
import { effectiveRights } from '../entitlements/effective-rights.js';
import type { License } from '../licensing/activations/license.js';
import { quotaStatuses } from './record.js';
import { poolUse, type PoolUse } from './pools.js';
import type { QuotaStatus } from './quota.js';

export interface EntitlementUsage {
  quotas: Record<string, QuotaStatus>;
  pools: Array<{ feature: string; limit: number } & PoolUse>;
}

/**
 * What an entitlement uses right now, as its devices see it: the quota of every consumption feature
 * in the running period (as validations and leases carry it), and every pool's size and holders.
 */
export function entitlementUsage(ctx: Context, ref: string): Promise<EntitlementUsage> {
  return ctx.store.read(async (tx) => {
    const now = ctx.clock.now();
    const entitlement = await requireEntitlement(tx, ref);
    const offering = await requireOffering(tx, entitlement.offeringId);
    const rights = effectiveRights(offering, entitlement, now);
    const license = { entitlement, offering, rights, product: { id: entitlement.productId } } as unknown as License;
    const quotas = await quotaStatuses(tx, license, now);
    const poolFeatures = (await tx.features.allOf(entitlement.productId)).filter((f) => f.type === 'pool');
    if (poolFeatures.length === 0) return { quotas, pools: [] };
    const use = poolUse(await tx.pools.holdings([entitlement.id]), await tx.activations.liveOf(entitlement.id), now);
    const pools = poolFeatures
      .filter((f) => rights.features[f.code] !== undefined)
      .map((f) => {
        const value = rights.features[f.code];
        return { feature: f.code, limit: typeof value === 'number' ? value : 0, ...(use.get(f.code) ?? { inUse: 0, holders: [] }) };
      });
    return { quotas, pools };
  });
}
