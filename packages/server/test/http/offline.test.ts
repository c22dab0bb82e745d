import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed, verifyLease } from '../support/client.js';

/** POST /v1/offline/activations through the real router, on every store. */
describe.each(await storeKinds())('offline activation answers on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  const request = (key: string, device: string, extra: Record<string, unknown> = {}) => ({
    format: 'leasehold-offline-request',
    v: 1,
    product: 'app',
    fingerprint: fp(device),
    licenseKey: key,
    nonce: `nonce-${device}-0123456789abcdef`,
    createdAt: new Date(h.clock.now()).toISOString(),
    hostname: `host-${device}`,
    ...extra,
  });

  it('answers with a signed lease for the requesting device, echoing its nonce; asking again renews the same activation', async () => {
    const { key, product, entitlement } = await licensed(h, { leasePeriod: 'P30D', seats: 1 });
    const first = await h.call('POST', '/v1/offline/activations', request(key, 'air-1'));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      format: 'leasehold-offline-response',
      v: 1,
      product: 'app',
      fingerprint: fp('air-1'),
      nonce: 'nonce-air-1-0123456789abcdef',
    });
    const claims = await verifyLease(h, first.body.lease.token, product.code);
    expect(claims).toMatchObject({ sub: first.body.activationId, fingerprint: fp('air-1') });
    expect(claims.exp - claims.iat).toBe(30 * 24 * 3600);

    const again = await h.call('POST', '/v1/offline/activations', request(key, 'air-1'));
    expect(again.status).toBe(200);
    expect(again.body.activationId).toBe(first.body.activationId);

    const events = (await h.call('GET', `/v1/events?entitlement=${entitlement.id}&limit=100`)).body.data;
    expect(events.map((e: { type: string }) => e.type)).toContain('activation.offline_answered');
    const acts = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ hostname: 'host-air-1', meta: { activatedOffline: true } });
  });

  it('gives offline activations the offering’s own lease period, for air-gapped sites; online activations keep leasePeriod', async () => {
    const { key, product, offering, client } = await licensed(h, { leasePeriod: 'P7D', offlineLeasePeriod: 'P180D', seats: 3 });
    expect(offering.offlineLeasePeriod).toBe('P180D');
    const offline = await h.call('POST', '/v1/offline/activations', request(key, 'vault-1'));
    const claims = await verifyLease(h, offline.body.lease.token, product.code);
    expect(claims.exp - claims.iat).toBe(180 * 24 * 3600);
    expect(claims.entitlement.leasePeriod).toBe('P180D');
    const online = await client('activate', { fingerprint: fp('online-1') });
    const onlineClaims = await verifyLease(h, online.body.lease.token, product.code);
    expect(onlineClaims.exp - onlineClaims.iat).toBe(7 * 24 * 3600);
    // The setting is checked like any other duration, and can be cleared.
    const bad = await h.call('PATCH', `/v1/offerings/${offering.id}`, { offlineLeasePeriod: 'half a year' });
    expect(bad.status).toBe(400);
    const cleared = await h.call('PATCH', `/v1/offerings/${offering.id}`, { offlineLeasePeriod: null });
    expect(cleared.body.offlineLeasePeriod).toBeNull();
    const again = await h.call('POST', '/v1/offline/activations', request(key, 'vault-2'));
    const againClaims = await verifyLease(h, again.body.lease.token, product.code);
    expect(againClaims.exp - againClaims.iat).toBe(7 * 24 * 3600);
  });

  it('holds the same rules as an online activation: seat limit, product, suspension', async () => {
    const { key, entitlement } = await licensed(h, { seats: 1 });
    expect((await h.call('POST', '/v1/offline/activations', request(key, 'seat-1'))).status).toBe(201);
    const full = await h.call('POST', '/v1/offline/activations', request(key, 'seat-2'));
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('SEAT_LIMIT_REACHED');
    const wrongProduct = await h.call('POST', '/v1/offline/activations', request(key, 'seat-1', { product: 'other' }));
    expect(wrongProduct.body.error.code).toBe('PRODUCT_MISMATCH');
    await h.call('POST', `/v1/entitlements/${entitlement.id}/suspend`, {});
    expect((await h.call('POST', '/v1/offline/activations', request(key, 'seat-1'))).body.error.code).toBe('SUSPENDED');
  });

  it('needs entitlements:write, finds no license of another account, and refuses a malformed request', async () => {
    const { key } = await licensed(h, {});
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'ro', role: 'readonly' })).body.key;
    expect((await h.call('POST', '/v1/offline/activations', request(key, 'x'), { key: readonly })).status).toBe(403);
    expect((await h.call('POST', '/v1/offline/activations', request(key, 'x'), { key: null })).status).toBe(401);

    const other = await h.newAccount();
    const foreign = await h.call('POST', '/v1/offline/activations', request(key, 'x'), { key: other.adminKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'NOT_FOUND', details: { field: 'licenseKey' } });

    const malformed = await h.call('POST', '/v1/offline/activations', { ...request(key, 'x'), format: 'something-else' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_REQUEST');
  });
});
