import type { FeatureType, FeatureValue, LicenseModel, SeatModel } from '@leasehold/contract';
import type { Context } from '../../context.js';
import type { FeatureRecord, OfferingRecord, ProductRecord } from '../../model.js';
import { recordEvent } from '../../events/record.js';
import { checkOffering, DEFAULT_HEARTBEAT_WINDOW, DEFAULT_LEASE_PERIOD } from '../../catalog/offerings.js';
import { checkFeatureValues } from '../../catalog/feature-values.js';
import type { Tx } from '../../../store/store.js';
import type { NlObjectRecord } from '../../../store/repositories/netlicensing.js';
import {
  bool,
  generatedNumber,
  illegal,
  item,
  LICENSE_TYPES,
  LICENSING_MODELS,
  malformed,
  mergeProps,
  nlNotFound,
  TIME_VOLUME_PERIODS,
  type LicenseType,
  type LicensingModel,
  type NlForm,
  type NlItem,
} from './entities.js';
import { deleteLicenseIn, deleteLicenseeIn } from './removal.js';

/**
 * Products, product modules and license templates. A NetLicensing Product is a Leasehold product
 * (number = code); a ProductModule is a feature of it (number = feature code) whose licensing model
 * and parameters live in the face's table; a LicenseTemplate is an offering (number = offering
 * code) granting that feature, with its terms derived from the license type.
 */

const PRODUCT_SKIP = new Set(['number', 'name', 'inUse']);
const MODULE_SKIP = new Set(['number', 'name', 'inUse', 'productNumber']);
const TEMPLATE_SKIP = new Set(['number', 'name', 'inUse', 'productModuleNumber', 'productModuleName']);

/** Leasehold keeps what was sold: a record that entitlements still name is renamed out of the way instead of deleted. */
const retiredCode = (id: string) => `deleted.${id}`;

// ---- lookups --------------------------------------------------------------------------------

export async function requireNlProduct(tx: Tx, number: string): Promise<{ product: ProductRecord; face: NlObjectRecord | undefined }> {
  const product = await tx.products.find(number);
  if (!product || product.code.startsWith('deleted.')) throw nlNotFound('product', number);
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

// ---- products -------------------------------------------------------------------------------

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
        if (!p.code.startsWith('deleted.')) out.push(await productItem(tx, p, await tx.netlicensing.find('product', p.id)));
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
    const now = ctx.clock.now();
    const id = ctx.ids.next('product');
    const product: ProductRecord = {
      id,
      code: form.get('number') || generatedNumber('P', id),
      name,
      metadata: {},
      trialOfferingId: null,
      createdAt: now,
      updatedAt: now,
    };
    await tx.products.insert(product);
    await recordEvent(tx, ctx, { type: 'product.created', subjectType: 'product', subjectId: id, productId: id, after: product });
    const face: NlObjectRecord = {
      kind: 'product',
      refId: id,
      productId: id,
      parentId: null,
      props: mergeProps({}, form, PRODUCT_SKIP),
      createdAt: now,
      updatedAt: now,
    };
    await tx.netlicensing.insert(face);
    return productItem(tx, product, face);
  });
}

export function updateProduct(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  checkProductProps(form);
  return ctx.store.write(async (tx) => {
    const { product, face } = await requireNlProduct(tx, number);
    const now = ctx.clock.now();
    const after: ProductRecord = {
      ...product,
      code: form.get('number') || product.code,
      name: form.get('name') || product.name,
      updatedAt: now,
    };
    await tx.products.update(after);
    const nextFace: NlObjectRecord = face
      ? { ...face, props: mergeProps(face.props, form, PRODUCT_SKIP), updatedAt: now }
      : {
          kind: 'product',
          refId: product.id,
          productId: product.id,
          parentId: null,
          props: mergeProps({}, form, PRODUCT_SKIP),
          createdAt: now,
          updatedAt: now,
        };
    if (face) await tx.netlicensing.update(nextFace);
    else await tx.netlicensing.insert(nextFace);
    await recordEvent(tx, ctx, {
      type: 'product.updated',
      subjectType: 'product',
      subjectId: product.id,
      productId: product.id,
      before: { ...product, netlicensing: face?.props ?? {} },
      after: { ...after, netlicensing: nextFace.props },
    });
    return productItem(tx, after, nextFace);
  });
}

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
    if ((await tx.offerings.countForProduct(product.id)) === 0) {
      await tx.products.delete(product.id);
      await recordEvent(tx, ctx, {
        type: 'product.deleted',
        subjectType: 'product',
        subjectId: product.id,
        productId: product.id,
        before: product,
      });
    } else {
      const after = { ...product, code: retiredCode(product.id), updatedAt: ctx.clock.now() };
      await tx.products.update(after);
      await recordEvent(tx, ctx, {
        type: 'product.retired',
        subjectType: 'product',
        subjectId: product.id,
        productId: product.id,
        before: product,
        after,
      });
    }
  });
}

