import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { createHarness, type Harness, type Peer } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed } from '../support/client.js';
import type { LicenseSnapshot } from '../../src/capabilities/licensing/ports.js';

/** Polls until `check` holds (another process's change arrives by notification), or fails. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

describe.each(await storeKinds())('the validation cache on %s', (kind) => {
  let h: Harness;
  let peer: Peer;
  beforeAll(async () => {
    h = await createHarness(kind);
    peer = await h.peer();
  });
  afterAll(() => h.close());

  const stats = () => ({ ...h.services.licenses.stats });

  it('serves repeated validations from memory, and this process’s own changes show at once', async () => {
    const { client, entitlement, customer, offering } = await licensed(h, { seats: 2 });
    expect((await client('activate', { fingerprint: fp('c1') })).status).toBe(201);
    const first = await client('validate', { fingerprint: fp('c1'), features: ['export'] });
    expect(first.body).toMatchObject({ valid: true, code: 'VALID' });
    const before = stats();
    for (let i = 0; i < 5; i++) expect((await client('validate', { fingerprint: fp('c1') })).body.code).toBe('VALID');
    expect(stats().hits - before.hits).toBe(5);
    expect(stats().misses - before.misses).toBe(0);

    // Each change commits, then the next validation answers from the new state, with no wait.
    expect((await h.call('POST', `/v1/entitlements/${entitlement.id}/suspend`)).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1') })).body.code).toBe('SUSPENDED');
    expect((await h.call('POST', `/v1/entitlements/${entitlement.id}/resume`)).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1') })).body.code).toBe('VALID');

    expect((await h.call('PATCH', `/v1/entitlements/${entitlement.id}`, { overrides: { features: { export: false } } })).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1'), features: ['export'] })).body.code).toBe('FEATURE_MISSING');

    expect((await h.call('PATCH', `/v1/offerings/${offering.id}`, { features: { export: true, projects: 7 } })).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1') })).body.entitlement.features.projects).toBe(7);

    expect((await h.call('PATCH', `/v1/customers/${customer.id}`, { name: 'Renamed Ltd' })).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1') })).body.entitlement.customer.name).toBe('Renamed Ltd');

    const activation = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data[0];
    expect((await h.call('DELETE', `/v1/activations/${activation.id}`)).status).toBe(200);
    expect((await client('validate', { fingerprint: fp('c1') })).body.code).toBe('NOT_ACTIVATED');
    expect((await client('activate', { fingerprint: fp('c2') })).status).toBe(201);
    expect((await client('validate', { fingerprint: fp('c2') })).body.code).toBe('VALID');
  });

  it('drops what another server process changed: suspension, features and seats reach its cached answers', async () => {
    const { client, entitlement } = await licensed(h, { seats: 1 });
    expect((await client('activate', { fingerprint: fp('x1') })).status).toBe(201);
    // Both processes have the license in memory.
    const asPeer = (path: string, body: unknown) =>
      peer.call('POST', `/v1/client/${path}`, body, { key: null, headers: { authorization: `License ${entitlement.key}` } });
    for (let i = 0; i < 2; i++) {
      expect((await client('validate', { fingerprint: fp('x1') })).body.code).toBe('VALID');
      expect((await asPeer('validate', { fingerprint: fp('x1') })).body.code).toBe('VALID');
    }
    const hits = stats().hits;
    expect((await client('validate', { fingerprint: fp('x1') })).body.code).toBe('VALID');
    expect(stats().hits).toBe(hits + 1);

    expect((await peer.call('POST', `/v1/entitlements/${entitlement.id}/suspend`)).status).toBe(200);
    await eventually(async () => (await client('validate', { fingerprint: fp('x1') })).body.code === 'SUSPENDED', 'suspension');
    expect((await peer.call('POST', `/v1/entitlements/${entitlement.id}/resume`)).status).toBe(200);
    await eventually(async () => (await client('validate', { fingerprint: fp('x1') })).body.code === 'VALID', 'resumption');

    // The other way round, and through a seat: the device moves from this process's view too.
    expect((await client('validate', { fingerprint: fp('x1') })).body.code).toBe('VALID');
    expect((await asPeer('validate', { fingerprint: fp('x1') })).body.code).toBe('VALID');
    expect((await client('deactivate', { fingerprint: fp('x1') })).status).toBe(204);
    await eventually(async () => (await asPeer('validate', { fingerprint: fp('x1') })).body.code === 'NOT_ACTIVATED', 'deactivation');
    expect((await asPeer('activate', { fingerprint: fp('x2') })).status).toBe(201);
    await eventually(async () => (await client('validate', { fingerprint: fp('x2') })).body.code === 'VALID', 'new seat');

    expect((await peer.call('PATCH', `/v1/entitlements/${entitlement.id}`, { overrides: { features: { projects: 42 } } })).status).toBe(
      200,
    );
    await eventually(
      async () => (await client('validate', { fingerprint: fp('x2') })).body.entitlement.features.projects === 42,
      'an override',
    );
  });

  it('never puts back what a read saw before a change committed', () => {
    const cache = h.services.licenses;
    const snapshot = { accountId: h.accountId, live: [] as LicenseSnapshot['live'] } as LicenseSnapshot;
    const changes = h.services.store.database.changes;

    const raced = cache.ticket(h.accountId, 'ent_raced');
    changes.publish([{ accountId: h.accountId, kind: 'entitlement', id: 'ent_raced' }]);
    cache.remember(raced, snapshot);
    expect(cache.license(h.accountId, 'ent_raced')).toBeUndefined();

    const catalog = cache.ticket(h.accountId, 'ent_catalog');
    changes.publish([{ accountId: h.accountId, kind: 'account', id: 'off_x' }]);
    cache.remember(catalog, snapshot);
    expect(cache.license(h.accountId, 'ent_catalog')).toBeUndefined();

    // Another entitlement's change does not stand in the way.
    const calm = cache.ticket(h.accountId, 'ent_calm');
    changes.publish([{ accountId: h.accountId, kind: 'entitlement', id: 'ent_other' }]);
    cache.remember(calm, snapshot);
    expect(cache.license(h.accountId, 'ent_calm')).toBe(snapshot);
    changes.publish([{ accountId: h.accountId, kind: 'account', id: 'prd_y' }]);
    expect(cache.license(h.accountId, 'ent_calm')).toBeUndefined();

    // Overlapping misses of one busy license: whichever read finishes first fills the entry, as
    // long as nothing changed since the first began (a newer miss must not refuse an older fill).
    const older = cache.ticket(h.accountId, 'ent_busy');
    const newer = cache.ticket(h.accountId, 'ent_busy');
    cache.remember(older, snapshot);
    expect(cache.license(h.accountId, 'ent_busy')).toBe(snapshot);
    cache.remember(newer, { ...snapshot });
    expect(cache.license(h.accountId, 'ent_busy')).toBe(snapshot);
    // But a change between two overlapping misses refuses both reads begun before it.
    changes.publish([{ accountId: h.accountId, kind: 'entitlement', id: 'ent_busy' }]);
    const before = cache.ticket(h.accountId, 'ent_busy');
    changes.publish([{ accountId: h.accountId, kind: 'entitlement', id: 'ent_busy' }]);
    const after = cache.ticket(h.accountId, 'ent_busy');
    cache.remember(before, snapshot);
    expect(cache.license(h.accountId, 'ent_busy')).toBeUndefined();
    const fresh = { ...snapshot };
    cache.remember(after, fresh);
    expect(cache.license(h.accountId, 'ent_busy')).toBe(fresh);
  });

  it('does not remember unknown license keys', async () => {
    const before = stats().misses;
    const { client } = await licensed(h, {});
    for (let i = 0; i < 3; i++) {
      const key = `ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ${i}-ZZZZZ`;
      const res = await h.call('POST', '/v1/client/validate', {}, { key: null, headers: { authorization: `License ${key}` } });
      expect(res.body.code).toBe('NOT_FOUND');
    }
    // Unknown keys never reach the license cache (nothing to count), the known one does.
    expect(stats().misses).toBe(before);
    expect((await client('validate', {})).body.valid).toBe(true);
    expect(stats().misses).toBe(before + 1);
  });

  it.runIf(kind === 'postgres')('serves nothing from memory while it cannot hear other processes, and catches up after', async () => {
    const { client, entitlement } = await licensed(h, {});
    expect((await client('validate', {})).body.code).toBe('VALID');
    const database = h.services.store.database;
    expect(database.cacheable()).toBe(true);
    const url = await databaseUrlOf(h);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Cut every LISTEN connection to this database: both processes go deaf.
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'leasehold-change-listener'`,
      );
      await eventually(async () => !database.cacheable(), 'the listener noticing');
      // A change made now cannot be announced to anyone; the cache must not hide it.
      expect((await peer.call('POST', `/v1/entitlements/${entitlement.id}/suspend`)).status).toBe(200);
      expect((await client('validate', {})).body.code).toBe('SUSPENDED');
      await eventually(async () => database.cacheable(), 'the listener reconnecting');
      expect((await client('validate', {})).body.code).toBe('SUSPENDED');
    } finally {
      await admin.end();
    }
  });
});

async function databaseUrlOf(h: Harness): Promise<string> {
  const { rows } = await pgQuery(h, 'select current_database() as name');
  return `postgres://postgres@127.0.0.1:5432/${rows[0]!.name as string}`;
}

async function pgQuery(h: Harness, text: string): Promise<{ rows: Array<Record<string, unknown>> }> {
  const result = await sql.raw(text).execute(h.services.store.database.db);
  return { rows: result.rows as Array<Record<string, unknown>> };
}
