import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/platform/store/database.js';
import { openTx } from '../../src/platform/store/store.js';
import { migrateToLatest } from '../../src/bootstrap.js';
import { repositories } from '../../src/registry.js';

/**
 * The hot-path queries must be index seeks, whatever the data: SQLite's planner once answered the
 * live-activations lookup by walking the account's whole primary key, so every validation got
 * slower with every activation in the account.
 */
describe('query plans of the validation hot path on SQLite', () => {
  let database: Database;
  beforeAll(async () => {
    database = openDatabase({ dialect: 'sqlite', file: ':memory:' });
    await migrateToLatest(database);
  });
  afterAll(() => database.close());

  it('the live activations of an entitlement are read through their own index', async () => {
    const tx = openTx(database.db, database, { accountId: 'acc_x', productId: null }, repositories);
    // The query ActivationRepository.liveOf runs; SQLite is asked how it would run it.
    const query = database.db
      .selectFrom('activations')
      .selectAll()
      .where('account_id', '=', 'acc_x')
      .where('entitlement_id', '=', 'ent_x')
      .where('state', '=', 'active')
      .orderBy('id')
      .compile();
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${query.sql.replace(/\?/g, "'x'")}`).execute(database.db);
    expect(plan.rows.map((r) => r.detail).join(' | ')).toMatch(/USING INDEX activations_entitlement_live/);
    expect(await tx.activations.liveOf('ent_x')).toEqual([]);
  });

  it('an activation counts the seats held from the index alone and seeks the dead seats of its entitlement', async () => {
    const tx = openTx(database.db, database, { accountId: 'acc_x', productId: null }, repositories);
    const planOf = async (query: { sql: string }) =>
      (await sql.raw<{ detail: string }>(`explain query plan ${query.sql.replace(/\?/g, "'x'")}`).execute(database.db)).rows
        .map((r) => r.detail)
        .join(' | ');
    // The queries ActivationRepository.countHolding and deadOf run.
    const holding = database.db
      .selectFrom('activations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', 'acc_x')
      .where('entitlement_id', '=', 'ent_x')
      .where('state', '=', 'active')
      .where((eb) => eb.or([eb('heartbeat_deadline', 'is', null), eb('heartbeat_deadline', '>=', 1), eb('borrowed_until', '>=', 1)]))
      .compile();
    expect(await planOf(holding)).toMatch(
      /USING COVERING INDEX activations_entitlement_seats \(account_id=\? AND entitlement_id=\? AND state=\?\)/,
    );
    const dead = database.db
      .selectFrom('activations')
      .selectAll()
      .where('account_id', '=', 'acc_x')
      .where('entitlement_id', '=', 'ent_x')
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', 1)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', 1)]))
      .compile();
    expect(await planOf(dead)).toMatch(
      /USING INDEX activations_entitlement_seats \(account_id=\? AND entitlement_id=\? AND state=\? AND heartbeat_deadline<\?\)/,
    );
    expect(await tx.activations.countHolding('ent_x', 1)).toBe(0);
    expect(await tx.activations.deadOf('ent_x', 1)).toEqual([]);
  });

  it('the dead-seat sweep seeks the live seats past their heartbeat deadline instead of reading every live one', async () => {
    // The query Store.deadSeats runs every 30 s, across accounts.
    const query = database.db
      .selectFrom('activations')
      .selectAll()
      .where('state', '=', 'active')
      .where('heartbeat_deadline', '<', 1)
      .where((eb) => eb.or([eb('borrowed_until', 'is', null), eb('borrowed_until', '<', 1)]))
      .orderBy('heartbeat_deadline')
      .limit(100)
      .compile();
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${query.sql.replace(/\?/g, "'x'")}`).execute(database.db);
    const detail = plan.rows.map((r) => r.detail).join(' | ');
    expect(detail).toMatch(/SEARCH activations USING INDEX activations_heartbeat_deadline \(state=\? AND heartbeat_deadline<\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });
  it("the support desk's search for a device by fingerprint is an index seek (the licensing capability's own migration)", async () => {
    const query = database.db
      .selectFrom('activations')
      .selectAll()
      .where('account_id', '=', 'acc_x')
      .where('fingerprint', '=', 'fp')
      .compile();
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${query.sql.replace(/\?/g, "'x'")}`).execute(database.db);
    expect(plan.rows.map((r) => r.detail).join(' | ')).toMatch(/USING INDEX activations_fingerprint \(account_id=\? AND fingerprint=\?\)/);
  });

  it('the latest lease of each device (propagation) is an index seek per activation, not a walk of the ledger', async () => {
    // The query LeaseRepository.latestOf runs.
    const query = database.db
      .selectFrom('leases as l')
      .selectAll('l')
      .where('l.account_id', '=', 'acc_x')
      .where('l.activation_id', 'in', ['act_a', 'act_b'])
      .where((eb) =>
        eb(
          'l.issued_at',
          '=',
          eb
            .selectFrom('leases as m')
            .select((m) => m.fn.max('m.issued_at').as('latest'))
            .where('m.account_id', '=', 'acc_x')
            .whereRef('m.activation_id', '=', 'l.activation_id'),
        ),
      )
      .compile();
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${query.sql.replace(/\?/g, "'x'")}`).execute(database.db);
    const detail = plan.rows.map((r) => r.detail).join(' | ');
    expect(detail).toMatch(/SEARCH m USING COVERING INDEX leases_activation_latest \(account_id=\? AND activation_id=\?\)/);
    expect(detail).not.toMatch(/SCAN l\b/);
    const tx = openTx(database.db, database, { accountId: 'acc_x', productId: null }, repositories);
    expect(await tx.leases.latestOf(['act_a'])).toEqual(new Map());
  });
});
