import type { ActivationState } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { ActivationRecord, EntitlementRecord, EventRecord, Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { effectiveRights, type EffectiveRightsRecord } from '../entitlements/effective-rights.js';
import { deactivate } from '../licensing/activations/deactivate.js';
import type { Keyring } from '../licensing/leases/keyring.js';

/**
 * What a signed-in customer sees and does. Every function takes the customer of the session and
 * answers NOT_FOUND for anything of another customer, exactly as for an id that names nothing: the
 * account scope of the store keeps other vendors out, these checks keep other customers out.
 */

export interface PortalEntitlementView {
  record: EntitlementRecord;
  product: { id: string; name: string };
  offering: { id: string; name: string };
  effective: EffectiveRightsRecord;
  seatsUsed: number;
  rehostPeriod: string;
}

export async function ownEntitlement(tx: Tx, customerId: string, ref: string): Promise<EntitlementRecord> {
  const entitlement = await tx.entitlements.find(ref);
  if (!entitlement || entitlement.customerId !== customerId) throw notFound('entitlement', ref);
  return entitlement;
}

async function viewOf(tx: Tx, ctx: Context, record: EntitlementRecord): Promise<PortalEntitlementView> {
  const offering = (await tx.offerings.find(record.offeringId))!;
  const product = (await tx.products.find(record.productId))!;
  const now = ctx.clock.now();
  return {
    record,
    product: { id: product.id, name: product.name },
    offering: { id: offering.id, name: offering.name },
    effective: effectiveRights(offering, record, now),
    seatsUsed: await tx.activations.countHolding(record.id, now),
    rehostPeriod: offering.rehostPeriod,
  };
}

export function listOwnEntitlements(ctx: Context, customerId: string, page: PageRequest): Promise<Page<PortalEntitlementView>> {
  return ctx.store.read(async (tx) => {
    const found = await tx.entitlements.list({ customerId }, page);
    const items: PortalEntitlementView[] = [];
    for (const record of found.items) items.push(await viewOf(tx, ctx, record));
    return { items, next: found.next };
  });
}

export function getOwnEntitlement(ctx: Context, customerId: string, ref: string): Promise<PortalEntitlementView> {
  return ctx.store.read(async (tx) => viewOf(tx, ctx, await ownEntitlement(tx, customerId, ref)));
}

/** The license key in clear, on demand; every reveal is an event (who saw which key, when). */
export function revealOwnKey(ctx: Context, customerId: string, ref: string): Promise<{ entitlementId: string; key: string }> {
  return ctx.store.write(async (tx) => {
    const entitlement = await ownEntitlement(tx, customerId, ref);
    await recordEvent(tx, ctx, {
      type: 'entitlement.key_revealed',
      subjectType: 'entitlement',
      subjectId: entitlement.id,
      entitlementId: entitlement.id,
      customerId,
      productId: entitlement.productId,
    });
    return { entitlementId: entitlement.id, key: ctx.secrets.decrypt('license-key', entitlement.keySealed) };
  });
}

export function listOwnDevices(
  ctx: Context,
  customerId: string,
  ref: string,
  filter: { state?: ActivationState | undefined },
  page: PageRequest,
): Promise<Page<ActivationRecord>> {
  return ctx.store.read(async (tx) => tx.activations.list((await ownEntitlement(tx, customerId, ref)).id, filter, page));
}

/**
 * The customer gives a device's seat back, as the device itself would (licensing's `deactivate`):
 * a node-locked seat counts against the rehost limit and is refused with REHOST_LIMIT_REACHED when
 * that is used up; the seat is free for the next activation at once.
 */
export async function deactivateOwnDevice(
  ctx: Context,
  keyring: Keyring,
  customerId: string,
  activationId: string,
): Promise<ActivationRecord> {
  const activation = await ctx.store.read(async (tx) => {
    const found = await tx.activations.find(activationId);
    // Whose device it is follows the entitlement (a transferred entitlement takes its devices along).
    if (!found || !(await tx.entitlements.find(found.entitlementId).then((e) => e?.customerId === customerId))) {
      throw notFound('activation', activationId);
    }
    return found;
  });
  if (activation.state !== 'active') {
    throw new DomainError('INVALID_STATE', 'This device is not active any more.', { state: activation.state });
  }
  await deactivate({ ...ctx, keyring, entitlementId: activation.entitlementId }, { fingerprint: activation.fingerprint });
  return ctx.store.read(async (tx) => (await tx.activations.find(activationId))!);
}

/** What the customer's people did in the portal, newest first: the events they are the actor of. */
export function portalHistory(ctx: Context, customerId: string, page: PageRequest): Promise<Page<EventRecord>> {
  return ctx.store.read((tx) => tx.events.list({ customerId, actorType: 'portal_user' }, page));
}
