/** How failed refreshes are retried. */
export interface BackoffPolicy {
  /** The first retry waits about this long (ms). Default 5 s. */
  initialMs: number;
  /** No retry ever waits longer than this (ms). Default 15 min. */
  ceilingMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 5_000, ceilingMs: 15 * 60_000 };

/**
 * The wait before retry number `attempt` (0 for the first retry): exponential, capped at the
 * ceiling, with "equal jitter" — half the step is fixed, half is random. The fixed half makes
 * retries spread out as failures repeat; the random half keeps a fleet of clients that lost the
 * server at the same moment from coming back in lockstep. A server's `Retry-After` is honoured, up
 * to the ceiling, as the floor of the wait with the random half on top: a herd the server shed
 * with the same few `Retry-After` values (whole seconds) must not come back in those few instants.
 * (Waiting exactly the `Retry-After` did that: a simulated herd of 600 devices came back in five
 * waves, and a third of it was shed again.)
 *
 * @example
 * import { backoffDelay, DEFAULT_BACKOFF } from '@leasehold/sdk';
 * backoffDelay(DEFAULT_BACKOFF, 0, Math.random); // between 2.5 s and 5 s
 * backoffDelay(DEFAULT_BACKOFF, 20, Math.random); // between 7.5 min and 15 min
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const step = Math.min(policy.ceilingMs, policy.initialMs * 2 ** Math.min(attempt, 52));
  const floor = retryAfterMs === undefined ? step / 2 : Math.max(step / 2, retryAfterMs);
  const wanted = floor + random() * (step / 2);
  return Math.min(policy.ceilingMs, Math.max(0, Math.round(wanted)));
}
