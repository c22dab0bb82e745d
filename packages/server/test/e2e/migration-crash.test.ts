import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openServices } from '../../src/bootstrap.js';
import { seedEntitlements } from '../support/bulk.js';
import { api, killAll, removeDir, runCli, startServer, tempDataDir } from '../support/processes.js';

/** How many entitlements to migrate; `npm run test:stress` raises it to 100,000. */
const COUNT = Number(process.env['LEASEHOLD_MIGRATION_COUNT'] ?? 3000);

describe('a bulk migration killed in the middle', () => {
  const dir = tempDataDir();
  afterAll(() => {
    killAll();
    removeDir(dir);
  });

  it(
    `moves ${COUNT} entitlements exactly once across a SIGKILL and a restart, as many as its dry run counted`,
    { timeout: Math.max(120_000, COUNT * 15) },
    async () => {
      const adminKey = `lh_${randomBytes(24).toString('hex')}`;
      const env = { LEASEHOLD_DATA_DIR: dir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' };
      let server = await startServer(env);
      const call = (method: string, path: string, body?: unknown) => api(server.url, adminKey, method, path, body);

      await call('POST', '/v1/products', { code: 'bulk', name: 'Bulk' });
      const source = (
        await call('POST', '/v1/offerings', { productId: 'bulk', code: 'old-plan', name: 'Old', licenseModel: 'perpetual', seats: 2 })
      ).body;
      await call('POST', '/v1/offerings', { productId: 'bulk', code: 'new-plan', name: 'New', licenseModel: 'perpetual', seats: 3 });
      const customers: string[] = [];
      for (let i = 0; i < 20; i++) customers.push((await call('POST', '/v1/customers', { name: `Bulk ${i}` })).body.id);

      // Seed through the store directly (the API would take minutes at 100k); the server keeps running.
      const seeding = await openServices({ dataDir: dir, databaseUrl: null, pgPoolSize: 1, masterKey: null, adminKey: null });
      const accountId = (await seeding.services.store.accountIds(1))[0]!;
      await seedEntitlements(seeding.services, accountId, source, customers, COUNT, Date.now());
      await seeding.close();

      const dry = await runCli(
        ['migrate-offering', '--from', 'old-plan', '--to', 'new-plan', '--dry-run', '--url', server.url, '--api-key', adminKey],
        {},
        120_000,
      );
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(new RegExp(`entitlements\\s+${COUNT}\\b`));

      const started = (await call('POST', '/v1/migrations', { sourceOfferingId: 'old-plan', targetOfferingId: 'new-plan' })).body;
      expect(started.impact.entitlements).toBe(COUNT);
      const id = started.migration.id;

      // Kill the server while the migration is part-way through.
      let seen = started.migration;
      while (seen.done < Math.min(400, COUNT / 4)) {
        await new Promise((r) => setTimeout(r, 20));
        seen = (await call('GET', `/v1/migrations/${id}`)).body;
      }
      const exit = await server.stop('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');

      server = await startServer(env);
      const atRestart = (await call('GET', `/v1/migrations/${id}`)).body;
      expect(atRestart.done).toBeGreaterThan(0);
      expect(atRestart.done).toBeLessThan(COUNT);
      // The killed worker's lock runs out (15 s) and the restarted server's worker takes over.
      let m = atRestart;
      const deadline = Date.now() + Math.max(150_000, COUNT * 10);
      while (m.state !== 'completed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        m = (await call('GET', `/v1/migrations/${id}`)).body;
      }
      expect(m).toMatchObject({ state: 'completed', total: COUNT, done: COUNT, skipped: 0, failed: 0 });
      expect(m.result.entitlements).toBe(started.impact.entitlements);
      expect(m.result.seatsRemoved).toBe(started.impact.seatsRemoved);
      await server.stop();

      // Exactly once: every entitlement is on the new plan with exactly one offering change.
      const check = await openServices({ dataDir: dir, databaseUrl: null, pgPoolSize: 1, masterKey: null, adminKey: null });
      const db = check.services.store.database.db;
      const twice = await db
        .selectFrom('entitlement_versions')
        .select(['entitlement_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('change', '=', 'entitlement.offering_changed')
        .groupBy('entitlement_id')
        .having((eb) => eb.fn.countAll(), '>', 1)
        .execute();
      expect(twice).toEqual([]);
      const onOld = await db
        .selectFrom('entitlements')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('offering_id', '=', source.id)
        .executeTakeFirstOrThrow();
      expect(Number(onOld.n)).toBe(0);
      const changes = await db
        .selectFrom('entitlement_versions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('change', '=', 'entitlement.offering_changed')
        .executeTakeFirstOrThrow();
      expect(Number(changes.n)).toBe(COUNT);
      const integrity = await check.services.store.database.db.executeQuery<{ integrity_check: string }>({
        sql: 'pragma integrity_check',
        parameters: [],
        query: { kind: 'RawNode' },
      } as never);
      expect(integrity.rows[0]?.integrity_check).toBe('ok');
      await check.close();
    },
  );
});
