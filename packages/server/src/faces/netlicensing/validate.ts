import type { Context } from '../../platform/domain/context.js';
import { recordEvent } from '../../capabilities/events/record.js';
import { DomainError } from '../../platform/domain/errors.js';
import { addDuration, isPositiveDuration } from '../../foundation/durations.js';
import type { Tx } from '../../platform/domain/ports.js';
import { moduleOfFeature, requireNlProduct, templateOfOffering, type ModuleFacts } from './catalog.js';
import { findLicensee, insertLicense, insertLicensee, licensesOf, type LicenseeFacts } from './licensees.js';
import { validateModule, type Effect, type ModuleParams, type TemplateSummary } from './models.js';
import { bool, item, malformed, NlForm, type NlInfo, type NlItem } from './entities.js';

/** How long a validation result may be cached when the vendor sets no `licenseCheckInterval` on the product. */
export const DEFAULT_CHECK_INTERVAL = 'P1D';

export interface NlValidationOutcome {
  items: NlItem[];
  infos: NlInfo[];
  ttl: number;
}

const MODULE_PARAMS = ['sessionId', 'action', 'usedQuantity', 'reserveQuantity', 'nodeSecret', 'maxCheckoutValidity'] as const;
const NOT_LICENSEE_PROPS =
  /^(productNumber|dryRun|forOfflineUse|licenseeName|licenseeSecret|productModuleNumber|sessionId|action|usedQuantity|reserveQuantity|nodeSecret|maxCheckoutValidity)\d*$/;

/** `productModuleNumberN` with its `<param>N`s, plus the un-indexed form some clients send. */
export function moduleParamsOf(form: NlForm): Map<string, ModuleParams> {
  const out = new Map<string, ModuleParams>();
  const read = (suffix: string): ModuleParams => {
    const num = (name: string) => {
      const v = form.get(name + suffix);
      if (v === undefined || v === '') return undefined;
      if (!/^-?\d+$/.test(v)) throw malformed(`'${name}${suffix}' must be a whole number`, name + suffix);
      return Number(v);
    };
    return {
      sessionId: form.get('sessionId' + suffix),
      action: form.get('action' + suffix),
      usedQuantity: num('usedQuantity'),
      reserveQuantity: num('reserveQuantity'),
      nodeSecret: form.get('nodeSecret' + suffix),
      maxCheckoutValidity: num('maxCheckoutValidity'),
    };
  };
  for (const [name] of form.entries()) {
    const m = /^productModuleNumber(\d+)$/.exec(name);
    if (m) out.set(form.get(name)!, read(m[1]!));
  }
  const plain = form.get('productModuleNumber');
  if (plain && MODULE_PARAMS.some((p) => form.has(p))) out.set(plain, read(''));
  for (const params of out.values()) {
    if (params.action && params.action !== 'checkOut' && params.action !== 'checkIn') {
      throw malformed(`Unknown action '${params.action}'; checkOut or checkIn`, 'action');
    }
  }
  return out;
}

/**
 * Validates a licensee against every product module of its product. Side effects — auto-creating
 * the licensee, granting automatic licenses (trials), checking floating sessions out and in,
 * writing off PayPerUse quantities, binding node secrets — happen in the same transaction and
 * record their events; `dryRun=true` computes the same answer and changes nothing.
 */
export function validateLicensee(ctx: Context, number: string, form: NlForm): Promise<NlValidationOutcome> {
  const dryRun = form.get('dryRun') === 'true';
  const params = moduleParamsOf(form);
  return ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const licensee = (await findLicensee(tx, number)) ?? (await autoCreate(tx, ctx, number, form, dryRun));
    await tx.customers.lock(licensee.customer.id);
    const product = (await tx.products.find(licensee.face.productId!))!;
    const productFace = await tx.netlicensing.find('product', product.id);
    const modules: ModuleFacts[] = [];
    for (const face of await tx.netlicensing.list('module', { productId: product.id })) {
      const m = await moduleOfFeature(tx, face.refId, product.id);
      if (m) modules.push(m);
    }
    const templates = new Map<string, TemplateSummary[]>();
    for (const face of await tx.netlicensing.list('template', { productId: product.id })) {
      const t = await templateOfOffering(tx, face.refId);
      if (!t) continue;
      if (!dryRun && t.face.props['automatic'] === 'true') await grantAutomatic(tx, ctx, licensee, t, now);
      const summary = {
        number: t.offering.code,
        name: t.offering.name,
        licenseType: t.face.props['licenseType'] ?? '',
        props: t.face.props,
      };
      templates.set(face.parentId!, [...(templates.get(face.parentId!) ?? []), summary]);
    }
    const licenseeActive = licensee.face.props['active'] !== 'false';
    const licenses = (await licensesOf(tx, licensee.customer.id)).filter((l) => l.entitlement.state === 'active');

    const items: NlItem[] = [];
    const infos: NlInfo[] = [];
    const expiries: number[] = [];
    for (const module of modules) {
      const sessions = await tx.netlicensing.sessions(licensee.customer.id, module.feature.id);
      const outcome = validateModule({
        module,
        licenses: licenses.filter((l) => l.template.module.feature.id === module.feature.id),
        templates: templates.get(module.feature.id) ?? [],
        sessions,
        params: params.get(module.feature.code) ?? {},
        now,
      });
      const valid = outcome.valid && licenseeActive;
      if (!dryRun && licenseeActive) for (const effect of outcome.effects) await apply(tx, ctx, licensee, module, effect);
      if (valid) expiries.push(...outcome.expiries.filter((e) => e > now));
      infos.push(...outcome.infos);
      const warningLevel = !valid ? 'RED' : outcome.props['evaluation'] === 'true' ? 'YELLOW' : 'GREEN';
      items.push(
        item(
          'ProductModuleValidation',
          {
            productModuleNumber: module.feature.code,
            valid: bool(valid),
            ...outcome.props,
            productModuleName: module.feature.name,
            licensingModel: module.model,
            warningLevel,
          },
          outcome.lists,
        ),
      );
    }
    const interval = productFace?.props['licenseCheckInterval'];
    const ttl = Math.min(addDuration(now, interval && isPositiveDuration(interval) ? interval : DEFAULT_CHECK_INTERVAL), ...expiries);
    if (form.get('forOfflineUse') === 'true') {
      items.push(
        item('Licensee', { number: licensee.customer.externalRef ?? '', name: licensee.customer.name, productNumber: product.code }),
      );
    }
    return { items, infos, ttl };
  });
}

