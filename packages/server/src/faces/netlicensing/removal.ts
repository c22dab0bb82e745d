import type { Context } from '../../platform/domain/context.js';
import { deleteCustomerIn, retireCustomerIn } from '../../capabilities/customers/customers.js';
import { mutateIn } from '../../capabilities/entitlements/entitlements.js';
import type { EntitlementRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { illegal } from './entities.js';

/**
 * Deleting licensees and licenses, which the catalogue's cascades (a product, a template) and the
 * licensee endpoints both do: here once, so neither imports the other.
 */

export async function deleteLicenseeIn(tx: Tx, ctx: Context, customerId: string, cascade: boolean): Promise<void> {
  const customer = await tx.customers.find(customerId);
  if (!customer) return;
  const licenses = await tx.netlicensing.list('license', { parentId: customerId });
  if (!cascade && licenses.length > 0) throw illegal('Licensee has licenses; use forceCascade=true', { licenses: licenses.length });
  for (const license of licenses) await deleteLicenseIn(tx, ctx, license.refId);
  await tx.netlicensing.deleteSessionsOf(customerId);
  await tx.netlicensing.delete('licensee', customerId);
  // Customers who held entitlements stay on record (the core retires them); the licensee number is freed for reuse.
  if ((await tx.entitlements.countFor('customer_id', customerId)) === 0) await deleteCustomerIn(tx, ctx, customerId);
  else await retireCustomerIn(tx, ctx, customerId);
}

/** A deleted license is revoked (or, if no longer live, unlinked) and its face removed. */
export async function deleteLicenseIn(tx: Tx, ctx: Context, entitlementId: string): Promise<void> {
  const live = async (e: EntitlementRecord) => e.state === 'active' || e.state === 'suspended';
  const current = await tx.entitlements.find(entitlementId);
  if (!current) return;
  const revoke = await live(current);
  await mutateIn(
    tx,
    ctx,
    entitlementId,
    revoke ? 'entitlement.revoked' : 'entitlement.updated',
    (e) => ({ ...e, state: revoke ? 'revoked' : e.state, externalRef: null }),
    { reason: 'NetLicensing license deleted', netlicensingLicenseNumber: current.externalRef },
  );
  await tx.netlicensing.delete('license', entitlementId);
}
