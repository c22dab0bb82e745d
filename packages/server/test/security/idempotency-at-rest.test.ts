import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/**
 * Answers kept for Idempotency-Key replays can carry a secret shown once (a new API key), and request
 * fingerprints cover bodies that carry passwords: both are kept so that the database alone gives
 * neither away. Rows of the version before records named their credential were dropped by
 * migration 0011, so no legacy form is read any more.
 */
describe.each(await storeKinds())('idempotency rows at rest on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h?.close());

  const rows = async () => {
    const { rows } = await sql<{
      key: string;
      fingerprint: string;
      response: string | null;
    }>`select key, fingerprint, response from idempotency_records`.execute(h.services.store.database.db);
    return rows;
  };

  it('an answer holding a new API key is kept sealed and replays the same key', async () => {
    const first = await h.call('POST', '/v1/api-keys', { name: 'ci', role: 'readonly' }, { headers: { 'idempotency-key': 'sealed-1' } });
    expect(first.status).toBe(201);
    const row = (await rows()).find((r) => r.key === 'sealed-1')!;
    expect(row.response).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(row.response).not.toContain(first.body.key);
    expect(h.services.secrets.decrypt('idempotent-response', row.response!)).toContain(first.body.key);
    const again = await h.call('POST', '/v1/api-keys', { name: 'ci', role: 'readonly' }, { headers: { 'idempotency-key': 'sealed-1' } });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('the fingerprint of a body with a password is keyed, not its bare SHA-256', async () => {
    const body = { email: 'carol@vendor.test', name: 'Carol', role: 'readonly', password: 'a password to keep' };
    expect((await h.call('POST', '/v1/staff-users', body, { headers: { 'idempotency-key': 'user-1' } })).status).toBe(201);
    const row = (await rows()).find((r) => r.key === 'user-1')!;
    const bare = createHash('sha256')
      .update(`POST /v1/staff-users\n${JSON.stringify(body)}`)
      .digest('hex');
    expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(row.fingerprint).not.toBe(bare);
    // A different password under the same key is a different request.
    const other = await h.call(
      'POST',
      '/v1/staff-users',
      { ...body, password: 'another password' },
      { headers: { 'idempotency-key': 'user-1' } },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
