import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { api, killAll, removeDir, REPO_ROOT, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';

/**
 * An admin erases a customer's personal data from the customer page, in Debian's Chromium: the
 * dialog says what goes and what stays and erases only once the name is typed again. Screenshot:
 * test-results/console/customer-erase-dialog.png.
 */
const CHROMIUM = process.env['LEASEHOLD_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'console');
const available = existsSync(CHROMIUM);
if (!available && process.env['CI'] === 'true')
  throw new Error(`${CHROMIUM} is missing: the console's browser tests need Debian's chromium.`);

describe.skipIf(!available)('erasing a customer in the console', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const dataDir = tempDataDir();

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'console', 'build-if-needed.js')], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the console failed');
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    removeDir(dataDir);
  });

  it('erases after the name is typed again, and the page then shows [erased]', async () => {
    const key = server.bannerKey()!;
    const customer = (await api(server.url, key, 'POST', '/v1/customers', { name: 'Gudrun Forget', email: 'gudrun@forget.test' })).body;
    await page.goto(`${server.url}/console/`);
    await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
    await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.goto(`${server.url}/console/customers/${customer.id}`);
    await page.getByRole('heading', { name: 'Gudrun Forget' }).waitFor();
    await page.getByRole('button', { name: 'Erase personal data' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This cannot be undone').waitFor();
    const erase = dialog.getByRole('button', { name: 'Erase', exact: true });
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: /Type the customer’s name/ }).fill('Gudrun');
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: /Type the customer’s name/ }).fill('Gudrun Forget');
    await page.screenshot({ path: join(SHOTS, 'customer-erase-dialog.png'), fullPage: true });
    await erase.click();
    await dialog.getByText('Erased', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The page title and the breadcrumb both name the customer.
    await page.getByRole('heading', { name: '[erased]' }).first().waitFor();
    expect((await api(server.url, key, 'GET', `/v1/customers/${customer.id}`)).body).toMatchObject({ name: '[erased]', email: null });
  });
});
