import type { Context } from '../../platform/domain/context.js';
import type { CustomerRecord, EntitlementRecord } from '../../platform/domain/model.js';
import { insertCustomer, updateCustomerIn } from '../../capabilities/customers/customers.js';
import { insertEntitlement, mutateIn } from '../../capabilities/entitlements/entitlements.js';
import { addDuration } from '../../foundation/durations.js';
import type { Tx } from '../../platform/domain/ports.js';
import type { NlObjectRecord } from './records.js';
import { deleteLicenseIn, deleteLicenseeIn } from './removal.js';
import { faceChange, newFace, requireNlProduct, requireTemplate, templateOfOffering, type TemplateFacts } from './catalog.js';
import { bool, generatedNumber, illegal, isoOf, item, malformed, mergeProps, nlNotFound, NlForm, type NlItem } from './entities.js';

/**
 * Licensees and licenses. A Licensee is a Leasehold customer (licensee number = the customer's
 * externalRef) bound to one product; a License is an entitlement of that customer to the offering
 * its template stands for (license number = the entitlement's externalRef). An inactive license is
 * a suspended entitlement; deleting a license revokes its entitlement, which stays on record.
 */

const LICENSEE_SKIP = new Set(['number', 'name', 'inUse', 'productNumber', 'warningLevel']);
const LICENSE_SKIP = new Set([
  'number',
  'inUse',
  'active',
  'licenseeNumber',
  'licenseTemplateNumber',
  'productModuleNumber',
  'transactionNumber',
  'startDate',
  'price',
  'currency',
]);

// ---- licensees ------------------------------------------------------------------------------

export interface LicenseeFacts {
  customer: CustomerRecord;
  face: NlObjectRecord;
}

export async function findLicensee(tx: Tx, number: string): Promise<LicenseeFacts | undefined> {
  const customer = await tx.customers.find(number);
  const face = customer && customer.externalRef === number ? await tx.netlicensing.find('licensee', customer.id) : undefined;
  if (customer && face) return { customer, face };
  // An alias names the licensee too (validate accepts one in place of the number).
  for (const candidate of await tx.netlicensing.list('licensee')) {
    const aliases = candidate.props['aliases'];
    if (aliases && parseAliases(aliases).includes(number)) {
      const c = await tx.customers.find(candidate.refId);
      if (c) return { customer: c, face: candidate };
    }
  }
  return undefined;
}

function parseAliases(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

export async function requireLicensee(tx: Tx, number: string): Promise<LicenseeFacts> {
  const found = await findLicensee(tx, number);
  if (!found) throw nlNotFound('licensee', number);
  return found;
}

async function licenseeItem(tx: Tx, l: LicenseeFacts): Promise<NlItem> {
  const product = await tx.products.find(l.face.productId!);
  const licenses = await tx.netlicensing.list('license', { parentId: l.customer.id });
  return item('Licensee', {
    number: l.customer.externalRef ?? l.customer.id,
    active: 'true',
    name: l.customer.name,
    ...l.face.props,
    productNumber: product?.code ?? '',
    inUse: bool(licenses.length > 0),
  });
}

export function listLicensees(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const face of await tx.netlicensing.list('licensee')) {
      const customer = await tx.customers.find(face.refId);
      if (customer) out.push(await licenseeItem(tx, { customer, face }));
    }
    return out;
  });
}

export function getLicensee(ctx: Context, number: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => licenseeItem(tx, await requireLicensee(tx, number)));
}

function checkLicenseeProps(form: NlForm): void {
  form.bool('active');
  form.bool('markedForTransfer');
  const aliases = form.get('aliases');
  if (aliases) {
    try {
      if (!Array.isArray(JSON.parse(aliases))) throw new Error('not an array');
    } catch {
      throw malformed("'aliases' must be a JSON array of strings", 'aliases');
    }
  }
}

export function createLicensee(ctx: Context, form: NlForm): Promise<NlItem> {
  const productNumber = form.require('productNumber', 'Product number is not provided');
  checkLicenseeProps(form);
  return ctx.store.write(async (tx) => licenseeItem(tx, await insertLicensee(tx, ctx, productNumber, form)));
}

/** Creates the customer and its face in the caller's transaction (validate auto-creates licensees too). */
export async function insertLicensee(
  tx: Tx,
  ctx: Context,
  productNumber: string,
  form: NlForm,
  skip: ReadonlySet<string> = LICENSEE_SKIP,
): Promise<LicenseeFacts> {
  const { product } = await requireNlProduct(tx, productNumber);
  const number = form.get('number') || generatedNumber('I', ctx.ids.next('customer'));
  if (await tx.customers.find(number)) throw illegal(`Licensee '${number}' already exists`, { number });
  const customer = await insertCustomer(tx, ctx, { name: form.get('name') || number, externalRef: number });
  const face = newFace(ctx, 'licensee', customer.id, product.id, product.id, mergeProps({}, form, skip));
  await tx.netlicensing.insert(face);
  return { customer, face };
}

