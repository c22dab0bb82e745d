import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { available, launchBrowser, SHOTS } from '../../../console/test/browser.js';

const ADMIN_KEY = 'lh_portal_browser_admin_key_0123456789';

/**
 * A customer's day in the portal, in Debian's Chromium against a real server process: accept the
 * invitation, set a password, see the license with its seats, show the key, deactivate a device
 * (the seat is free for the next activation), invite a colleague, read the history, sign out.
 */
describe.skipIf(!available)('the customer portal, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let licenseKey = '';
  let invitationUrl = '';
  let customerId = '';

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `portal-${name}.png`), fullPage: true });
  const vendor = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const activate = (fingerprint: string) =>
    fetch(`${server.url}/v1/client/activate`, {
      method: 'POST',
      headers: { authorization: `License ${licenseKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fingerprint, name: `PC ${fingerprint.slice(-1)}`, version: '2.1' }),
    });

  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LEASEHOLD_ADMIN_KEY: ADMIN_KEY });
    await vendor('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await vendor('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'studio-one',
      name: 'Studio One',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 1,
      term: 'P1Y',
      leasePeriod: 'P7D',
    });
    const customer = await vendor('POST', '/v1/customers', { name: 'Acme Corp' });
    customerId = customer['id'];
    const entitlement = await vendor('POST', '/v1/entitlements', {
      customerId: customer['id'],
      offeringId: 'studio-one',
      orderRef: 'SO-77',
    });
    licenseKey = entitlement['key'];
    expect((await activate('c0ffee00c0ffee01')).status).toBe(201);
    const invited = await vendor('POST', `/v1/customers/${customer['id']}/portal-users`, {
      email: 'ada@acme.test',
      name: 'Ada',
      role: 'admin',
    });
    invitationUrl = invited['invitationUrl'];
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('accepts the invitation and sets a password', async () => {
    expect(invitationUrl).toMatch(/\/portal\/accept#token=[A-Za-z0-9_-]+$/);
    await page.goto(invitationUrl);
    await page.getByRole('heading', { name: /set your password/ }).waitFor();
    await shot('accept');
    await page.getByLabel(/Choose a password/).fill('a long portal passphrase');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('Ada · Acme Corp');
    // The token left the address bar once used.
    expect(page.url()).not.toContain('#token=');
  });

  it('sees the license with its seats, shows the key, and frees a seat by deactivating a device', async () => {
    await page.getByText('Studio · Studio One').waitFor();
    await page.getByText('1 of 1 seats used').waitFor();
    await page.getByRole('cell', { name: 'PC 1' }).waitFor();
    expect((await activate('c0ffee00c0ffee02')).status).toBe(409);
    await page.getByRole('button', { name: 'Show license key' }).click();
    expect(await page.getByTestId('license-key').textContent()).toBe(licenseKey);
    await shot('licenses');
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('0 of 1 seats used').waitFor();
    await page.getByText('No active devices.').waitFor();
    expect((await activate('c0ffee00c0ffee02')).status).toBe(201);
    await shot('deactivated');
  });

  it('invites a colleague and reads the history', async () => {
    await page.getByRole('tab', { name: 'Colleagues' }).click();
    await page.getByLabel('Email').fill('bob@acme.test');
    await page.getByLabel('Name').fill('Bob');
    await page.getByRole('button', { name: 'Invite' }).click();
    expect(await page.getByTestId('invitation-url').textContent()).toMatch(/\/portal\/accept#token=/);
    await page.getByText('bob@acme.test').waitFor();
    await shot('colleagues');
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText('entitlement.key_revealed').waitFor();
    await page.getByText('activation.deactivated').waitFor();
    await shot('history');
  });

  it('signs out, and signs in again with the password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill('ada@acme.test');
    await page.getByLabel('Password').fill('a long portal passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await shot('signed-in-again');
  });

  it("the vendor's console shows the customer's portal users with their last sign-in, and disables one", async () => {
    const staff = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    staff.setDefaultTimeout(10_000);
    await staff.goto(`${server.url}/console/`);
    const setup = await staff.evaluate(async () => {
      const res = await fetch('/v1/session/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'staff@vendor.test', name: 'Vera Vendor', password: 'a long staff passphrase' }),
      });
      return res.status;
    });
    expect(setup).toBe(201);
    await staff.goto(`${server.url}/console/customers/${customerId}`);
    const card = staff.getByRole('table', { name: 'Portal users of the customer' });
    await card.getByRole('cell', { name: 'ada@acme.test' }).waitFor();
    const bob = card.getByRole('row').filter({ hasText: 'bob@acme.test' });
    expect(await bob.getByText('invited').count()).toBe(1);
    const ada = card.getByRole('row').filter({ hasText: 'ada@acme.test' });
    expect(await ada.getByText('active').count()).toBe(1);
    await staff.screenshot({ path: join(SHOTS, 'portal-vendor-console.png'), fullPage: true });
    await bob.getByRole('button', { name: 'Disable' }).click();
    await card.getByRole('row').filter({ hasText: 'disabled' }).waitFor();
    await staff.close();
  });
});
