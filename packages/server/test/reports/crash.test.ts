import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';
import { killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { ReportStore } from '../../src/capabilities/reports/store/duck.js';

/**
 * A real server process is SIGKILLed while its projector holds a batch appended but not committed
 * (LEASEHOLD_REPORTS_HOLD_MS holds it there); started again, it projects every event of the log
 * into the reporting store exactly once.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BATCH = 40;

describe.each(await storeKinds())('the reporting projector through a SIGKILL on %s', (kind) => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    killAll();
    for (const f of cleanup.reverse()) await f();
  });

  it('killed mid-batch, it projects nothing twice and nothing less; a rebuild gives the same', { timeout: 90_000 }, async () => {
    const adminKey = `lh_${randomBytes(24).toString('hex')}`;
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const pgDb = kind === 'postgres' ? await createPostgresDatabase() : null;
    if (pgDb) cleanup.push(() => pgDb.drop());
    const env = {
      LEASEHOLD_DATA_DIR: dataDir,
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
      LEASEHOLD_ADMIN_KEY: adminKey,
      LEASEHOLD_MASTER_KEY: randomBytes(32).toString('hex'),
      LEASEHOLD_REPORTS_BATCH: String(BATCH),
      LEASEHOLD_REPORTS_HOLD_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    const call = async (base: string, method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json();
    };

    let server: ServerProcess = await startServer(env);
    for (let i = 0; i < 3 * BATCH; i++) await call(server.url, 'POST', '/v1/customers', { name: `Customer ${i}` });
    // A full batch appended, its checkpoint written, the commit not yet made: kill now.
    const deadline = Date.now() + 20_000;
    while (!server.stdout().includes(`reports: batch of ${BATCH} appended`) && Date.now() < deadline) await sleep(5);
    expect(server.stdout()).toContain(`reports: batch of ${BATCH} appended`);
    expect((await server.stop('SIGKILL')).signal).toBe('SIGKILL');

    server = await startServer({ ...env, LEASEHOLD_REPORTS_HOLD_MS: '0' });
    let total = 0;
    let cursor: string | null = null;
    do {
      const page: Json = await call(server.url, 'GET', `/v1/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      total += page.data.length;
      cursor = page.nextCursor;
    } while (cursor);
    let status: Json = null;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      status = await call(server.url, 'GET', '/v1/reports/status');
      if (status.events >= total && status.lagMs === 0) break;
      await sleep(100);
    }
    // Its count is the account's rows in the store: a batch projected twice would show here.
    expect(status).toMatchObject({ store: 'duckdb', events: total, lagMs: 0 });
    await server.stop('SIGTERM');

    // `leasehold reports rebuild` on the stopped server: the same events, once each.
    const rebuilt = await runCli(['reports', 'rebuild'], { ...env, LEASEHOLD_REPORTS_HOLD_MS: '0' });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(new RegExp(`^rebuilt the reporting store from ${total} events`));

    const store = await ReportStore.open(join(dataDir, 'reports.duckdb'));
    const [row] = await store.rows<{ n: number; distinct: number }>(
      'SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS "distinct" FROM facts',
    );
    expect(row).toEqual({ n: total, distinct: total });
    expect((await store.checkpoint()).events).toBe(total);
    store.close();
  });
});
