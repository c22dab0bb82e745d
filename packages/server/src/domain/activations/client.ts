import { formatTimestamp } from '@leasehold/contract';
import type { ActivateRequest, BorrowRequest, ValidateRequest } from '@leasehold/contract';
import type { Context } from '../context.js';
import { DomainError, invalid } from '../errors.js';
import type { ActivationRecord, CustomerRecord, EntitlementRecord, OfferingRecord, ProductRecord } from '../model.js';
import { recordEvent } from '../events/record.js';
import { effectiveRights, type EffectiveRightsRecord } from '../entitlements/effective-rights.js';
import { issueLease, type IssuedLease } from '../leases/issue.js';
import type { Keyring } from '../leases/keyring.js';
import { validateLicense, type Verdict, type Warning } from '../validation/validate.js';
import { quotaStatuses } from '../usage/record.js';
import { poolUse } from '../usage/pools.js';
import { ceiling as quotaCeiling, type QuotaStatus } from '../usage/quota.js';
import { decideSeat, holdsSeat, isHeartbeatHeld, seatKindFor } from './seats.js';
import { checkActivationRules, type CustomerFacts } from './rules.js';
import { addDuration, durationMillis, isPositiveDuration } from '../../foundation/durations.js';
import type { Tx } from '../../store/store.js';
import type { LicenseCache, LicenseSnapshot } from '../../store/license-cache.js';
import { later } from '../dates.js';

/** A client request's context: the license's account, and the keyring that signs its leases. */
export interface ClientContext extends Context {
  keyring: Keyring;
  entitlementId: string;
  /** Records that a device was seen, for a batched last-seen write off the request path. */
  stamps?: (activation: ActivationRecord, at: number) => void;
  /** Validation's memory; without it every validation reads the database. */
  licenses?: LicenseCache;
}

export interface License {
  entitlement: EntitlementRecord;
  offering: OfferingRecord;
  product: ProductRecord;
  customer: CustomerRecord;
  rights: EffectiveRightsRecord;
}

export async function loadLicense(tx: Tx, ctx: ClientContext, lock: boolean): Promise<License> {
  const entitlement = await tx.entitlements.find(ctx.entitlementId, { lock });
  if (!entitlement) throw new DomainError('LICENSE_KEY_INVALID', 'The license key is not valid.');
  const offering = (await tx.offerings.find(entitlement.offeringId))!;
  const product = (await tx.products.find(entitlement.productId))!;
  const customer = (await tx.customers.find(entitlement.customerId))!;
  return { entitlement, offering, product, customer, rights: effectiveRights(offering, entitlement, ctx.clock.now()) };
}

/** Refuses, with the validation code as the error code, when the license itself may not run. */
export function requireUsable(license: License, product: string | undefined, now: number): void {
  const verdict = validateLicense({ now, license, product, live: [] });
  if (!verdict.valid) throw new DomainError(verdict.code as 'SUSPENDED', verdict.message, verdict.details);
}

async function lease(tx: Tx, ctx: ClientContext, license: License, activation: ActivationRecord): Promise<IssuedLease> {
  return issueLease(tx, ctx, ctx.keyring, { ...license, activation, usage: await quotaStatuses(tx, license, ctx.clock.now()) });
}

function ceilingOf(q: QuotaStatus): number {
  return quotaCeiling({ limit: q.limit, period: 'P1M', overage: q.overage });
}

function about(license: License, activation: ActivationRecord) {
  return {
    subjectType: 'activation' as const,
    subjectId: activation.id,
    entitlementId: license.entitlement.id,
    customerId: license.customer.id,
    productId: license.product.id,
  };
}

/** Releases heartbeat-held seats whose deadline passed, so they stop counting and say why. */
async function releaseDead(tx: Tx, ctx: Context, license: License, live: ActivationRecord[]): Promise<ActivationRecord[]> {
  const now = ctx.clock.now();
  const kept: ActivationRecord[] = [];
  for (const a of live) {
    if (holdsSeat(a, now)) {
      kept.push(a);
      continue;
    }
    const released: ActivationRecord = { ...a, state: 'released', endedAt: now, endReason: 'heartbeat_missed' };
    await tx.activations.update(released);
    await recordEvent(tx, ctx, {
      ...about(license, a),
      type: 'activation.released',
      before: { state: a.state },
      after: { state: 'released', reason: 'heartbeat_missed' },
    });
  }
  return kept;
}

