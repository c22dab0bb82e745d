import type { ActivationRule, OfferingCreate, OfferingPatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { OfferingRecord, Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { checkFeatureValues } from './feature-values.js';
import { definedOnly, requireProduct, retiredCode } from './products.js';
import { isPositiveDuration } from '../../foundation/durations.js';
import type { Tx } from '../../platform/domain/ports.js';

/** Used when an offering does not say: a week offline at most between refreshes. */
export const DEFAULT_LEASE_PERIOD = 'P7D';
/** Floating and ephemeral seats are freed ten minutes after their last heartbeat unless told otherwise. */
export const DEFAULT_HEARTBEAT_WINDOW = 'PT10M';

export async function requireOffering(tx: Tx, ref: string): Promise<OfferingRecord> {
  const offering = await tx.offerings.find(ref);
  if (!offering) throw notFound('offering', ref);
  return offering;
}

export function getOffering(ctx: Context, ref: string): Promise<OfferingRecord> {
  return ctx.store.read((tx) => requireOffering(tx, ref));
}

export function listOfferings(ctx: Context, filter: { product?: string | undefined }, page: PageRequest): Promise<Page<OfferingRecord>> {
  return ctx.store.read(async (tx) => {
    const productId = filter.product ? (await requireProduct(tx, filter.product)).id : undefined;
    return tx.offerings.list({ productId }, page);
  });
}

/** The rules an offering must satisfy as a whole, whatever wrote it. */
export function checkOffering(o: OfferingRecord): void {
  for (const field of [
    'term',
    'leasePeriod',
    'maintenanceTerm',
    'rehostPeriod',
    'heartbeatWindow',
    'borrowLimit',
    'offlineLeasePeriod',
  ] as const) {
    const value = o[field];
    if (value !== null && !isPositiveDuration(value)) throw invalid(field, `${field} must be a positive ISO 8601 duration.`);
  }
  const downloadPeriod = o.downloadLimit?.period;
  if (downloadPeriod !== undefined && !isPositiveDuration(downloadPeriod)) {
    throw invalid('downloadLimit.period', 'downloadLimit.period must be a positive ISO 8601 duration.');
  }
  if ((o.licenseModel === 'subscription' || o.licenseModel === 'trial') && o.term === null) {
    throw invalid('term', `A ${o.licenseModel} offering needs a term (for example P1Y or P14D).`);
  }
  if (o.licenseModel === 'perpetual' && o.term !== null) {
    throw invalid('term', 'A perpetual offering has no term; use maintenanceTerm for updates and support.');
  }
}

export function createOffering(ctx: Context, input: OfferingCreate): Promise<OfferingRecord> {
  return ctx.store.write((tx) => insertOffering(tx, ctx, input));
}

/** `createOffering` inside the caller's transaction. */
export async function insertOffering(tx: Tx, ctx: Context, input: OfferingCreate): Promise<OfferingRecord> {
  const product = await requireProduct(tx, input.productId).catch(() => {
    throw new DomainError('UNKNOWN_REFERENCE', `No product ${JSON.stringify(input.productId)} in this account.`, { field: 'productId' });
  });
  const now = ctx.clock.now();
  const offering: OfferingRecord = {
    id: ctx.ids.next('offering'),
    productId: product.id,
    code: input.code,
    name: input.name,
    licenseModel: input.licenseModel,
    seatModel: input.seatModel ?? 'node_locked',
    seats: input.seats ?? 1,
    term: input.term ?? null,
    leasePeriod: input.leasePeriod ?? DEFAULT_LEASE_PERIOD,
    features: input.features ?? {},
    rehostLimit: input.rehostLimit ?? null,
    maintenanceTerm: input.maintenanceTerm ?? null,
    rehostPeriod: input.rehostPeriod ?? 'P1Y',
    heartbeatWindow: input.heartbeatWindow ?? DEFAULT_HEARTBEAT_WINDOW,
    borrowLimit: input.borrowLimit ?? null,
    offlineLeasePeriod: input.offlineLeasePeriod ?? null,
    downloadLimit: input.downloadLimit ?? null,
    maxDevicesPerUser: input.maxDevicesPerUser ?? 1,
    ephemeralCounting: input.ephemeralCounting ?? 'instance',
    enforcementMode: input.enforcementMode ?? 'enforce',
    activationRules: input.activationRules ?? [],
    upgradePaths: [],
    evictionOrder: input.evictionOrder ?? 'least_recently_seen',
    version: 1,
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
  checkOffering(offering);
  checkFeatureValues(offering.features, await tx.features.allOf(product.id), 'features');
  offering.activationRules = await resolveRules(tx, offering.activationRules);
  offering.upgradePaths = await resolveUpgradePaths(tx, input.upgradePaths ?? []);
  await tx.offerings.insert(offering);
  await recordEvent(tx, ctx, {
    type: 'offering.created',
    subjectType: 'offering',
    subjectId: offering.id,
    productId: product.id,
    after: offering,
  });
  return offering;
}

/**
 * Changes reach every entitlement on this offering (except fields they override) at their next
 * lease. `features` replaces the offering's whole feature map.
 */
export function updateOffering(ctx: Context, ref: string, patch: OfferingPatch): Promise<OfferingRecord> {
  return ctx.store.write((tx) => updateOfferingIn(tx, ctx, ref, patch));
}

/** `updateOffering` inside the caller's transaction; `context` joins the event (a face's own properties). */
export async function updateOfferingIn(
  tx: Tx,
  ctx: Context,
  ref: string,
  patch: OfferingPatch,
  context?: Record<string, unknown>,
): Promise<OfferingRecord> {
  const before = await requireOffering(tx, ref);
  const after: OfferingRecord = { ...before, ...definedOnly(patch), updatedAt: ctx.clock.now() };
  checkOffering(after);
  if (patch.features) checkFeatureValues(after.features, await tx.features.allOf(after.productId), 'features');
  if (patch.activationRules) after.activationRules = await resolveRules(tx, patch.activationRules);
  if (patch.upgradePaths) after.upgradePaths = await resolveUpgradePaths(tx, patch.upgradePaths);
  after.version = before.version + 1;
  await tx.offerings.update(after);
  await recordEvent(tx, ctx, {
    type: 'offering.updated',
    subjectType: 'offering',
    subjectId: after.id,
    productId: after.productId,
    before,
    after,
    context,
  });
  return after;
}

export function deleteOffering(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write((tx) => deleteOfferingIn(tx, ctx, ref));
}

export async function deleteOfferingIn(tx: Tx, ctx: Context, ref: string): Promise<void> {
  const offering = await requireOffering(tx, ref);
  const entitlements = await tx.entitlements.countFor('offering_id', offering.id);
  if (entitlements > 0) {
    throw new DomainError('IN_USE', `${entitlements} entitlement(s) hold this offering.`, {
      entitlements,
      resolve: 'Move the entitlements to another offering first.',
    });
  }
  await tx.offerings.delete(offering.id);
  await recordEvent(tx, ctx, {
    type: 'offering.deleted',
    subjectType: 'offering',
    subjectId: offering.id,
    productId: offering.productId,
    before: offering,
  });
}

/** Retires an offering that entitlements still hold: kept for them, under a code that frees its own. */
export async function retireOfferingIn(tx: Tx, ctx: Context, ref: string): Promise<OfferingRecord> {
  const before = await requireOffering(tx, ref);
  const after: OfferingRecord = { ...before, code: retiredCode(before.id), version: before.version + 1, updatedAt: ctx.clock.now() };
  await tx.offerings.update(after);
  await recordEvent(tx, ctx, {
    type: 'offering.retired',
    subjectType: 'offering',
    subjectId: after.id,
    productId: after.productId,
    before,
    after,
  });
  return after;
}

/** Rules name products and offerings by id or code; they are stored by id so renaming a code breaks nothing. */
async function resolveRules(tx: Tx, rules: ActivationRule[]): Promise<ActivationRule[]> {
  const resolved: ActivationRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const field = `activationRules.${i}`;
    const unknown = (what: string, ref: string) =>
      new DomainError('UNKNOWN_REFERENCE', `${field} names ${what} ${JSON.stringify(ref)}, which does not exist.`, { field, ref });
    if (rule.type === 'requires') {
      if (!rule.productId === !rule.offeringId) throw invalid(field, 'A requires rule names exactly one of productId or offeringId.');
      if (rule.productId) {
        const p = await tx.products.find(rule.productId);
        if (!p) throw unknown('product', rule.productId);
        resolved.push({ type: 'requires', productId: p.id });
      } else {
        const o = await tx.offerings.find(rule.offeringId!);
        if (!o) throw unknown('offering', rule.offeringId!);
        resolved.push({ type: 'requires', offeringId: o.id });
      }
    } else if (rule.type === 'excludes') {
      const ids: string[] = [];
      for (const ref of rule.offeringIds) {
        const o = await tx.offerings.find(ref);
        if (!o) throw unknown('offering', ref);
        ids.push(o.id);
      }
      resolved.push({ type: 'excludes', offeringIds: ids });
    } else {
      resolved.push(rule);
    }
  }
  return resolved;
}

/** Upgrade paths name offerings by id or code; they are stored by id. */
async function resolveUpgradePaths(tx: Tx, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const o = await tx.offerings.find(ref);
    if (!o)
      throw new DomainError('UNKNOWN_REFERENCE', `upgradePaths.${i} names offering ${JSON.stringify(ref)}, which does not exist.`, {
        field: `upgradePaths.${i}`,
        ref,
      });
    ids.push(o.id);
  }
  return [...new Set(ids)];
}
