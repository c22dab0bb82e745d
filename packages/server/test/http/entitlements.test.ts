import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const DAY = 24 * 60 * 60 * 1000;

describe.each(await storeKinds())('entitlements on %s', (kind) => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedCatalog>>;

  beforeAll(async () => {
    h = await createHarness(kind);
    seed = await seedCatalog(h);
  });
  afterAll(() => h.close());

  it('creates an entitlement with a readable license key, term dates and effective rights from the offering', async () => {
    const res = await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', orderRef: 'SO-1001' });
    expect(res.status).toBe(201);
    const e = res.body;
    expect(e.id).toMatch(/^ent_[0-9a-z]{26}$/);
    expect(e.key).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
    expect(e.customerId).toBe(seed.customer.id);
    expect(e.offeringId).toBe(seed.offering.id);
    expect(e.productId).toBe(seed.product.id);
    expect(e.orderRef).toBe('SO-1001');
    expect(e.state).toBe('active');
    expect(e.startsAt).toBe(new Date(T0).toISOString());
    expect(e.endsAt).toBe('2027-03-01T00:00:00.000Z');
    expect(e.overrides).toEqual({});
    expect(e.effective).toMatchObject({
      status: 'active',
      seats: 5,
      seatModel: 'node_locked',
      licenseModel: 'subscription',
      leasePeriod: 'P7D',
      term: 'P1Y',
      features: { export: true, projects: 10 },
    });
    // staff can read the key again
    const again = await h.call('GET', `/v1/entitlements/${e.id}`);
    expect(again.body.key).toBe(e.key);
  });

  it('overrides change the effective rights but never the offering, and null removes an override', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: seed.customer.id, offeringId: seed.offering.id })).body;
    const patched = await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { seats: 20, features: { projects: 50 } } });
    expect(patched.status).toBe(200);
    expect(patched.body.overrides).toEqual({ seats: 20, features: { projects: 50 } });
    expect(patched.body.effective.seats).toBe(20);
    expect(patched.body.effective.features).toEqual({ export: true, projects: 50 });

    const offering = (await h.call('GET', '/v1/offerings/studio-pro')).body;
    expect(offering.seats).toBe(5);
    expect(offering.features).toEqual({ export: true, projects: 10 });

    // A change to the offering reaches the fields that are not overridden, and only those.
    await h.call('PATCH', '/v1/offerings/studio-pro', { seats: 8, features: { export: false, projects: 12 } });
    const afterOfferingChange = (await h.call('GET', `/v1/entitlements/${e.id}`)).body;
    expect(afterOfferingChange.effective.seats).toBe(20);
    expect(afterOfferingChange.effective.features).toEqual({ export: false, projects: 50 });

    const removed = await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { seats: null, features: { projects: null } } });
    expect(removed.body.overrides).toEqual({});
    expect(removed.body.effective.seats).toBe(8);
    expect(removed.body.effective.features).toEqual({ export: false, projects: 12 });
    await h.call('PATCH', '/v1/offerings/studio-pro', { seats: 5, features: { export: true, projects: 10 } });
  });

  it('suspends, resumes, renews and revokes, refusing moves the state does not allow', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).body;
    const suspended = await h.call('POST', `/v1/entitlements/${e.id}/suspend`, { reason: 'unpaid invoice' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.state).toBe('suspended');
    expect(suspended.body.effective.status).toBe('suspended');

    const twice = await h.call('POST', `/v1/entitlements/${e.id}/suspend`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('INVALID_STATE');

    const resumed = await h.call('POST', `/v1/entitlements/${e.id}/resume`);
    expect(resumed.body.state).toBe('active');

    // renew extends from the end while it runs...
    const renewed = await h.call('POST', `/v1/entitlements/${e.id}/renew`);
    expect(renewed.status).toBe(200);
    expect(renewed.body.endsAt).toBe('2028-03-01T00:00:00.000Z');

    // ...and from now once it has expired, so a late renewal does not buy time already past
    h.clock.set(Date.parse('2028-06-01T00:00:00Z'));
    expect((await h.call('GET', `/v1/entitlements/${e.id}`)).body.effective.status).toBe('expired');
    const late = await h.call('POST', `/v1/entitlements/${e.id}/renew`, { term: 'P1M' });
    expect(late.body.endsAt).toBe('2028-07-01T00:00:00.000Z');
    expect(late.body.effective.status).toBe('active');
    h.clock.set(T0);

    const revoked = await h.call('POST', `/v1/entitlements/${e.id}/revoke`, { reason: 'chargeback' });
    expect(revoked.body.state).toBe('revoked');
    for (const action of ['resume', 'suspend', 'renew', 'revoke']) {
      const r = await h.call('POST', `/v1/entitlements/${e.id}/${action}`);
      expect(r.status, action).toBe(409);
      expect(r.body.error.code).toBe('INVALID_STATE');
    }
  });

  it('records every step in the event log with actor, request id and a before/after diff', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).body;
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { seats: 7 } }, { headers: { 'x-request-id': 'req-from-crm-0001' } });
    await h.call('POST', `/v1/entitlements/${e.id}/suspend`);
    await h.call('POST', `/v1/entitlements/${e.id}/resume`);
    await h.call('POST', `/v1/entitlements/${e.id}/renew`);
    await h.call('POST', `/v1/entitlements/${e.id}/revoke`);

    const events = (await h.call('GET', `/v1/events?entitlement=${e.id}`)).body.data;
    expect(events.map((ev: { type: string }) => ev.type)).toEqual([
      'entitlement.revoked',
      'entitlement.renewed',
      'entitlement.resumed',
      'entitlement.suspended',
      'entitlement.updated',
      'entitlement.created',
    ]);
    const update = events[4];
    expect(update.before).toEqual({ overrides: {} });
    expect(update.after).toEqual({ overrides: { seats: 7 } });
    expect(update.requestId).toBe('req-from-crm-0001');
    expect(update.actor.type).toBe('api_key');
    expect(update.customerId).toBe(seed.customer.id);
    expect(JSON.stringify(events)).not.toContain(e.key);

    const byType = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.suspended`)).body.data;
    expect(byType).toHaveLength(1);
    const prefix = (await h.call('GET', `/v1/events?type=product.*`)).body.data;
    expect(prefix.map((ev: { type: string }) => ev.type)).toEqual(['product.created']);
  });

  it('filters events by time range', async () => {
    h.clock.set(T0 + 10 * DAY);
    const c = (await h.call('POST', '/v1/customers', { name: 'Later Ltd' })).body;
    h.clock.set(T0);
    const from = new Date(T0 + 9 * DAY).toISOString();
    const to = new Date(T0 + 11 * DAY).toISOString();
    const inRange = (await h.call('GET', `/v1/events?from=${from}&to=${to}`)).body.data;
    expect(inRange.map((ev: { subjectId: string }) => ev.subjectId)).toEqual([c.id]);
  });

  it('pages through lists with an opaque cursor', async () => {
    for (let i = 0; i < 5; i++) await h.call('POST', '/v1/customers', { name: `Pager ${i}`, externalRef: `pager-${i}` });
    const first = (await h.call('GET', '/v1/customers?q=pager&limit=2')).body;
    expect(first.data.map((c: { name: string }) => c.name)).toEqual(['Pager 4', 'Pager 3']);
    const second = (await h.call('GET', `/v1/customers?q=pager&limit=2&cursor=${first.nextCursor}`)).body;
    expect(second.data.map((c: { name: string }) => c.name)).toEqual(['Pager 2', 'Pager 1']);
    const third = (await h.call('GET', `/v1/customers?q=pager&limit=2&cursor=${second.nextCursor}`)).body;
    expect(third.data.map((c: { name: string }) => c.name)).toEqual(['Pager 0']);
    expect(third.nextCursor).toBeNull();
    const bad = await h.call('GET', '/v1/customers?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
  });
});
