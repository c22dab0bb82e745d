import type { ProductCreate, ProductPatch } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest, ProductRecord } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import type { Tx } from '../../platform/domain/ports.js';

export async function requireProduct(tx: Tx, ref: string): Promise<ProductRecord> {
  const product = await tx.products.find(ref);
  if (!product) throw notFound('product', ref);
  return product;
}

export function getProduct(ctx: Context, ref: string): Promise<ProductRecord> {
  return ctx.store.read((tx) => requireProduct(tx, ref));
}

export function listProducts(ctx: Context, page: PageRequest): Promise<Page<ProductRecord>> {
  return ctx.store.read((tx) => tx.products.list(page));
}

export function createProduct(ctx: Context, input: ProductCreate): Promise<ProductRecord> {
  refuseProductScope(ctx);
  return ctx.store.write((tx) => insertProduct(tx, ctx, input));
}

/** A new product concerns the whole account: a key limited to one product cannot make one. */
function refuseProductScope(ctx: Context): void {
  if (ctx.store.scope.productId) {
    throw new DomainError('FORBIDDEN', 'A key limited to one product cannot create products.');
  }
}

/** `createProduct` inside the caller's transaction (the NetLicensing face adds its own record beside it). */
export async function insertProduct(tx: Tx, ctx: Context, input: ProductCreate): Promise<ProductRecord> {
  refuseProductScope(ctx);
  const now = ctx.clock.now();
  const product: ProductRecord = {
    id: ctx.ids.next('product'),
    code: input.code,
    name: input.name,
    metadata: input.metadata ?? {},
    trialOfferingId: null,
    createdAt: now,
    updatedAt: now,
  };
  await tx.products.insert(product);
  await recordEvent(tx, ctx, {
    type: 'product.created',
    subjectType: 'product',
    subjectId: product.id,
    productId: product.id,
    after: product,
  });
  return product;
}

export function updateProduct(ctx: Context, ref: string, patch: ProductPatch): Promise<ProductRecord> {
  return ctx.store.write((tx) => updateProductIn(tx, ctx, ref, patch));
}

/** `updateProduct` inside the caller's transaction; `context` joins the event (a face's own properties). */
export async function updateProductIn(
  tx: Tx,
  ctx: Context,
  ref: string,
  patch: ProductPatch,
  context?: Record<string, unknown>,
): Promise<ProductRecord> {
  const before = await requireProduct(tx, ref);
  const after: ProductRecord = { ...before, ...definedOnly(patch), updatedAt: ctx.clock.now() };
  if (patch.trialOfferingId) {
    const offering = await tx.offerings.find(patch.trialOfferingId);
    if (!offering || offering.productId !== before.id) {
      throw new DomainError('UNKNOWN_REFERENCE', 'trialOfferingId must name an offering of this product.', { field: 'trialOfferingId' });
    }
    after.trialOfferingId = offering.id;
  }
  await tx.products.update(after);
  await recordEvent(tx, ctx, {
    type: 'product.updated',
    subjectType: 'product',
    subjectId: after.id,
    productId: after.id,
    before,
    after,
    context,
  });
  return after;
}

/** A product that offerings still use cannot be deleted; its features go with it. */
export function deleteProduct(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write((tx) => deleteProductIn(tx, ctx, ref));
}

export async function deleteProductIn(tx: Tx, ctx: Context, ref: string): Promise<void> {
  const product = await requireProduct(tx, ref);
  const offerings = await tx.offerings.countForProduct(product.id);
  if (offerings > 0) {
    throw new DomainError('IN_USE', `The product has ${offerings} offering(s); delete them first.`, {
      offerings,
      resolve: 'Delete or move the offerings of this product.',
    });
  }
  await tx.products.delete(product.id);
  await recordEvent(tx, ctx, {
    type: 'product.deleted',
    subjectType: 'product',
    subjectId: product.id,
    productId: product.id,
    before: product,
  });
}

const RETIRED_PREFIX = 'deleted.';

/**
 * Leasehold keeps what was sold: a record that offerings or entitlements still name is retired
 * instead of deleted — kept, under a code that frees its own for reuse.
 */
export const retiredCode = (id: string): string => `${RETIRED_PREFIX}${id}`;
export const isRetiredCode = (code: string): boolean => code.startsWith(RETIRED_PREFIX);

/** Retires a product that offerings still use (how the NetLicensing face deletes one). */
export async function retireProductIn(tx: Tx, ctx: Context, ref: string): Promise<ProductRecord> {
  const before = await requireProduct(tx, ref);
  const after: ProductRecord = { ...before, code: retiredCode(before.id), updatedAt: ctx.clock.now() };
  await tx.products.update(after);
  await recordEvent(tx, ctx, { type: 'product.retired', subjectType: 'product', subjectId: after.id, productId: after.id, before, after });
  return after;
}

/** The fields present in a PATCH body (undefined means "not sent"). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
