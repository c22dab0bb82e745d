import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { countAll, eventCount } from '../support/counts.js';

const HOUR = 60 * 60 * 1000;

describe.each(await storeKinds())('idempotency on %s', (kind) => {
  let h: Harness;
  let n = 0;
  /** A key no other test uses. */
  const freshKey = () => `idem-${kind}-${++n}`;
  const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
  });
  afterAll(() => h.close());

  it('a repeat with the same key and body replays the first response and creates one row and one event', async () => {
    const key = freshKey();
    const customers = await countAll(h, '/v1/customers');
    const events = await eventCount(h);
    const first = await h.call('POST', '/v1/customers', { name: 'Once Ltd' }, withKey(key));
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    h.clock.advance(HOUR);
    const second = await h.call('POST', '/v1/customers', { name: 'Once Ltd' }, withKey(key));
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countAll(h, '/v1/customers')).toBe(customers + 1);
    expect(await eventCount(h)).toBe(events + 1);
  });

  it('replays an entitlement with the same license key, not a second grant', async () => {
    const key = freshKey();
    const body = { customerId: 'crm-1', offeringId: 'studio-pro', orderRef: 'SO-77' };
    const first = await h.call('POST', '/v1/entitlements', body, withKey(key));
    const second = await h.call('POST', '/v1/entitlements', body, withKey(key));
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.key).toBe(first.body.key);
    expect((await h.call('GET', '/v1/entitlements?orderRef=SO-77')).body.data).toHaveLength(1);
  });

  it('replays actions too: a repeated suspend is not refused as INVALID_STATE', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).body;
    const key = freshKey();
    const first = await h.call('POST', `/v1/entitlements/${e.id}/suspend`, { reason: 'unpaid' }, withKey(key));
    const second = await h.call('POST', `/v1/entitlements/${e.id}/suspend`, { reason: 'unpaid' }, withKey(key));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const suspends = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.suspended`)).body.data;
    expect(suspends).toHaveLength(1);
  });

  it('the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const key = freshKey();
    await h.call('POST', '/v1/customers', { name: 'Original' }, withKey(key));
    const customers = await countAll(h, '/v1/customers');
    const events = await eventCount(h);
    const other = await h.call('POST', '/v1/customers', { name: 'Different' }, withKey(key));
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'Idempotency-Key' } });
    expect(other.body.error.requestId).toBeTruthy();
    // ...and so is the same body sent to another endpoint.
    const elsewhere = await h.call('POST', '/v1/products', { code: 'original', name: 'Original' }, withKey(key));
    expect(elsewhere.status).toBe(422);
    expect(await countAll(h, '/v1/customers')).toBe(customers);
    expect(await eventCount(h)).toBe(events);
  });

  it('keys are per account: another account’s identical key runs its own request', async () => {
    const key = freshKey();
    const other = await h.newAccount();
    const mine = await h.call('POST', '/v1/customers', { name: 'Shared key' }, withKey(key));
    const theirs = await h.call('POST', '/v1/customers', { name: 'Shared key' }, { key: other.adminKey, ...withKey(key) });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect((await h.call('GET', `/v1/customers/${theirs.body.id}`)).status).toBe(404);
    // A different body is no reuse across accounts either.
    const third = await h.newAccount();
    expect((await h.call('POST', '/v1/customers', { name: 'Else' }, { key: third.adminKey, ...withKey(key) })).status).toBe(201);
  });

  it('a key is remembered for 24 hours and forgotten after', async () => {
    const key = freshKey();
    const first = await h.call('POST', '/v1/customers', { name: 'Daily' }, withKey(key));
    h.clock.advance(24 * HOUR - 1000);
    const withinDay = await h.call('POST', '/v1/customers', { name: 'Daily' }, withKey(key));
    expect(withinDay.headers['idempotent-replayed']).toBe('true');
    expect(withinDay.body.id).toBe(first.body.id);
    h.clock.advance(2000);
    const nextDay = await h.call('POST', '/v1/customers', { name: 'Daily' }, withKey(key));
    expect(nextDay.status).toBe(201);
    expect(nextDay.headers['idempotent-replayed']).toBeUndefined();
    expect(nextDay.body.id).not.toBe(first.body.id);
    // Once forgotten, the key may carry a new body.
    h.clock.advance(25 * HOUR);
    expect((await h.call('POST', '/v1/customers', { name: 'Something else' }, withKey(key))).status).toBe(201);
  });

  it('a refused write (4xx) is replayed as well, even after the cause is gone', async () => {
    const key = freshKey();
    const body = { customerId: 'crm-late', offeringId: 'studio-pro' };
    const first = await h.call('POST', '/v1/entitlements', body, withKey(key));
    expect(first.status).toBe(422);
    expect(first.body.error.code).toBe('UNKNOWN_REFERENCE');
    await h.call('POST', '/v1/customers', { name: 'Late', externalRef: 'crm-late' });
    const second = await h.call('POST', '/v1/entitlements', body, withKey(key));
    expect(second.status).toBe(422);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await h.call('GET', '/v1/entitlements?customerId=crm-late')).body.data).toEqual([]);
  });

  it('a conflict (409) is replayed with its code', async () => {
    const key = freshKey();
    const first = await h.call('POST', '/v1/products', { code: 'studio', name: 'Dup' }, withKey(key));
    const second = await h.call('POST', '/v1/products', { code: 'studio', name: 'Dup' }, withKey(key));
    expect(first.status).toBe(409);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('DUPLICATE_CODE');
    expect(second.headers['idempotent-replayed']).toBe('true');
  });

  it('requests racing with the same key make one row; the losers hear IDEMPOTENCY_IN_PROGRESS', async () => {
    // Several rounds: the race is real only when the requests' transactions overlap.
    for (let round = 0; round < 5; round++) {
      const key = freshKey();
      const customers = await countAll(h, '/v1/customers');
      const results = await Promise.all(Array.from({ length: 8 }, () => h.call('POST', '/v1/customers', { name: 'Racer' }, withKey(key))));
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size, `round ${round}`).toBe(1);
      for (const r of results.filter((r) => r.status !== 201)) expect(r.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
      expect(await countAll(h, '/v1/customers')).toBe(customers + 1);
    }
  });

  it('a request without a key is never replayed, and reads ignore the header', async () => {
    const a = await h.call('POST', '/v1/customers', { name: 'Twin' });
    const b = await h.call('POST', '/v1/customers', { name: 'Twin' });
    expect(a.body.id).not.toBe(b.body.id);
    const key = freshKey();
    await h.call('GET', '/v1/customers', undefined, withKey(key));
    expect((await h.call('POST', '/v1/customers', { name: 'After a read' }, withKey(key))).status).toBe(201);
  });

  it('refuses an Idempotency-Key longer than 255 characters', async () => {
    const customers = await countAll(h, '/v1/customers');
    const res = await h.call('POST', '/v1/customers', { name: 'Long key' }, withKey('k'.repeat(256)));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'Idempotency-Key' } });
    expect(await countAll(h, '/v1/customers')).toBe(customers);
  });

  describe('a replay belongs to the credential that made the request', () => {
    let scopedKey: string;
    let otherAdmin: string;
    beforeAll(async () => {
      await h.call('POST', '/v1/products', { code: 'other-app', name: 'Other' });
      scopedKey = (await h.call('POST', '/v1/api-keys', { name: 'scoped', role: 'admin', productId: 'other-app' })).body.key;
      otherAdmin = (await h.call('POST', '/v1/api-keys', { name: 'second admin', role: 'admin' })).body.key;
    });

    it("a product-scoped key reusing an admin's key on POST /v1/api-keys gets no secret and no replay", async () => {
      const key = freshKey();
      const body = { name: 'deploy', role: 'admin' };
      const first = await h.call('POST', '/v1/api-keys', body, withKey(key));
      expect(first.status).toBe(201);
      const stolen = await h.call('POST', '/v1/api-keys', body, { key: scopedKey, ...withKey(key) });
      expect(stolen.status).toBe(403);
      expect(stolen.headers['idempotent-replayed']).toBeUndefined();
      expect(JSON.stringify(stolen.body)).not.toContain(first.body.key);
    });

    it("a product-scoped key reusing an admin's key on POST /v1/entitlements runs its own request, not the replay", async () => {
      const key = freshKey();
      const body = { customerId: 'crm-1', offeringId: 'studio-pro' };
      const first = await h.call('POST', '/v1/entitlements', body, withKey(key));
      expect(first.status).toBe(201);
      const other = await h.call('POST', '/v1/entitlements', body, { key: scopedKey, ...withKey(key) });
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      expect(JSON.stringify(other.body)).not.toContain(first.body.key);
      // studio-pro is not of the key's product: its own request is refused as an unknown reference.
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe('UNKNOWN_REFERENCE');
    });

    it('another admin of the same account reusing the key runs its own request', async () => {
      const key = freshKey();
      const first = await h.call('POST', '/v1/customers', { name: 'Mine Ltd' }, withKey(key));
      const second = await h.call('POST', '/v1/customers', { name: 'Mine Ltd' }, { key: otherAdmin, ...withKey(key) });
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body.id).not.toBe(first.body.id);
      // and the first caller still gets its own replay
      const again = await h.call('POST', '/v1/customers', { name: 'Mine Ltd' }, withKey(key));
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
    });

    it('a revoked key gets no replay of its own earlier answer', async () => {
      const created = (await h.call('POST', '/v1/api-keys', { name: 'short-lived', role: 'support' })).body;
      const key = freshKey();
      const first = await h.call('POST', '/v1/customers', { name: 'Before revoke' }, { key: created.key, ...withKey(key) });
      expect(first.status).toBe(201);
      expect((await h.call('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(204);
      const replay = await h.call('POST', '/v1/customers', { name: 'Before revoke' }, { key: created.key, ...withKey(key) });
      expect(replay.status).toBe(401);
      expect(replay.headers['idempotent-replayed']).toBeUndefined();
    });
  });
});