async function customerFacts(tx: Tx, license: License): Promise<CustomerFacts> {
  // Locking the customer row serialises activations across the customer's entitlements, which
  // is what per-customer rules count over.
  await tx.customers.lock(license.customer.id);
  const entitlements = await tx.entitlements.ofCustomer(license.customer.id);
  const offerings = new Map<string, OfferingRecord>();
  for (const e of entitlements) {
    if (!offerings.has(e.offeringId)) offerings.set(e.offeringId, (await tx.offerings.find(e.offeringId))!);
  }
  return {
    entitlements: entitlements.map((entitlement) => ({ entitlement, offering: offerings.get(entitlement.offeringId)! })),
    liveActivations: await tx.activations.liveOfCustomer(license.customer.id),
  };
}

export interface ActivationOutcome {
  activation: ActivationRecord;
  lease: IssuedLease;
  warnings: Warning[];
  created: boolean;
}

/**
 * Activates a device. The entitlement row is locked for the whole decision, so two devices racing
 * for the last seat are decided one after the other. The same fingerprint again returns its
 * existing activation with a fresh lease.
 */
export function activate(ctx: ClientContext, request: ActivateRequest): Promise<ActivationOutcome> {
  return ctx.store.write((tx) => activateIn(tx, ctx, request));
}

export async function activateIn(tx: Tx, ctx: ClientContext, request: ActivateRequest): Promise<ActivationOutcome> {
  const now = ctx.clock.now();
  const license = await loadLicense(tx, ctx, true);
  requireUsable(license, request.product, now);
  const { offering, rights, entitlement } = license;

  // Most licenses have a few devices: one read gives every fact the decision needs. A license with
  // many (a site license) is not read whole on every activation: see seatFacts.
  const first = await tx.activations.liveOf(entitlement.id, { limit: FEW_DEVICES + 1 });
  const few = first.length <= FEW_DEVICES;
  const live = few ? await releaseDead(tx, ctx, license, first) : null;
  if (!live) await releaseDead(tx, ctx, license, await tx.activations.deadOf(entitlement.id, now));
  const existing = live
    ? live.find((a) => a.fingerprint === request.fingerprint)
    : await tx.activations.findLive(entitlement.id, request.fingerprint);
  if (existing) {
    const refreshed: ActivationRecord = {
      ...existing,
      lastSeenAt: now,
      version: request.version ?? existing.version,
      heartbeatDeadline: isHeartbeatHeld(existing) ? later('heartbeatDeadline', now, offering.heartbeatWindow) : null,
    };
    await tx.activations.update(refreshed);
    return { activation: refreshed, lease: await lease(tx, ctx, license, refreshed), warnings: [], created: false };
  }

  const seatKind = seatKindFor(offering, request.ephemeral ?? false);
  if (offering.seatModel === 'named_user' && !request.user) {
    throw new DomainError('INVALID_REQUEST', 'This license is for named users: send `user` with the activation.', { field: 'user' });
  }
  const candidate: ActivationRecord = {
    id: ctx.ids.next('activation'),
    entitlementId: entitlement.id,
    customerId: entitlement.customerId,
    productId: entitlement.productId,
    fingerprint: request.fingerprint,
    seatKind,
    state: 'active',
    name: request.name ?? null,
    platform: request.platform ?? null,
    hostname: request.hostname ?? null,
    user: request.user ?? null,
    host: request.host ?? null,
    version: request.version ?? null,
    meta: request.meta ?? {},
    pinned: false,
    heartbeatDeadline:
      seatKind === 'floating' || seatKind === 'ephemeral' || request.ephemeral
        ? later('heartbeatDeadline', now, offering.heartbeatWindow)
        : null,
    borrowedUntil: null,
    createdAt: now,
    lastSeenAt: now,
    endedAt: null,
    endReason: null,
  };

  const facts = live ?? (await seatFacts(tx, license, candidate, now));
  const seat = decideSeat(facts, candidate, offering, rights, offering.enforcementMode, now);
  if (!seat.ok) throw new DomainError(seat.code, seat.message, seat.details);
  const warnings: Warning[] = [...seat.warnings];
  if (offering.activationRules.length > 0) {
    const rules = checkActivationRules(offering, entitlement, await customerFacts(tx, license), offering.enforcementMode, now);
    if (!rules.ok) throw new DomainError(rules.code, rules.message, rules.details);
    warnings.push(...rules.warnings);
  }

  await tx.activations.insert(candidate);
  await recordEvent(tx, ctx, { ...about(license, candidate), type: 'activation.created', after: { ...candidate, warnings } });
  if (warnings.length > 0) {
    await recordEvent(tx, ctx, {
      ...about(license, candidate),
      type: 'activation.over_limit',
      after: { warnings, mode: offering.enforcementMode },
    });
  }
  return { activation: candidate, lease: await lease(tx, ctx, license, candidate), warnings, created: true };
}

