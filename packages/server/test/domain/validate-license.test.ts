import { describe, expect, it } from 'vitest';
import type { FeatureValue, ServerValidationCode } from '@leasehold/contract';
import { ENDING_SOON_MS, grants, validateLicense, type ValidationFacts } from '../../src/capabilities/licensing/validation/validate.js';
import type { ActivationRecord, EntitlementRecord, OfferingRecord } from '../../src/platform/domain/model.js';
import { DAY, NOW, activation, activations, entitlement, offering, product, rightsOf } from '../support/records.js';

interface Setup {
  offering?: Partial<OfferingRecord>;
  entitlement?: Partial<EntitlementRecord>;
  /** No license has the key. */
  unknownKey?: boolean;
  product?: string;
  fingerprint?: string;
  live?: ActivationRecord[];
  features?: string[];
  quotas?: ValidationFacts['quotas'];
  pools?: ValidationFacts['pools'];
}

/** The facts the validate service loads, with rights computed from the records as it does. */
function facts(s: Setup = {}): ValidationFacts {
  const off = offering(s.offering);
  const ent = entitlement(s.entitlement);
  return {
    now: NOW,
    license: s.unknownKey ? null : { offering: off, entitlement: ent, product: product(), rights: rightsOf(off, ent) },
    product: s.product,
    fingerprint: s.fingerprint,
    live: s.live ?? [],
    features: s.features,
    quotas: s.quotas,
    pools: s.pools,
  };
}

const mine = 'my-device';
const floating = { seatModel: 'floating', seats: 2 } as const;
/** My floating seat, its heartbeat deadline `offset` ms from now. */
const heartbeat = (offset: number, borrowedUntil: number | null = null) => [
  activation({ fingerprint: mine, seatKind: 'floating', heartbeatDeadline: NOW + offset, borrowedUntil }),
];
const quota = (used: number, ceiling: number) => ({ used, limit: ceiling, ceiling });

type Row = [behaviour: string, setup: Setup, code: ServerValidationCode];
/** Rows as [behaviour, setup, code], named "behaviour: CODE". */
const named = (rows: Row[]) => rows.map(([behaviour, setup, code]) => [behaviour, code, setup] as const);

