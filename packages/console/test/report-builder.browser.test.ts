import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, signUpAdmin } from './browser.js';

/**
 * The custom report builder in Chromium against a real server: a query of activations by customer
 * shows the figures the API made, saves to /v1/saved-reports, opens again after a reload, is deleted,
 * and a customer cell leads to that customer's page.
 */
describe.skipIf(!available)('custom report builder, in a browser', () => {
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

  it('runs, saves, reopens and deletes a query, and drills down to the customer', async () => {
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
    for (const i of [0, 1]) {
      const res = await fetch(`${server.url}/v1/client/activate`, {
        method: 'POST',
        headers: { authorization: `License ${e.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ fingerprint: `builder-device-${i}`, platform: 'linux', version: '1.0.0' }),
      });
      expect(res.status).toBe(201);
    }
    const query = { measures: ['activations'], dimensions: ['customer'], granularity: 'none' };
    await expect.poll(async () => (await call('POST', '/v1/reports/query', query)).rows[0]?.activations ?? 0, { timeout: 10_000 }).toBe(2);

    await page.goto(`${server.url}/console/reports/custom?m=activations&d=customer&granularity=none`);
    const rows = page.getByRole('table', { name: 'Query rows' });
    await expect.poll(() => rows.locator('tbody tr').first().innerText()).toContain('2');
    expect(await rows.locator('tbody tr').first().innerText()).toContain(c.id);

    await page.getByLabel('Report name').fill('Acme seats');
    await page.getByTestId('save-report').click();
    const saved = page.getByRole('table', { name: 'Saved reports' });
    await saved.getByText('Acme seats').waitFor();
    const list = await call('GET', '/v1/saved-reports');
    expect(list.data.map((s: { name: string }) => s.name)).toEqual(['Acme seats']);
    expect(list.data[0].query.dimensions).toEqual(['customer']);

    await page.goto(`${server.url}/console/reports/custom`);
    await saved.getByText('Acme seats').waitFor();
    await saved.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.url()).toContain('d=customer');
    await expect.poll(() => rows.locator('tbody tr').first().innerText()).toContain(c.id);

    await saved.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await call('GET', '/v1/saved-reports')).data.length).toBe(0);

    await rows.getByRole('link', { name: c.id }).click();
    await expect.poll(() => page.url()).toContain(`/console/customers/${c.id}`);

    // The dashboard's activations figure is the reporting store's count.
    await page.goto(`${server.url}/console/`);
    const card = page.locator('.mantine-Card-root', { hasText: 'Activations (30 days)' });
    await expect.poll(() => card.innerText()).toMatch(/Activations \(30 days\)\s+2$/);
  }, 60_000);
});
