import type { EventType } from '@leasehold/contract';
import type { EntitlementCreate, EntitlementPatch, EntitlementState, OverridesWrite } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, invalid, notFound } from '../../platform/domain/errors.js';
import type { EntitlementRecord, OfferingRecord, Page, PageRequest } from '../../platform/domain/model.js';
import { recordEvent } from '../events/record.js';
import { checkFeatureValues } from '../catalog/feature-values.js';
import { requireOffering } from '../catalog/offerings.js';
import { requireCustomer } from '../customers/customers.js';
import { effectiveRights, type EffectiveRightsRecord } from './effective-rights.js';
import { applyOverrides } from './overrides.js';
import { isPositiveDuration } from '../../foundation/durations.js';
import { checkedTime, later, timeFrom } from '../../platform/domain/dates.js';
import { hasTypo, normalizeLicenseKey } from '../../secrets/license-keys.js';
import {
  askRemote,
  keyInUse,
  newLicenseKey,
  queuedAfter,
  remoteGeneratorFor,
  remoteKeyRequest,
  type NewKeyFacts,
  type QueuedKey,
} from '../keys/new-key.js';
import { isKeyPending, pendingKeyHash, queueKey } from './pending-key.js';
import type { EntitlementFilter } from './ports.js';
import type { StoreRefusal, Tx } from '../../platform/domain/ports.js';

/** An entitlement as staff see it: the record, its license key in clear, and its rights now. */
export interface EntitlementView {
  record: EntitlementRecord;
  /** Empty while the key is pending (`keyPending`). */
  key: string;
  effective: EffectiveRightsRecord;
  /** The remote key generator has not given the key yet. */
  keyPending?: boolean;
}

const LICENSE_KEY_PURPOSE = 'license-key';

/**
 * The keyed hash a license is found by. Keys are never compared: the client's key is hashed and looked
 * up through a unique index, so a timing tells only about the HMAC of a guess, which without the master
 * key says nothing of any real key.
 */
export function licenseKeyHash(ctx: Pick<Context, 'secrets'>, key: string): string {
  return ctx.secrets.lookupHash(LICENSE_KEY_PURPOSE, normalizeLicenseKey(key));
}

export function view(ctx: Context, record: EntitlementRecord, offering: OfferingRecord): EntitlementView {
  const pending = isKeyPending(record);
  return {
    record,
    key: pending ? '' : ctx.secrets.decrypt(LICENSE_KEY_PURPOSE, record.keySealed),
    effective: effectiveRights(offering, record, ctx.clock.now()),
    ...(pending ? { keyPending: true } : {}),
  };
}

/** What the audit log keeps of an entitlement: everything but the key material. */
export function snapshot(e: EntitlementRecord): Omit<EntitlementRecord, 'keyHash' | 'keySealed'> {
  const { keyHash: _h, keySealed: _s, ...rest } = e;
  return rest;
}

export async function requireEntitlement(tx: Tx, ref: string, opts: { lock?: boolean } = {}): Promise<EntitlementRecord> {
  const entitlement = await tx.entitlements.find(ref, opts);
  if (!entitlement) throw notFound('entitlement', ref);
  return entitlement;
}

async function referenced<T>(load: Promise<T>, field: string, ref: string): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') {
      throw new DomainError('UNKNOWN_REFERENCE', `${field} ${JSON.stringify(ref)} names nothing in this account.`, { field, ref });
    }
    throw error;
  }
}

export function getEntitlement(ctx: Context, ref: string): Promise<EntitlementView> {
  return ctx.store.read(async (tx) => {
    const record = await requireEntitlement(tx, ref);
    return view(ctx, record, await requireOffering(tx, record.offeringId));
  });
}

export interface EntitlementListFilter {
  customer?: string | undefined;
  offering?: string | undefined;
  product?: string | undefined;
  state?: EntitlementState | undefined;
  orderRef?: string | undefined;
  /** A license key as typed or read out: found through its keyed hash. */
  key?: string | undefined;
}