/** Up to this many live devices, an activation reads them all; past it, it counts them in the database. */
const FEW_DEVICES = 50;

/**
 * The live activations a seat decision for `candidate` needs, without reading every device of a
 * license that has many. While fewer activations hold a seat than the license grants, no seat
 * refusal is possible (seats in use never exceed that count), so only what the named-user rule
 * looks at is read: the user's own devices. Near or at the limit, every live activation is read and
 * the decision is the full one; in enforce mode that is at most about as many rows as seats.
 */
async function seatFacts(tx: Tx, license: License, candidate: ActivationRecord, now: number): Promise<ActivationRecord[]> {
  const { entitlement, offering, rights } = license;
  if ((await tx.activations.countHolding(entitlement.id, now)) >= rights.seats) return tx.activations.liveOf(entitlement.id);
  if (offering.seatModel !== 'named_user') return [];
  return tx.activations.liveOfUser(entitlement.id, candidate.user ?? candidate.fingerprint);
}

/**
 * The device's live activation. A heartbeat-held seat past its deadline is released here and
 * reported as HEARTBEAT_DEAD — after the release has committed, so the seat really is free.
 */
export async function liveActivationOf(
  tx: Tx,
  ctx: Context,
  license: License,
  fingerprint: string,
): Promise<ActivationRecord | DomainError> {
  // Locked: the refresh writes this row back, and must not resurrect a seat released meanwhile.
  const activation = await tx.activations.findLive(license.entitlement.id, fingerprint, { lock: true });
  if (!activation) {
    return new DomainError('NOT_ACTIVATED', 'This device is not activated for the license (or was deactivated).', {
      resolve: 'Activate the license on this device.',
    });
  }
  if (!holdsSeat(activation, ctx.clock.now())) {
    await releaseDead(tx, ctx, license, [activation]);
    return new DomainError('HEARTBEAT_DEAD', 'This device stopped sending heartbeats and its seat was freed.', {
      heartbeatDeadline: formatTimestamp(activation.heartbeatDeadline!),
      resolve: 'Activate again.',
    });
  }
  return activation;
}

/** Runs a write whose refusal must still commit what it did (releasing a dead seat), then throws. */
export async function writeThenRefuse<T>(ctx: Context, fn: (tx: Tx) => Promise<T | DomainError>): Promise<T> {
  const out = await ctx.store.write(fn);
  if (out instanceof DomainError) throw out;
  return out;
}

/**
 * A new lease for an activated device, with the rights as they are now. For seats held by
 * heartbeat, a refresh is also a heartbeat.
 */
