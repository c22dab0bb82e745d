import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { Leasehold, LeaseholdError, ManualClock, type License, type OpenOptions } from '../src/index.js';
import { Signer } from './support/fake-server.js';
import { tempDir } from './support/open.js';

const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The SDK against a real `leasehold serve` process on SQLite, with lease periods of seconds. The
 * SDK's clock is a ManualClock started at the real time wherever the test can move time instead
 * of waiting; only the server-side deadlines (a lease running out with the server stopped, a
 * heartbeat window) are waited for in real time, a few seconds each.
 */
describe('the SDK against a real server', () => {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const dataDir = tempDataDir();
  const env = { LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' };
  let server: ServerProcess;
  let publicKeys: OpenOptions['publicKeys'];
  const opened: License[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** An offering with `offering`'s settings, a customer and an entitlement; returns the license key. */
  const sell = async (offering: Record<string, unknown>) => {
    const code = `off-${randomBytes(4).toString('hex')}`;
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code,
      name: code,
      licenseModel: 'subscription',
      term: 'P1Y',
      features: { export: true, projects: 3 },
      ...offering,
    });
    const customer = await call('POST', '/v1/customers', { name: `Customer ${code}` });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: code });
    return { key: entitlement.key as string, entitlementId: entitlement.id as string };
  };

  const markDir = tempDir();
  const open = async (options: Partial<OpenOptions> = {}) => {
    const license = await Leasehold.open({
      serverUrl: server.url,
      product: 'studio',
      publicKeys,
      cacheDir: tempDir(),
      // The second record of trusted time goes beside the test's caches, not into the home directory.
      timeMarkDir: markDir,
      fingerprint: `e2e-device-${randomBytes(6).toString('hex')}`,
      ...options,
    });
    opened.push(license);
    return license;
  };

  beforeAll(async () => {
    server = await startServer(env);
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    for (const [code, type] of [
      ['export', 'boolean'],
      ['cloud', 'boolean'],
      ['projects', 'numeric'],
    ])
      await call('POST', '/v1/products/studio/features', { code, name: code, type });
    // The vendor ships its JWKS inside the application; the test fetches it once, as a build would.
    publicKeys = (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body;
  });

  afterAll(async () => {
    for (const license of opened) await license.close().catch(() => undefined);
    killAll();
    removeDir(dataDir);
  });

  it('activates: the lease verifies against the pinned keys and grants the offering’s features', async () => {
    const { key } = await sell({ leasePeriod: 'PT5S' });
    const license = await open();
    const status = await license.activate(key);
    expect(status).toMatchObject({ valid: true, code: 'VALID', mode: 'enforce', online: true });
    expect(status.expiresAt!.getTime() - status.issuedAt!.getTime()).toBe(5 * SECOND);
    expect(license.hasFeature('export')).toBe(true);
    expect(license.featureValue('projects')).toBe(3);
    expect(license.hasFeature('cloud')).toBe(false);
  });

  it('a feature added in the cloud appears after a courtesy refresh, long before the lease ends', async () => {
    const { key, entitlementId } = await sell({ leasePeriod: 'P1D' });
    const clock = new ManualClock(Date.now());
    const license = await open({ clock, courtesy: { intervalMs: 60 * SECOND } });
    const first = await license.activate(key);
    expect(license.hasFeature('cloud')).toBe(false);

    await call('PATCH', `/v1/entitlements/${entitlementId}`, { overrides: { features: { cloud: true, projects: 20 } } });
    clock.advance(60 * SECOND); // the courtesy interval; the lease has a day left
    await license.settled();
    expect(license.hasFeature('cloud')).toBe(true);
    expect(license.featureValue('projects')).toBe(20);
    expect(license.status().issuedAt!.getTime()).toBeGreaterThan(first.issuedAt!.getTime() - SECOND);
    expect(first.expiresAt!.getTime() - clock.now()).toBeGreaterThan(DAY - 5 * 60 * SECOND);

    // And at start-up: a courtesy refresh runs in the background when the license opens.
    await license.close();
    await call('PATCH', `/v1/entitlements/${entitlementId}`, { overrides: { features: { cloud: false } } });
    const next = await open({ clock, cacheDir: dirOf(license), fingerprint: license.fingerprint });
    expect(next.hasFeature('cloud')).toBe(true); // from the cache, at once
    await next.settled();
    expect(next.hasFeature('cloud')).toBe(false);
  });

  it('a suspension reaches the application at its next refresh', async () => {
    const { key, entitlementId } = await sell({ leasePeriod: 'PT4S' });
    const clock = new ManualClock(Date.now());
    const license = await open({ clock, courtesy: { intervalMs: 0 } });
    const changes: string[] = [];
    license.on('changed', (s) => changes.push(s.code));
    await license.activate(key);
    await call('POST', `/v1/entitlements/${entitlementId}/suspend`, { reason: 'unpaid invoice' });
    expect(license.hasFeature('export')).toBe(true); // the lease still runs; nothing has asked the server yet

    clock.advance(2_500); // past refreshAfter (half the lease) and its jitter
    await license.settled();
    expect(license.status()).toMatchObject({ valid: false, code: 'SUSPENDED' });
    expect(license.hasFeature('export')).toBe(false);
    expect(changes).toEqual(['VALID', 'SUSPENDED']);
  });

  it('a forced refresh brings an upgrade at once and reports a revocation', async () => {
    const { key, entitlementId } = await sell({ leasePeriod: 'PT1H' });
    const license = await open();
    await license.activate(key);
    await call('PATCH', `/v1/entitlements/${entitlementId}`, { overrides: { features: { cloud: true } } });
    const upgraded = await license.refresh({ force: true });
    expect(upgraded).toMatchObject({ refreshed: true, code: 'VALID' });
    expect(license.hasFeature('cloud')).toBe(true);

    await call('POST', `/v1/entitlements/${entitlementId}/revoke`, { reason: 'chargeback' });
    const revoked = await license.refresh({ force: true });
    expect(revoked).toMatchObject({ refreshed: false, code: 'REVOKED' });
    expect(license.status().code).toBe('REVOKED');
    expect(license.hasFeature('cloud')).toBe(false);
  });

  it('a floating seat is held by automatic heartbeats past its window, and close() releases it for the next user', async () => {
    const { key, entitlementId } = await sell({ seatModel: 'floating', seats: 1, heartbeatWindow: 'PT3S', leasePeriod: 'PT1H' });
    const alice = await open();
    await alice.activate(key);
    expect(alice.status().seat).toMatchObject({ kind: 'floating' });

    await sleep(4_500); // longer than the heartbeat window: only heartbeats keep the seat
    const bob = await open();
    const refused = (await bob.activate(key).catch((e: unknown) => e)) as LeaseholdError;
    expect(refused.code).toBe('SEAT_LIMIT_REACHED');
    expect(alice.hasFeature('export')).toBe(true);

    await alice.close();
    const activations = await call('GET', `/v1/entitlements/${entitlementId}/activations`);
    expect(activations.data.find((a: { fingerprint: string }) => a.fingerprint === alice.fingerprint).state).toBe('deactivated');
    expect((await bob.activate(key)).valid).toBe(true);
  });

  it('offline activation round trip: request file, `leasehold offline activate`, import, run offline', async () => {
    const { key } = await sell({ leasePeriod: 'P2D' });
    const airGapped = await open({ serverUrl: null });
    const requestFile = join(tempDir(), 'request.json');
    airGapped.writeOfflineRequest(key, requestFile);

    const responseFile = join(tempDir(), 'response.json');
    const cli = await runCli(['offline', 'activate', requestFile, '--out', responseFile], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/^activated act_/);
    const status = airGapped.importOfflineResponse(responseFile);
    expect(status).toMatchObject({ valid: true, code: 'VALID' });
    expect(status.expiresAt!.getTime() - status.issuedAt!.getTime()).toBe(2 * DAY);
    expect(airGapped.hasFeature('export')).toBe(true);
  });

  it('offline activation through the API: POST /v1/offline/activations needs entitlements:write', async () => {
    const { key } = await sell({ leasePeriod: 'P2D' });
    const airGapped = await open({ serverUrl: null });
    const request = airGapped.writeOfflineRequest(key, join(tempDir(), 'request.json'));

    const readonly = (await call('POST', '/v1/api-keys', { name: 'auditor', role: 'readonly' })).key;
    expect((await api(server.url, readonly, 'POST', '/v1/offline/activations', request)).status).toBe(403);
    expect((await api(server.url, null, 'POST', '/v1/offline/activations', request)).status).toBe(401);
    const unknown = await api(server.url, adminKey, 'POST', '/v1/offline/activations', { ...request, licenseKey: 'NOPE0-NOPE0-NOPE0' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details).toMatchObject({ field: 'licenseKey' });

    const answer = await api(server.url, adminKey, 'POST', '/v1/offline/activations', request);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ format: 'leasehold-offline-response', nonce: request.nonce, fingerprint: airGapped.fingerprint });
    expect(airGapped.importOfflineResponse(answer.body).valid).toBe(true);
    expect(airGapped.hasFeature('export')).toBe(true);
  });

  describe('rejected', () => {
    it('a tampered cache file: CACHE_TAMPERED, nothing granted, no crash', async () => {
      const { key } = await sell({ leasePeriod: 'P1D' });
      const license = await open();
      await license.activate(key);
      await license.close();
      const envelope = JSON.parse(readFileSync(license.cacheFile, 'utf8'));
      envelope.box.data = flipLastByte(envelope.box.data);
      writeFileSync(license.cacheFile, JSON.stringify(envelope));
      const again = await open({ cacheDir: dirOf(license), fingerprint: license.fingerprint });
      expect(again.status()).toMatchObject({ valid: false, code: 'CACHE_TAMPERED' });
      expect(again.hasFeature('export')).toBe(false);
    });

    it('a cache copied to another device: CACHE_TAMPERED', async () => {
      const { key } = await sell({ leasePeriod: 'P1D' });
      const license = await open();
      await license.activate(key);
      await license.close();
      const otherDir = tempDir();
      copyFileSync(license.cacheFile, join(otherDir, 'studio.lease'));
      const copy = await open({ cacheDir: otherDir });
      expect(copy.status().code).toBe('CACHE_TAMPERED');
      expect(copy.hasFeature('export')).toBe(false);
    });

    it('a lease signed by a key the application does not trust: SIGNATURE_INVALID, nothing granted', async () => {
      const { key } = await sell({ leasePeriod: 'P1D' });
      const license = await open({ publicKeys: new Signer().jwks });
      const error = (await license.activate(key).catch((e: unknown) => e)) as LeaseholdError;
      expect(error).toBeInstanceOf(LeaseholdError);
      expect(error.code).toBe('SIGNATURE_INVALID');
      expect(license.status().code).toBe('NO_LICENSE');
      expect(license.hasFeature('export')).toBe(false);
    });

    it('a clock set back a day: CLOCK_TAMPERED instead of a longer lease', async () => {
      const { key } = await sell({ leasePeriod: 'P2D' });
      const license = await open();
      await license.activate(key);
      await license.close();
      const clock = new ManualClock(Date.now() - DAY);
      const wound = await open({ clock, cacheDir: dirOf(license), fingerprint: license.fingerprint, serverUrl: null });
      expect(wound.status()).toMatchObject({ valid: false, code: 'CLOCK_TAMPERED' });
      expect(wound.hasFeature('export')).toBe(false);
    });
  });

  // Last: it stops the server.
  it('runs offline until the lease expires with the server stopped, then LEASE_EXPIRED', async () => {
    const { key } = await sell({ leasePeriod: 'PT3S' });
    const license = await open();
    const events: string[] = [];
    license.on('offline', () => events.push('offline'));
    license.on('expired', () => events.push('expired'));
    const status = await license.activate(key);
    await server.stop();

    expect(license.hasFeature('export')).toBe(true);
    const check = await license.refresh({ force: true });
    expect(check.code).toBe('OFFLINE');
    expect(license.hasFeature('export')).toBe(true); // offline, within the lease
    expect(events).toEqual(['offline']);

    await sleep(Math.max(0, status.expiresAt!.getTime() - Date.now()) + 300);
    expect(license.status()).toMatchObject({ valid: false, code: 'LEASE_EXPIRED' });
    expect(license.hasFeature('export')).toBe(false);
    expect(events).toContain('expired');
  });
});

function dirOf(license: License): string {
  return join(license.cacheFile, '..');
}

function flipLastByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  return bytes.toString('base64');
}
