import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { asLicense, fp } from '../support/client.js';

/** The ids of the first account's data that another account's key tries to reach. */
interface Theirs {
  product: string;
  productCode: string;
  lonelyProduct: string;
  feature: string;
  lonelyFeature: string;
  offering: string;
  spareOffering: string;
  customer: string;
  customerRef: string;
  spareCustomer: string;
  active: string;
  activeRef: string;
  suspended: string;
  apiKey: string;
  /** A device activated on `active`, and the account's lease-signing key. */
  activation: string;
  signingKey: string;
  /** A product of the intruding account, to put a foreign feature id under. */
  ownProduct: string;
}

type Endpoint = [method: string, path: (t: Theirs) => string, body?: unknown];

/**
 * Every endpoint that takes an id, pointed at the other account's resources. Add a row when an
 * endpoint is added. Targets are chosen so the request would succeed for their owner (the product
 * and customer to delete are unused, `resume` aims at a suspended entitlement), so a 404 here can
 * only come from the account boundary.
 */
const ID_ENDPOINTS: Endpoint[] = [
  ['GET', (t) => `/v1/products/${t.product}`],
  ['GET', (t) => `/v1/products/${t.productCode}`],
  ['PATCH', (t) => `/v1/products/${t.product}`, { name: 'Taken over' }],
  ['DELETE', (t) => `/v1/products/${t.lonelyProduct}`],
  ['GET', (t) => `/v1/products/${t.product}/features`],
  ['POST', (t) => `/v1/products/${t.product}/features`, { code: 'planted', name: 'Planted', type: 'boolean' }],
  ['GET', (t) => `/v1/products/${t.product}/features/${t.feature}`],
  ['PATCH', (t) => `/v1/products/${t.product}/features/${t.feature}`, { name: 'Taken over' }],
  ['DELETE', (t) => `/v1/products/${t.lonelyProduct}/features/${t.lonelyFeature}`],
  ['GET', (t) => `/v1/products/${t.ownProduct}/features/${t.feature}`],
  ['PATCH', (t) => `/v1/products/${t.ownProduct}/features/${t.feature}`, { name: 'Taken over' }],
  ['DELETE', (t) => `/v1/products/${t.ownProduct}/features/${t.lonelyFeature}`],
  ['GET', (t) => `/v1/offerings?productId=${t.product}`],
  ['GET', (t) => `/v1/offerings/${t.offering}`],
  ['PATCH', (t) => `/v1/offerings/${t.offering}`, { seats: 999 }],
  ['DELETE', (t) => `/v1/offerings/${t.spareOffering}`],
  ['GET', (t) => `/v1/customers/${t.customer}`],
  ['GET', (t) => `/v1/customers/${t.customerRef}`],
  ['PATCH', (t) => `/v1/customers/${t.customer}`, { name: 'Taken over' }],
  ['DELETE', (t) => `/v1/customers/${t.spareCustomer}`],
  ['GET', (t) => `/v1/entitlements/${t.active}`],
  ['GET', (t) => `/v1/entitlements/${t.activeRef}`],
  ['PATCH', (t) => `/v1/entitlements/${t.active}`, { overrides: { seats: 999 } }],
  ['POST', (t) => `/v1/entitlements/${t.active}/suspend`],
  ['POST', (t) => `/v1/entitlements/${t.suspended}/resume`],
  ['POST', (t) => `/v1/entitlements/${t.active}/renew`],
  ['POST', (t) => `/v1/entitlements/${t.active}/revoke`, { reason: 'hostile' }],
  ['DELETE', (t) => `/v1/api-keys/${t.apiKey}`],
  ['GET', (t) => `/v1/entitlements/${t.active}/activations`],
  ['GET', (t) => `/v1/entitlements/${t.activeRef}/activations`],
  ['GET', (t) => `/v1/activations/${t.activation}`],
  ['DELETE', (t) => `/v1/activations/${t.activation}`],
  ['GET', (t) => `/v1/entitlements/${t.active}/leases`],
  ['GET', (t) => `/v1/entitlements/${t.activeRef}/leases`],
  ['POST', (t) => `/v1/entitlements/${t.active}/return`, { reason: 'hostile' }],
  ['POST', (t) => `/v1/entitlements/${t.activeRef}/return`],
];

