import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { countAll, eventCount } from '../support/counts.js';
import { asLicense, fp, licensed } from '../support/client.js';

/** What one account holds for the client API: a license with an activated device. */
interface Side {
  accountId: string;
  adminKey: string;
  key: string;
  entitlement: string;
  product: string;
  activation: string;
  token: string;
}

describe.each(await storeKinds())('the account boundary of the client API on %s', (kind) => {
  let h: Harness;
  let a: Side;
  let b: Side;

  const jwks = async (accountId: string) =>
    (await h.call('GET', `/.well-known/jwks.json?account=${accountId}`, undefined, { key: null })).body;
  const verifyWith = (accountId: string, token: string, issuer: string) =>
    jwks(accountId).then((set) =>
      jwtVerify(token, createLocalJWKSet(set), { algorithms: ['EdDSA'], issuer, audience: 'app', currentDate: new Date(h.clock.now()) }),
    );

  /** Everything account B holds that a license key of A could touch. */
  const bView = async () => ({
    activations: (await h.call('GET', `/v1/entitlements/${b.entitlement}/activations`, undefined, { key: b.adminKey })).body,
    leases: await countAll(h, `/v1/entitlements/${b.entitlement}/leases`, b.adminKey),
    entitlements: await countAll(h, '/v1/entitlements', b.adminKey),
    customers: await countAll(h, '/v1/customers', b.adminKey),
    events: await eventCount(h, b.adminKey),
  });

  beforeAll(async () => {
    h = await createHarness(kind);
    const la = await licensed(h, { seats: 2 });
    const activated = (await la.client('activate', { fingerprint: fp('shared') })).body;
    a = {
      accountId: h.accountId,
      adminKey: h.adminKey,
      key: la.key,
      entitlement: la.entitlement.id,
      product: la.product.id,
      activation: activated.activation.id,
      token: activated.lease.token,
    };
    // Account B sells a product with the same code, and its device has the same fingerprint.
    const other = await h.newAccount('Vendor B');
    const asB = (method: string, url: string, body?: unknown) => h.call(method, url, body, { key: other.adminKey });
    const product = (await asB('POST', '/v1/products', { code: 'app', name: 'B app' })).body;
    await asB('POST', '/v1/offerings', { productId: 'app', code: 'b-1', name: 'B', licenseModel: 'perpetual', seats: 2 });
    const customer = (await asB('POST', '/v1/customers', { name: 'B customer' })).body;
    const ent = (await asB('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'b-1' })).body;
    const bActivated = (await asLicense(h, ent.key)('activate', { fingerprint: fp('shared') })).body;
    b = {
      accountId: other.accountId,
      adminKey: other.adminKey,
      key: ent.key,
      entitlement: ent.id,
      product: product.id,
      activation: bActivated.activation.id,
      token: bActivated.lease.token,
    };
  });
  afterAll(() => h.close());

  it('each account has its own JWKS, selected by ?account=, and a lease verifies only with its own', async () => {
    const kidsA = (await jwks(a.accountId)).keys.map((k: { kid: string }) => k.kid);
    const kidsB = (await jwks(b.accountId)).keys.map((k: { kid: string }) => k.kid);
    expect(kidsA.length).toBeGreaterThan(0);
    expect(kidsB.length).toBeGreaterThan(0);
    expect(kidsA.filter((k: string) => kidsB.includes(k))).toEqual([]);

    expect((await verifyWith(a.accountId, a.token, a.accountId)).payload.sub).toBe(a.activation);
    expect((await verifyWith(b.accountId, b.token, b.accountId)).payload.sub).toBe(b.activation);
    await expect(verifyWith(b.accountId, a.token, a.accountId)).rejects.toThrow();
    await expect(verifyWith(a.accountId, b.token, b.accountId)).rejects.toThrow();
  });

  it('the bare JWKS URL keeps answering the first account after more are made; each account has its own URL; an unknown account has none', async () => {
    // The first vendor's installed applications fetch the bare URL: a second account must not break it.
    const bare = await h.call('GET', '/.well-known/jwks.json', undefined, { key: null });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual(await jwks(a.accountId));
    await h.newAccount('Vendor C');
    expect((await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body).toEqual(bare.body);
    // Each account's own URL, public and cacheable like the bare one.
    for (const side of [a, b]) {
      const own = await h.call('GET', `/.well-known/accounts/${side.accountId}/jwks.json`, undefined, { key: null });
      expect(own.status).toBe(200);
      expect(own.headers['cache-control']).toBe('public, max-age=300');
      expect(own.body).toEqual(await jwks(side.accountId));
      const verified = await jwtVerify(side.token, createLocalJWKSet(own.body), {
        algorithms: ['EdDSA'],
        issuer: side.accountId,
        audience: 'app',
        currentDate: new Date(h.clock.now()),
      });
      expect(verified.payload.sub).toBe(side.activation);
    }
    for (const ghost of ['acc_00000000000000000000000000', 'nobody']) {
      for (const url of [`/.well-known/jwks.json?account=${ghost}`, `/.well-known/accounts/${ghost}/jwks.json`]) {
        const res = await h.call('GET', url, undefined, { key: null });
        expect(res.status, url).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    }
    // Asking made no keys for accounts that do not exist (and C, never asked for, has none yet).
    const rows = await h.services.store.database.db.selectFrom('signing_keys').select('account_id').distinct().execute();
    expect(rows.map((r) => r.account_id).sort()).toEqual([a.accountId, b.accountId].sort());
  });

  it('a license key of A reaches only A’s license: the same fingerprint and product code in B are untouched', async () => {
    const before = await bView();
    const client = asLicense(h, a.key);
    const again = await client('activate', { fingerprint: fp('shared') });
    expect(again.status).toBe(200);
    expect(again.body.activation.id).toBe(a.activation);
    expect((await client('refresh', { fingerprint: fp('shared') })).body.lease.token).toBeTruthy();
    const v = await client('validate', { fingerprint: fp('shared'), product: 'app' });
    expect(v.body).toMatchObject({ valid: true, entitlement: { id: a.entitlement }, activation: { id: a.activation } });
    // B's product id is not A's product.
    expect((await client('validate', { product: b.product })).body.code).toBe('PRODUCT_MISMATCH');
    expect((await client('deactivate', { fingerprint: fp('shared') })).status).toBe(204);
    expect(await bView()).toEqual(before);
    expect((await h.call('GET', `/v1/activations/${b.activation}`, undefined, { key: b.adminKey })).body.state).toBe('active');
  });

  it('a trial names a product of the account it asks, never another account’s', async () => {
    const before = await bView();
    const res = await h.call(
      'POST',
      '/v1/client/trial',
      { product: a.product, account: b.accountId, fingerprint: fp('trial') },
      { key: null },
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(await bView()).toEqual(before);
  });

  it('a license key is never a Bearer key, and an API key is never a license key: 401', async () => {
    for (const [method, url] of [
      ['GET', '/v1/entitlements'],
      ['GET', `/v1/entitlements/${a.entitlement}/activations`],
      ['GET', `/v1/activations/${a.activation}`],
      ['GET', '/v1/signing-keys'],
    ] as const) {
      for (const authorization of [`Bearer ${a.key}`, `License ${a.key}`]) {
        const res = await h.call(method, url, undefined, { key: null, headers: { authorization } });
        expect(res.status, `${authorization.split(' ')[0]} ${url}`).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHENTICATED');
      }
    }
    const events = await eventCount(h);
    for (const path of ['activate', 'refresh', 'heartbeat', 'borrow', 'deactivate']) {
      for (const authorization of [`License ${h.adminKey}`, `Bearer ${h.adminKey}`, `Bearer ${a.key}`]) {
        const res = await h.call(
          'POST',
          `/v1/client/${path}`,
          { fingerprint: fp('shared'), duration: 'PT1H' },
          { key: null, headers: { authorization } },
        );
        expect(res.status, `${authorization.split(' ')[0]} ${path}`).toBe(401);
        expect(['LICENSE_KEY_INVALID', 'UNAUTHENTICATED']).toContain(res.body.error.code);
      }
    }
    // Validation answers 200 as always, but knows no license by an API key.
    const v = await h.call('POST', '/v1/client/validate', {}, { key: null, headers: { authorization: `License ${h.adminKey}` } });
    expect(v.body).toMatchObject({ valid: false, code: 'NOT_FOUND', entitlement: null });
    expect(await eventCount(h)).toBe(events);
  });
});
