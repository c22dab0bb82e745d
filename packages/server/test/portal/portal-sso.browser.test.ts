import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';
import { available, launchBrowser, SHOTS } from '../../../console/test/browser.js';
import { startTestProvider, type TestProvider } from './oidc-provider.js';

const ADMIN_KEY = 'lh_portal_sso_browser_admin_key_012345';

/**
 * Signing in to the portal with SSO, in Debian's Chromium against a real server process and a real
 * OpenID Connect provider (oidc-provider): the address's domain offers "Sign in with …", the
 * browser goes through the provider and comes back signed in to its customer's licenses; a
 * refusal comes back to the sign-in page with its reason.
 */
describe.skipIf(!available)('portal SSO, in a browser', () => {
  let server: ServerProcess;
  let provider: TestProvider;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let customerId = '';

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `portal-sso-${name}.png`), fullPage: true });
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

  beforeAll(async () => {
    browser = await launchBrowser();
    provider = await startTestProvider();
    dataDir = tempDataDir();
    server = await startServer({
      LEASEHOLD_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LEASEHOLD_ADMIN_KEY: ADMIN_KEY,
      LEASEHOLD_PORTAL_SSO_ALLOW_HTTP: 'true',
    });
    await vendor('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await vendor('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'studio-one',
      name: 'Studio One',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 3,
      term: 'P1Y',
      leasePeriod: 'P7D',
    });
    const customer = await vendor('POST', '/v1/customers', { name: 'Globex' });
    customerId = customer['id'];
    await vendor('POST', '/v1/entitlements', { customerId: customer['id'], offeringId: 'studio-one', orderRef: 'SO-SSO' });
    const connection = await vendor('POST', '/v1/portal-sso-connections', {
      name: 'Globex ID',
      issuer: provider.issuer,
      clientId: 'globex',
      clientSecret: 'globex-client-secret-0123456789',
      customerId: customer['id'],
      domains: [{ domain: 'globex.test' }],
    });
    provider.client({ clientId: 'globex', clientSecret: 'globex-client-secret-0123456789', redirectUri: connection['redirectUri'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('offers "Sign in with Globex ID" for the domain, goes through the provider and lands signed in to its licenses', async () => {
    provider.signInAs({ sub: 'hank-1', email: 'hank@globex.test', email_verified: true, name: 'Hank' });
    await page.goto(`${server.url}/portal/`);
    await page.getByLabel('Email').fill('hank@globex.test');
    const button = page.getByRole('link', { name: 'Sign in with Globex ID' });
    await button.waitFor();
    await shot('choice');
    await button.click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('Hank · Globex');
    await page.getByText('SO-SSO').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/portal/');
    await shot('signed-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
  });

  it('an address the provider has not verified comes back to the sign-in page with the reason', async () => {
    provider.signInAs({ sub: 'ivy-1', email: 'ivy@globex.test', email_verified: false, name: 'Ivy' });
    // Another person at the provider: its session of Hank goes (the browser's cookies are shared by host).
    await page.context().clearCookies();
    await page.getByLabel('Email').fill('ivy@globex.test');
    await page.getByRole('link', { name: 'Sign in with Globex ID' }).click();
    await page.getByTestId('sso-error').waitFor();
    expect(await page.getByTestId('sso-error').textContent()).toMatch(/not say your email address is verified/);
    expect(page.url()).not.toContain('sso_error');
    await shot('refused');
  });

  it("the vendor's console shows the customer's SSO connection and the person it provisioned", async () => {
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
    const connections = staff.getByRole('table', { name: 'SSO connections of the customer' });
    const row = connections.getByRole('row').filter({ hasText: 'Globex ID' });
    await row.waitFor();
    expect(await row.getByText('globex.test').count()).toBe(1);
    expect(await row.getByText('become members').count()).toBe(1);
    const users = staff.getByRole('table', { name: 'Portal users of the customer' });
    await users.getByRole('cell', { name: 'hank@globex.test' }).waitFor();
    await staff.screenshot({ path: join(SHOTS, 'portal-sso-vendor-console.png'), fullPage: true });
    await staff.close();
  });
});
