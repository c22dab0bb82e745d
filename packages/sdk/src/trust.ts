import type { LeaseClaims } from '@leasehold/contract';

/**
 * The SDK's trust model, in one place: what may move the trusted clock, and what may replace the
 * lease held. Everything that arrives over the network is hostile until signed: a man in the middle
 * (or a local proxy) can replay any genuine answer it has seen and forge any unsigned one.
 *
 * | input                                          | trusted time / skew                  | lease, refusal                         |
 * | ---------------------------------------------- | ------------------------------------ | -------------------------------------- |
 * | this device's clock while the SDK runs         | raises trusted time, never lowers it | —                                      |
 * | a signed lease, newer than the one held        | forward only, to its `iat` and the   | replaces the lease; clears a refusal   |
 * |                                                | answer's time (clamped to `iat` …    | only when issued after that refusal    |
 * |                                                | `iat` + tolerance)                   |                                        |
 * | a signed lease, the one held or older          | nothing                              | refused (`REPLAYED`, `OLDER_THAN_HELD`) |
 * | a signed lease issued before the refusal held  | nothing                              | refused (`ISSUED_BEFORE_REFUSAL`)       |
 * | an unsigned refusal (403 SUSPENDED, …)         | nothing                              | sets a refusal: stops granting, never  |
 * |                                                |                                      | grants more                            |
 * | any other answer: 2xx without a lease, 4xx,    | nothing (its `serverTime` and `Date` | nothing                                |
 * | 5xx, a timeout                                 | are not signed)                      |                                        |
 *
 * The lease's verification itself (signature, product, device, activation, account, issued in the
 * future) is `verifyLease`'s; this module decides what a lease that verifies may change.
 */

/** The two numbers the clock check rests on: the latest time known to be real, and server minus device time. */
export interface TrustedClock {
  /** In server time (ms). */
  trustedTime: number;
  /** Server time minus this device's time (ms). */
  skewMs: number;
}

/** Why a lease that verifies is still not installed. */
export type StaleLease = 'REPLAYED' | 'OLDER_THAN_HELD' | 'ISSUED_BEFORE_REFUSAL';

// `iat` counts whole seconds: a lease signed in the same second as an event can show an iat up to 1 s before it.
const IAT_ROUNDING_MS = 1000;

/**
 * Whether `incoming` may replace `held`. The server signs a new lease (a new `jti`) for every
 * answer, so the lease held coming back is a replay, and one issued before it is a replay of an
 * older answer (rights since removed, a suspension since imposed). A refusal is unsigned, so a
 * lease may lift it only when it was issued after the refusal arrived (`refusalAt`, server time):
 * a lease captured before the suspension must not clear it.
 */
export function staleLease(held: LeaseClaims | null, incoming: LeaseClaims, refusalAt: number | null): StaleLease | null {
  if (held) {
    if (incoming.jti === held.jti) return 'REPLAYED';
    if (incoming.iat < held.iat) return 'OLDER_THAN_HELD';
  }
  if (refusalAt !== null && incoming.iat * 1000 <= refusalAt - IAT_ROUNDING_MS) return 'ISSUED_BEFORE_REFUSAL';
  return null;
}

/**
 * The trusted clock after a lease is installed. The lease's `iat` is signed; the answer's time
 * (`answeredAt`, unsigned) refines it to milliseconds but is held to [iat, iat + tolerance], so a
 * forged time can neither pull the clock back nor push it further than a genuine answer could. The
 * estimate of the server's clock never moves back: a replayed lease cannot rewind time, and a
 * device clock corrected backwards costs at most the time it ran ahead. `localNow` is null for an
 * offline response, which says nothing about this device's clock: the skew stays.
 */
export function clockAfterLease(
  held: TrustedClock,
  lease: LeaseClaims,
  answeredAt: number | null,
  localNow: number | null,
  toleranceMs: number,
): TrustedClock {
  const issued = lease.iat * 1000;
  const at = Math.min(Math.max(answeredAt ?? issued, issued), issued + toleranceMs);
  if (localNow === null) return { trustedTime: Math.max(held.trustedTime, at), skewMs: held.skewMs };
  const serverNow = Math.max(at, held.trustedTime);
  return { trustedTime: serverNow, skewMs: serverNow - localNow };
}

/** The trusted clock after this device's own clock was read: time seen passing is real, a clock behind it is not. */
export function clockAfterObservation(held: TrustedClock, localNow: number): TrustedClock {
  return { trustedTime: Math.max(held.trustedTime, localNow + held.skewMs), skewMs: held.skewMs };
}

/**
 * When a lease grants, in this device's clock: from the latest trusted time (less the tolerance
 * for a clock set slightly back) until the lease's end. `status()` and `hasFeature()` both read
 * this one window, so they cannot disagree.
 */
export function grantWindow(clock: TrustedClock, lease: LeaseClaims, toleranceMs: number): { from: number; until: number } {
  return { from: clock.trustedTime - toleranceMs - clock.skewMs, until: lease.exp * 1000 - clock.skewMs };
}

/** The clock's verdict on a lease at `localNow`: in force, expired, or a clock wound back behind the trusted time. */
export function clockVerdict(
  clock: TrustedClock,
  lease: LeaseClaims,
  localNow: number,
  toleranceMs: number,
): 'VALID' | 'CLOCK_TAMPERED' | 'LEASE_EXPIRED' {
  const window = grantWindow(clock, lease, toleranceMs);
  if (localNow < window.from) return 'CLOCK_TAMPERED';
  if (localNow >= window.until) return 'LEASE_EXPIRED';
  return 'VALID';
}

/**
 * The time to file an unsigned answer's facts under (quotas, pools): its own `serverTime`, but
 * never later than the SDK's estimate of the server's clock plus the tolerance, so a forged
 * far-future time cannot make a forged quota outrank every genuine answer to come.
 */
export function unsignedAnswerTime(claimed: number | null, serverNow: number, toleranceMs: number): number {
  return claimed === null ? serverNow : Math.min(claimed, serverNow + toleranceMs);
}
