import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/store/database.js';
import { createPostgresDatabase, storeKinds, type StoreKind } from '../support/stores.js';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import {
  compareFinal,
  isAcked,
  provenPeak,
  quotaCeiling,
  replayDevices,
  replayUsage,
  summarize,
  unexpectedAnswers,
  type RaceTarget,
} from './support/race-check.js';
import {
  createRaceCatalogue,
  killRaceClients,
  readFinalState,
  runRaceClients,
  totalOps,
  watchLimits,
  type RaceScale,
} from './support/race-run.js';
import type { RaceEntry } from './support/race-protocol.js';

/**
 * Eight client processes race activations, heartbeats, refreshes, deactivations, pool checkouts and
 * checkins and usage reports against real server processes; afterwards the clients' logs of what
 * was acknowledged are held against the database and the management API. `npm run test:stress`
 * sets LEASEHOLD_STRESS=1 for the long run.
 */
const STRESS = process.env['LEASEHOLD_STRESS'] === '1';
const SCALE: RaceScale = STRESS
  ? { clients: 8, lanes: 4, opsPerLane: 250, devicesPerLane: 2 }
  : { clients: 8, lanes: 2, opsPerLane: 20, devicesPerLane: 2 };
const CLUSTER_SCALE: RaceScale = STRESS
  ? { clients: 8, lanes: 2, opsPerLane: 250, devicesPerLane: 2 }
  : { clients: 4, lanes: 2, opsPerLane: 15, devicesPerLane: 2 };
const SEED = Number(process.env['LEASEHOLD_RACE_SEED'] ?? Date.now() % 100_000);
const RUN_TIMEOUT = STRESS ? 600_000 : 90_000;
/** Hang guards only: on a busy two-core machine a cluster of three server processes starts slowly. */
const START_TIMEOUT = 90_000;

const stores = await storeKinds();
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  killRaceClients();
  killAll();
  for (const step of cleanup.reverse()) await step();
});

function scratchDir(): string {
  const dir = tempDataDir();
  cleanup.push(() => removeDir(dir));
  return dir;
}

/** Server settings for one store; the client API's rate limits are off, every client is 127.0.0.1. */
async function storeEnv(store: StoreKind): Promise<{ env: Record<string, string>; open(): Database; adminKey: string }> {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    LEASEHOLD_ADMIN_KEY: adminKey,
    LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'),
    LEASEHOLD_RATE_CLIENT_KEY: '0',
    LEASEHOLD_RATE_CLIENT_ADDRESS: '0',
    LOG_LEVEL: 'warn',
  };
  if (store === 'postgres') {
    const db = await createPostgresDatabase();
    cleanup.push(() => db.drop());
    env['DATABASE_URL'] = db.url;
    env['LEASEHOLD_DATA_DIR'] = scratchDir();
    return { env, adminKey, open: () => openDatabase({ dialect: 'postgres', url: db.url, poolSize: 2 }) };
  }
  const dir = scratchDir();
  env['LEASEHOLD_DATA_DIR'] = dir;
  return { env, adminKey, open: () => openDatabase({ dialect: 'sqlite', file: join(dir, 'leasehold.db') }) };
}

interface RaceOutcome {
  entries: RaceEntry[];
  targets: RaceTarget[];
}

/**
 * Runs the clients against `urls` while sampling the database, then checks every invariant:
 * answers are ones the API documents, each device's answers agree with each other, no moment had
 * more seats or pool elements held than allowed, every acknowledged write is in the database
 * exactly once and nothing refused left a trace, and the management API says the same.
 */
