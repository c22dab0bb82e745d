/**
 * `npm run bench:batch -- [--devices 10000] [--stores sqlite,postgres] [--chunk 100]`: the
 * throughput of one batch activation (issue 22) — a factory line activating N devices on one
 * entitlement, with exact seat accounting — run by the background job in process on a fresh
 * database of each store. Prints one line per store and, last, one JSON object with the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openServices } from '../packages/server/src/bootstrap.js';
import { buildApp } from '../packages/server/src/platform/http/app.js';
import { runActivationBatches } from '../packages/server/src/capabilities/batches/runner.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    chunk: { type: 'string', default: '100' },
  },
});
const devices = Number(values.devices);
const chunk = Number(values.chunk);
const ADMIN = process.env['LEASEHOLD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withPostgres<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `leasehold_bench_batch_${randomBytes(4).toString('hex')}`;
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

async function once(store: 'sqlite' | 'postgres', databaseUrl: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leasehold-bench-batch-'));
  const adminKey = `lh_bench_${randomBytes(16).toString('hex')}`;
  const started = await openServices({ dataDir, databaseUrl, pgPoolSize: 5, masterKey: null, adminKey });
  const app = await buildApp(started.services);
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${adminKey}` },
      ...(body ? { payload: body as object } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  try {
    await call('POST', '/v1/products', { code: 'fleet', name: 'Fleet' });
    // Ten fewer seats than devices: the last ten are refused, so the limit is decided every time.
    await call('POST', '/v1/offerings', { productId: 'fleet', code: 'site', name: 'Site', licenseModel: 'perpetual', seats: devices - 10 });
    const customer = await call('POST', '/v1/customers', { name: 'Factory' });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'site' });
    const list = Array.from({ length: devices }, (_, i) => ({ fingerprint: `machine-${i}`, platform: 'linux', name: `line ${i}` }));
    const t0 = performance.now();
    const batch = await call('POST', '/v1/activation-batches', { entitlementId: entitlement.id, devices: list });
    const accepted = performance.now() - t0;
    const t1 = performance.now();
    while (await runActivationBatches(started.services, { worker: 'bench', chunk })) {
      /* until the batch is done */
    }
    const seconds = (performance.now() - t1) / 1000;
    const done = await call('GET', `/v1/activation-batches/${batch.id}`);
    if (done.results.activated !== devices - 10 || done.results.refused !== 10)
      throw new Error(`wrong results: ${JSON.stringify(done.results)}`);
    return {
      store,
      devices,
      acceptMs: Math.round(accepted),
      seconds: Number(seconds.toFixed(1)),
      devicesPerSecond: Math.round(devices / seconds),
    };
  } finally {
    await app.close();
    await started.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const store of values.stores.split(',') as Array<'sqlite' | 'postgres'>) {
  const r = store === 'sqlite' ? await once('sqlite', null) : await withPostgres((url) => once('postgres', url));
  process.stderr.write(`${r.store}: ${r.devices} devices in ${r.seconds} s (${r.devicesPerSecond}/s; accepted in ${r.acceptMs} ms)\n`);
  results.push(r);
}
console.log(JSON.stringify({ scenario: 'activation-batch', chunk, results }));
