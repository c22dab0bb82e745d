import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, seedCatalog, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { runMigrations } from '../../src/capabilities/migrations/runner.js';
import { InjectedFault } from '../../src/platform/store/write-faults.js';

/**
 * "No 500 commits": a write that fails after any of its statements leaves the database exactly as
 * it was. Each write path is run with a fault armed after statement 1, 2, … until it runs to the
 * end; every failed run must answer a generic 500, change no row of any table, and leave the
 * server working.
 */

/** Every row of every table, order-independent, as text (ignoring Kysely's own bookkeeping). */
async function snapshot(h: Harness, skip: string[] = []): Promise<Record<string, string[]>> {
  const db = h.services.store.database.db;
  const names =
    h.kind === 'sqlite'
      ? (
          await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
        ).rows.map((r) => r.name)
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)
        ).rows.map((r) => r.name);
  const out: Record<string, string[]> = {};
  for (const name of names.filter((n) => !n.startsWith('kysely_') && !skip.includes(n)).sort()) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
  }
  return out;
}

const GENERIC_500 = 'Something went wrong on our side; the request id identifies it in the server log.';

describe.each(await storeKinds())('a write that fails half-way commits nothing, on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    await h.call('POST', '/v1/products/studio/features', { code: 'renders', name: 'Renders', type: 'consumption', unit: 'renders' });
    await h.call('PATCH', '/v1/offerings/studio-pro', { features: { export: true, projects: 10, renders: 100 } });
    const base = { productId: 'studio', licenseModel: 'subscription', seats: 5, term: 'P1Y', leasePeriod: 'P7D' };
    await h.call('POST', '/v1/offerings', { ...base, code: 'studio-max', name: 'Studio Max', features: { export: true, projects: 99 } });
    await h.call('POST', '/v1/offerings', {
      ...base,
      code: 'studio-perpetual',
      name: 'Studio Perpetual',
      licenseModel: 'perpetual',
      term: null,
      maintenanceTerm: 'P1Y',
    });
  });
  afterAll(() => h.close());

  const grant = async () => {
    const e = await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' });
    expect(e.status).toBe(201);
    return e.body as { id: string; key: string };
  };

  /**
   * Runs `attempt` with a fault after statement 1, 2, … and checks each failed run; returns the
   * answer of the first run that got through, and how many statements the write took.
   */
  async function walk(attempt: () => Promise<Reply>, ok: number[] = [200, 201]): Promise<{ reply: Reply; statements: number }> {
    const faults = h.services.store.database.faults;
    for (let n = 1; n < 200; n++) {
      const before = await snapshot(h);
      faults.arm(n);
      let reply: Reply;
      try {
        reply = await attempt();
      } finally {
        faults.disarm();
      }
      if (faults.fired === 0) {
        expect(ok, JSON.stringify(reply.body)).toContain(reply.status);
        // A path that wrote nothing would pass trivially; each one here writes.
        expect(n, 'the write ran at least one statement').toBeGreaterThan(1);
        return { reply, statements: n - 1 };
      }
      expect(reply.status, `fault after statement ${n}`).toBe(500);
      expect(reply.body.error).toMatchObject({ code: 'INTERNAL', message: GENERIC_500 });
      expect(JSON.stringify(reply.body)).not.toContain('injected');
      expect(await snapshot(h), `rows after a fault after statement ${n}`).toEqual(before);
      expect((await h.call('GET', '/v1/entitlements?limit=1')).status, 'the next request works').toBe(200);
    }
    throw new Error('the write never completed');
  }

  it('entitlement create', async () => {
    const { reply, statements } = await walk(() =>
      h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', orderRef: 'SO-F1' }),
    );
    expect(reply.body.orderRef).toBe('SO-F1');
    expect(statements).toBeGreaterThanOrEqual(3); // the row, its version, its event
  });

  it('entitlement PATCH', async () => {
    const e = await grant();
    const { reply } = await walk(() =>
      h.call('PATCH', `/v1/entitlements/${e.id}`, { metadata: { crm: 'x' }, endsAt: '2030-01-01T00:00:00Z' }),
    );
    expect(reply.body.endsAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it('renew', async () => {
    const e = await grant();
    const { reply } = await walk(() => h.call('POST', `/v1/entitlements/${e.id}/renew`, {}));
    expect(reply.body.endsAt).toBe('2028-03-01T00:00:00.000Z');
  });

  it('change-offering, with seats to remove', async () => {
    const e = await grant();
    await asLicense(h, e.key)('activate', { fingerprint: fp(`change-${e.id}`) });
    const { reply } = await walk(() =>
      h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'studio-perpetual', removeSeats: true }),
    );
    expect(reply.body.entitlement.effective.licenseModel).toBe('perpetual');
    expect(reply.body.removedActivations).toHaveLength(1);
  });

  it('revoke', async () => {
    const e = await grant();
    const { reply } = await walk(() => h.call('POST', `/v1/entitlements/${e.id}/revoke`, { reason: 'chargeback' }));
    expect(reply.body.state).toBe('revoked');
  });

  it('activation (seat, lease and events)', async () => {
    const e = await grant();
    const { reply } = await walk(() => asLicense(h, e.key)('activate', { fingerprint: fp(`fault-${e.id}`) }));
    expect(reply.body.lease?.token).toBeTypeOf('string');
  });

  it('usage record', async () => {
    const e = await grant();
    await asLicense(h, e.key)('activate', { fingerprint: fp(`usage-${e.id}`) });
    const { reply } = await walk(() =>
      asLicense(h, e.key)('usage', {
        fingerprint: fp(`usage-${e.id}`),
        records: [{ feature: 'renders', quantity: 3, idempotencyKey: 'r1' }],
      }),
    );
    expect(reply.body).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('a bulk migration batch', async () => {
    await h.call('POST', '/v1/customers', { name: 'Migrated', externalRef: 'crm-mig' });
    for (let i = 0; i < 2; i++) await h.call('POST', '/v1/entitlements', { customerId: 'crm-mig', offeringId: 'studio-max' });
    const created = await h.call('POST', '/v1/migrations', { sourceOfferingId: 'studio-max', targetOfferingId: 'studio-pro' });
    expect(created.status).toBe(202);
    const faults = h.services.store.database.faults;
    const migrationRow = async () =>
      (await h.call('GET', `/v1/migrations/${created.body.migration.id}`)).body as { state: string; done: number };
    for (let n = 1; n < 200; n++) {
      // The runner writes the failure on the migration itself (its own transaction) and takes and
      // frees its lock outside one: those rows may change, nothing else may. Each batch is its own
      // transaction, so the state to compare with is the one after the last batch that committed.
      let before = await snapshot(h, ['migrations']);
      let state = await migrationRow();
      faults.arm(n);
      let failure: unknown = null;
      try {
        const afterBatch = async () => {
          before = await snapshot(h, ['migrations']);
          state = await migrationRow();
        };
        while (await runMigrations(h.services, { worker: 'fault-test', batch: 10, afterBatch })) {
          /* until no migration needs work */
        }
      } catch (error) {
        failure = error;
      } finally {
        faults.disarm();
      }
      if (faults.fired === 0) {
        expect(failure).toBeNull();
        expect(n).toBeGreaterThan(1);
        expect((await migrationRow()).state).toBe('completed');
        expect(await countOn('studio-pro')).toBeGreaterThanOrEqual(2);
        return;
      }
      expect(failure, `fault after statement ${n}`).toBeInstanceOf(InjectedFault);
      expect(await snapshot(h, ['migrations']), `rows after a fault after statement ${n}`).toEqual(before);
      expect(await migrationRow()).toMatchObject({ state: state.state, done: state.done });
    }
    throw new Error('the migration never completed');
  });

  async function countOn(offering: string): Promise<number> {
    return (await h.call('GET', `/v1/entitlements?offering=${offering}&limit=500`)).body.data.length;
  }
});
