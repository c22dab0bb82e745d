/**
 * The range of time the API represents, and the one parser of timestamps.
 *
 * Decision: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
 * Both stores keep times as integer milliseconds and could hold far more, but the wire cannot: past
 * year 9999 `toISOString()` writes `+010000-…`, which is not an RFC 3339 date-time (the response
 * serializer refuses it, after the write has committed), and before year 1 it writes signed years
 * too. So every time read from a request, and every time computed from one (a term end, a renewal,
 * a lease expiry), must lie in this range before it is written.
 */
/** The earliest and latest representable time, as the API writes them. */
export const MIN_TIMESTAMP = '0001-01-01T00:00:00.000Z';
export const MAX_TIMESTAMP = '9999-12-31T23:59:59.999Z';
export const MIN_TIME = Date.parse(MIN_TIMESTAMP);
export const MAX_TIME = Date.parse(MAX_TIMESTAMP);

export function inTimeRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_TIME && ms <= MAX_TIME;
}

// RFC 3339 date-time as the API has always accepted it (JSON Schema's `date-time`): `T` or `t`,
// any number of fraction digits, `Z`/`z` or an offset with or without its colon.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * A timestamp in milliseconds, or null when the text is not one the API accepts: not RFC 3339, an
 * impossible date (30 February), a leap second (`23:59:60` — JavaScript time has none, and
 * `Date.parse` answers NaN for it), or outside MIN_TIME..MAX_TIME once its offset is applied.
 * Fractions beyond milliseconds are truncated.
 */
export function parseTimestamp(text: string): number | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0–99 as written.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const sign = m[9] === '-' ? -1 : 1;
  const ms = date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return inTimeRange(ms) ? ms : null;
}

/**
 * A time as the API writes it. A stored time outside the range (written before the range was
 * enforced) is shown as the nearest representable one rather than failing the whole answer: a term
 * ending past 9999 reads as ending at MAX_TIMESTAMP, which is what it means in practice.
 */
export function formatTimestamp(ms: number): string {
  if (ms > MAX_TIME) return MAX_TIMESTAMP;
  if (ms < MIN_TIME) return MIN_TIMESTAMP;
  return new Date(ms).toISOString();
}
