import type { ActivateRequest } from '@leasehold/contract';
import { DomainError } from '../../../platform/domain/errors.js';
import type { ActivationRecord, OfferingRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import type { IssuedLease } from '../leases/issue.js';
import type { Warning } from '../validation/validate.js';
import { decideSeat, isHeartbeatHeld, seatKindFor } from './seats.js';
import { checkActivationRules, type CustomerFacts } from './rules.js';
import type { Tx } from '../../../platform/domain/ports.js';
import { later } from '../../../platform/domain/dates.js';
import { type ClientContext, type License, loadLicense, requireUsable, about, releaseDead } from './license.js';
import { lease } from './grant-lease.js';
import { isKeyPending } from '../../entitlements/pending-key.js';

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

export async function activateIn(
  tx: Tx,
  ctx: ClientContext,
  request: ActivateRequest,
  opts: { offline?: boolean } = {},
): Promise<ActivationOutcome> {
  const now = ctx.clock.now();
  const license = await loadLicense(tx, ctx, true);
  requireUsable(license, request.product, now);
  const { offering, rights, entitlement } = license;
  if (isKeyPending(entitlement)) {
    throw new DomainError(
      'KEY_PENDING',
      'The entitlement waits for its license key from the remote key generator: nothing can be activated yet.',
      {
        resolve: 'Try again once the key generator has answered (the entitlement.key_issued event).',
      },
    );
  }

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
    // Activating again is how a device says what it is now: a new version, a renamed host.
    const described = {
      name: request.name ?? existing.name,
      platform: request.platform ?? existing.platform,
      hostname: request.hostname ?? existing.hostname,
      version: request.version ?? existing.version,
    };
    const refreshed: ActivationRecord = {
      ...existing,
      ...described,
      lastSeenAt: now,
      heartbeatDeadline: isHeartbeatHeld(existing) ? later('heartbeatDeadline', now, offering.heartbeatWindow) : null,
    };
    await tx.activations.update(refreshed);
    const changed = (Object.keys(described) as Array<keyof typeof described>).filter((k) => described[k] !== existing[k]);
    if (changed.length > 0) {
      await recordEvent(tx, ctx, {
        ...about(license, refreshed),
        type: 'activation.updated',
        before: Object.fromEntries(changed.map((k) => [k, existing[k]])),
        after: Object.fromEntries(changed.map((k) => [k, described[k]])),
      });
    }
    return { activation: refreshed, lease: await lease(tx, ctx, license, refreshed, opts), warnings: [], created: false };
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

  const reserved = offering.seatModel === 'named_user' ? await tx.seatReservations.reservedUsers(entitlement.id) : [];
  const facts = live ?? (await seatFacts(tx, license, candidate, now, reserved.length > 0));
  const seat = decideSeat(facts, candidate, offering, rights, offering.enforcementMode, now, reserved);
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
  return { activation: candidate, lease: await lease(tx, ctx, license, candidate, opts), warnings, created: true };
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
async function seatFacts(
  tx: Tx,
  license: License,
  candidate: ActivationRecord,
  now: number,
  reservations: boolean,
): Promise<ActivationRecord[]> {
  const { entitlement, offering, rights } = license;
  // Assigned seats count as taken without a device: who else holds one needs every live activation.
  if (reservations || (await tx.activations.countHolding(entitlement.id, now)) >= rights.seats)
    return tx.activations.liveOf(entitlement.id);
  if (offering.seatModel !== 'named_user') return [];
  return tx.activations.liveOfUser(entitlement.id, candidate.user ?? candidate.fingerprint);
}
