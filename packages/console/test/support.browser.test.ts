import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS } from './browser.js';

/**
 * A support person's day, in Debian's Chromium: an empty server's first steps and the offering form
 * (as the admin), then, signed in with the support role, finding a license by the key a customer
 * reads out, by order and by device; names everywhere instead of ids; filters that survive a reload;
 * re-keying, a targeted migration with its confirmation, and a return. Badges are checked for
 * clipped text on every page the walk shows.
 */
describe.skipIf(!available)('the console for a support person, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const DAY = 86_400_000;
  const seeded = { acmeKey: '', acmeEntitlement: '', globexEntitlement: '' };

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const nav = (label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click();
  const field = (name: string) => page.getByRole('textbox', { name: new RegExp(`^${name}`) });
  const choose = async (label: RegExp, option: RegExp) => {
    await page.getByRole('textbox', { name: label }).click();
    await page.getByRole('option', { name: option }).click();
  };
  /** A call with the page's session cookie and CSRF token, as the console makes it. */
  const call = (method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ([method, path, body]) => {
        const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
        const res = await fetch(path as string, {
          method: method as string,
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      },
      [method, path, body] as const,
    );
  const client = (key: string, path: string, body: unknown) =>
    fetch(`${server.url}/v1/client/${path}`, {
      method: 'POST',
      headers: { authorization: `License ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  /** Badges whose text is cut off (wider than the badge shows). */
  const clippedBadges = () =>
    page
      .locator('.mantine-Badge-label')
      .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
  const signIn = async (email: string, password: string) => {
    await field('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await nav('Dashboard');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it("an empty server shows the way to a first licensed application, with this server's URL and key id", async () => {
    await page.goto(`${server.url}/console/`);
    await page.getByRole('heading', { name: 'Welcome to Leasehold' }).waitFor();
    await field('Your name').fill('Ada Vendor');
    await field('Email').fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    const steps = page.getByTestId('getting-started');
    await steps.waitFor();
    expect(await steps.locator('[data-done="false"]').count()).toBe(5);
    const session = (await call('GET', '/v1/session')).body;
    const jwks = (await (await fetch(`${server.url}/.well-known/accounts/${session['accountId']}/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const snippet = page.getByTestId('sdk-snippet');
    await expect.poll(() => snippet.textContent()).toContain(jwks.keys[0]!.kid);
    expect(await snippet.textContent()).toContain(`serverUrl: '${server.url}'`);
    expect(await snippet.textContent()).toContain(`account: '${session['accountId']}'`);
    await shot('getting-started');
  });

  it('the offering form sets every setting, builds activation rules, and keeps its product through a refusal', async () => {
    await call('POST', '/v1/products', { code: 'base', name: 'Base Suite' });
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    for (const [code, name, type] of [
      ['export', 'Export', 'boolean'],
      ['projects', 'Projects', 'numeric'],
      ['renders', 'Renders', 'consumption'],
      ['jobs', 'Jobs', 'pool'],
    ])
      await call('POST', '/v1/products/studio/features', { code, name, type });
    await nav('Offerings');
    await page.getByRole('link', { name: 'New offering' }).click();
    await choose(/^Product/, /^Studio$/);
    await field('Name').fill('Studio Pro');
    await field('Code').fill('studio-pro');
    await page.getByRole('textbox', { name: /^Seats/ }).fill('3');
    await choose(/^Enforcement mode/, /^Warn/);
    await field('Heartbeat window').fill('PT10M');
    await field('Offline lease period').fill('P90D');
    await page.getByRole('checkbox', { name: /Export/ }).check();
    await page.getByRole('textbox', { name: /^Renders/ }).fill('100');
    await choose(/Overage for renders/, /Allow and bill/);
    await page.getByRole('button', { name: '+ Requires a product or offering' }).click();
    await choose(/^Requires an active entitlement to/, /^Base Suite$/);
    await page.getByRole('button', { name: '+ Devices per customer' }).click();
    await page.getByRole('textbox', { name: /^Most devices one customer/ }).fill('4');
    await field('Rehost period').fill('one year');
    await page.getByRole('button', { name: 'Create offering' }).click();
    await page.locator('[id$="-error"]').filter({ hasText: 'Rehost period must be a duration' }).first().waitFor();
    // The refusal changed nothing the person chose: the product is still selected, with its features.
    expect(await page.getByRole('textbox', { name: /^Product/ }).inputValue()).toBe('Studio');
    expect(await page.getByRole('checkbox', { name: /Export/ }).isChecked()).toBe(true);
    await field('Rehost period').fill('P1Y');
    await page.getByRole('button', { name: 'Create offering' }).click();
    await page.getByRole('button', { name: 'Save offering' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Save offering' }).waitFor();
    expect(await page.getByRole('textbox', { name: /^Enforcement mode/ }).inputValue()).toMatch(/^Warn/);
    expect(await field('Heartbeat window').inputValue()).toBe('PT10M');
    expect(await field('Offline lease period').inputValue()).toBe('P90D');
    expect(await page.getByRole('textbox', { name: /Overage for renders/ }).inputValue()).toBe('Allow and bill');
    // The summary names the required product once the product list has loaded (it shows the id until then).
    await expect
      .poll(() => page.getByTestId('rules-summary').textContent())
      .toBe('Requires an active entitlement to Base Suite. At most 4 devices per customer across this product.');
    const saved = (await call('GET', '/v1/offerings/studio-pro')).body;
    expect(saved).toMatchObject({
      enforcementMode: 'warn',
      heartbeatWindow: 'PT10M',
      offlineLeasePeriod: 'P90D',
      rehostPeriod: 'P1Y',
      features: { export: true, renders: { limit: 100, overage: 'bill' } },
      activationRules: [{ type: 'requires' }, { type: 'max_activations_per_customer', limit: 4 }],
    });
    await shot('offering-form');
  });

  it('a support person signs in to a server with customers, licenses and a device', async () => {
    await call('PATCH', '/v1/offerings/studio-pro', { activationRules: [] });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'studio-basic',
      name: 'Studio Basic',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 1,
    });
    const acme = (await call('POST', '/v1/customers', { name: 'Acme Corp', email: 'it@acme.test', externalRef: 'crm-acme' })).body;
    const globex = (await call('POST', '/v1/customers', { name: 'Globex Ltd' })).body;
    const soon = new Date(Date.now() + 20 * DAY).toISOString();
    const a = (
      await call('POST', '/v1/entitlements', { customerId: acme['id'], offeringId: 'studio-pro', orderRef: 'SO-1001', endsAt: soon })
    ).body;
    const g = (await call('POST', '/v1/entitlements', { customerId: globex['id'], offeringId: 'studio-basic', orderRef: 'SO-2002' })).body;
    Object.assign(seeded, { acmeKey: a['key'], acmeEntitlement: a['id'], globexEntitlement: g['id'] });
    const activated = await client(seeded.acmeKey, 'activate', {
      fingerprint: 'c0ffee00c0ffee00c0ffee00',
      name: 'Reception PC',
      platform: 'windows',
      version: '2.1',
    });
    expect(activated.status).toBe(201);
    expect(
      (
        await call('POST', '/v1/staff-users', {
          email: 'ben@vendor.test',
          name: 'Ben Support',
          password: 'a long support passphrase',
          role: 'support',
        })
      ).status,
    ).toBe(201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('ben@vendor.test', 'a long support passphrase');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('support');
    // Started: the first steps are gone; terms ending name the customer, offering and order.
    expect(await page.getByTestId('getting-started').count()).toBe(0);
    const ending = page.getByRole('table', { name: 'Terms ending' });
    await ending.waitFor();
    expect(await ending.textContent()).toMatch(/Acme Corp.*Studio Pro.*SO-1001/);
    expect(await ending.textContent()).not.toMatch(/cus_|off_|ent_/);
    expect(await clippedBadges()).toEqual([]);
    await shot('support-dashboard');
  });

  it('finds a license by the key as read out, by order, by device fingerprint and by email, from the header', async () => {
    const search = page.getByRole('searchbox', { name: /Search licenses/ });
    const spoken = seeded.acmeKey.toLowerCase().replace(/-/g, ' ');
    await search.fill(spoken);
    const byKey = page.getByTestId('found-by-key');
    await byKey.waitFor();
    expect(await byKey.textContent()).toContain('Acme Corp · Studio Pro');
    expect(new URL(page.url()).pathname).toBe('/console/search');
    await shot('search-key');
    await search.fill('SO-2002');
    await expect
      .poll(() =>
        page
          .getByTestId('found-by-order')
          .textContent()
          .catch(() => ''),
      )
      .toContain('Globex Ltd · Studio Basic');
    await search.fill('c0ffee00c0ffee00c0ffee00');
    await expect
      .poll(() =>
        page
          .getByTestId('found-devices')
          .textContent()
          .catch(() => ''),
      )
      .toMatch(/Reception PC.*Acme Corp.*windows/);
    await search.fill('it@acme.test');
    await expect
      .poll(() =>
        page
          .getByTestId('found-customers')
          .textContent()
          .catch(() => ''),
      )
      .toContain('Acme Corp');
    // A reload shows the same results.
    await page.reload();
    await page.getByTestId('found-customers').waitFor();
    expect(await page.getByRole('searchbox', { name: /Search licenses/ }).inputValue()).toBe('it@acme.test');
    const typo = seeded.acmeKey.slice(0, -1) + (seeded.acmeKey.endsWith('A') ? 'B' : 'A');
    await search.fill(typo);
    await page.getByText(/looks like a license key with one symbol wrong/).waitFor();
  });

  it('the entitlement page names who did what, shows feature names and override hints for each type', async () => {
    await page.goto(`${server.url}/console/entitlements/${seeded.acmeEntitlement}`);
    const rights = page.getByRole('table', { name: 'Rights' });
    await rights.waitFor();
    expect(await rights.textContent()).toMatch(/Renders \(renders\)100 per P1M, bill overage/);
    const timeline = page.getByRole('table', { name: 'Events' });
    expect(await timeline.textContent()).toMatch(/by Ada Vendor/);
    expect(await timeline.textContent()).toMatch(/Reception PC.*by the application/);
    expect(await timeline.textContent()).not.toContain('usr_');
    await page.getByRole('button', { name: 'Edit overrides' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit overrides' });
    expect(await dialog.textContent()).toMatch(/Export \(export\)On or off; offering: on/);
    expect(await dialog.textContent()).toMatch(/Jobs \(jobs\)Pool size, a whole number/);
    expect(await dialog.textContent()).toMatch(/Renders \(renders\)Quota per period.*offering: 100 per P1M, bill overage/);
    await shot('overrides-dialog');
    await dialog.getByRole('textbox', { name: /^Renders/ }).fill('250');
    await dialog.getByRole('button', { name: 'Save overrides' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await call('GET', `/v1/entitlements/${seeded.acmeEntitlement}`)).body['overrides']).toEqual({
      features: { renders: { limit: 250, overage: 'bill' } },
    });
    await page.getByRole('tab', { name: 'History' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await expect
      .poll(() => history.locator('tr[data-version="2"]').textContent())
      .toMatch(/Ben Support.*Renders: 250 per P1M, bill overage/);
    expect(await clippedBadges()).toEqual([]);
    await page.getByRole('tab', { name: 'Overview' }).click();
  });

  it('re-keys the license: the new key shows at once and the old one stops', async () => {
    const old = seeded.acmeKey;
    await page.getByRole('button', { name: 'Re-key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Give this license a new key?' });
    await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Key posted on a forum');
    await shot('rekey-dialog');
    await dialog.getByRole('button', { name: 'Issue new key' }).click();
    const fresh = (await dialog.getByTestId('new-license-key').textContent())!.trim();
    expect(fresh).not.toBe(old);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('license-key').textContent()).toContain(fresh);
    expect((await client(old, 'validate', { fingerprint: 'c0ffee00c0ffee00c0ffee00' })).body['code']).toBe('NOT_FOUND');
    expect((await client(fresh, 'validate', { fingerprint: 'c0ffee00c0ffee00c0ffee00' })).body['valid']).toBe(true);
    seeded.acmeKey = fresh;
  });

  it('the event log names who did what and keeps its filters through a reload and the back button', async () => {
    await nav('Event log');
    const log = page.getByRole('table', { name: 'Event log' });
    await log.waitFor();
    await expect.poll(() => log.textContent()).toContain('Ben Support');
    expect(await log.textContent()).toContain('Ada Vendor');
    expect(await log.textContent()).not.toMatch(/usr_|cus_|prod_|off_/);
    expect(await clippedBadges()).toEqual([]);
    await shot('support-events');
    await field('Type').fill('entitlement.*');
    await expect.poll(() => new URL(page.url()).searchParams.get('type')).toBe('entitlement.*');
    await page.reload();
    await expect.poll(() => field('Type').inputValue()).toBe('entitlement.*');
    const types = () =>
      log.locator('[data-event-type]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-event-type')))]);
    await expect.poll(async () => (await types()).every((t) => t?.startsWith('entitlement.'))).toBe(true);
    expect(await types()).toContain('entitlement.rekeyed');
    await log
      .getByRole('link', { name: /Acme Corp/ })
      .first()
      .click();
    await page.getByRole('table', { name: 'Rights' }).waitFor();
    await page.goBack();
    await expect.poll(() => field('Type').inputValue()).toBe('entitlement.*');
  });

  it('the entitlement list keeps its offering filter in the URL', async () => {
    await nav('Entitlements');
    await choose(/Filter by offering/, /^Studio Basic$/);
    await expect.poll(() => new URL(page.url()).searchParams.get('offering')).toBeTruthy();
    const list = page.getByRole('table', { name: 'Entitlements' });
    await expect.poll(() => list.textContent()).not.toContain('Acme Corp');
    await page.reload();
    await expect.poll(() => list.textContent().catch(() => '')).toContain('Globex Ltd');
    expect(await list.textContent()).not.toContain('Acme Corp');
  });

  it('a migration targeted at one customer names who is affected and asks before it runs', async () => {
    await nav('Migrations');
    await choose(/^From offering/, /Studio Basic/);
    await choose(/^To offering/, /Studio Pro/);
    await page.getByRole('textbox', { name: /^Customers/ }).click();
    await page.getByRole('option', { name: 'Globex Ltd' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('checkbox', { name: /Give each a new license key/ }).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    const affected = page.getByLabel('Migration preview').getByTestId('affected-customers');
    await affected.waitFor();
    expect(await affected.textContent()).toBe('Globex Ltd');
    await page.getByRole('button', { name: 'Run migration…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Run this migration?' });
    expect(await confirm.getByTestId('confirm-summary').textContent()).toMatch(
      /1 entitlement of 1 customer move from Studio Basic to Studio Pro; each gets a new license key/,
    );
    expect(await confirm.getByTestId('affected-customers').textContent()).toBe('Globex Ltd');
    await shot('migration-confirm');
    await confirm.getByRole('button', { name: 'Run now' }).click();
    await page.getByLabel('Migration progress').getByText('completed').waitFor({ timeout: 20_000 });
    const history = page.getByRole('table', { name: 'Migrations' });
    await expect.poll(() => history.textContent()).toMatch(/Studio Basic.*Studio Pro.*1 customer.*yes/);
    expect((await call('GET', `/v1/entitlements/${seeded.globexEntitlement}`)).body['offeringId']).toBe(
      (await call('GET', '/v1/offerings/studio-pro')).body['id'],
    );
    expect(await clippedBadges()).toEqual([]);
    await shot('migration-done');
  });

  it('returns the license: every device loses its seat and the page says returned', async () => {
    await page.goto(`${server.url}/console/entitlements/${seeded.acmeEntitlement}`);
    await page.getByRole('button', { name: 'Return' }).click();
    const dialog = page.getByRole('dialog', { name: 'Return this entitlement?' });
    await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Refunded');
    await dialog.getByRole('button', { name: 'Return' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toContain('returned');
    expect((await client(seeded.acmeKey, 'validate', { fingerprint: 'c0ffee00c0ffee00c0ffee00' })).body['valid']).toBe(false);
    expect(await page.getByRole('button', { name: 'Re-key' }).count()).toBe(0);
    await shot('entitlement-returned');
  });

  it('on a tablet the search, the event log, the offering form and migrations fit the screen', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    const fits = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1');
    for (const path of ['search?q=acme', 'events', 'offerings/new', 'migrations']) {
      await page.goto(`${server.url}/console/${path}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await fits(), path).toBe(true);
      expect(await clippedBadges(), path).toEqual([]);
    }
    await shot('migrations-tablet');
  });
});
