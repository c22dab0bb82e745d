import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { asLicense, fp, verifyLease } from '../support/client.js';
import { joined, type PortalClient } from './support.js';

/** Offline activation of air-gapped machines and usage statements, from the portal, on both stores. */
describe.each(await storeKinds())('offline activation and usage in the portal (%s)', (kind) => {
  let h: Harness;
  let mine: { id: string; key: string };
  let theirs: { id: string; key: string };
  let member: PortalClient;

  const request = (key: string, device: string) => ({
    format: 'leasehold-offline-request',
    v: 1,
    product: 'render',
    fingerprint: fp(device),
    licenseKey: key,
    nonce: `nonce-${device}-0123456789abcdef`,
    createdAt: new Date(h.clock.now()).toISOString(),
    hostname: `host-${device}`,
  });

  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.set(T0);
    await h.call('POST', '/v1/products', { code: 'render', name: 'Render farm' });
    await h.call('POST', '/v1/products/render/features', { code: 'exports', name: 'Exports', type: 'consumption', unit: 'exports' });
    await h.call('POST', '/v1/offerings', {
      productId: 'render',
      code: 'metered',
      name: 'Metered',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 1,
      leasePeriod: 'P30D',
      features: { exports: { limit: 100, overage: 'bill' } },
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Studio' })).body;
    const other = (await h.call('POST', '/v1/customers', { name: 'Elsewhere' })).body;
    mine = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'metered' })).body;
    theirs = (await h.call('POST', '/v1/entitlements', { customerId: other.id, offeringId: 'metered' })).body;
    member = (await joined(h, customer.id, 'ops@studio.test', 'member')).portal;
  });
  afterAll(() => h?.close());

  it("a member answers an air-gapped machine's request file: a signed lease for that machine, echoing its nonce, recorded as theirs", async () => {
    const res = await member.call('POST', '/v1/portal/offline-activations', request(mine.key, 'vault-1'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="offline-response-act_/);
    expect(res.body).toMatchObject({
      format: 'leasehold-offline-response',
      fingerprint: fp('vault-1'),
      nonce: 'nonce-vault-1-0123456789abcdef',
    });
    const claims = await verifyLease(h, res.body.lease.token, 'render');
    expect(claims).toMatchObject({ sub: res.body.activationId, fingerprint: fp('vault-1') });
    const events = (await h.call('GET', `/v1/events?entitlement=${mine.id}&type=activation.offline_answered`)).body.data;
    expect(events[0].actor.type).toBe('portal_user');
    const again = await member.call('POST', '/v1/portal/offline-activations', request(mine.key, 'vault-1'));
    expect([again.status, again.body.activationId]).toEqual([200, res.body.activationId]);
  });

  it("the seat limit holds offline too, and another customer's key is NOT_FOUND; neither changes anything", async () => {
    const before = await eventCount(h);
    const full = await member.call('POST', '/v1/portal/offline-activations', request(mine.key, 'vault-2'));
    expect([full.status, full.body.error.code]).toEqual([409, 'SEAT_LIMIT_REACHED']);
    const foreign = await member.call('POST', '/v1/portal/offline-activations', request(theirs.key, 'vault-3'));
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(JSON.stringify(foreign.body)).not.toContain(theirs.id);
    const made = await member.call('POST', '/v1/portal/offline-activations', request('LH-MADE-UP-KEY', 'vault-3'));
    expect([made.status, made.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(await eventCount(h)).toBe(before);
    expect((await h.call('GET', `/v1/entitlements/${theirs.id}/activations`)).body.data).toEqual([]);
  });

  it('usage now, and the statement per period with what is billable, as JSON and CSV; only their own entitlements', async () => {
    const client = asLicense(h, mine.key);
    const theirClient = asLicense(h, theirs.key);
    await client('activate', { fingerprint: fp('vault-1') });
    await theirClient('activate', { fingerprint: fp('x') });
    const used = await client('usage', {
      fingerprint: fp('vault-1'),
      records: [{ feature: 'exports', quantity: 130, idempotencyKey: 'k1' }],
    });
    expect(used.status, JSON.stringify(used.body)).toBeLessThan(300);
    await theirClient('usage', { fingerprint: fp('x'), records: [{ feature: 'exports', quantity: 7, idempotencyKey: 'k2' }] });

    const now = await member.call('GET', `/v1/portal/entitlements/${mine.id}/usage`);
    expect(now.body.quotas.exports).toMatchObject({ used: 130, limit: 100 });
    expect((await member.call('GET', `/v1/portal/entitlements/${theirs.id}/usage`)).status).toBe(404);

    const range = `from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z`;
    const statement = await member.call('GET', `/v1/portal/usage/statement?${range}`);
    expect(statement.status, JSON.stringify(statement.body)).toBe(200);
    expect(statement.body.lines).toEqual([
      expect.objectContaining({ entitlementId: mine.id, feature: 'exports', unit: 'exports', used: 130, included: 100, billable: 30 }),
    ]);
    const csv = await h.app.inject({
      method: 'GET',
      url: `/v1/portal/usage/statement?${range}&format=csv&entitlement=${mine.id}`,
      headers: { cookie: member.cookie },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row, ...rest] = csv.body.trim().split('\n');
    expect(header).toContain('entitlementId');
    expect(row).toContain(mine.id);
    expect(row).toContain(',130,100,30');
    expect(rest).toEqual([]);
    expect(csv.body).not.toContain(theirs.id);
    const foreign = await member.call('GET', `/v1/portal/usage/statement?${range}&entitlement=${theirs.id}`);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const noCustomer = await member.call('GET', `/v1/portal/usage/statement?${range}&customer=${theirs.id}`);
    expect(noCustomer.status).toBe(400);
  });
});
