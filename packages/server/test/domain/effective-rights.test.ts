import { describe, expect, it } from 'vitest';
import type { Overrides } from '@leasehold/contract';
import { effectiveRights, statusAt, type EntitlementTerms } from '../../src/capabilities/entitlements/effective-rights.js';
import { applyOverrides } from '../../src/capabilities/entitlements/overrides.js';
import type { OfferingRecord } from '../../src/platform/domain/model.js';

const T = (iso: string) => Date.parse(iso);
const START = T('2026-01-01T00:00:00Z');
const END = T('2027-01-01T00:00:00Z');

// Only the fields rights are made of; the rest of the record does not matter here.
const offering = {
  licenseModel: 'subscription',
  seatModel: 'floating',
  seats: 5,
  term: 'P1Y',
  leasePeriod: 'P7D',
  rehostLimit: 3,
  features: { export: true, projects: 10 },
} as Partial<OfferingRecord> as OfferingRecord;

const terms = (overrides: Overrides = {}, extra: Partial<EntitlementTerms> = {}): EntitlementTerms => ({
  state: 'active',
  startsAt: START,
  endsAt: END,
  maintenanceUntil: null,
  overrides,
  ...extra,
});

describe('effectiveRights', () => {
  it.each<[string, Overrides, Record<string, unknown>]>([
    [
      'no overrides: the offering as it is',
      {},
      { seats: 5, leasePeriod: 'P7D', term: 'P1Y', rehostLimit: 3, features: { export: true, projects: 10 } },
    ],
    ['seats', { seats: 20 }, { seats: 20, leasePeriod: 'P7D' }],
    ['lease period', { leasePeriod: 'PT1H' }, { leasePeriod: 'PT1H', seats: 5 }],
    ['term', { term: 'P2Y' }, { term: 'P2Y' }],
    ['rehost limit, even to 0', { rehostLimit: 0 }, { rehostLimit: 0 }],
    ['one feature, the others kept', { features: { projects: 50 } }, { features: { export: true, projects: 50 } }],
    ['a feature switched off', { features: { export: false } }, { features: { export: false, projects: 10 } }],
    ['a feature the offering lacks', { features: { beta: true } }, { features: { export: true, projects: 10, beta: true } }],
  ])('overrides %s', (_what, overrides, expected) => {
    expect(effectiveRights(offering, terms(overrides), START)).toMatchObject(expected);
  });

  it('takes the model fields from the offering and the dates from the entitlement', () => {
    const r = effectiveRights(offering, terms({}, { maintenanceUntil: END }), START);
    expect(r).toMatchObject({ licenseModel: 'subscription', seatModel: 'floating', startsAt: START, endsAt: END, maintenanceUntil: END });
  });

  it('is pure: the same inputs give the same rights, and the inputs are not changed', () => {
    const t = terms({ features: { projects: 1 } });
    const copy = structuredClone({ offering, t });
    expect(effectiveRights(offering, t, START + 1)).toEqual(effectiveRights(offering, t, START + 1));
    expect({ offering, t }).toEqual(copy);
  });
});

describe('statusAt', () => {
  it.each<[string, EntitlementTerms['state'], number, number | null, string]>([
    ['before the start', 'active', START - 1, END, 'not_started'],
    ['at the start', 'active', START, END, 'active'],
    ['just before the end', 'active', END - 1, END, 'active'],
    ['at exactly the end', 'active', END, END, 'expired'],
    ['after the end', 'active', END + 1, END, 'expired'],
    ['with no end, long after', 'active', T('2100-01-01T00:00:00Z'), null, 'active'],
    ['suspended, while in term', 'suspended', START + 1, END, 'suspended'],
    ['suspended, after the end', 'suspended', END + 1, END, 'suspended'],
    ['suspended, before the start', 'suspended', START - 1, END, 'suspended'],
    ['revoked, before the start', 'revoked', START - 1, END, 'revoked'],
    ['revoked, after the end', 'revoked', END + 1, END, 'revoked'],
    ['returned', 'returned', START + 1, END, 'returned'],
  ])('%s (%s) is %s', (_when, state, now, endsAt, expected) => {
    expect(statusAt({ state, startsAt: START, endsAt }, now)).toBe(expected);
    expect(effectiveRights(offering, terms({}, { state, endsAt }), now).status).toBe(expected);
  });
});

describe('applyOverrides', () => {
  it.each<[string, Overrides, Parameters<typeof applyOverrides>[1], Overrides]>([
    ['a value sets the field', {}, { seats: 3 }, { seats: 3 }],
    ['a new value replaces the old', { seats: 3 }, { seats: 4 }, { seats: 4 }],
    ['null removes the field', { seats: 3, term: 'P1M' }, { seats: null }, { term: 'P1M' }],
    ['an absent field is left alone', { seats: 3 }, { leasePeriod: 'P1D' }, { seats: 3, leasePeriod: 'P1D' }],
    ['null for a field not set is harmless', {}, { rehostLimit: null }, {}],
    ['features merge per code', { features: { a: true } }, { features: { b: 2 } }, { features: { a: true, b: 2 } }],
    ['null removes one feature', { features: { a: true, b: 2 } }, { features: { a: null } }, { features: { b: 2 } }],
    ['removing the last feature removes the map', { seats: 1, features: { a: true } }, { features: { a: null } }, { seats: 1 }],
    ['an empty write changes nothing', { seats: 1, features: { a: true } }, {}, { seats: 1, features: { a: true } }],
  ])('%s', (_what, current, write, expected) => {
    const before = structuredClone(current);
    expect(applyOverrides(current, write)).toEqual(expected);
    expect(current).toEqual(before);
  });
});
