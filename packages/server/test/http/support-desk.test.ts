import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp, licensed } from '../support/client.js';

/** What a support desk does with a license a customer calls about: find the device, re-key the license. */
describe.each(await storeKinds())('the support desk on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('re-keying gives a new key at once; the old one stops, nothing else changes, and the log says so without the key', async () => {
    const { entitlement, key, client } = await licensed(h, { seats: 2 });
    expect((await client('activate', { fingerprint: fp('rekey-1') })).status).toBe(201);
    const res = await h.call('POST', `/v1/entitlements/${entitlement.id}/rekey`, { reason: 'key posted on a forum' });
    expect(res.status).toBe(200);
    expect(res.body.key).not.toBe(key);
    expect(res.body.key).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(res.body.version).toBe(entitlement.version);
    expect((await h.call('GET', `/v1/entitlements/${entitlement.id}`)).body.key).toBe(res.body.key);
    expect((await h.call('GET', `/v1/entitlements?key=${res.body.key}`)).body.data.map((e: { id: string }) => e.id)).toEqual([
      entitlement.id,
    ]);
    expect((await h.call('GET', `/v1/entitlements?key=${key}`)).body.data).toEqual([]);
    const old = await client('validate', { fingerprint: fp('rekey-1') });
    expect(old.body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    const events = (await h.call('GET', `/v1/events?type=entitlement.rekeyed&entitlement=${entitlement.id}`)).body.data;
    expect(events).toHaveLength(1);
    expect(events[0].after).toMatchObject({ reason: 'key posted on a forum', oldKeyValidUntil: null });
    expect(JSON.stringify(events[0])).not.toContain(res.body.key);
    expect(JSON.stringify(events[0])).not.toContain(key);
  });

  it('with oldKeyValidUntil the old key keeps working until then', async () => {
    const { entitlement, client } = await licensed(h, { seats: 2 });
    const until = new Date(h.clock.now() + 3 * 86_400_000).toISOString();
    const res = await h.call('POST', `/v1/entitlements/${entitlement.id}/rekey`, { oldKeyValidUntil: until });
    expect(res.status).toBe(200);
    expect((await client('activate', { fingerprint: fp('grace-1') })).status).toBe(201);
    h.clock.advance(4 * 86_400_000);
    expect((await client('validate', { fingerprint: fp('grace-1') })).body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect((await asLicense(h, res.body.key)('validate', { fingerprint: fp('grace-1') })).body.valid).toBe(true);
  });

  it('refuses to re-key a revoked entitlement or with a grace that has already ended, and changes nothing', async () => {
    const { entitlement, key } = await licensed(h, {});
    const past = await h.call('POST', `/v1/entitlements/${entitlement.id}/rekey`, {
      oldKeyValidUntil: new Date(h.clock.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'oldKeyValidUntil' } });
    await h.call('POST', `/v1/entitlements/${entitlement.id}/revoke`);
    const revoked = await h.call('POST', `/v1/entitlements/${entitlement.id}/rekey`);
    expect(revoked.status).toBe(409);
    expect(revoked.body.error.code).toBe('INVALID_STATE');
    expect((await h.call('GET', `/v1/entitlements/${entitlement.id}`)).body.key).toBe(key);
    expect((await h.call('POST', '/v1/entitlements/ent_nobody/rekey')).status).toBe(404);
  });

  it('a read-only key may not re-key', async () => {
    const { entitlement } = await licensed(h, {});
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'auditor', role: 'readonly' })).body.key;
    expect((await h.call('POST', `/v1/entitlements/${entitlement.id}/rekey`, {}, { key: readonly })).status).toBe(403);
  });

  it('finds a device by its fingerprint on every entitlement it activated, and nothing for an unknown one', async () => {
    const a = await licensed(h, { seats: 2 });
    const b = await licensed(h, { seats: 2 });
    const device = fp('shared-laptop');
    expect((await a.client('activate', { fingerprint: device, name: 'Ada laptop' })).status).toBe(201);
    expect((await b.client('activate', { fingerprint: device })).status).toBe(201);
    expect((await a.client('activate', { fingerprint: fp('other') })).status).toBe(201);
    const found = await h.call('GET', `/v1/activations?fingerprint=${device}`);
    expect(found.status).toBe(200);
    expect(found.body.data.map((x: { entitlementId: string }) => x.entitlementId).sort()).toEqual(
      [a.entitlement.id, b.entitlement.id].sort(),
    );
    expect((await h.call('GET', `/v1/activations?fingerprint=${fp('nobody')}`)).body.data).toEqual([]);
    expect((await h.call('GET', '/v1/activations')).status).toBe(400);
    const unknownParam = await h.call('GET', `/v1/activations?fingerprint=${device}&customer=x`);
    expect(unknownParam.status).toBe(400);
    // Another account never sees this account's devices.
    const other = await h.newAccount('Other vendor');
    expect((await h.call('GET', `/v1/activations?fingerprint=${device}`, undefined, { key: other.adminKey })).body.data).toEqual([]);
  });

  it('names who did what to a support key that may read the log but not manage access: names only, no email or role', async () => {
    const support = (await h.call('POST', '/v1/api-keys', { name: 'Helpdesk', role: 'support' })).body;
    await h.call('POST', '/v1/staff-users', {
      email: 'ben@vendor.test',
      name: 'Ben Support',
      password: 'a long passphrase here',
      role: 'support',
    });
    expect((await h.call('GET', '/v1/staff-users', undefined, { key: support.key })).status).toBe(403);
    const res = await h.call('GET', '/v1/actors', undefined, { key: support.key });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(
      expect.arrayContaining([
        { type: 'api_key', id: support.id, name: 'Helpdesk' },
        expect.objectContaining({ type: 'user', name: 'Ben Support' }),
      ]),
    );
    expect(JSON.stringify(res.body)).not.toMatch(/ben@vendor\.test|"role"/);
    expect((await h.call('GET', '/v1/actors?limit=5')).status).toBe(400);
  });
});
