import { formatTimestamp } from '@leasehold/contract';
import type { BorrowRequest } from '@leasehold/contract';
import { DomainError, invalid } from '../../../platform/domain/errors.js';
import type { ActivationRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import type { IssuedLease } from '../leases/issue.js';
import { validateLicense, type Verdict, type Warning } from '../validation/validate.js';
import { isHeartbeatHeld } from './seats.js';
import { durationMillis, isPositiveDuration } from '../../../foundation/durations.js';
import { later } from '../../../platform/domain/dates.js';
import { about, onActivatedDevice, type ClientContext } from './license.js';
import { lease } from './grant-lease.js';

/**
 * A new lease for an activated device, with the rights as they are now. For seats held by
 * heartbeat, a refresh is also a heartbeat.
 */
export function refresh(
  ctx: ClientContext,
  request: { fingerprint: string; product?: string | undefined },
  opts: { heartbeat?: boolean } = {},
): Promise<{ lease: IssuedLease; activation: ActivationRecord; warnings: Warning[] }> {
  const device = { fingerprint: request.fingerprint, product: request.product, lock: false };
  return onActivatedDevice(ctx, device, async ({ tx, license, activation, now }) => {
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
  return onActivatedDevice(ctx, { fingerprint: request.fingerprint, lock: true }, async ({ tx, license, activation, now }) => {
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
