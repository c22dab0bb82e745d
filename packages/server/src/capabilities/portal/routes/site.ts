import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { App } from '../../../platform/http/route-kit.js';
import { CONSOLE_CSP, CONSOLE_DIST } from '../../../platform/http/console.js';

// The console's policy, but a vendor's logo (branding: an https:// URL) may come from their own CDN.
const PORTAL_CSP = CONSOLE_CSP.replace("img-src 'self' data:", "img-src 'self' data: https:");

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Customer portal</title>
<p>The portal has not been built. Run <code>npm run build:console</code> (npm install does it too) and reload.</p>`;

/**
 * The customer portal's web app at /portal: one page of the console's build (its scripts and
 * styles are the console's assets), answered for every path under /portal so the links it mails
 * (`/portal/accept#token=…`, `/portal/sign-in#link=…`) and a reload land on it.
 */
export function portalSite(app: App, dist = CONSOLE_DIST): void {
  let page: Promise<string> | undefined;
  const send = async (_req: unknown, reply: FastifyReply) => {
    page ??= readFile(join(dist, 'portal.html'), 'utf8').catch(() => NOT_BUILT);
    return reply
      .header('content-security-policy', PORTAL_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(await page);
  };
  app.get('/portal', { schema: { hide: true } }, send);
  app.get('/portal/*', { schema: { hide: true } }, send);
}
