import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { countAll, eventCount } from '../support/counts.js';

describe.each(await storeKinds())('customers on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((c) => c.name).sort();

  it('creates a customer with contact fields and reads it by id and by externalRef', async () => {
    const res = await h.call('POST', '/v1/customers', {
      name: 'Globex',
      email: 'licensing@globex.test',
      externalRef: 'hubspot-42',
      metadata: { region: 'EU' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Globex',
      email: 'licensing@globex.test',
      externalRef: 'hubspot-42',
      metadata: { region: 'EU' },
    });
    expect(res.body.id).toMatch(/^cus_[0-9a-z]{26}$/);
    expect((await h.call('GET', `/v1/customers/${res.body.id}`)).body).toEqual(res.body);
    expect((await h.call('GET', '/v1/customers/hubspot-42')).body).toEqual(res.body);
  });

  it('creates a customer from a name alone, with null contact fields', async () => {
    const res = await h.call('POST', '/v1/customers', { name: 'Jane Doe' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Jane Doe', email: null, externalRef: null, metadata: {} });
  });

  it('patches the fields sent, addressed by externalRef, and null clears a contact field', async () => {
    const c = (await h.call('POST', '/v1/customers', { name: 'Initech', email: 'a@initech.test', externalRef: 'crm-initech' })).body;
    const renamed = await h.call('PATCH', '/v1/customers/crm-initech', { name: 'Initech LLC' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: c.id, name: 'Initech LLC', email: 'a@initech.test', externalRef: 'crm-initech' });
    const cleared = await h.call('PATCH', `/v1/customers/${c.id}`, { email: null, externalRef: 'crm-initech-2' });
    expect(cleared.body).toMatchObject({ email: null, externalRef: 'crm-initech-2' });
    expect((await h.call('GET', '/v1/customers/crm-initech')).status).toBe(404);
    expect((await h.call('GET', '/v1/customers/crm-initech-2')).body.name).toBe('Initech LLC');
    const ev = (await h.call('GET', `/v1/events?customer=${c.id}&type=customer.updated`)).body.data;
    expect(ev[0].before).toEqual({ email: 'a@initech.test', externalRef: 'crm-initech' });
    expect(ev[0].after).toEqual({ email: null, externalRef: 'crm-initech-2' });
  });

  it('refuses a second customer with the same externalRef (DUPLICATE_EXTERNAL_REF), on create and on patch', async () => {
    await h.call('POST', '/v1/customers', { name: 'First', externalRef: 'dup-ref' });
    const other = (await h.call('POST', '/v1/customers', { name: 'Second', externalRef: 'other-ref' })).body;
    const before = await countAll(h, '/v1/customers');
    const dup = await h.call('POST', '/v1/customers', { name: 'Copy', externalRef: 'dup-ref' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE_EXTERNAL_REF', details: { field: 'externalRef' } });
    const clash = await h.call('PATCH', `/v1/customers/${other.id}`, { externalRef: 'dup-ref' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('DUPLICATE_EXTERNAL_REF');
    expect(await countAll(h, '/v1/customers')).toBe(before);
    expect((await h.call('GET', `/v1/customers/${other.id}`)).body.externalRef).toBe('other-ref');
  });

  it('allows any number of customers without an externalRef', async () => {
    expect((await h.call('POST', '/v1/customers', { name: 'NoRef 1' })).status).toBe(201);
    expect((await h.call('POST', '/v1/customers', { name: 'NoRef 2', externalRef: null })).status).toBe(201);
  });

  describe('search', () => {
    beforeAll(async () => {
      for (const c of [
        { name: 'Wayne Enterprises', email: 'bruce@WAYNE.test', externalRef: 'sf-WAYNE' },
        { name: 'Stark Industries', email: 'tony@stark.test', externalRef: 'sf-0099' },
        { name: '100% Organic', email: 'hello@organic.test', externalRef: 'sf-organic' },
        { name: 'Under_score Ltd', email: 'ops@underscore.test', externalRef: 'sf-under' },
        { name: 'Underwater Co', email: 'ops@underwater.test', externalRef: 'sf-water' },
        { name: '1000 Organics', email: 'x@thousand.test', externalRef: 'sf-thousand' },
      ]) {
        expect((await h.call('POST', '/v1/customers', c)).status).toBe(201);
      }
    });

    it('finds customers by name, case-insensitively', async () => {
      expect(names(await h.call('GET', '/v1/customers?q=wAyNe%20ENT'))).toEqual(['Wayne Enterprises']);
    });

    it('finds customers by email and by externalRef, case-insensitively', async () => {
      expect(names(await h.call('GET', '/v1/customers?q=TONY@'))).toEqual(['Stark Industries']);
      expect(names(await h.call('GET', '/v1/customers?q=SF-00'))).toEqual(['Stark Industries']);
      expect(names(await h.call('GET', '/v1/customers?q=bruce@wayne'))).toEqual(['Wayne Enterprises']);
    });

    it('takes % and _ in q literally, not as wildcards', async () => {
      expect(names(await h.call('GET', '/v1/customers?q=100%25'))).toEqual(['100% Organic']);
      expect(names(await h.call('GET', '/v1/customers?q=%25'))).toEqual(['100% Organic']);
      expect(names(await h.call('GET', '/v1/customers?q=under_'))).toEqual(['Under_score Ltd']);
      expect(names(await h.call('GET', '/v1/customers?q=_'))).toEqual(['Under_score Ltd']);
      expect(names(await h.call('GET', '/v1/customers?q=%5C'))).toEqual([]);
    });

    it('filters by exact email, case-insensitively', async () => {
      expect(names(await h.call('GET', '/v1/customers?email=BRUCE@wayne.test'))).toEqual(['Wayne Enterprises']);
      expect(names(await h.call('GET', '/v1/customers?email=bruce@wayne'))).toEqual([]);
    });

    it('combines q and email', async () => {
      expect(names(await h.call('GET', '/v1/customers?q=under&email=ops@underwater.test'))).toEqual(['Underwater Co']);
    });

    it('answers an empty page when nothing matches', async () => {
      const res = await h.call('GET', '/v1/customers?q=zzz-nobody');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], nextCursor: null });
    });
  });

  describe('delete', () => {
    let offeringId: string;

    beforeAll(async () => {
      await h.call('POST', '/v1/products', { code: 'del-prod', name: 'P' });
      offeringId = (await h.call('POST', '/v1/offerings', { productId: 'del-prod', code: 'del-off', name: 'O', licenseModel: 'perpetual' }))
        .body.id;
    });

    it('deletes a customer who holds no entitlement, by externalRef, and records it', async () => {
      const c = (await h.call('POST', '/v1/customers', { name: 'Gone', externalRef: 'gone-1' })).body;
      const del = await h.call('DELETE', '/v1/customers/gone-1');
      expect(del.status).toBe(204);
      expect((await h.call('GET', `/v1/customers/${c.id}`)).status).toBe(404);
      const ev = (await h.call('GET', `/v1/events?subject=${c.id}`)).body.data;
      expect(ev.map((e: { type: string }) => e.type)).toEqual(['customer.deleted', 'customer.created']);
      // The externalRef is free for a new customer.
      expect((await h.call('POST', '/v1/customers', { name: 'New', externalRef: 'gone-1' })).status).toBe(201);
    });

    it('refuses to delete a customer holding entitlements (IN_USE), even revoked ones, and writes nothing', async () => {
      const c = (await h.call('POST', '/v1/customers', { name: 'Holder', externalRef: 'holder-1' })).body;
      const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId })).body;
      await h.call('POST', `/v1/entitlements/${e.id}/revoke`);
      const events = await eventCount(h);
      const del = await h.call('DELETE', '/v1/customers/holder-1');
      expect(del.status).toBe(409);
      expect(del.body.error).toMatchObject({ code: 'IN_USE', details: { entitlements: 1 } });
      expect((await h.call('GET', `/v1/customers/${c.id}`)).status).toBe(200);
      expect(await eventCount(h)).toBe(events);
    });

    it('answers 404 NOT_FOUND for an unknown customer on GET, PATCH and DELETE', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await h.call(method, '/v1/customers/cus_00000000000000000000000000', body);
        expect(res.status, method).toBe(404);
        expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'customer' } });
      }
    });
  });
});
