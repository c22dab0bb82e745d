import { formatTimestamp } from '@leasehold/contract';
import type { EnforcementMode, SeatKind } from '@leasehold/contract';
import type { ActivationRecord, OfferingRecord } from '../../../platform/domain/model.js';
import type { EffectiveRightsRecord } from '../../entitlements/effective-rights.js';

/**
 * Seats: who holds them and whether one more device may take one. Pure functions over the live
 * activations of an entitlement, so the same decision is made in the activation transaction, in
 * previews and in tests.
 */

/** Held by heartbeat: floating seats and ephemeral instances. */
export function isHeartbeatHeld(a: Pick<ActivationRecord, 'heartbeatDeadline'>): boolean {
  return a.heartbeatDeadline !== null;
}

/** A live activation holds its seat: active, and if held by heartbeat, heard from in time or borrowed. */
export function holdsSeat(a: ActivationRecord, now: number): boolean {
  if (a.state !== 'active') return false;
  if (a.heartbeatDeadline === null) return true;
  return a.heartbeatDeadline >= now || (a.borrowedUntil !== null && a.borrowedUntil >= now);
}

export function seatKindFor(offering: OfferingRecord, ephemeral: boolean): SeatKind {
  if (offering.seatModel === 'floating') return 'floating';
  if (ephemeral) return 'ephemeral';
  return offering.seatModel === 'named_user' ? 'named_user' : 'device';
}

/** How many seats the live activations take, by the offering's seat model and ephemeral counting. */
export function seatsInUse(live: ActivationRecord[], offering: OfferingRecord, now: number): number {
  const holding = live.filter((a) => holdsSeat(a, now));
  if (offering.seatModel === 'named_user') return new Set(holding.map((a) => a.user ?? a.fingerprint)).size;
  if (offering.seatModel === 'floating') return holding.length;
  const devices = holding.filter((a) => a.seatKind !== 'ephemeral').length;
  const ephemeral = holding.filter((a) => a.seatKind === 'ephemeral');
  const ephemeralSeats =
    offering.ephemeralCounting === 'host' ? new Set(ephemeral.map((a) => a.host ?? a.fingerprint)).size : ephemeral.length;
  return devices + ephemeralSeats;
}

/** Named-user seats taken: the people with a device holding a seat, and the people a seat is assigned to (lower-cased). */
export function namedSeatsTaken(live: ActivationRecord[], reserved: readonly string[], now: number): number {
  const active = live.filter((a) => holdsSeat(a, now)).map((a) => (a.user ?? a.fingerprint).toLowerCase());
  return new Set([...active, ...reserved]).size;
}

export interface SeatHolder {
  activationId: string;
  fingerprint: string;
  name: string | null;
  user: string | null;
  seatKind: SeatKind;
  lastSeenAt: string;
}

export function holders(live: ActivationRecord[], now: number): SeatHolder[] {
  return live
    .filter((a) => holdsSeat(a, now))
    .map((a) => ({
      activationId: a.id,
      fingerprint: a.fingerprint,
      name: a.name,
      user: a.user,
      seatKind: a.seatKind,
      lastSeenAt: formatTimestamp(a.lastSeenAt),
    }));
}

export type SeatDecision =
  | { ok: true; warnings: Array<{ code: string; message: string; details: Record<string, unknown> }> }
  | { ok: false; code: 'SEAT_LIMIT_REACHED'; message: string; details: Record<string, unknown> };

/**
 * May a new activation (`candidate`) take a seat? Named users reuse their own seat for up to
 * `maxDevicesPerUser` devices; ephemeral instances counted per host share their host's seat. In
 * `warn` and `log` mode an activation over the limit is let through with a warning. `reserved`:
 * named users a seat is assigned to (lower-cased): theirs is kept for them, and counts as taken
 * for everyone else whether or not they use it yet.
 */
export function decideSeat(
  live: ActivationRecord[],
  candidate: Pick<ActivationRecord, 'seatKind' | 'user' | 'host' | 'fingerprint'>,
  offering: OfferingRecord,
  rights: EffectiveRightsRecord,
  mode: EnforcementMode,
  now: number,
  reserved: readonly string[] = [],
): SeatDecision {
  const holding = live.filter((a) => holdsSeat(a, now));
  const used = seatsInUse(holding, offering, now);
  let refusal: { message: string; details: Record<string, unknown> } | null = null;

  if (offering.seatModel === 'named_user') {
    const user = candidate.user ?? candidate.fingerprint;
    const devicesOfUser = holding.filter((a) => (a.user ?? a.fingerprint) === user);
    // Without assignments this is `used`; with them, an assigned person is one seat, active or not.
    const taken = reserved.length === 0 ? used : namedSeatsTaken(holding, reserved, now);
    if (devicesOfUser.length > 0) {
      if (devicesOfUser.length >= offering.maxDevicesPerUser) {
        refusal = {
          message: `${user} already uses ${devicesOfUser.length} of ${offering.maxDevicesPerUser} devices allowed per user.`,
          details: {
            rule: 'max_devices_per_user',
            limit: offering.maxDevicesPerUser,
            user,
            holders: holders(devicesOfUser, now),
            resolve: 'Deactivate one of this user’s devices, or raise maxDevicesPerUser on the offering.',
          },
        };
      }
    } else if (!reserved.includes(user.toLowerCase()) && taken >= rights.seats) {
      refusal = seatRefusal(rights.seats, taken, holding, now, reserved.length > 0 ? 'named users, assigned or active' : 'named users');
    }
  } else if (candidate.seatKind === 'ephemeral' && offering.ephemeralCounting === 'host') {
    const host = candidate.host ?? candidate.fingerprint;
    const hostHasSeat = holding.some((a) => a.seatKind === 'ephemeral' && (a.host ?? a.fingerprint) === host);
    if (!hostHasSeat && used >= rights.seats) refusal = seatRefusal(rights.seats, used, holding, now, 'hosts');
  } else if (used >= rights.seats) {
    refusal = seatRefusal(rights.seats, used, holding, now, offering.seatModel === 'floating' ? 'concurrent seats' : 'devices');
  }

  if (!refusal) return { ok: true, warnings: [] };
  if (mode === 'enforce') return { ok: false, code: 'SEAT_LIMIT_REACHED', ...refusal };
  return {
    ok: true,
    warnings: [
      {
        code: 'SEAT_LIMIT_EXCEEDED',
        message: `${refusal.message} The device is let in all the same.`,
        details: { ...refusal.details, enforcement: mode },
      },
    ],
  };
}

function seatRefusal(limit: number, used: number, holding: ActivationRecord[], now: number, what: string) {
  return {
    message: `All ${limit} seats are in use (${used} ${what}).`,
    details: {
      rule: 'seats',
      limit,
      used,
      holders: holders(holding, now),
      resolve: 'Deactivate a device that no longer needs the license, or raise the seat count.',
    },
  };
}
