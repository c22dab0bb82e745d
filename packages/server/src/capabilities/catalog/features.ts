import type { FeatureCreate, FeaturePatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { FeatureRecord, Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { definedOnly, requireProduct, retiredCode } from './products.js';
import type { Tx } from '../../platform/domain/ports.js';

async function requireFeature(tx: Tx, productRef: string, ref: string): Promise<FeatureRecord> {
  const product = await requireProduct(tx, productRef);
  const feature = await tx.features.find(product.id, ref);
  if (!feature) throw notFound('feature', ref);
  return feature;
}

export function getFeature(ctx: Context, productRef: string, ref: string): Promise<FeatureRecord> {
  return ctx.store.read((tx) => requireFeature(tx, productRef, ref));
}

export function listFeatures(ctx: Context, productRef: string, page: PageRequest): Promise<Page<FeatureRecord>> {
  return ctx.store.read(async (tx) => tx.features.list((await requireProduct(tx, productRef)).id, page));
}

export function createFeature(ctx: Context, productRef: string, input: FeatureCreate): Promise<FeatureRecord> {
  return ctx.store.write((tx) => insertFeature(tx, ctx, productRef, input));
}

/** `createFeature` inside the caller's transaction. */
export async function insertFeature(tx: Tx, ctx: Context, productRef: string, input: FeatureCreate): Promise<FeatureRecord> {
  const product = await requireProduct(tx, productRef);
  const now = ctx.clock.now();
  const feature: FeatureRecord = {
    id: ctx.ids.next('feature'),
    productId: product.id,
    code: input.code,
    name: input.name,
    type: input.type,
    unit: input.unit ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await tx.features.insert(feature);
  await recordEvent(tx, ctx, {
    type: 'feature.created',
    subjectType: 'feature',
    subjectId: feature.id,
    productId: product.id,
    after: feature,
  });
  return feature;
}

export function updateFeature(ctx: Context, productRef: string, ref: string, patch: FeaturePatch): Promise<FeatureRecord> {
  return ctx.store.write((tx) => updateFeatureIn(tx, ctx, productRef, ref, patch));
}

/** `updateFeature` inside the caller's transaction; `context` joins the event (a face's own properties). */
export async function updateFeatureIn(
  tx: Tx,
  ctx: Context,
  productRef: string,
  ref: string,
  patch: FeaturePatch,
  context?: Record<string, unknown>,
): Promise<FeatureRecord> {
  const before = await requireFeature(tx, productRef, ref);
  const after: FeatureRecord = { ...before, ...definedOnly(patch), updatedAt: ctx.clock.now() };
  await tx.features.update(after);
  await recordEvent(tx, ctx, {
    type: 'feature.updated',
    subjectType: 'feature',
    subjectId: after.id,
    productId: after.productId,
    before,
    after,
    context,
  });
  return after;
}

/** A feature that an offering grants or an entitlement overrides cannot be deleted: remove it from those first. */
export function deleteFeature(ctx: Context, productRef: string, ref: string): Promise<void> {
  return ctx.store.write((tx) => deleteFeatureIn(tx, ctx, productRef, ref));
}

export async function deleteFeatureIn(tx: Tx, ctx: Context, productRef: string, ref: string): Promise<void> {
  const feature = await requireFeature(tx, productRef, ref);
  const users = await tx.offerings.usingFeature(feature.productId, feature.code);
  if (users.length > 0) {
    throw new DomainError('IN_USE', `Offerings still set feature ${JSON.stringify(feature.code)}.`, {
      offerings: users.map((o) => o.code),
      resolve: 'Remove the feature from these offerings first.',
    });
  }
  const overriding = await tx.entitlements.overridingFeature(feature.productId, feature.code, 20);
  if (overriding.length > 0) {
    throw new DomainError('IN_USE', `Entitlements still override feature ${JSON.stringify(feature.code)}.`, {
      entitlements: overriding.map((e) => e.id),
      resolve: 'Remove the feature from these entitlements’ overrides first ({"overrides": {"features": {"<code>": null}}}).',
    });
  }
  await tx.features.delete(feature.id);
  await recordEvent(tx, ctx, {
    type: 'feature.deleted',
    subjectType: 'feature',
    subjectId: feature.id,
    productId: feature.productId,
    before: feature,
  });
}

/** Retires a feature that offerings still grant: kept for them, under a code that frees its own. */
export async function retireFeatureIn(tx: Tx, ctx: Context, productRef: string, ref: string): Promise<FeatureRecord> {
  const before = await requireFeature(tx, productRef, ref);
  const after: FeatureRecord = { ...before, code: retiredCode(before.id), updatedAt: ctx.clock.now() };
  await tx.features.update(after);
  await recordEvent(tx, ctx, {
    type: 'feature.retired',
    subjectType: 'feature',
    subjectId: after.id,
    productId: after.productId,
    before,
    after,
  });
  return after;
}
