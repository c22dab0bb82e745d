import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Leasehold, type OpenOptions } from '../../sdk/src/index.js';
import { killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS } from './browser.js';

/**
 * A vendor's day in the console, in Debian's Chromium driven by playwright-core: first sign-in, a
 * product with features and two offerings, a customer and an entitlement, a device activating
 * through the SDK, an offering change with its preview, a suspension, and every step in the event log.
 * Screenshots of the main pages go to test-results/console/.
 */
describe.skipIf(!available)('the console, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const cacheDir = tempDataDir();
  let licenseKey = '';
  let entitlementUrl = '';

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const nav = (label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click();
  const field = (name: RegExp | string) => page.getByRole('textbox', { name: typeof name === 'string' ? new RegExp(`^${name}`) : name });
  const choose = async (label: RegExp, option: RegExp) => {
    await page.getByRole('textbox', { name: label }).click();
    await page.getByRole('option', { name: option }).click();
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await launchBrowser();
    // A laptop-sized window; the tablet check below narrows it.
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
    removeDir(cacheDir);
  });

  it('the first user sets up the server and lands on the dashboard', async () => {
    await page.goto(`${server.url}/console/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Leasehold' }).isVisible()).toBe(true);
    await field('Your name').fill('Ada Vendor');
    await field('Email').fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    // The server's validation message appears next to the password field.
    await expect
      .poll(() =>
        page
          .getByText(/must NOT have fewer than 10 characters|at least 10/i)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Ada Vendor');
  });

  it('creates a product with its features: on/off, numeric, metered and a pool', async () => {
    await nav('Products & features');
    await page.getByRole('button', { name: 'New product' }).click();
    await field('Name').fill('Studio');
    await field('Code').fill('studio');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('heading', { name: 'Studio' }).waitFor();
    for (const [name, code, type] of [
      ['Export', 'export', null],
      ['Projects', 'projects', /^numeric$/],
      ['Renders', 'renders', /^consumption$/],
      ['Jobs', 'jobs', /^pool$/],
    ] as const) {
      await field('Feature name').fill(name);
      await field('Feature code').fill(code);
      if (type) await choose(/^Type/, type);
      await page.getByRole('button', { name: 'Add feature' }).click();
      await page.getByRole('table', { name: 'Features' }).getByRole('cell', { name, exact: true }).waitFor();
    }
    await shot('product');
  });

  it('creates two offerings, showing a server validation error next to its field', async () => {
    for (const o of [
      { name: 'Studio Pro', code: 'studio-pro', seats: '3', projects: '10', exportOn: true },
      { name: 'Studio Basic', code: 'studio-basic', seats: '1', projects: '3', exportOn: false },
    ]) {
      await nav('Products & features');
      await page
        .getByRole('row', { name: /Studio/ })
        .first()
        .click();
      await page.getByRole('link', { name: 'New offering' }).click();
      await page.getByRole('heading', { name: 'New offering' }).waitFor();
      await field('Name').fill(o.name);
      await field('Code').fill(o.code);
      await page.getByRole('textbox', { name: /^Seats/ }).fill(o.seats);
      await page.getByRole('textbox', { name: /^Projects/ }).fill(o.projects);
      if (o.exportOn) await page.getByRole('checkbox', { name: /Export/ }).check();
      if (o.code === 'studio-pro') {
        await page.getByRole('textbox', { name: /^Renders/ }).fill('100');
        await page.getByRole('textbox', { name: /^Jobs/ }).fill('2');
      }
      if (o.code === 'studio-pro') {
        await field('Lease period').fill('seven days');
        await page.getByRole('button', { name: 'Create offering' }).click();
        // The schema's refusal, said for a person next to its field (not "must match pattern …").
        const error = page.locator('[id$="-error"]').filter({ hasText: 'Lease period must be a duration such as P7D (7 days)' });
        await error.first().waitFor();
        expect(
          await page
            .locator('[id$="-error"]')
            .filter({ hasText: /pattern/ })
            .count(),
        ).toBe(0);
        await field('Lease period').fill('P7D');
      }
      await page.getByRole('button', { name: 'Create offering' }).click();
      await page.getByRole('button', { name: 'Save offering' }).waitFor();
    }
    await shot('offering');
    await nav('Offerings');
    await page.getByRole('cell', { name: 'Studio Basic' }).waitFor();
    await shot('offerings');
  });

  it('refuses to delete a feature an offering still sets, saying which and what to do', async () => {
    await nav('Products & features');
    await page
      .getByRole('row', { name: /Studio/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Delete feature export' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    const refusal = page.getByRole('dialog').locator('[data-code="IN_USE"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/studio-pro.*Remove the feature from these offerings first/);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('table', { name: 'Features' }).getByRole('cell', { name: 'Export', exact: true }).waitFor();
  });

  it('creates a customer, finds it by search, and gives it an entitlement', async () => {
    await nav('Customers');
    await page.getByRole('button', { name: 'New customer' }).click();
    await field('Name').fill('Acme Corp');
    await field('Email').fill('it@acme.test');
    await field('External reference').fill('crm-acme');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    await nav('Customers');
    // Search as you type, kept in the URL.
    await page.getByRole('searchbox', { name: /Search name/ }).fill('acme');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('acme');
    await page.getByRole('row', { name: /Acme Corp/ }).click();
    await choose(/^Offering/, /Studio Pro/);
    await field('Order reference').fill('SO-1001');
    await page.getByRole('button', { name: 'Create entitlement' }).click();
    await page.getByTestId('license-key').waitFor();
    licenseKey = (await page.getByTestId('license-key').textContent())!.trim();
    entitlementUrl = page.url();
    expect(licenseKey).toMatch(/^[A-Z0-9-]{16,}$/);
    const seats = page.getByRole('table', { name: 'Rights' }).locator('tr[data-right="Seats"]');
    expect(await seats.textContent()).toContain('3');
  });

  it('a device activated through the SDK appears on the entitlement page', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as OpenOptions['publicKeys'];
    const license = await Leasehold.open({
      serverUrl: server.url,
      product: 'studio',
      publicKeys: jwks,
      cacheDir,
      fingerprint: 'f'.repeat(64),
      device: { name: 'Ada’s laptop', platform: 'linux', hostname: 'ada-laptop' },
    });
    try {
      await license.activate(licenseKey);
      expect(license.hasFeature('export')).toBe(true);
    } finally {
      await license.close();
    }
    await page.reload();
    const activations = page.getByRole('table', { name: 'Activations' });
    await activations.getByText('Ada’s laptop').waitFor();
    expect(await activations.textContent()).toContain('linux');
    await page.getByRole('table', { name: 'Leases' }).waitFor();
    await shot('entitlement');
  });

  it("shows this period's quota and the pool's holders once the device reports usage", async () => {
    const client = (path: string, body: unknown) =>
      fetch(`${server.url}/v1/client/${path}`, {
        method: 'POST',
        headers: { authorization: `License ${licenseKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ fingerprint: 'f'.repeat(64), ...(body as object) }),
      });
    const usage = await client('usage', { records: [{ feature: 'renders', quantity: 25, idempotencyKey: 'render-1' }] });
    expect(usage.status).toBe(200);
    expect((await client('pools/jobs/checkout', { count: 1 })).status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.getByTestId('quota-renders').textContent()).toMatch(/^25 \/ 100/);
    const quota = page.getByRole('table', { name: 'Quotas this period' }).locator('tr[data-quota="renders"]');
    expect(await quota.textContent()).toMatch(/75/);
    const pool = page.getByRole('table', { name: 'Pools' }).locator('tr[data-pool="jobs"]');
    expect(await pool.textContent()).toMatch(/1 \/ 2.*Ada’s laptop × 1/);
    await shot('entitlement-usage');
  });

  let beforeChange = new Date();
  it('changes the offering after previewing its impact', async () => {
    beforeChange = new Date();
    await page.getByRole('button', { name: 'Change offering' }).click();
    await choose(/^New offering/, /Studio Basic/);
    await page.getByRole('button', { name: 'Preview impact' }).click();
    const preview = page.getByLabel('Impact preview');
    await preview.waitFor();
    expect(await preview.textContent()).toMatch(/Seats31/);
    await shot('change-offering-preview');
    await page.getByRole('button', { name: 'Confirm change' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect
      .poll(async () => page.getByRole('table', { name: 'Rights' }).locator('tr[data-right="Seats"]').textContent())
      .toMatch(/^Seats11$/);
  });

  it('shows the history, the rights as they stood before the change, and reverts it', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await history.waitFor();
    expect(await history.locator('tr[data-version="2"]').textContent()).toMatch(
      /Ada Vendor.*entitlement\.offering_changed.*offeringId: Studio Pro → Studio Basic/,
    );
    const pad = (n: number) => String(n).padStart(2, '0');
    const b = beforeChange;
    const local = `${b.getFullYear()}-${pad(b.getMonth() + 1)}-${pad(b.getDate())}T${pad(b.getHours())}:${pad(b.getMinutes())}:${pad(b.getSeconds())}`;
    await page.getByLabel(/^As of/).fill(local);
    await page.getByRole('button', { name: 'Show rights then' }).click();
    const asOf = page.getByRole('table', { name: 'Rights as of' });
    await asOf.waitFor();
    expect(await asOf.locator('tr[data-right="Offering"]').textContent()).toContain('Studio Pro');
    expect(await asOf.locator('tr[data-right="Seats"]').textContent()).toBe('Seats3');
    await shot('entitlement-history');
    await history.locator('tr[data-version="1"]').getByRole('button', { name: 'Revert to this version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revert to version 1?' });
    // The confirmation says exactly what changes: the offering, now → then, and the status.
    await expect.poll(async () => dialog.getByTestId('revert-changes').textContent()).toMatch(/OfferingStudio BasicStudio Pro/);
    expect(await dialog.getByTestId('revert-status').textContent()).toBe('Status: active — unchanged.');
    await dialog.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(() => history.locator('tr[data-version="3"]').textContent()).toMatch(/entitlement\.reverted/);
    await page.getByRole('tab', { name: 'Overview' }).click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Rights' }).locator('tr[data-right="Seats"]').textContent())
      .toMatch(/^Seats33$/);
  });

  it('suspends the entitlement', async () => {
    await page.getByRole('button', { name: 'Suspend' }).click();
    await field('Reason').fill('Invoice overdue');
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toContain('suspended');
  });

  it('reverts a suspended entitlement without lifting the suspension unless asked', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await history.locator('tr[data-version="2"]').getByRole('button', { name: 'Revert to this version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revert to version 2?' });
    const status = dialog.getByTestId('revert-status');
    await expect.poll(() => status.textContent()).toBe('Status: suspended — kept. Version 2 was active.');
    await dialog.getByRole('checkbox', { name: /Also make it active again/ }).check();
    expect(await status.textContent()).toBe('Status: suspended → active (restored, as you asked).');
    await dialog.getByRole('checkbox', { name: /Also make it active again/ }).uncheck();
    await shot('revert-keeps-suspension');
    await dialog.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(() => history.locator('tr[data-version="5"]').textContent()).toMatch(/entitlement\.reverted/);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toContain('suspended');
    await page.getByRole('tab', { name: 'Overview' }).click();
  });

  it('edits the customer, and refuses to delete one that holds an entitlement', async () => {
    await page.getByRole('link', { name: 'customer', exact: true }).click();
    await page.getByRole('button', { name: 'Edit customer' }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: /^Name/ }).fill('Acme Corporation');
    await page
      .getByRole('dialog')
      .getByRole('textbox', { name: /^Email/ })
      .fill('licensing@acme.test');
    await page.getByRole('button', { name: 'Save customer' }).click();
    await page.getByRole('heading', { name: 'Acme Corporation' }).waitFor();
    expect(await page.getByText('licensing@acme.test · crm-acme').count()).toBe(1);
    await page.getByRole('button', { name: 'Delete customer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog')
      .locator('[data-code="IN_USE"]')
      .getByText(/holds 1 entitlement/)
      .waitFor();
    await shot('customer-delete-refused');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('finds every step in the event log, and filters it', async () => {
    await nav('Event log');
    const log = page.getByRole('table', { name: 'Event log' });
    await log.waitFor();
    const types = async () => log.locator('[data-event-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-event-type')));
    await expect
      .poll(types)
      .toEqual(
        expect.arrayContaining([
          'staff_user.created',
          'product.created',
          'feature.created',
          'offering.created',
          'customer.created',
          'entitlement.created',
          'activation.created',
          'entitlement.offering_changed',
          'entitlement.reverted',
          'entitlement.suspended',
          'customer.updated',
        ]),
      );
    expect(await log.textContent()).toContain('Ada Vendor');
    expect(await log.textContent()).not.toContain('usr_');
    await shot('events');
    await field('Type').fill('entitlement.*');
    await expect.poll(() => new URL(page.url()).searchParams.get('type')).toBe('entitlement.*');
    await expect
      .poll(async () => new Set(await types()))
      .toEqual(new Set(['entitlement.created', 'entitlement.offering_changed', 'entitlement.reverted', 'entitlement.suspended']));
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toContain('type=entitlement.*');
  });

  it('rotating the signing key says first what happens to applications that carry the old key, and when', async () => {
    await nav('Signing keys');
    await page.getByTestId('jwks-url').waitFor();
    expect(await page.getByTestId('jwks-url').textContent()).toMatch(/\/\.well-known\/accounts\/acc_\w+\/jwks\.json$/);
    const before = await page.getByText(/^key_/).count();
    await page.getByRole('button', { name: 'Rotate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing key?' });
    expect(await dialog.textContent()).toMatch(/refuse the new leases.*stop when it expires.*Rotate only when the old key must go/s);
    await shot('rotate-signing-key');
    await dialog.getByRole('button', { name: 'Rotate now' }).click();
    await expect.poll(() => page.getByText(/^key_/).count()).toBe(before + 1);
    await expect.poll(() => page.getByText(/· retired /).count()).toBeGreaterThanOrEqual(1);
  });

  it('the dashboard charts activations and the layout fits a tablet', async () => {
    await nav('Dashboard');
    await page.getByText('Activations over 30 days').waitFor();
    await page.locator('.recharts-surface').first().waitFor();
    await shot('dashboard');
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(entitlementUrl);
    await page.getByRole('table', { name: 'Rights' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling on a tablet.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await shot('api-keys-tablet');
  });
});
