import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { Leasehold, LeaseholdError, type Fetch, type License, type OpenOptions, type UsageRejection } from '../src/index.js';
import { tempDir } from './support/open.js';

const DAY = 24 * 3600_000;

/** The one address the SDK knows; requests to it go to whichever server process is running. */
const SERVER_URL = 'http://leasehold.e2e';

/**
 * Metered usage, pools and trials through the SDK against a real `leasehold serve` process on
 * SQLite — including usage recorded while the server is stopped and delivered, exactly once,
 * after a new server process on the same data starts.
 */
describe('usage, pools and trials: the SDK against a real server', () => {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const dataDir = tempDataDir();
  const env = { LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' };
  let server: ServerProcess;
  // A restarted server listens on another port; the SDK keeps its serverUrl, as an installed application would.
  const routed: Fetch = (input, init) => fetch(input.replace(SERVER_URL, server.url), init);
  let publicKeys: OpenOptions['publicKeys'];
  const opened: License[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const sell = async (offering: Record<string, unknown>) => {
    const code = `off-${randomBytes(4).toString('hex')}`;
    await call('POST', '/v1/offerings', {
      productId: 'render',
      code,
      name: code,
      licenseModel: 'subscription',
      term: 'P1Y',
      leasePeriod: 'P1D',
      seats: 5,
      ...offering,
    });
    const customer = await call('POST', '/v1/customers', { name: `Customer ${code}` });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: code });
    return { key: entitlement.key as string, entitlementId: entitlement.id as string };
  };

  const markDir = tempDir();
  const open = async (options: Partial<OpenOptions> = {}) => {
    const license = await Leasehold.open({
      serverUrl: SERVER_URL,
      fetch: routed,
      product: 'render',
      publicKeys,
      cacheDir: tempDir(),
      // The second record of trusted time goes beside the test's caches, not into the home directory.
      timeMarkDir: markDir,
      fingerprint: `e2e-usage-${randomBytes(6).toString('hex')}`,
      usageFlushMs: 0,
      courtesy: { intervalMs: 0 },
      ...options,
    });
    opened.push(license);
    return license;
  };

  /** What the vendor sees: usage of an entitlement over the last and next day. */
  const usageOf = async (entitlementId: string) => {
    const range = `from=${new Date(Date.now() - DAY).toISOString()}&to=${new Date(Date.now() + DAY).toISOString()}`;
    const rows = (await call('GET', `/v1/usage?${range}&entitlement=${entitlementId}&groupBy=feature`)).data as Array<{
      feature: string;
      quantity: number;
      records: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.feature, { quantity: r.quantity, records: r.records }]));
  };

  beforeAll(async () => {
    server = await startServer(env);
    await call('POST', '/v1/products', { code: 'render', name: 'Render' });
    for (const [code, type] of [
      ['export', 'boolean'],
      ['exports', 'consumption'],
      ['nodes', 'pool'],
    ])
      await call('POST', '/v1/products/render/features', { code, name: code, type });
    publicKeys = (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body;
  });

  afterAll(async () => {
    for (const license of opened) await license.close().catch(() => undefined);
    killAll();
    removeDir(dataDir);
  });

  it('usage recorded with the server stopped is queued, survives a restart of the app, and arrives exactly once when the server is back', async () => {
    const { key, entitlementId } = await sell({ features: { export: true, exports: { limit: 100, period: 'P1M', overage: 'block' } } });
    const cacheDir = tempDir();
    const fingerprint = `e2e-usage-${randomBytes(6).toString('hex')}`;
    const license = await open({ cacheDir, fingerprint });
    await license.activate(key);
    license.recordUsage('exports', 2);
    expect(await license.flushUsage()).toMatchObject({ delivered: true, accepted: 1 });

    await server.stop();
    license.recordUsage('exports', 3);
    license.recordUsage('exports', 4);
    expect(await license.flushUsage()).toMatchObject({ delivered: false, code: 'OFFLINE', pending: 2 });
    expect((await license.refresh({ force: true })).code).toBe('OFFLINE');
    expect(license.usage('exports')).toMatchObject({ used: 2, queued: 7, remaining: 91 });
    await license.close(); // the application exits while offline

    server = await startServer(env);
    const restarted = await open({ cacheDir, fingerprint });
    expect(restarted.usage('exports')?.queued).toBe(7);
    await restarted.settled(); // the courtesy refresh on open carries the queue
    expect(restarted.usage('exports')).toMatchObject({ used: 9, queued: 0, remaining: 91 });
    expect(await usageOf(entitlementId)).toEqual({ exports: { quantity: 9, records: 3 } });

    // The server counts a report and the answer is lost: the SDK sends the same key again, counted once.
    let dropNext = true;
    const lossy: Fetch = async (input, init) => {
      const res = await routed(input, init);
      if (dropNext && input.endsWith('/v1/client/usage')) {
        dropNext = false;
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    await restarted.close();
    const flaky = await open({ cacheDir, fingerprint, fetch: lossy, courtesy: { onOpen: false } });
    flaky.recordUsage('exports', 5);
    expect(await flaky.flushUsage()).toMatchObject({ delivered: false, code: 'OFFLINE', pending: 1 });
    expect(await flaky.flushUsage()).toMatchObject({ delivered: true, accepted: 0, duplicates: 1, pending: 0 });
    expect(await usageOf(entitlementId)).toEqual({ exports: { quantity: 14, records: 4 } });
  });

  it('quotas: the device refuses locally from the lease, and a record the server refuses is reported with QUOTA_EXHAUSTED', async () => {
    const { key, entitlementId } = await sell({ features: { exports: { limit: 5, period: 'P1M', overage: 'block' } } });
    const alice = await open();
    const bob = await open();
    await alice.activate(key);
    await bob.activate(key); // bob's lease: nothing used yet
    expect(bob.usage('exports')).toMatchObject({ used: 0, limit: 5, remaining: 5 });

    alice.recordUsage('exports', 4);
    await alice.flushUsage();
    expect(alice.usageRemaining('exports')).toBe(1);
    expect(() => alice.recordUsage('exports', 2)).toThrow(expect.objectContaining({ code: 'QUOTA_EXHAUSTED' }));

    const rejected: UsageRejection[] = [];
    bob.on('usageRejected', (r) => rejected.push(...r));
    bob.recordUsage('exports', 3); // fits what bob knows; not what the server knows
    const outcome = await bob.flushUsage();
    expect(outcome).toMatchObject({ delivered: true, accepted: 0, pending: 0 });
    expect(rejected.map((r) => [r.code, r.quantity])).toEqual([['QUOTA_EXHAUSTED', 3]]);
    expect(bob.usage('exports')).toMatchObject({ used: 4, queued: 0, remaining: 1 });
    expect(() => bob.recordUsage('exports', 2)).toThrow(expect.objectContaining({ code: 'QUOTA_EXHAUSTED' }));
    bob.recordUsage('exports', 1);
    await bob.refresh({ force: true });
    expect(bob.usageRemaining('exports')).toBe(0);
    expect(alice.usage('exports')?.used).toBe(4); // alice has not heard yet
    await alice.refresh({ force: true });
    expect(alice.usageRemaining('exports')).toBe(0);
    expect(await usageOf(entitlementId)).toEqual({ exports: { quantity: 5, records: 2 } });
  });

  it('pools: check-out to the limit, POOL_EXHAUSTED beyond it, check-in frees elements for another device', async () => {
    const { key } = await sell({ features: { export: true, nodes: 2 } });
    const alice = await open();
    const bob = await open();
    await alice.activate(key);
    await bob.activate(key);
    expect(await alice.checkout('nodes', 2)).toMatchObject({ feature: 'nodes', held: 2, inUse: 2, limit: 2 });
    const refused = (await bob.checkout('nodes').catch((e: unknown) => e)) as LeaseholdError;
    expect(refused).toBeInstanceOf(LeaseholdError);
    expect(refused.code).toBe('POOL_EXHAUSTED');
    expect(refused.details).toMatchObject({ limit: 2, inUse: 2 });
    expect(await alice.checkin('nodes')).toMatchObject({ held: 1, inUse: 1 });
    expect(await bob.checkout('nodes')).toMatchObject({ held: 1, inUse: 2 });
    expect(alice.poolStatus('nodes')).toMatchObject({ held: 1, limit: 2 });
    const notAPool = (await bob.checkout('export').catch((e: unknown) => e)) as LeaseholdError;
    expect(notAPool.code).toBe('INVALID_REQUEST');
  });

  it('trials: started without a key, kept in the cache, and refused a second time on the same device', async () => {
    await call('POST', '/v1/offerings', {
      productId: 'render',
      code: 'render-trial',
      name: 'Trial',
      licenseModel: 'trial',
      term: 'P14D',
      leasePeriod: 'P1D',
      features: { export: true, exports: 10 },
    });
    const cacheDir = tempDir();
    const fingerprint = `e2e-trial-${randomBytes(6).toString('hex')}`;
    const before = await open({ cacheDir, fingerprint });
    expect(((await before.startTrial().catch((e: unknown) => e)) as LeaseholdError).code).toBe('NO_TRIAL');
    await call('PATCH', '/v1/products/render', { trialOfferingId: 'render-trial' });

    const status = await before.startTrial({ name: 'Ada', email: 'ada@example.test' });
    expect(status).toMatchObject({ valid: true, code: 'VALID', entitlement: { licenseModel: 'trial' } });
    expect(before.licenseKey).toMatch(/^[0-9A-Z]{5}-/);
    expect(before.hasFeature('export')).toBe(true);
    expect(before.usage('exports')).toMatchObject({ limit: 10, used: 0 });
    await before.close();

    const again = await open({ cacheDir, fingerprint });
    expect(again.status().valid).toBe(true);
    expect((await again.refresh({ force: true })).refreshed).toBe(true);
    await again.deactivate();
    const twice = (await again.startTrial().catch((e: unknown) => e)) as LeaseholdError;
    expect(twice.code).toBe('TRIAL_ALREADY_USED');
    expect(again.status().code).toBe('NO_LICENSE');

    const other = await open({ cacheDir: join(tempDir(), 'other') });
    expect((await other.startTrial()).valid).toBe(true);
  });
});
