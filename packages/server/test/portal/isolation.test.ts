import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { asLicense, fp } from '../support/client.js';
import { accept, tokenOfUrl, type PortalClient } from './support.js';
import { generateCodes } from '../../src/capabilities/partners/generate.js';

/** One customer's things: what another customer's session aims at. */
interface Target {
  customerId: string;
  entitlementId: string;
  activationId: string;
  userId: string;
  key: string;
  /** A partner code of the target's vendor: redeemed by the target already (same vendor), or still issued (another vendor). */
  code: string;
}

/**
 * Every /v1/portal route that needs a portal session, aimed at another customer's ids. Written out
 * here and compared with the server's route table, so a new portal route without a row fails.
 * `own`: the route names no id (its customer is the session's); its answer must show nothing of the target.
 */
const ROWS: Record<string, { own?: boolean; statuses?: number[]; request: (t: Target) => { url: string; body?: unknown } }> = {
  'GET /v1/portal/entitlements': { own: true, request: () => ({ url: '/v1/portal/entitlements' }) },
  'GET /v1/portal/entitlements/:id': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}` }) },
  'POST /v1/portal/entitlements/:id/key': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/key` }) },
  'GET /v1/portal/entitlements/:id/devices': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/devices` }) },
  'DELETE /v1/portal/devices/:id': { request: (t) => ({ url: `/v1/portal/devices/${t.activationId}` }) },
  'GET /v1/portal/users': { own: true, request: () => ({ url: '/v1/portal/users' }) },
  // The invitation's customer is the session's: a body naming another customer is refused as unknown input.
  'POST /v1/portal/users': {
    request: (t) => ({ url: '/v1/portal/users', body: { email: 'x@other.test', name: 'X', role: 'member', customerId: t.customerId } }),
  },
  'DELETE /v1/portal/users/:id': { request: (t) => ({ url: `/v1/portal/users/${t.userId}` }) },
  'GET /v1/portal/history': { own: true, request: () => ({ url: '/v1/portal/history' }) },
  // Self-service beyond entitlements and devices (seats, offline, usage, downloads, codes).
  'GET /v1/portal/entitlements/:id/seats': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/seats` }) },
  'GET /v1/portal/seats': { own: true, request: () => ({ url: '/v1/portal/seats' }) },
  'POST /v1/portal/entitlements/:id/seats': {
    request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/seats`, body: { portalUserId: t.userId } }),
  },
  'DELETE /v1/portal/entitlements/:id/seats/:userId': {
    request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/seats/${t.userId}` }),
  },
  'POST /v1/portal/offline-activations': {
    request: (t) => ({
      url: '/v1/portal/offline-activations',
      body: {
        format: 'leasehold-offline-request',
        v: 1,
        product: 'studio',
        fingerprint: fp('aimed-offline'),
        licenseKey: t.key,
        nonce: 'nonce-aimed-0123456789abcdef',
        createdAt: '2026-03-01T00:00:00.000Z',
      },
    }),
  },
  'GET /v1/portal/entitlements/:id/usage': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/usage` }) },
  'GET /v1/portal/usage/statement': {
    request: (t) => ({
      url: `/v1/portal/usage/statement?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&entitlement=${t.entitlementId}`,
    }),
  },
  'GET /v1/portal/entitlements/:id/releases': { request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/releases` }) },
  'POST /v1/portal/entitlements/:id/artifacts/:artifactId/download': {
    request: (t) => ({ url: `/v1/portal/entitlements/${t.entitlementId}/artifacts/art_00000000000000000000000000/download` }),
  },
  // A code is the vendor's, not a customer's: the target's own redeemed code is refused as redeemed, another vendor's as unknown.
  'POST /v1/portal/redemptions': { statuses: [409, 422], request: (t) => ({ url: '/v1/portal/redemptions', body: { code: t.code } }) },
};

