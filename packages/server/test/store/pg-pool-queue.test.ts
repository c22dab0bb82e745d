import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/store/database.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

const withPostgres = (await storeKinds()).includes('postgres');

/**
 * Waiting for a pooled PostgreSQL connection: a queue behind busy connections that keep coming
 * back is contention, and the request waits its turn; a pool whose connections are all stuck is an
 * outage, and the request fails (a 503 in the API) after the pool's 5 s wait. The pool's timers are
 * real, so these tests take a few seconds.
 */
describe.skipIf(!withPostgres)('waiting for a PostgreSQL connection', { concurrent: true }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  async function onePool(): Promise<Database> {
    const pg = await createPostgresDatabase();
    const database = openDatabase({ dialect: 'postgres', url: pg.url, poolSize: 1 });
    cleanup.push(async () => {
      await database.close();
      await pg.drop();
    });
    return database;
  }

  it('a queue longer than the pool wait, moving all along, is served whole', { timeout: 60_000 }, async () => {
    const database = await onePool();
    // 28 transactions of 250 ms through one connection: the last ones wait about 7 s.
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 28 }, (_, i) =>
        database.db.transaction().execute(async (trx) => {
          await sql`select pg_sleep(0.25)`.execute(trx);
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    // Otherwise the queue never outlasted the pool's own 5 s wait and proved nothing.
    expect(Date.now() - started).toBeGreaterThan(5_500);
  });

  it('a connection held without end still fails the next request as unavailable', { timeout: 60_000 }, async () => {
    const database = await onePool();
    const stuck = sql`select pg_sleep(6)`.execute(database.db);
    const waiting = sql`select 1`.execute(database.db).then(
      () => null,
      (error: unknown) => error,
    );
    const error = await waiting;
    expect(error).toBeInstanceOf(Error);
    expect(database.isUnavailable(error)).toBe(true);
    await stuck;
  });
});
