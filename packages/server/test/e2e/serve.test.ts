import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startExpectingFailure, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';

/**
 * The real `leasehold serve` process: banner, logs, restarts, master key and shutdown, over a real
 * socket. Each test owns its data directory; afterAll kills whatever is still running.
 */

const dirs: string[] = [];
function freshDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  killAll();
  for (const dir of dirs) removeDir(dir);
});

/** Requests that carry secrets in headers, so the log would show them if redaction failed. */
async function exerciseWithSecrets(server: ServerProcess, key: string): Promise<void> {
  expect((await api(server.url, key, 'GET', '/v1/products')).status).toBe(200);
  expect((await api(server.url, 'lh_not_a_real_key_0123456789abcdef', 'GET', '/v1/products')).status).toBe(401);
  const res = await fetch(`${server.url}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'e2e-idem-1' },
    body: JSON.stringify({ name: 'Logged Customer' }),
  });
  expect(res.status).toBe(201);
}

function expectLogsFreeOf(server: ServerProcess, secrets: string[]): void {
  const lines = server.logLines();
  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) {
    expect(() => JSON.parse(line)).not.toThrow();
    expect(line.toLowerCase()).not.toContain('authorization');
    expect(line).not.toContain('e2e-idem-1');
    for (const secret of secrets) expect(line).not.toContain(secret);
  }
  for (const secret of secrets) expect(server.stderr()).not.toContain(secret);
}

describe('leasehold serve on the embedded SQLite database', () => {
  it('prints one working admin key on first start, keeps it out of the logs, and prints none on restart', async () => {
    const dataDir = freshDir();
    const first = await startServer({ LEASEHOLD_DATA_DIR: dataDir });
    const key = first.bannerKey();
    expect(key).toMatch(/^lh_\S{20,}$/);
    // One key, and only in the banner (the key line and the "Try: curl" line), never in a log record.
    const banner = first
      .stdout()
      .split('\n')
      .filter((line) => !line.trim().startsWith('{'))
      .join('\n');
    expect(new Set(banner.match(/lh_[A-Za-z0-9_-]+/g))).toEqual(new Set([key]));
    await exerciseWithSecrets(first, key!);
    const created = await api(first.url, key, 'POST', '/v1/products', { code: 'studio', name: 'Studio' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expectLogsFreeOf(first, [key!]);

    const second = await startServer({ LEASEHOLD_DATA_DIR: dataDir });
    try {
      expect(second.bannerKey()).toBeNull();
      expect(second.stdout()).not.toMatch(/lh_[A-Za-z0-9]/);
      const again = await api(second.url, key, 'GET', '/v1/products/studio');
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(created.body.id);
    } finally {
      await second.stop();
    }
  });

  it.each([
    ['one process', []],
    ['--workers 2', ['--workers', '2']],
  ])('LEASEHOLD_ADMIN_KEY on a fresh data directory seeds exactly that key and never prints it (%s)', async (_how, args) => {
    const seeded = `lh_seed_${randomBytes(16).toString('hex')}`;
    const server = await startServer({ LEASEHOLD_DATA_DIR: freshDir(), LEASEHOLD_ADMIN_KEY: seeded }, { args });
    try {
      // The banner follows the port opening; with workers, after every worker listens.
      const said = 'Leasehold created the first account with the admin API key from LEASEHOLD_ADMIN_KEY.';
      const deadline = Date.now() + 10_000;
      while (!server.stdout().includes(said) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(server.stdout()).toContain(said);
      expect(server.stdout()).toContain('Authorization: Bearer $LEASEHOLD_ADMIN_KEY');
      expect(server.bannerKey()).toBeNull();
      expect(server.stdout()).not.toContain(seeded);
      expect((await api(server.url, seeded, 'GET', '/v1/api-keys')).status).toBe(200);
      const keys = await api(server.url, seeded, 'GET', '/v1/api-keys');
      expect(keys.body.data).toHaveLength(1);
      expect(keys.body.data[0].role).toBe('admin');
      expect(seeded.startsWith(keys.body.data[0].prefix)).toBe(true);
      await exerciseWithSecrets(server, seeded);
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
    expectLogsFreeOf(server, [seeded]);
    expect(server.stdout()).not.toContain(seeded);
  });

  it('refuses to start with a master key other than the one the data was written with', async () => {
    const dataDir = freshDir();
    const server = await startServer({ LEASEHOLD_DATA_DIR: dataDir });
    await server.stop();

    const wrong = randomBytes(32).toString('hex');
    const refused = await startExpectingFailure({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_MASTER_KEY: wrong });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('different master key');
    expect(refused.stderr).toContain('LEASEHOLD_MASTER_KEY');
    expect(refused.stderr + refused.stdout).not.toContain(wrong);
  });

  it('SIGTERM finishes gracefully: exit code 0 within a few seconds, the port closed', async () => {
    const server = await startServer({ LEASEHOLD_DATA_DIR: freshDir() });
    const key = server.bannerKey()!;
    expect((await api(server.url, key, 'GET', '/v1/products')).status).toBe(200);
    const started = Date.now();
    expect(await server.stop('SIGTERM', 5_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.stderr()).toContain('SIGTERM');
    await expect(fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});

const withPostgres = (await storeKinds()).includes('postgres');

describe.runIf(withPostgres)('leasehold serve on PostgreSQL (DATABASE_URL)', () => {
  it('creates the first account once, serves the API, survives a restart and stops on SIGTERM', async () => {
    const database = await createPostgresDatabase();
    try {
      const masterKey = randomBytes(32).toString('base64');
      const env = { DATABASE_URL: database.url, LEASEHOLD_DATA_DIR: freshDir(), LEASEHOLD_MASTER_KEY: masterKey };
      const first = await startServer(env);
      const key = first.bannerKey();
      expect(key).toMatch(/^lh_\S{20,}$/);
      expect(first.logLines().some((line) => line.includes('"store":"postgres"'))).toBe(true);
      await exerciseWithSecrets(first, key!);
      expect((await api(first.url, key, 'POST', '/v1/products', { code: 'studio', name: 'Studio' })).status).toBe(201);
      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expectLogsFreeOf(first, [key!, masterKey, database.url]);

      // A second process on the same database (another data directory, same master key) sees the same data.
      const second = await startServer({ ...env, LEASEHOLD_DATA_DIR: freshDir() });
      try {
        expect(second.bannerKey()).toBeNull();
        expect((await api(second.url, key, 'GET', '/v1/products/studio')).status).toBe(200);
      } finally {
        expect(await second.stop()).toEqual({ code: 0, signal: null });
      }

      const refused = await startExpectingFailure({ ...env, LEASEHOLD_MASTER_KEY: randomBytes(32).toString('base64') });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('different master key');
    } finally {
      await database.drop();
    }
  });
});
