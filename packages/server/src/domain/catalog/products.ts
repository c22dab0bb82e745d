import type { ProductCreate, ProductPatch } from '@leasehold/contract';
import type { Context } from '../context.js';
import { DomainError, notFound } from '../errors.js';
import type { Page, ProductRecord } from '../model.js';
import { recordEvent } from '../events/record.js';
import type { PageRequest } from '../../store/repositories/paging.js';
import type { Tx } from '../../store/store.js';

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
  if (ctx.store.scope.productId) {
    throw new DomainError('FORBIDDEN', 'A key limited to one product cannot create products.');
  }
  return ctx.store.write(async (tx) => {
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
  });
}

export function updateProduct(ctx: Context, ref: string, patch: ProductPatch): Promise<ProductRecord> {
  return ctx.store.write(async (tx) => {
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
    });
    return after;
  });
}

/** A product that offerings still use cannot be deleted; its features go with it. */
export function deleteProduct(ctx: Context, ref: string): Promise<void> {
  return ctx.store.write(async (tx) => {
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
  });
}

/** The fields present in a PATCH body (undefined means "not sent"). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
