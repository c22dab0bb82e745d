import { addDuration } from '../../foundation/durations.js';
import { secretsEqual } from '../../secrets/compare.js';
import type { NlLicenseFacts } from './licensees.js';
import type { ModuleFacts } from './catalog.js';
import { bool, isoOf, list, type LicensingModel, type NlInfo, type NlList } from './entities.js';

/**
 * The licensing models' validation rules: pure functions of the facts (licenses, sessions, the
 * request's parameters, the time) to one module's result and the changes it asks for. Nothing here
 * reads or writes the store; validate.ts loads the facts and applies the changes.
 */

/** Validation parameters sent for one product module (`sessionId0`, `action0`, …). */
export interface ModuleParams {
  sessionId?: string | undefined;
  action?: string | undefined;
  usedQuantity?: number | undefined;
  reserveQuantity?: number | undefined;
  nodeSecret?: string | undefined;
  maxCheckoutValidity?: number | undefined;
}

export interface SessionFact {
  sessionId: string;
  expiresAt: number;
}

export interface TemplateSummary {
  number: string;
  name: string;
  licenseType: string;
  props: Record<string, string>;
}

export interface ModuleInput {
  module: ModuleFacts;
  /** The licensee's licenses of this module that count: active entitlements only. */
  licenses: NlLicenseFacts[];
  /** All templates of the module (MultiFeature and PricingTable list them). */
  templates: TemplateSummary[];
  sessions: SessionFact[];
  params: ModuleParams;
  now: number;
}

export type Effect =
  | { kind: 'checkOut'; sessionId: string; expiresAt: number }
  | { kind: 'checkIn'; sessionId: string }
  | { kind: 'consume'; entitlementId: string; usedQuantity: number; amount: number }
  | { kind: 'bindNodeSecret'; entitlementId: string; slot: string; secret: string };

export interface ModuleResult {
  valid: boolean;
  props: Record<string, string | undefined>;
  lists: NlList[];
  infos: NlInfo[];
  /** Times in the result after which it no longer holds; the ttl is capped by the earliest. */
  expiries: number[];
  effects: Effect[];
}

const DAY = 24 * 60 * 60 * 1000;
/** Floating checkouts last this long when neither the module nor the request says (seconds). */
export const DEFAULT_CHECKOUT_VALIDITY_S = 300;

const int = (v: string | undefined, fallback = 0) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? fallback : Number(v));
const typeOf = (l: NlLicenseFacts) => l.template.face.props['licenseType'];
const inForce = (l: NlLicenseFacts, now: number) =>
  l.entitlement.startsAt <= now && (l.entitlement.endsAt === null || now < l.entitlement.endsAt);

/**
 * Time-volume licenses laid end to end: a license bought before the previous one ends starts when
 * it ends, so buying early extends rather than overlaps. Returns the end of the chain and whether
 * `now` falls inside it.
 */
export function chainedTerm(licenses: NlLicenseFacts[], now: number): { valid: boolean; expires: number | null } {
  const sorted = [...licenses].sort((a, b) => a.entitlement.startsAt - b.entitlement.startsAt);
  let end: number | null = null;
  let valid = false;
  for (const l of sorted) {
    const term = l.template.offering.term;
    if (!term) continue;
    const start = end !== null && end > l.entitlement.startsAt ? end : l.entitlement.startsAt;
    end = addDuration(start, term);
    if (start <= now && now < end) valid = true;
  }
  if (valid || end === null) return { valid, expires: end };
  return { valid: false, expires: end };
}

export function validateModule(input: ModuleInput): ModuleResult {
  const rule = RULES[input.module.model];
  return rule(input);
}

const result = (valid: boolean, props: ModuleResult['props'] = {}, extra: Partial<ModuleResult> = {}): ModuleResult => ({
  valid,
  props,
  lists: [],
  infos: [],
  expiries: [],
  effects: [],
  ...extra,
});

