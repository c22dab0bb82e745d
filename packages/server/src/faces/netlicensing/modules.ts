import type { FeatureType } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { deleteFeatureIn, insertFeature, retireFeatureIn, updateFeatureIn } from '../../capabilities/catalog/features.js';
import type { Tx } from '../../platform/domain/ports.js';
import { faceChange, moduleOfFeature, newFace, requireModule, requireNlProduct, type ModuleFacts } from './catalog.js';
import {
  bool,
  generatedNumber,
  illegal,
  item,
  LICENSING_MODELS,
  malformed,
  mergeProps,
  type LicensingModel,
  type NlForm,
  type NlItem,
} from './entities.js';
import { deleteTemplateIn } from './templates.js';

/**
 * Product modules: a feature of the product (number = feature code), written through the core's
 * feature service, plus the face's record of the licensing model and its parameters. The core
 * fixes a feature's code and type once created (offerings name it by code), so a module's number,
 * and a licensing model that would count differently, are fixed too.
 */

const MODULE_SKIP = new Set(['number', 'name', 'inUse', 'productNumber']);

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

const unitOf = (model: LicensingModel) => (model === 'Floating' ? 'sessions' : model === 'PayPerUse' || model === 'Quota' ? 'units' : null);

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
    const number = form.get('number') || generatedNumber('M', ctx.ids.next('feature'));
    if (await tx.netlicensing.findModule(number)) throw illegal(`Product module '${number}' already exists`, { number });
    const feature = await insertFeature(tx, ctx, product.id, { code: number, name, type: FEATURE_TYPE[model], unit: unitOf(model) });
    const face = newFace(ctx, 'module', feature.id, product.id, product.id, mergeProps({}, form, MODULE_SKIP));
    await tx.netlicensing.insert(face);
    return moduleItem(tx, { feature, face, model });
  });
}

export function updateModule(ctx: Context, number: string, form: NlForm): Promise<NlItem> {
  return ctx.store.write(async (tx) => {
    const m = await requireModule(tx, number);
    const model = form.get('licensingModel') ? parseModel(form.get('licensingModel')!) : m.model;
    checkModuleProps(form, model);
    const renamed = form.get('number');
    if (renamed && renamed !== m.feature.code) {
      throw illegal("A product module's number is fixed once created (license templates grant it by number)", { number: renamed });
    }
    if (model !== m.model && (await tx.netlicensing.list('template', { parentId: m.feature.id })).length > 0) {
      throw illegal('The licensing model of a product module with license templates cannot change');
    }
    if (FEATURE_TYPE[model] !== m.feature.type) {
      throw illegal(`The licensing model of a product module cannot change from ${m.model} to ${model}`, { licensingModel: model });
    }
    const props = mergeProps(m.face.props, form, MODULE_SKIP);
    const feature = await updateFeatureIn(
      tx,
      ctx,
      m.feature.productId,
      m.feature.id,
      { name: form.get('name') || m.feature.name },
      faceChange(m.face.props, props),
    );
    const face = { ...m.face, props, updatedAt: ctx.clock.now() };
    await tx.netlicensing.update(face);
    return moduleItem(tx, { feature, face, model });
  });
}

export function deleteModule(ctx: Context, number: string, cascade: boolean): Promise<void> {
  return ctx.store.write(async (tx) => {
    const m = await requireModule(tx, number);
    await deleteModuleIn(tx, ctx, m.feature.id, m.feature.productId, cascade);
  });
}

/**
 * Deletes the module with its templates (`cascade`) and its floating sessions. A feature that
 * offerings still grant is retired by the core instead; the core refuses (IN_USE) to delete one
 * that entitlements override.
 */
export async function deleteModuleIn(tx: Tx, ctx: Context, featureId: string, productId: string, cascade: boolean): Promise<void> {
  const m = await moduleOfFeature(tx, featureId, productId);
  if (!m) return;
  const templates = await tx.netlicensing.list('template', { parentId: featureId });
  if (!cascade && templates.length > 0)
    throw illegal('Product module has license templates; use forceCascade=true', { templates: templates.length });
  for (const t of templates) await deleteTemplateIn(tx, ctx, t.refId, true);
  await tx.netlicensing.delete('module', featureId);
  await tx.netlicensing.deleteSessionsOfFeature(featureId);
  if ((await tx.offerings.usingFeature(productId, m.feature.code)).length === 0) await deleteFeatureIn(tx, ctx, productId, featureId);
  else await retireFeatureIn(tx, ctx, productId, featureId);
}
