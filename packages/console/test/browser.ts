import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../server/test/support/processes.js';

/** Debian's Chromium, driven by playwright-core; never a downloaded browser. */
export const CHROMIUM = process.env['LEASEHOLD_CHROMIUM'] ?? '/usr/bin/chromium';
/** Where screenshots go (LEASEHOLD_SHOTS overrides, to look at them elsewhere). */
export const SHOTS = process.env['LEASEHOLD_SHOTS'] ?? join(REPO_ROOT, 'test-results', 'console');
export const available = existsSync(CHROMIUM);
if (!available && process.env['CI'] === 'true') {
  throw new Error(`${CHROMIUM} is missing: the console's browser tests need Debian's chromium (apt-get install chromium).`);
}
if (!available) console.warn(`skipping the console browser tests: ${CHROMIUM} is missing`);

/** Builds the console if its sources changed, and starts a headless Chromium (`extraArgs`: e.g. host resolver rules). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'console', 'build-if-needed.js')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the console failed');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Opens the console of an empty server and creates its first admin through the welcome form. */
export async function signUpAdmin(page: Page, serverUrl: string): Promise<void> {
  await page.goto(`${serverUrl}/console/`);
  await page.getByRole('heading', { name: 'Welcome to Leasehold' }).waitFor();
  await page.getByRole('textbox', { name: /^Your name/ }).fill('Ada Vendor');
  await page.getByRole('textbox', { name: /^Email/ }).fill('ada@vendor.test');
  await page.getByLabel(/^Password/).fill('a long vendor passphrase');
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}
