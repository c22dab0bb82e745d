import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';

const withPostgres = (await storeKinds()).includes('postgres');

/** The seat limit under real concurrency: two server processes, one PostgreSQL database. */
describe.skipIf(!withPostgres)('seat limits across two server processes on one PostgreSQL database', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    killAll();
    for (const step of cleanup.reverse()) await step();
  });

  it('50 simultaneous activations through both processes take exactly the 10 seats', async () => {
    const db = await createPostgresDatabase();
    cleanup.push(() => db.drop());
    const adminKey = `lh_${randomBytes(24).toString('hex')}`;
    const env = { DATABASE_URL: db.url, LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'), LEASEHOLD_ADMIN_KEY: adminKey };
    const servers: ServerProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const dir = tempDataDir();
      cleanup.push(() => removeDir(dir));
      servers.push(await startServer({ ...env, LEASEHOLD_DATA_DIR: dir }));
    }
    const [a, b] = servers as [ServerProcess, ServerProcess];

    expect((await api(a.url, adminKey, 'POST', '/v1/products', { code: 'race', name: 'Race' })).status).toBe(201);
    expect(
      (
        await api(a.url, adminKey, 'POST', '/v1/offerings', {
          productId: 'race',
          code: 'race-10',
          name: 'Ten',
          licenseModel: 'perpetual',
          seats: 10,
        })
      ).status,
    ).toBe(201);
    const customer = (await api(b.url, adminKey, 'POST', '/v1/customers', { name: 'Racer' })).body;
    const entitlement = (await api(b.url, adminKey, 'POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'race-10' })).body;

    const attempts = Array.from({ length: 50 }, (_, i) =>
      fetch(`${(i % 2 ? a : b).url}/v1/client/activate`, {
        method: 'POST',
        headers: { authorization: `License ${entitlement.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ fingerprint: `race-device-${i}` }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { error: { code: string }; lease: { token: string }; activation: { id: string } },
      })),
    );
    const results = await Promise.all(attempts);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'SEAT_LIMIT_REACHED')).toBe(true);

    const live = await api(a.url, adminKey, 'GET', `/v1/entitlements/${entitlement.id}/activations?state=active&limit=100`);
    expect(live.body.data).toHaveLength(10);

    // Both processes sign with the account's one active key: a lease from either verifies with the JWKS.
    const jwks = (await api(b.url, null, 'GET', '/.well-known/jwks.json')).body;
    for (const r of results.filter((x) => x.status === 201)) {
      const { payload } = await jwtVerify(r.body.lease.token, createLocalJWKSet(jwks), { audience: 'race' });
      expect(payload.sub).toBe(r.body.activation.id);
    }
    expect(jwks.keys).toHaveLength(1);
  });
});
