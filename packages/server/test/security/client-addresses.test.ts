import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseTrustProxy } from '../../src/config.js';
import type { App } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness, buildCheckedApp } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/**
 * Rate limits are kept per license key and per client address, on every client route and on
 * sign-in; the client address is the connection's unless LEASEHOLD_TRUST_PROXY names the proxy in
 * front, and then it is the one that proxy put in X-Forwarded-For — which a client cannot forge.
 */
describe.each(await storeKinds())('rate limits by key and client address on %s', (kind) => {
  let h: Harness;
  let keys: string[];
  let clientRoutes: string[];
  const apps: App[] = [];
  const appWith = async (options: Parameters<typeof buildCheckedApp>[1]) => {
    const app = await buildCheckedApp(h.services, options);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    const { offering, customer } = await seedCatalog(h);
    keys = [];
    for (let i = 0; i < 2; i++)
      keys.push((await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body.key);
    const document = (await h.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    clientRoutes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v1/client/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, 'x')}`));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await h?.close();
  });

  const send = (app: App, route: string, opts: { key?: string; remoteAddress: string; forwardedFor?: string }) => {
    const [method, url] = route.split(' ') as [string, string];
    const headers: Record<string, string> = {};
    if (opts.key) headers['authorization'] = `License ${opts.key}`;
    if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
    return app.inject({ method: method as 'POST', url, headers, remoteAddress: opts.remoteAddress, payload: {} });
  };
  const validate = (app: App, remoteAddress: string, forwardedFor?: string, key = keys[0]!) =>
    send(app, 'POST /v1/client/validate', { key, remoteAddress, ...(forwardedFor ? { forwardedFor } : {}) });
  const signIn = (app: App, remoteAddress: string, forwardedFor?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/session',
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      payload: { email: 'nobody@vendor.test', password: 'not the password' },
    });

  it('every client route counts against the address, whatever it answers, and against the license key', async () => {
    expect(clientRoutes.length).toBeGreaterThanOrEqual(8);
    const perAddress = await appWith({ rateLimits: { clientPerKey: 0, clientPerAddress: clientRoutes.length, signInPerAddress: 0 } });
    for (const route of clientRoutes) {
      const res = await send(perAddress, route, { key: keys[0]!, remoteAddress: '10.1.0.1' });
      expect(res.statusCode, route).not.toBe(429);
    }
    for (const route of clientRoutes) expect((await send(perAddress, route, { remoteAddress: '10.1.0.1' })).statusCode, route).toBe(429);
    expect((await send(perAddress, clientRoutes[0]!, { key: keys[0]!, remoteAddress: '10.1.0.2' })).statusCode).not.toBe(429);

    const perKey = await appWith({ rateLimits: { clientPerKey: clientRoutes.length, clientPerAddress: 0, signInPerAddress: 0 } });
    for (const [i, route] of clientRoutes.entries()) {
      expect((await send(perKey, route, { key: keys[0]!, remoteAddress: `10.2.0.${i + 1}` })).statusCode, route).not.toBe(429);
    }
    for (const route of clientRoutes) {
      expect((await send(perKey, route, { key: keys[0]!, remoteAddress: '10.2.1.1' })).statusCode, route).toBe(429);
    }
    // The same key written differently (lower case, no dashes) is the same key.
    const variant = keys[0]!.toLowerCase().replace(/-/g, '');
    expect((await send(perKey, 'POST /v1/client/validate', { key: variant, remoteAddress: '10.2.1.2' })).statusCode).toBe(429);
    expect((await send(perKey, 'POST /v1/client/validate', { key: keys[1]!, remoteAddress: '10.2.1.2' })).statusCode).toBe(200);
  });

  it('without LEASEHOLD_TRUST_PROXY, X-Forwarded-For is ignored: a client cannot get a fresh address by writing one', async () => {
    const app = await appWith({ rateLimits: { clientPerKey: 0, clientPerAddress: 2, signInPerAddress: 2 } });
    expect((await validate(app, '10.3.0.1', '198.51.100.1')).statusCode).toBe(200);
    expect((await validate(app, '10.3.0.1', '198.51.100.2')).statusCode).toBe(200);
    expect((await validate(app, '10.3.0.1', '198.51.100.3')).statusCode).toBe(429);
    expect((await signIn(app, '10.3.0.1', '198.51.100.1')).statusCode).toBe(401);
    expect((await signIn(app, '10.3.0.1', '198.51.100.2')).statusCode).toBe(401);
    expect((await signIn(app, '10.3.0.1', '198.51.100.3')).statusCode).toBe(429);
  });

  it('behind a trusted proxy each client has its own limit, taken from the address the proxy forwarded', async () => {
    const app = await appWith({
      trustProxy: ['10.4.0.1'],
      rateLimits: { clientPerKey: 0, clientPerAddress: 2, signInPerAddress: 2 },
    });
    for (const client of ['198.51.100.10', '198.51.100.11']) {
      expect((await validate(app, '10.4.0.1', client)).statusCode, client).toBe(200);
      expect((await validate(app, '10.4.0.1', client)).statusCode, client).toBe(200);
      expect((await validate(app, '10.4.0.1', client)).statusCode, client).toBe(429);
    }
    // A client that prepends its own entry is still known by the address the proxy appended.
    expect((await validate(app, '10.4.0.1', '203.0.113.99, 198.51.100.10')).statusCode).toBe(429);
    // Straight from an address that is not the proxy, the header is the client's own word: ignored.
    expect((await validate(app, '10.4.0.2', '198.51.100.20')).statusCode).toBe(200);
    expect((await validate(app, '10.4.0.2', '198.51.100.21')).statusCode).toBe(200);
    expect((await validate(app, '10.4.0.2', '198.51.100.22')).statusCode).toBe(429);
    // Sign-in: the per-address limit and the failed-sign-in throttle both see the forwarded address.
    expect((await signIn(app, '10.4.0.1', '198.51.100.30')).statusCode).toBe(401);
    expect((await signIn(app, '10.4.0.1', '198.51.100.30')).statusCode).toBe(401);
    expect((await signIn(app, '10.4.0.1', '198.51.100.30')).statusCode).toBe(429);
    expect((await signIn(app, '10.4.0.1', '198.51.100.31')).statusCode).toBe(401);
  });

  it('a hop count trusts that many proxies in front, whatever their addresses', async () => {
    const app = await appWith({ trustProxy: 1, rateLimits: { clientPerKey: 0, clientPerAddress: 1, signInPerAddress: 0 } });
    expect((await validate(app, '10.5.0.1', '198.51.100.40')).statusCode).toBe(200);
    expect((await validate(app, '10.5.0.2', '203.0.113.1, 198.51.100.40')).statusCode).toBe(429);
    expect((await validate(app, '10.5.0.1', '198.51.100.41')).statusCode).toBe(200);
  });

  it('LEASEHOLD_TRUST_PROXY takes false, true, a hop count or addresses and CIDRs, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16,::1,fd00::/8,loopback')).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['yes', '10.0.0.256', '10.0.0.0/33', '10.0.0.1/8/8', 'proxy.internal', '10.0.0.1,,10.0.0.2', '-1']) {
      expect(() => loadConfig({ LEASEHOLD_TRUST_PROXY: bad }), bad).toThrow(/LEASEHOLD_TRUST_PROXY/);
    }
  });
});