describe('validateLicense: each rule on its own', () => {
  it.each(
    named([
      ['a license in term, asked nothing in particular, is valid', {}, 'VALID'],
      ['no license has the key', { unknownKey: true }, 'NOT_FOUND'],
      ['the application names another product', { product: 'other-app' }, 'PRODUCT_MISMATCH'],
      ['the application names the product by code', { product: 'app' }, 'VALID'],
      ['the application names the product by id', { product: 'prod_1' }, 'VALID'],
      ['a suspended entitlement', { entitlement: { state: 'suspended' } }, 'SUSPENDED'],
      ['a revoked entitlement', { entitlement: { state: 'revoked' } }, 'REVOKED'],
      ['a returned entitlement', { entitlement: { state: 'returned' } }, 'RETURNED'],
      ['an entitlement starting a millisecond from now', { entitlement: { startsAt: NOW + 1 } }, 'NOT_STARTED'],
      ['an entitlement starting exactly now', { entitlement: { startsAt: NOW } }, 'VALID'],
      ['an entitlement that ended exactly now', { entitlement: { endsAt: NOW } }, 'EXPIRED'],
      ['an entitlement ending a millisecond from now', { entitlement: { endsAt: NOW + 1 } }, 'VALID'],
      [
        'a perpetual entitlement long after its maintenance ended',
        { entitlement: { endsAt: null, maintenanceUntil: NOW - 400 * DAY } },
        'VALID',
      ],
      [
        'my floating seat whose heartbeat deadline passed',
        { offering: floating, fingerprint: mine, live: heartbeat(-1) },
        'HEARTBEAT_DEAD',
      ],
      ['my floating seat at exactly its heartbeat deadline', { offering: floating, fingerprint: mine, live: heartbeat(0) }, 'VALID'],
      [
        'my floating seat past its deadline but still borrowed',
        { offering: floating, fingerprint: mine, live: heartbeat(-DAY, NOW + DAY) },
        'VALID',
      ],
      [
        'my floating seat past its deadline and a borrow that ended',
        { offering: floating, fingerprint: mine, live: heartbeat(-DAY, NOW - 1) },
        'HEARTBEAT_DEAD',
      ],
      ['my device seat, which no heartbeat holds', { fingerprint: mine, live: [activation({ fingerprint: mine })] }, 'VALID'],
      ['a device that never activated, seats free', { fingerprint: mine, live: activations(1) }, 'NOT_ACTIVATED'],
      ['a device that never activated, node-locked seats all taken', { fingerprint: mine, live: activations(2) }, 'FINGERPRINT_MISMATCH'],
      [
        'a device that never activated, node-locked seats taken only by dead heartbeats',
        { fingerprint: mine, live: activations(2, { seatKind: 'ephemeral', heartbeatDeadline: NOW - 1 }) },
        'NOT_ACTIVATED',
      ],
      [
        'a device that never activated, floating seats all taken',
        { offering: floating, fingerprint: mine, live: activations(2) },
        'NOT_ACTIVATED',
      ],
      ['no fingerprint sent: the device is not checked', { live: activations(2) }, 'VALID'],
      ['a quota used up to exactly its ceiling', { features: ['api'], quotas: { api: quota(100, 100) } }, 'QUOTA_EXHAUSTED'],
      [
        'a quota one under its ceiling',
        { offering: { features: { api: 1 } }, features: ['api'], quotas: { api: quota(99, 100) } },
        'VALID',
      ],
      ['a quota not asked about, used up', { quotas: { api: quota(100, 100) } }, 'VALID'],
      ['a feature switched off', { offering: { features: { export: false } }, features: ['export'] }, 'FEATURE_MISSING'],
      ['a feature the offering does not have', { features: ['sso'] }, 'FEATURE_MISSING'],
      ['a limit of 0', { offering: { features: { projects: 0 } }, features: ['projects'] }, 'FEATURE_MISSING'],
      ['a positive limit', { features: ['projects'] }, 'VALID'],
      [
        'features granted by an override',
        { entitlement: { overrides: { features: { sso: true } } }, features: ['sso', 'export'] },
        'VALID',
      ],
      [
        'features taken away by an override',
        { entitlement: { overrides: { features: { export: false } } }, features: ['export'] },
        'FEATURE_MISSING',
      ],
    ]),
  )('%s: %s', (_behaviour, code, setup) => {
    const verdict = validateLicense(facts(setup));
    expect(verdict.code).toBe(code);
    expect(verdict.valid).toBe(code === 'VALID');
    if (!verdict.valid) expect(verdict.warnings).toEqual([]);
  });

  it('names the seat holders when the node-locked seats are taken, leaving out dead heartbeats', () => {
    const holders = activations(2);
    const dead = activation({ seatKind: 'ephemeral', heartbeatDeadline: NOW - 1 });
    const verdict = validateLicense(facts({ offering: { seats: 2 }, fingerprint: mine, live: [...holders, dead] }));
    expect(verdict.code).toBe('FINGERPRINT_MISMATCH');
    expect((verdict.details!['holders'] as Array<{ activationId: string }>).map((x) => x.activationId)).toEqual(holders.map((a) => a.id));
  });

  it('lists every missing feature, and every exhausted quota', () => {
    const missing = validateLicense(
      facts({ offering: { features: { export: false, projects: 3 } }, features: ['export', 'projects', 'sso'] }),
    );
    expect(missing.details).toMatchObject({ missing: ['export', 'sso'] });
    const exhausted = validateLicense(facts({ features: ['a', 'b', 'c'], quotas: { a: quota(5, 5), b: quota(1, 5), c: quota(9, 5) } }));
    expect(Object.keys(exhausted.details!['exhausted'] as object)).toEqual(['a', 'c']);
  });
});

describe('validateLicense: which rule wins when several fail', () => {
  // The order as implemented: the key, the product, the vendor's state, time, the device, quotas, features.
  it.each(
    named([
      [
        'an unknown key, whatever else is asked',
        { unknownKey: true, product: 'other-app', fingerprint: mine, features: ['sso'] },
        'NOT_FOUND',
      ],
      ['another product beats revoked', { product: 'other-app', entitlement: { state: 'revoked' } }, 'PRODUCT_MISMATCH'],
      ['another product beats expired', { product: 'other-app', entitlement: { endsAt: NOW - DAY } }, 'PRODUCT_MISMATCH'],
      ['revoked beats expired (revoked after its end)', { entitlement: { state: 'revoked', endsAt: NOW - DAY } }, 'REVOKED'],
      ['revoked beats not started', { entitlement: { state: 'revoked', startsAt: NOW + DAY } }, 'REVOKED'],
      ['suspended beats expired', { entitlement: { state: 'suspended', endsAt: NOW - DAY } }, 'SUSPENDED'],
      ['suspended beats not started', { entitlement: { state: 'suspended', startsAt: NOW + DAY } }, 'SUSPENDED'],
      ['returned beats expired', { entitlement: { state: 'returned', endsAt: NOW - DAY } }, 'RETURNED'],
      [
        'expired beats a dead heartbeat',
        { entitlement: { endsAt: NOW - DAY }, offering: floating, fingerprint: mine, live: heartbeat(-1) },
        'EXPIRED',
      ],
      ['not started beats a device that never activated', { entitlement: { startsAt: NOW + DAY }, fingerprint: mine }, 'NOT_STARTED'],
      [
        'expired beats a device elsewhere, a used-up quota and a missing feature',
        {
          entitlement: { endsAt: NOW - DAY },
          fingerprint: mine,
          live: activations(2),
          features: ['api', 'sso'],
          quotas: { api: quota(1, 1) },
        },
        'EXPIRED',
      ],
      [
        'a dead heartbeat beats a used-up quota and a missing feature',
        { offering: floating, fingerprint: mine, live: heartbeat(-1), features: ['api', 'sso'], quotas: { api: quota(1, 1) } },
        'HEARTBEAT_DEAD',
      ],
      [
        'seats taken elsewhere beats a missing feature',
        { fingerprint: mine, live: activations(2), features: ['sso'] },
        'FINGERPRINT_MISMATCH',
      ],
      [
        'a device that never activated beats a used-up quota',
        { fingerprint: mine, features: ['api'], quotas: { api: quota(1, 1) } },
        'NOT_ACTIVATED',
      ],
      ['a used-up quota beats a missing feature', { features: ['sso', 'api'], quotas: { api: quota(1, 1) } }, 'QUOTA_EXHAUSTED'],
    ]),
  )('%s: %s', (_behaviour, code, setup) => {
    expect(validateLicense(facts(setup)).code).toBe(code);
  });
});

