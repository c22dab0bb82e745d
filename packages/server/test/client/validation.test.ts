import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp, licensed } from '../support/client.js';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('validation codes on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  /** Each case sets up a license, then validates; the code must be exactly the expected one. */
  const cases: Array<{ code: string; valid: boolean; run: () => Promise<{ body: { valid: boolean; code: string } }> }> = [
    {
      code: 'VALID',
      valid: true,
      run: async () => {
        const { client } = await licensed(h, {});
        await client('activate', { fingerprint: fp('v') });
        return client('validate', { fingerprint: fp('v'), product: 'app', features: ['export'] });
      },
    },
    { code: 'NOT_FOUND', valid: false, run: () => asLicense(h, 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ')('validate', {}) },
    {
      code: 'PRODUCT_MISMATCH',
      valid: false,
      run: async () => (await licensed(h, {})).client('validate', { product: 'some-other-product' }),
    },
    {
      code: 'SUSPENDED',
      valid: false,
      run: async () => {
        const { client, entitlement } = await licensed(h, {});
        await h.call('POST', `/v1/entitlements/${entitlement.id}/suspend`);
        return client('validate', {});
      },
    },
    {
      code: 'REVOKED',
      valid: false,
      run: async () => {
        const { client, entitlement } = await licensed(h, {});
        await h.call('POST', `/v1/entitlements/${entitlement.id}/revoke`);
        return client('validate', {});
      },
    },
    {
      code: 'RETURNED',
      valid: false,
      run: async () => {
        const { client, entitlement } = await licensed(h, {});
        await h.call('POST', `/v1/entitlements/${entitlement.id}/return`);
        return client('validate', {});
      },
    },
    {
      code: 'NOT_STARTED',
      valid: false,
      run: async () => (await licensed(h, {}, { entitlement: { startsAt: new Date(T0 + 3 * DAY).toISOString() } })).client('validate', {}),
    },
    {
      code: 'EXPIRED',
      valid: false,
      run: async () =>
        (await licensed(h, {}, { entitlement: { startsAt: new Date(T0 - 400 * DAY).toISOString() } })).client('validate', {}),
    },
    {
      code: 'NOT_ACTIVATED',
      valid: false,
      run: async () => (await licensed(h, { seats: 2 })).client('validate', { fingerprint: fp('never') }),
    },
    {
      code: 'FINGERPRINT_MISMATCH',
      valid: false,
      run: async () => {
        const { client } = await licensed(h, { seats: 1 });
        await client('activate', { fingerprint: fp('owner') });
        return client('validate', { fingerprint: fp('intruder') });
      },
    },
    {
      code: 'FEATURE_MISSING',
      valid: false,
      run: async () =>
        (await licensed(h, { features: { export: false, projects: 3 } })).client('validate', { features: ['projects', 'export'] }),
    },
  ];

  for (const c of cases) {
    it(`answers ${c.code} with valid: ${c.valid} and status 200`, async () => {
      const res = (await c.run()) as { status?: number; body: { valid: boolean; code: string; warnings: unknown[] } };
      expect(res.status).toBe(200);
      expect(res.body.code).toBe(c.code);
      expect(res.body.valid).toBe(c.valid);
      expect(Array.isArray(res.body.warnings)).toBe(true);
    });
  }

  it('a valid license carries its rights and warns, without failing, when the term ends soon', async () => {
    const { client } = await licensed(
      h,
      { licenseModel: 'perpetual', term: null, maintenanceTerm: 'P30D' },
      { entitlement: { endsAt: new Date(T0 + 10 * DAY).toISOString() } },
    );
    h.clock.set(T0 + 31 * DAY - 22 * DAY); // nine days in: term ends within two weeks
    const soon = (await client('validate', {})).body;
    expect(soon).toMatchObject({ valid: true, code: 'VALID', entitlement: { features: { export: true, projects: 3 } } });
    expect(soon.warnings.map((w: { code: string }) => w.code)).toEqual(['TERM_ENDING_SOON']);
    h.clock.set(T0);
  });

  it('a perpetual license past its maintenance stays valid and warns MAINTENANCE_EXPIRED on validation and refresh', async () => {
    const { client, entitlement } = await licensed(h, { licenseModel: 'perpetual', term: null, maintenanceTerm: 'P30D' });
    expect(entitlement).toMatchObject({ endsAt: null, maintenanceUntil: new Date(T0 + 30 * DAY).toISOString() });
    await client('activate', { fingerprint: fp('maintained') });
    const codes = (body: { warnings: Array<{ code: string }> }) => body.warnings.map((w) => w.code);
    try {
      h.clock.set(T0 + 30 * DAY); // the last moment of maintenance
      const during = await client('validate', { fingerprint: fp('maintained') });
      expect(during.body).toMatchObject({ valid: true, code: 'VALID' });
      expect(codes(during.body)).toEqual([]);

      h.clock.set(T0 + 30 * DAY + 1);
      const after = await client('validate', { fingerprint: fp('maintained') });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ valid: true, code: 'VALID' });
      expect(after.body.warnings).toEqual([
        expect.objectContaining({ code: 'MAINTENANCE_EXPIRED', details: { maintenanceUntil: entitlement.maintenanceUntil } }),
      ]);
      const refreshed = await client('refresh', { fingerprint: fp('maintained') });
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      expect(codes(refreshed.body)).toEqual(['MAINTENANCE_EXPIRED']);
    } finally {
      h.clock.set(T0);
    }
  });

  it('tells which features are missing', async () => {
    const { client } = await licensed(h, { features: { export: false, projects: 0 } });
    const res = (await client('validate', { features: ['export', 'projects'] })).body;
    expect(res.details.missing).toEqual(['export', 'projects']);
  });
});
