import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { ActivationRecord, OfferingRecord } from '../../platform/domain/model.js';
import { requireOffering } from '../catalog/offerings.js';
import { requireCustomer } from '../customers/customers.js';
import { checkChangeAllowed, planOfferingChange } from '../entitlements/change-offering.js';
import type { Tx } from '../../platform/domain/ports.js';
import { poolUse } from '../usage/pools.js';

export interface MigrationSelection {
  /** Only these customers' entitlements (ids or external references). */
  customers?: string[] | undefined;
  /** Only entitlements with a live device on this platform. */
  platform?: string | undefined;
  /** Only entitlements with a live device reporting this application version. */
  version?: string | undefined;
}

export interface Impact {
  entitlements: number;
  customers: number;
  activations: number;
  seatsRemoved: number;
  poolsOverLimit: number;
  overridesKept: number;
}

export interface ImpactSamples {
  entitlements: Array<{ id: string; customerId: string }>;
  customers: string[];
  seatsRemoved: Array<{ activationId: string; entitlementId: string; fingerprint: string; lastSeenAt: number }>;
  overridesKept: Array<{ entitlementId: string; fields: string[] }>;
}

const SAMPLE = 5;
/** The affected customers are listed, not sampled, up to this many: the console names them before a run. */
const CUSTOMERS_LISTED = 200;
const PAGE = 500;

export interface Resolved {
  source: OfferingRecord;
  target: OfferingRecord;
  customerIds?: string[];
}

/** Resolves the offerings and customers a migration names, and checks the move is allowed at all. */
export async function resolveMigration(tx: Tx, source: string, target: string, selection: MigrationSelection): Promise<Resolved> {
  const unknown = (field: string, ref: string) =>
    new DomainError('UNKNOWN_REFERENCE', `${field} ${JSON.stringify(ref)} names nothing in this account.`, { field, ref });
  const s = await requireOffering(tx, source).catch(() => {
    throw unknown('sourceOfferingId', source);
  });
  const t = await requireOffering(tx, target).catch(() => {
    throw unknown('targetOfferingId', target);
  });
  // The allowed-ness of a move depends only on the two offerings: check it once for all.
  checkChangeAllowed({ state: 'active' } as Parameters<typeof checkChangeAllowed>[0], s, t);
  const resolved: Resolved = { source: s, target: t };
  if (selection.customers) {
    resolved.customerIds = [];
    for (const [i, ref] of selection.customers.entries()) {
      const c = await requireCustomer(tx, ref).catch(() => {
        throw unknown(`select.customers.${i}`, ref);
      });
      resolved.customerIds.push(c.id);
    }
  }
  return resolved;
}

/**
 * Walks the target set in pages (entitlements on the source offering that can still change,
 * narrowed by the selection) and hands each page to `visit`. Used for the dry run's counts and to
 * fix the item list of a real run, so both see the same set.
 */
export async function walkTargetSet(
  tx: Tx,
  resolved: Resolved,
  selection: MigrationSelection,
  visit: (page: Array<{ id: string; customerId: string }>) => Promise<void>,
): Promise<void> {
  const deviceFilter = selection.platform || selection.version ? await tx.activations.entitlementsWithDevices(selection) : null;
  let afterId: string | undefined;
  for (;;) {
    const page = await tx.entitlements.idsOnOffering(resolved.source.id, { customerIds: resolved.customerIds, afterId, limit: PAGE });
    if (page.length === 0) return;
    afterId = page[page.length - 1]!.id;
    const kept = deviceFilter ? page.filter((e) => deviceFilter.has(e.id)) : page;
    if (kept.length > 0) await visit(kept);
  }
}

/** What the migration would do to the target set, counted, with a few examples of each. */
export async function measureImpact(
  tx: Tx,
  ctx: Context,
  resolved: Resolved,
  selection: MigrationSelection,
  removeSeats: boolean,
): Promise<{ impact: Impact; samples: ImpactSamples; ids: string[] }> {
  const impact: Impact = { entitlements: 0, customers: 0, activations: 0, seatsRemoved: 0, poolsOverLimit: 0, overridesKept: 0 };
  const samples: ImpactSamples = { entitlements: [], customers: [], seatsRemoved: [], overridesKept: [] };
  const customers = new Set<string>();
  const ids: string[] = [];
  const targetFeatures = await tx.features.allOf(resolved.target.productId);
  const now = ctx.clock.now();
  await walkTargetSet(tx, resolved, selection, async (page) => {
    const entitlements = await tx.entitlements.findMany(page.map((e) => e.id));
    const liveBy = new Map<string, ActivationRecord[]>();
    for (const a of await tx.activations.liveOfMany(page.map((e) => e.id))) {
      liveBy.set(a.entitlementId, [...(liveBy.get(a.entitlementId) ?? []), a]);
    }
    const holdings = await tx.pools.holdings(page.map((e) => e.id));
    for (const entitlement of entitlements) {
      const live = liveBy.get(entitlement.id) ?? [];
      const pools = poolUse(
        holdings.filter((h) => h.entitlementId === entitlement.id),
        live,
        now,
      );
      const plan = planOfferingChange({
        entitlement,
        current: resolved.source,
        target: resolved.target,
        targetFeatures,
        live,
        removeSeats,
        now,
        pools,
      });
      if (plan.warnings.some((w) => w.code === 'POOL_OVER_LIMIT')) impact.poolsOverLimit++;
      ids.push(entitlement.id);
      impact.entitlements++;
      impact.activations += live.length;
      impact.seatsRemoved += plan.evicted.length;
      if (plan.keptOverrides.length > 0) impact.overridesKept++;
      customers.add(entitlement.customerId);
      if (samples.entitlements.length < SAMPLE) samples.entitlements.push({ id: entitlement.id, customerId: entitlement.customerId });
      for (const a of plan.evicted) {
        if (samples.seatsRemoved.length < SAMPLE)
          samples.seatsRemoved.push({
            activationId: a.id,
            entitlementId: entitlement.id,
            fingerprint: a.fingerprint,
            lastSeenAt: a.lastSeenAt,
          });
      }
      if (plan.keptOverrides.length > 0 && samples.overridesKept.length < SAMPLE)
        samples.overridesKept.push({ entitlementId: entitlement.id, fields: plan.keptOverrides });
    }
  });
  impact.customers = customers.size;
  samples.customers = [...customers].slice(0, CUSTOMERS_LISTED);
  return { impact, samples, ids };
}
