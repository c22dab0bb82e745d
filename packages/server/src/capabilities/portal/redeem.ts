import type { Context } from '../../platform/domain/context.js';
import { requireCustomer } from '../customers/customers.js';
import { redeemCodeForCustomer } from '../partners/redeem.js';
import { getOwnEntitlement, type PortalEntitlementView } from './self-service.js';

/**
 * A customer's admin redeems a partner authenticity code for their own organisation: partners'
 * redemption (once, racing or not; forged, voided or expired codes refused), into the session's
 * customer rather than a new one. The code must be one of this vendor's: another vendor's code
 * is as unknown as a forged one (CODE_INVALID).
 */
export async function redeemOwnCode(ctx: Context, customerId: string, code: string): Promise<PortalEntitlementView> {
  const customer = await ctx.store.read((tx) => requireCustomer(tx, customerId));
  const redeemed = await redeemCodeForCustomer(ctx, code.trim(), customer);
  return getOwnEntitlement(ctx, customerId, redeemed.entitlement.record.id);
}
