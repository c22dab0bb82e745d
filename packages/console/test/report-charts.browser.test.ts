import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, killAll, removeDir, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { available, launchBrowser, SHOTS, signUpAdmin } from './browser.js';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The UI loads asynchronously (a page, then its queries): polls wait up to this. */
const soon = { timeout: 10_000 };

/**
 * The custom report builder's chart and filters, and the dashboard's figures, in Chromium against
 * a real server: devices on ten platforms chart as the eight largest and "other" over each day of
 * the range, a platform filter narrows the rows and the chart to its value, and each dashboard
 * figure is the figure of the report it links to.
 */
describe.skipIf(!available)('report chart, filters and dashboard figures, in a browser', () => {
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
  const client = (licenseKey: string, path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `License ${licenseKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // Ten platforms: os-0 has three devices, os-1…os-7 two, os-8 and os-9 one each (folded into "other").
  const devices = Array.from({ length: 10 }, (_, i) => (i === 0 ? 3 : i < 8 ? 2 : 1));
  const total = devices.reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = tempDataDir();
    // Validation counts are written each second, so refusals reach the store within the test.
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LEASEHOLD_VALIDATION_FLUSH_MS: '1000', LOG_LEVEL: 'warn' });
    key = server.bannerKey()!;
    page = await browser.newPage({ viewport: { width: 1366, height: 1000 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  /** The fleet both tests read, made once: devices on ten platforms, all in the reporting store. */
  let made: Promise<void> | null = null;
  let fleetKey = '';
  const fleet = () => (made ??= makeFleet());
  async function makeFleet() {
    await signUpAdmin(page, server.url);
    await call('POST', '/v1/products', { code: 'studio', name: 'Studio' });
    await call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'pro',
      name: 'Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 50,
    });
    const c = await call('POST', '/v1/customers', { name: 'Acme' });
    const e = await call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'pro' });
    fleetKey = e.key;
    for (const [i, n] of devices.entries())
      for (let j = 0; j < n; j++) {
        const res = await client(e.key, '/v1/client/activate', { fingerprint: `chart-${i}-${j}`, platform: `os-${i}`, version: '1.0.0' });
        expect(res.status).toBe(201);
      }
    await expect
      .poll(
        async () => (await call('POST', '/v1/reports/query', { measures: ['activations'], granularity: 'none' })).rows[0]?.activations ?? 0,
        {
          timeout: 15_000,
        },
      )
      .toBe(total);
  }

  /** The chart's points, as the builder marks them: series, period and value. */
  const points = () =>
    page
      .getByLabel('Custom report chart')
      .locator('circle.builder-point')
      .evaluateAll((els) =>
        els.map((el) => ({ series: el.dataset['series']!, period: el.dataset['period']!, value: Number(el.dataset['value']) })),
      );
  const bySeries = async () => {
    const out: Record<string, { points: number; sum: number }> = {};
    for (const p of await points()) {
      const s = (out[p.series] ??= { points: 0, sum: 0 });
      s.points++;
      s.sum += p.value;
    }
    return out;
  };

  it('charts the eight largest platforms and "other" over each day of the range, and a filter narrows it', async () => {
    await fleet();
    const from = day(Date.now() - 6 * DAY);
    const to = day(Date.now() + DAY);
    await page.goto(`${server.url}/console/reports/custom?m=activations&d=platform&granularity=day&from=${from}&to=${to}`);
    const expected: Record<string, { points: number; sum: number }> = {
      ...Object.fromEntries(devices.slice(0, 8).map((n, i) => [`os-${i}`, { points: 7, sum: n }])),
      'other (2 more)': { points: 7, sum: 2 },
    };
    await expect.poll(bySeries, soon).toEqual(expected);
    await expect.poll(() => page.getByTestId('builder-chart-note').innerText(), soon).toContain('the 8 largest of 10 platform values');
    expect(await page.locator('.recharts-legend-item').allInnerTexts()).toContain('other (2 more)');
    await page.screenshot({ path: join(SHOTS, 'report-builder-chart.png'), fullPage: true });

    // The platform filter offers the values the store holds; choosing one narrows the rows and the chart.
    await page.getByRole('textbox', { name: 'Platforms' }).click();
    await page.getByRole('option', { name: 'os-9', exact: true }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url(), soon).toContain('fplatform=os-9');
    const rows = page.getByRole('table', { name: 'Query rows' });
    await expect
      .poll(async () => (await rows.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(1).join(' ')), soon)
      .toEqual(['os-9 1']);
    await expect.poll(bySeries, soon).toEqual({ 'os-9': { points: 7, sum: 1 } });

    // Without dimensions: a line per measure, the filter still applied.
    await page.goto(
      `${server.url}/console/reports/custom?m=activations,deactivations&granularity=day&from=${from}&to=${to}&fplatform=os-0,os-1`,
    );
    await expect.poll(bySeries, soon).toEqual({ activations: { points: 7, sum: 5 }, deactivations: { points: 7, sum: 0 } });
  }, 60_000);

  it('shows on the dashboard the figures of the reports each one links to', async () => {
    await fleet();
    // Refusals: an entitlement suspended and validated three times; one valid validation beside them.
    const c = await call('POST', '/v1/customers', { name: 'Refused Ltd' });
    const s = await call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'pro' });
    await call('POST', `/v1/entitlements/${s.id}/suspend`, {});
    for (let i = 0; i < 3; i++)
      expect(((await (await client(s.key, '/v1/client/validate', {})).json()) as { code: string }).code).toBe('SUSPENDED');
    const refused = async () =>
      (await call('GET', '/v1/reports/validations?by=none')).rows.reduce((n: number, r: { refused: number }) => n + r.refused, 0);
    await expect.poll(refused, { timeout: 15_000 }).toBe(3);
    // Two devices give their seats back: devices in use (deployment) fall to 17, activations stay 19.
    for (const fingerprint of ['chart-8-0', 'chart-9-0'])
      expect((await client(fleetKey, '/v1/client/deactivate', { fingerprint })).status).toBe(204);
    const inUse = total - 2;
    const deployed = async () => (await call('GET', '/v1/reports/deployment?by=none&granularity=month')).rows.at(-1)?.end;
    await expect.poll(deployed, { timeout: 15_000 }).toBe(inUse);

    await page.goto(`${server.url}/console/`);
    const figure = (label: string) => page.locator(`[data-figure="${label}"]`);
    const value = async (label: string) => Number((await figure(label).innerText()).split('\n').at(-1));
    await expect.poll(() => value('Devices in use now'), soon).toBe(inUse);
    expect(await value('Activations (30 days)')).toBe(total);
    expect(await value('Activations this week')).toBe(total);
    expect(await value('Validations refused (30 days)')).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'dashboard-figures.png'), fullPage: true });

    // Each figure opens its report, which shows the same figure.
    const reportRows = page.getByRole('table', { name: 'Report rows' });
    const cells = async () => (await reportRows.locator('tbody tr').allInnerTexts()).map((t) => t.split('\t').map((x) => x.trim()));
    await figure('Validations refused (30 days)').click();
    await expect.poll(() => page.url(), soon).toContain('report=validations');
    // By code: the SUSPENDED row counts the three refusals.
    await expect.poll(async () => (await cells()).find((r) => r[1] === 'SUSPENDED')?.[3], soon).toBe('3');

    await page.goBack();
    await figure('Devices in use now').click();
    await expect.poll(() => page.url(), soon).toContain('report=deployment');
    // Seats in use, by none: the latest period's closing level (the `end` column) is the figure.
    const column = async (name: string) =>
      (await reportRows.locator('thead th').allInnerTexts()).map((t) => t.trim().toLowerCase()).indexOf(name);
    await expect.poll(() => column('end'), soon).toBeGreaterThan(1);
    const end = await column('end');
    await expect.poll(async () => (await cells()).at(-1)?.[end], soon).toBe(String(inUse));

    await page.goBack();
    await figure('Activations this week').click();
    await expect.poll(() => page.url(), soon).toContain('granularity=week');
    await expect.poll(async () => (await cells()).reduce((n, r) => n + Number(r[2]), 0), soon).toBe(total);
  }, 60_000);
});
