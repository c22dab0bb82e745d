import type { Context } from '../../platform/domain/context.js';
import { notFound } from '../../platform/domain/errors.js';
import { recordEvent } from '../events/record.js';
import { quotaRule } from './quota.js';
import type { UsageGroup } from './ports.js';
import type { Store } from '../../platform/domain/ports.js';
import type { Clock } from '../../foundation/clock.js';
import type { IdGenerator } from '../../foundation/ids.js';
import type { MasterKey } from '../../secrets/master-key.js';

export interface StatementLine {
  entitlementId: string;
  offeringId: string;
  licenseModel: string;
  feature: string;
  unit: string | null;
  periodStart: number;
  periodEnd: number;
  closed: boolean;
  used: number;
  included: number;
  billable: number;
}

/**
 * A customer's usage per entitlement, feature and quota period, in a shape a billing system can
 * import. Pay-per-use (usage-model) offerings bill everything used; other offerings bill what a
 * `bill` overage let through beyond the included quota.
 */
export function usageStatement(
  ctx: Context,
  customerRef: string,
  from: number,
  to: number,
): Promise<{ customerId: string; lines: StatementLine[] }> {
  return ctx.store.read(async (tx) => {
    const customer = await tx.customers.find(customerRef);
    if (!customer) throw notFound('customer', customerRef);
    const entitlements = await tx.entitlements.ofCustomer(customer.id);
    const lines: StatementLine[] = [];
    const counters = await tx.usage.counters({ entitlementIds: entitlements.map((e) => e.id), from, to });
    for (const c of counters) {
      // A period is billed by the rights that applied in it, not today's: a later change of
      // offering or override must not rewrite past statements.
      const current = entitlements.find((x) => x.id === c.entitlementId)!;
      const e = (await tx.versions.entitlementAsOf(current.id, c.periodStart)) ?? current;
      const offering = (await tx.offerings.versionAsOf(e.offeringId, c.periodStart)) ?? (await tx.offerings.find(e.offeringId))!;
      const feature = (await tx.features.allOf(e.productId)).find((f) => f.code === c.feature);
      const rule = quotaRule({ ...offering.features, ...e.overrides.features }[c.feature]);
      const included = rule?.limit ?? 0;
      const billable = offering.licenseModel === 'usage' ? c.used : rule?.overage === 'bill' ? Math.max(0, c.used - included) : 0;
      lines.push({
        entitlementId: e.id,
        offeringId: offering.id,
        licenseModel: offering.licenseModel,
        feature: c.feature,
        unit: feature?.unit ?? null,
        periodStart: c.periodStart,
        periodEnd: c.periodEnd,
        closed: c.closed,
        used: c.used,
        included,
        billable,
      });
    }
    return { customerId: customer.id, lines };
  });
}

export function usageReport(
  ctx: Context,
  filter: { from: number; to: number; customer?: string | undefined; entitlement?: string | undefined; feature?: string | undefined },
  by: 'feature' | 'customer' | 'device' | 'entitlement',
): Promise<UsageGroup[]> {
  return ctx.store.read(async (tx) => {
    const customerId = filter.customer ? ((await tx.customers.find(filter.customer))?.id ?? '-') : undefined;
    const entitlementId = filter.entitlement ? ((await tx.entitlements.find(filter.entitlement))?.id ?? '-') : undefined;
    return tx.usage.report({ from: filter.from, to: filter.to, customerId, entitlementId, feature: filter.feature }, by);
  });
}

/**
 * Closes quota periods that have ended: one `usage.period_closed` event each, with what was used,
 * for billing systems that follow the event log. Runs in the background; a conditional update makes
 * each close happen once however many processes run it.
 */
export async function closeEndedPeriods(
  deps: { store: Store; clock: Clock; ids: IdGenerator; secrets: MasterKey },
  batch = 500,
): Promise<number> {
  const now = deps.clock.now();
  let closed = 0;
  for (const c of await deps.store.endedUsagePeriods(now, batch)) {
    const store = deps.store.forAccount({ accountId: c.accountId, productId: null });
    const ctx = { ...deps, store, actor: { type: 'system' as const, id: 'usage' }, requestId: null };
    // Counted once it committed: a write may be run again (see AccountStore.write).
    const won = await store.write(async (tx) => {
      if (!(await deps.store.markUsagePeriodClosed(tx, c))) return false;
      const e = await tx.entitlements.find(c.entitlementId);
      await recordEvent(tx, ctx, {
        type: 'usage.period_closed',
        subjectType: 'entitlement',
        subjectId: c.entitlementId,
        entitlementId: c.entitlementId,
        customerId: e?.customerId ?? null,
        productId: e?.productId ?? null,
        after: { feature: c.feature, periodStartAt: c.periodStart, periodEndAt: c.periodEnd, used: c.used },
      });
      return true;
    });
    if (won) closed++;
  }
  return closed;
}
