import type { Context } from '../../platform/domain/context.js';
import { entitlementUsage, type EntitlementUsage } from '../usage/current.js';
import { usageStatement, type StatementLine } from '../usage/statements.js';
import { ownEntitlement } from './self-service.js';

/** What one of the customer's entitlements uses now (usage's `entitlementUsage`): quotas this period, pools and holders. */
export async function ownEntitlementUsage(ctx: Context, customerId: string, ref: string): Promise<EntitlementUsage> {
  const entitlement = await ctx.store.read((tx) => ownEntitlement(tx, customerId, ref));
  return entitlementUsage(ctx, entitlement.id);
}

/**
 * The customer's usage statement (usage's `usageStatement`, the one billing reads): per
 * entitlement, metered feature and period between `from` and `to`, of this customer only, and of
 * one of their entitlements with `entitlementRef`.
 */
export async function ownUsageStatement(
  ctx: Context,
  customerId: string,
  range: { from: number; to: number },
  entitlementRef?: string,
): Promise<{ customerId: string; lines: StatementLine[] }> {
  const only = entitlementRef === undefined ? undefined : (await ctx.store.read((tx) => ownEntitlement(tx, customerId, entitlementRef))).id;
  const statement = await usageStatement(ctx, customerId, range.from, range.to);
  return { customerId, lines: only === undefined ? statement.lines : statement.lines.filter((l) => l.entitlementId === only) };
}
