/**
 * `npm run bench:propagation -- [--devices 2000] [--stores sqlite,postgres] [--runs 20]`: what the
 * propagation answer (issue 20) costs on the main database. One entitlement with N devices, a
 * change, half of them refreshed; then `GET /v1/entitlements/{id}/propagation` (every device's
 * latest lease) is timed, in process through the router. Prints one line per store and, last,
 * one JSON object with the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openServices } from '../packages/server/src/bootstrap.js';
import { buildApp } from '../packages/server/src/platform/http/app.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    runs: { type: 'string', default: '20' },
  },
});
const devices = Number(values.devices);
const runs = Number(values.runs);
const ADMIN = process.env['LEASEHOLD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withPostgres<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `leasehold_bench_propagation_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  try {
    const url = new URL(ADMIN);
    url.pathname = `/${name}`;
    return await run(url.toString());
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function once(store: 'sqlite' | 'postgres', databaseUrl: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leasehold-bench-propagation-'));
  const adminKey = `lh_bench_${randomBytes(16).toString('hex')}`;
  const started = await openServices({ dataDir, databaseUrl, pgPoolSize: 5, masterKey: null, adminKey });
  // One license key for the whole fleet: the per-key client limit (1,200 a minute) would refuse the set-up.
  const app = await buildApp(started.services, { rateLimits: { clientPerKey: 1e9, clientPerAddress: 1e9, signInPerAddress: 60 } });
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, auth = `Bearer ${adminKey}`) => {
    const res = await app.inject({ method, url, headers: { authorization: auth }, ...(body ? { payload: body as object } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  try {
    await call('POST', '/v1/products', { code: 'fleet', name: 'Fleet' });
    await call('POST', '/v1/products/fleet/features', { code: 'cloud', name: 'Cloud', type: 'boolean' });
    await call('POST', '/v1/offerings', {
      productId: 'fleet',
      code: 'fleet',
      name: 'Fleet',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: devices,
    });
    const customer = await call('POST', '/v1/customers', { name: 'Fleet Co' });
    const e = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'fleet' });
    const activate = (i: number) => call('POST', '/v1/client/activate', { fingerprint: `bench-device-${i}` }, `License ${e.key}`);
    for (let i = 0; i < devices; i++) await activate(i);
    await call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { features: { cloud: true } } });
    // Half come back for a lease: each device then has two leases, the latest one to find.
    for (let i = 0; i < devices; i += 2) await activate(i);
    const times: number[] = [];
    let answer: { held: number; behind: number } | undefined;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      answer = await call('GET', `/v1/entitlements/${e.id}/propagation`);
      times.push(performance.now() - t);
    }
    if (answer!.held !== Math.ceil(devices / 2) || answer!.behind !== Math.floor(devices / 2))
      throw new Error(`wrong answer: ${JSON.stringify(answer)}`);
    times.sort((a, b) => a - b);
    return { store, devices, runs, p50Ms: +quantile(times, 0.5).toFixed(1), p95Ms: +quantile(times, 0.95).toFixed(1) };
  } finally {
    await app.close();
    await started.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const store of values.stores.split(',') as Array<'sqlite' | 'postgres'>) {
  const r = store === 'postgres' ? await withPostgres((url) => once('postgres', url)) : await once('sqlite', null);
  console.log(`${r.store}: propagation of ${r.devices} devices: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms (${r.runs} runs)`);
  results.push(r);
}
console.log(JSON.stringify({ bench: 'propagation', results }));
