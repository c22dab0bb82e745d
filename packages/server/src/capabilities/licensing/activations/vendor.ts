import type { ActivationState } from '@leasehold/contract';
import type { Context } from '../../../platform/domain/context.js';
import { notFound } from '../../../platform/domain/errors.js';
import type { ActivationRecord, LeaseRecord, Page, PageRequest } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import { requireEntitlement } from '../../entitlements/entitlements.js';
import type { Tx } from '../../../platform/domain/ports.js';

/** Staff's view of devices: list, read, and deactivate without counting a rehost against the customer. */
export function listActivations(
  ctx: Context,
  entitlementRef: string,
  filter: { state?: ActivationState | undefined },
  page: PageRequest,
): Promise<Page<ActivationRecord>> {
  return ctx.store.read(async (tx) => tx.activations.list((await requireEntitlement(tx, entitlementRef)).id, filter, page));
}

/** A device found by the fingerprint a customer reads out, on whichever entitlements it activated. */
export function findDevice(
  ctx: Context,
  fingerprint: string,
  filter: { state?: ActivationState | undefined },
  page: PageRequest,
): Promise<Page<ActivationRecord>> {
  return ctx.store.read((tx) => tx.activations.withFingerprint(fingerprint, filter, page));
}

export function getActivation(ctx: Context, id: string): Promise<ActivationRecord> {
  return ctx.store.read(async (tx) => {
    const activation = await tx.activations.find(id);
    if (!activation) throw notFound('activation', id);
    return activation;
  });
}

/** Frees the seat at once; the device's next refresh fails with NOT_ACTIVATED. */
export function deactivateActivation(ctx: Context, id: string): Promise<ActivationRecord> {
  return ctx.store.write(async (tx) => {
    const activation = await tx.activations.find(id);
    if (!activation) throw notFound('activation', id);
    if (activation.state !== 'active') return activation;
    return endByVendor(tx, ctx, activation);
  });
}

/** Ends a live activation for the vendor, inside the caller's transaction (batch deactivations reuse it). */
export async function endByVendor(tx: Tx, ctx: Context, activation: ActivationRecord): Promise<ActivationRecord> {
  const ended: ActivationRecord = { ...activation, state: 'deactivated', endedAt: ctx.clock.now(), endReason: 'vendor' };
  await tx.activations.update(ended);
  await recordEvent(tx, ctx, {
    type: 'activation.deactivated',
    subjectType: 'activation',
    subjectId: activation.id,
    entitlementId: activation.entitlementId,
    customerId: activation.customerId,
    productId: activation.productId,
    before: { state: 'active' },
    after: { state: 'deactivated', reason: 'vendor' },
  });
  return ended;
}

export function listLeases(ctx: Context, entitlementRef: string, page: PageRequest): Promise<Page<LeaseRecord>> {
  return ctx.store.read(async (tx) => tx.leases.listForEntitlement((await requireEntitlement(tx, entitlementRef)).id, page));
}
