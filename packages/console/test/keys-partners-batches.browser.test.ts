import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS } from './browser.js';

/**
 * Key generators, partner code batches and batch activations in the console, in Debian's
 * Chromium against a real server (its background jobs generate the codes and work through the
 * devices): a pattern generator set for an offering (the next entitlement's key has its shape), a
 * partner and a batch of codes watched until ready, downloaded as CSV and checked for
 * authenticity, and a CSV of devices larger than the seats activated with the surplus refused and
 * the offline leases downloaded. Screenshots: test-results/console/{key-generators,code-batch,activation-batch}.png.
 */
describe.skipIf(!available)('key generators, partner codes and batch activations in the console', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let key = '';
  const dataDir = tempDataDir();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, key, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const nav = (label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click();
  const choose = async (label: RegExp, option: RegExp) => {
    await page.getByRole('textbox', { name: label }).click();
    await page.getByRole('option', { name: option }).click();
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    key = server.bannerKey()!;
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/console/`);
    await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
    await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/offerings', { productId: 'studio', code: 'pro', name: 'Pro', licenseModel: 'perpetual', seats: 3 });
    await call('POST', '/v1/offerings', { productId: 'studio', code: 'retail', name: 'Retail', licenseModel: 'perpetual', seats: 1 });
    // The names the console loaded at sign-in predate the catalog: load the page again.
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    removeDir(dataDir);
  });

  it('sets a pattern generator for one offering, and the next entitlement of it gets a key of that pattern', async () => {
    await nav('Key generators');
    await page.getByRole('heading', { name: 'Key generators' }).waitFor();
    await page.getByText('No generators: every license key is the built-in random key.').waitFor();
    await page.getByRole('button', { name: 'New generator' }).click();
    const form = page.getByRole('form', { name: 'New key generator' });
    await choose(/^Product/, /^Studio$/);
    await choose(/^Offering/, /^Pro$/);
    await form.getByRole('textbox', { name: /^Pattern/ }).fill('{PRODUCT}-XX-#');
    // A pattern with too little randomness is refused with the server's reason, next to the field.
    await form.getByRole('button', { name: 'Create generator' }).click();
    await form.getByText(/bits of randomness; at least 20 are needed/).waitFor();
    await form.getByRole('textbox', { name: /^Pattern/ }).fill('{PRODUCT}-XXXX-XXXX-####');
    await form.getByRole('button', { name: 'Create generator' }).click();
    const table = page.getByRole('table', { name: 'Key generators' });
    await expect.poll(() => table.innerText()).toMatch(/Studio\s+Pro\s+pattern\s+\{PRODUCT\}-XXXX-XXXX-####/);
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await shot('key-generators');

    const customer = await call('POST', '/v1/customers', { name: 'Initech' });
    const pro = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro' });
    expect(pro.key).toMatch(/^STUDIO-[0-9A-Z]{4}-[0-9A-Z]{4}-\d{4}-[0-9A-Z]$/);
    const retail = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'retail' });
    expect(retail.key).not.toMatch(/^STUDIO-/);
  });

  it('orders a code batch for a new partner, watches it generate, downloads the CSV and checks a code', async () => {
    await nav('Partners & codes');
    await page.getByRole('heading', { name: 'Partners & codes' }).waitFor();
    await page.getByRole('button', { name: 'New partner' }).click();
    const partnerForm = page.getByRole('form', { name: 'New partner' });
    await partnerForm.getByRole('textbox', { name: /^Name/ }).fill('Box Shop');
    await partnerForm.getByRole('textbox', { name: /^External reference/ }).fill('box-shop');
    await partnerForm.getByRole('button', { name: 'Create partner' }).click();
    await page.getByRole('table', { name: 'Partners' }).getByText('Box Shop').waitFor();

    await page.getByRole('button', { name: 'New code batch' }).click();
    const batchForm = page.getByRole('form', { name: 'New code batch' });
    await choose(/^Partner/, /^Box Shop$/);
    await choose(/^Offering/, /^Retail \(retail\)$/);
    await batchForm.getByRole('textbox', { name: /^Quantity/ }).fill('1200');
    await batchForm.getByRole('button', { name: 'Generate codes' }).click();

    // The batch page follows the background job until every code exists.
    await page.getByRole('heading', { name: 'Codes for Box Shop' }).waitFor();
    await page.getByText('1200 of 1200 codes generated').waitFor({ timeout: 30_000 });
    await page.getByText('ready', { exact: true }).waitFor();
    await expect.poll(() => page.locator('[data-figure=outstanding]').textContent()).toBe('1200');
    const codes = page.getByRole('table', { name: 'Codes' });
    await expect.poll(() => codes.getByRole('row').count()).toBe(26);
    await shot('code-batch');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('serial,code,state,redeemedAt,entitlementId');
    expect(lines).toHaveLength(1201);
    const first = lines[1]!.split(',')[1]!;
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1])).size).toBe(1200);

    // A customer redeems one code; the console's check then says it is authentic and spent.
    const redeemed = await fetch(`${server.url}/v1/client/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: first, customer: { name: 'Hooli', email: 'it@hooli.test' } }),
    });
    expect(redeemed.status).toBe(201);
    await nav('Partners & codes');
    const check = page.getByRole('form', { name: 'Check a code' });
    await check.getByRole('textbox', { name: 'Check a code' }).fill(first.toLowerCase());
    await check.getByRole('button', { name: 'Check' }).click();
    await page
      .getByLabel('Code check result')
      .getByText(/^Authentic: issued for Box Shop, Retail; redeemed, cannot be redeemed\.$/)
      .waitFor();
    const forged = `${first.slice(0, -2)}${first.at(-2) === 'A' ? 'B' : 'A'}${first.at(-1)}`;
    await check.getByRole('textbox', { name: 'Check a code' }).fill(forged);
    await check.getByRole('button', { name: 'Check' }).click();
    await page
      .getByLabel('Code check result')
      .getByText(/^Not (a valid code|authentic)/)
      .waitFor();
    await expect
      .poll(() => page.getByRole('table', { name: 'Code batches' }).innerText())
      .toMatch(/Box Shop\s+Retail\s+1200\s+ready\s+1 of 1200/i);
  });

  it('uploads a CSV of devices for an entitlement: what fits is activated, the rest refused, and the leases download', async () => {
    const customer = await call('POST', '/v1/customers', { name: 'Globex' });
    const ent = await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'pro' });
    await page.reload();
    await nav('Batch activations');
    await page.getByRole('heading', { name: 'Batch activations' }).waitFor();
    await choose(/^Entitlement/, new RegExp(`Globex · Pro · 3 seats · ${ent.id}`));
    const csv = 'fingerprint,name,platform\n' + [1, 2, 3, 4, 5].map((n) => `line-${n},Line ${n},linux`).join('\n') + '\n';
    await page.locator('input[type=file]').setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Start batch' }).click();

    await page.getByRole('heading', { name: 'Batch: activate 5 devices' }).waitFor();
    await page.getByText('5 of 5 devices done').waitFor({ timeout: 30_000 });
    await page.getByLabel('Batch results').getByText('3 activated · 2 refused').waitFor();
    await page.getByLabel('Refusals').getByText('Refused: SEAT_LIMIT_REACHED 2').waitFor();
    const devices = page.getByRole('table', { name: 'Batch devices' });
    await expect.poll(() => devices.getByRole('row').count()).toBe(6);
    await page.getByText('Refused (2)').click();
    await expect.poll(() => devices.getByRole('row').count()).toBe(3);
    await expect.poll(() => devices.getByRole('row').nth(1).innerText()).toMatch(/4\s+line-4\s+refused\s+SEAT_LIMIT_REACHED/i);
    await shot('activation-batch');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download offline leases' }).click(),
    ]);
    const leases = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fingerprint: string; format: string });
    expect(leases.map((l) => l.fingerprint)).toEqual(['line-1', 'line-2', 'line-3']);
    expect(leases.every((l) => l.format === 'leasehold-offline-response')).toBe(true);
    const activations = await call('GET', `/v1/entitlements/${ent.id}/activations`);
    expect(activations.data).toHaveLength(3);
  });
});