export function listEntitlements(ctx: Context, filter: EntitlementListFilter, page: PageRequest): Promise<Page<EntitlementView>> {
  return ctx.store.read(async (tx) => {
    const resolved: EntitlementFilter = { state: filter.state, orderRef: filter.orderRef };
    if (filter.key !== undefined) {
      if (hasTypo(filter.key)) {
        // INVALID_REQUEST, not LICENSE_KEY_INVALID: that one is the client API's 401, and staff are signed in.
        throw new DomainError('INVALID_REQUEST', 'That license key has a typo: its last symbol does not match the others.', {
          field: 'key',
          typo: true,
          resolve: 'Ask the customer to read the key out again.',
        });
      }
      resolved.keyHash = licenseKeyHash(ctx, filter.key);
    }
    // Filters accept codes and external references too; one that names nothing matches nothing.
    if (filter.customer) resolved.customerId = (await tx.customers.find(filter.customer))?.id ?? '-';
    if (filter.offering) resolved.offeringId = (await tx.offerings.find(filter.offering))?.id ?? '-';
    if (filter.product) resolved.productId = (await tx.products.find(filter.product))?.id ?? '-';
    const page1 = await tx.entitlements.list(resolved, page);
    const offerings = new Map<string, OfferingRecord>();
    const items: EntitlementView[] = [];
    for (const record of page1.items) {
      let offering = offerings.get(record.offeringId);
      if (!offering) {
        offering = await requireOffering(tx, record.offeringId);
        offerings.set(offering.id, offering);
      }
      items.push(view(ctx, record, offering));
    }
    return { items, next: page1.next };
  });
}

async function checkOverrides(tx: Tx, offering: OfferingRecord, write: OverridesWrite | undefined): Promise<void> {
  if (!write) return;
  for (const field of ['leasePeriod', 'term', 'maintenanceTerm'] as const) {
    const value = write[field];
    if (typeof value === 'string' && !isPositiveDuration(value)) {
      throw invalid(`overrides.${field}`, `overrides.${field} must be a positive ISO 8601 duration.`);
    }
  }
  if (write.features) checkFeatureValues(write.features, await tx.features.allOf(offering.productId), 'overrides.features');
}

function checkDates(startsAt: number, endsAt: number | null): void {
  if (endsAt !== null && endsAt <= startsAt) throw invalid('endsAt', 'endsAt must be later than startsAt.');
}

const DATE_FIELDS = ['startsAt', 'endsAt', 'maintenanceUntil'] as const;

/**
 * Every date a write sets is checked against the representable range before the row is written,
 * whichever rule computed it (a renewal, an offering change, a bulk migration, the NetLicensing
 * face). Dates the write leaves as they were are not: a row stored before the range was enforced
 * can still be revoked, suspended or corrected.
 */
function checkChangedDates(before: EntitlementRecord | null, after: EntitlementRecord): void {
  for (const field of DATE_FIELDS) {
    const value = after[field];
    if (value !== null && (before === null || before[field] !== value)) checkedTime(field, value);
  }
}

/**
 * Creates an entitlement. When its key comes from a remote generator, the endpoint is asked
 * outside any transaction — the request is checked and the entitlement's id reserved first, the
 * endpoint called, then the entitlement written — so no database transaction (nor, on SQLite, the
 * one writer) waits on the vendor's network. Other callers of insertEntitlement (a redemption, a
 * trial, an import) still ask inside their transaction.
 */
export async function createEntitlement(ctx: Context, input: EntitlementCreate): Promise<EntitlementView> {
  const made = input.key === undefined ? await keyAskedFirst(ctx, input) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.write((tx) => insertEntitlement(tx, ctx, input, made));
    } catch (error) {
      if (made?.key && isKeyClash(error)) throw keyInUse();
      // A generated key another transaction took a moment ago: draw again (keys of small patterns).
      if (input.key !== undefined || made !== undefined || attempt >= 3 || !isKeyClash(error)) throw error;
    }
  }
}

/** A key obtained before the creating transaction (a remote generator's), or none queued for later. */
interface MadeKey {
  id: string;
  key: string | null;
  queued?: QueuedKey;
}

