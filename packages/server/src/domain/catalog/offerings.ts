import type { OfferingCreate, OfferingPatch } from '@leasehold/contract';
import type { Context } from '../context.js';
import { DomainError, invalid, notFound } from '../errors.js';
import type { OfferingRecord, Page } from '../model.js';
import { recordEvent } from '../events/record.js';
import { checkFeatureValues } from './feature-values.js';
import { definedOnly, requireProduct } from './products.js';
import { isPositiveDuration } from '../../foundation/durations.js';
import type { PageRequest } from '../../store/repositories/paging.js';
import type { Tx } from '../../store/store.js';

/** Used when an offering does not say: a week offline at most between refreshes. */
export const DEFAULT_LEASE_PERIOD = 'P7D';

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
  for (const field of ['term', 'leasePeriod', 'maintenanceTerm'] as const) {
    const value = o[field];
    if (value !== null && !isPositiveDuration(value)) throw invalid(field, `${field} must be a positive ISO 8601 duration.`);
  }
  if ((o.licenseModel === 'subscription' || o.licenseModel === 'trial') && o.term === null) {
    throw invalid('term', `A ${o.licenseModel} offering needs a term (for example P1Y or P14D).`);
  }
  if (o.licenseModel === 'perpetual' && o.term !== null) {
    throw invalid('term', 'A perpetual offering has no term; use maintenanceTerm for updates and support.');
  }
}

export function createOffering(ctx: Context, input: OfferingCreate): Promise<OfferingRecord> {
  return ctx.store.write(async (tx) => {
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
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    };
    checkOffering(offering);
    checkFeatureValues(offering.features, await tx.features.allOf(product.id), 'features');
    await tx.offerings.insert(offering);
    await recordEvent(tx, ctx, {
      type: 'offering.created',
      subjectType: 'offering',
      subjectId: offering.id,
      productId: product.id,
      after: offering,
    });
    return offering;
  });
}

/**
 * Changes reach every entitlement on this offering (except fields they override) at their next
 * lease. `features` replaces the offering's whole feature map.
 */
export function updateOffering(ctx: Context, ref: string, patch: OfferingPatch): Promise<OfferingRecord> {
  return ctx.store.write(async (tx) => {
    const before = await requireOffering(tx, ref);
    const after: OfferingRecord = { ...before, ...definedOnly(patch), updatedAt: ctx.clock.now() };
    checkOffering(after);
    if (patch.features) checkFeatureValues(after.features, await tx.features.allOf(after.productId), 'features');
    await tx.offerings.update(after);
    await recordEvent(tx, ctx, {
      type: 'offering.updated',
      subjectType: 'offering',
      subjectId: after.id,
      productId: after.productId,
      before,
      after,
    });
    return after;
  });
}

export function deleteOffering(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write(async (tx) => {
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
  });
}