async function raceAndCheck(
  urls: string[],
  adminKey: string,
  database: Database,
  scale: RaceScale,
  contention: 'everywhere' | 'seats' = 'everywhere',
): Promise<RaceOutcome> {
  const targets = await createRaceCatalogue(urls[0]!, adminKey, scale);
  const watcher = watchLimits(database, targets);
  // LEASEHOLD_RACE_LOGS=<dir> keeps the clients' request logs for a look after a failure.
  const logs = process.env['LEASEHOLD_RACE_LOGS'] || scratchDir();
  const running = runRaceClients({ urls, targets, scale, seed: SEED, dir: logs, timeoutMs: RUN_TIMEOUT });
  await running.catch(() => {});
  const peaks = await watcher.stop();
  const entries = await running;
  if (process.env['LEASEHOLD_RACE_REPORT'] === '1') console.log(JSON.stringify({ seed: SEED, ...summarize(entries) }, null, 1));
  const context = `seed ${SEED}`;
  expect(entries, context).toHaveLength(totalOps(scale));
  expect(unexpectedAnswers(entries), context).toEqual([]);

  const devices = replayDevices(entries, targets);
  expect(devices.violations, context).toEqual([]);
  const usage = replayUsage(entries, targets);
  expect(usage.violations, context).toEqual([]);

  expect(peaks.samples).toBeGreaterThan(0);
  for (const t of targets) {
    // What the answers prove was held at one moment, and what the database showed while it ran.
    const seats = provenPeak(devices.seatSteps.get(t.name) ?? []);
    expect(seats.peak, `${t.name} seats, ${context}: ${JSON.stringify(seats)}`).toBeLessThanOrEqual(t.seats);
    const elements = provenPeak(devices.poolSteps.get(t.name) ?? []);
    expect(elements.peak, `${t.name} pool, ${context}: ${JSON.stringify(elements)}`).toBeLessThanOrEqual(t.poolSize);
    const seen = peaks.seen[t.name]!;
    expect(seen.seats, `${t.name} live seats sampled`).toBeLessThanOrEqual(t.seats);
    expect(seen.pool, `${t.name} pool elements sampled`).toBeLessThanOrEqual(t.poolSize);
    for (const [feature, used] of Object.entries(seen.quota)) {
      expect(used, `${t.name} ${feature} sampled`).toBeLessThanOrEqual(quotaCeiling(t.quotas[feature]!));
    }

    const final = await readFinalState(database, t);
    expect(compareFinal(t, final, devices, usage, entries), context).toEqual([]);

    // The management API tells the vendor the same story.
    const live = await api(urls[0]!, adminKey, 'GET', `/v1/entitlements/${t.entitlementId}/activations?state=active&limit=500`);
    expect(live.status).toBe(200);
    const expectedLive = [...(devices.live.get(t.name) ?? new Map()).values()];
    expect(live.body.data.map((a: { id: string }) => a.id).sort()).toEqual(expectedLive.map((x) => x.activationId).sort());
    const now = await api(urls[urls.length - 1]!, adminKey, 'GET', `/v1/entitlements/${t.entitlementId}/usage`);
    expect(now.status).toBe(200);
    const pool = now.body.pools.find((p: { feature: string }) => p.feature === t.pool);
    expect(pool?.inUse ?? 0).toBe(expectedLive.reduce((sum, x) => sum + x.held, 0));
    const counted = [...(usage.counted.get(t.name) ?? new Map()).values()].map((c) => c.record);
    for (const feature of t.meters) {
      const sum = counted.filter((r) => r.feature === feature).reduce((s, r) => s + r.quantity, 0);
      expect(now.body.quotas[feature].used, `${t.name} ${feature}`).toBe(sum);
    }
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const report = await api(
      urls[0]!,
      adminKey,
      'GET',
      `/v1/usage?from=${from}&to=${to}&groupBy=entitlement&entitlement=${t.entitlementId}`,
    );
    expect(report.status).toBe(200);
    expect(report.body.data.reduce((n: number, g: { records: number }) => n + g.records, 0)).toBe(counted.length);
  }

  // The run really raced: seats, pools and quotas were each both granted and refused.
  for (const t of targets) {
    const mine = entries.filter((e) => e.license === t.name);
    expect(mine.filter((e) => e.op === 'activate' && e.status === 201).length, `${t.name} activations`).toBeGreaterThan(0);
    expect(mine.filter((e) => e.code === 'SEAT_LIMIT_REACHED').length, `${t.name} seat refusals`).toBeGreaterThan(0);
  }
  if (contention === 'seats') return { entries, targets };
  for (const t of targets) {
    const released = entries.filter((e) => e.license === t.name && e.op === 'deactivate' && e.status === 204);
    expect(released.length, `${t.name} deactivations`).toBeGreaterThan(0);
  }
  expect(entries.filter((e) => e.op === 'checkout' && isAcked(e)).length, `checkouts granted, ${context}`).toBeGreaterThan(0);
  expect(entries.filter((e) => e.code === 'POOL_EXHAUSTED').length, `checkouts refused, ${context}`).toBeGreaterThan(0);
  expect(entries.filter((e) => e.op === 'checkin' && isAcked(e)).length, `checkins granted, ${context}`).toBeGreaterThan(0);
  expect(usage.stats.accepted, `usage accepted, ${context}`).toBeGreaterThan(0);
  expect(usage.stats.rejected['QUOTA_EXHAUSTED'] ?? 0, `usage refused, ${context}`).toBeGreaterThan(0);
  expect(usage.stats.duplicates, `usage duplicates, ${context}`).toBeGreaterThan(0);
  return { entries, targets };
}