/** Filters naming the other account's ids: an empty list, never their data. */
const FILTERS: ((t: Theirs) => string)[] = [
  (t) => `/v1/events?entitlement=${t.active}`,
  (t) => `/v1/events?customer=${t.customer}`,
  (t) => `/v1/events?subject=${t.product}`,
  (t) => `/v1/entitlements?customerId=${t.customer}`,
  (t) => `/v1/entitlements?offeringId=${t.offering}`,
  (t) => `/v1/entitlements?productId=${t.product}`,
  (t) => `/v1/entitlements?customer=${t.customer}`,
  (t) => `/v1/entitlements?offering=${t.offering}`,
  (t) => `/v1/entitlements?product=${t.product}`,
];

describe.each(await storeKinds())('tenancy on %s', (kind) => {
  let h: Harness;
  let t: Theirs;
  let intruder: string;

  /** What the owner sees of everything the intruder aims at. */
  async function ownersView(): Promise<unknown[]> {
    const urls = [
      `/v1/products/${t.product}`,
      `/v1/products/${t.lonelyProduct}`,
      `/v1/products/${t.product}/features`,
      `/v1/products/${t.lonelyProduct}/features`,
      `/v1/offerings`,
      `/v1/customers`,
      `/v1/entitlements`,
      `/v1/api-keys`,
      `/v1/entitlements/${t.active}/activations`,
      `/v1/entitlements/${t.active}/leases`,
      `/v1/signing-keys`,
    ];
    return Promise.all(urls.map(async (u) => (await h.call('GET', u)).body));
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    const seed = await seedCatalog(h);
    const lonely = (await h.call('POST', '/v1/products', { code: 'lonely', name: 'Lonely' })).body;
    const lonelyFeature = (await h.call('POST', '/v1/products/lonely/features', { code: 'solo', name: 'Solo', type: 'boolean' })).body;
    const spareOffering = (
      await h.call('POST', '/v1/offerings', { productId: 'studio', code: 'spare', name: 'Spare', licenseModel: 'perpetual' })
    ).body;
    const spareCustomer = (await h.call('POST', '/v1/customers', { name: 'Spare' })).body;
    const active = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', externalRef: 'deal-1' }))
      .body;
    const suspended = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).body;
    await h.call('POST', `/v1/entitlements/${suspended.id}/suspend`);
    const apiKey = (await h.call('POST', '/v1/api-keys', { name: 'Second admin', role: 'admin' })).body;
    const activation = (await asLicense(h, active.key)('activate', { fingerprint: fp('owner') })).body.activation;
    const signingKey = (await h.call('GET', '/v1/signing-keys')).body.data[0];

    intruder = (await h.newAccount()).adminKey;
    const ownProduct = (await h.call('POST', '/v1/products', { code: 'mine', name: 'Mine' }, { key: intruder })).body;
    t = {
      product: seed.product.id,
      productCode: 'studio',
      lonelyProduct: lonely.id,
      feature: (await h.call('GET', '/v1/products/studio/features/export')).body.id,
      lonelyFeature: lonelyFeature.id,
      offering: seed.offering.id,
      spareOffering: spareOffering.id,
      customer: seed.customer.id,
      customerRef: 'crm-1',
      spareCustomer: spareCustomer.id,
      active: active.id,
      activeRef: 'deal-1',
      suspended: suspended.id,
      apiKey: apiKey.id,
      activation: activation.id,
      signingKey: signingKey.id,
      ownProduct: ownProduct.id,
    };
  });
  afterAll(() => h.close());

  it('a key of another account gets 404 NOT_FOUND on every id-taking endpoint, and changes nothing', async () => {
    const before = await ownersView();
    const events = await eventCount(h);
    for (const [method, path, body] of ID_ENDPOINTS) {
      const url = path(t);
      const res = await h.call(method, url, body, { key: intruder });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.error.code, `${method} ${url}`).toBe('NOT_FOUND');
      expect(res.body.error.requestId).toBeTruthy();
    }
    expect(await ownersView()).toEqual(before);
    expect(await eventCount(h)).toBe(events);
    // The owner can still do what the intruder could not: the targets were live.
    expect((await h.call('POST', `/v1/entitlements/${t.suspended}/resume`)).status).toBe(200);
    expect((await h.call('GET', `/v1/activations/${t.activation}`)).body.state).toBe('active');
  });

  it('filters naming another account’s ids find nothing', async () => {
    for (const path of FILTERS) {
      const res = await h.call('GET', path(t), undefined, { key: intruder });
      expect(res.status, path(t)).toBe(200);
      expect(res.body.data, path(t)).toEqual([]);
    }
  });

  it('lists of another account show none of the first account’s data', async () => {
    for (const url of [
      '/v1/products',
      '/v1/offerings',
      '/v1/customers',
      '/v1/entitlements',
      '/v1/events',
      '/v1/api-keys',
      '/v1/signing-keys',
    ]) {
      const text = JSON.stringify((await h.call('GET', url, undefined, { key: intruder })).body);
      for (const id of [t.product, t.offering, t.customer, t.active, t.apiKey, t.activation, t.signingKey]) {
        expect(text, url).not.toContain(id);
      }
    }
  });

  it('rotating signing keys rotates only the caller’s account', async () => {
    const jwks = async (accountId: string) =>
      (await h.call('GET', `/.well-known/jwks.json?account=${accountId}`, undefined, { key: null })).body.keys.map(
        (k: { kid: string }) => k.kid,
      );
    const owners = await jwks(h.accountId);
    const events = await eventCount(h);
    const rotated = await h.call('POST', '/v1/signing-keys/rotate', undefined, { key: intruder });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).not.toBe(t.signingKey);
    expect(await jwks(h.accountId)).toEqual(owners);
    expect(owners).not.toContain(rotated.body.id);
    const own = (await h.call('GET', '/v1/signing-keys')).body.data;
    expect(own.filter((k: { state: string }) => k.state === 'active').map((k: { id: string }) => k.id)).toEqual([t.signingKey]);
    expect(await eventCount(h)).toBe(events);
  });

  it('refuses references to another account’s customer, offering or product with 422 UNKNOWN_REFERENCE', async () => {
    const own = (await h.call('POST', '/v1/customers', { name: 'Own' }, { key: intruder })).body;
    await h.call('POST', '/v1/offerings', { productId: 'mine', code: 'mine-1', name: 'M', licenseModel: 'perpetual' }, { key: intruder });
    const events = await eventCount(h, intruder);
    const cases: [string, unknown, string][] = [
      ['/v1/entitlements', { customerId: t.customer, offeringId: 'mine-1' }, 'customerId'],
      ['/v1/entitlements', { customerId: t.customerRef, offeringId: 'mine-1' }, 'customerId'],
      ['/v1/entitlements', { customerId: own.id, offeringId: t.offering }, 'offeringId'],
      ['/v1/entitlements', { customerId: own.id, offeringId: 'studio-pro' }, 'offeringId'],
      ['/v1/offerings', { productId: t.product, code: 'x', name: 'X', licenseModel: 'perpetual' }, 'productId'],
      ['/v1/api-keys', { name: 'X', role: 'readonly', productId: t.product }, 'productId'],
    ];
    for (const [url, body, field] of cases) {
      const res = await h.call('POST', url, body, { key: intruder });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field } });
    }
    expect(await eventCount(h, intruder)).toBe(events);
  });

  it('codes and externalRefs are per account: both may use the same ones', async () => {
    const res = await h.call('POST', '/v1/products', { code: 'studio', name: 'Their studio' }, { key: intruder });
    expect(res.status).toBe(201);
    expect((await h.call('GET', '/v1/products/studio', undefined, { key: intruder })).body.id).toBe(res.body.id);
    expect((await h.call('GET', '/v1/products/studio')).body.id).toBe(t.product);
    expect((await h.call('POST', '/v1/customers', { name: 'C', externalRef: 'crm-1' }, { key: intruder })).status).toBe(201);
  });

  describe('product-limited keys', () => {
    let limited: string;
    let other: { product: string; offering: string; entitlement: string; activation: string };

    beforeAll(async () => {
      const product = (await h.call('POST', '/v1/products', { code: 'other', name: 'Other' })).body;
      await h.call('POST', '/v1/products/other/features', { code: 'o-f', name: 'F', type: 'boolean' });
      const offering = (
        await h.call('POST', '/v1/offerings', { productId: 'other', code: 'other-1', name: 'O', licenseModel: 'perpetual' })
      ).body;
      const entitlement = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'other-1' })).body;
      const activation = (await asLicense(h, entitlement.key)('activate', { fingerprint: fp('other') })).body.activation;
      other = { product: product.id, offering: offering.id, entitlement: entitlement.id, activation: activation.id };
      const created = await h.call('POST', '/v1/api-keys', { name: 'Studio team', role: 'admin', productId: 'studio' });
      expect(created.status).toBe(201);
      expect(created.body.productId).toBe(t.product);
      limited = created.body.key;
    });

    const as = (method: string, url: string, body?: unknown) => h.call(method, url, body, { key: limited });

    it('sees only its product, and its offerings, entitlements and events', async () => {
      expect((await as('GET', '/v1/products')).body.data.map((p: { id: string }) => p.id)).toEqual([t.product]);
      const offerings = (await as('GET', '/v1/offerings')).body.data;
      expect(offerings.length).toBeGreaterThan(0);
      expect(offerings.every((o: { productId: string }) => o.productId === t.product)).toBe(true);
      const entitlements = (await as('GET', '/v1/entitlements')).body.data;
      expect(entitlements.length).toBeGreaterThan(0);
      expect(entitlements.every((e: { productId: string }) => e.productId === t.product)).toBe(true);
      const events = (await as('GET', '/v1/events?limit=500')).body.data;
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e: { productId: string }) => e.productId === t.product)).toBe(true);
      expect((await as('GET', `/v1/events?entitlement=${other.entitlement}`)).body.data).toEqual([]);
      expect((await as('GET', `/v1/entitlements?productId=${other.product}`)).body.data).toEqual([]);
    });

    it('gets 404 for the other products and everything under them', async () => {
      const events = await eventCount(h);
      const endpoints: Endpoint[] = [
        ['GET', () => `/v1/products/${other.product}`],
        ['PATCH', () => '/v1/products/other', { name: 'Mine now' }],
        ['GET', () => '/v1/products/other/features'],
        ['GET', () => '/v1/products/other/features/o-f'],
        ['GET', () => `/v1/offerings/${other.offering}`],
        ['PATCH', () => '/v1/offerings/other-1', { seats: 3 }],
        ['DELETE', () => '/v1/offerings/other-1'],
        ['GET', () => `/v1/entitlements/${other.entitlement}`],
        ['PATCH', () => `/v1/entitlements/${other.entitlement}`, { overrides: { seats: 9 } }],
        ['POST', () => `/v1/entitlements/${other.entitlement}/suspend`],
        ['POST', () => `/v1/entitlements/${other.entitlement}/revoke`],
        ['GET', () => `/v1/entitlements/${other.entitlement}/activations`],
        ['GET', () => `/v1/entitlements/${other.entitlement}/leases`],
        ['POST', () => `/v1/entitlements/${other.entitlement}/return`],
        ['GET', () => `/v1/activations/${other.activation}`],
        ['DELETE', () => `/v1/activations/${other.activation}`],
      ];
      for (const [method, path, body] of endpoints) {
        const res = await as(method, path(t), body);
        expect(res.status, `${method} ${path(t)}`).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
      expect(await eventCount(h)).toBe(events);
    });

    it('cannot grant or sell the other products', async () => {
      const grant = await as('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'other-1' });
      expect(grant.status).toBe(422);
      expect(grant.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'offeringId' } });
      const offer = await as('POST', '/v1/offerings', { productId: 'other', code: 'sneaky', name: 'S', licenseModel: 'perpetual' });
      expect(offer.status).toBe(422);
      expect((await as('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).status).toBe(201);
    });

    it('cannot create products (403) nor manage API keys (403)', async () => {
      const events = await eventCount(h);
      const product = await as('POST', '/v1/products', { code: 'new-one', name: 'New' });
      expect(product.status).toBe(403);
      expect(product.body.error.code).toBe('FORBIDDEN');
      for (const [method, url, body] of [
        ['GET', '/v1/api-keys', undefined],
        ['POST', '/v1/api-keys', { name: 'Escalate', role: 'admin' }],
        ['DELETE', `/v1/api-keys/${t.apiKey}`, undefined],
        ['POST', '/v1/signing-keys/rotate', undefined],
      ] as const) {
        const res = await as(method, url, body);
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
      expect(await eventCount(h)).toBe(events);
      expect((await h.call('GET', '/v1/products/new-one')).status).toBe(404);
    });
  });
});
