import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { Leasehold, LeaseholdError, type License, type OpenOptions } from '../src/index.js';
import { tempDir } from './support/open.js';

const DAY = 24 * 3600 * 1000;

/**
 * A factory line's machines that never go online: a batch activation on a real `leasehold serve`
 * process provisions three devices, its offline lease bundle is copied whole onto each, and the
 * SDK on each machine (no server URL) installs the one entry for its own fingerprint, verified
 * offline against the pinned JWKS. An entry altered to fit another machine, a machine the batch
 * did not activate, or a lease signed by a key the application does not trust gets nothing.
 */
describe('the SDK imports a batch’s offline lease bundle', () => {
  const adminKey = `lh_${randomBytes(24).toString('hex')}`;
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let publicKeys: OpenOptions['publicKeys'];
  let licenseKey = '';
  let bundleFile = '';
  let bundle = '';
  const opened: License[] = [];
  const fingerprints = ['line-a-0001', 'line-a-0002', 'line-a-0003'];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, adminKey, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const offline = async (fingerprint: string, options: Partial<OpenOptions> = {}) => {
    const license = await Leasehold.open({
      serverUrl: null,
      product: 'studio',
      publicKeys,
      cacheDir: tempDir(),
      timeMarkDir: tempDir(),
      fingerprint,
      ...options,
    });
    opened.push(license);
    return license;
  };
  const refusal = (f: () => unknown): LeaseholdError | null => {
    try {
      f();
      return null;
    } catch (e) {
      return e as LeaseholdError;
    }
  };

  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/products/studio/features', { code: 'export', name: 'Export', type: 'boolean' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'factory',
      name: 'Factory',
      licenseModel: 'perpetual',
      seats: 3,
      leasePeriod: 'P1D',
      offlineLeasePeriod: 'P30D',
      features: { export: true },
    });
    const customer = await call('POST', '/v1/customers', { name: 'Initech' });
    const entitlement = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'factory' });
    licenseKey = entitlement.key;
    const batch = await call('POST', '/v1/activation-batches', {
      entitlementId: entitlement.id,
      devices: fingerprints.map((fingerprint, i) => ({ fingerprint, name: `Line A ${i + 1}` })),
    });
    // The server's background job works the batch through (once a second).
    for (let i = 0; i < 100; i++) {
      if ((await call('GET', `/v1/activation-batches/${batch.id}`)).state === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const res = await fetch(`${server.url}/v1/activation-batches/${batch.id}/leases`, { headers: { authorization: `Bearer ${adminKey}` } });
    bundle = await res.text();
    expect(bundle.trim().split('\n')).toHaveLength(3);
    bundleFile = join(tempDir(), 'leases.jsonl');
    writeFileSync(bundleFile, bundle);
    // The vendor ships its JWKS inside the application.
    publicKeys = (await api(server.url, null, 'GET', '/.well-known/jwks.json')).body;
  }, 60_000);

  afterAll(async () => {
    for (const license of opened) await license.close().catch(() => undefined);
    killAll();
    removeDir(dataDir);
  });

  it('each machine installs its own entry of the whole bundle, offline, for the offline lease period', async () => {
    for (const fingerprint of fingerprints) {
      const license = await offline(fingerprint);
      expect(license.status().valid).toBe(false);
      const status = license.importLeaseBundle(bundleFile, licenseKey);
      expect(status).toMatchObject({ valid: true, code: 'VALID' });
      expect(status.expiresAt!.getTime() - status.issuedAt!.getTime()).toBe(30 * DAY);
      expect(license.hasFeature('export')).toBe(true);
      expect(license.licenseKey).toBe(licenseKey);
    }
  });

  it('the lease survives a restart: it is in the encrypted cache like any other', async () => {
    const cacheDir = tempDir();
    const first = await offline(fingerprints[1]!, { cacheDir });
    first.importLeaseBundle(bundle, licenseKey);
    await first.close();
    const again = await offline(fingerprints[1]!, { cacheDir });
    expect(again.status()).toMatchObject({ valid: true, code: 'VALID' });
    expect(again.hasFeature('export')).toBe(true);
  });

  it('a machine the batch did not activate finds nothing for it', async () => {
    const stranger = await offline('line-b-0009');
    const error = refusal(() => stranger.importLeaseBundle(bundleFile, licenseKey));
    expect(error?.code).toBe('OFFLINE_RESPONSE_INVALID');
    expect(error?.message).toMatch(/no lease for this device/);
    expect(stranger.hasFeature('export')).toBe(false);
  });

  it('an entry rewritten to name another machine does not verify: the lease inside is bound to its device', async () => {
    const entries = bundle
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const forged = [{ ...entries[0], fingerprint: 'line-b-0010' }];
    const other = await offline('line-b-0010');
    const error = refusal(() => other.importLeaseBundle(forged, licenseKey));
    expect(error?.code).toBe('SIGNATURE_INVALID');
    expect(error?.details['reason']).toBe('WRONG_DEVICE');
    expect(other.hasFeature('export')).toBe(false);
  });

  it('a lease whose signature was altered, or signed by a key the application does not trust, grants nothing', async () => {
    const entries = bundle
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const token: string = entries[0].lease.token;
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = [{ ...entries[0], lease: { token: `${token.slice(0, -2)}${last}${token.at(-1)}` } }];
    const a = await offline(fingerprints[0]!);
    expect(refusal(() => a.importLeaseBundle(tampered, licenseKey))?.code).toBe('SIGNATURE_INVALID');
    expect(a.hasFeature('export')).toBe(false);

    // Another vendor's server signs with its own key: the application pins this vendor's JWKS only.
    const other = {
      keys: (publicKeys as { keys: Array<Record<string, unknown>> }).keys.map((k) => ({
        ...k,
        x: Buffer.alloc(32, 7).toString('base64url'),
      })),
    };
    const b = await offline(fingerprints[0]!, { publicKeys: other as OpenOptions['publicKeys'] });
    expect(refusal(() => b.importLeaseBundle(bundleFile, licenseKey))?.code).toBe('SIGNATURE_INVALID');
  });

  it('a file that is not a bundle is refused with its line', async () => {
    const file = join(tempDir(), 'broken.jsonl');
    writeFileSync(file, `${bundle.split('\n')[0]}\nnot json\n`);
    const license = await offline(fingerprints[0]!);
    const error = refusal(() => license.importLeaseBundle(file, licenseKey));
    expect(error?.code).toBe('OFFLINE_RESPONSE_INVALID');
    expect(error?.message).toMatch(/Line 2/);
  });
});
