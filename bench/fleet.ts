/**
 * `npm run bench:fleet -- [--devices 10000] [--store sqlite|postgres] [--seed 1]`: a fleet of devices
 * running the real SDK against a real server on simulated time (bench/fleet/simulate.ts), through
 * a downgrade with suspensions, a one-hour outage, a lease-period change and a herd
 * (`--max-in-flight N` sets the server's in-flight limit). Prints the figures and
 * writes them to bench/results/<date>-fleet-<store>-<devices>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { simulateFleet, HOUR, HERD_WINDOW, MINUTE } from './fleet/simulate.js';
import { BENCH_DIR } from './data.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    store: { type: 'string', default: 'sqlite' },
    seed: { type: 'string', default: '1' },
    'max-in-flight': { type: 'string' },
  },
});
const devices = Number(values.devices);
const ADMIN_URL = process.env['LEASEHOLD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let drop = async () => {};
let store: Parameters<typeof simulateFleet>[0]['store'] = { kind: 'sqlite' };
if (values.store === 'postgres') {
  const name = `leasehold_fleet_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  store = { kind: 'postgres', url: url.toString() };
  drop = async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.end();
  };
}

try {
  const result = await simulateFleet({
    devices,
    store,
    seed: Number(values.seed),
    ...(values['max-in-flight'] ? { maxInFlight: Number(values['max-in-flight']) } : {}),
  });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `Fleet of ${result.devices} devices on ${result.store}, ${result.simulatedDays} simulated days in ${result.wallSeconds.toFixed(0)} s (${result.requests} requests, ${result.cpuMicrosPerRequest} µs CPU per request, server and SDKs together)`,
    `Mix: ${Object.entries(result.mix)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...result.changes.map(
      (c) =>
        `${c.name}: online devices holding it within refreshAfter + jitter ${pct(c.onlineWithinRefresh)} (${c.onlineDevices}); all devices within one lease period ${pct(c.allWithinLease)}; longest on stale rights ${(c.longestStaleMs / HOUR).toFixed(1)} h; busiest minute after it ${c.peakPerMinRatio.toFixed(2)}× steady`,
    ),
    `Outage of one hour: steady ${result.outage.steadyPerMin.toFixed(1)} req/min; the hour after ${result.outage.recoveryPerMin.toFixed(1)} req/min (${result.outage.recoveryRatio.toFixed(2)}×), busiest 5 minutes ${result.outage.peakRatio.toFixed(2)}×; ${result.outage.shed} requests shed with 503`,
    `Herd: ${result.herd.devices} devices asking at once, at most ${result.herd.maxOutstanding} requests outstanding against an in-flight limit of ${result.herd.maxInFlight}; ${result.herd.shed} shed with 503 + Retry-After, ${result.herd.earlyRetries} retries sooner than it; ${pct(result.herd.servedWithin10s)} served within 10 s, ${pct(result.herd.served)} within ${HERD_WINDOW / MINUTE} min, the last after ${(result.herd.lastServedMs / 1000).toFixed(0)} s`,
    `Devices found running past their lease's expiry (by 1 ms or more): ${result.pastExpiry}; found granting at its very millisecond: ${result.atExpiry}`,
    `Latency (ms, in process): ${Object.entries(result.latency)
      .map(([p, l]) => `${p} p50 ${l.p50} p99 ${l.p99} max ${l.max} (${l.requests})`)
      .join('; ')}`,
  ];
  console.log(lines.join('\n'));
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}-fleet-${result.store}-${result.devices}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`→ ${file}`);
} finally {
  await drop();
}
