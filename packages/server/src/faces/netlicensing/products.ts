import type { Context } from '../../platform/domain/context.js';
import type { ProductRecord } from '../../platform/domain/model.js';
import { deleteProductIn, insertProduct, isRetiredCode, retireProductIn, updateProductIn } from '../../capabilities/catalog/products.js';
import type { Tx } from '../../platform/domain/ports.js';
import type { NlObjectRecord } from './records.js';
import { faceChange, newFace, requireNlProduct } from './catalog.js';
import { bool, generatedNumber, illegal, item, malformed, mergeProps, type NlForm, type NlItem } from './entities.js';
import { deleteModuleIn } from './modules.js';
import { deleteLicenseeIn } from './removal.js';

/**
 * NetLicensing products: a Leasehold product (number = code), written through the core's product
 * service, plus the face's record of NetLicensing-only properties (licenseeAutoCreate, vatMode, …).
 */

const PRODUCT_SKIP = new Set(['number', 'name', 'inUse']);

export async function productItem(tx: Tx, product: ProductRecord, face: NlObjectRecord | undefined): Promise<NlItem> {
  const licensees = await tx.netlicensing.list('licensee', { productId: product.id });
  return item('Product', {
    number: product.code,
    active: 'true',
    name: product.name,
    licenseeAutoCreate: 'false',
    ...(face?.props ?? {}),
    inUse: bool(licensees.length > 0),
  });
}

export function listProducts(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await tx.products.list({ limit: 500, cursor });
      for (const p of page.items) {
        if (!isRetiredCode(p.code)) out.push(await productItem(tx, p, await tx.netlicensing.find('product', p.id)));
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    return out.reverse();
  });
}

export function getProduct(ctx: Context, number: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => {
    const { product, face } = await requireNlProduct(tx, number);
    return productItem(tx, product, face);
  });
}

function checkProductProps(form: NlForm): void {
  form.bool('active');
  form.bool('licenseeAutoCreate');
  const vat = form.get('vatMode');
  if (vat && vat !== 'GROSS' && vat !== 'NET') throw malformed("'vatMode' must be GROSS or NET", 'vatMode');
}

export function createProduct(ctx: Context, form: NlForm): Promise<NlItem> {
  const name = form.require('name', 'Product name is required');
  checkProductProps(form);
  return ctx.store.write(async (tx) => {
    const code = form.get('number') || generatedNumber('P', ctx.ids.next('product'));
    const product = await insertProduct(tx, ctx, { code, name });
    const face = newFace(ctx, 'product', product.id, product.id, null, mergeProps({}, form, PRODUCT_SKIP));
    await tx.netlicensing.insert(face);
    return productItem(tx, product, face);
  });
}

export function updateProduct(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  checkProductProps(form);
  return ctx.store.write(async (tx) => {
    const { product, face } = await requireNlProduct(tx, number);
    const props = mergeProps(face?.props ?? {}, form, PRODUCT_SKIP);
    const after = await updateProductIn(
      tx,
      ctx,
      product.id,
      { code: form.get('number') || undefined, name: form.get('name') || undefined },
      faceChange(face?.props ?? {}, props),
    );
    const nextFace = face ? { ...face, props, updatedAt: ctx.clock.now() } : newFace(ctx, 'product', product.id, product.id, null, props);
    if (face) await tx.netlicensing.update(nextFace);
    else await tx.netlicensing.insert(nextFace);
    return productItem(tx, after, nextFace);
  });
}

/**
 * Deletes the product with its modules and licensees (`cascade`). A product whose offerings
 * entitlements still hold is retired by the core instead: kept for the record, its number freed.
 */
export function deleteProduct(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const { product } = await requireNlProduct(tx, number);
    const modules = await tx.netlicensing.list('module', { productId: product.id });
    const licensees = await tx.netlicensing.list('licensee', { productId: product.id });
    if (!cascade && (modules.length > 0 || licensees.length > 0)) {
      throw illegal('Product has product modules or licensees; delete them first or use forceCascade=true', {
        modules: modules.length,
        licensees: licensees.length,
      });
    }
    for (const licensee of licensees) await deleteLicenseeIn(tx, ctx, licensee.refId, true);
    for (const module of modules) await deleteModuleIn(tx, ctx, module.refId, product.id, true);
    await tx.netlicensing.delete('product', product.id);
    if ((await tx.offerings.countForProduct(product.id)) === 0) await deleteProductIn(tx, ctx, product.id);
    else await retireProductIn(tx, ctx, product.id);
  });
}
