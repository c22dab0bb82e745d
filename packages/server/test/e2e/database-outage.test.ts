import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Leasehold, type License, type OpenOptions } from '../../../sdk/src/index.js';
import { api, killAll, startServer, type ServerProcess } from '../support/processes.js';
import { createDatabaseIn, createPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { storeKinds } from '../support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `npm run test:stress` adds a long outage that the clients' own scheduled refreshes run into. */
const STRESS = process.env['LEASEHOLD_STRESS'] === '1';
/** "Fails fast": well under any TCP or pool timeout, generous for a shared, busy machine. */
const FAST_MS = 5_000;

interface Timed {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  retryAfter: string | null;
  ms: number;
}

/** One HTTP call with its duration; `auth` is a full Authorization header value or null. */
async function timed(url: string, method: string, path: string, auth: string | null, body?: unknown): Promise<Timed> {
  const headers: Record<string, string> = {};
  if (auth) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
}

/** A NetLicensing call (HTTP Basic apiKey:<key>, a form body, JSON asked for) with its duration. */
async function timedNl(url: string, method: string, path: string, apiKey: string, form?: Record<string, string>): Promise<Timed> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`apiKey:${apiKey}`).toString('base64')}`,
    accept: 'application/json',
  };
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const started = performance.now();
  const res = await fetch(`${url}/core/v2/rest${path}`, {
    method,
    headers,
    body: form ? new URLSearchParams(form).toString() : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    retryAfter: res.headers.get('retry-after'),
    ms: performance.now() - started,
  };
}

/**
 * The whole stack over a PostgreSQL cluster of the test's own, which the test stops and kills: a
 * real `leasehold serve` process and SDK clients with short leases. While the database is away the
 * server answers at once with 503 SERVICE_UNAVAILABLE and Retry-After, stays up, and says it is not
 * ready; the SDK keeps granting from its leases; when the database returns, everything recovers
 * without a restart.
 */
describe.skipIf(!(await storeKinds()).includes('postgres'))('a PostgreSQL outage, end to end', () => {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  let cluster: PrivatePostgres | null = null;
  let server: ServerProcess;
  const licenses: License[] = [];
  const keys: string[] = [];
  let entitlementId = '';
  /** Every answer the background traffic got, across both outages. */
  const traffic: Array<{ what: string; status: number; ms: number }> = [];
  let trafficOn = false;
  let trafficDone: Promise<void> = Promise.resolve();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    cluster = await createPrivatePostgres();
    if (!cluster) return;
    await cluster.start();
    const databaseUrl = await createDatabaseIn(cluster, 'leasehold');
    server = await startServer({ DATABASE_URL: databaseUrl, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', LEASEHOLD_PG_POOL: '4' });

    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/products/studio/features', { code: 'export', name: 'Export', type: 'boolean' });
    await call('POST', '/v1/products/studio/features', { code: 'projects', name: 'Projects', type: 'numeric' });
    const plans = [
      { code: 'desk', seatModel: 'node_locked', seats: 3 },
      { code: 'float', seatModel: 'floating', seats: 2, heartbeatWindow: 'PT1M' },
    ];
    for (const plan of plans) {
      await call('POST', '/v1/offerings', {
        productId: 'studio',
        name: plan.code,
        licenseModel: 'subscription',
        term: 'P1Y',
        leasePeriod: 'PT40S',
        features: { export: true, projects: 3 },
        ...plan,
      });
      const customer = await call('POST', '/v1/customers', { name: `Customer ${plan.code}` });
      const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: plan.code });
      keys.push(entitlement.key);
      if (plan.code === 'desk') entitlementId = entitlement.id;
    }
    // The same catalogue seen through the NetLicensing face, with a licensee to validate.
    const nlSetup: Array<[string, Record<string, string>]> = [
      ['/product', { number: 'NL-OUTAGE', name: 'NL outage', active: 'true' }],
      [
        '/productmodule',
        { number: 'M-OUTAGE', productNumber: 'NL-OUTAGE', name: 'Module', licensingModel: 'Subscription', active: 'true' },
      ],
      ['/licensee', { number: 'I-OUTAGE', productNumber: 'NL-OUTAGE', active: 'true' }],
    ];
    for (const [path, form] of nlSetup) {
      const res = await timedNl(server.url, 'POST', path, adminKey, form);
      if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const publicKeys = (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body as OpenOptions['publicKeys'];
    // Two node-locked devices and one floating seat, each with its own cache and fingerprint.
    for (const key of [keys[0]!, keys[0]!, keys[1]!]) {
      const license = await Leasehold.open({
        serverUrl: server.url,
        product: 'studio',
        publicKeys,
        cacheDir: mkdtempSync(join(tmpdir(), 'leasehold-outage-sdk-')),
        fingerprint: `outage-${randomBytes(6).toString('hex')}`,
        requestTimeoutMs: 10_000,
        // Retries of a failed scheduled refresh come back within seconds, so a long outage ends in a refresh of their own.
        backoff: { initialMs: 1_000, ceilingMs: 4_000 },
      });
      licenses.push(license);
      expect((await license.activate(key)).valid).toBe(true);
    }

    // Background traffic through both outages: client validations and management reads and writes.
    trafficOn = true;
    const stream = async (what: string, request: () => Promise<Timed>) => {
      while (trafficOn) {
        const res = await request().catch((error: Error) => ({ status: -1, ms: 0, body: error.message, retryAfter: null }));
        traffic.push({ what, status: res.status, ms: res.ms });
        await sleep(50);
      }
    };
    trafficDone = Promise.all([
      stream('validate', () =>
        timed(server.url, 'POST', '/v1/client/validate', `License ${keys[0]}`, {
          fingerprint: licenses[0]!.fingerprint,
          product: 'studio',
        }),
      ),
      stream('list customers', () => timed(server.url, 'GET', '/v1/customers?limit=5', `Bearer ${adminKey}`)),
      stream('create customer', () =>
        timed(server.url, 'POST', '/v1/customers', `Bearer ${adminKey}`, { name: `Traffic ${randomBytes(4).toString('hex')}` }),
      ),
    ]).then(() => undefined);
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode !== null) {
      const log = server
        .stderr()
        .split('\n')
        .filter((line) => !line.includes('database unavailable'));
      console.error(`the server exited:\n${log.join('\n').slice(-4000)}`);
    }
    trafficOn = false;
    await trafficDone;
    for (const license of licenses) await license.close().catch(() => undefined);
    killAll();
    await cluster?.destroy();
  });

  /** Requests of every kind while the database is down: each a fast 503 with the code and Retry-After. */
  async function expectFastUnavailable(): Promise<number> {
    const auth = `Bearer ${adminKey}`;
    const probes: Array<[string, () => Promise<Timed>]> = [
      ['validate', () => timed(server.url, 'POST', '/v1/client/validate', `License ${keys[0]}`, { fingerprint: licenses[0]!.fingerprint })],
      ['refresh', () => timed(server.url, 'POST', '/v1/client/refresh', `License ${keys[0]}`, { fingerprint: licenses[0]!.fingerprint })],
      [
        'heartbeat',
        () => timed(server.url, 'POST', '/v1/client/heartbeat', `License ${keys[1]}`, { fingerprint: licenses[2]!.fingerprint }),
      ],
      ['activate', () => timed(server.url, 'POST', '/v1/client/activate', `License ${keys[0]}`, { fingerprint: 'new-device-in-outage' })],
      ['list customers', () => timed(server.url, 'GET', '/v1/customers', auth)],
      ['read entitlement', () => timed(server.url, 'GET', `/v1/entitlements/${entitlementId}`, auth)],
      ['create customer', () => timed(server.url, 'POST', '/v1/customers', auth, { name: 'Written during the outage' })],
      ['change overrides', () => timed(server.url, 'PATCH', `/v1/entitlements/${entitlementId}`, auth, { overrides: { seats: 9 } })],
    ];
    // The NetLicensing face answers the same way in its own envelope (it answered 500 ServiceException).
    const nlProbes: Array<[string, () => Promise<Timed>]> = [
      ['NL validate', () => timedNl(server.url, 'POST', '/licensee/I-OUTAGE/validate', adminKey, { productNumber: 'NL-OUTAGE' })],
      ['NL list licensees', () => timedNl(server.url, 'GET', '/licensee', adminKey)],
      ['NL get product', () => timedNl(server.url, 'GET', '/product/NL-OUTAGE', adminKey)],
      ['NL create licensee', () => timedNl(server.url, 'POST', '/licensee', adminKey, { productNumber: 'NL-OUTAGE', active: 'true' })],
    ];
    for (const [what, probe] of nlProbes) {
      const res = await probe();
      expect({ what, status: res.status, id: res.body?.infos?.info?.[0]?.id, items: res.body?.items }).toEqual({
        what,
        status: 503,
        id: 'ServiceException',
        items: null,
      });
      expect(Number(res.retryAfter), `${what}: Retry-After`).toBeGreaterThan(0);
      expect(res.ms, `${what} took ${res.ms} ms`).toBeLessThan(FAST_MS);
    }
    let slowest = 0;
    for (const [what, probe] of probes) {
      const res = await probe();
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(Number(res.retryAfter), `${what}: Retry-After`).toBeGreaterThan(0);
      expect(res.ms, `${what} took ${res.ms} ms`).toBeLessThan(FAST_MS);
      slowest = Math.max(slowest, res.ms);
    }
    const ready = await timed(server.url, 'GET', '/readyz', null);
    expect(ready.status).toBe(503);
    expect(Number(ready.retryAfter)).toBeGreaterThan(0);
    expect(ready.ms).toBeLessThan(FAST_MS);
    expect((await timed(server.url, 'GET', '/healthz', null)).status).toBe(200);
    return slowest;
  }

  /** Every SDK client still grants from its lease, and a forced refresh reports the outage without throwing. */
  async function expectClientsRunFromLeases(): Promise<void> {
    for (const license of licenses) {
      const outcome = await license.refresh({ force: true });
      expect(outcome).toMatchObject({ refreshed: false, code: 'SERVICE_UNAVAILABLE' });
      expect(license.status()).toMatchObject({ valid: true, code: 'VALID' });
      expect(license.hasFeature('export')).toBe(true);
      expect(license.featureValue('projects')).toBe(3);
      expect((await license.validate(['export'])).valid).toBe(true);
    }
  }

  async function waitReady(): Promise<number> {
    const started = performance.now();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await timed(server.url, 'GET', '/readyz', null).catch(() => null);
      if (res?.status === 200) return performance.now() - started;
      await sleep(100);
    }
    throw new Error('the server did not become ready again within 60 s of the database returning');
  }

  for (const outage of ['a fast shutdown', 'a kill -9 of the postmaster'] as const) {
    it(
      `${outage}: fast 503s with Retry-After, the SDK runs from its leases, and the server recovers by itself`,
      { timeout: 120_000 },
      async (ctx) => {
        if (!cluster) return ctx.skip();
        // Fresh leases before the outage, so the clients hold 40 s of rights.
        for (const license of licenses) expect((await license.refresh({ force: true })).refreshed).toBe(true);
        const offline: number[] = [];
        const online: number[] = [];
        licenses.forEach((license, i) => {
          license.once('offline', () => offline.push(i));
          license.once('online', () => online.push(i));
        });
        const customersBefore = (await call('GET', '/v1/customers?q=outage')).data.length;

        if (outage === 'a fast shutdown') await cluster.stop();
        else await cluster.kill();
        const downAt = performance.now();

        const slowest = await expectFastUnavailable();
        await expectClientsRunFromLeases();
        expect(offline.sort()).toEqual([0, 1, 2]);
        // A while later: still fast, nothing queued up behind the dead pool.
        await sleep(2_000);
        const slowestLater = await expectFastUnavailable();
        expect(server.child.exitCode).toBeNull();
        expect(server.child.signalCode).toBeNull();
        console.log(`${outage}: slowest 503 ${slowest.toFixed(0)} ms, then ${slowestLater.toFixed(0)} ms`);

        await cluster.start();
        const readyAfter = await waitReady();
        console.log(
          `${outage}: ready ${readyAfter.toFixed(0)} ms after the database started (down ${((performance.now() - downAt) / 1000).toFixed(1)} s)`,
        );

        // The same server process serves again, and nothing refused during the outage was written.
        expect((await api(server.url, adminKey, 'POST', '/v1/customers', { name: 'After the outage' })).status).toBe(201);
        expect((await call('GET', '/v1/customers?q=outage')).data.length).toBe(customersBefore + 1);
        expect((await call('GET', `/v1/entitlements/${entitlementId}`)).overrides.seats ?? null).toBeNull();
        const validation = await timed(server.url, 'POST', '/v1/client/validate', `License ${keys[0]}`, {
          fingerprint: licenses[0]!.fingerprint,
        });
        expect(validation).toMatchObject({ status: 200, body: { valid: true, code: 'VALID' } });
        expect((await timedNl(server.url, 'GET', '/licensee', adminKey)).status).toBe(200);
        expect((await timedNl(server.url, 'POST', '/licensee/I-OUTAGE/validate', adminKey, { productNumber: 'NL-OUTAGE' })).status).toBe(
          200,
        );
        for (const license of licenses) {
          const before = license.status().issuedAt!.getTime();
          expect(await license.refresh({ force: true })).toMatchObject({ refreshed: true, code: 'VALID' });
          expect(license.status().issuedAt!.getTime()).toBeGreaterThanOrEqual(before);
          expect(license.hasFeature('export')).toBe(true);
        }
        expect(online.sort()).toEqual([0, 1, 2]);
        expect(server.child.exitCode).toBeNull();
      },
    );
  }

  // `npm run test:stress`: an outage longer than half a lease, so the clients' own scheduled refreshes
  // fall inside it; nobody forces anything, and they come back by themselves.
  it.skipIf(!STRESS)(
    'a long outage: scheduled refreshes fail during it, the clients keep granting, and renew by themselves after it',
    { timeout: 180_000 },
    async (ctx) => {
      if (!cluster) return ctx.skip();
      for (const license of licenses) expect((await license.refresh({ force: true })).refreshed).toBe(true);
      const leaseEnds = Math.min(...licenses.map((l) => l.status().expiresAt!.getTime()));
      const failed = new Set<number>();
      const renewed = new Set<number>();
      licenses.forEach((license, i) => {
        license.on('offline', () => failed.add(i));
        license.on('refreshed', () => renewed.add(i));
      });
      const stillGranting = () => {
        for (const license of licenses) {
          expect(license.status()).toMatchObject({ valid: true, code: 'VALID' });
          expect(license.hasFeature('export')).toBe(true);
        }
      };

      await cluster.stop();
      // Each client's scheduled refresh comes due (half the lease) and fails; they keep granting.
      while (failed.size < licenses.length && Date.now() < leaseEnds - 8_000) {
        stillGranting();
        await sleep(200);
      }
      expect([...failed].sort()).toEqual([0, 1, 2]);
      expect(renewed.size).toBe(0);
      stillGranting();

      await cluster.start();
      // Their backed-off retries reach the recovered server before the leases run out.
      while (renewed.size < licenses.length && Date.now() < leaseEnds) {
        stillGranting();
        await sleep(200);
      }
      expect([...renewed].sort()).toEqual([0, 1, 2]);
      for (const license of licenses) expect(license.status().expiresAt!.getTime()).toBeGreaterThan(leaseEnds);
      expect(server.child.exitCode).toBeNull();
    },
  );

  it('the background traffic through both outages got only answers, never a 500 or a hang', async (ctx) => {
    if (!cluster) return ctx.skip();
    trafficOn = false;
    await trafficDone;
    const statuses = new Map<string, number>();
    for (const t of traffic) statuses.set(`${t.what} ${t.status}`, (statuses.get(`${t.what} ${t.status}`) ?? 0) + 1);
    console.log('background traffic:', Object.fromEntries(statuses));
    const bad = traffic.filter((t) => ![200, 201, 503].includes(t.status) || t.ms > 2 * FAST_MS);
    expect(bad).toEqual([]);
    expect(traffic.filter((t) => t.status === 503).length).toBeGreaterThan(0);
    expect(traffic.filter((t) => t.status === 200).length).toBeGreaterThan(0);
  });
});
