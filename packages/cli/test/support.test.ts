import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';

/**
 * The support commands (issue 17) against a real server: a support person finds a license by the
 * key a customer reads out, looks at it and its devices, suspends, resumes and extends it, and
 * lists and revokes API keys; tables for people, --json for scripts, exit codes that say why.
 */
describe('leasehold support commands', () => {
  const data = tempDataDir();
  let server: ServerProcess;
  let env: Record<string, string>;
  let entitlement: { id: string; key: string };
  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: data });
    const key = server.bannerKey()!;
    env = { LEASEHOLD_DATA_DIR: data, LEASEHOLD_URL: server.url, LEASEHOLD_API_KEY: key };
    const call = (method: string, path: string, body?: unknown) => api(server.url, key, method, path, body);
    await call('POST', '/v1/products', { code: 'cad', name: 'CAD' });
    await call('POST', '/v1/offerings', {
      productId: 'cad',
      code: 'cad-pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
    });
    const customer = (await call('POST', '/v1/customers', { name: 'Northwind Traders', externalRef: 'crm-77' })).body;
    entitlement = (await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'cad-pro', orderRef: 'SO-9' })).body;
    const activated = await fetch(`${server.url}/v1/client/activate`, {
      method: 'POST',
      headers: { authorization: `License ${entitlement.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fingerprint: 'support-device-0001', name: 'Drafting PC', platform: 'windows', version: '4.2.0' }),
    });
    expect(activated.status).toBe(201);
  });
  afterAll(async () => {
    await server.stop();
    killAll();
    removeDir(data);
  });

  it('finds an entitlement by the key as read out, and shows it with its devices', async () => {
    const spoken = entitlement.key.toLowerCase().replace(/-/g, ' ');
    const found = await runCli(['entitlements', 'find', '--key', spoken], env);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout.split('\n')[0]).toMatch(/^ID\s+KEY\s+CUSTOMER\s+OFFERING\s+STATE\s+ENDS\s+SEATS$/);
    expect(found.stdout).toContain(entitlement.key);
    const asJson = JSON.parse((await runCli(['entitlements', 'find', '--order', 'SO-9', '--json'], env)).stdout);
    expect(asJson.data.map((e: { id: string }) => e.id)).toEqual([entitlement.id]);
    const shown = await runCli(['entitlements', 'show', entitlement.id], env);
    expect(shown.stdout).toMatch(/seats\s+1 of 2 in use/);
    expect(shown.stdout).toMatch(/Drafting PC\s+windows\s+4\.2\.0/);
    const customers = await runCli(['customers', 'list', '--search', 'northwind'], env);
    expect(customers.stdout).toMatch(/Northwind Traders\s+—\s+crm-77/);
  });

  it('suspends, resumes and extends, and lists devices', async () => {
    const suspended = await runCli(['entitlements', 'suspend', entitlement.id, '--reason', 'invoice 881 overdue'], env);
    expect(suspended.stdout).toBe(`${entitlement.id} is suspended\n`);
    expect((await runCli(['entitlements', 'resume', entitlement.id], env)).stdout).toBe(`${entitlement.id} is active\n`);
    const before = JSON.parse((await runCli(['entitlements', 'show', entitlement.id, '--json'], env)).stdout).entitlement.effective.endsAt;
    const extended = await runCli(['entitlements', 'extend', entitlement.id, '--term', 'P6M'], env);
    expect(extended.code, extended.stderr).toBe(0);
    const after = JSON.parse((await runCli(['entitlements', 'show', entitlement.id, '--json'], env)).stdout).entitlement.effective.endsAt;
    expect(Date.parse(after) - Date.parse(before)).toBeGreaterThan(180 * 24 * 3600_000 - 1);
    const devices = await runCli(['devices', 'list', entitlement.id], env);
    expect(devices.stdout).toMatch(/support-device-0001\s+Drafting PC\s+windows\s+4\.2\.0\s+active/);
  });

  it('lists API keys without their secrets and revokes one', async () => {
    const created = await runCli(['api-keys', 'create', '--name', 'temp', '--role', 'readonly'], env);
    const secret = /lh_\S+/.exec(created.stdout)![0];
    const list = await runCli(['api-keys', 'list', '--json'], env);
    const temp = JSON.parse(list.stdout).data.find((k: { name: string }) => k.name === 'temp');
    expect(list.stdout).not.toContain(secret);
    expect((await runCli(['api-keys', 'revoke', temp.id], env)).stdout).toBe(`${temp.id} revoked\n`);
    expect((await api(server.url, secret, 'GET', '/v1/products')).status).toBe(401);
  });

  it('exits 3 when nothing is found, 1 when the server refuses, 4 when it cannot be reached', async () => {
    const none = await runCli(['entitlements', 'find', '--customer', 'nobody'], env);
    expect(none.code).toBe(3);
    expect((await runCli(['entitlements', 'show', 'ent_00000000000000000000000000'], env)).code).toBe(3);
    const refused = await runCli(['entitlements', 'extend', entitlement.id, '--term', 'a while'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_REQUEST/);
    expect((await runCli(['customers', 'list'], { ...env, LEASEHOLD_API_KEY: 'lh_wrong' })).code).toBe(1);
    const down = await runCli(['customers', 'list'], { ...env, LEASEHOLD_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach/);
  });

  it('erases a customer only with --yes, by external reference, and a second time finds nothing', async () => {
    const call = (method: string, path: string, body?: unknown) => api(server.url, env['LEASEHOLD_API_KEY']!, method, path, body);
    const customer = (await call('POST', '/v1/customers', { name: 'Ingrid Erasmus', email: 'ingrid@erasmus.test', externalRef: 'crm-88' }))
      .body;
    const unconfirmed = await runCli(['customers', 'erase', 'crm-88'], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/cannot be undone: run again with --yes/);
    expect((await call('GET', `/v1/customers/${customer.id}`)).body.name).toBe('Ingrid Erasmus');
    const erased = await runCli(['customers', 'erase', 'crm-88', '--yes'], env);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toMatch(new RegExp(`^erased ${customer.id}: customer\\.email, customer\\.name`));
    expect((await call('GET', `/v1/customers/${customer.id}`)).body).toMatchObject({
      name: '[erased]',
      email: null,
      externalRef: 'crm-88',
    });
    const again = JSON.parse((await runCli(['customers', 'erase', customer.id, '--yes', '--json'], env)).stdout);
    expect(again).toMatchObject({ customerId: customer.id, erased: false });
    expect((await runCli(['customers', 'erase', 'crm-nobody', '--yes'], env)).code).toBe(3);
  });
});