export function updateLicensee(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  checkLicenseeProps(form);
  return ctx.store.write(async (tx) => {
    const l = await requireLicensee(tx, number);
    const props = mergeProps(l.face.props, form, LICENSEE_SKIP);
    const customer = await updateCustomerIn(
      tx,
      ctx,
      l.customer.id,
      { name: form.get('name') || undefined, externalRef: form.get('number') || undefined },
      faceChange(l.face.props, props),
    );
    const face = { ...l.face, props, updatedAt: ctx.clock.now() };
    await tx.netlicensing.update(face);
    return licenseeItem(tx, { customer, face });
  });
}

export function deleteLicensee(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const l = await requireLicensee(tx, number);
    await deleteLicenseeIn(tx, ctx, l.customer.id, cascade);
  });
}

/**
 * Moves every license of the source licensee to the target (same product; the source must be
 * marked for transfer). Each moved entitlement records the change.
 */
export function transferLicenses(ctx: Context, number: string, sourceNumber: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const target = await requireLicensee(tx, number);
    const source = await requireLicensee(tx, sourceNumber);
    if (source.face.productId !== target.face.productId) throw illegal('Source and target licensee must belong to the same product');
    if (source.face.props['markedForTransfer'] !== 'true')
      throw illegal("Source licensee is not marked for transfer ('markedForTransfer')");
    for (const license of await tx.netlicensing.list('license', { parentId: source.customer.id })) {
      await mutateIn(tx, ctx, license.refId, 'entitlement.transferred', (e) => ({ ...e, customerId: target.customer.id }), {
        fromCustomerId: source.customer.id,
      });
      await tx.netlicensing.update({ ...license, parentId: target.customer.id, updatedAt: ctx.clock.now() });
    }
  });
}

// ---- licenses -------------------------------------------------------------------------------

export interface NlLicenseFacts {
  entitlement: EntitlementRecord;
  face: NlObjectRecord;
  template: TemplateFacts;
}

export async function requireLicense(tx: Tx, number: string, opts: { lock?: boolean } = {}): Promise<NlLicenseFacts> {
  const entitlement = await tx.entitlements.find(number, opts);
  const face = entitlement && (await tx.netlicensing.find('license', entitlement.id, opts));
  const template = entitlement && face ? await templateOfOffering(tx, entitlement.offeringId) : undefined;
  if (!entitlement || !face || !template) throw nlNotFound('license', number);
  return { entitlement, face, template };
}

export async function licensesOf(tx: Tx, customerId: string): Promise<NlLicenseFacts[]> {
  const out: NlLicenseFacts[] = [];
  for (const face of await tx.netlicensing.list('license', { parentId: customerId })) {
    const entitlement = await tx.entitlements.find(face.refId);
    const template = entitlement && (await templateOfOffering(tx, entitlement.offeringId));
    if (entitlement && template) out.push({ entitlement, face, template });
  }
  return out;
}

export async function licenseItem(tx: Tx, l: NlLicenseFacts): Promise<NlItem> {
  const customer = await tx.customers.find(l.entitlement.customerId);
  const t = l.template;
  const type = t.face.props['licenseType'];
  const price = t.face.props['price'];
  return item('License', {
    number: l.entitlement.externalRef ?? l.entitlement.id,
    active: bool(l.entitlement.state === 'active'),
    name: t.offering.name,
    hidden: t.face.props['hidden'] ?? 'false',
    ...(price !== undefined ? { price: Number(price).toFixed(2), currency: t.face.props['currency'] ?? 'EUR' } : {}),
    ...l.face.props,
    licenseeNumber: customer?.externalRef ?? customer?.id ?? '',
    licenseTemplateNumber: t.offering.code,
    productModuleNumber: t.module.feature.code,
    ...(type === 'TIMEVOLUME' ? { startDate: isoOf(l.entitlement.startsAt) } : {}),
    inUse: 'false',
  });
}

export function listLicenses(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const face of await tx.netlicensing.list('license')) {
      const entitlement = await tx.entitlements.find(face.refId);
      const template = entitlement && (await templateOfOffering(tx, entitlement.offeringId));
      if (entitlement && template) out.push(await licenseItem(tx, { entitlement, face, template }));
    }
    return out;
  });
}

