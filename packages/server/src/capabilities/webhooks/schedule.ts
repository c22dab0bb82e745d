/**
 * When to try a delivery again, and what an attempt's answer means for the delivery and its
 * endpoint: pure rules, handed the time and the randomness.
 */
import type { AttemptOutcome, AttemptResult, WebhookEndpointRecord } from './ports.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/**
 * Standard Webhooks' schedule: attempt 1 immediately, then each delay after the previous failure
 * (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h): 10 attempts over about 3 days 4 hours.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;
/** ±10 %: receivers that failed together are not all tried again at the same instant. */
export const JITTER = 0.1;
/** A delivery still pending this long after it was queued is failed (its endpoint stayed parked). */
export const MAX_AGE_MS = Math.ceil(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) * (1 + JITTER)) + H;
/** Consecutive failed attempts (across its deliveries) that open an endpoint's circuit breaker. */
export const BREAKER_AFTER = 5;
/** The longest Retry-After honoured; a longer one is read as this. */
export const MAX_RETRY_AFTER_MS = 24 * H;

/** The delay before attempt `attempt + 1`, after `attempt` failed ones, with jitter; null when none is left. */
export function retryDelay(attempt: number, random: () => number): number | null {
  if (attempt >= MAX_ATTEMPTS) return null;
  const base = RETRY_SCHEDULE_MS[attempt]!;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now` (null: absent or unreadable). */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * S : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export const isSuccess = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

/**
 * What one attempt's result makes of its delivery (`attempts` made so far, this one included) and
 * its endpoint, in the order the rules apply:
 * 1. a 2xx delivers it and closes the breaker;
 * 2. 410 Gone disables the endpoint (the delivery waits, in order, should someone enable it again);
 * 3. anything else fails the attempt: the next one follows the schedule, never sooner than a
 *    429/503's Retry-After, and after the last the delivery is failed and the endpoint flagged;
 *    BREAKER_AFTER failures in a row park the endpoint until the next attempt is due, and while
 *    parked it gets one probe at a time, so a dead receiver sees one delivery's schedule, not all.
 */
export function decideAttempt(
  endpoint: WebhookEndpointRecord,
  attempts: number,
  result: AttemptResult,
  now: number,
  random: () => number,
): AttemptOutcome {
  if (isSuccess(result.status)) {
    return {
      delivery: { status: 'delivered', nextAt: null, deliveredAt: now },
      endpoint: { consecutiveFailures: 0, parkedUntil: null, failingSince: null, disable: false },
      notices: [],
    };
  }
  if (result.status === 410) {
    return {
      delivery: { status: 'pending', nextAt: now, deliveredAt: null },
      endpoint: { consecutiveFailures: 0, parkedUntil: null, failingSince: endpoint.failingSince, disable: true },
      // Another attempt in flight may have disabled it already: one notice.
      notices: endpoint.enabled ? ['disabled'] : [],
    };
  }
  const failures = endpoint.consecutiveFailures + 1;
  const delay = retryDelay(attempts, random);
  const asked = result.status === 429 || result.status === 503 ? result.retryAfterMs : null;
  const nextAt = delay === null ? null : now + Math.max(delay, asked ?? 0);
  let parkedUntil = asked === null ? null : now + asked;
  if (failures >= BREAKER_AFTER) parkedUntil = Math.max(parkedUntil ?? 0, nextAt ?? now + RETRY_SCHEDULE_MS[MAX_ATTEMPTS - 1]!);
  const lastAttempt = delay === null;
  return {
    delivery: lastAttempt ? { status: 'failed', nextAt: null, deliveredAt: null } : { status: 'pending', nextAt, deliveredAt: null },
    endpoint: {
      consecutiveFailures: failures,
      parkedUntil,
      failingSince: lastAttempt ? (endpoint.failingSince ?? now) : endpoint.failingSince,
      disable: false,
    },
    notices: lastAttempt ? ['failing'] : [],
  };
}

/** An endpoint's state as the API shows it. */
export function endpointState(e: WebhookEndpointRecord, now: number): 'active' | 'parked' | 'disabled' {
  if (!e.enabled) return 'disabled';
  return (e.parkedUntil !== null && e.parkedUntil > now) || e.consecutiveFailures >= BREAKER_AFTER ? 'parked' : 'active';
}

/** Does this endpoint want this event? (Its own notices and test events are never fanned out.) */
export function wants(
  endpoint: Pick<WebhookEndpointRecord, 'id' | 'enabled' | 'events' | 'productId'>,
  event: { type: string; subjectId: string; productId: string | null },
): boolean {
  if (!endpoint.enabled || event.type === 'webhook.test' || event.subjectId === endpoint.id) return false;
  if (endpoint.productId !== null && event.productId !== endpoint.productId) return false;
  return endpoint.events.includes('*') || endpoint.events.includes(event.type);
}
