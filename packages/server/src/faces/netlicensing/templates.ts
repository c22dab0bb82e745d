import type { FeatureValue, LicenseModel, SeatModel } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { deleteOfferingIn, insertOffering, retireOfferingIn, updateOfferingIn } from '../../capabilities/catalog/offerings.js';
import type { Tx } from '../../platform/domain/ports.js';
import { faceChange, newFace, requireModule, requireTemplate, templateOfOffering, type TemplateFacts } from './catalog.js';
import {
  bool,
  generatedNumber,
  illegal,
  item,
  LICENSE_TYPES,
  malformed,
  mergeProps,
  TIME_VOLUME_PERIODS,
  type LicenseType,
  type LicensingModel,
  type NlForm,
  type NlItem,
} from './entities.js';
import { deleteLicenseIn } from './removal.js';

/**
 * License templates: an offering granting the module's feature (number = offering code), written
 * through the core's offering service — so its checks (terms, feature values, codes) hold here too —
 * with its terms derived from the license type, plus the face's record of the template's properties.
 */

const TEMPLATE_SKIP = new Set(['number', 'name', 'inUse', 'productModuleNumber', 'productModuleName']);

/** The offering terms a license template stands for (pure: template properties in, Leasehold terms out). */
export function offeringTermsOf(
  model: LicensingModel,
  type: LicenseType,
  props: Record<string, string>,
): { licenseModel: LicenseModel; seatModel: SeatModel; seats: number; term: string | null; value: FeatureValue } {
  const int = (name: string) => (props[name] !== undefined ? Number(props[name]) : undefined);
  switch (type) {
    case 'TIMEVOLUME': {
      const period = TIME_VOLUME_PERIODS[(props['timeVolumePeriod'] ?? 'DAY') as keyof typeof TIME_VOLUME_PERIODS] ?? 'D';
      return {
        licenseModel: model === 'TryAndBuy' || props['automatic'] === 'true' ? 'trial' : 'subscription',
        seatModel: 'node_locked',
        seats: 1,
        term: `P${int('timeVolume')}${period}`,
        value: true,
      };
    }
    case 'FLOATING':
      return {
        licenseModel: 'perpetual',
        seatModel: 'floating',
        seats: Math.max(1, int('maxSessions') ?? 1),
        term: null,
        value: int('maxSessions') ?? 0,
      };
    case 'QUANTITY': {
      if (model === 'NodeLocked') {
        const quota = int('quota') ?? int('quantity') ?? 1;
        return { licenseModel: 'perpetual', seatModel: 'node_locked', seats: Math.max(1, quota), term: null, value: true };
      }
      const quantity = int('quantity') ?? 0;
      return {
        licenseModel: 'usage',
        seatModel: 'node_locked',
        seats: 1,
        term: null,
        value: model === 'Quota' ? quantity : Math.max(0, quantity),
      };
    }
    case 'FEATURE':
      return { licenseModel: 'perpetual', seatModel: 'node_locked', seats: 1, term: null, value: true };
  }
}

function checkTemplateProps(form: NlForm, props: Record<string, string>, model: LicensingModel): LicenseType {
  const type = props['licenseType'];
  if (!type) throw malformed('License type is required', 'licenseType');
  if (!(LICENSE_TYPES as readonly string[]).includes(type)) {
    throw malformed(`Unknown license type '${type}'; one of ${LICENSE_TYPES.join(', ')}`, 'licenseType');
  }
  for (const name of ['active', 'automatic', 'hidden', 'hideLicenses', 'gracePeriod']) form.bool(name);
  form.int('timeVolume', { min: 1 });
  form.int('maxSessions', { min: 1 });
  form.int('quantity', { min: model === 'Quota' ? -1 : 0 });
  form.int('quota', { min: 1 });
  const price = props['price'];
  if (price !== undefined && !/^\d+(\.\d{1,2})?$/.test(price)) throw malformed("'price' must be a decimal amount", 'price');
  if (price !== undefined && Number(price) > 0 && !props['currency']) {
    throw malformed("'price' field must be accompanied with the 'currency' field", 'currency');
  }
  if (props['timeVolumePeriod'] && !(props['timeVolumePeriod'] in TIME_VOLUME_PERIODS)) {
    throw malformed("'timeVolumePeriod' must be DAY, WEEK, MONTH or YEAR", 'timeVolumePeriod');
  }
  const need = (name: string) => {
    if (props[name] === undefined)
      throw illegal(`License template of type '${type}' must have property '${name}' specified.`, { field: name });
  };
  if (type === 'TIMEVOLUME') need('timeVolume');
  if (type === 'FLOATING') need('maxSessions');
  if (type === 'QUANTITY' && !(model === 'NodeLocked' && props['quota'] !== undefined)) need('quantity');
  return type as LicenseType;
}

