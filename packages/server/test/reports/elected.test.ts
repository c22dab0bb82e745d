import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';
import { api, killAll, removeDir, startExpectingFailure, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { ReportStore } from '../../src/capabilities/reports/store/duck.js';

/**
 * LEASEHOLD_REPORTS_ROLE=elected: real server processes on one PostgreSQL database elect one
 * reporting process; only it projects, the others forward the report routes to it, and when it is
 * SIGKILLed another takes over and answers with exact figures.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOUR = 3_600_000;
/** How long a takeover may take after the leader dies (its session ends with the process; a heartbeat is 200 ms). */
const TAKEOVER_BOUND_MS = 10_000;

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  killAll();
  for (const f of cleanup.reverse()) await f();
});

function environment(pgUrl: string): Record<string, string> {
  return {
    DATABASE_URL: pgUrl,
    LEASEHOLD_ADMIN_KEY: `lh_${randomBytes(24).toString('hex')}`,
    LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'),
    LEASEHOLD_REPORTS_ROLE: 'elected',
    LEASEHOLD_REPORTS_HEARTBEAT_MS: '200',
    LOG_LEVEL: 'warn',
  };
}

/** Every event of the account in the main database, through the events API. */
async function mainEvents(url: string, key: string): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = (await api(url, key, 'GET', `/v1/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body;
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

function countByType(events: Json[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

/** The `events` report's rows summed per type (the range spans the test, so every event is in it). */
function totals(report: Json): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of report.rows) out[r.key] = (out[r.key] ?? 0) + r.events;
  return out;
}

async function statusOf(url: string, key: string): Promise<Json> {
  return (await api(url, key, 'GET', '/v1/reports/status')).body;
}

/** Waits until the store holds every event of the main database (asked through `via`). */
async function caughtUp(via: string, key: string, total: number): Promise<Json> {
  const deadline = Date.now() + 30_000;
  let status: Json = null;
  while (Date.now() < deadline) {
    const res = await api(via, key, 'GET', '/v1/reports/status');
    status = res.body;
    if (res.status === 200 && status.events === total && status.lagMs === 0) return status;
    await sleep(100);
  }
  throw new Error(`the reporting store did not catch up: ${JSON.stringify(status)}`);
}

const kinds = await storeKinds();

describe('LEASEHOLD_REPORTS_ROLE=elected', () => {
  it('is refused at start on SQLite, with a clear error', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const run = await startExpectingFailure({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_REPORTS_ROLE: 'elected' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('LEASEHOLD_REPORTS_ROLE=elected needs PostgreSQL (DATABASE_URL)');
  });

  it.runIf(kinds.includes('postgres'))(
    'two processes: one projects, both answer alike, and after a SIGKILL of the leader the other takes over with exact figures',
    { timeout: 180_000 },
    async () => {
      const pgDb = await createPostgresDatabase();
      cleanup.push(() => pgDb.drop());
      const env = environment(pgDb.url);
      const admin = env['LEASEHOLD_ADMIN_KEY']!;
      const dirs = [tempDataDir(), tempDataDir()];
      for (const d of dirs) cleanup.push(() => removeDir(d));
      const servers: ServerProcess[] = [];
      for (const d of dirs) servers.push(await startServer({ ...env, LEASEHOLD_DATA_DIR: d }));

      // One of the two is elected; the other says it follows and names the leader.
      let statuses: Json[] = [];
      const electedBy = Date.now() + 20_000;
      while (Date.now() < electedBy) {
        statuses = await Promise.all(servers.map((s) => api(s.url, admin, 'GET', '/v1/reports/status')));
        if (statuses.every((s) => s.status === 200)) break;
        await sleep(100);
      }
      const roles = statuses.map((s) => s.body.process.role).sort();
      expect(roles).toEqual(['follower', 'leader']);
      const li = statuses.findIndex((s) => s.body.process.role === 'leader');
      const fi = 1 - li;
      const [leader, follower] = [servers[li]!, servers[fi]!];
      const leaderStatus = statuses[li]!.body;
      const followerStatus = statuses[fi]!.body;
      expect(leaderStatus.answeredBy).toEqual({ id: leaderStatus.process.id, role: 'leader', term: expect.any(Number) });
      expect(followerStatus.answeredBy).toEqual(leaderStatus.answeredBy);
      expect(followerStatus.process.id).not.toBe(leaderStatus.process.id);
      const firstTerm: number = leaderStatus.answeredBy.term;

      // Events made through both processes (writes go to the main database wherever they arrive).
      const start = Date.now();
      for (const code of ['alpha', 'beta'])
        expect((await api(leader.url, admin, 'POST', '/v1/products', { code, name: code })).status).toBe(201);
      for (let i = 0; i < 4; i++) expect((await api(leader.url, admin, 'POST', '/v1/customers', { name: `L${i}` })).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await api(follower.url, admin, 'POST', '/v1/customers', { name: `F${i}` })).status).toBe(201);
      const scoped = await api(leader.url, admin, 'POST', '/v1/api-keys', { name: 'alpha reader', role: 'readonly', productId: 'alpha' });
      expect(scoped.status).toBe(201);
      const alphaKey: string = scoped.body.key;

      let events = await mainEvents(leader.url, admin);
      expect(countByType(events)['customer.created']).toBe(7);
      await caughtUp(follower.url, admin, events.length);
      const range = `from=${new Date(start - HOUR).toISOString()}&to=${new Date(Date.now() + HOUR).toISOString()}&granularity=month`;
      const viaLeader = await api(leader.url, admin, 'GET', `/v1/reports/events?${range}`);
      const viaFollower = await api(follower.url, admin, 'GET', `/v1/reports/events?${range}`);
      expect(viaLeader.status).toBe(200);
      expect(viaFollower.body).toEqual(viaLeader.body);
      expect(totals(viaFollower.body)).toEqual(countByType(events));

      // A product-limited key reaches only its product through the follower too (the leader applies its scope).
      const scopedViaFollower = await api(follower.url, alphaKey, 'GET', `/v1/reports/events?${range}`);
      const scopedViaLeader = await api(leader.url, alphaKey, 'GET', `/v1/reports/events?${range}`);
      expect(scopedViaFollower.status).toBe(200);
      expect(scopedViaFollower.body).toEqual(scopedViaLeader.body);
      const alphaEvents = await mainEvents(leader.url, alphaKey);
      expect(alphaEvents.length).toBeGreaterThan(0);
      expect(alphaEvents.length).toBeLessThan(events.length);
      expect(totals(scopedViaFollower.body)).toEqual(countByType(alphaEvents));
      expect(totals(scopedViaFollower.body)['customer.created']).toBeUndefined();
      // The caller's credentials are checked before anything is forwarded, and again by the leader.
      expect((await api(follower.url, null, 'GET', `/v1/reports/events?${range}`)).body.error.code).toBe('UNAUTHENTICATED');
      expect((await api(follower.url, 'lh_not-a-key-at-all-0000000000', 'GET', '/v1/reports/status')).status).toBe(401);
      // A custom query and a saved report's run are forwarded too.
      const query = {
        measures: ['events'],
        dimensions: ['type'],
        granularity: 'none',
        from: new Date(start - HOUR).toISOString(),
        to: new Date(Date.now() + HOUR).toISOString(),
      };
      const q1 = await api(follower.url, admin, 'POST', '/v1/reports/query', query);
      expect(q1.status).toBe(200);
      expect(q1.body).toEqual((await api(leader.url, admin, 'POST', '/v1/reports/query', query)).body);
      const saved = await api(follower.url, admin, 'POST', '/v1/saved-reports', {
        name: 'by type',
        query: { measures: ['events'], dimensions: ['type'], granularity: 'none' },
      });
      expect(saved.status).toBe(201);
      const run = await api(
        follower.url,
        admin,
        'GET',
        `/v1/saved-reports/${saved.body.id}/run?${range.replace('&granularity=month', '')}`,
      );
      expect(run.status).toBe(200);
      expect(Object.fromEntries(run.body.rows.map((r: Json) => [r.type, r.events]))).toEqual(countByType(events));

      // One hop at most: a forwarded request that reaches a follower is refused, not passed on.
      const hop = await fetch(`${follower.url}/v1/reports/status`, {
        headers: { authorization: `Bearer ${admin}`, 'x-leasehold-reports-forwarded': 'elsewhere' },
      });
      expect(hop.status).toBe(503);
      expect(hop.headers.get('retry-after')).toBe('2');
      expect(((await hop.json()) as Json).error.code).toBe('SERVICE_UNAVAILABLE');
      // The follower never opened a reporting store.
      expect(existsSync(join(dirs[fi]!, 'reports.duckdb'))).toBe(false);
      expect(existsSync(join(dirs[li]!, 'reports.duckdb'))).toBe(true);

      // The leader dies; the follower takes over within the bound, with a new term.
      expect((await leader.stop('SIGKILL')).signal).toBe('SIGKILL');
      const killedAt = Date.now();
      let takeover: Json = null;
      while (Date.now() - killedAt < TAKEOVER_BOUND_MS + 5_000) {
        const res = await api(follower.url, admin, 'GET', '/v1/reports/status');
        if (res.status === 200 && res.body.process.role === 'leader') {
          takeover = res.body;
          break;
        }
        // Meanwhile it answers 503 with Retry-After, never a stale or partial figure.
        expect(res.status).toBe(503);
        await sleep(50);
      }
      const tookMs = Date.now() - killedAt;
      expect(takeover, 'no takeover').not.toBeNull();
      expect(tookMs).toBeLessThan(TAKEOVER_BOUND_MS);
      expect(takeover.answeredBy).toEqual({ id: followerStatus.process.id, role: 'leader', term: firstTerm + 1 });
      console.info(`reports takeover after SIGKILL: ${tookMs} ms`);

      // Events made after the kill are in its answer, and every event counts once.
      for (let i = 0; i < 2; i++) expect((await api(follower.url, admin, 'POST', '/v1/customers', { name: `After${i}` })).status).toBe(201);
      events = await mainEvents(follower.url, admin);
      expect(countByType(events)['customer.created']).toBe(9);
      await caughtUp(follower.url, admin, events.length);
      const after = await api(follower.url, admin, 'GET', `/v1/reports/events?${range}`);
      expect(totals(after.body)).toEqual(countByType(events));

      await follower.stop('SIGTERM');
      const store = await ReportStore.open(join(dirs[fi]!, 'reports.duckdb'));
      const [row] = await store.rows<{ n: number; distinct: number }>(
        'SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS "distinct" FROM facts',
      );
      store.close();
      expect(row).toEqual({ n: events.length, distinct: events.length });
    },
  );

  it.runIf(kinds.includes('postgres'))('serve --workers 2: one worker projects, any worker answers', { timeout: 120_000 }, async () => {
    const pgDb = await createPostgresDatabase();
    cleanup.push(() => pgDb.drop());
    const env = environment(pgDb.url);
    const admin = env['LEASEHOLD_ADMIN_KEY']!;
    const dir = tempDataDir();
    cleanup.push(() => removeDir(dir));
    const server = await startServer({ ...env, LEASEHOLD_DATA_DIR: dir }, { args: ['--workers', '2'], readyTimeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) expect((await api(server.url, admin, 'POST', '/v1/customers', { name: `W${i}` })).status).toBe(201);
    const events = await mainEvents(server.url, admin);
    await caughtUp(server.url, admin, events.length);
    // Requests reach either worker; each answers from the leader's store.
    const seen = new Map<string, Json>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const s = await statusOf(server.url, admin);
      seen.set(s.process.id, s);
    }
    const answeredBy = new Set([...seen.values()].map((s) => JSON.stringify(s.answeredBy)));
    expect(answeredBy.size).toBe(1);
    expect([...seen.values()].every((s) => s.events === events.length)).toBe(true);
    expect([...seen.values()].map((s) => s.process.role).sort()).toEqual(seen.size === 2 ? ['follower', 'leader'] : [expect.any(String)]);
    // Exactly one worker's reporting file exists.
    expect(readdirSync(dir).filter((f) => /^reports\.\d+\.duckdb$/.test(f))).toHaveLength(1);
    await server.stop('SIGTERM', 20_000);
  });
});
