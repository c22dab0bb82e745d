import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed, verifyLease } from '../support/client.js';

const HOUR = 3600_000;

describe.each(await storeKinds())('activation and leases on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('activates within the seat limit and refuses beyond it, naming the devices that hold the seats', async () => {
    const { client } = await licensed(h, { seats: 2 });
    const a = await client('activate', { fingerprint: fp(1), name: 'Laptop', platform: 'linux' });
    expect(a.status).toBe(201);
    expect(a.body.activation).toMatchObject({ fingerprint: fp(1), seatKind: 'device', state: 'active', name: 'Laptop' });
    expect((await client('activate', { fingerprint: fp(2) })).status).toBe(201);
    const refused = await client('activate', { fingerprint: fp(3) });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SEAT_LIMIT_REACHED');
    expect(refused.body.error.details).toMatchObject({ rule: 'seats', limit: 2, used: 2 });
    expect(refused.body.error.details.holders.map((x: { fingerprint: string }) => x.fingerprint).sort()).toEqual([fp(1), fp(2)]);
    expect(refused.body.error.details.resolve).toBeTruthy();
  });

  it('activating the same fingerprint again returns the same activation with a fresh lease', async () => {
    const { client } = await licensed(h, { seats: 1 });
    const first = await client('activate', { fingerprint: fp('same') });
    h.clock.advance(HOUR);
    const again = await client('activate', { fingerprint: fp('same') });
    expect(again.status).toBe(200);
    expect(again.body.activation.id).toBe(first.body.activation.id);
    expect(again.body.lease.id).not.toBe(first.body.lease.id);
  });

  it('activating again updates what the device says it is (name, platform, hostname, version), recorded once, and keeps what it does not send', async () => {
    const { client, entitlement } = await licensed(h, { seats: 1 });
    const device = { fingerprint: fp('described'), name: 'Old laptop', platform: 'windows', hostname: 'ws-1', version: '1.0.0' };
    const first = (await client('activate', device)).body.activation;
    const again = await client('activate', { fingerprint: device.fingerprint, name: 'New laptop', hostname: 'ws-2', version: '1.2.0' });
    expect(again.status).toBe(200);
    expect(again.body.activation).toMatchObject({
      id: first.id,
      name: 'New laptop',
      platform: 'windows',
      hostname: 'ws-2',
      version: '1.2.0',
    });
    const staff = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data[0];
    expect(staff).toMatchObject({ name: 'New laptop', hostname: 'ws-2', version: '1.2.0', platform: 'windows' });
    const updates = (await h.call('GET', `/v1/events?subject=${first.id}&type=activation.updated`)).body.data;
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      before: { name: 'Old laptop', hostname: 'ws-1', version: '1.0.0' },
      after: { name: 'New laptop', hostname: 'ws-2', version: '1.2.0' },
    });
    // The same description again changes nothing and records nothing.
    await client('activate', { fingerprint: device.fingerprint, version: '1.2.0' });
    expect((await h.call('GET', `/v1/events?subject=${first.id}&type=activation.updated`)).body.data).toHaveLength(1);
  });

  it('signs a lease any JOSE library verifies from the JWKS alone, and any changed byte breaks it', async () => {
    const { client, product, entitlement } = await licensed(h, { leasePeriod: 'P7D' });
    const res = await client('activate', { fingerprint: fp('jose') });
    const claims = await verifyLease(h, res.body.lease.token, product.code);
    expect(claims.sub).toBe(res.body.activation.id);
    expect(claims.jti).toBe(res.body.lease.id);
    expect(claims.fingerprint).toBe(fp('jose'));
    expect(claims.entitlement).toMatchObject({ id: entitlement.id, status: 'active', seats: 1, features: { export: true, projects: 3 } });
    expect(claims.exp - claims.iat).toBe(7 * 24 * 3600);
    expect(claims.refreshAfter).toBeGreaterThan(claims.iat);
    expect(claims.refreshAfter).toBeLessThan(claims.exp);

    const token: string = res.body.lease.token;
    for (const position of [5, token.indexOf('.') + 10, token.length - 3]) {
      const flipped = token.slice(0, position) + (token[position] === 'A' ? 'B' : 'A') + token.slice(position + 1);
      await expect(verifyLease(h, flipped, product.code)).rejects.toThrow();
    }
  });

  it('never lets a lease outlive the entitlement term or the lease period, and records every lease', async () => {
    const ends = new Date(h.clock.now() + 2 * 24 * HOUR).toISOString();
    const { client, product, entitlement } = await licensed(h, { leasePeriod: 'P30D' }, { entitlement: { endsAt: ends } });
    const res = await client('activate', { fingerprint: fp('term') });
    const claims = await verifyLease(h, res.body.lease.token, product.code);
    expect(claims.exp * 1000).toBeLessThanOrEqual(Date.parse(ends));
    expect(res.body.lease.expiresAt).toBe(ends);

    // The lease period is the entitlement's to override, independent of the term.
    await h.call('PATCH', `/v1/entitlements/${entitlement.id}`, { overrides: { leasePeriod: 'PT1H' } });
    const next = await client('refresh', { fingerprint: fp('term') });
    const c2 = await verifyLease(h, next.body.lease.token, product.code);
    expect(c2.exp - c2.iat).toBe(3600);

    const leases = (await h.call('GET', `/v1/entitlements/${entitlement.id}/leases`)).body.data;
    expect(leases.map((l: { id: string }) => l.id)).toEqual([next.body.lease.id, res.body.lease.id]);
  });

  it('a change in the cloud is in the next lease', async () => {
    const { client, product, entitlement } = await licensed(h, {});
    await client('activate', { fingerprint: fp('dyn') });
    await h.call('PATCH', `/v1/entitlements/${entitlement.id}`, { overrides: { seats: 4, features: { export: false, projects: 40 } } });
    const res = await client('refresh', { fingerprint: fp('dyn') });
    const claims = await verifyLease(h, res.body.lease.token, product.code);
    expect(claims.entitlement.seats).toBe(4);
    expect(claims.entitlement.features).toEqual({ export: false, projects: 40 });
  });

  it('a suspended entitlement gets no new lease: refresh and validate answer SUSPENDED, resume restores both', async () => {
    const { client, entitlement } = await licensed(h, {});
    await client('activate', { fingerprint: fp('susp') });
    await h.call('POST', `/v1/entitlements/${entitlement.id}/suspend`);
    const refused = await client('refresh', { fingerprint: fp('susp') });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('SUSPENDED');
    const v = await client('validate', { fingerprint: fp('susp') });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ valid: false, code: 'SUSPENDED' });
    await h.call('POST', `/v1/entitlements/${entitlement.id}/resume`);
    expect((await client('refresh', { fingerprint: fp('susp') })).status).toBe(200);
  });

  it('a device deactivated by the vendor loses its seat and its next refresh fails', async () => {
    const { client, entitlement } = await licensed(h, { seats: 1 });
    const a = await client('activate', { fingerprint: fp('old') });
    expect((await client('activate', { fingerprint: fp('new') })).status).toBe(409);
    const del = await h.call('DELETE', `/v1/activations/${a.body.activation.id}`);
    expect(del.body.state).toBe('deactivated');
    const r = await client('refresh', { fingerprint: fp('old') });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_ACTIVATED');
    expect((await client('activate', { fingerprint: fp('new') })).status).toBe(201);
    const list = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    expect(list.map((x: { state: string }) => x.state).sort()).toEqual(['active', 'deactivated']);
  });

  it('returning an entitlement releases every seat and stops its leases', async () => {
    const { client, entitlement } = await licensed(h, { seats: 3 });
    await client('activate', { fingerprint: fp('r1') });
    await client('activate', { fingerprint: fp('r2') });
    const ret = await h.call('POST', `/v1/entitlements/${entitlement.id}/return`, { reason: 'customer moved to SaaS' });
    expect(ret.body.state).toBe('returned');
    const acts = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations?state=active`)).body.data;
    expect(acts).toEqual([]);
    const r = await client('refresh', { fingerprint: fp('r1') });
    expect(r.body.error.code).toBe('RETURNED');
  });

  it('an unknown key gets 401 on writes, and a typo is told apart from a wrong key', async () => {
    const { key } = await licensed(h, {});
    const typo = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
    const r = await h.call(
      'POST',
      '/v1/client/activate',
      { fingerprint: fp('x') },
      { key: null, headers: { authorization: `License ${typo}` } },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'LICENSE_KEY_INVALID', details: { typo: true } });
    // lower case and no dashes are the same key
    const relaxed = key.toLowerCase().replace(/-/g, '');
    const ok = await h.call(
      'POST',
      '/v1/client/activate',
      { fingerprint: fp('x') },
      { key: null, headers: { authorization: `License ${relaxed}` } },
    );
    expect(ok.status).toBe(201);
  });
});
