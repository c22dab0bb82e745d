import { formatTimestamp } from '@leasehold/contract';
import { DomainError } from '../../../platform/domain/errors.js';
import type { ActivationRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import { addDuration, durationMillis } from '../../../foundation/durations.js';
import type { Tx } from '../../../platform/domain/ports.js';
import { about, loadLicense, type ClientContext, type License } from './license.js';

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
    if (isRehost) await checkRehostLimit(tx, license, now);
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

/** Refuses a rehost beyond the offering's rehost limit in its period (batch rehosts check it too). */
export async function checkRehostLimit(tx: Tx, license: License, now: number): Promise<void> {
  const limit = license.rights.rehostLimit;
  if (limit === null) return;
  const since = now - durationMillis(license.offering.rehostPeriod);
  const used = await tx.activations.countRehostsSince(license.entitlement.id, since);
  if (used.count < limit) return;
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