// ---- product modules ------------------------------------------------------------------------

const FEATURE_TYPE: Record<LicensingModel, FeatureType> = {
  TryAndBuy: 'boolean',
  Subscription: 'boolean',
  Rental: 'boolean',
  Floating: 'pool',
  MultiFeature: 'boolean',
  PayPerUse: 'consumption',
  Quota: 'numeric',
  NodeLocked: 'boolean',
  PricingTable: 'boolean',
};

function checkModuleProps(form: NlForm, model: LicensingModel): void {
  form.bool('active');
  form.int('maxCheckoutValidity', { min: 1 });
  form.int('yellowThreshold', { min: 0 });
  form.int('redThreshold', { min: 0 });
  const mode = form.get('nodeSecretMode');
  if (mode && mode !== 'PREDEFINED' && mode !== 'CLIENT')
    throw malformed("'nodeSecretMode' must be PREDEFINED or CLIENT", 'nodeSecretMode');
  if (model === 'PricingTable' && form.get('skudef')) {
    try {
      JSON.parse(form.get('skudef')!);
    } catch {
      throw malformed("'skudef' must be JSON", 'skudef');
    }
  }
}

function parseModel(value: string): LicensingModel {
  if (!(LICENSING_MODELS as readonly string[]).includes(value)) {
    throw malformed(`Unknown licensing model '${value}'; one of ${LICENSING_MODELS.join(', ')}`, 'licensingModel');
  }
  return value as LicensingModel;
}

async function moduleItem(tx: Tx, m: ModuleFacts): Promise<NlItem> {
  const product = (await tx.products.find(m.feature.productId))!;
  const templates = await tx.netlicensing.list('template', { parentId: m.feature.id });
  return item('ProductModule', {
    number: m.feature.code,
    active: 'true',
    name: m.feature.name,
    ...m.face.props,
    productNumber: product.code,
    inUse: bool(templates.length > 0),
  });
}

export function listModules(ctx: Context): Promise<NlItem[]> {
  return ctx.store.read(async (tx) => {
    const out: NlItem[] = [];
    for (const face of await tx.netlicensing.list('module')) {
      const m = await moduleOfFeature(tx, face.refId, face.productId!);
      if (m) out.push(await moduleItem(tx, m));
    }
    return out;
  });
}

export function getModule(ctx: Context, number: string): Promise<NlItem> {
  return ctx.store.read(async (tx) => moduleItem(tx, await requireModule(tx, number)));
}

export function createModule(ctx: Context, form: NlForm): Promise<NlItem> {
  const productNumber = form.require('productNumber', 'Product number is not provided');
  const name = form.require('name', 'Product module name is required');
  const model = parseModel(form.require('licensingModel', 'Licensing model is required'));
  checkModuleProps(form, model);
  return ctx.store.write(async (tx) => {
    const { product } = await requireNlProduct(tx, productNumber);
    const now = ctx.clock.now();
    const id = ctx.ids.next('feature');
    const number = form.get('number') || generatedNumber('M', id);
    if (await tx.netlicensing.findModule(number)) throw illegal(`Product module '${number}' already exists`, { number });
    const feature: FeatureRecord = {
      id,
      productId: product.id,
      code: number,
      name,
      type: FEATURE_TYPE[model],
      unit: model === 'Floating' ? 'sessions' : model === 'PayPerUse' || model === 'Quota' ? 'units' : null,
      createdAt: now,
      updatedAt: now,
    };
    await tx.features.insert(feature);
    await recordEvent(tx, ctx, { type: 'feature.created', subjectType: 'feature', subjectId: id, productId: product.id, after: feature });
    const face: NlObjectRecord = {
      kind: 'module',
      refId: id,
      productId: product.id,
      parentId: product.id,
      props: mergeProps({}, form, MODULE_SKIP),
      createdAt: now,
      updatedAt: now,
    };
    await tx.netlicensing.insert(face);
    return moduleItem(tx, { feature, face, model });
  });
}

