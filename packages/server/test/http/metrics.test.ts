import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { buildApp } from '../../src/platform/http/app.js';

/** One sample of a family from the Prometheus text format, by its labels (pid aside). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** GET /metrics (issue 17): the families an operator alerts on, counted from real requests. */
describe.each(await storeKinds())('metrics on %s', (kind) => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    const { offering, customer } = await seedCatalog(h);
    key = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body.key;
  });
  afterAll(() => h.close());

  const scrape = async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('counts requests per route and status, times them, and counts validations by code, activations and leases', async () => {
    const before = await scrape();
    const client = asLicense(h, key);
    expect((await client('activate', { fingerprint: fp('m1') })).status).toBe(201);
    expect((await client('activate', { fingerprint: fp('m1') })).status).toBe(200);
    await client('refresh', { fingerprint: fp('m1') });
    await client('validate', { fingerprint: fp('m1') });
    await client('validate', { fingerprint: fp('m1') });
    await h.call('GET', '/v1/products/nope');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('leasehold_http_requests_total', { method: 'POST', route: '/v1/client/validate', status: '200' })).toBe(2);
    expect(delta('leasehold_http_requests_total', { method: 'GET', route: '/v1/products/:id', status: '404' })).toBe(1);
    expect(delta('leasehold_http_request_duration_seconds_count', { method: 'POST', route: '/v1/client/activate' })).toBe(2);
    expect(delta('leasehold_validations_total', { code: 'VALID' })).toBe(2);
    expect(delta('leasehold_activations_total', { result: 'created' })).toBe(1);
    expect(delta('leasehold_activations_total', { result: 'existing' })).toBe(1);
    expect(delta('leasehold_leases_issued_total', { via: 'activate' })).toBe(2);
    expect(delta('leasehold_leases_issued_total', { via: 'refresh' })).toBe(1);
    // The second validation of the same license is served from memory.
    expect(delta('leasehold_license_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'leasehold_license_cache_usable')).toBe(1);
  });

  it('reports the database pool, the event loop and the process', async () => {
    const text = await scrape();
    for (const family of [
      'leasehold_db_pool_connections',
      'leasehold_db_pool_waiting',
      'leasehold_db_pool_acquires_total',
      'leasehold_db_pool_wait_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text, family).toContain(`# TYPE ${family} `);
    }
    if (kind === 'postgres') expect(sample(text, 'leasehold_db_pool_acquires_total')).toBeGreaterThan(0);
    else expect(sample(text, 'leasehold_db_pool_connections', { state: 'busy' })).toBe(1);
  });

  it('asks for the token when one is configured, and compares it in constant time', async () => {
    const app = await buildApp(h.services, { metricsToken: 's3cret-token' });
    try {
      const none = await app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(JSON.parse(none.body).error.code).toBe('UNAUTHENTICATED');
      expect(none.body).not.toContain('leasehold_');
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret-tokeX' } })).statusCode).toBe(
        401,
      );
      const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret-token' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('# TYPE leasehold_http_requests_total counter');
    } finally {
      await app.close();
    }
  });
});
