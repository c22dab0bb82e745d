import { describe, expect, it } from 'vitest';
import type { Event as EventRecord, Offering } from '@leasehold/contract';
import {
  actorLabel,
  changeSummary,
  emptyDirectory,
  featureValueText,
  quotaOverride,
  ruleText,
  subjectLabel,
  type Directory,
} from '../src/naming.js';
import { lookupPath, normalizeKey, searchPlan } from '../src/search-plan.js';
import { blank, fromOffering, keepFeatures, toBody } from '../src/pages/offering/draft.js';
import { migrationBody } from '../src/pages/migrations/body.js';
import { sdkSnippet } from '../src/sdk-snippet.js';

const names: Directory = {
  customer: (id) => ({ cus_1: 'Acme Corp' })[id],
  product: (id) => ({ prd_1: 'Studio' })[id],
  offering: (id) => ({ off_pro: 'Studio Pro', off_basic: 'Studio Basic' })[id],
  feature: (productId, code) => (productId === 'prd_1' ? { export: 'Export', renders: 'Renders' }[code] : undefined),
  actor: (type, id) => (type === 'user' ? { usr_1: 'Ada Vendor' }[id] : { key_1: 'Billing sync' }[id]),
};

const event = (over: Partial<EventRecord>): EventRecord => ({
  id: 'evt_1',
  type: 'entitlement.offering_changed',
  subjectType: 'entitlement',
  subjectId: 'ent_1',
  customerId: 'cus_1',
  entitlementId: 'ent_1',
  productId: 'prd_1',
  actor: { type: 'user', id: 'usr_1' },
  requestId: null,
  before: null,
  after: null,
  at: '2026-03-01T00:00:00.000Z',
  ...over,
});

describe('ids said as names', () => {
  it.each([
    [{ type: 'user', id: 'usr_1' }, 'Ada Vendor'],
    [{ type: 'user', id: 'usr_gone' }, 'console user usr_gone'],
    [{ type: 'api_key', id: 'key_1' }, 'API key Billing sync'],
    [{ type: 'system', id: null }, 'the server'],
    [{ type: 'license', id: 'act_1' }, 'the application'],
  ] as const)('actor %o is %s', (actor, label) => {
    expect(actorLabel(actor, names)).toBe(label);
  });

  it('names the subject: an entitlement by customer and product, a device by its customer, an unknown id as it is', () => {
    expect(subjectLabel(event({}), names)).toBe('Acme Corp · Studio');
    expect(subjectLabel(event({ subjectType: 'activation', subjectId: 'act_1' }), names)).toBe('device of Acme Corp');
    expect(subjectLabel(event({ subjectType: 'offering', subjectId: 'off_pro' }), names)).toBe('Studio Pro');
    expect(subjectLabel(event({ subjectType: 'customer', subjectId: 'cus_new', after: { name: 'Newco' } }), emptyDirectory)).toBe('Newco');
    expect(subjectLabel(event({ subjectType: 'migration', subjectId: 'mig_1' }), names)).toBe('mig_1');
  });

  it('summarises a change with offerings, customers and features by name', () => {
    const e = event({ before: { offeringId: 'off_pro', version: 1 }, after: { offeringId: 'off_basic', version: 2 } });
    expect(changeSummary(e, names)).toBe('offeringId: Studio Pro → Studio Basic');
    const f = event({
      before: { features: { export: true } },
      after: { features: { export: false, renders: { limit: 5, period: 'P1D' } } },
    });
    expect(changeSummary(f, names)).toBe('features: Export: on → Export: off, Renders: 5 per P1D');
    expect(changeSummary(event({ after: { reason: 'Invoice overdue' } }), names)).toBe('Invoice overdue');
    const rules = event({ before: { activationRules: [{ type: 'requires', productId: 'prd_1' }] }, after: { activationRules: [] } });
    expect(changeSummary(rules, names)).toBe('activationRules: Requires an active entitlement to Studio → none');
    const ov = event({ before: { overrides: {} }, after: { overrides: { seats: 20, features: { export: false } } } });
    expect(changeSummary(ov, names)).toBe('overrides: none → seats 20, Export: off');
  });

  it.each([
    [true, 'on'],
    [7, '7'],
    [{ limit: 100 }, '100 per P1M'],
    [{ limit: 100, period: 'P1Y', overage: 'bill' }, '100 per P1Y, bill overage'],
    [{ limit: 10, overage: { allowPercent: 20 } }, '10 per P1M, 20% over allowed'],
    [undefined, '—'],
  ])('feature value %o reads %s', (v, text) => {
    expect(featureValueText(v)).toBe(text);
  });

  it("a quota override keeps the offering's period and overage, and is a plain number when the offering's is", () => {
    expect(quotaOverride({ limit: 100, period: 'P1D', overage: 'bill' }, 500)).toEqual({ limit: 500, period: 'P1D', overage: 'bill' });
    expect(quotaOverride(100, 500)).toBe(500);
    expect(quotaOverride(undefined, 3)).toBe(3);
  });
});