async function templateItem(tx: Tx, t: TemplateFacts): Promise<NlItem> {
  const used = (await tx.entitlements.countFor('offering_id', t.offering.id)) > 0;
  const { price, ...rest } = t.face.props;
  return item('LicenseTemplate', {
    number: t.offering.code,
    active: 'true',
    name: t.offering.name,
    automatic: 'false',
    hidden: 'false',
    hideLicenses: 'false',
    ...rest,
    ...(price !== undefined ? { price: Number(price).toFixed(2) } : {}),
    productModuleNumber: t.module.feature.code,
    productModuleName: t.module.feature.name,
    inUse: bool(used),
  });
}

export function listTemplates(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const face of await tx.netlicensing.list('template')) {
      const t = await templateOfOffering(tx, face.refId);
      if (t) out.push(await templateItem(tx, t));
    }
    return out;
  });
}

export function getTemplate(ctx: Context, number: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => templateItem(tx, await requireTemplate(tx, number)));
}

export function createTemplate(ctx: Context, form: NlForm): Promise<NlItem> {
  const moduleNumber = form.require('productModuleNumber', 'Product module number is not provided');
  const name = form.require('name', 'License template name is required');
  return ctx.store.write(async (tx) => {
    const module = await requireModule(tx, moduleNumber);
    const props = mergeProps({}, form, TEMPLATE_SKIP);
    const type = checkTemplateProps(form, props, module.model);
    const { value, ...terms } = offeringTermsOf(module.model, type, props);
    const offering = await insertOffering(tx, ctx, {
      productId: module.feature.productId,
      code: form.get('number') || generatedNumber('E', ctx.ids.next('offering')),
      name,
      ...terms,
      features: { [module.feature.code]: value },
      metadata: { netlicensingLicenseType: type },
    });
    const face = newFace(ctx, 'template', offering.id, offering.productId, module.feature.id, props);
    await tx.netlicensing.insert(face);
    return templateItem(tx, { offering, face, module });
  });
}

export function updateTemplate(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  return ctx.store.write(async (tx) => {
    const t = await requireTemplate(tx, number);
    const props = mergeProps(t.face.props, form, TEMPLATE_SKIP);
    const type = checkTemplateProps(form, props, t.module.model);
    const { value, ...terms } = offeringTermsOf(t.module.model, type, props);
    const offering = await updateOfferingIn(
      tx,
      ctx,
      t.offering.id,
      {
        code: form.get('number') || t.offering.code,
        name: form.get('name') || t.offering.name,
        ...terms,
        features: { ...t.offering.features, [t.module.feature.code]: value },
        metadata: { ...t.offering.metadata, netlicensingLicenseType: type },
      },
      faceChange(t.face.props, props),
    );
    const face = { ...t.face, props, updatedAt: ctx.clock.now() };
    await tx.netlicensing.update(face);
    return templateItem(tx, { ...t, offering, face });
  });
}

export function deleteTemplate(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const t = await requireTemplate(tx, number);
    await deleteTemplateIn(tx, ctx, t.offering.id, cascade);
  });
}

/**
 * Deletes the template and revokes its licenses (`cascade`). The revoked entitlements still name
 * the offering, so the core retires it rather than deleting it, freeing the number.
 */
export async function deleteTemplateIn(tx: Tx, ctx: Context, offeringId: string, cascade: boolean): Promise<void> {
  const t = await templateOfOffering(tx, offeringId);
  if (!t) return;
  const held = await tx.entitlements.idsOnOffering(offeringId, { limit: 100_000 });
  const licenses = [];
  for (const e of held) if (await tx.netlicensing.find('license', e.id)) licenses.push(e.id);
  if (!cascade && licenses.length > 0) throw illegal('License template has licenses; use forceCascade=true', { licenses: licenses.length });
  for (const id of licenses) await deleteLicenseIn(tx, ctx, id);
  await tx.netlicensing.delete('template', offeringId);
  if ((await tx.entitlements.countFor('offering_id', offeringId)) === 0) await deleteOfferingIn(tx, ctx, offeringId);
  else await retireOfferingIn(tx, ctx, offeringId);
}
