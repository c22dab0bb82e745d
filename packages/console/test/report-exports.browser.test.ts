import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS, signUpAdmin } from './browser.js';

/** The UI loads asynchronously (a page, then its requests): polls wait up to this. */
const soon = { timeout: 10_000 };

/**
 * The scheduled exports page in Chromium against a real server (no SMTP server, private networks
 * refused, as by default): a loopback URL and an email destination are refused with the server's
 * sentence under the field and nothing created; a public URL is scheduled and listed as the API
 * lists it, with its signing secret shown once; a run whose saved report was deleted shows as
 * failed with the server's reason; an export paused from its row is paused in the API and shows
 * so, and resumed runs again from now; a deleted export leaves the API's list.
 */
describe.skipIf(!available)('scheduled report exports, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(server.url, key, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const exports = async () => (await call('GET', '/v1/report-exports')).data as Array<Record<string, unknown>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    key = server.bannerKey()!;
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  /** The server's sentence under an input, as Mantine ties it to the input (aria-describedby). */
  const errorOf = async (input: Locator) => {
    if ((await input.getAttribute('aria-invalid')) !== 'true') return null;
    const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.includes('error'));
    return ids.length ? page.locator(`[id="${ids[0]}"]`).innerText() : null;
  };
  const choose = async (label: RegExp, option: string) => {
    await page.getByRole('textbox', { name: label }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };

  it('refuses what the server refuses beside the field, schedules, lists, runs and deletes exports', async () => {
    await signUpAdmin(page, server.url);
    const weekly = await call('POST', '/v1/saved-reports', {
      name: 'Seats by platform',
      query: { measures: ['activations'], dimensions: ['platform'], granularity: 'day' },
    });
    const doomed = await call('POST', '/v1/saved-reports', { name: 'Doomed', query: { measures: ['events'], granularity: 'none' } });

    await page.goto(`${server.url}/console/reports/exports`);
    await page.getByText('No scheduled exports yet').waitFor();
    await choose(/^Saved report/, 'Seats by platform');
    await choose(/^Cadence/, 'Weekly, Mondays (last ISO week)');
    await choose(/^At/, '07:00 UTC');
    const url = page.getByRole('textbox', { name: /^URL/ });

    // The SSRF guard refuses a loopback address: its sentence under the URL, nothing created.
    await url.fill('https://127.0.0.1/leasehold');
    await page.getByRole('button', { name: 'Schedule export' }).click();
    await expect.poll(() => errorOf(url), soon).toMatch(/^The export URL resolves to 127\.0\.0\.1, a loopback, private/);
    expect(await exports()).toEqual([]);

    // No SMTP server: email is refused under the address.
    await page.getByText('Email', { exact: true }).click();
    const email = page.getByRole('textbox', { name: /^Email address/ });
    await email.fill('finance@vendor.test');
    await page.getByRole('button', { name: 'Schedule export' }).click();
    await expect.poll(() => errorOf(email), soon).toContain('no SMTP server configured (LEASEHOLD_SMTP_URL)');
    expect(await exports()).toEqual([]);
    expect(await page.getByRole('table', { name: 'Scheduled exports' }).count()).toBe(0);

    // A public address is scheduled; the secret is shown once and the row is the API's.
    await page.getByText('HTTPS endpoint', { exact: true }).click();
    await url.fill('https://93.184.215.14/leasehold');
    await page.getByRole('button', { name: 'Schedule export' }).click();
    await expect.poll(() => page.getByTestId('export-secret').innerText(), soon).toMatch(/whsec_/);
    const [made] = await exports();
    expect(made).toMatchObject({
      savedReportId: weekly.id,
      cadence: 'weekly',
      hour: 7,
      destination: { kind: 'url', url: 'https://93.184.215.14/leasehold' },
    });
    expect(await errorOf(url)).toBeNull();
    const table = page.getByRole('table', { name: 'Scheduled exports' });
    const row = (id: unknown) => table.locator(`tr[data-export="${String(id)}"]`);
    await expect.poll(() => row(made!['id']).innerText(), soon).toContain('Seats by platform');
    expect(await row(made!['id']).innerText()).toContain('weekly at 07:00 UTC');
    expect(await row(made!['id']).innerText()).toContain('https://93.184.215.14/leasehold');
    expect(await row(made!['id']).getByTestId('last-run').innerText()).toBe('—');

    // A second export, of a saved report deleted afterwards: run now, it fails with the server's reason.
    await choose(/^Saved report/, 'Doomed');
    await url.fill('https://93.184.215.14/doomed');
    await page.getByRole('button', { name: 'Schedule export' }).click();
    await expect.poll(async () => (await exports()).length, soon).toBe(2);
    const other = (await exports()).find((x) => x['savedReportId'] === doomed.id)!;
    await call('DELETE', `/v1/saved-reports/${doomed.id}`);
    await expect.poll(() => row(other['id']).count(), soon).toBe(1);
    await row(other['id']).getByRole('button', { name: 'Run now' }).click();
    const lastRun = row(other['id']).getByTestId('last-run');
    await expect.poll(() => lastRun.innerText(), soon).toMatch(/^failed/i);
    const [run] = (await call('GET', `/v1/report-exports/${String(other['id'])}/runs`)).data;
    expect(run).toMatchObject({ status: 'failed', trigger: 'manual', attempts: 1, error: 'the saved report was deleted' });
    expect(await lastRun.innerText()).toContain('the saved report was deleted');
    expect(await lastRun.innerText()).toContain('1 attempt');
    await page.screenshot({ path: join(SHOTS, 'report-exports.png'), fullPage: true });

    // Pause the first export from its row: the API reports it paused and the row says so; resume it.
    const byId = async (id: unknown) => (await call('GET', `/v1/report-exports/${String(id)}`)) as Record<string, unknown>;
    // (The badge's text, as the DOM has it: Mantine shows it in capitals.)
    const nextRun = row(made!['id']).getByTestId('next-run');
    expect(await nextRun.textContent()).not.toBe('paused');
    await row(made!['id']).getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(async () => (await byId(made!['id']))['paused'], soon).toBe(true);
    expect(typeof (await byId(made!['id']))['pausedAt']).toBe('string');
    await expect.poll(() => nextRun.textContent(), soon).toBe('paused');
    expect((await byId(other['id']))['paused']).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'report-exports-paused.png'), fullPage: true });
    await row(made!['id']).getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(async () => (await byId(made!['id']))['paused'], soon).toBe(false);
    const resumed = await byId(made!['id']);
    expect(resumed['pausedAt']).toBeNull();
    expect(Date.parse(String(resumed['nextRunAt']))).toBeGreaterThan(Date.now() - 60_000);
    await expect.poll(() => nextRun.textContent(), soon).not.toBe('paused');
    await row(made!['id']).getByRole('button', { name: 'Pause', exact: true }).waitFor();

    // Deleting the first export removes it from the server and the list.
    await row(made!['id']).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await exports()).map((x) => x['id']), soon).toEqual([other['id']]);
    await expect.poll(() => row(made!['id']).count(), soon).toBe(0);
  }, 60_000);
});
