import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir } from '../support/processes.js';
import { createPostgresDatabase, storeKinds } from '../support/stores.js';
import { identityOf, openExport, type ExportLine } from '../../src/capabilities/transfer/account-transfer.js';

const PASSPHRASE = 'a passphrase for the move';

const kinds = await storeKinds();

/** A client call with the license key, as the SDK makes it. */
async function asLicense(url: string, key: string, path: string, body: unknown) {
  const res = await fetch(`${url}/v1/client/${path}`, {
    method: 'POST',
    headers: { authorization: `License ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// The move the issue names: an embedded (SQLite) installation grows into PostgreSQL.
describe.runIf(kinds.includes('postgres'))('leasehold export, then import on the other store', () => {
  const from = tempDataDir();
  const to = tempDataDir();
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    killAll();
    removeDir(from);
    removeDir(to);
    await drop?.();
  });

  it('moves an account from SQLite to PostgreSQL with every record, and its keys keep working', { timeout: 180_000 }, async () => {
    const adminKey = `lh_${randomBytes(24).toString('hex')}`;
    let server = await startServer({ LEASEHOLD_DATA_DIR: from, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
    const call = (method: string, path: string, body?: unknown) => api(server.url, adminKey, method, path, body);
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/products/studio/features', { code: 'export', name: 'Export', type: 'boolean' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'perpetual',
      seats: 2,
      features: { export: true },
    });
    const customer = (await call('POST', '/v1/customers', { name: 'Acme', externalRef: 'crm-1' })).body;
    const e = (await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro', overrides: { seats: 4 } })).body;
    const activated = await asLicense(server.url, e.key, 'activate', { fingerprint: 'device-transfer-1' });
    expect(activated.status).toBe(201);
    await server.stop();

    const file = join(from, 'account.jsonl');
    const out = await runCli(['export', file], { LEASEHOLD_DATA_DIR: from, LEASEHOLD_EXPORT_PASSPHRASE: PASSPHRASE });
    expect(out.code, out.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportLine);
    expect(lines.filter((l) => l.kind === 'entitlement')).toHaveLength(1);
    // The key travels sealed under the passphrase, never in clear.
    expect(readFileSync(file, 'utf8')).not.toContain(e.key);

    const pg = await createPostgresDatabase();
    drop = pg.drop;
    const targetKey = `lh_${randomBytes(24).toString('hex')}`;
    const env = { DATABASE_URL: pg.url, LEASEHOLD_DATA_DIR: to, LEASEHOLD_ADMIN_KEY: targetKey, LEASEHOLD_EXPORT_PASSPHRASE: PASSPHRASE };
    const imported = await runCli(['import', file], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/entitlement\s+1/);
    expect(imported.stdout).toMatch(/activation\s+1/);

    const back = join(to, 'again.jsonl');
    expect((await runCli(['export', back], env)).code).toBe(0);
    const ids = new Set(lines.map(identityOf));
    const again = readFileSync(back, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportLine);
    expect(openExport(again, PASSPHRASE).filter((l) => ids.has(identityOf(l)))).toEqual(openExport(lines, PASSPHRASE));

    server = await startServer({ ...env, LOG_LEVEL: 'warn' });
    const validated = await asLicense(server.url, e.key, 'validate', { fingerprint: 'device-transfer-1' });
    expect(validated.body).toMatchObject({ valid: true, entitlement: { seats: 4 } });
    // A second import into the now populated account is refused.
    expect((await runCli(['import', file], env)).code).not.toBe(0);
    await server.stop();
  });
});
