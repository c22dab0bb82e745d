import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS, signUpAdmin } from './browser.js';

/**
 * The reports section in Debian's Chromium, against a real server: devices activated over the API
 * show in the activations chart and its rows (as the projector feeds the reporting store), the
 * grouping and the report can be changed, and the CSV export link carries the same query.
 */
describe.skipIf(!available)('reports in the console, in a browser', () => {
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

  it('charts the activations the fleet made, with their rows, by platform, and exports them as CSV', async () => {
    await signUpAdmin(page, server.url);

    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 9,
    });
    const c = await call('POST', '/v1/customers', { name: 'Acme' });
    const e = await call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'pro' });
    const platforms = ['linux', 'linux', 'windows'];
    for (const [i, platform] of platforms.entries()) {
      const res = await fetch(`${server.url}/v1/client/activate`, {
        method: 'POST',
        headers: { authorization: `License ${e.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ fingerprint: `browser-device-${i}`, platform, version: '1.0.0' }),
      });
      expect(res.status).toBe(201);
    }
    // The projector runs every 200 ms: the reporting store holds the three activations soon.
    await expect
      .poll(
        async () =>
          (await call('GET', '/v1/reports/activations?by=none')).rows.reduce(
            (s: number, r: { activations: number }) => s + r.activations,
            0,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(3);

    await page.getByRole('navigation').getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    const rows = page.getByRole('table', { name: 'Report rows' });
    await rows.waitFor();
    // One day of activations: a dot per measure (a line needs two periods).
    await page.getByLabel('Report chart').locator('.recharts-line-dot').first().waitFor();
    const cells = async () => (await rows.locator('tbody tr').allInnerTexts()).map((t) => t.split('\t').map((s) => s.trim()));
    const [first] = await cells();
    expect(first?.slice(2)).toEqual(['3', '0']);

    await page.getByRole('textbox', { name: 'By' }).click();
    await page.getByRole('option', { name: 'platform', exact: true }).click();
    await expect
      .poll(async () => (await cells()).map((r) => [r[1], r[2]]).sort())
      .toEqual([
        ['linux', '2'],
        ['windows', '1'],
      ]);
    const csv = await page.getByTestId('report-csv').getAttribute('href');
    expect(csv).toContain('by=platform');
    expect(csv).toContain('format=csv');
    const exported = await page.evaluate(async (href) => (await fetch(href!)).text(), csv);
    expect(exported.split('\n')[0]).toBe('period,key,activations,deactivations');
    expect(exported).toContain(',windows,1,0');
    await page.screenshot({ path: join(SHOTS, 'reports.png'), fullPage: true });

    await page.getByRole('textbox', { name: 'Report' }).click();
    await page.getByRole('option', { name: 'Adoption by version' }).click();
    await expect.poll(async () => (await cells()).at(-1)?.slice(1)).toEqual(['1.0.0', '3', '100']);
  });
});
