import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureValue } from '@leasehold/contract';
import { Leasehold, ManualClock, type License } from '../../../sdk/src/index.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';

/**
 * One table of feature values, answered by the server (online validation with the feature
 * required) and by the SDK (hasFeature offline, from the lease the server signed): the two must
 * agree on every row. They share `grants` from the contract; this proves they use it the same way.
 */
const CASES: Array<{ name: string; type: 'boolean' | 'numeric' | 'consumption' | 'pool'; value: FeatureValue; granted: boolean }> = [
  { name: 'boolean on', type: 'boolean', value: true, granted: true },
  { name: 'boolean off', type: 'boolean', value: false, granted: false },
  { name: 'a limit of 5', type: 'numeric', value: 5, granted: true },
  { name: 'a limit of 0', type: 'numeric', value: 0, granted: false },
  { name: 'a pool of 3', type: 'pool', value: 3, granted: true },
  { name: 'a pool of 0', type: 'pool', value: 0, granted: false },
  { name: 'a quota of 100 a month', type: 'consumption', value: { limit: 100, period: 'P1M', overage: 'block' }, granted: true },
  { name: 'a blocked quota of 0', type: 'consumption', value: { limit: 0, period: 'P1M', overage: 'block' }, granted: false },
  {
    name: 'pay-per-use: nothing included, every use billed',
    type: 'consumption',
    value: { limit: 0, period: 'P1M', overage: 'bill' },
    granted: true,
  },
  { name: 'a quota of 10 with billed overage', type: 'consumption', value: { limit: 10, period: 'P1M', overage: 'bill' }, granted: true },
];

describe.each(await storeKinds())('the server and the SDK agree on what a feature value grants (%s)', (kind) => {
  let h: Harness;
  let url: string;
  const opened: License[] = [];

  beforeAll(async () => {
    h = await createHarness(kind);
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    await h.call('POST', '/v1/products', { code: 'agree', name: 'Agree' });
    for (const [i, c] of CASES.entries()) {
      const res = await h.call('POST', '/v1/products/agree/features', { code: `f${i}`, name: c.name, type: c.type });
      if (res.status !== 201) throw new Error(`feature ${c.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });
  afterAll(async () => {
    for (const l of opened) await l.close().catch(() => {});
    await h?.close();
  });

  it.each(CASES.map((c, i) => ({ ...c, code: `f${i}`, i })))(
    '$name: granted=$granted on both sides',
    async ({ code, value, granted, i }) => {
      const offering = await h.call('POST', '/v1/offerings', {
        productId: 'agree',
        code: `agree-${i}`,
        name: `Agree ${i}`,
        licenseModel: 'subscription',
        seatModel: 'node_locked',
        seats: 2,
        term: 'P1Y',
        leasePeriod: 'P7D',
        features: { [code]: value },
      });
      expect(offering.status, JSON.stringify(offering.body)).toBe(201);
      const customer = (await h.call('POST', '/v1/customers', { name: `Agree ${i}` })).body;
      const { key } = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: `agree-${i}` })).body;

      const fingerprint = fp(`agree-device-${i}`);
      const license = await Leasehold.open({
        serverUrl: url,
        product: 'agree',
        publicKeys: (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body,
        cacheDir: mkdtempSync(join(tmpdir(), 'leasehold-agree-')),
        timeMarkDir: mkdtempSync(join(tmpdir(), 'leasehold-agree-mark-')),
        fingerprint,
        clock: new ManualClock(h.clock.now()),
        courtesy: { onOpen: false },
      });
      opened.push(license);
      expect((await license.activate(key)).valid).toBe(true);
      const sdkGrants = license.hasFeature(code);

      // The server, asked online about the same device with the feature required.
      const server = await asLicense(h, key)('validate', { fingerprint: fingerprint, features: [code] });
      expect(server.status).toBe(200);
      const serverGrants = server.body.valid === true;
      // A blocked quota of nothing is refused as used up (quotas are checked before features).
      if (!serverGrants) expect(['FEATURE_MISSING', 'QUOTA_EXHAUSTED']).toContain(server.body.code);

      expect({ server: serverGrants, sdk: sdkGrants }).toEqual({ server: granted, sdk: granted });
    },
  );
});
