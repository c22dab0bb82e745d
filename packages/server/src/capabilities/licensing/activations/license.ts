import { formatTimestamp } from '@leasehold/contract';
import type { Context } from '../../../platform/domain/context.js';
import { DomainError } from '../../../platform/domain/errors.js';
import type { ActivationRecord, CustomerRecord, EntitlementRecord, OfferingRecord, ProductRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import { effectiveRights, type EffectiveRightsRecord } from '../../entitlements/effective-rights.js';
import type { Keyring } from '../leases/keyring.js';
import { validateLicense } from '../validation/validate.js';
import { holdsSeat } from './seats.js';
import type { Tx } from '../../../platform/domain/ports.js';
import type { LicenseCachePort as LicenseCache } from '../ports.js';

/**
 * What every client action opens with: the license a key names, whether it may run, and the
 * device's live activation. Usage, pools, activation and renewal all start here.
 */
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

export function about(license: License, activation: ActivationRecord) {
  return {
    subjectType: 'activation' as const,
    subjectId: activation.id,
    entitlementId: license.entitlement.id,
    customerId: license.customer.id,
    productId: license.product.id,
  };
}

/** Releases heartbeat-held seats whose deadline passed, so they stop counting and say why. */
export async function releaseDead(tx: Tx, ctx: Context, license: License, live: ActivationRecord[]): Promise<ActivationRecord[]> {
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

/** What a device's own action runs with: its license (usable) and its live activation, in one write. */
export interface DeviceAction {
  tx: Tx;
  license: License;
  activation: ActivationRecord;
  now: number;
}

/**
 * The opening every action of an activated device shares (refresh, heartbeat, borrow, usage, pool
 * checkouts): in one write, load the license the key names (row-locked when `lock`), refuse when it
 * may not run, find the device's live activation — releasing a dead heartbeat seat, which commits
 * before the refusal — and then run `fn` with all three (which may return a refusal to commit first, as writeThenRefuse).
 */
export function onActivatedDevice<T>(
  ctx: ClientContext,
  device: { fingerprint: string; product?: string | undefined; lock: boolean },
  fn: (action: DeviceAction) => Promise<T | DomainError>,
): Promise<T> {
  return writeThenRefuse(ctx, async (tx) => {
    const now = ctx.clock.now();
    const license = await loadLicense(tx, ctx, device.lock);
    requireUsable(license, device.product, now);
    const activation = await liveActivationOf(tx, ctx, license, device.fingerprint);
    if (activation instanceof DomainError) return activation;
    return fn({ tx, license, activation, now });
  });
}

/** Runs a write whose refusal must still commit what it did (releasing a dead seat), then throws. */
export async function writeThenRefuse<T>(ctx: Context, fn: (tx: Tx) => Promise<T | DomainError>): Promise<T> {
  const out = await ctx.store.write(fn);
  if (out instanceof DomainError) throw out;
  return out;
}
