import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from './route-kit.js';

/** Where Vite writes the built console (`npm run build -w packages/console`). */
export const CONSOLE_DIST = resolve(fileURLToPath(new URL('../../../../console/dist', import.meta.url)));

/**
 * Same-origin only: scripts and styles from /console itself (Mantine sets style attributes, hence
 * 'unsafe-inline' for styles only), API calls to this server, no framing, no plugins.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Leasehold console</title>
<p>The console has not been built. Run <code>npm run build:console</code> (npm install does it too) and reload.</p>`;

/**
 * The management console at /console: the Vite build as static files, and index.html for every
 * other path under /console so client-side routes survive a reload. `/` sends people there.
 */
export async function consoleSite(app: App, dist = CONSOLE_DIST): Promise<void> {
  await app.register(async (scope) => {
    // nosniff, X-Frame-Options DENY and the rest come from the app-wide security headers; the console's
    // pages need a CSP that lets them run, where the API's allows nothing.
    scope.addHook('onSend', async (request, reply, payload) => {
      reply.header('content-security-policy', CONSOLE_CSP);
      reply.header('referrer-policy', 'same-origin');
      // Hashed asset names never change content; the page itself is always revalidated.
      reply.header('cache-control', request.url.startsWith('/console/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      return payload;
    });

    const built = existsSync(join(dist, 'index.html'));
    if (built) {
      await scope.register(fastifyStatic, { root: dist, prefix: '/console/', wildcard: false, index: false, cacheControl: false });
    }
    const page = async (_req: unknown, reply: import('fastify').FastifyReply) =>
      built ? reply.type('text/html; charset=utf-8').sendFile('index.html') : reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    scope.get('/console', { schema: { hide: true } }, page);
    scope.get('/console/*', { schema: { hide: true } }, async (req, reply) => {
      // A missing asset is a 404, not the page: a stale tab must not parse HTML as JavaScript.
      if (req.url.startsWith('/console/assets/')) return reply.code(404).type('text/plain').send('Not found');
      return page(req, reply);
    });
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/'));
}
