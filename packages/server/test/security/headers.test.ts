import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { App } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness, buildCheckedApp } from '../support/harness.js';

/**
 * Security headers on every kind of answer: the API's (which a browser must never render, frame or
 * sniff), the console's pages (a CSP that lets the built app run and nothing else), /docs, and
 * Strict-Transport-Security only when configured. Headers do not depend on the store: SQLite only.
 */
const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

/** A CSP header as directive → sources. */
function directives(csp: unknown): Map<string, string[]> {
  expect(typeof csp).toBe('string');
  return new Map(
    String(csp)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  let h: Harness;
  let licenseKey: string;
  let limited: App;
  let hsts: App;

  beforeAll(async () => {
    h = await createHarness('sqlite');
    const { offering, customer } = await seedCatalog(h);
    licenseKey = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body.key;
    limited = await buildCheckedApp(h.services, { rateLimits: { clientPerKey: 1, clientPerAddress: 100, signInPerAddress: 100 } });
    hsts = await buildCheckedApp(h.services, { hstsMaxAge: 15_552_000 });
  });
  afterAll(async () => {
    await limited?.close();
    await hsts?.close();
    await h?.close();
  });

  const expectApiHeaders = (headers: Record<string, unknown>, what: string) => {
    expect(headers['content-security-policy'], what).toBe(API_CSP);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
    expect(headers['strict-transport-security'], what).toBeUndefined();
  };

  it('every kind of API answer carries a CSP that allows nothing, nosniff, DENY framing and no referrer; no HSTS unless configured', async () => {
    const answers: Array<[string, number, Awaited<ReturnType<Harness['call']>>]> = [
      ['a read', 200, await h.call('GET', '/v1/products')],
      ['a write', 201, await h.call('POST', '/v1/customers', { name: 'Headers Inc' })],
      ['no key', 401, await h.call('GET', '/v1/products', undefined, { key: null })],
      ['a bad body', 400, await h.call('POST', '/v1/customers', { name: 7 })],
      ['an unknown route', 404, await h.call('GET', '/v1/nothing-here')],
      ['the JWKS', 200, await h.call('GET', `/.well-known/jwks.json?account=${h.accountId}`, undefined, { key: null })],
      ['health', 200, await h.call('GET', '/healthz', undefined, { key: null })],
      [
        'the client API',
        200,
        await h.call(
          'POST',
          '/v1/client/validate',
          { fingerprint: 'hdr-device-01' },
          { key: null, headers: { authorization: `License ${licenseKey}` } },
        ),
      ],
      [
        'the NetLicensing face',
        200,
        await h.call('GET', '/core/v2/rest/product', undefined, {
          key: null,
          headers: { authorization: `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}`, accept: 'application/json' },
        }),
      ],
      ['the OpenAPI document', 200, await h.call('GET', '/openapi.json', undefined, { key: null })],
    ];
    for (const [what, status, res] of answers) {
      expect(res.status, what).toBe(status);
      expectApiHeaders(res.headers, what);
    }

    // A 429 from the rate limit (answered before authentication) carries them too.
    const validate = () =>
      limited.inject({ method: 'POST', url: '/v1/client/validate', headers: { authorization: `License ${licenseKey}` }, payload: {} });
    expect((await validate()).statusCode).toBe(200);
    const tooMany = await validate();
    expect(tooMany.statusCode).toBe(429);
    expectApiHeaders(tooMany.headers, 'a 429');
  });

  it('console pages get a same-origin CSP with no inline or eval script, no framing and a same-origin referrer', async () => {
    for (const url of ['/console', '/console/', '/console/entitlements/ent_x']) {
      const res = await h.call('GET', url, undefined, { key: null });
      expect(res.status, url).toBe(200);
      const csp = directives(res.headers['content-security-policy']);
      expect(csp.get('default-src'), url).toEqual(["'self'"]);
      expect(csp.get('script-src'), url).toEqual(["'self'"]);
      expect(csp.get('connect-src'), url).toEqual(["'self'"]);
      expect(csp.get('object-src'), url).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors'), url).toEqual(["'none'"]);
      expect(csp.get('base-uri'), url).toEqual(["'self'"]);
      // Mantine writes style attributes and <style> elements: styles may be inline, scripts never.
      expect(csp.get('style-src'), url).toEqual(["'self'", "'unsafe-inline'"]);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('same-origin');
    }
    const page = await h.call('GET', '/console/', undefined, { key: null });
    // The built page loads its script from a file: nothing inline that the CSP would block.
    expect(String(page.body)).toMatch(/<script[^>]*\bsrc="\/console\/assets\/[^"]+\.js"/);
    expect(String(page.body)).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("the console's static files cannot be left: dot segments and encoded separators never reach a file outside its build", async () => {
    const page = String((await h.call('GET', '/console/', undefined, { key: null })).body);
    for (const url of [
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/assets/..%2f..%2fpackage.json',
      '/console/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/assets/..%5c..%5cpackage.json',
      '/console/..%2f..%2f..%2fpackage.json',
      '/console/assets/%252e%252e%252fpackage.json',
    ]) {
      const res = await h.call('GET', url, undefined, { key: null });
      const body = String(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
      expect(body, url).not.toMatch(/"name":\s*"@?leasehold/);
      expect(body, url).not.toContain('"devDependencies"');
      if (res.status === 200) expect(body, url).toBe(page);
      else expect([400, 403, 404], url).toContain(res.status);
    }
  });

  it('/docs gets a CSP of its own that still allows no framing', async () => {
    const res = await h.call('GET', '/docs/', undefined, { key: null });
    expect(res.status).toBe(200);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('Strict-Transport-Security is sent, on every answer, only when LEASEHOLD_HSTS sets a max-age', async () => {
    for (const url of ['/v1/products', '/console/', '/healthz']) {
      const res = await hsts.inject({ method: 'GET', url, headers: { authorization: `Bearer ${h.adminKey}` } });
      expect(res.headers['strict-transport-security'], url).toBe('max-age=15552000');
      expect((await h.call('GET', url)).headers['strict-transport-security'], url).toBeUndefined();
    }
    expect(loadConfig({}).hstsMaxAge).toBe(0);
    expect(loadConfig({ LEASEHOLD_HSTS: '31536000' }).hstsMaxAge).toBe(31_536_000);
    expect(() => loadConfig({ LEASEHOLD_HSTS: 'yes' })).toThrow(/LEASEHOLD_HSTS/);
  });
});