/** A licensee that does not exist is created on first validation when its product allows it. */
async function autoCreate(tx: Tx, ctx: Context, number: string, form: NlForm, dryRun: boolean): Promise<LicenseeFacts> {
  const productNumber = form.get('productNumber');
  if (!productNumber) throw notFoundWithoutProduct(number);
  const { face } = await requireNlProduct(tx, productNumber);
  if (face?.props['licenseeAutoCreate'] !== 'true') throw notFoundWithoutProduct(number);
  if (dryRun) throw notFoundWithoutProduct(number);
  const props = new Map<string, string[]>([['number', [number]]]);
  const name = form.get('licenseeName');
  if (name) props.set('name', [name]);
  for (const [k, v] of form.entries()) if (!NOT_LICENSEE_PROPS.test(k)) props.set(k, [v]);
  return insertLicensee(tx, ctx, productNumber, new NlForm(props), new Set(['number', 'name']));
}

function notFoundWithoutProduct(number: string): DomainError {
  return new DomainError('NOT_FOUND', 'Requested licensee does not exist and the productNumber is not provided', {
    resource: 'licensee',
    number,
    netlicensing: 'NotFoundException',
  });
}

/**
 * Automatic templates (TryAndBuy trials, free plans) give each licensee one license, once. It starts
 * at `now`, the moment the validation judges: a start read from the clock again would fall a little
 * after it, and the very validation that granted the trial would find it not yet started.
 */
async function grantAutomatic(
  tx: Tx,
  ctx: Context,
  licensee: LicenseeFacts,
  t: NonNullable<Awaited<ReturnType<typeof templateOfOffering>>>,
  now: number,
): Promise<void> {
  if (await tx.netlicensing.wasAutoGranted(licensee.customer.id, t.offering.id)) return;
  await insertLicense(tx, ctx, licensee, t, new NlForm(new Map([['startDate', [new Date(now).toISOString()]]])));
  await tx.netlicensing.recordAutoGrant(licensee.customer.id, t.offering.id, now);
}

async function apply(tx: Tx, ctx: Context, licensee: LicenseeFacts, module: ModuleFacts, effect: Effect): Promise<void> {
  const now = ctx.clock.now();
  const about = {
    subjectType: 'customer' as const,
    subjectId: licensee.customer.id,
    customerId: licensee.customer.id,
    productId: module.feature.productId,
  };
  switch (effect.kind) {
    case 'checkOut':
      await tx.netlicensing.deleteExpiredSessions(licensee.customer.id, module.feature.id, now);
      await tx.netlicensing.upsertSession({
        customerId: licensee.customer.id,
        featureId: module.feature.id,
        sessionId: effect.sessionId,
        checkedOutAt: now,
        expiresAt: effect.expiresAt,
      });
      await recordEvent(tx, ctx, {
        ...about,
        type: 'netlicensing.session.checked_out',
        after: { module: module.feature.code, sessionId: effect.sessionId, expiresAt: effect.expiresAt },
      });
      return;
    case 'checkIn':
      await tx.netlicensing.deleteSession(licensee.customer.id, module.feature.id, effect.sessionId);
      await recordEvent(tx, ctx, {
        ...about,
        type: 'netlicensing.session.checked_in',
        after: { module: module.feature.code, sessionId: effect.sessionId },
      });
      return;
    case 'consume':
    case 'bindNodeSecret': {
      const face = (await tx.netlicensing.find('license', effect.entitlementId, { lock: true }))!;
      const props =
        effect.kind === 'consume'
          ? { ...face.props, usedQuantity: String(effect.usedQuantity) }
          : { ...face.props, [effect.slot]: effect.secret };
      await tx.netlicensing.update({ ...face, props, updatedAt: now });
      await recordEvent(tx, ctx, {
        ...about,
        subjectType: 'entitlement' as const,
        subjectId: effect.entitlementId,
        entitlementId: effect.entitlementId,
        type: effect.kind === 'consume' ? 'netlicensing.quantity.consumed' : 'netlicensing.node_secret.bound',
        after:
          effect.kind === 'consume'
            ? { module: module.feature.code, amount: effect.amount, usedQuantity: effect.usedQuantity }
            : { module: module.feature.code, slot: effect.slot },
      });
      return;
    }
  }
}