export function refresh(
  ctx: ClientContext,
  request: { fingerprint: string; product?: string | undefined },
  opts: { heartbeat?: boolean } = {},
): Promise<{ lease: IssuedLease; activation: ActivationRecord; warnings: Warning[] }> {
  return writeThenRefuse(ctx, async (tx) => {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, false);
    requireUsable(license, request.product, now);
    const activation = await liveActivationOf(tx, ctx, license, request.fingerprint);
    if (activation instanceof DomainError) return activation;
    if (opts.heartbeat && !isHeartbeatHeld(activation)) {
      throw new DomainError('INVALID_REQUEST', 'This activation holds a device seat; heartbeats are for floating and ephemeral seats.', {
        field: 'fingerprint',
        seatKind: activation.seatKind,
      });
    }
    let current = activation;
    if (isHeartbeatHeld(activation)) {
      current = { ...activation, heartbeatDeadline: later('heartbeatDeadline', now, license.offering.heartbeatWindow), lastSeenAt: now };
      await tx.activations.update(current);
    } else {
      ctx.stamps?.(activation, now);
    }
    const verdict: Verdict = validateLicense({ now, license, live: [current], fingerprint: current.fingerprint });
    return { lease: await lease(tx, ctx, license, current), activation: current, warnings: verdict.warnings };
  });
}

/** Borrows a floating seat for offline use, up to the offering's borrow limit (and lease period). */
export function borrow(ctx: ClientContext, request: BorrowRequest): Promise<{ lease: IssuedLease; activation: ActivationRecord }> {
  if (!isPositiveDuration(request.duration)) {
    throw invalid('duration', 'duration must be a positive ISO 8601 duration of at most a thousand years.');
  }
  return writeThenRefuse(ctx, async (tx) => {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, true);
    requireUsable(license, undefined, now);
    const activation = await liveActivationOf(tx, ctx, license, request.fingerprint);
    if (activation instanceof DomainError) return activation;
    const limit = license.offering.borrowLimit;
    if (activation.seatKind !== 'floating' || limit === null) {
      throw new DomainError('BORROW_NOT_ALLOWED', 'This license does not allow borrowing seats for offline use.', {
        seatKind: activation.seatKind,
        borrowLimit: limit,
      });
    }
    if (durationMillis(request.duration) > durationMillis(limit)) {
      throw new DomainError('BORROW_NOT_ALLOWED', `A seat may be borrowed for at most ${limit}.`, {
        field: 'duration',
        borrowLimit: limit,
        requested: request.duration,
      });
    }
    const borrowed: ActivationRecord = { ...activation, borrowedUntil: later('borrowedUntil', now, request.duration), lastSeenAt: now };
    await tx.activations.update(borrowed);
    await recordEvent(tx, ctx, {
      ...about(license, borrowed),
      type: 'activation.borrowed',
      after: { borrowedUntil: formatTimestamp(borrowed.borrowedUntil!) },
    });
    return { lease: await lease(tx, ctx, license, borrowed), activation: borrowed };
  });
}

/**
 * The device gives its seat back. Giving back a node-locked seat is a rehost (the customer moving
 * the license to another machine) and counts against the offering's rehost limit in its period;
 * floating and ephemeral seats are released freely.
 */
export function deactivate(ctx: ClientContext, request: { fingerprint: string }): Promise<void> {
  return ctx.store.write(async (tx) => {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, true);
    const activation = await tx.activations.findLive(license.entitlement.id, request.fingerprint);
    if (!activation) throw new DomainError('NOT_ACTIVATED', 'This device is not activated for the license.');
    const isRehost = activation.seatKind === 'device' || activation.seatKind === 'named_user';
    const limit = license.rights.rehostLimit;
    if (isRehost && limit !== null) {
      const since = now - durationMillis(license.offering.rehostPeriod);
      const used = await tx.activations.countRehostsSince(license.entitlement.id, since);
      if (used.count >= limit) {
        const nextAt = used.oldest === null ? null : addDuration(used.oldest, license.offering.rehostPeriod);
        throw new DomainError(
          'REHOST_LIMIT_REACHED',
          `This license may move to another device ${limit} time(s) per ${license.offering.rehostPeriod}; that is used up.`,
          {
            rule: 'rehost_limit',
            limit,
            period: license.offering.rehostPeriod,
            used: used.count,
            nextRehostAt: nextAt === null ? null : formatTimestamp(nextAt),
            resolve: 'Wait until the next rehost is available, or ask the vendor to deactivate the device.',
          },
        );
      }
    }
    const ended: ActivationRecord = {
      ...activation,
      state: 'deactivated',
      endedAt: now,
      endReason: isRehost ? 'rehost' : 'released',
      borrowedUntil: null,
    };
    await tx.activations.update(ended);
    await recordEvent(tx, ctx, {
      ...about(license, ended),
      type: 'activation.deactivated',
      before: { state: 'active' },
      after: { state: 'deactivated', reason: ended.endReason },
    });
  });
}

