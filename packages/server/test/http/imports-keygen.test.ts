import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense } from '../support/client.js';

/** A Keygen account as its list endpoints answer (JSON:API): 1 product, 2 policies, 2 users, 4 licenses, 4 machines. */
const documents = JSON.parse(readFileSync(new URL('./fixtures/keygen-export.json', import.meta.url), 'utf8')) as unknown[];

describe.each(await storeKinds())('the Keygen importer on %s', (kind) => {
  let h: Harness;
  const totals = async () => ({
    products: (await h.call('GET', '/v1/products')).body.data.length as number,
    customers: (await h.call('GET', '/v1/customers?limit=500')).body.data.length as number,
    entitlements: (await h.call('GET', '/v1/entitlements?limit=500')).body.data.length as number,
  });

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a dry run reports every record and changes nothing', async () => {
    const before = await totals();
    const r = await h.call('POST', '/v1/imports/keygen', { documents, dryRun: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.counts).toMatchObject({
      products: { created: 1 },
      policies: { created: 2 },
      users: { created: 2 },
      licenses: { created: 4 },
      machines: { created: 3, refused: 1 },
    });
    expect(await totals()).toEqual(before);
  });

  it('imports products, policies as offerings, users, licenses with their keys and machines; the keys validate through the client API', async () => {
    const r = await h.call('POST', '/v1/imports/keygen', { documents });
    expect(r.body.counts).toMatchObject({
      products: { created: 1, refused: 0 },
      policies: { created: 2, refused: 0 },
      users: { created: 2 },
      licenses: { created: 4, refused: 0 },
      machines: { created: 3, refused: 1 },
    });
    // The perpetual node-locked policy has one seat: Grace's second machine does not fit, as in a strict Keygen policy.
    expect(r.body.results.find((x: { outcome: string }) => x.outcome === 'refused')).toMatchObject({
      type: 'machines',
      keygenId: 'd0000004-eeee-4fff-8000-000000000004',
      code: 'SEAT_LIMIT_REACHED',
    });

    const annual = (await h.call('GET', '/v1/offerings/pro-annual')).body;
    expect(annual).toMatchObject({ licenseModel: 'subscription', seatModel: 'floating', seats: 3, term: 'P365D' });
    expect((await h.call('GET', '/v1/offerings/perpetual-node-locked')).body).toMatchObject({
      licenseModel: 'perpetual',
      seatModel: 'node_locked',
      seats: 1,
      term: null,
    });
    const generators = (await h.call('GET', '/v1/key-generators')).body.data;
    expect(generators.map((g: { kind: string }) => g.kind)).toEqual(['imported', 'imported']);

    const ada = (await h.call('GET', '/v1/entitlements/keygen:c0000001-aaaa-4bbb-8ccc-000000000001')).body;
    expect(ada).toMatchObject({ key: 'C1B6DE-39A6E3-DE1529-8559A0-4AF593-V3', endsAt: '2026-09-01T00:00:00.000Z' });
    expect((await h.call('GET', `/v1/customers/${ada.customerId}`)).body).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@analytical.test',
      externalRef: 'keygen:b0000001-7c6d-4e5f-9a8b-1c2d3e4f5a6b',
    });
    expect((await h.call('GET', '/v1/entitlements/keygen:c0000004-aaaa-4bbb-8ccc-000000000004')).body.effective.seats).toBe(5);

    // Legacy keys keep working: the imported machine validates with the key it always had.
    const adaClient = asLicense(h, 'C1B6DE-39A6E3-DE1529-8559A0-4AF593-V3');
    expect((await adaClient('validate', { fingerprint: '4b:1e:9a:22:0c:7f|C02XK1ABJG5H' })).body).toMatchObject({
      valid: true,
      code: 'VALID',
    });
    const grace = asLicense(h, '4F2A9C-88D1E0-77B3A2-0C9E11-5D6F42-V3');
    expect((await grace('validate', { fingerprint: 'WIN-7H2K9QP-0001-9F3A' })).body).toMatchObject({ valid: true, code: 'VALID' });
    // A key the customer types in lower case still finds its license (keys are normalised).
    const lab = asLicense(h, '9d3e1f-0a2b4c-6d8e0f-1a3b5c-7d9e2f-v3');
    const activated = await lab('activate', { fingerprint: 'lab-machine-0001', platform: 'linux' });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    // A license suspended in Keygen is suspended here.
    expect((await asLicense(h, 'ACME-LEGACY-KEY-000003')('validate', { fingerprint: 'any-device-0001' })).body.code).toBe('SUSPENDED');
  });

  it('importing again creates nothing', async () => {
    const before = await totals();
    const r = await h.call('POST', '/v1/imports/keygen', { documents });
    const created = Object.values(r.body.counts as Record<string, { created: number }>).reduce((n, c) => n + c.created, 0);
    expect(created).toBe(0);
    expect(r.body.counts.licenses).toMatchObject({ unchanged: 4 });
    expect(await totals()).toEqual(before);
  });
});
