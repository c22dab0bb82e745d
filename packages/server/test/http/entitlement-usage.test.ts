import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';

describe.each(await storeKinds())("an entitlement's usage now, read by the vendor, on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    h.clock.set(T0);
    await h.call('POST', '/v1/products', { code: 'render', name: 'Render farm' });
    for (const [code, type] of [
      ['exports', 'consumption'],
      ['jobs', 'pool'],
      ['gpu', 'boolean'],
    ] as const) {
      await h.call('POST', '/v1/products/render/features', { code, name: code, type });
    }
  });
  afterAll(() => h.close());

  it('answers each quota this period and each pool with its holders, as devices report and check out', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'render',
      code: 'std',
      name: 'Standard',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 5,
      features: { exports: 100, jobs: 4, gpu: true },
    });
    const c = (await h.call('POST', '/v1/customers', { name: 'Studio' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'std' })).body;
    const client = asLicense(h, e.key);

    const empty = await h.call('GET', `/v1/entitlements/${e.id}/usage`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      quotas: { exports: { used: 0, limit: 100, remaining: 100, periodEndsAt: '2026-04-01T00:00:00.000Z', overage: 'block' } },
      pools: [{ feature: 'jobs', inUse: 0, limit: 4, holders: [] }],
    });

    await client('activate', { fingerprint: fp('node-1') });
    await client('usage', { fingerprint: fp('node-1'), records: [{ feature: 'exports', quantity: 30, idempotencyKey: 'k1' }] });
    await client('pools/jobs/checkout', { fingerprint: fp('node-1'), count: 3 });
    const now = (await h.call('GET', `/v1/entitlements/${e.id}/usage`)).body;
    expect(now.quotas.exports).toMatchObject({ used: 30, limit: 100, remaining: 70 });
    expect(now.pools).toEqual([
      { feature: 'jobs', inUse: 3, limit: 4, holders: [expect.objectContaining({ fingerprint: fp('node-1'), count: 3 })] },
    ]);

    // An override moves the limits at once.
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { features: { exports: 20, jobs: 2 } } });
    const after = (await h.call('GET', `/v1/entitlements/${e.id}/usage`)).body;
    expect(after.quotas.exports).toMatchObject({ used: 30, limit: 20, remaining: 0 });
    expect(after.pools[0]).toMatchObject({ inUse: 3, limit: 2 });

    expect((await h.call('GET', '/v1/entitlements/ent_nope/usage')).status).toBe(404);
  });
});