describe.each(await storeKinds())("one customer's portal session reaches nothing of another's (%s)", (kind) => {
  let h: Harness;
  let other: { accountId: string; adminKey: string };
  let a: PortalClient;
  let b: Target;
  let c: Target;
  let staffCookie: string;

  /** A customer with an entitlement, an active device and a joined portal admin, in the account of `key`. */
  async function customerWithPortal(name: string, key: string): Promise<Target & { client: PortalClient }> {
    const customer = (await h.call('POST', '/v1/customers', { name }, { key })).body;
    const ent = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'studio-pro' }, { key })).body;
    const activated = await asLicense(h, ent.key)('activate', { fingerprint: fp(`${name}-device`) });
    const invited = await h.call(
      'POST',
      `/v1/customers/${customer.id}/portal-users`,
      { email: `admin@${name}.test`, name, role: 'admin' },
      { key },
    );
    if (invited.status !== 201) throw new Error(`invite: ${JSON.stringify(invited.body)}`);
    const client = await accept(h, tokenOfUrl(invited.body.invitationUrl));
    await h.call('POST', '/v1/partners', { name: `${name} shop`, kind: 'reseller', externalRef: `${name}-shop` }, { key });
    const batch = (await h.call('POST', '/v1/code-batches', { offeringId: 'studio-pro', partnerId: `${name}-shop`, quantity: 1 }, { key }))
      .body;
    while (await generateCodes(h.services, { worker: 'test', chunk: 100 })) {
      /* until generated */
    }
    const code = (await h.call('GET', `/v1/code-batches/${batch.id}/codes`, undefined, { key })).body.data[0].code as string;
    if (key === h.adminKey && (await client.call('POST', '/v1/portal/redemptions', { code })).status !== 201) throw new Error('redeem');
    return {
      code,
      customerId: customer.id,
      entitlementId: ent.id,
      activationId: activated.body.activation.id,
      userId: invited.body.portalUser.id,
      key: ent.key,
      client,
    };
  }

  /** Everything an aimed request could change of a target, read by its vendor's staff. */
  const snapshot = async (t: Target, key?: string) =>
    JSON.stringify([
      (await h.call('GET', `/v1/entitlements/${t.entitlementId}`, undefined, { key })).body,
      (await h.call('GET', `/v1/entitlements/${t.entitlementId}/activations`, undefined, { key })).body,
      (await h.call('GET', `/v1/customers/${t.customerId}/portal-users`, undefined, { key })).body,
      await eventCount(h, key),
    ]);

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    other = await h.newAccount();
    await seedCatalog(h, { key: other.adminKey });
    const first = await customerWithPortal('alpha', h.adminKey);
    a = first.client;
    b = await customerWithPortal('bravo', h.adminKey);
    c = await customerWithPortal('charlie', other.adminKey);
    const setup = await h.call(
      'POST',
      '/v1/session/setup',
      { email: 'staff@vendor.test', name: 'Staff', password: 'staff password 1' },
      { key: null },
    );
    staffCookie = String([setup.headers['set-cookie']].flat()[0]).split(';')[0]!;
  });
  afterAll(() => h?.close());

  it('every /v1/portal route that needs a session has a row here, and every row is a route', () => {
    const routes = h.app.routeTable.filter((r) => r.portal === 'session').map((r) => `${r.method} ${r.url}`);
    expect([...new Set(routes)].sort()).toEqual(Object.keys(ROWS).sort());
    for (const r of h.app.routeTable.filter((r) => r.url.startsWith('/v1/portal/'))) expect(r.permission, r.url).toBeNull();
  });

  for (const [route, row] of Object.entries(ROWS)) {
    it(`${route}: another customer's and another vendor's ids are not found, and nothing changes`, async () => {
      const [method] = route.split(' ');
      for (const [target, key] of [
        [b, undefined],
        [c, other.adminKey],
      ] as Array<[Target, string | undefined]>) {
        const before = await snapshot(target, key);
        const { url, body } = row.request(target);
        const res: Reply = await a.call(method!, url, body);
        const text = JSON.stringify(res.body);
        const where = `${method} ${url}: ${res.status} ${text.slice(0, 300)}`;
        if (row.own) expect(res.status, where).toBe(200);
        else expect(row.statuses ?? [400, 401, 403, 404], where).toContain(res.status);
        for (const marker of [target.entitlementId, target.activationId, target.userId, target.key].filter((m) => !url.includes(m)))
          expect(text, where).not.toContain(marker);
        expect(await snapshot(target, key), where).toBe(before);
      }
    });
  }

  it('management credentials do not reach the portal: an API key or a console session is 401 on every portal route', async () => {
    for (const [route, row] of Object.entries(ROWS)) {
      const [method] = route.split(' ');
      const { url, body } = row.request(b);
      const before = await eventCount(h);
      expect((await h.call(method!, url, body)).status, `key ${route}`).toBe(401);
      expect((await h.call(method!, url, body, { key: null, headers: { cookie: staffCookie } })).status, `console ${route}`).toBe(401);
      expect(await eventCount(h), route).toBe(before);
    }
  });

  it('a portal session reaches no management route: every one is refused and nothing changes', async () => {
    const before = await eventCount(h);
    const management = h.app.routeTable.filter((r) => r.permission !== null);
    expect(management.length).toBeGreaterThan(50);
    for (const r of management) {
      const url = r.url.replace(/:[a-zA-Z]+/g, (p) => (p === ':id' ? b.customerId : 'x'));
      const res = await a.call(r.method, url, ['GET', 'DELETE'].includes(r.method) ? undefined : {});
      expect([401, 403], `${r.method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`).toContain(res.status);
    }
    expect(await eventCount(h)).toBe(before);
  });

  it('a customer with portal users cannot be deleted until they are disabled', async () => {
    const customer = (await h.call('POST', '/v1/customers', { name: 'Delta' })).body;
    const invited = (
      await h.call('POST', `/v1/customers/${customer.id}/portal-users`, { email: 'd@delta.test', name: 'D', role: 'member' })
    ).body;
    const refused = await h.call('DELETE', `/v1/customers/${customer.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'IN_USE', details: { portalUsers: 1 } });
    expect((await h.call('DELETE', `/v1/portal-users/${invited.portalUser.id}`)).status).toBe(200);
    expect((await h.call('DELETE', `/v1/customers/${customer.id}`)).status).toBe(204);
  });

  /**
   * The portal's SSO routes take no session (the provider's answer is the credential), so the walk
   * above does not reach them: each is aimed here at another vendor's connection with this
   * customer's session, and a new SSO route without a row fails.
   */
  const SSO_ROWS: Record<string, (connectionId: string) => string> = {
    'GET /v1/portal/sso/connections': () => '/v1/portal/sso/connections?domain=charlie.test',
    'GET /v1/portal/sso/:id/start': (id) => `/v1/portal/sso/${id}/start`,
    'GET /v1/portal/sso/:id/callback': (id) => `/v1/portal/sso/${id}/callback?code=x&state=${'s'.repeat(43)}`,
  };

  it("the SSO routes, with this customer's session and another vendor's connection, sign nobody in and show nothing of theirs", async () => {
    const routes = h.app.routeTable.filter((r) => r.url.startsWith('/v1/portal/sso/')).map((r) => `${r.method} ${r.url}`);
    expect([...new Set(routes)].sort()).toEqual(Object.keys(SSO_ROWS).sort());
    process.env['LEASEHOLD_PORTAL_SSO_ALLOW_HTTP'] = 'true';
    const connection = await h.call(
      'POST',
      '/v1/portal-sso-connections',
      {
        name: 'Charlie ID',
        issuer: 'http://127.0.0.1:9/',
        clientId: 'c',
        clientSecret: 's',
        customerId: c.customerId,
        domains: [{ domain: 'charlie.test' }],
      },
      { key: other.adminKey },
    );
    delete process.env['LEASEHOLD_PORTAL_SSO_ALLOW_HTTP'];
    expect(connection.status).toBe(201);
    const before = await snapshot(c, other.adminKey);
    const mine = await eventCount(h);
    for (const [route, url] of Object.entries(SSO_ROWS)) {
      const res = await a.call('GET', url(connection.body.id));
      const text = JSON.stringify(res.body ?? '');
      expect([200, 303], `${route}: ${res.status}`).toContain(res.status);
      if (res.status === 303) expect(String(res.headers.location), route).toMatch(/^\/portal\/sign-in#sso_error=/);
      expect(
        [res.headers['set-cookie']].flat().some((k) => String(k).startsWith('leasehold_portal=')),
        route,
      ).toBe(false);
      for (const marker of [c.customerId, c.entitlementId, c.userId, c.key]) expect(text, route).not.toContain(marker);
    }
    expect(await snapshot(c, other.adminKey)).toBe(before);
    expect(await eventCount(h)).toBe(mine);
    expect((await a.call('GET', '/v1/portal/session')).body.user.id).not.toBe(c.userId);
  });

  it("after the walk, the other customers' devices are still active and their people still signed in", async () => {
    const devices = (await h.call('GET', `/v1/entitlements/${b.entitlementId}/activations?state=active`)).body.data;
    expect(devices.map((d: { id: string }) => d.id)).toEqual([b.activationId]);
    expect((await h.call('GET', `/v1/portal-users/${b.userId}`)).body.state).toBe('active');
  });
});
