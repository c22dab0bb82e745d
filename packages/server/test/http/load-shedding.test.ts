import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { buildApp } from '../../src/platform/http/app.js';
import type { Capability } from '../../src/platform/capability.js';
import { answers, type App } from '../../src/platform/http/route-kit.js';
import { openDatabase } from '../../src/platform/store/database.js';
import { migrateToLatest } from '../../src/bootstrap.js';
import { createHarness, type Harness } from '../support/harness.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

/**
 * Under more load than it can serve, a process refuses at once (503 + Retry-After) instead of
 * queueing every caller until they all time out (issue 23: "overload behaves").
 */
describe('load shedding', () => {
  let h: Harness;
  let gate: { open: () => void; wait: Promise<void> };
  const newGate = () => {
    let open!: () => void;
    const wait = new Promise<void>((resolve) => (open = resolve));
    gate = { open, wait };
  };
  // A route that holds its request until the test lets it go: in-flight work the test controls.
  const slow: Capability = {
    name: 'slow',
    routes: (app) => {
      app.get(
        '/v1/slow',
        {
          config: { public: true },
          schema: {
            operationId: 'slow',
            summary: 'Slow',
            description: 'Holds the request until the test opens the gate.',
            response: answers(200, Type.Object({ ok: Type.Boolean() }), []),
          },
        },
        async () => {
          await gate.wait;
          return { ok: true };
        },
      );
    },
  };
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('refuses requests past the in-flight limit with 503 and a spread Retry-After, and takes them again once work finishes', async () => {
    newGate();
    const app = await buildApp(h.services, { capabilities: [slow], loadLimits: { maxInFlight: 2, maxEventLoopDelayMs: 0 } });
    try {
      const held = [app.inject({ method: 'GET', url: '/v1/slow' }), app.inject({ method: 'GET', url: '/v1/slow' })];
      await new Promise((r) => setImmediate(r));
      const refused = await app.inject({ method: 'GET', url: '/v1/slow' });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { reason: 'overloaded' } });
      const wait = Number(refused.headers['retry-after']);
      expect(wait).toBeGreaterThanOrEqual(2);
      expect(wait).toBeLessThanOrEqual(6);
      // Probes answer whatever the load: an orchestrator must not kill a busy server.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/leasehold_requests_shed_total\{[^}]*reason="in_flight"[^}]*\} 1/);

      gate.open();
      expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
      // The finished requests left the count: two at once fit again.
      const again = await Promise.all([app.inject({ method: 'GET', url: '/v1/slow' }), app.inject({ method: 'GET', url: '/v1/slow' })]);
      expect(again.map((r) => r.statusCode)).toEqual([200, 200]);
    } finally {
      await app.close();
    }
  });

  it('refuses new requests while the event loop runs late, and serves again once it caught up', async () => {
    newGate();
    gate.open();
    const app: App = await buildApp(h.services, { capabilities: [slow], loadLimits: { maxInFlight: 0, maxEventLoopDelayMs: 100 } });
    try {
      expect((await app.inject({ method: 'GET', url: '/v1/slow' })).statusCode).toBe(200);
      // Real time, by nature: the delay is the event loop's own. Keep it busy (as a saturated CPU
      // does), 150 ms at a time, while a request comes in.
      let busy = true;
      const burn = () => {
        const until = Date.now() + 150;
        while (Date.now() < until) {
          // nothing else runs
        }
        if (busy) setTimeout(burn, 1);
      };
      burn();
      await new Promise((r) => setTimeout(r, 800));
      const late = await app.inject({ method: 'GET', url: '/v1/slow' });
      busy = false;
      expect(late.statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
        /leasehold_requests_shed_total\{[^}]*reason="event_loop"[^}]*\} [1-9]/,
      );
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await app.inject({ method: 'GET', url: '/v1/slow' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe.runIf((await storeKinds()).includes('postgres'))('the PostgreSQL statement timeout', () => {
  it('cancels a statement that runs too long as an unavailable error (a 503), but not a schema migration', async () => {
    const pg = await createPostgresDatabase();
    const database = openDatabase({ dialect: 'postgres', url: pg.url, poolSize: 1, statementTimeoutMs: 300 });
    try {
      // Migrations run with the timeout lifted (a 300 ms budget would not hold the whole history on a slow machine either way).
      await expect(migrateToLatest(database)).resolves.toContain('0001_core');
      const long = database.db.executeQuery({ sql: 'select pg_sleep(2)', parameters: [], query: { kind: 'RawNode' } } as never);
      const error = await long.then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as { code?: string }).code).toBe('57014');
      expect(database.isUnavailable(error)).toBe(true);
      // The one pooled connection the migrations used has its timeout back.
      const again = await database.db.executeQuery({ sql: 'show statement_timeout', parameters: [], query: { kind: 'RawNode' } } as never);
      expect(again.rows).toEqual([{ statement_timeout: '300ms' }]);
    } finally {
      await database.close();
      await pg.drop();
    }
  });
});
