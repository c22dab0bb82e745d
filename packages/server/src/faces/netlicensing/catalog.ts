import type { Context } from '../../platform/domain/context.js';
import type { FeatureRecord, OfferingRecord, ProductRecord } from '../../platform/domain/model.js';
import { isRetiredCode } from '../../capabilities/catalog/products.js';
import type { Tx } from '../../platform/domain/ports.js';
import type { NlObjectRecord } from './records.js';
import { nlNotFound, type LicensingModel } from './entities.js';

/**
 * The NetLicensing catalogue over Leasehold's: a Product is a Leasehold product (number = code); a
 * ProductModule is a feature of it (number = feature code) whose licensing model and parameters
 * live in the face's record; a LicenseTemplate is an offering (number = offering code) granting
 * that feature. Here the lookups every part of the face shares; the writes are in products.ts,
 * modules.ts and templates.ts, and go through the core's catalogue services.
 */

export async function requireNlProduct(tx: Tx, number: string): Promise<{ product: ProductRecord; face: NlObjectRecord | undefined }> {
  const product = await tx.products.find(number);
  if (!product || isRetiredCode(product.code)) throw nlNotFound('product', number);
  return { product, face: await tx.netlicensing.find('product', product.id) };
}

export interface ModuleFacts {
  feature: FeatureRecord;
  face: NlObjectRecord;
  model: LicensingModel;
}

export async function requireModule(tx: Tx, number: string): Promise<ModuleFacts> {
  const face = await tx.netlicensing.findModule(number);
  const feature = face && (await tx.features.find(face.productId!, face.refId));
  if (!face || !feature) throw nlNotFound('product module', number);
  return { feature, face, model: face.props['licensingModel'] as LicensingModel };
}

export async function moduleOfFeature(tx: Tx, featureId: string, productId: string): Promise<ModuleFacts | undefined> {
  const face = await tx.netlicensing.find('module', featureId);
  const feature = face && (await tx.features.find(productId, featureId));
  return face && feature ? { feature, face, model: face.props['licensingModel'] as LicensingModel } : undefined;
}

export interface TemplateFacts {
  offering: OfferingRecord;
  face: NlObjectRecord;
  module: ModuleFacts;
}

export async function requireTemplate(tx: Tx, number: string): Promise<TemplateFacts> {
  const offering = await tx.offerings.find(number);
  const face = offering && (await tx.netlicensing.find('template', offering.id));
  if (!offering || !face) throw nlNotFound('license template', number);
  const module = await moduleOfFeature(tx, face.parentId!, offering.productId);
  if (!module) throw nlNotFound('product module', face.parentId!);
  return { offering, face, module };
}

export async function templateOfOffering(tx: Tx, offeringId: string): Promise<TemplateFacts | undefined> {
  const offering = await tx.offerings.find(offeringId);
  const face = offering && (await tx.netlicensing.find('template', offering.id));
  if (!offering || !face) return undefined;
  const module = await moduleOfFeature(tx, face.parentId!, offering.productId);
  return module && { offering, face, module };
}

/** The face's record beside a core one, as first written. */
export function newFace(
  ctx: Context,
  kind: NlObjectRecord['kind'],
  refId: string,
  productId: string | null,
  parentId: string | null,
  props: Record<string, string>,
): NlObjectRecord {
  const now = ctx.clock.now();
  return { kind, refId, productId, parentId, props, createdAt: now, updatedAt: now };
}

/**
 * What an update event carries of the face's own properties: nothing when they did not change, so
 * the event is the core's own; otherwise the properties after the change, beside it.
 */
export function faceChange(before: Record<string, string>, after: Record<string, string>): Record<string, unknown> | undefined {
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : { netlicensing: after };
}