const RULES: Record<LicensingModel, (input: ModuleInput) => ModuleResult> = {
  TryAndBuy: ({ licenses, now }) => {
    if (licenses.some((l) => typeOf(l) === 'FEATURE' && inForce(l, now))) return result(true, { evaluation: 'false' });
    const trials = licenses.filter((l) => typeOf(l) === 'TIMEVOLUME');
    const running = trials.find((l) => inForce(l, now));
    if (running) {
      const ends = running.entitlement.endsAt!;
      return result(true, { evaluation: 'true', evaluationExpires: isoOf(ends) }, { expiries: [ends] });
    }
    const last = trials.map((l) => l.entitlement.endsAt ?? 0).sort((a, b) => b - a)[0];
    return result(false, { evaluation: 'true', ...(last ? { evaluationExpires: isoOf(last) } : {}) });
  },

  Subscription: ({ licenses, now }) => {
    const { valid, expires } = chainedTerm(
      licenses.filter((l) => typeOf(l) === 'TIMEVOLUME'),
      now,
    );
    return result(valid, expires !== null ? { expires: isoOf(expires) } : {}, { expiries: valid && expires !== null ? [expires] : [] });
  },

  Rental: ({ module, licenses, now }) => {
    const yellow = int(module.face.props['yellowThreshold']);
    const red = int(module.face.props['redThreshold']);
    const lists: NlList[] = [];
    const expiries: number[] = [];
    let any = false;
    for (const feature of licenses.filter((l) => typeOf(l) === 'FEATURE')) {
      const number = feature.entitlement.externalRef ?? feature.entitlement.id;
      const periods = licenses.filter(
        (l) => typeOf(l) === 'TIMEVOLUME' && (l.face.props['parentfeature'] ?? l.face.props['parentFeature']) === number,
      );
      const { valid, expires } = chainedTerm(periods, now);
      const daysLeft = expires === null ? 0 : (expires - now) / DAY;
      const level = !valid ? 'red' : daysLeft > yellow ? 'green' : daysLeft > red ? 'yellow' : 'red';
      if (valid && expires !== null) expiries.push(expires);
      any ||= valid;
      lists.push(
        list(number, { valid: bool(valid), ...(expires !== null ? { expires: isoOf(expires) } : {}), expirationWarningLevel: level }),
      );
    }
    return result(any, {}, { lists, expiries });
  },

  Floating: ({ module, licenses, sessions, params, now }) => {
    const capacity = licenses.filter((l) => typeOf(l) === 'FLOATING').reduce((sum, l) => sum + int(l.face.props['maxSessions']), 0);
    const live = sessions.filter((s) => s.expiresAt > now);
    const seconds = params.maxCheckoutValidity ?? int(module.face.props['maxCheckoutValidity'], DEFAULT_CHECKOUT_VALIDITY_S);
    if (params.action === 'checkIn' && params.sessionId) {
      return result(false, {}, { effects: [{ kind: 'checkIn', sessionId: params.sessionId }] });
    }
    if (params.action === 'checkOut' && params.sessionId) {
      const held = live.some((s) => s.sessionId === params.sessionId);
      if (!held && live.length >= capacity) return result(false, { remainingSessions: '0' });
      const expiresAt = now + seconds * 1000;
      return result(
        true,
        { expirationTimestamp: isoOf(expiresAt) },
        { expiries: [expiresAt], effects: [{ kind: 'checkOut', sessionId: params.sessionId, expiresAt }] },
      );
    }
    return result(capacity > live.length, { remainingSessions: String(Math.max(0, capacity - live.length)) });
  },

  MultiFeature: ({ licenses, templates, now }) => {
    const lists = templates.map((t) => {
      const valid = licenses.some((l) => l.template.offering.code === t.number && inForce(l, now));
      return list(t.number, { valid: bool(valid), featureName: t.name });
    });
    return result(
      lists.some((l) => l.properties.some(([n, v]) => n === 'valid' && v === 'true')),
      {},
      { lists },
    );
  },

  PayPerUse: ({ licenses, params, now }) => {
    const quantityLicenses = licenses.filter((l) => typeOf(l) === 'QUANTITY' && inForce(l, now));
    const total = quantityLicenses.reduce((s, l) => s + int(l.face.props['quantity']), 0);
    const used = quantityLicenses.reduce((s, l) => s + int(l.face.props['usedQuantity']), 0);
    const remaining = total - used;
    const effects: Effect[] = [];
    const infos: NlInfo[] = [];
    let valid = remaining > 0;
    let amount = 0;
    if (params.reserveQuantity !== undefined) {
      valid = params.reserveQuantity <= remaining && quantityLicenses.length > 0;
      if (valid) amount = params.reserveQuantity;
    } else if (params.usedQuantity !== undefined) {
      amount = params.usedQuantity;
      if (amount > remaining) {
        infos.push({
          id: 'usedQuantityExceedsRemaining',
          type: 'WARNING',
          value: `usedQuantity exceeds remaining quantity - used: ${amount}, remaining: ${remaining}`,
        });
      }
    }
    // Written off license by license, each up to what it has left; an overdraft lands on the last.
    let left = amount;
    quantityLicenses.forEach((l, i) => {
      if (left <= 0) return;
      const room = Math.max(0, int(l.face.props['quantity']) - int(l.face.props['usedQuantity']));
      const take = i === quantityLicenses.length - 1 ? left : Math.min(room, left);
      if (take <= 0) return;
      left -= take;
      effects.push({
        kind: 'consume',
        entitlementId: l.entitlement.id,
        usedQuantity: int(l.face.props['usedQuantity']) + take,
        amount: take,
      });
    });
    return result(valid, { remainingQuantity: String(remaining - (amount - left)) }, { effects, infos });
  },

  Quota: ({ licenses, now }) => {
    const quotas = licenses.filter((l) => typeOf(l) === 'QUANTITY' && inForce(l, now)).map((l) => int(l.face.props['quantity']));
    const quota = quotas.includes(-1) ? -1 : quotas.reduce((s, q) => s + q, 0);
    return result(quota === -1 || quota > 0, { quota: String(quota) });
  },

  NodeLocked: ({ module, licenses, params, now }) => {
    const held = licenses.filter((l) => inForce(l, now));
    const secret = params.nodeSecret;
    if (!secret) return result(false);
    const slotsOf = (l: NlLicenseFacts) => Object.entries(l.face.props).filter(([k]) => /^nodeSecret\d+$/.test(k));
    if (held.some((l) => slotsOf(l).some(([, v]) => secretsEqual(v, secret)))) return result(true);
    if ((module.face.props['nodeSecretMode'] ?? 'CLIENT') !== 'CLIENT') return result(false);
    for (const l of held) {
      const quota = int(l.face.props['quota'] ?? l.face.props['quantity'], 1);
      const used = new Set(slotsOf(l).map(([k]) => k));
      for (let i = 0; i < quota; i++) {
        if (!used.has(`nodeSecret${i}`)) {
          return result(
            true,
            {},
            { effects: [{ kind: 'bindNodeSecret', entitlementId: l.entitlement.id, slot: `nodeSecret${i}`, secret }] },
          );
        }
      }
    }
    return result(false);
  },

  PricingTable: ({ module, licenses, now }) => {
    const plans = licenses.filter((l) => inForce(l, now) && l.template.face.props['skus'] !== undefined);
    // A bought plan wins over the automatic (free) one; among bought plans the newest.
    plans.sort(
      (a, b) =>
        Number(a.template.face.props['automatic'] === 'true') - Number(b.template.face.props['automatic'] === 'true') ||
        b.entitlement.startsAt - a.entitlement.startsAt,
    );
    const plan = plans[0];
    const skudef =
      parseJson<{ skudef?: Array<{ number: string; name?: string; type?: string }> }>(module.face.props['skudef'])?.skudef ?? [];
    const skus = plan ? (parseJson<Record<string, unknown>>(plan.template.face.props['skus']) ?? {}) : {};
    const lists = skudef.map((sku) => {
      const value = skus[sku.number];
      const isQuota = sku.type === 'QUOTA';
      const valid = isQuota ? Number(value ?? 0) > 0 || Number(value) === -1 : value === true || value === 'true';
      return list(sku.number, {
        valid: bool(valid),
        ...(isQuota ? { quota: String(value ?? 0) } : {}),
        name: sku.name ?? sku.number,
        type: sku.type ?? 'FEATURE',
      });
    });
    if (!plan) return result(false, {}, { lists });
    const ends = plan.entitlement.endsAt;
    return result(
      true,
      {
        pricingPlanId: plan.template.offering.code,
        pricingPlanName: plan.template.offering.name,
        pricingPlanType: plan.template.face.props['licenseType'],
        activePricingPlans: plans.map((p) => p.template.offering.code).join(','),
        ...(ends !== null ? { expires: isoOf(ends) } : {}),
      },
      { lists, expiries: ends !== null ? [ends] : [] },
    );
  },
};

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
