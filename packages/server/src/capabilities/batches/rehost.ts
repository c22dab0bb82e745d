import type { ActivateRequest } from '@leasehold/contract';
import { DomainError } from '../../platform/domain/errors.js';
import type { ActivationRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { activateIn, type ActivationOutcome } from '../licensing/activations/activate.js';
import { checkRehostLimit } from '../licensing/activations/deactivate.js';
import { about, loadLicense, requireUsable, type ClientContext } from '../licensing/activations/license.js';

/**
 * One device replaced by another on the same license, as a customer's own move would be: the old
 * device's seat ends as a rehost (counted against the offering's rehost limit in its period) and
 * the new device is activated in it (seat limit and activation rules apply). Both or neither: the
 * checks that can refuse run before anything is written, and if the new activation is refused the
 * old device is put back as it was (its deactivation is recorded only once the new one stands).
 */
export async function rehostIn(tx: Tx, ctx: ClientContext, replaces: string, device: ActivateRequest): Promise<ActivationOutcome> {
  const now = ctx.clock.now();
  const license = await loadLicense(tx, ctx, true);
  requireUsable(license, device.product, now);
  const old = await tx.activations.findLive(license.entitlement.id, replaces);
  if (!old) throw new DomainError('NOT_ACTIVATED', `The device ${JSON.stringify(replaces)} it replaces is not activated for the license.`);
  if (replaces === device.fingerprint || (await tx.activations.findLive(license.entitlement.id, device.fingerprint))) {
    throw new DomainError('INVALID_STATE', 'The new device is active on the license already: nothing to replace it with.', {
      field: 'fingerprint',
    });
  }
  await checkRehostLimit(tx, license, now);
  const ended: ActivationRecord = { ...old, state: 'deactivated', endedAt: now, endReason: 'rehost', borrowedUntil: null };
  await tx.activations.update(ended);
  let out: ActivationOutcome;
  try {
    out = await activateIn(tx, ctx, device, { offline: true });
  } catch (error) {
    await tx.activations.update(old);
    throw error;
  }
  await recordEvent(tx, ctx, {
    ...about(license, ended),
    type: 'activation.deactivated',
    before: { state: 'active' },
    after: { state: 'deactivated', reason: 'rehost', replacedBy: out.activation.id },
  });
  return out;
}
