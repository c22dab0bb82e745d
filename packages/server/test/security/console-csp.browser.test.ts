import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { killAll, removeDir, REPO_ROOT, startServer, tempDataDir, type ServerProcess } from '../support/processes.js';

/**
 * The console and /docs under their Content-Security-Policy in a real browser (Debian's Chromium):
 * the first user signs up, every section of the console renders, the user signs out and in again,
 * and the browser reports no CSP violation on the way — while an inline script slipped into the page
 * is refused, which shows the policy is enforced and that violations would be seen.
 */
const CHROMIUM = process.env['LEASEHOLD_CHROMIUM'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env['CI'] === 'true') {
  throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium).`);
}
if (!available) console.warn(`skipping the CSP browser test: ${CHROMIUM} is missing`);

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

// The page's scripts are given as text: this package is compiled without the DOM's types.
const RECORD_VIOLATIONS = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber }));
`;

describe.skipIf(!available)('the console under its CSP, in a browser', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  /** CSP messages the browser printed to the page's console, and script errors. */
  const consoleProblems: string[] = [];

  const violations = () => page.evaluate<Violation[]>('window.__violations');

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'console', 'build-if-needed.js')], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the console failed');
    dataDir = tempDataDir();
    server = await startServer({ LEASEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    // Every violation the page sees, from the first script on (report-only or enforced alike).
    await page.addInitScript({ content: RECORD_VIOLATIONS });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(`page error: ${error.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAll();
    if (dataDir) removeDir(dataDir);
  });

  it(
    'the console is served with its CSP, signs up, renders every section, signs out and in, with no violation',
    { timeout: 90_000 },
    async () => {
      const res = await page.goto(`${server.url}/console/`);
      expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      await page.getByRole('heading', { name: 'Welcome to Leasehold' }).waitFor();
      await page.getByRole('textbox', { name: /^Your name/ }).fill('Csp Tester');
      await page.getByRole('textbox', { name: /^Email/ }).fill('csp@vendor.test');
      await page.getByLabel(/^Password/).fill('a long enough passphrase');
      await page.getByRole('button', { name: 'Create admin and sign in' }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

      const sections = [
        'Products & features',
        'Offerings',
        'Customers',
        'Entitlements',
        'Migrations',
        'Event log',
        'API keys',
        'Signing keys',
        'Console users',
      ];
      for (const label of sections) {
        await page.getByRole('navigation').getByRole('link', { name: label }).click();
        await expect.poll(() => page.locator('main h1, main h2, main h3').first().isVisible(), { message: label }).toBe(true);
      }
      // Mantine's styles are in effect (its CSS variables and inline style attributes were not refused).
      const rootColor = await page.evaluate<string>(
        "getComputedStyle(document.documentElement).getPropertyValue('--mantine-color-blue-filled').trim()",
      );
      expect(rootColor).not.toBe('');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByRole('textbox', { name: /^Email/ }).fill('csp@vendor.test');
      await page.getByLabel(/^Password/).fill('a long enough passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Signed in again, back on the page it was on.
      await page.getByRole('heading', { name: 'Console users' }).waitFor();
      expect(await page.getByTestId('signed-in-as').textContent()).toContain('Csp Tester');

      expect(await violations()).toEqual([]);
      expect(consoleProblems).toEqual([]);
    },
  );

  it('an inline script slipped into the console is refused and reported: the policy is enforced', async () => {
    await page.evaluate(`{
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true;';
      document.body.appendChild(script);
    }`);
    await expect.poll(async () => (await violations()).length).toBeGreaterThan(0);
    expect((await violations())[0]!.directive).toMatch(/^script-src/);
    expect(await page.evaluate('window.__inlineRan')).toBeUndefined();
    expect(consoleProblems.some((m) => /Content Security Policy/.test(m))).toBe(true);
    consoleProblems.length = 0;
  });

  it('/docs renders the API reference under its own CSP with no violation', { timeout: 90_000 }, async () => {
    const res = await page.goto(`${server.url}/docs`);
    expect(res?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    // Swagger UI renders the whole API reference first: slow on a busy machine.
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 45_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('Leasehold API');
    expect(await violations()).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
