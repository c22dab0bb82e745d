import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp, verifyLease } from '../support/client.js';
import { runActivationBatches } from '../../src/capabilities/batches/runner.js';

/** Devices per batch; LEASEHOLD_STRESS runs the 10,000-device batch. */
const N = process.env['LEASEHOLD_STRESS'] ? 10_000 : 300;
const SEATS = N - 20;
const REPEATS = 10;

describe.each(await storeKinds())('batch activations on %s', (kind) => {
  let h: Harness;
  let entitlementId: string;
  let key: string;
  let batchId: string;

  const runToEnd = async (afterChunk?: () => void) => {
    while (await runActivationBatches(h.services, { worker: 'test', chunk: 64, ...(afterChunk ? { afterChunk } : {}) })) {
      /* until no batch needs work */
    }
  };
  const liveDevices = async () => {
    let n = 0;
    let cursor: string | null = null;
    do {
      const page: { body: { data: unknown[]; nextCursor: string | null } } = await h.call(
        'GET',
        `/v1/entitlements/${entitlementId}/activations?state=active&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      n += page.body.data.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    return n;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await h.call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'site',
      name: 'Site',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: SEATS,
      leasePeriod: 'P7D',
      offlineLeasePeriod: 'P90D',
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Factory' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'site' })).body;
    entitlementId = e.id;
    key = e.key;
  });
  afterAll(() => h.close());

  it(
    `activates ${N} devices with exact seat accounting, per-device results, and exactly once across a crash`,
    { timeout: 600_000 },
    async () => {
      // One device came online by itself first: the batch finds it already active.
      expect((await asLicense(h, key)('activate', { fingerprint: fp(0) })).status).toBe(201);
      const devices = Array.from({ length: N }, (_, i) => ({ fingerprint: fp(i), platform: 'linux', name: `line-1-${i}` }));
      for (let i = 0; i < REPEATS; i++) devices.push({ fingerprint: fp(i), platform: 'linux', name: `line-1-${i}` });
      const created = await h.call('POST', '/v1/activation-batches', { entitlementId, devices });
      expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(202);
      expect(created.body).toMatchObject({ state: 'pending', total: N + REPEATS, done: 0, progress: 0 });
      batchId = created.body.id;

      // The worker dies after its second chunk (as a process would, mid-batch); another resumes.
      let chunks = 0;
      await expect(
        runToEnd(() => {
          if (++chunks === 2) throw new Error('worker killed');
        }),
      ).rejects.toThrow('worker killed');
      const midway = (await h.call('GET', `/v1/activation-batches/${batchId}`)).body;
      expect(midway).toMatchObject({ state: 'running', done: 128, error: 'worker killed' });
      expect(midway.progress).toBeCloseTo(128 / (N + REPEATS));
      await runToEnd();

      const done = (await h.call('GET', `/v1/activation-batches/${batchId}`)).body;
      expect(done).toMatchObject({
        state: 'completed',
        total: N + REPEATS,
        done: N + REPEATS,
        progress: 1,
        results: { activated: SEATS - 1, alreadyActive: 1 + REPEATS, refused: N - SEATS, deactivated: 0, notActive: 0 },
        refusals: { SEAT_LIMIT_REACHED: N - SEATS },
      });
      expect(await liveDevices()).toBe(SEATS);
      const created_ = (await h.call('GET', `/v1/events?type=activation.created&entitlement=${entitlementId}&limit=500`)).body;
      if (N <= 400) expect(created_.data).toHaveLength(SEATS);

      const refused = (await h.call('GET', `/v1/activation-batches/${batchId}/items?outcome=refused`)).body.data;
      expect(refused).toHaveLength(N - SEATS);
      expect(refused[0]).toMatchObject({ line: SEATS + 1, fingerprint: fp(SEATS), outcome: 'refused', code: 'SEAT_LIMIT_REACHED' });
      const first = (await h.call('GET', `/v1/activation-batches/${batchId}/items?limit=2`)).body;
      expect(first.data.map((i: { outcome: string }) => i.outcome)).toEqual(['already_active', 'activated']);
      const next = (await h.call('GET', `/v1/activation-batches/${batchId}/items?limit=2&cursor=${first.nextCursor}`)).body;
      expect(next.data[0].line).toBe(3);
    },
  );

  it('the offline lease bundle holds one signed lease per activated device, bound to it', async () => {
    const res = await h.call('GET', `/v1/activation-batches/${batchId}/leases`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const files = res.raw.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(files).toHaveLength(SEATS + REPEATS);
    for (const f of files.slice(0, 20)) {
      expect(f).toMatchObject({ format: 'leasehold-offline-response', v: 1, product: 'studio', nonce: `batch:${batchId}` });
      const claims = await verifyLease(h, f.lease.token, 'studio');
      expect(claims.fingerprint).toBe(f.fingerprint);
      expect(claims.sub).toBe(f.activationId);
      // The offering's offline lease period: these machines may never come back online.
      expect(claims.exp - claims.iat).toBe(90 * 24 * 3600);
    }
  });

  it('a batch deactivation frees the seats it names and says which were not active', async () => {
    const devices = [...Array.from({ length: 5 }, (_, i) => ({ fingerprint: fp(i + 1) })), { fingerprint: fp('never-seen') }];
    const batch = (await h.call('POST', '/v1/activation-batches', { entitlementId, action: 'deactivate', devices })).body;
    await runToEnd();
    const done = (await h.call('GET', `/v1/activation-batches/${batch.id}`)).body;
    expect(done).toMatchObject({ state: 'completed', action: 'deactivate', results: { deactivated: 5, notActive: 1, refused: 0 } });
    expect(await liveDevices()).toBe(SEATS - 5);
    // The freed seats are usable again, through the CSV form this time.
    const csv = 'fingerprint,name,platform\n' + Array.from({ length: 6 }, (_, i) => `${fp(`csv-${i}`)},csv ${i},windows`).join('\n');
    const again = (await h.call('POST', '/v1/activation-batches', { entitlementId, csv })).body;
    await runToEnd();
    expect((await h.call('GET', `/v1/activation-batches/${again.id}`)).body.results).toMatchObject({ activated: 5, refused: 1 });
    expect(await liveDevices()).toBe(SEATS);
  });

  it('bad input is refused with nothing created: a CSV with a bad line, an unknown entitlement, both forms at once', async () => {
    const before = (await h.call('GET', '/v1/activation-batches')).body.data.length;
    const bad = await h.call('POST', '/v1/activation-batches', { entitlementId, csv: 'fingerprint,name\nabc,one\n,two\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject({ field: 'csv', line: 3 });
    const columns = await h.call('POST', '/v1/activation-batches', { entitlementId, csv: 'fingerprint,colour\nabc,red\n' });
    expect(columns.body.error.details).toMatchObject({ columns: ['colour'] });
    const both = await h.call('POST', '/v1/activation-batches', {
      entitlementId,
      csv: 'fingerprint\na\n',
      devices: [{ fingerprint: 'a' }],
    });
    expect(both.status).toBe(400);
    expect((await h.call('POST', '/v1/activation-batches', { entitlementId: 'ent_nope', devices: [{ fingerprint: 'a' }] })).status).toBe(
      404,
    );
    expect((await h.call('GET', '/v1/activation-batches')).body.data.length).toBe(before);
  });
});