/** Reserves the id and asks a remote generator for the key, outside any transaction; undefined when the key is made inside it. */
async function keyAskedFirst(ctx: Context, input: EntitlementCreate): Promise<MadeKey | undefined> {
  const id = ctx.ids.next('entitlement');
  const ask = await ctx.store.read(async (tx) => {
    const plan = await planEntitlement(tx, ctx, input);
    const generator = await remoteGeneratorFor(tx, plan.offering);
    return generator && { generator, request: await remoteKeyRequest(tx, ctx, keyFacts(id, plan)) };
  });
  if (!ask) return undefined;
  try {
    return { id, key: await askRemote(ctx, ask.generator, ask.request) };
  } catch (error) {
    const queued = queuedAfter(ask.generator, error);
    if (!queued) throw error;
    return { id, key: null, queued };
  }
}

function isKeyClash(error: unknown): boolean {
  const refusal = error instanceof Error && error.name === 'StoreConflict' ? (error as Error & StoreRefusal) : null;
  return refusal?.resource === 'entitlement' && refusal.field === 'key';
}

/** What a new entitlement will be, checked: its customer and offering, overrides and dates. Writes nothing. */
async function planEntitlement(tx: Tx, ctx: Context, input: EntitlementCreate) {
  const customer = await referenced(requireCustomer(tx, input.customerId), 'customerId', input.customerId);
  const offering = await referenced(requireOffering(tx, input.offeringId), 'offeringId', input.offeringId);
  await checkOverrides(tx, offering, input.overrides);
  const overrides = applyOverrides({}, input.overrides ?? {});
  const now = ctx.clock.now();
  const startsAt = input.startsAt ? timeFrom('startsAt', input.startsAt) : now;
  const term = overrides.term ?? offering.term;
  const endsAt =
    input.endsAt !== undefined
      ? input.endsAt === null
        ? null
        : timeFrom('endsAt', input.endsAt)
      : term
        ? later('endsAt', startsAt, term)
        : null;
  checkDates(startsAt, endsAt);
  const maintenanceTerm = overrides.maintenanceTerm ?? offering.maintenanceTerm;
  const seats = overrides.seats ?? offering.seats;
  return { customer, offering, overrides, now, startsAt, endsAt, maintenanceTerm, seats };
}

const keyFacts = (id: string, p: Awaited<ReturnType<typeof planEntitlement>>): NewKeyFacts => ({
  entitlementId: id,
  offering: p.offering,
  customer: p.customer,
  seats: p.seats,
  startsAt: p.startsAt,
  endsAt: p.endsAt,
});

/**
 * Creates an entitlement inside the caller's transaction (trials and imports reuse it). `made`
 * brings a key asked for before the transaction (createEntitlement's remote generator). An
 * entitlement whose remote generator failed and is set to queue is written without a key (a
 * pending hash no key matches) beside its queued key, which a worker completes (keys/pending.ts).
 */
