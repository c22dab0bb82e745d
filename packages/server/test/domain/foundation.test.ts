import { describe, expect, it } from 'vitest';
import { addDuration, isPositiveDuration, parseDuration } from '../../src/foundation/durations.js';
import { ManualClock } from '../../src/foundation/clock.js';
import { UlidGenerator } from '../../src/foundation/ids.js';

const T = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('durations', () => {
  it.each([
    ['2026-01-31T00:00:00.000Z', 'P1M', '2026-02-28T00:00:00.000Z'],
    ['2028-01-31T00:00:00.000Z', 'P1M', '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T10:00:00.000Z', 'P1M', '2026-04-30T10:00:00.000Z'],
    ['2028-02-29T00:00:00.000Z', 'P1Y', '2029-02-28T00:00:00.000Z'],
    ['2026-03-01T00:00:00.000Z', 'P1Y', '2027-03-01T00:00:00.000Z'],
    ['2026-03-01T00:00:00.000Z', 'P2W', '2026-03-15T00:00:00.000Z'],
    ['2026-03-01T00:00:00.000Z', 'P1DT12H', '2026-03-02T12:00:00.000Z'],
    ['2026-03-01T00:00:00.000Z', 'PT30S', '2026-03-01T00:00:30.000Z'],
    ['2026-12-31T23:00:00.000Z', 'PT2H', '2027-01-01T01:00:00.000Z'],
  ])('%s + %s is %s (calendar-aware, in UTC)', (from, duration, to) => {
    expect(iso(addDuration(T(from), duration))).toBe(to);
  });

  it.each(['P1Y', 'P1M', 'P7D', 'PT1H', 'PT0.5S', 'P1000Y'])('%s is a positive duration', (d) => {
    expect(isPositiveDuration(d)).toBe(true);
  });

  it.each(['P0D', 'PT0S', 'P0Y0M', '', 'P', 'PT', '1 year', 'P1', 'P-1D', 'P2000Y', 'P999999999Y'])('%j is refused', (d) => {
    expect(parseDuration(d)).toBeNull();
    expect(() => addDuration(0, d)).toThrow();
  });
});

describe('UlidGenerator', () => {
  it('gives strictly increasing ids within one millisecond', () => {
    const ids = new UlidGenerator(new ManualClock(T('2026-03-01T00:00:00Z')));
    const made = Array.from({ length: 2000 }, () => ids.next('entitlement'));
    for (let i = 1; i < made.length; i++) expect(made[i]! > made[i - 1]!, `${made[i - 1]} < ${made[i]}`).toBe(true);
  });

  it('keeps increasing when the clock moves on, and when it steps back', () => {
    const clock = new ManualClock(T('2026-03-01T00:00:00Z'));
    const ids = new UlidGenerator(clock);
    const a = ids.next('event');
    clock.advance(1);
    const b = ids.next('event');
    clock.advance(-5000);
    const c = ids.next('event');
    expect(a < b && b < c).toBe(true);
  });

  it('writes the type prefix and 26 lower-case Crockford symbols, time first', () => {
    const clock = new ManualClock(0);
    const ids = new UlidGenerator(clock);
    expect(ids.next('product')).toMatch(/^prod_0000000000[0-9a-hjkmnp-tv-z]{16}$/);
    clock.set(T('2026-03-01T00:00:00Z'));
    const later = ids.next('customer');
    expect(later).toMatch(/^cus_[0-9a-hjkmnp-tv-z]{26}$/);
    clock.advance(1);
    expect(ids.next('customer').slice(0, 14) > later.slice(0, 14)).toBe(true);
  });
});