export function updateModule(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  return ctx.store.write(async (tx) => {
    const m = await requireModule(tx, number);
    const model = form.get('licensingModel') ? parseModel(form.get('licensingModel')!) : m.model;
    checkModuleProps(form, model);
    if (model !== m.model && (await tx.netlicensing.list('template', { parentId: m.feature.id })).length > 0) {
      throw illegal('The licensing model of a product module with license templates cannot change');
    }
    const now = ctx.clock.now();
    const feature: FeatureRecord = {
      ...m.feature,
      code: form.get('number') || m.feature.code,
      name: form.get('name') || m.feature.name,
      type: FEATURE_TYPE[model],
      updatedAt: now,
    };
    await tx.features.update(feature);
    const face = { ...m.face, props: mergeProps(m.face.props, form, MODULE_SKIP), updatedAt: now };
    await tx.netlicensing.update(face);
    await recordEvent(tx, ctx, {
      type: 'feature.updated',
      subjectType: 'feature',
      subjectId: feature.id,
      productId: feature.productId,
      before: { ...m.feature, netlicensing: m.face.props },
      after: { ...feature, netlicensing: face.props },
    });
    return moduleItem(tx, { feature, face, model });
  });
}

export function deleteModule(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const m = await requireModule(tx, number);
    await deleteModuleIn(tx, ctx, m.feature.id, m.feature.productId, cascade);
  });
}

async function deleteModuleIn(tx: Tx, ctx: Context, featureId: string, productId: string, cascade: boolean): Promise<void> {
  const m = await moduleOfFeature(tx, featureId, productId);
  if (!m) return;
  const templates = await tx.netlicensing.list('template', { parentId: featureId });
  if (!cascade && templates.length > 0)
    throw illegal('Product module has license templates; use forceCascade=true', { templates: templates.length });
  for (const t of templates) await deleteTemplateIn(tx, ctx, t.refId, true);
  await tx.netlicensing.delete('module', featureId);
  await tx.netlicensing.deleteSessionsOfFeature(featureId);
  if ((await tx.offerings.usingFeature(productId, m.feature.code)).length === 0) {
    await tx.features.delete(featureId);
    await recordEvent(tx, ctx, { type: 'feature.deleted', subjectType: 'feature', subjectId: featureId, productId, before: m.feature });
  } else {
    const after = { ...m.feature, code: retiredCode(featureId), updatedAt: ctx.clock.now() };
    await tx.features.update(after);
    await recordEvent(tx, ctx, {
      type: 'feature.retired',
      subjectType: 'feature',
      subjectId: featureId,
      productId,
      before: m.feature,
      after,
    });
  }
}

