import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { killAll, removeDir, REPO_ROOT, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';

/**
 * The Integrations page in Debian's Chromium: an admin sets the Stripe signing secret (never shown
 * back), generates a secret for the generic endpoint, and sees an event Stripe sent in the log.
 */
const CHROMIUM = process.env['LEASEHOLD_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'console');
const available = existsSync(CHROMIUM);
const SECRET = 'whsec_console_test_secret';

describe.skipIf(!available)('the Integrations page, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'console', 'build-if-needed.js')], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the console failed');
    mkdirSync(SHOTS, { recursive: true });
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('sets the Stripe secret write-only, shows the endpoint URL, and lists what Stripe sent', async () => {
    await page.goto(`${server.url}/console/`);
    await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
    await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    expect(await page.getByTestId('stripe-secret-state').textContent()).toBe('not set');
    const url = (await page.getByTestId('stripe-webhook-url').textContent())!;
    expect(url).toMatch(new RegExp(`^${server.url}/v1/integrations/stripe/webhook\\?account=acc_[0-9a-z]{26}$`));

    await page.getByLabel(/^Stripe signing secret/).fill(SECRET);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('stripe-secret-state').textContent()).toBe('set');
    expect(await page.content()).not.toContain(SECRET);

    // Stripe posts an event it signs; the page's log shows it and what it did.
    const payload = JSON.stringify({
      id: 'evt_console_1',
      object: 'event',
      type: 'customer.created',
      created: 1_800_000_000,
      data: { object: {} },
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      },
      body: payload,
    });
    expect(res.status).toBe(200);
    await page.reload();
    await page.getByRole('cell', { name: 'customer.created', exact: true }).waitFor();
    expect(await page.getByRole('cell', { name: 'ignored', exact: true }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'integrations.png'), fullPage: true });
  });

  it('generates a secret for other billing systems and shows it once', async () => {
    await page.getByRole('tab', { name: 'Other billing systems' }).click();
    await page.getByRole('button', { name: 'Generate' }).click();
    const secret = (await page.getByTestId('generated-secret').textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('generic-secret-state').textContent()).toBe('set');
  });
});
