import { DateTime, Duration } from 'luxon';

// Longer than this is a typo, not a term, and would run past the dates JavaScript can represent.
const LONGEST_MS = 1000 * 366 * 24 * 60 * 60 * 1000;

/**
 * ISO 8601 durations, calendar-aware: `P1M` from 31 January ends on the last day of February.
 * Returns null for text that is not a positive duration of at most a thousand years.
 */
export function parseDuration(iso: string): Duration | null {
  const d = Duration.fromISO(iso);
  if (!d.isValid) return null;
  if (d.toMillis() <= 0 || d.toMillis() > LONGEST_MS) return null;
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