describe('the header search', () => {
  it.each([
    ['X9M9J-2GKXH-9P96X-FKWAR-KXQ52', ['key', 'customer', 'order', 'device']],
    ['x9m9j 2gkxh 9p96x fkwar kxq52', ['key', 'customer']],
    ['Acme Corp', ['customer']],
    ['it@acme.test', ['customer', 'order', 'device']],
    ['SO-1001', ['customer', 'order', 'device']],
    ['a', []],
  ])('%s is looked up as %o', (text, plan) => {
    expect(searchPlan(text)).toEqual(plan);
  });

  it('asks the server by its own parameter names, encoded', () => {
    expect(lookupPath('key', ' abc de ')).toBe('/v1/entitlements?key=abc%20de&limit=5');
    expect(lookupPath('order', 'SO 1')).toBe('/v1/entitlements?orderRef=SO%201&limit=10');
    expect(lookupPath('device', 'ffff')).toBe('/v1/activations?fingerprint=ffff&limit=10');
    expect(lookupPath('customer', 'ac&me')).toBe('/v1/customers?q=ac%26me&limit=10');
    expect(normalizeKey('oil-ab')).toBe('011AB');
  });
});

describe('the offering form', () => {
  const offering: Offering = {
    id: 'off_pro',
    productId: 'prd_1',
    code: 'pro',
    name: 'Pro',
    licenseModel: 'subscription',
    seatModel: 'floating',
    seats: 3,
    term: 'P1Y',
    leasePeriod: 'P7D',
    features: { export: true },
    rehostLimit: null,
    maintenanceTerm: null,
    rehostPeriod: 'P1Y',
    heartbeatWindow: 'PT15M',
    borrowLimit: 'P3D',
    offlineLeasePeriod: null,
    maxDevicesPerUser: 2,
    downloadLimit: { count: 3, per: 'release' },
    ephemeralCounting: 'host',
    enforcementMode: 'warn',
    activationRules: [{ type: 'requires', productId: 'prd_base' }],
    upgradePaths: [],
    evictionOrder: 'least_recently_seen',
    version: 3,
    metadata: {},
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
  };

  it('an offering read back into the form sends every setting unchanged', () => {
    const body = toBody(fromOffering(offering), true) as Record<string, unknown>;
    expect(body).toEqual({
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      seatModel: 'floating',
      seats: 3,
      term: 'P1Y',
      leasePeriod: 'P7D',
      offlineLeasePeriod: null,
      rehostLimit: null,
      maintenanceTerm: null,
      borrowLimit: 'P3D',
      downloadLimit: { count: 3, per: 'release' },
      evictionOrder: 'least_recently_seen',
      features: { export: true },
      activationRules: [{ type: 'requires', productId: 'prd_base' }],
      upgradePaths: [],
      rehostPeriod: 'P1Y',
      heartbeatWindow: 'PT15M',
      maxDevicesPerUser: 2,
      ephemeralCounting: 'host',
      enforcementMode: 'warn',
    });
  });

  it('a new offering leaves the server-defaulted settings out and names its product', () => {
    const body = toBody({ ...blank('prd_1'), code: ' c ', name: 'N' }, false) as Record<string, unknown>;
    expect(body['productId']).toBe('prd_1');
    expect(body['code']).toBe('c');
    for (const k of ['heartbeatWindow', 'rehostPeriod', 'maxDevicesPerUser', 'ephemeralCounting', 'enforcementMode'])
      expect(body).not.toHaveProperty(k);
    expect(body['borrowLimit']).toBeNull();
  });

  it('keeps only feature values of the chosen product, and says rules in words', () => {
    expect(keepFeatures({ export: true, gone: 3 }, ['export'])).toEqual({ export: true });
    const name = (id: string) => ({ prd_base: 'Base', off_trial: 'Trial' })[id] ?? id;
    expect(ruleText({ type: 'requires', productId: 'prd_base' }, name)).toBe('Requires an active entitlement to Base');
    expect(ruleText({ type: 'excludes', offeringIds: ['off_trial'] }, name)).toBe('Not together with Trial');
    expect(ruleText({ type: 'max_activations_per_customer', limit: 4 }, name)).toBe('At most 4 devices per customer across this product');
  });
});

describe('a migration request', () => {
  const base = { source: 'a', target: 'b', customers: [], platform: ' ', version: '', removeSeats: false, rekey: false, graceUntil: '' };
  it('sends only the targeting that was set', () => {
    expect(migrationBody(base, true)).toEqual({ sourceOfferingId: 'a', targetOfferingId: 'b', removeSeats: false, dryRun: true });
    expect(migrationBody({ ...base, customers: ['cus_1'], platform: 'windows', version: '2.0' }, false).select).toEqual({
      customers: ['cus_1'],
      platform: 'windows',
      version: '2.0',
    });
    expect(migrationBody({ ...base, rekey: true, graceUntil: '2026-04-01' }, false)).toMatchObject({
      rekey: true,
      rekeyGraceUntil: '2026-04-01T23:59:59.000Z',
    });
  });
});

it("the SDK snippet carries this server's URL, the account and the signing key id", () => {
  const s = sdkSnippet({
    serverUrl: 'https://lic.test',
    accountId: 'acc_1',
    productCode: 'studio',
    keyIds: ['key_a'],
    jwksUrl: 'https://lic.test/j',
  });
  expect(s).toContain("serverUrl: 'https://lic.test'");
  expect(s).toContain("product: 'studio'");
  expect(s).toContain("account: 'acc_1'");
  expect(s).toContain('signing key key_a');
  expect(s).toContain("import { Leasehold } from '@leasehold/sdk'");
});