// ---- license templates ----------------------------------------------------------------------

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
    const now = ctx.clock.now();
    const id = ctx.ids.next('offering');
    const terms = offeringTermsOf(module.model, type, props);
    const offering: OfferingRecord = {
      id,
      productId: module.feature.productId,
      code: form.get('number') || generatedNumber('E', id),
      name,
      licenseModel: terms.licenseModel,
      seatModel: terms.seatModel,
      seats: terms.seats,
      term: terms.term,
      leasePeriod: DEFAULT_LEASE_PERIOD,
      features: { [module.feature.code]: terms.value },
      rehostLimit: null,
      maintenanceTerm: null,
      rehostPeriod: 'P1Y',
      heartbeatWindow: DEFAULT_HEARTBEAT_WINDOW,
      borrowLimit: null,
      maxDevicesPerUser: 1,
      ephemeralCounting: 'instance',
      enforcementMode: 'enforce',
      activationRules: [],
      upgradePaths: [],
      evictionOrder: 'least_recently_seen',
      version: 1,
      metadata: { netlicensingLicenseType: type },
      createdAt: now,
      updatedAt: now,
    };
    checkOffering(offering);
    checkFeatureValues(offering.features, await tx.features.allOf(offering.productId), 'features');
    await tx.offerings.insert(offering);
    await recordEvent(tx, ctx, {
      type: 'offering.created',
      subjectType: 'offering',
      subjectId: id,
      productId: offering.productId,
      after: offering,
    });
    const face: NlObjectRecord = {
      kind: 'template',
      refId: id,
      productId: offering.productId,
      parentId: module.feature.id,
      props,
      createdAt: now,
      updatedAt: now,
    };
    await tx.netlicensing.insert(face);
    return templateItem(tx, { offering, face, module });
  });
}

export function updateTemplate(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  return ctx.store.write(async (tx) => {
    const t = await requireTemplate(tx, number);
    const props = mergeProps(t.face.props, form, TEMPLATE_SKIP);
    const type = checkTemplateProps(form, props, t.module.model);
    const terms = offeringTermsOf(t.module.model, type, props);
    const now = ctx.clock.now();
    const offering: OfferingRecord = {
      ...t.offering,
      code: form.get('number') || t.offering.code,
      name: form.get('name') || t.offering.name,
      licenseModel: terms.licenseModel,
      seatModel: terms.seatModel,
      seats: terms.seats,
      term: terms.term,
      features: { ...t.offering.features, [t.module.feature.code]: terms.value },
      metadata: { ...t.offering.metadata, netlicensingLicenseType: type },
      version: t.offering.version + 1,
      updatedAt: now,
    };
    checkOffering(offering);
    await tx.offerings.update(offering);
    const face = { ...t.face, props, updatedAt: now };
    await tx.netlicensing.update(face);
    await recordEvent(tx, ctx, {
      type: 'offering.updated',
      subjectType: 'offering',
      subjectId: offering.id,
      productId: offering.productId,
      before: { ...t.offering, netlicensing: t.face.props },
      after: { ...offering, netlicensing: props },
    });
    return templateItem(tx, { ...t, offering, face });
  });
}

export function deleteTemplate(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const t = await requireTemplate(tx, number);
    await deleteTemplateIn(tx, ctx, t.offering.id, cascade);
  });
}

async function deleteTemplateIn(tx: Tx, ctx: Context, offeringId: string, cascade: boolean): Promise<void> {
  const t = await templateOfOffering(tx, offeringId);
  if (!t) return;
  const held = await tx.entitlements.idsOnOffering(offeringId, { limit: 100_000 });
  const licenses = [];
  for (const e of held) if (await tx.netlicensing.find('license', e.id)) licenses.push(e.id);
  if (!cascade && licenses.length > 0) throw illegal('License template has licenses; use forceCascade=true', { licenses: licenses.length });
  for (const id of licenses) await deleteLicenseIn(tx, ctx, id);
  await tx.netlicensing.delete('template', offeringId);
  if ((await tx.entitlements.countFor('offering_id', offeringId)) === 0) {
    await tx.offerings.delete(offeringId);
    await recordEvent(tx, ctx, {
      type: 'offering.deleted',
      subjectType: 'offering',
      subjectId: offeringId,
      productId: t.offering.productId,
      before: t.offering,
    });
  } else {
    // The revoked entitlements of its licenses still name it: keep it, under a code that frees the number.
    const after = { ...t.offering, code: retiredCode(offeringId), version: t.offering.version + 1, updatedAt: ctx.clock.now() };
    await tx.offerings.update(after);
    await recordEvent(tx, ctx, {
      type: 'offering.retired',
      subjectType: 'offering',
      subjectId: offeringId,
      productId: t.offering.productId,
      before: t.offering,
      after,
    });
  }
}
