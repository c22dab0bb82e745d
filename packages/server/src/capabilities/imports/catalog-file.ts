import type { CatalogChange, CatalogFile, CatalogOffering, CatalogPlan, CatalogProduct, FeatureCreate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { FeatureRecord, OfferingRecord, ProductRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { insertProduct, isRetiredCode, updateProductIn } from '../catalog/products.js';
import { deleteFeatureIn, insertFeature, retireFeatureIn, updateFeatureIn } from '../catalog/features.js';
import { deleteOfferingIn, insertOffering, retireOfferingIn, updateOfferingIn } from '../catalog/offerings.js';

/** Thrown to roll a plan's trial apply back. */
class PlanDone extends Error {
  constructor(readonly changes: CatalogChange[]) {
    super('plan');
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The file's fields that differ from the server's (fields the file leaves out keep their value). */
function differences(current: Record<string, unknown>, wanted: Record<string, unknown>, skip: string[] = []): CatalogChange['fields'] {
  const fields: CatalogChange['fields'] = {};
  for (const [k, to] of Object.entries(wanted)) {
    if (to === undefined || skip.includes(k)) continue;
    const from = current[k] ?? null;
    if (!same(from, to)) fields[k] = { from, to };
  }
  return fields;
}

/** Rules and upgrade paths are stored by id and written by code: compared as codes. */
async function offeringAsWritten(tx: Tx, o: OfferingRecord): Promise<Record<string, unknown>> {
  const code = async (kind: 'product' | 'offering', id: string) =>
    (kind === 'product' ? (await tx.products.find(id))?.code : (await tx.offerings.find(id))?.code) ?? id;
  const rules = [];
  for (const rule of o.activationRules) {
    if (rule.type === 'requires') {
      rules.push(
        rule.productId
          ? { type: rule.type, productId: await code('product', rule.productId) }
          : { type: rule.type, offeringId: await code('offering', rule.offeringId!) },
      );
    } else if (rule.type === 'excludes') {
      rules.push({ type: rule.type, offeringIds: await Promise.all(rule.offeringIds.map((id) => code('offering', id))) });
    } else rules.push(rule);
  }
  return { ...o, activationRules: rules, upgradePaths: await Promise.all(o.upgradePaths.map((id) => code('offering', id))) };
}

async function offeringsOf(tx: Tx, productId: string): Promise<OfferingRecord[]> {
  const all: OfferingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await tx.offerings.list({ productId }, { limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return all.filter((o) => !isRetiredCode(o.code));
}

/** One step of applying the file, with what it says of itself in the plan. */
interface Step {
  change: CatalogChange;
  order: number;
  run: () => Promise<unknown>;
}

/**
 * The steps that make the server's catalog what the file says, for the products the file lists
 * (products it leaves out are not touched): what is missing is created, what differs changed, and
 * the features and offerings of a listed product that the file leaves out removed — deleted when
 * nothing holds them, retired (kept for their entitlements, their code freed) when something does.
 * Each step counts the entitlements it reaches. Order: products, features, offerings, then
 * removals, so an offering can name a feature the same file adds and drop one it removes.
 */
async function stepsFor(tx: Tx, ctx: Context, file: CatalogFile): Promise<Step[]> {
  const steps: Step[] = [];
  const step = (order: number, change: Omit<CatalogChange, 'fields' | 'entitlements'> & Partial<CatalogChange>, run: Step['run']) =>
    steps.push({ order, change: { fields: {}, entitlements: 0, ...change }, run });
  const seen = new Set<string>();
  for (const p of file.products) {
    if (seen.has(p.code))
      throw new DomainError('DUPLICATE_CODE', `The file lists product ${p.code} twice.`, { field: 'products', code: p.code });
    seen.add(p.code);
    const product = await tx.products.find(p.code);
    if (!product || product.code !== p.code) {
      step(0, { action: 'create', resource: 'product', product: p.code, code: p.code }, () =>
        insertProduct(tx, ctx, { code: p.code, name: p.name, ...(p.metadata ? { metadata: p.metadata } : {}) }),
      );
      for (const f of p.features ?? [])
        step(1, { action: 'create', resource: 'feature', product: p.code, code: f.code }, () => insertFeature(tx, ctx, p.code, f));
      for (const o of p.offerings ?? []) {
        await refuseForeignOffering(tx, o, null);
        step(2, { action: 'create', resource: 'offering', product: p.code, code: o.code }, () =>
          insertOffering(tx, ctx, { ...o, productId: p.code }),
        );
      }
      continue;
    }
    await stepsForProduct(tx, ctx, p, product, step);
  }
  return steps.sort((a, b) => a.order - b.order);
}

async function refuseForeignOffering(tx: Tx, o: CatalogOffering, productId: string | null): Promise<OfferingRecord | undefined> {
  const existing = await tx.offerings.find(o.code);
  if (existing && existing.code === o.code && existing.productId !== productId) {
    throw new DomainError('PRODUCT_MISMATCH', `Offering ${o.code} belongs to another product.`, { field: 'offerings', code: o.code });
  }
  return existing && existing.code === o.code ? existing : undefined;
}

async function stepsForProduct(
  tx: Tx,
  ctx: Context,
  p: CatalogProduct,
  product: ProductRecord,
  step: (order: number, change: Omit<CatalogChange, 'fields' | 'entitlements'> & Partial<CatalogChange>, run: Step['run']) => void,
): Promise<void> {
  const offerings = await offeringsOf(tx, product.id);
  const holders = new Map<string, number>();
  for (const o of offerings) holders.set(o.id, await tx.entitlements.countFor('offering_id', o.id));
  const reach = (list: OfferingRecord[]) => list.reduce((n, o) => n + (holders.get(o.id) ?? 0), 0);

  const productFields = differences(product as unknown as Record<string, unknown>, { name: p.name, metadata: p.metadata });
  if (Object.keys(productFields).length > 0) {
    step(
      0,
      { action: 'change', resource: 'product', product: p.code, code: p.code, fields: productFields, entitlements: reach(offerings) },
      () => updateProductIn(tx, ctx, product.id, Object.fromEntries(Object.entries(productFields).map(([k, d]) => [k, d.to]))),
    );
  }

  const features = (await tx.features.allOf(product.id)).filter((f) => !isRetiredCode(f.code));
  const usersOf = (code: string) => offerings.filter((o) => code in o.features);
  for (const f of p.features ?? []) {
    const current = features.find((x) => x.code === f.code);
    if (!current) {
      step(1, { action: 'create', resource: 'feature', product: p.code, code: f.code }, () => insertFeature(tx, ctx, product.id, f));
      continue;
    }
    if (current.type !== f.type) {
      throw new DomainError('CHANGE_NOT_ALLOWED', `Feature ${p.code}/${f.code} is ${current.type}: a feature's type is fixed once made.`, {
        field: 'features',
        code: f.code,
      });
    }
    const fields = differences(current as unknown as Record<string, unknown>, {
      name: f.name,
      unit: f.unit,
    } satisfies Partial<FeatureCreate>);
    if (Object.keys(fields).length > 0) {
      step(1, { action: 'change', resource: 'feature', product: p.code, code: f.code, fields, entitlements: reach(usersOf(f.code)) }, () =>
        updateFeatureIn(tx, ctx, product.id, current.id, Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, d.to]))),
      );
    }
  }

  for (const o of p.offerings ?? []) {
    const current = await refuseForeignOffering(tx, o, product.id);
    if (!current) {
      step(2, { action: 'create', resource: 'offering', product: p.code, code: o.code }, () =>
        insertOffering(tx, ctx, { ...o, productId: product.id }),
      );
      continue;
    }
    const fields = differences(await offeringAsWritten(tx, current), o as unknown as Record<string, unknown>, ['code']);
    if (Object.keys(fields).length > 0) {
      step(
        2,
        { action: 'change', resource: 'offering', product: p.code, code: o.code, fields, entitlements: holders.get(current.id) ?? 0 },
        () => updateOfferingIn(tx, ctx, current.id, Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, d.to]))),
      );
    }
  }

  const listedOfferings = new Set((p.offerings ?? []).map((o) => o.code));
  for (const o of offerings.filter((x) => !listedOfferings.has(x.code))) {
    const held = holders.get(o.id) ?? 0;
    step(3, { action: 'remove', resource: 'offering', product: p.code, code: o.code, entitlements: held }, () =>
      held > 0 ? retireOfferingIn(tx, ctx, o.id) : deleteOfferingIn(tx, ctx, o.id),
    );
  }
  const listedFeatures = new Set((p.features ?? []).map((f) => f.code));
  for (const f of features.filter((x) => !listedFeatures.has(x.code))) {
    step(4, { action: 'remove', resource: 'feature', product: p.code, code: f.code, entitlements: reach(usersOf(f.code)) }, () =>
      removeFeature(tx, ctx, f),
    );
  }
}