export async function insertEntitlement(tx: Tx, ctx: Context, input: EntitlementCreate, made?: MadeKey): Promise<EntitlementView> {
  const plan = await planEntitlement(tx, ctx, input);
  const { customer, offering, overrides, now, startsAt, endsAt, maintenanceTerm } = plan;
  const id = made?.id ?? ctx.ids.next('entitlement');
  const taken = async (k: string) => Boolean((await tx.entitlements.list({ keyHash: licenseKeyHash(ctx, k) }, { limit: 1 })).items.length);
  let key: string | null;
  let queued: QueuedKey | undefined;
  if (input.key !== undefined) key = input.key;
  else if (made) {
    key = made.key;
    queued = made.queued;
    if (key !== null && (await taken(key))) throw keyInUse();
  } else {
    const out = await newLicenseKey(tx, ctx, keyFacts(id, plan), taken);
    key = 'key' in out ? out.key : null;
    queued = 'queued' in out ? out.queued : undefined;
  }
  const record: EntitlementRecord = {
    id,
    customerId: customer.id,
    offeringId: offering.id,
    productId: offering.productId,
    orderRef: input.orderRef ?? null,
    externalRef: input.externalRef ?? null,
    state: 'active',
    startsAt,
    endsAt,
    maintenanceUntil: maintenanceTerm ? later('maintenanceUntil', startsAt, maintenanceTerm) : null,
    overrides,
    metadata: input.metadata ?? {},
    keyHash: key === null ? pendingKeyHash() : licenseKeyHash(ctx, key),
    keySealed: ctx.secrets.encrypt(LICENSE_KEY_PURPOSE, key ?? ''),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  checkChangedDates(null, record);
  await tx.entitlements.insert(record);
  await keepVersion(tx, ctx, record, 'entitlement.created');
  await recordEvent(tx, ctx, { ...about(record), type: 'entitlement.created', after: snapshot(record) });
  if (queued) await queueKey(tx, ctx, record, queued);
  return view(ctx, record, offering);
}

/** Keeps this version of the entitlement, beside its event, in the same transaction. */
async function keepVersion(tx: Tx, ctx: Context, record: EntitlementRecord, change: string): Promise<void> {
  await tx.versions.appendEntitlement({
    version: record.version,
    snapshot: snapshot(record),
    change,
    actor: ctx.actor,
    requestId: ctx.requestId,
    at: record.updatedAt,
  });
}

function about(e: EntitlementRecord) {
  return { subjectType: 'entitlement' as const, subjectId: e.id, entitlementId: e.id, customerId: e.customerId, productId: e.productId };
}

/**
 * Loads the entitlement under a row lock, applies `change`, writes it with a new version and records
 * the event — the one path every entitlement mutation takes.
 */
export function mutate(
  ctx: Context,
  ref: string,
  type: EventType,
  change: (current: EntitlementRecord, offering: OfferingRecord, tx: Tx) => Promise<EntitlementRecord> | EntitlementRecord,
  extra?: Record<string, unknown> | (() => Record<string, unknown> | undefined),
): Promise<EntitlementView> {
  return ctx.store.write((tx) => mutateIn(tx, ctx, ref, type, change, extra));
}

/** `mutate` inside the caller's transaction (bulk migrations change many entitlements in one). */
export async function mutateIn(
  tx: Tx,
  ctx: Context,
  ref: string,
  type: EventType,
  change: (current: EntitlementRecord, offering: OfferingRecord, tx: Tx) => Promise<EntitlementRecord> | EntitlementRecord,
  extra?: Record<string, unknown> | (() => Record<string, unknown> | undefined),
): Promise<EntitlementView> {
  const before = await requireEntitlement(tx, ref, { lock: true });
  const offering = await requireOffering(tx, before.offeringId);
  const changed = await change(before, offering, tx);
  const after: EntitlementRecord = { ...changed, version: before.version + 1, updatedAt: ctx.clock.now() };
  checkChangedDates(before, after);
  await tx.entitlements.update(after);
  await keepVersion(tx, ctx, after, type);
  await recordEvent(tx, ctx, {
    ...about(after),
    type,
    before: snapshot(before),
    after: snapshot(after),
    context: typeof extra === 'function' ? extra() : extra,
  });
  return view(ctx, after, after.offeringId === offering.id ? offering : await requireOffering(tx, after.offeringId));
}

export function updateEntitlement(ctx: Context, ref: string, patch: EntitlementPatch): Promise<EntitlementView> {
  return ctx.store.write((tx) => updateEntitlementIn(tx, ctx, ref, patch));
}

/** `updateEntitlement` inside the caller's transaction (CSV imports update rows one transaction each). */
export function updateEntitlementIn(tx: Tx, ctx: Context, ref: string, patch: EntitlementPatch): Promise<EntitlementView> {
  return mutateIn(tx, ctx, ref, 'entitlement.updated', async (current, offering, tx) => {
    await checkOverrides(tx, offering, patch.overrides);
    const next: EntitlementRecord = { ...current };
    if (patch.orderRef !== undefined) next.orderRef = patch.orderRef;
    if (patch.externalRef !== undefined) next.externalRef = patch.externalRef;
    if (patch.metadata !== undefined) next.metadata = patch.metadata;
    if (patch.startsAt !== undefined) next.startsAt = timeFrom('startsAt', patch.startsAt);
    if (patch.endsAt !== undefined) next.endsAt = patch.endsAt === null ? null : timeFrom('endsAt', patch.endsAt);
    if (patch.overrides) next.overrides = applyOverrides(current.overrides, patch.overrides);
    checkDates(next.startsAt, next.endsAt);
    return next;
  });
}

export function requireState(e: EntitlementRecord, allowed: EntitlementState[], action: string): void {
  if (!allowed.includes(e.state)) {
    throw new DomainError('INVALID_STATE', `An entitlement that is ${e.state} cannot be ${action}.`, {
      state: e.state,
      allowedFrom: allowed,
    });
  }
}

export function suspendEntitlement(ctx: Context, ref: string, reason?: string): Promise<EntitlementView> {
  return mutate(
    ctx,
    ref,
    'entitlement.suspended',
    (e) => {
      requireState(e, ['active'], 'suspended');
      return { ...e, state: 'suspended' };
    },
    reason ? { reason } : undefined,
  );
}

export function resumeEntitlement(ctx: Context, ref: string): Promise<EntitlementView> {
  return mutate(ctx, ref, 'entitlement.resumed', (e) => {
    requireState(e, ['suspended'], 'resumed');
    return { ...e, state: 'active' };
  });
}

/** Revocation is final: the entitlement stays on record, and nothing brings it back. */
export function revokeEntitlement(ctx: Context, ref: string, reason?: string): Promise<EntitlementView> {
  return mutate(
    ctx,
    ref,
    'entitlement.revoked',
    (e) => {
      requireState(e, ['active', 'suspended'], 'revoked');
      return { ...e, state: 'revoked' };
    },
    reason ? { reason } : undefined,
  );
}

/**
 * Extends a term-limited entitlement by its term (or `term` when given) from its end — or from now
 * when it has already expired, so a late renewal does not buy time already past. A perpetual
 * entitlement with maintenance renews its maintenance the same way.
 */
export function renewEntitlement(ctx: Context, ref: string, term?: string): Promise<EntitlementView> {
  return mutate(ctx, ref, 'entitlement.renewed', (e, offering) => {
    requireState(e, ['active', 'suspended'], 'renewed');
    if (term !== undefined && !isPositiveDuration(term)) throw invalid('term', 'term must be a positive ISO 8601 duration.');
    const now = ctx.clock.now();
    const rights = effectiveRights(offering, e, now);
    if (rights.endsAt !== null) {
      const by = term ?? rights.term;
      if (!by)
        throw new DomainError('NOT_RENEWABLE', 'The entitlement has an end but no term to renew by; pass a term.', {
          resolve: 'POST renew with {"term": "P1Y"}',
        });
      return { ...e, endsAt: later('endsAt', Math.max(rights.endsAt, now), by) };
    }
    const maintenanceTerm = term ?? e.overrides.maintenanceTerm ?? offering.maintenanceTerm;
    if (!maintenanceTerm) {
      throw new DomainError('NOT_RENEWABLE', 'A perpetual entitlement without maintenance has nothing to renew.', {
        resolve: 'Set a maintenanceTerm on the offering or pass a term.',
      });
    }
    return { ...e, maintenanceUntil: later('maintenanceUntil', Math.max(e.maintenanceUntil ?? now, now), maintenanceTerm) };
  });
}

/**
 * Renews to a date a billing system paid up to (a subscription's period end) rather than by a
 * term: the end only moves later, and the event is a renewal like any other.
 */
export function renewEntitlementUntil(ctx: Context, ref: string, endsAt: number, reason?: string): Promise<EntitlementView> {
  return mutate(
    ctx,
    ref,
    'entitlement.renewed',
    (e) => {
      requireState(e, ['active', 'suspended'], 'renewed');
      if (e.endsAt === null || endsAt <= e.endsAt) throw invalid('endsAt', 'A renewal moves the end later; this date is not later.');
      return { ...e, endsAt };
    },
    reason ? { reason } : undefined,
  );
}

/**
 * The customer gives the license back: every seat is released, no lease is issued again, and
 * the entitlement stays on record as returned.
 */
export function returnEntitlement(ctx: Context, ref: string, reason?: string): Promise<EntitlementView> {
  return mutate(
    ctx,
    ref,
    'entitlement.returned',
    async (e, _offering, tx) => {
      requireState(e, ['active', 'suspended'], 'returned');
      const now = ctx.clock.now();
      for (const activation of await tx.activations.liveOf(e.id)) {
        await tx.activations.update({ ...activation, state: 'released', endedAt: now, endReason: 'returned' });
      }
      return { ...e, state: 'returned' };
    },
    reason ? { reason } : undefined,
  );
}
