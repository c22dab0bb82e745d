import type { ActivationPatch } from '@leasehold/contract';
import type { Context } from '../../../platform/domain/context.js';
import { notFound } from '../../../platform/domain/errors.js';
import type { ActivationRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';

/** Pins a device (it never loses its seat when seats are cut) or renames it. */
export function updateActivation(ctx: Context, id: string, patch: ActivationPatch): Promise<ActivationRecord> {
  return ctx.store.write(async (tx) => {
    const before = await tx.activations.find(id);
    if (!before) throw notFound('activation', id);
    const after: ActivationRecord = {
      ...before,
      pinned: patch.pinned ?? before.pinned,
      name: patch.name !== undefined ? patch.name : before.name,
    };
    await tx.activations.update(after);
    await recordEvent(tx, ctx, {
      type: 'activation.updated',
      subjectType: 'activation',
      subjectId: id,
      entitlementId: before.entitlementId,
      customerId: before.customerId,
      productId: before.productId,
      before: { pinned: before.pinned, name: before.name },
      after: { pinned: after.pinned, name: after.name },
    });
    return after;
  });
}