export function getLicense(ctx: Context, number: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => licenseItem(tx, await requireLicense(tx, number)));
}

/** What a new license copies from its template, as NetLicensing does. */
function copiedFromTemplate(t: TemplateFacts): Record<string, string> {
  const p = t.face.props;
  const copy: Record<string, string> = {};
  for (const name of ['timeVolume', 'timeVolumePeriod', 'maxSessions', 'quantity', 'quota', 'gracePeriod']) {
    if (p[name] !== undefined) copy[name] = p[name];
  }
  if (p['licenseType'] === 'TIMEVOLUME' && copy['timeVolumePeriod'] === undefined) copy['timeVolumePeriod'] = 'DAY';
  if (t.module.model === 'PayPerUse') copy['usedQuantity'] = '0';
  return copy;
}

export function createLicense(ctx: Context, form: NlForm): Promise<NlItem> {
  const licenseeNumber = form.require('licenseeNumber', 'Licensee number is not provided');
  const templateNumber = form.require('licenseTemplateNumber', 'License template number is not provided');
  form.bool('active');
  return ctx.store.write(async (tx) => {
    const licensee = await requireLicensee(tx, licenseeNumber);
    const template = await requireTemplate(tx, templateNumber);
    return licenseItem(tx, await insertLicense(tx, ctx, licensee, template, form));
  });
}

export async function insertLicense(
  tx: Tx,
  ctx: Context,
  licensee: LicenseeFacts,
  template: TemplateFacts,
  form: NlForm,
): Promise<NlLicenseFacts> {
  if (template.offering.productId !== licensee.face.productId) {
    throw illegal('The license template belongs to another product than the licensee', {
      licensee: licensee.customer.externalRef,
      template: template.offering.code,
    });
  }
  const now = ctx.clock.now();
  const number = form.get('number') || generatedNumber('L', ctx.ids.next('entitlement'));
  if (await tx.entitlements.find(number)) throw illegal(`License '${number}' already exists`, { number });
  const startsAt = form.date('startDate', now) ?? now;
  const created = await insertEntitlement(tx, ctx, {
    customerId: licensee.customer.id,
    offeringId: template.offering.id,
    externalRef: number,
    startsAt: isoOf(startsAt),
    metadata: { netlicensingLicenseNumber: number },
  });
  let entitlement = created.record;
  if (form.bool('active') === false) {
    entitlement = (
      await mutateIn(tx, ctx, entitlement.id, 'entitlement.suspended', (e) => ({ ...e, state: 'suspended' }), {
        reason: 'inactive license',
      })
    ).record;
  }
  const props = mergeProps(copiedFromTemplate(template), form, LICENSE_SKIP);
  const face = newFace(ctx, 'license', entitlement.id, entitlement.productId, licensee.customer.id, props);
  await tx.netlicensing.insert(face);
  return { entitlement, face, template };
}

export function updateLicense(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  const active = form.bool('active');
  form.int('usedQuantity');
  return ctx.store.write(async (tx) => {
    const l = await requireLicense(tx, number, { lock: true });
    const now = ctx.clock.now();
    const startsAt = form.date('startDate', now);
    const props = mergeProps(l.face.props, form, LICENSE_SKIP);
    const wasActive = l.entitlement.state === 'active';
    if (active !== undefined && l.entitlement.state !== 'active' && l.entitlement.state !== 'suspended') {
      throw illegal(`The license's entitlement is ${l.entitlement.state}; it cannot be changed`);
    }
    const type =
      active === false && wasActive
        ? 'entitlement.suspended'
        : active === true && !wasActive
          ? 'entitlement.resumed'
          : 'entitlement.updated';
    const view = await mutateIn(
      tx,
      ctx,
      l.entitlement.id,
      type,
      (e) => {
        const next: EntitlementRecord = { ...e, externalRef: form.get('number') || e.externalRef };
        if (active !== undefined) next.state = active ? 'active' : 'suspended';
        if (startsAt !== undefined) {
          next.startsAt = startsAt;
          if (l.template.offering.term) next.endsAt = addDuration(startsAt, l.template.offering.term);
        }
        return next;
      },
      { netlicensing: props },
    );
    const face = { ...l.face, props, updatedAt: now };
    await tx.netlicensing.update(face);
    return licenseItem(tx, { entitlement: view.record, face, template: l.template });
  });
}

export function deleteLicense(ctx: Context, number: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    const l = await requireLicense(tx, number);
    await deleteLicenseIn(tx, ctx, l.entitlement.id);
  });
}

/** Revokes the entitlement (it stays on record) and frees the license number. */
