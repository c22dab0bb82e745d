import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { generateLicenseKey } from '../../src/secrets/license-keys.js';

/**
 * Query parameters (issue 17): a name a list does not know is refused, never ignored; the lists
 * share their names; and a license key read out by a customer finds its one entitlement.
 */
describe.each(await storeKinds())('query parameters on %s', (kind) => {
  let h: Harness;
  let keys: string[];
  let customers: Array<{ id: string; externalRef: string }>;
  beforeAll(async () => {
    h = await createHarness(kind);
    const { offering, customer } = await seedCatalog(h);
    const other = (await h.call('POST', '/v1/customers', { name: 'Beta', externalRef: 'crm-5001' })).body;
    customers = [customer, other];
    keys = [];
    for (const c of [customer, customer, other]) {
      keys.push((await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: offering.id })).body.key);
    }
  });
  afterAll(() => h.close());

  it('refuses an unknown parameter with 400 naming it and the ones the endpoint takes, on every kind of route', async () => {
    const wrong = await h.call('GET', '/v1/entitlements?customerID=crm-5001');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'customerID', in: 'querystring' } });
    expect(wrong.body.error.message).toMatch(/Unknown query parameter "customerID"; this endpoint takes .*customer.*key/);
    // A route that takes no query at all, a public one, and a client one.
    const none = await h.call('GET', `/v1/customers/${customers[0]!.id}?expand=all`);
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe('Unknown query parameter "expand"; this endpoint takes none.');
    expect((await h.call('GET', '/.well-known/jwks.json?acount=x', undefined, { key: null })).body.error.details.field).toBe('acount');
    expect((await h.call('GET', '/v1/events?customerId=x')).status).toBe(400);
    // The API reference and the console are not the API: their query strings are their own.
    expect((await h.call('GET', '/openapi.json?v=2', undefined, { key: null })).status).toBe(200);
  });

  it('filters entitlements by customer (id, code or external reference) under the name the other lists use, and the old name still works', async () => {
    const ids = async (url: string) => (await h.call('GET', url)).body.data.map((e: { customerId: string }) => e.customerId);
    expect(await ids('/v1/entitlements?customer=crm-5001')).toEqual([customers[1]!.id]);
    expect(await ids(`/v1/entitlements?customerId=${customers[1]!.id}`)).toEqual([customers[1]!.id]);
    expect(await ids(`/v1/entitlements?customer=${customers[0]!.id}`)).toEqual([customers[0]!.id, customers[0]!.id]);
    expect(await ids('/v1/entitlements?customer=nobody')).toEqual([]);
    expect((await h.call('GET', '/v1/offerings?product=studio')).body.data).toHaveLength(1);
    // The same name on the event log.
    const events = (await h.call('GET', '/v1/events?customer=crm-5001&type=entitlement.created')).body.data;
    expect(events).toHaveLength(1);
  });

  it('finds exactly one entitlement by its license key as read out (lower case, no dashes, O for 0), and none for a key of nobody', async () => {
    for (const [i, key] of keys.entries()) {
      const spoken = key.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
      const found = (await h.call('GET', `/v1/entitlements?key=${encodeURIComponent(spoken)}`)).body.data;
      expect(found.map((e: { key: string }) => e.key)).toEqual([keys[i]]);
    }
    const unknown = generateLicenseKey();
    const mine = keys[0]!;
    // A well-formed key nobody holds finds nothing; a key with a wrong check symbol is a typo.
    const fresh = mine.slice(0, -1) + (mine.endsWith('A') ? 'B' : 'A');
    const typo = await h.call('GET', `/v1/entitlements?key=${fresh}`);
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'key', typo: true } });
    const none = await h.call('GET', `/v1/entitlements?key=${unknown}`);
    expect(none.status).toBe(200);
    expect(none.body.data).toEqual([]);
    // Combined with another filter, both hold.
    expect((await h.call('GET', `/v1/entitlements?key=${mine}&customer=crm-5001`)).body.data).toEqual([]);
    // A product-scoped key of another product finds nothing by key.
    const other = (await h.call('POST', '/v1/products', { code: 'other', name: 'Other' })).body;
    const scoped = (await h.call('POST', '/v1/api-keys', { name: 'other only', role: 'support', productId: other.id })).body.key;
    expect((await h.call('GET', `/v1/entitlements?key=${mine}`, undefined, { key: scoped })).body.data).toEqual([]);
  });
});
