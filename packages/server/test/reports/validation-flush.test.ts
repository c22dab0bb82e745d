import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, startServer, tempDataDir } from '../support/processes.js';

/**
 * A real server counts validations in memory: a graceful stop (SIGTERM) writes them as a
 * `validation.summary` before it exits; a SIGKILL loses what was counted since the last flush
 * (the documented trade-off, bounded by LEASEHOLD_VALIDATION_FLUSH_MS).
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('validation counts at a stop', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    killAll();
    for (const f of cleanup.reverse()) await f();
  });

  it('SIGTERM writes the counts held in memory; SIGKILL loses them', { timeout: 90_000 }, async () => {
    const adminKey = `lh_${randomBytes(24).toString('hex')}`;
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const env = {
      LEASEHOLD_DATA_DIR: dataDir,
      LEASEHOLD_ADMIN_KEY: adminKey,
      LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'),
      // An hour: no flush happens on its own during the test.
      LEASEHOLD_VALIDATION_FLUSH_MS: '3600000',
      LOG_LEVEL: 'warn',
    };
    const call = async (base: string, method: string, path: string, body?: unknown, auth = `Bearer ${adminKey}`): Promise<Json> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json();
    };
    const summaries = async (base: string): Promise<Json[]> => (await call(base, 'GET', '/v1/events?type=validation.summary')).data;

    let server = await startServer(env);
    const product = await call(server.url, 'POST', '/v1/products', { code: 'app', name: 'App' });
    const offering = await call(server.url, 'POST', '/v1/offerings', {
      productId: product.id,
      code: 'std',
      name: 'Standard',
      licenseModel: 'subscription',
      term: 'P1Y',
    });
    const customer = await call(server.url, 'POST', '/v1/customers', { name: 'Customer' });
    const ent = await call(server.url, 'POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id });
    expect(ent.key, JSON.stringify(ent)).toBeTypeOf('string');
    const validate = (base: string) => call(base, 'POST', '/v1/client/validate', {}, `License ${ent.key}`);
    for (let i = 0; i < 3; i++) expect((await validate(server.url)).code).toBe('VALID');
    expect(await summaries(server.url)).toEqual([]);
    await server.stop('SIGTERM');

    server = await startServer(env);
    const written = await summaries(server.url);
    expect(written).toHaveLength(1);
    expect(written[0].after.counts).toEqual([
      { productId: product.id, customerId: customer.id, entitlementId: ent.id, code: 'VALID', count: 3 },
    ]);
    for (let i = 0; i < 2; i++) expect((await validate(server.url)).code).toBe('VALID');
    expect((await server.stop('SIGKILL')).signal).toBe('SIGKILL');

    server = await startServer(env);
    expect(await summaries(server.url)).toHaveLength(1);
    await server.stop('SIGTERM');
  });
});
