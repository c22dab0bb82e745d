import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';

/** `leasehold` as operators run it: a real process on a real data directory. */

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

describe('leasehold migrate', () => {
  it('applies the migrations to a fresh data directory, then says it is up to date', async () => {
    const dataDir = freshDir();
    const first = await runCli(['migrate'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: 0001_core\b/);
    expect(existsSync(join(dataDir, 'leasehold.db'))).toBe(true);

    const second = await runCli(['migrate'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('up to date');
  });
});

describe('leasehold api-keys and accounts', () => {
  let dataDir: string;
  let server: ServerProcess;
  let adminKey: string;

  beforeAll(async () => {
    dataDir = freshDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir });
    adminKey = server.bannerKey()!;
    expect(adminKey).toBeTruthy();
    expect((await api(server.url, adminKey, 'POST', '/v1/products', { code: 'studio', name: 'Studio' })).status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('api-keys create --role readonly prints a key that reads but cannot write (403)', async () => {
    const created = await runCli(['api-keys', 'create', '--name', 'x', '--role', 'readonly'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lh_\S{20,}$/);
    expect(created.stderr).toContain('readonly');

    const read = await api(server.url, key, 'GET', '/v1/products/studio');
    expect(read.status).toBe(200);
    const write = await api(server.url, key, 'POST', '/v1/products', { code: 'other', name: 'Other' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('FORBIDDEN');
    expect((await api(server.url, adminKey, 'GET', '/v1/products/other')).status).toBe(404);
  });

  it('api-keys create refuses an unknown role with a clear message and a non-zero exit', async () => {
    const refused = await runCli(['api-keys', 'create', '--name', 'x', '--role', 'superuser'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('role must be one of admin, support, readonly');
  });

  it('accounts create --name B prints an admin key for a separate account', async () => {
    const created = await runCli(['accounts', 'create', '--name', 'B'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(created.code, created.stderr).toBe(0);
    const keyB = created.stdout.trim();
    expect(keyB).toMatch(/^lh_\S{20,}$/);
    expect(keyB).not.toBe(adminKey);

    // B is an admin of its own, empty account: it sees nothing of the first account's and writes its own.
    expect((await api(server.url, keyB, 'GET', '/v1/products')).body.data).toEqual([]);
    expect((await api(server.url, keyB, 'GET', '/v1/products/studio')).status).toBe(404);
    expect((await api(server.url, keyB, 'POST', '/v1/products', { code: 'studio', name: 'B Studio' })).status).toBe(201);
    const firstAccountProduct = await api(server.url, adminKey, 'GET', '/v1/products/studio');
    expect(firstAccountProduct.body.name).toBe('Studio');

    // With two accounts, a key needs --account.
    const ambiguous = await runCli(['api-keys', 'create', '--name', 'y'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.stderr).toContain('--account');
  });
});

describe('leasehold before the first start', () => {
  it('api-keys create on an empty database refuses instead of creating an account whose admin key nobody sees', async () => {
    const dataDir = freshDir();
    const refused = await runCli(['api-keys', 'create', '--name', 'x'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('no account yet');

    // The first start still creates the account and prints its key.
    const server = await startServer({ LEASEHOLD_DATA_DIR: dataDir });
    try {
      expect(server.bannerKey()).toMatch(/^lh_/);
    } finally {
      await server.stop();
    }
  });
});

describe('the leasehold command (bin/leasehold.js)', () => {
  it('shuts down gracefully on SIGTERM, as a process manager stops it', async () => {
    const server = await startServer({ LEASEHOLD_DATA_DIR: freshDir() });
    const key = server.bannerKey()!;
    expect((await api(server.url, key, 'GET', '/v1/products')).status).toBe(200);
    expect(await server.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('SIGTERM');
    await expect(fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