describe('validateLicense: warnings on a valid license', () => {
  const warningsOf = (s: Setup) => {
    const verdict = validateLicense(facts(s));
    expect(verdict).toMatchObject({ valid: true, code: 'VALID' });
    return verdict.warnings.map((w) => w.code);
  };

  it.each<[string, Setup, string[]]>([
    ['none, in term with nothing to report', {}, []],
    ['term ending a millisecond inside the two weeks', { entitlement: { endsAt: NOW + ENDING_SOON_MS - 1 } }, ['TERM_ENDING_SOON']],
    ['term ending exactly two weeks from now', { entitlement: { endsAt: NOW + ENDING_SOON_MS } }, []],
    ['perpetual, no end: never ending soon', { entitlement: { endsAt: null } }, []],
    ['maintenance ended a millisecond ago', { entitlement: { endsAt: null, maintenanceUntil: NOW - 1 } }, ['MAINTENANCE_EXPIRED']],
    ['maintenance ending exactly now (not yet ended)', { entitlement: { endsAt: null, maintenanceUntil: NOW } }, []],
    ['maintenance still running', { entitlement: { endsAt: null, maintenanceUntil: NOW + DAY } }, []],
    ['no maintenance at all', { entitlement: { endsAt: null, maintenanceUntil: null } }, []],
    ['a pool one over its limit', { pools: new Map([['projects', 4]]) }, ['POOL_OVER_LIMIT']],
    ['a pool at exactly its limit', { pools: new Map([['projects', 3]]) }, []],
    ['enforcement warn', { offering: { enforcementMode: 'warn' } }, ['ENFORCEMENT_RELAXED']],
    ['enforcement log', { offering: { enforcementMode: 'log' } }, ['ENFORCEMENT_RELAXED']],
    [
      'all at once, in this order',
      {
        offering: { enforcementMode: 'log' },
        entitlement: { endsAt: NOW + DAY, maintenanceUntil: NOW - DAY },
        pools: new Map([['projects', 9]]),
      },
      ['TERM_ENDING_SOON', 'MAINTENANCE_EXPIRED', 'POOL_OVER_LIMIT', 'ENFORCEMENT_RELAXED'],
    ],
  ])('%s', (_behaviour, setup, expected) => {
    expect(warningsOf(setup)).toEqual(expected);
  });

  it('says when maintenance ended', () => {
    const ended = NOW - 30 * DAY;
    const verdict = validateLicense(
      facts({ offering: { licenseModel: 'perpetual', term: null }, entitlement: { endsAt: null, maintenanceUntil: ended } }),
    );
    expect(verdict.warnings).toEqual([
      expect.objectContaining({ code: 'MAINTENANCE_EXPIRED', details: { maintenanceUntil: new Date(ended).toISOString() } }),
    ]);
  });

  it('a refusal carries no warnings, even when maintenance ended too', () => {
    const verdict = validateLicense(facts({ entitlement: { endsAt: NOW - DAY, maintenanceUntil: NOW - 2 * DAY } }));
    expect(verdict).toMatchObject({ valid: false, code: 'EXPIRED', warnings: [] });
  });
});

describe('grants', () => {
  it.each<[string, FeatureValue | undefined, boolean]>([
    ['absent', undefined, false],
    ['false', false, false],
    ['true', true, true],
    ['a limit of 0', 0, false],
    ['a negative limit', -1, false],
    ['a limit of 1', 1, true],
    ['a quota with nothing included, blocked', { limit: 0, overage: 'block' }, false],
    ['a quota with nothing included, billed', { limit: 0, overage: 'bill' }, true],
    ['a quota with nothing included and an allowance', { limit: 0, overage: { allowPercent: 50 } }, false],
    ['a quota with something included', { limit: 10 }, true],
  ])('%s: %s', (_what, value, expected) => {
    expect(grants(value)).toBe(expected);
  });
});
