import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS } from './browser.js';

/**
 * Releases in the console, in Debian's Chromium, against a real server: a draft created, a file
 * uploaded with a progress bar (the upload throttled so the bar is seen), a rollout whose affected
 * count is shown before it is saved, publishing, a license's download and a device's upgrade
 * showing up as downloads and adoption, and yanking.
 */
describe.skipIf(!available)('releases in the console, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  let acme: { customer: string; license: string };
  let globex: { customer: string; license: string };
  let releaseId = '';
  const bytes = randomBytes(3 * 1024 * 1024);

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, key, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const asLicense = (license: string, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `License ${license}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const activate = async (license: string, fingerprint: string, platform: string, version: string) =>
    expect((await asLicense(license, 'POST', '/v1/client/activate', { fingerprint, platform, version })).status).toBeLessThan(300);
  const figure = (name: string) => page.getByTestId(name).textContent();

  beforeAll(async () => {
    // The console is built (when its sources changed) before the server that serves it starts.
    browser = await launchBrowser();
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    key = server.bannerKey()!;
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it('creates a draft release and uploads a file with a progress bar', async () => {
    await page.goto(`${server.url}/console/`);
    await page.getByRole('heading', { name: 'Welcome to Leasehold' }).waitFor();
    await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
    await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
    await page.getByLabel(/^Password/).fill('a long vendor passphrase');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The catalog and the fleet, made over the API once the admin exists (an empty server welcomes).
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 5,
    });
    const customer = async (name: string) => {
      const c = await call('POST', '/v1/customers', { name });
      const e = await call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'pro' });
      return { customer: c.id as string, license: e.key as string };
    };
    acme = await customer('Acme');
    globex = await customer('Globex');
    await activate(acme.license, 'acme-device-0001', 'linux', '1.0.0');
    await activate(acme.license, 'acme-device-0002', 'linux', '1.0.0');
    await activate(globex.license, 'globex-device-01', 'linux', '1.0.0');
    await activate(globex.license, 'globex-device-02', 'windows', '1.0.0');
    await page.getByRole('navigation').getByRole('link', { name: 'Releases' }).click();
    const form = page.getByRole('form', { name: 'New release' });
    await form.getByRole('textbox', { name: /^Version/ }).fill('1.1');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await form.getByText('Version needs at least 5 characters.').waitFor();
    await form.getByRole('textbox', { name: /^Version/ }).fill('1.1.0');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/releases\/rel_/);
    releaseId = /\/releases\/(rel_\w+)/.exec(page.url())![1]!;
    await page.getByText('draft', { exact: true }).first().waitFor();

    await page.locator('input[type=file]').setInputFiles({ name: 'studio-1.1.0.tar.gz', mimeType: 'application/gzip', buffer: bytes });
    // 3 MB at 1 MB/s: the bar is on screen long enough to be seen and photographed.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024,
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    const bar = page.getByRole('progressbar').first();
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'release-upload-progress.png'), fullPage: true });
    await bar.waitFor({ state: 'detached', timeout: 20_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const artifacts = page.getByRole('table', { name: 'Artifacts' });
    await artifacts.getByText('uploaded').waitFor();
    const digest = createHash('sha256').update(bytes).digest('hex');
    await artifacts.getByText(digest.slice(0, 16)).waitFor();
    await artifacts.getByText(String(bytes.length)).waitFor();
  });

  it('counts the customers and devices a rollout affects before saving it, then publishes', async () => {
    const card = page.getByLabel('Rollout', { exact: true });
    await card.getByRole('textbox', { name: 'Customers (ids)' }).fill(acme.customer);
    await card.getByRole('textbox', { name: 'Current version range' }).fill('~1.0');
    await card.getByRole('button', { name: 'Count affected' }).click();
    await card
      .getByRole('alert')
      .getByText(/range of semantic versions/)
      .waitFor();
    await card.getByRole('textbox', { name: 'Current version range' }).fill('>=1.0.0 <1.1.0');
    await card.getByRole('textbox', { name: 'Platforms' }).fill('linux');
    await card.getByRole('button', { name: 'Count affected' }).click();
    await page.getByLabel('Rollout preview').waitFor();
    expect(await figure('preview-Affected customers')).toBe('1');
    expect(await figure('preview-Devices to upgrade')).toBe('2');
    // Untargeted (saved nothing yet), the release reaches every device of both customers.
    expect(await figure('audience-Devices to upgrade')).toBe('4');
    await page.screenshot({ path: join(SHOTS, 'release-rollout-preview.png'), fullPage: true });
    await card.getByRole('button', { name: 'Save rollout' }).click();
    await expect.poll(() => figure('audience-Devices to upgrade')).toBe('2');
    expect(await figure('audience-Affected customers')).toBe('1');
    await page.getByLabel('Rollout', { exact: true }).getByText('targeted').waitFor();
    expect((await call('GET', `/v1/releases/${releaseId}`)).rollout).toMatchObject({ customers: [acme.customer], platforms: ['linux'] });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('published', { exact: true }).first().waitFor();
    const offered = async (license: string, fingerprint: string) => {
      const res = await asLicense(license, 'GET', `/v1/client/releases/upgrade?version=1.0.0&fingerprint=${fingerprint}`);
      const body = (await res.json()) as { release: { version: string } | null };
      return body.release?.version ?? null;
    };
    expect(await offered(acme.license, 'acme-device-0001')).toBe('1.1.0');
    expect(await offered(globex.license, 'globex-device-01')).toBeNull();
  });

  it('shows who downloaded it and how many devices upgraded, then yanks it', async () => {
    const artifact = (await call('GET', `/v1/releases/${releaseId}/artifacts`)).data[0];
    const got = await asLicense(acme.license, 'GET', `/v1/client/artifacts/${artifact.id}?fingerprint=acme-device-0001`);
    expect(got.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await got.arrayBuffer()))
        .digest('hex'),
    ).toBe(artifact.sha256);
    await activate(acme.license, 'acme-device-0001', 'linux', '1.1.0');
    await page.reload();
    const downloads = page.getByRole('table', { name: 'Downloads' });
    await downloads.getByText(acme.customer).waitFor();
    await downloads.getByText('acme-device-0001').waitFor();
    expect(await figure('audience-Upgraded devices')).toBe('1');
    expect(await figure('audience-Devices to upgrade')).toBe('1');
    expect(await figure('audience-On this version or newer')).toBe('50 %');
    await page.getByText(/1 downloads/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'release-downloads-adoption.png'), fullPage: true });

    await page.getByRole('button', { name: 'Yank' }).click();
    await page.getByText('yanked', { exact: true }).first().waitFor();
    const refused = await asLicense(acme.license, 'GET', `/v1/client/artifacts/${artifact.id}`);
    expect(refused.status).toBe(403);
    await page.screenshot({ path: join(SHOTS, 'release-yanked.png'), fullPage: true });
    await page.getByRole('navigation').getByRole('link', { name: 'Releases' }).click();
    const table = page.getByRole('table', { name: 'Releases' });
    await table.getByText('1.1.0').waitFor();
    await table.getByText('yanked').waitFor();
    await page.screenshot({ path: join(SHOTS, 'releases.png'), fullPage: true });
  });
});
