import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountStore } from '../../src/platform/store/store.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds, type StoreKind } from '../support/stores.js';

/** What the driver throws when the database is away, as each store's `isUnavailable` knows it. */
function outageError(kind: StoreKind): Error {
  return kind === 'sqlite'
    ? Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' })
    : Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

/**
 * Every NetLicensing route the app has, read from Fastify's route tree (so a route added later is
 * checked without anyone listing it here): `[method, path]` with `:number` filled in.
 */
function netlicensingRoutes(h: Harness): Array<[string, string]> {
  const stack: string[] = [];
  const out: Array<[string, string]> = [];
  for (const line of h.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    if (!path.startsWith('/core/v2/rest/')) continue;
    for (const method of m[3]!.split(', ')) {
      if (method !== 'HEAD') out.push([method, path.replace(/:number/g, 'N-OUTAGE')]);
    }
  }
  return out;
}

/** Routes that answer from memory or refuse before reaching the store, with their answer. */
const NO_STORE: Record<string, number> = {
  'GET /core/v2/rest/utility/licenseTypes': 200,
  'GET /core/v2/rest/utility/licensingModels': 200,
  'GET /core/v2/rest/utility/countries': 200,
  'GET /core/v2/rest/paymentmethod': 200,
  'POST /core/v2/rest/transaction': 400,
  'POST /core/v2/rest/transaction/N-OUTAGE': 400,
};

/** One form complete enough for every create, so each write gets as far as the store. */
const FORM = new URLSearchParams({
  productNumber: 'P-OUTAGE',
  productModuleNumber: 'M-OUTAGE',
  licenseTemplateNumber: 'E-OUTAGE',
  licenseeNumber: 'I-OUTAGE',
  sourceLicenseeNumber: 'I-OTHER',
  name: 'Outage',
  licensingModel: 'Subscription',
  licenseType: 'FEATURE',
  tokenType: 'APIKEY',
  active: 'true',
}).toString();

describe.each(await storeKinds())('the NetLicensing API during a database outage (%s)', (kind) => {
  let h: Harness;
  let routes: Array<[string, string]>;
  const send = (method: string, url: string, accept = 'application/json') =>
    h.app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}`,
        accept,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { payload: FORM } : {}),
    });

  beforeAll(async () => {
    h = await createHarness(kind);
    routes = netlicensingRoutes(h);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => h?.close());

  it('finds every route of the face in the route tree', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContainEqual(['POST', '/core/v2/rest/licensee/N-OUTAGE/validate']);
    expect(routes).toContainEqual(['GET', '/core/v2/rest/licensee']);
  });

  it('with the database away at authentication, every route answers 503 ServiceException with Retry-After', async () => {
    vi.spyOn(h.services.store, 'findApiKeyByHash').mockRejectedValue(outageError(kind));
    for (const [method, url] of routes) {
      const res = await send(method, url);
      expect({ route: `${method} ${url}`, status: res.statusCode, retryAfter: res.headers['retry-after'] }).toEqual({
        route: `${method} ${url}`,
        status: 503,
        retryAfter: '5',
      });
      expect(JSON.parse(res.body)).toMatchObject({
        items: null,
        infos: { info: [{ id: 'ServiceException', type: 'ERROR', value: expect.stringContaining('unavailable') }] },
      });
    }
    // XML clients (the Java client sends no Accept) get the same answer in XML.
    const xml = await send('GET', '/core/v2/rest/licensee', '');
    expect(xml.statusCode).toBe(503);
    expect(xml.body).toContain('<info id="ServiceException" type="error">');
  });

  it('with the database away after authentication, every route that needs it answers 503, none 500', async () => {
    vi.spyOn(AccountStore.prototype, 'read').mockRejectedValue(outageError(kind));
    vi.spyOn(AccountStore.prototype, 'write').mockRejectedValue(outageError(kind));
    for (const [method, url] of routes) {
      const res = await send(method, url);
      const expected = NO_STORE[`${method} ${url}`] ?? 503;
      expect({ route: `${method} ${url}`, status: res.statusCode }).toEqual({ route: `${method} ${url}`, status: expected });
      if (expected === 503) expect(res.headers['retry-after']).toBe('5');
    }
  });

  it('an error that is not an outage is still a 500 ServiceException with a generic message', async () => {
    vi.spyOn(AccountStore.prototype, 'read').mockRejectedValue(new Error('a bug, not an outage'));
    const res = await send('GET', '/core/v2/rest/licensee');
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).not.toContain('a bug');
  });
});
