import type { Context } from '../../platform/domain/context.js';
import { invalid } from '../../platform/domain/errors.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { requireOffering } from '../catalog/offerings.js';
import { generateLicenseKey } from '../../secrets/license-keys.js';
import { licenseKeyHash, requireEntitlement, requireState, view, type EntitlementView } from './entitlements.js';

/**
 * Gives the entitlement a new license key. The old key keeps working until `oldKeyValidUntil`
 * (a migration's grace period), or stops at once when that is null (a key that leaked). The new key
 * itself is never written to the log; that it changed, and until when the old one works, is.
 */
export async function rekeyIn(
  tx: Tx,
  ctx: Context,
  current: EntitlementRecord,
  oldKeyValidUntil: number | null,
  facts: { migrationId?: string; reason?: string } = {},
): Promise<string> {
  const now = ctx.clock.now();
  if (oldKeyValidUntil !== null && oldKeyValidUntil > now) await tx.entitlements.retireKey(current, oldKeyValidUntil, now);
  const key = generateLicenseKey();
  await tx.entitlements.updateKey(current.id, licenseKeyHash(ctx, key), ctx.secrets.encrypt('license-key', key));
  await recordEvent(tx, ctx, {
    type: 'entitlement.rekeyed',
    subjectType: 'entitlement',
    subjectId: current.id,
    entitlementId: current.id,
    customerId: current.customerId,
    productId: current.productId,
    after: { ...(facts.migrationId ? { migrationId: facts.migrationId } : {}), oldKeyValidUntil },
    context: facts.reason ? { reason: facts.reason } : undefined,
  });
  return key;
}

/**
 * Staff re-key one entitlement (a key read out on a public forum, a reseller's key handed back):
 * devices holding the old key get no new lease with it once it stops working.
 */
export function rekeyEntitlement(
  ctx: Context,
  ref: string,
  request: { oldKeyValidUntil?: number | undefined; reason?: string | undefined },
): Promise<EntitlementView> {
  return ctx.store.write(async (tx) => {
    const current = await requireEntitlement(tx, ref, { lock: true });
    requireState(current, ['active', 'suspended'], 're-keyed');
    const until = request.oldKeyValidUntil ?? null;
    if (until !== null && until <= ctx.clock.now()) {
      throw invalid('oldKeyValidUntil', 'oldKeyValidUntil must be in the future; leave it out to stop the old key at once.');
    }
    const key = await rekeyIn(tx, ctx, current, until, request.reason ? { reason: request.reason } : {});
    return { ...view(ctx, current, await requireOffering(tx, current.offeringId)), key };
  });
}
