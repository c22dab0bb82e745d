import { describe, expect, it } from 'vitest';
import { MAX_TIME, MAX_TIMESTAMP, MIN_TIME, MIN_TIMESTAMP, formatTimestamp, parseTimestamp } from '@leasehold/contract';

describe('the representable time range and the one timestamp parser', () => {
  it('the range is 0001-01-01 .. 9999-12-31T23:59:59.999Z, and both ends print as four-digit years', () => {
    expect(new Date(MIN_TIME).toISOString()).toBe(MIN_TIMESTAMP);
    expect(new Date(MAX_TIME).toISOString()).toBe(MAX_TIMESTAMP);
    expect(new Date(MAX_TIME + 1).toISOString()).toBe('+010000-01-01T00:00:00.000Z'); // why the range stops there
  });

  it.each([
    ['2026-03-01T00:00:00Z', Date.parse('2026-03-01T00:00:00Z')],
    ['2026-03-01t00:00:00z', Date.parse('2026-03-01T00:00:00Z')],
    ['2026-03-01T02:00:00+02:00', Date.parse('2026-03-01T00:00:00Z')],
    ['2026-03-01T02:00:00+0200', Date.parse('2026-03-01T00:00:00Z')],
    ['2026-03-01T00:00:00.1234567Z', Date.parse('2026-03-01T00:00:00.123Z')],
    ['2024-02-29T12:00:00Z', Date.parse('2024-02-29T12:00:00Z')],
    ['0001-01-01T00:00:00Z', MIN_TIME],
    ['0050-06-15T00:00:00Z', Date.parse('0050-06-15T00:00:00Z')],
    ['9999-12-31T23:59:59.999Z', MAX_TIME],
    ['9999-12-31T23:59:59.9999Z', MAX_TIME],
    ['0001-01-01T00:00:00-00:01', MIN_TIME + 60_000],
  ])('accepts %s', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    '2016-12-31T23:59:60Z', // leap second: JavaScript time has none (Date.parse answers NaN)
    '2026-06-30T23:59:60.5+00:00',
    '9999-12-31T23:00:00-05:00', // year 10000 in UTC
    '0001-01-01T00:00:00+00:01', // year 0 in UTC
    '0000-06-01T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T00:60:00Z',
    '2026-03-01T00:00:00', // no offset
    '2026-03-01T00:00:00+24:00',
    '2026-03-01 00:00:00Z',
    '2026-03-01',
    '',
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it('formats stored times outside the range as the nearest end rather than failing', () => {
    expect(formatTimestamp(Date.parse('2026-03-01T00:00:00Z'))).toBe('2026-03-01T00:00:00.000Z');
    expect(formatTimestamp(MAX_TIME + 1)).toBe(MAX_TIMESTAMP);
    expect(formatTimestamp(9e15)).toBe(MAX_TIMESTAMP); // beyond what a JavaScript Date can hold at all
    expect(formatTimestamp(MIN_TIME - 1)).toBe(MIN_TIMESTAMP);
  });
});
