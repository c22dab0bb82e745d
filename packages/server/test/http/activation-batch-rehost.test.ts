import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { runActivationBatches } from '../../src/capabilities/batches/runner.js';

describe.each(await storeKinds())('batch rehost on %s', (kind) => {
  let h: Harness;
  let key: string;
  let entitlementId: string;
  const runAll = async () => {
    while (await runActivationBatches(h.services, { worker: 'test', chunk: 3 })) {
      /* until no batch has work */
    }
  };
  const items = async (id: string) => (await h.call('GET', `/v1/activation-batches/${id}/items`)).body.data;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'plant', name: 'Plant control' });
    // Five seats, three moves a year.
    await h.call('POST', '/v1/offerings', {
      productId: 'plant',
      code: 'line',
      name: 'Line',
      licenseModel: 'perpetual',
      seats: 5,
      rehostLimit: 3,
      rehostPeriod: 'P1Y',
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Factory' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'line' })).body;
    key = e.key;
    entitlementId = e.id;
    for (let i = 1; i <= 5; i++) expect((await asLicense(h, key)('activate', { fingerprint: fp(`old-${i}`) })).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('replaces old fingerprints by new within the rehost limit; the rest are refused with their code, nothing half done', async () => {
    const devices = [
      { fingerprint: fp('new-1'), replaces: fp('old-1'), name: 'line-1' },
      { fingerprint: fp('new-2'), replaces: fp('old-2') },
      { fingerprint: fp('new-9'), replaces: fp('never-there') },
      { fingerprint: fp('old-4'), replaces: fp('old-3') },
      { fingerprint: fp('new-3'), replaces: fp('old-3') },
      { fingerprint: fp('new-5'), replaces: fp('old-5') },
    ];
    const created = await h.call('POST', '/v1/activation-batches', { entitlementId, action: 'rehost', devices });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    await runAll();
    const batch = (await h.call('GET', `/v1/activation-batches/${created.body.id}`)).body;
    expect(batch).toMatchObject({ state: 'completed', results: { rehosted: 3, refused: 3 } });
    expect(batch.refusals).toEqual({ NOT_ACTIVATED: 1, INVALID_STATE: 1, REHOST_LIMIT_REACHED: 1 });
    expect((await items(created.body.id)).map((i: { outcome: string; code: string | null }) => i.code ?? i.outcome)).toEqual([
      'rehosted',
      'rehosted',
      'NOT_ACTIVATED',
      'INVALID_STATE',
      'rehosted',
      'REHOST_LIMIT_REACHED',
    ]);

    // The seats add up: five devices, the three new ones and the two untouched old ones.
    const live = (await h.call('GET', `/v1/entitlements/${entitlementId}/activations?state=active`)).body.data;
    expect(live.map((a: { fingerprint: string }) => a.fingerprint).sort()).toEqual(
      [fp('new-1'), fp('new-2'), fp('new-3'), fp('old-4'), fp('old-5')].sort(),
    );
    // The moved devices validate with the license; the old ones no longer hold a seat.
    expect((await asLicense(h, key)('validate', { fingerprint: fp('new-1') })).body).toMatchObject({ valid: true, code: 'VALID' });
    expect((await asLicense(h, key)('validate', { fingerprint: fp('old-1') })).body.valid).toBe(false);
    // The rehosts used the limit: the customer's own move is refused now.
    const own = await asLicense(h, key)('deactivate', { fingerprint: fp('old-4') });
    expect(own.status).toBe(409);
    expect(own.body.error.code).toBe('REHOST_LIMIT_REACHED');
  });

  it('refuses a rehost batch whose devices do not name what they replace, creating nothing', async () => {
    const r = await h.call('POST', '/v1/activation-batches', { entitlementId, action: 'rehost', devices: [{ fingerprint: fp('x-1') }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { line: 1 } });
  });

  it('a new device the activation refuses leaves the old one in its seat, as it was', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'plant',
      code: 'named',
      name: 'Named',
      licenseModel: 'perpetual',
      seatModel: 'named_user',
      seats: 2,
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Office' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'named' })).body;
    expect((await asLicense(h, e.key)('activate', { fingerprint: fp('desk-1'), user: 'ana@office.test' })).status).toBe(201);
    const before = (await h.call('GET', `/v1/entitlements/${e.id}/activations`)).body.data;
    // A named-user seat needs `user`: the new device is refused after the old one was taken out of its seat.
    const created = await h.call('POST', '/v1/activation-batches', {
      entitlementId: e.id,
      action: 'rehost',
      devices: [{ fingerprint: fp('desk-2'), replaces: fp('desk-1') }],
    });
    await runAll();
    expect((await items(created.body.id))[0]).toMatchObject({ outcome: 'refused', code: 'INVALID_REQUEST' });
    expect((await h.call('GET', `/v1/entitlements/${e.id}/activations`)).body.data).toEqual(before);
    const deactivations = (await h.call('GET', `/v1/events?type=activation.deactivated&limit=100`)).body.data;
    expect(deactivations.filter((ev: { entitlementId: string }) => ev.entitlementId === e.id)).toEqual([]);
  });
});
