import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS } from './browser.js';

/**
 * A CSV import in the console, in Debian's Chromium: the dry run's table shows each row as it
 * would come out (refused rows with their line, code and column) and changes nothing; the import
 * then applies the good rows. Screenshot: test-results/console/imports-dry-run.png.
 */
describe.skipIf(!available)('CSV imports in the console', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const dataDir = tempDataDir();

  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    removeDir(dataDir);
  });

  it('shows the dry run row by row, changes nothing, then imports the good rows', async () => {
    const key = server.bannerKey()!;
    await page.goto(`${server.url}/console/`);
    await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
    await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Imports' }).click();
    await page.getByRole('heading', { name: 'Imports' }).waitFor();
    const csv = 'externalRef,name,email\ncrm-1,Initech,it@initech.test\ncrm-2,Bad Mail,not-an-email\ncrm-3,Hooli,ops@hooli.test\n';
    await page.locator('input[type=file]').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Dry run' }).click();
    const summary = page.getByLabel('Import summary');
    await summary.getByText('Dry run — nothing changed: would be 2 created, 0 updated, 0 unchanged, 1 refused of 3 rows').waitFor();
    const rows = page.getByRole('table', { name: 'Import rows' }).getByRole('row');
    expect(await rows.count()).toBe(4);
    await expect.poll(() => rows.nth(2).innerText()).toMatch(/3\s+refused\s+crm-2\s+INVALID_REQUEST\s+email/i);
    await page.screenshot({ path: join(SHOTS, 'imports-dry-run.png'), fullPage: true });
    expect((await api(server.url, key, 'GET', '/v1/customers')).body.data).toHaveLength(0);

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await summary.getByText('Imported: 2 created, 0 updated, 0 unchanged, 1 refused of 3 rows').waitFor();
    expect((await api(server.url, key, 'GET', '/v1/customers')).body.data).toHaveLength(2);
  });
});
