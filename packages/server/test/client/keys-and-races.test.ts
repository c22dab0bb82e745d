import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { fp, licensed, verifyLease } from '../support/client.js';
import { sql } from 'kysely';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('signing keys and races on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('50 simultaneous activations from different devices take exactly the 10 seats there are', async () => {
    const { client, entitlement } = await licensed(h, { seats: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client('activate', { fingerprint: fp(`race-${i}`) })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const live = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations?state=active&limit=100`)).body.data;
    expect(live).toHaveLength(10);
  });

  it('the same device activating twice at once gets one activation', async () => {
    const { client, entitlement } = await licensed(h, { seats: 5 });
    const results = await Promise.all(Array.from({ length: 8 }, () => client('activate', { fingerprint: fp('twice') })));
    expect(new Set(results.map((r) => r.body.activation.id)).size).toBe(1);
    const live = (await h.call('GET', `/v1/entitlements/${entitlement.id}/activations`)).body.data;
    expect(live).toHaveLength(1);
  });

  it('rotation keeps the retired key in the JWKS until its last lease expires', async () => {
    const { client, product } = await licensed(h, { leasePeriod: 'P3D' });
    const before = await client('activate', { fingerprint: fp('rot') });
    const oldKid = JSON.parse(Buffer.from(before.body.lease.token.split('.')[0], 'base64url').toString()).kid;

    const rotated = await h.call('POST', '/v1/signing-keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).not.toBe(oldKid);

    const after = await client('refresh', { fingerprint: fp('rot') });
    const newKid = JSON.parse(Buffer.from(after.body.lease.token.split('.')[0], 'base64url').toString()).kid;
    expect(newKid).toBe(rotated.body.id);
    // Both leases verify against the published keys.
    await verifyLease(h, before.body.lease.token, product.code);
    await verifyLease(h, after.body.lease.token, product.code);
    const kids = async () =>
      (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body.keys.map((k: { kid: string }) => k.kid);
    expect(await kids()).toEqual(expect.arrayContaining([oldKid, newKid]));

    const keys = (await h.call('GET', '/v1/signing-keys')).body.data;
    const retired = keys.find((k: { id: string }) => k.id === oldKid);
    expect(retired.state).toBe('retired');
    expect(retired.publishedUntil).toBeTruthy();

    h.clock.advance(8 * DAY); // every lease the old key signed (here up to P7D) has expired
    expect(await kids()).not.toContain(oldKid);
    expect(await kids()).toContain(newKid);
    h.clock.advance(-8 * DAY);
  });

  it('the JWKS holds public keys only', async () => {
    const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
    for (const k of jwks.keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(k.d).toBeUndefined();
    }
  });

  it('a new account’s first signing key is made once, even when its first requests arrive together', async () => {
    const { accountId } = await h.newAccount('Fresh vendor');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => h.call('GET', `/.well-known/jwks.json?account=${accountId}`, undefined, { key: null })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const kids = new Set(results.flatMap((r) => r.body.keys.map((k: { kid: string }) => k.kid)));
    expect(kids.size).toBe(1);
  });

  it('rotations racing each other leave one active key, and every key they report exists', async () => {
    await h.call('GET', '/.well-known/jwks.json', undefined, { key: null });
    const results = await Promise.all(Array.from({ length: 4 }, () => h.call('POST', '/v1/signing-keys/rotate')));
    for (const r of results) expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
    const keys = (await h.call('GET', '/v1/signing-keys')).body.data as Array<{ id: string; state: string }>;
    expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 200)) expect(keys.map((k) => k.id)).toContain(r.body.id);
  });

  // SQLite runs one write transaction at a time (a held transaction stops every query of the
  // connection, the heartbeat's authentication included), so only PostgreSQL can interleave these.
  it.skipIf(kind !== 'postgres')('a heartbeat racing a deactivation waits on its row lock instead of bringing the seat back', async () => {
    const { client, entitlement } = await licensed(h, { seatModel: 'floating', seats: 1 });
    const activation = (await client('activate', { fingerprint: fp('lost-update') })).body.activation;
    const db = h.services.store.database.db;
    let heartbeat: ReturnType<typeof client> | undefined;
    let waiter: LockWaiter | undefined;
    let answeredWhileHeld = true;
    // The vendor's deactivation holds the row while the device's heartbeat arrives; the
    // transaction stays open until the heartbeat is seen queueing behind it.
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('activations')
        .set({ state: 'deactivated', ended_at: h.clock.now(), end_reason: 'vendor' })
        .where('id', '=', activation.id)
        .execute();
      const holder = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
      let answered = false;
      heartbeat = client('heartbeat', { fingerprint: fp('lost-update') });
      void heartbeat.then(() => (answered = true));
      waiter = await lockWaiterBehind(db, holder, ACTIVATION_LOCK);
      answeredWhileHeld = answered;
    });
    // The race happened: the heartbeat was in its transaction, blocked by the deactivation's, at
    // its locked read of the activation (not at a later write of what it read before).
    expect(waiter!.query).toMatch(ACTIVATION_LOCK);
    expect(answeredWhileHeld).toBe(false);
    const res = await heartbeat!;
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error.code).toBe('NOT_ACTIVATED');
    const after = (await h.call('GET', `/v1/activations/${activation.id}`)).body;
    expect(after).toMatchObject({ state: 'deactivated', endReason: 'vendor' });
    expect((await h.call('GET', `/v1/entitlements/${entitlement.id}/leases`)).body.data).toHaveLength(1);
  });
});

/** The heartbeat's locked read of its activation. */
const ACTIVATION_LOCK = /^select .* from "activations" .* for update$/is;

interface LockWaiter {
  pid: number;
  query: string;
}

/**
 * The backend waiting for a lock that `holder` (a backend pid) holds, running a statement that
 * matches `statement`, polled for until one appears. Throws when none does: the race the caller
 * set up did not happen. (pg_stat_activity's fields are read without a lock, so one reading may
 * pair the wait with the text of the statement before it; the next reading has them together.)
 */
async function lockWaiterBehind(
  db: Harness['services']['store']['database']['db'],
  holder: number,
  statement: RegExp,
): Promise<LockWaiter> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const waiting = await sql<LockWaiter>`select pid, query from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and ${holder}::int = any(pg_blocking_pids(pid))`.execute(db);
    const match = waiting.rows.find((w) => statement.test(w.query));
    if (match) return match;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no backend waited for a lock held by ${holder}: the requests did not race`);
}