/** A feature something still sets (an unlisted retired offering, an override) is retired, not deleted. */
async function removeFeature(tx: Tx, ctx: Context, f: FeatureRecord): Promise<unknown> {
  const used =
    (await tx.offerings.usingFeature(f.productId, f.code)).length > 0 ||
    (await tx.entitlements.overridingFeature(f.productId, f.code, 1)).length > 0;
  return used ? retireFeatureIn(tx, ctx, f.productId, f.id) : deleteFeatureIn(tx, ctx, f.productId, f.id);
}

/**
 * What applying the file would do. The plan is tried, every step, in a transaction that is then
 * rolled back: a file that apply would refuse (a feature value of the wrong type, a rule naming
 * nothing) is refused by the plan already, with the same error.
 */
export async function planCatalog(ctx: Context, file: CatalogFile): Promise<CatalogPlan> {
  try {
    await ctx.store.write(async (tx) => {
      const steps = await stepsFor(tx, ctx, file);
      for (const s of steps) await s.run();
      throw new PlanDone(steps.map((s) => s.change));
    });
  } catch (error) {
    if (error instanceof PlanDone) return { changes: error.changes, applied: false };
    throw error;
  }
  throw new Error('unreachable');
}

/** Applies the file in one transaction: every change commits, or (one refused) none does. */
export function applyCatalog(ctx: Context, file: CatalogFile): Promise<CatalogPlan> {
  return ctx.store.write(async (tx) => {
    const steps = await stepsFor(tx, ctx, file);
    for (const s of steps) await s.run();
    return { changes: steps.map((s) => s.change), applied: true };
  });
}
