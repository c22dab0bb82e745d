import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { Leasehold, LeaseholdError, type License } from '../src/index.js';
import { tempDir } from './support/open.js';

/** license.checkForUpdate() against a real `leasehold serve` process, with releases uploaded to it. */
describe('checkForUpdate', () => {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let license: License;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const newLicense = async (version: string) => {
    const customer = await call('POST', '/v1/customers', { name: `Customer ${version}` });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro' });
    const opened = await Leasehold.open({
      serverUrl: server.url,
      product: 'studio',
      publicKeys: (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body,
      cacheDir: tempDir(),
      timeMarkDir: tempDir(),
      fingerprint: `update-device-${randomBytes(6).toString('hex')}`,
      updates: { version, platform: 'linux' },
    });
    return { opened, entitlement };
  };

  const release = async (version: string, extra: Record<string, unknown> = {}) => {
    const rel = await call('POST', '/v1/products/studio/releases', { version, ...extra });
    const ticket = await call('POST', `/v1/releases/${rel.id}/artifacts`, {
      filename: `studio-${version}.tar.gz`,
      platform: 'linux',
      arch: 'x86_64',
    });
    const put = await fetch(`${server.url}${ticket.uploadUrl}`, {
      method: 'PUT',
      body: randomBytes(1000),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(200);
    await call('POST', `/v1/releases/${rel.id}/publish`);
    return rel as { id: string };
  };

  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/offerings', { productId: 'studio', code: 'pro', name: 'Pro', licenseModel: 'subscription', term: 'P1Y' });
    const customer = await call('POST', '/v1/customers', { name: 'Acme' });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro' });
    license = await Leasehold.open({
      serverUrl: server.url,
      product: 'studio',
      publicKeys: (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body,
      cacheDir: tempDir(),
      timeMarkDir: tempDir(),
      fingerprint: `update-device-${randomBytes(6).toString('hex')}`,
    });
    await license.activate(entitlement.key);
    await release('2.0.0', { critical: true });
    await release('2.1.0', { minimumVersion: '1.5.0' });
  });

  afterAll(async () => {
    await license?.close();
    await killAll();
    removeDir(dataDir);
  });

  it('answers the newest release with its critical and required flags, or none', async () => {
    const update = await license.checkForUpdate({ version: '1.4.0', platform: 'linux', arch: 'x86_64' });
    expect(update).toMatchObject({ release: { version: '2.1.0' }, critical: true, required: true });
    expect(update.release!.artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await license.checkForUpdate({ version: '2.0.0' })).toMatchObject({
      release: { version: '2.1.0' },
      critical: false,
      required: false,
    });
    expect(await license.checkForUpdate({ version: '2.1.0' })).toEqual({ release: null, critical: false, required: false });
  });

  it('refuses a version that is not semver before calling the server', async () => {
    await expect(license.checkForUpdate({ version: 'latest' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(license.checkForUpdate({ version: 'latest' })).rejects.toBeInstanceOf(LeaseholdError);
  });

  it('surfaces a critical or required release on refresh, once per release, and reports its version for rollouts', async () => {
    const { opened, entitlement } = await newLicense('1.4.0');
    try {
      const first = once(opened, 'criticalUpdate');
      await opened.activate(entitlement.key);
      const [update] = await first;
      // activate() and refresh() resolve after the update check they start.
      expect(update).toMatchObject({ release: { version: '2.1.0' }, critical: true, required: true });
      // The activation told the server the version this device runs.
      const devices = await call('GET', `/v1/entitlements/${entitlement.id}/activations`);
      expect(devices.data[0].version).toBe('1.4.0');

      // The same release again on the next refresh: not announced twice.
      let seen = 0;
      opened.on('criticalUpdate', () => seen++);
      expect((await opened.refresh({ force: true })).refreshed).toBe(true);
      expect(seen).toBe(0);

      // A new critical patch, rolled out to this device only: the next refresh announces it.
      const patch = await release('2.1.1', { critical: true });
      await call('PUT', `/v1/releases/${patch.id}/rollout`, { devices: [opened.fingerprint] });
      const announced: string[] = [];
      opened.once('criticalUpdate', (u) => announced.push(u.release.version));
      await opened.refresh({ force: true });
      expect(announced).toEqual(['2.1.1']);
      expect(seen).toBe(1);
      // The first license is another device: the rollout leaves it on 2.1.0.
      expect((await license.checkForUpdate({ version: '2.0.0' })).release?.version).toBe('2.1.0');
    } finally {
      await opened.close();
    }
  });
});
