import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_RATE_LIMITS } from '../../src/platform/http/rate-limit.js';
import type { App } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness, buildCheckedApp } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

describe.each(await storeKinds())('rate limits on %s', (kind) => {
  let h: Harness;
  let app: App;
  let keys: string[];

  beforeAll(async () => {
    h = await createHarness(kind);
    // Small limits on a second app over the same services, so the tests need few requests.
    app = await buildCheckedApp(h.services, { rateLimits: { clientPerKey: 5, clientPerAddress: 8, signInPerAddress: 3 } });
    const { offering, customer } = await seedCatalog(h);
    keys = [];
    for (let i = 0; i < 3; i++) {
      keys.push((await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body.key);
    }
  });

  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const validate = (key: string, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/client/validate',
      remoteAddress,
      headers: { authorization: `License ${key}` },
      payload: {},
    });
  const signIn = (remoteAddress: string, password = 'wrong password') =>
    app.inject({ method: 'POST', url: '/v1/session', remoteAddress, payload: { email: 'someone@vendor.test', password } });

  it('a license key past its limit gets 429 with Retry-After, and a token back as time passes', async () => {
    for (let i = 0; i < 5; i++) expect((await validate(keys[0]!, '10.0.0.1')).statusCode).toBe(200);
    const limited = await validate(keys[0]!, '10.0.0.2'); // another address: the key's own limit
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('12'); // 5 a minute: one every 12 s
    expect(limited.json().error).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      details: { retryAfterSeconds: 12 },
      requestId: limited.headers['x-request-id'],
    });
    expect((await validate(keys[1]!, '10.0.0.2')).statusCode).toBe(200); // other keys are not held back
    h.clock.advance(12_000);
    expect((await validate(keys[0]!, '10.0.0.3')).statusCode).toBe(200);
    expect((await validate(keys[0]!, '10.0.0.3')).statusCode).toBe(429);
  });

  it('an address past its limit gets 429 whatever the key, before the key is looked up', async () => {
    h.clock.advance(60_000);
    for (let i = 0; i < 8; i++) expect((await validate(keys[i % 3]!, '10.0.1.1')).statusCode).toBe(200);
    expect((await validate(keys[2]!, '10.0.1.1')).statusCode).toBe(429);
    const unknownKey = await validate('NOT-A-KEY', '10.0.1.1');
    expect(unknownKey.statusCode).toBe(429);
    expect(unknownKey.headers['retry-after']).toBe('8'); // 8 a minute: one every 7.5 s
    expect((await validate(keys[2]!, '10.0.1.2')).statusCode).toBe(200);
  });

  it('sign-in attempts are limited per address, and the failed-sign-in throttle also sends Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('10.0.2.1')).statusCode).toBe(401);
    const limited = await signIn('10.0.2.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('20');
    expect(limited.json().error.code).toBe('TOO_MANY_REQUESTS');

    // Five failures for one email trip the failed-sign-in throttle (from other addresses).
    for (let i = 0; i < 5; i++)
      expect(
        (await h.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'x@vendor.test', password: 'nope' } })).statusCode,
      ).toBe(401);
    const throttled = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'x@vendor.test', password: 'nope' } });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBe(throttled.json().error.details.retryAfterSeconds);
  });

  it('the default limits leave room for normal use and 0 turns a limit off', async () => {
    const open = await buildCheckedApp(h.services, { rateLimits: { clientPerKey: 0, clientPerAddress: 0, signInPerAddress: 0 } });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await open.inject({
          method: 'POST',
          url: '/v1/client/validate',
          headers: { authorization: `License ${keys[0]}` },
          payload: {},
        });
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await open.close();
    }
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(loadConfig({ LEASEHOLD_RATE_CLIENT_KEY: '0', LEASEHOLD_RATE_SIGN_IN: '5' }).rateLimits).toMatchObject({
      clientPerKey: 0,
      signInPerAddress: 5,
    });
    expect(() => loadConfig({ LEASEHOLD_RATE_CLIENT_ADDRESS: '-1' })).toThrow(/LEASEHOLD_RATE_CLIENT_ADDRESS/);
  });
});
