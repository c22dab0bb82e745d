import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { available, launchBrowser, SHOTS } from '../../../console/test/browser.js';

const ADMIN_KEY = 'lh_portal_choice_admin_key_0123456789';
const DOMAIN = 'portal.vendor-b.test';
const EMAIL = 'sam@shared.test';
const PASSWORD = 'one passphrase for both vendors';

/**
 * One person, two vendors on the same server, the same address and password at both (each vendor
 * invited them; nothing links the two). On the server's own host the sign-in offers the choice the
 * server answers with and opens the one picked; on vendor B's custom domain it opens B's portal
 * without asking, since the domain says whose portal it is.
 */
describe.skipIf(!available)('signing in to one of several portals, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  // Vendor A is the server's first account, named as `serve` names it; B is made with the CLI.
  const vendors: Record<'a' | 'b', { key: string; name: string }> = {
    a: { key: ADMIN_KEY, name: 'Vendor A' },
    b: { key: '', name: 'Vendor B' },
  };

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `portal-choice-${name}.png`), fullPage: true });
  const as = async (v: 'a' | 'b', method: string, path: string, body?: unknown) => {
    const res = await api(server.url, vendors[v].key, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LEASEHOLD_ADMIN_KEY: ADMIN_KEY });
    // The second vendor, made as an operator makes one: the CLI on the server's data directory.
    const created = await runCli(['accounts', 'create', '--name', vendors.b.name], { LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(created.code, created.stderr).toBe(0);
    vendors.b.key = created.stdout.trim();
    for (const v of ['a', 'b'] as const) {
      await as(v, 'POST', '/v1/products', { code: 'app', name: `${vendors[v].name} App` });
      await as(v, 'POST', '/v1/offerings', { productId: 'app', code: 'std', name: 'Standard', licenseModel: 'subscription', term: 'P1Y' });
      const customer = await as(v, 'POST', '/v1/customers', { name: `Customer of ${vendors[v].name}` });
      await as(v, 'POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'std' });
      const invited = await as(v, 'POST', `/v1/customers/${customer.id}/portal-users`, { email: EMAIL, name: 'Sam', role: 'admin' });
      const token = String(invited.invitationUrl).split('#token=')[1];
      const accepted = await api(server.url, null, 'POST', '/v1/portal/invitations/accept', { token, password: PASSWORD });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    }
    await as('b', 'PATCH', '/v1/portal-branding', { productName: 'Vendor B Portal', domain: DOMAIN });
    browser = await launchBrowser([`--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1`]);
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  const signIn = async (origin: string) => {
    await page.context().clearCookies();
    await page.goto(`${origin}/portal/`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  it('on the server’s own host, offers both portals and opens the one picked', async () => {
    await signIn(server.url);
    await page.getByText('This email and password open several portals').waitFor();
    const choices = page.getByRole('button', { name: /^Sign in to / });
    expect(await choices.allTextContents()).toEqual(expect.arrayContaining(['Sign in to Vendor B']));
    expect(await choices.count()).toBe(2);
    await shot('offered');
    await page.getByRole('button', { name: 'Sign in to Vendor B' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Customer of Vendor B');
    await page.getByText('Vendor B App').first().waitFor();
    expect(await page.getByText('Vendor A App').count()).toBe(0);
    await shot('picked');
  });

  it('on vendor B’s custom domain, opens B’s portal without asking', async () => {
    const port = new URL(server.url).port;
    await signIn(`http://${DOMAIN}:${port}`);
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Customer of Vendor B');
    expect(await page.getByText('This email and password open several portals').count()).toBe(0);
    await shot('custom-domain');
  });
});
