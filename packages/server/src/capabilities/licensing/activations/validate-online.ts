import type { ValidateRequest } from '@leasehold/contract';
import { DomainError } from '../../../platform/domain/errors.js';
import type { ActivationRecord } from '../../../platform/domain/model.js';
import { effectiveRights } from '../../entitlements/effective-rights.js';
import { validateLicense, type Verdict } from '../validation/validate.js';
import { quotaStatuses } from '../../usage/record.js';
import { poolUse } from '../../usage/pools.js';
import type { QuotaStatus } from '../../usage/quota.js';
import type { LicenseSnapshot } from '../ports.js';
import type { ClientContext, License } from './license.js';
import { ceilingOf } from './grant-lease.js';

/** Loads what a validation reads, from the database (committed data, no transaction needed). */
function loadSnapshot(ctx: ClientContext): Promise<LicenseSnapshot> {
  return ctx.store.read(async (tx) => {
    const entitlement = await tx.entitlements.find(ctx.entitlementId);
    if (!entitlement) throw new DomainError('LICENSE_KEY_INVALID', 'The license key is not valid.');
    const [offering, product, customer, features, live] = [
      (await tx.offerings.find(entitlement.offeringId))!,
      (await tx.products.find(entitlement.productId))!,
      (await tx.customers.find(entitlement.customerId))!,
      await tx.features.allOf(entitlement.productId),
      await tx.activations.liveOf(entitlement.id),
    ];
    return { accountId: ctx.store.scope.accountId, entitlement, offering, product, customer, features, live };
  });
}

/** The license as validation sees it: from memory when the cache may serve it, else from the database. */
async function snapshotOf(ctx: ClientContext): Promise<{ snapshot: LicenseSnapshot; cached: boolean }> {
  const cache = ctx.licenses;
  const accountId = ctx.store.scope.accountId;
  if (!cache?.usable()) return { snapshot: await loadSnapshot(ctx), cached: false };
  const hit = cache.license(accountId, ctx.entitlementId);
  if (hit) return { snapshot: hit, cached: true };
  const ticket = cache.ticket(accountId, ctx.entitlementId);
  const snapshot = await loadSnapshot(ctx);
  cache.remember(ticket, snapshot);
  return { snapshot, cached: false };
}

export interface ValidationOutcome {
  verdict: Verdict;
  license: License;
  activation: ActivationRecord | null;
  usage: Record<string, QuotaStatus>;
}

/**
 * Online validation: read-only, one ordered verdict. Served from the license cache when it can
 * be; a refusal is always decided again on what is committed now, since it is what a support
 * call starts from.
 */
export async function validate(ctx: ClientContext, request: ValidateRequest): Promise<ValidationOutcome> {
  const now = ctx.clock.now();
  const { snapshot, cached } = await snapshotOf(ctx);
  const out = await validateSnapshot(ctx, snapshot, request, now);
  if (cached && !out.verdict.valid) return validateSnapshot(ctx, await loadSnapshot(ctx), request, now);
  return out;
}

async function validateSnapshot(
  ctx: ClientContext,
  snapshot: LicenseSnapshot,
  request: ValidateRequest,
  now: number,
): Promise<ValidationOutcome> {
  const { entitlement, offering, product, customer, features, live } = snapshot;
  const license: License = { entitlement, offering, product, customer, rights: effectiveRights(offering, entitlement, now) };
  // Usage and pool holdings change with every report and checkout, so they are never cached; they
  // are read only for licenses whose product has such features (most validations skip both).
  const usage = features.some((f) => f.type === 'consumption')
    ? await ctx.store.read((tx) => quotaStatuses(tx, license, now, features))
    : {};
  const quotas = Object.fromEntries(
    Object.entries(usage).map(([code, q]) => [code, { used: q.used, limit: q.limit, ceiling: ceilingOf(q) }]),
  );
  const hasPools = features.some((f) => f.type === 'pool') && Object.values(license.rights.features).some((v) => typeof v === 'number');
  const pools = hasPools
    ? new Map([...poolUse(await ctx.store.read((tx) => tx.pools.holdings([entitlement.id])), live, now)].map(([k, v]) => [k, v.inUse]))
    : undefined;
  const verdict = validateLicense({
    now,
    license,
    product: request.product,
    fingerprint: request.fingerprint,
    live,
    features: request.features,
    quotas,
    pools,
  });
  const activation = request.fingerprint ? (live.find((a) => a.fingerprint === request.fingerprint) ?? null) : null;
  if (activation && verdict.valid) ctx.stamps?.(activation, now);
  return { verdict, license, activation, usage };
}
