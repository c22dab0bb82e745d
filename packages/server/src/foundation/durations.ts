import { DateTime, Duration } from 'luxon';

/**
 * ISO 8601 durations, calendar-aware: `P1M` from 31 January ends on the last day of February.
 * Returns null for text that is not a positive duration.
 */
export function parseDuration(iso: string): Duration | null {
  const d = Duration.fromISO(iso);
  if (!d.isValid) return null;
  if (d.toMillis() <= 0) return null;
  return d;
}

export function isPositiveDuration(iso: string): boolean {
  return parseDuration(iso) !== null;
}

/** `at` plus the duration, in UTC milliseconds. Throws on an invalid duration (validate first). */
export function addDuration(at: number, iso: string): number {
  const d = parseDuration(iso);
  if (!d) throw new Error(`invalid duration ${iso}`);
  return DateTime.fromMillis(at, { zone: 'utc' }).plus(d).toMillis();
}

/** Approximate length in milliseconds (months of 30 days); for comparisons and lease lifetimes. */
export function durationMillis(iso: string): number {
  const d = parseDuration(iso);
  if (!d) throw new Error(`invalid duration ${iso}`);
  return d.toMillis();
}
