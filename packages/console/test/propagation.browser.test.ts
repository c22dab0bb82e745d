import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, signUpAdmin } from './browser.js';

/**
 * The entitlement page in Debian's Chromium, against a real server: after a change, the propagation
 * card says how many running devices hold it and by when the rest must have refreshed or stopped,
 * and lists each device's rights version; a device refreshing moves the sentence on.
 */
describe.skipIf(!available)('propagation on the entitlement page, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let key: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, key, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const activate = async (licenseKey: string, i: number) => {
    const res = await fetch(`${server.url}/v1/client/activate`, {
      method: 'POST',
      headers: { authorization: `License ${licenseKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fingerprint: `propagation-device-${i}`, name: `Device ${i}` }),
    });
    expect(res.status).toBeLessThan(300);
  };
  /** The console's "Fri 10:00", computed in the browser (its locale and time zone). */
  const weekdayTime = (iso: string) =>
    page.evaluate(
      (at) => new Date(at).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      iso,
    );

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    key = server.bannerKey()!;
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('after a change: "reached 1 of 3 devices; all by … at the latest", with the per-device rights versions', async () => {
    await signUpAdmin(page, server.url);
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/products/studio/features', { code: 'cloud', name: 'Cloud', type: 'boolean' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 9,
      leasePeriod: 'P1D',
    });
    const c = await call('POST', '/v1/customers', { name: 'Acme' });
    const e = await call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'pro' });
    for (let i = 0; i < 3; i++) await activate(e.key, i);

    await page.goto(`${server.url}/console/entitlements/${e.id}`);
    const sentence = page.getByTestId('propagation-sentence');
    await expect.poll(() => sentence.textContent()).toBe('Reached all 3 devices.');

    // The change; one device comes back for a lease (an activation of a known device re-issues it).
    await call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { features: { cloud: true } } });
    await activate(e.key, 0);
    const p = await call('GET', `/v1/entitlements/${e.id}/propagation`);
    expect(p).toMatchObject({ held: 1, behind: 2, stopped: 0 });

    await page.reload();
    await expect.poll(() => sentence.textContent()).toBe(`Reached 1 of 3 devices; all by ${await weekdayTime(p.allBy)} at the latest.`);
    const table = page.getByRole('table', { name: 'Propagation' });
    await expect.poll(() => table.getByRole('row').count()).toBe(4);
    const device0 = table.getByRole('row').filter({ hasText: 'Device 0' });
    expect(await device0.textContent()).toContain('v2 · offering v1');
    expect(await device0.textContent()).toContain('Holds the change');
    const device1 = table.getByRole('row').filter({ hasText: 'Device 1' });
    expect(await device1.textContent()).toContain('v1 · offering v1');
    expect(await device1.textContent()).toContain('Behind');
  });
});
