import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { EVENT_TYPES } from '@leasehold/contract';
import { killAll, removeDir, REPO_ROOT, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { startReceiver, type Receiver } from '../../server/test/support/webhook-receiver.js';
import { EVENT_TYPE_NAMES } from '../src/pages/webhooks/event-types.js';

/**
 * Webhooks in the console, in Debian's Chromium: an endpoint created with its secret shown once,
 * a test event the receiver verifies with that secret, the delivery log with its attempts, the
 * secret rotated, and the banner an admin sees on every page once an endpoint is flagged failing.
 */
const CHROMIUM = process.env['LEASEHOLD_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'console');
const available = existsSync(CHROMIUM);
if (!available && process.env['CI'] === 'true')
  throw new Error(`${CHROMIUM} is missing: the console's browser tests need Debian's chromium.`);

describe('the console’s event type list', () => {
  it('offers every event type of the contract but webhook.test (sent on demand only)', () => {
    expect([...EVENT_TYPE_NAMES].sort()).toEqual(
      Object.keys(EVENT_TYPES)
        .filter((t) => t !== 'webhook.test')
        .sort(),
    );
  });
});

describe.skipIf(!available)('webhooks in the console, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let rx: Receiver;
  let secret = '';

  const nav = (label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click();
  const field = (name: RegExp) => page.getByRole('textbox', { name });

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'console', 'build-if-needed.js')], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the console failed');
    mkdirSync(SHOTS, { recursive: true });
    rx = await startReceiver();
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rx?.close();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('creates an endpoint and shows its signing secret once', async () => {
    await page.goto(`${server.url}/console/`);
    await page.getByRole('heading', { name: 'Welcome to Leasehold' }).waitFor();
    await field(/^Your name/).fill('Ada Vendor');
    await field(/^Email/).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await nav('Webhooks');
    await page.getByRole('button', { name: 'New endpoint' }).click();
    await field(/^URL/).fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await expect
      .poll(() =>
        page
          .getByText(/must be http or https/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await field(/^URL/).fill(`${rx.url}/console-hook`);
    await field(/^Description/).fill('CRM sync');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('table', { name: 'Webhook endpoints' }).getByText('CRM sync').waitFor();
    await page.screenshot({ path: join(SHOTS, 'webhooks.png'), fullPage: true });
  });

  it('sends a test event the receiver verifies, and shows it in the delivery log with its attempts', async () => {
    await page.getByRole('table', { name: 'Webhook endpoints' }).getByText('CRM sync').click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBe(1);
    const got = rx.received[0]!;
    expect((new Webhook(secret).verify(got.body, got.headers) as { type: string }).type).toBe('webhook.test');
    // The receiver answered; the dispatcher writes the outcome a moment later.
    for (let i = 0; i < 20; i++) {
      await page.reload();
      await page.getByRole('table', { name: 'Delivery log' }).waitFor();
      if (await page.getByRole('table', { name: 'Delivery log' }).getByText('delivered').isVisible()) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.getByRole('table', { name: 'Delivery log' }).getByText('delivered').waitFor();
    await page.getByRole('button', { name: 'Attempts' }).first().click();
    await page.getByRole('table', { name: 'Attempts' }).getByRole('cell', { name: '200', exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'webhook-delivery-log.png'), fullPage: true });
    await page.keyboard.press('Escape');
  });

  it('rotates the secret: the new one is shown once, and the old one still signs during the overlap', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBe(2);
    const got = rx.received[1]!;
    expect(new Webhook(rotated).verify(got.body, got.headers)).toBeTruthy();
    expect(new Webhook(secret).verify(got.body, got.headers)).toBeTruthy();
  });

  it('an endpoint flagged failing puts a banner on every page for admins', async () => {
    // The flag is what the dispatcher sets after a delivery's last attempt (days away in real time).
    const db = new BetterSqlite3(join(dataDir, 'leasehold.db'));
    db.prepare('update webhook_endpoints set failing_since = ?').run(Date.now());
    db.close();
    await nav('Customers');
    await page.getByTestId('webhook-failing-notice').waitFor();
    expect(await page.getByTestId('webhook-failing-notice').textContent()).toContain(`${rx.url}/console-hook`);
    await page.getByTestId('webhook-failing-notice').getByRole('link', { name: 'See the delivery log' }).click();
    await page.getByTestId('webhook-failing-banner').waitFor();
    await page.screenshot({ path: join(SHOTS, 'webhook-failing.png'), fullPage: true });
  });
});