/** Loads what a validation reads, from the database (committed data, no transaction needed). */
function loadSnapshot(ctx: ClientContext): Promise<LicenseSnapshot> {
  return ctx.store.read(async (tx) => {
    const entitlement = await tx.entitlements.find(ctx.entitlementId);
    if (!entitlement) throw new DomainError('LICENSE_KEY_INVALID', 'The license key is not valid.');
    const [offering, product, customer, features, live] = [
      (await tx.offerings.find(entitlement.offeringId))!,
      (await tx.products.find(entitlement.productId))!,
      (await tx.customers.find(entitlement.customerId))!,
      await tx.features.allOf(entitlement.productId),
      await tx.activations.liveOf(entitlement.id),
    ];
    return { accountId: ctx.store.scope.accountId, entitlement, offering, product, customer, features, live };
  });
}

/** The license as validation sees it: from memory when the cache may serve it, else from the database. */
async function snapshotOf(ctx: ClientContext): Promise<{ snapshot: LicenseSnapshot; cached: boolean }> {
  const cache = ctx.licenses;
  const accountId = ctx.store.scope.accountId;
  if (!cache?.usable()) return { snapshot: await loadSnapshot(ctx), cached: false };
  const hit = cache.license(accountId, ctx.entitlementId);
  if (hit) return { snapshot: hit, cached: true };
  const ticket = cache.ticket(accountId, ctx.entitlementId);
  const snapshot = await loadSnapshot(ctx);
  cache.remember(ticket, snapshot);
  return { snapshot, cached: false };
}

export interface ValidationOutcome {
  verdict: Verdict;
  license: License;
  activation: ActivationRecord | null;
  usage: Record<string, QuotaStatus>;
}

/**
 * Online validation: read-only, one ordered verdict. Served from the license cache when it can
 * be; a refusal is always decided again on what is committed now, since it is what a support
 * call starts from.
 */
export async function validate(ctx: ClientContext, request: ValidateRequest): Promise<ValidationOutcome> {
  const now = ctx.clock.now();
  const { snapshot, cached } = await snapshotOf(ctx);
  const out = await validateSnapshot(ctx, snapshot, request, now);
  if (cached && !out.verdict.valid) return validateSnapshot(ctx, await loadSnapshot(ctx), request, now);
  return out;
}

async function validateSnapshot(
  ctx: ClientContext,
  snapshot: LicenseSnapshot,
  request: ValidateRequest,
  now: number,
): Promise<ValidationOutcome> {
  const { entitlement, offering, product, customer, features, live } = snapshot;
  const license: License = { entitlement, offering, product, customer, rights: effectiveRights(offering, entitlement, now) };
  // Usage and pool holdings change with every report and checkout, so they are never cached; they
  // are read only for licenses whose product has such features (most validations skip both).
  const usage = features.some((f) => f.type === 'consumption')
    ? await ctx.store.read((tx) => quotaStatuses(tx, license, now, features))
    : {};
  const quotas = Object.fromEntries(
    Object.entries(usage).map(([code, q]) => [code, { used: q.used, limit: q.limit, ceiling: ceilingOf(q) }]),
  );
  const hasPools = features.some((f) => f.type === 'pool') && Object.values(license.rights.features).some((v) => typeof v === 'number');
  const pools = hasPools
    ? new Map([...poolUse(await ctx.store.read((tx) => tx.pools.holdings([entitlement.id])), live, now)].map(([k, v]) => [k, v.inUse]))
    : undefined;
  const verdict = validateLicense({
    now,
    license,
    product: request.product,
    fingerprint: request.fingerprint,
    live,
    features: request.features,
    quotas,
    pools,
  });
  const activation = request.fingerprint ? (live.find((a) => a.fingerprint === request.fingerprint) ?? null) : null;
  if (activation && verdict.valid) ctx.stamps?.(activation, now);
  return { verdict, license, activation, usage };
}
