/**
 * Ids said as names, for people: who did a thing, what it was done to, and what changed. Pure
 * functions over a `Directory` (the names the console has loaded), so they are tested without a
 * browser; an id the directory does not know yet is shown as it is.
 */
import type { ActivationRule, Actor, ConsumptionValue, Event as EventRecord, FeatureValue } from '@leasehold/contract';

export interface Directory {
  customer: (id: string) => string | undefined;
  product: (id: string) => string | undefined;
  offering: (id: string) => string | undefined;
  /** A feature's name by its product and code, or by its id. */
  feature: (productId: string | null, codeOrId: string) => string | undefined;
  actor: (type: 'user' | 'api_key', id: string) => string | undefined;
}

export const emptyDirectory: Directory = {
  customer: () => undefined,
  product: () => undefined,
  offering: () => undefined,
  feature: () => undefined,
  actor: () => undefined,
};

const ACTOR_KIND: Record<Actor['type'], string> = {
  user: 'console user',
  api_key: 'API key',
  system: 'the server',
  license: 'the application',
  integration: 'billing integration',
  portal_user: 'customer portal user',
};

/** "Ada Vendor", "API key Billing sync", "the server", "the application" (a device using its key). */
export function actorLabel(actor: Actor | { type: string; id: string | null }, names: Directory): string {
  const kind = ACTOR_KIND[actor.type as Actor['type']] ?? actor.type;
  if (actor.type === 'system' || actor.type === 'license' || !actor.id) return kind;
  const name = actor.type === 'user' || actor.type === 'api_key' ? names.actor(actor.type, actor.id) : undefined;
  if (actor.type === 'user') return name ?? `${ACTOR_KIND.user} ${actor.id}`;
  if (actor.type === 'api_key') return `API key ${name ?? actor.id}`;
  return `${kind} ${actor.id}`;
}

/** What an event was done to, by name: "Acme Corp", "Studio Pro", "device of Acme Corp". */
export function subjectLabel(e: EventRecord, names: Directory): string {
  const after = (e.after ?? e.before ?? {}) as Record<string, unknown>;
  const own = typeof after['name'] === 'string' ? after['name'] : undefined;
  const customer = e.customerId ? names.customer(e.customerId) : undefined;
  switch (e.subjectType) {
    case 'customer':
      return names.customer(e.subjectId) ?? own ?? e.subjectId;
    case 'product':
      return names.product(e.subjectId) ?? own ?? e.subjectId;
    case 'offering':
      return names.offering(e.subjectId) ?? own ?? e.subjectId;
    case 'feature':
      return names.feature(e.productId, e.subjectId) ?? own ?? (typeof after['code'] === 'string' ? after['code'] : e.subjectId);
    case 'entitlement': {
      const product = e.productId ? names.product(e.productId) : undefined;
      return customer ? `${customer}${product ? ` · ${product}` : ''}` : e.subjectId;
    }
    case 'activation':
      return customer ? `device of ${customer}` : e.subjectId;
    case 'api_key':
      return names.actor('api_key', e.subjectId) ?? own ?? e.subjectId;
    case 'staff_user':
      return names.actor('user', e.subjectId) ?? own ?? e.subjectId;
    default:
      return e.subjectId;
  }
}

const HIDDEN = new Set(['id', 'updatedAt', 'createdAt', 'version', 'accountId']);

/** One field's value, ids by name: offeringId → the offering's name, a feature map → "Export: on". */
export function valueText(field: string, value: unknown, names: Directory, productId: string | null = null): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') {
    if (/(At|Until)$/.test(field) && !Number.isNaN(Date.parse(value))) return new Date(value).toLocaleString();
    const named =
      field === 'offeringId' || field === 'targetOfferingId' || field === 'sourceOfferingId'
        ? names.offering(value)
        : field === 'customerId'
          ? names.customer(value)
          : field === 'productId'
            ? names.product(value)
            : undefined;
    return named ?? value;
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  if (field === 'activationRules' && Array.isArray(value)) {
    const name = (id: string) => names.product(id) ?? names.offering(id) ?? id;
    return value.length === 0 ? 'none' : (value as ActivationRule[]).map((r) => ruleText(r, name)).join('; ');
  }
  if (field === 'overrides' && typeof value === 'object' && !Array.isArray(value)) {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, x]) =>
      k === 'features' ? valueText('features', x, names, productId) : `${k} ${valueText(k, x, names, productId)}`,
    );
    return parts.length ? parts.join(', ') : 'none';
  }
  if (field === 'features' && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return 'none';
    return entries.map(([code, v]) => `${names.feature(productId, code) ?? code}: ${featureValueText(v)}`).join(', ');
  }
  return JSON.stringify(value);
}

/** A right's value: on/off, a number, or a quota (100 per P1M, bill overage). */
export function featureValueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v && 'limit' in v) {
    const q = v as { limit: number; period?: string; overage?: unknown };
    const overage =
      q.overage === undefined
        ? ''
        : typeof q.overage === 'string'
          ? `, ${q.overage === 'bill' ? 'bill' : 'block'} overage`
          : `, ${(q.overage as { allowPercent: number }).allowPercent}% over allowed`;
    return `${q.limit} per ${q.period ?? 'P1M'}${overage}`;
  }
  return JSON.stringify(v);
}

const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

/** What changed, in a few words: each changed field before → after, by name; or the subject's name. */
export function changeSummary(e: EventRecord, names: Directory): string {
  const before = (e.before ?? null) as Record<string, unknown> | null;
  const after = (e.after ?? null) as Record<string, unknown> | null;
  if (before && after) {
    // Facts beside the diff that say nothing (no overrides kept, no device removed) are left out.
    const empty = (k: string) => !(k in before) && Array.isArray(after[k]) && (after[k] as unknown[]).length === 0;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !HIDDEN.has(k) && !empty(k));
    return keys
      .map((k) =>
        k in before
          ? `${k}: ${short(valueText(k, before[k], names, e.productId))} → ${short(valueText(k, after[k], names, e.productId))}`
          : `${k}: ${short(valueText(k, after[k], names, e.productId))}`,
      )
      .join('; ');
  }
  const a = after ?? {};
  return String(a['reason'] ?? a['name'] ?? a['code'] ?? '');
}

/** The override a quota limit makes: the offering's period and overage kept, the limit replaced. */
export function quotaOverride(offering: FeatureValue | undefined, limit: number): FeatureValue {
  const base: ConsumptionValue = typeof offering === 'object' ? offering : { limit: 0 };
  return base.period || base.overage ? { ...base, limit } : limit;
}

/** Activation rules as a person reads them, ids by name. */
export function ruleText(rule: ActivationRule, name: (id: string) => string): string {
  switch (rule.type) {
    case 'requires':
      return rule.offeringId
        ? `Requires an active ${name(rule.offeringId)} entitlement`
        : `Requires an active entitlement to ${rule.productId ? name(rule.productId) : 'a product'}`;
    case 'max_activations_per_customer':
      return `At most ${rule.limit} devices per customer across this product`;
    case 'excludes':
      return `Not together with ${rule.offeringIds.map(name).join(', ')}`;
  }
}