/** `leasehold serve --workers 2`, once both workers listen; request logs (info) name each worker's pid. */
async function startCluster(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServer({ ...env, LOG_LEVEL: 'info' }, { args: ['--workers', '2'], readyTimeoutMs: START_TIMEOUT });
  const deadline = Date.now() + START_TIMEOUT;
  while (!server.stdout().includes('2 workers listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(server.stdout()).toContain('2 workers listening');
  return server;
}

/** The pids of the processes that logged a client API request. */
function clientRequestPids(server: ServerProcess): Set<number> {
  return new Set(
    server
      .logLines()
      .map((line) => JSON.parse(line) as { pid?: number; req?: { url?: string } })
      .filter((r) => r.pid !== undefined && r.req?.url?.startsWith('/v1/client/'))
      .map((r) => r.pid!),
  );
}

function expectNoErrorLogs(servers: ServerProcess[]): void {
  for (const s of servers) {
    const errors = s.logLines().filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors, 'error log records').toEqual([]);
  }
}

const requests = (scale: RaceScale) => `${scale.clients} client processes × ${scale.lanes * scale.opsPerLane} requests`;

describe.skipIf(!stores.includes('sqlite'))('racing clients on SQLite', () => {
  it(
    `${requests(SCALE)} against one server: no oversell, every acknowledged write exactly once`,
    { timeout: RUN_TIMEOUT + 3 * START_TIMEOUT },
    async () => {
      const { env, adminKey, open } = await storeEnv('sqlite');
      const server = await startServer(env, { readyTimeoutMs: START_TIMEOUT });
      const database = open();
      cleanup.push(() => database.close());
      await raceAndCheck([server.url], adminKey, database, SCALE);
      expectNoErrorLogs([server]);
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
  );

  it(
    `serve --workers 2 answers from both workers, ${requests(CLUSTER_SCALE)}, without oversell`,
    { timeout: RUN_TIMEOUT + 3 * START_TIMEOUT },
    async () => {
      const { env, adminKey, open } = await storeEnv('sqlite');
      const server = await startCluster(env);
      const database = open();
      cleanup.push(() => database.close());
      await raceAndCheck([server.url], adminKey, database, CLUSTER_SCALE, 'seats');
      const pids = clientRequestPids(server);
      expect(pids.has(server.child.pid!)).toBe(false);
      expect(pids.size, 'worker pids in the request log').toBe(2);
      expectNoErrorLogs([server]);
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
  );
});

describe.skipIf(!stores.includes('postgres'))('racing clients on PostgreSQL', () => {
  it(
    `${requests(SCALE)} across serve and serve --workers 2 (three processes, one database): no oversell, every acknowledged write exactly once`,
    { timeout: RUN_TIMEOUT + 3 * START_TIMEOUT },
    async () => {
      const { env, adminKey, open } = await storeEnv('postgres');
      // One after the other: the first start migrates and seeds the account.
      const single = await startServer(env, { readyTimeoutMs: START_TIMEOUT });
      const cluster = await startCluster(env);
      const database = open();
      cleanup.push(() => database.close());
      const { entries } = await raceAndCheck([single.url, cluster.url], adminKey, database, SCALE);
      for (const server of [0, 1]) expect(entries.filter((e) => e.server === server && isAcked(e)).length).toBeGreaterThan(0);
      const pids = clientRequestPids(cluster);
      expect(pids.has(cluster.child.pid!)).toBe(false);
      expect(pids.size, 'cluster worker pids in the request log').toBe(2);
      expectNoErrorLogs([single, cluster]);
      expect(await cluster.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(await single.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
  );
});
