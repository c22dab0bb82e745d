import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { buildApp } from '../../src/platform/http/app.js';
import { loadConfig } from '../../src/config.js';
import { installOperationDocs } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

type Media = { schema?: { type?: string } };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
};
type Document = {
  servers?: Array<{ url: string }>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
  paths: Record<string, Record<string, Operation>>;
};

const MANAGEMENT = [{ bearerAuth: [] }, { sessionCookie: [] }];
/** The operations anyone may call: probes, the public keys, trials, and the console's sign-in and first-user setup. */
const PUBLIC = [
  'checkHealth',
  'checkReadiness',
  'getJwks',
  'getAccountJwks',
  'startClientTrial',
  'redeemCode',
  'getSetupState',
  'setUpFirstUser',
  'signIn',
  'receiveStripeEvent',
  'receiveBillingMessage',
  // Signed file URLs of the filesystem artifact storage: the signature is the permission.
  'uploadArtifactFile',
  'downloadArtifactFile',
  // The customer portal's sign-in: the invitation or link token, or the password, is the credential.
  'acceptPortalInvitation',
  'portalSignIn',
  'requestPortalSignInLink',
  'redeemPortalSignInLink',
  // The portal's branding of a host, shown on the sign-in page before anyone signs in.
  'getPortalSiteBranding',
  // Portal SSO: the provider's verified answer (and the state bound to the browser) is the credential.
  'findPortalSsoConnections',
  'startPortalSso',
  'finishPortalSso',
];
/** The bare-POST actions (on an entitlement; a webhook endpoint's rotate-secret): every field of their body is optional. */
const ACTIONS = ['suspend', 'resume', 'renew', 'revoke', 'return', 'rekey', 'rotate-secret'];

function operations(doc: Document): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
}

describe.each(await storeKinds())('the OpenAPI document on %s', (kind) => {
  let h: Harness;
  let doc: Document;

  beforeAll(async () => {
    h = await createHarness(kind);
    doc = (await h.call('GET', '/openapi.json', undefined, { key: null })).body;
  });
  afterAll(() => h.close());

  it('gives every operation a unique camelCase operationId, a summary and a description', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(60);
    const ids = ops.map(({ op }) => op.operationId);
    for (const { method, path, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][a-zA-Z0-9]+$/);
      expect(op.summary?.trim(), `${method} ${path}`).toBeTruthy();
      expect(op.description?.trim(), `${method} ${path}`).toBeTruthy();
      expect(op.description, `${method} ${path}`).not.toBe(op.summary);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const byId = new Map(ops.map(({ method, path, op }) => [op.operationId, `${method} ${path}`]));
    expect(byId.get('createProduct')).toBe('post /v1/products');
    expect(byId.get('listEntitlements')).toBe('get /v1/entitlements');
    expect(byId.get('activateClient')).toBe('post /v1/client/activate');
    expect(byId.get('suspendEntitlement')).toBe('post /v1/entitlements/{id}/suspend');
  });

  it('a route without an operationId or a description does not start', async () => {
    const app = Fastify();
    installOperationDocs(app);
    const route = (url: string, schema: Record<string, string>) => () => app.get(url, { schema }, async () => ({}));
    expect(route('/v1/a', { summary: 'A', operationId: 'getA' })).toThrow(/GET \/v1\/a declares no summary or no description/);
    expect(route('/v1/b', { summary: 'B', description: 'The b' })).toThrow(/GET \/v1\/b declares no camelCase operationId/);
    expect(route('/v1/c', { summary: 'C', description: 'The c', operationId: 'get_c' })).toThrow(/no camelCase operationId/);
    route('/v1/d', { summary: 'D', description: 'The d', operationId: 'getD' })();
    expect(route('/v1/e', { summary: 'E', description: 'The e', operationId: 'getD' })).toThrow(/reuses the operationId getD/);
    // Hidden routes (the console, the document itself) are not operations.
    app.get('/hidden', { schema: { hide: true } }, async () => ({}));
    await app.close();
  });

  it('declares which credentials each operation takes: none for public ones, a license key for the client API, a key or a session for the rest', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes['licenseKey']).toMatchObject({ type: 'http', scheme: 'License' });
    expect(schemes['sessionCookie']).toMatchObject({ type: 'apiKey', in: 'cookie' });
    const routes = new Map(h.app.routeTable.map((r) => [`${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r]));
    for (const { method, path, op } of operations(doc)) {
      const what = `${method} ${path}`;
      expect(op.security, what).toBeDefined();
      for (const requirement of op.security!) for (const name of Object.keys(requirement)) expect(schemes[name], what).toBeDefined();
      if (PUBLIC.includes(op.operationId!)) expect(op.security, what).toEqual([]);
      else if (path.startsWith('/v1/client/'))
        expect(op.security, what).toEqual(path === '/v1/client/validate' ? [{ licenseKey: [] }, {}] : [{ licenseKey: [] }]);
      else if (path === '/v1/session') expect(op.security, what).toEqual([{ sessionCookie: [] }]);
      else if (path.startsWith('/v1/portal/')) expect(op.security, what).toEqual([{ portalSession: [] }]);
      else {
        expect(routes.get(what)?.permission, what).toBeTruthy();
        expect(op.security, what).toEqual(MANAGEMENT);
      }
    }
  });

  it('marks the request body optional exactly on the bare-POST actions', () => {
    const optional = operations(doc).filter(({ op }) => op.requestBody && op.requestBody.required === false);
    expect(optional.map(({ path }) => path.split('/').pop()).sort()).toEqual([...ACTIONS].sort());
    for (const { op } of operations(doc))
      if (op.requestBody && !optional.some((o) => o.op === op)) expect(op.requestBody.required).toBe(true);
  });

  it('the server takes those actions as a bare POST, with or without Content-Type: application/json', async () => {
    const { customer } = await seedCatalog(h);
    const sent: Array<[string, number, string | undefined]> = [];
    for (const contentType of [undefined, 'application/json']) {
      const ent = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'studio-pro' })).body;
      for (const action of ['suspend', 'resume', 'renew', 'revoke', 'return']) {
        const res = await h.app.inject({
          method: 'POST',
          url: `/v1/entitlements/${ent.id}/${action}`,
          headers: { authorization: `Bearer ${h.adminKey}`, ...(contentType ? { 'content-type': contentType } : {}) },
        });
        sent.push([action, res.statusCode, res.json().error?.code]);
      }
    }
    const once: Array<[string, number, string | undefined]> = [
      ['suspend', 200, undefined],
      ['resume', 200, undefined],
      ['renew', 200, undefined],
      ['revoke', 200, undefined],
      // A revoked entitlement cannot be returned: the body was accepted, the rule said no.
      ['return', 409, 'INVALID_STATE'],
    ];
    expect(sent).toEqual([...once, ...once]);
    // Where the body is required, an empty one is still refused.
    const empty = await h.app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'body', reason: 'empty' } });
  });

  it('documents CSV answers as text/csv and their errors as JSON', async () => {
    const statements = doc.paths['/v1/usage/statements']!['get']!;
    expect(Object.keys(statements.responses['200']!.content!).sort()).toEqual(['application/json', 'text/csv']);
    expect(statements.responses['200']!.content!['text/csv']!.schema!.type).toBe('string');
    const exported = doc.paths['/v1/events/export']!['get']!;
    expect(Object.keys(exported.responses['200']!.content!)).toEqual(['text/csv']);
    for (const { method, path, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (/^[45]/.test(status)) expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/json']);
      }
    }
    // And so the server answers: CSV when it works, JSON when it refuses.
    const csv = await h.call('GET', '/v1/events/export');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const refused = await h.call('GET', '/v1/events/export?from=yesterday');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body.error.code).toBe('INVALID_REQUEST');
  });

  it('names the server: relative by default, the public URL when one is configured', async () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const app = await buildApp(h.services, { publicUrl: 'https://licensing.example.com' });
    try {
      expect((await app.inject('/openapi.json')).json().servers).toEqual([
        expect.objectContaining({ url: 'https://licensing.example.com' }),
      ]);
    } finally {
      await app.close();
    }
  });

  it('LEASEHOLD_PUBLIC_URL is an http(s) URL, kept without its trailing slash', () => {
    expect(loadConfig({}).publicUrl).toBeNull();
    expect(loadConfig({ LEASEHOLD_PUBLIC_URL: 'https://licensing.example.com/' }).publicUrl).toBe('https://licensing.example.com');
    expect(loadConfig({ LEASEHOLD_PUBLIC_URL: 'http://10.0.0.5:8080/leasehold' }).publicUrl).toBe('http://10.0.0.5:8080/leasehold');
    for (const bad of ['licensing.example.com', 'ftp://x.example', 'https://x.example/?a=1', 'https://user:pw@x.example']) {
      expect(() => loadConfig({ LEASEHOLD_PUBLIC_URL: bad }), bad).toThrow(/LEASEHOLD_PUBLIC_URL must be/);
    }
  });

  describe('a known path with a method it does not serve', () => {
    it('answers 405 METHOD_NOT_ALLOWED with Allow listing the methods it serves', async () => {
      for (const [method, url, allow] of [
        ['DELETE', '/v1/products', 'GET, HEAD, POST'],
        ['PUT', '/v1/entitlements/ent_x', 'GET, HEAD, PATCH'],
        ['GET', '/v1/entitlements/ent_x/suspend', 'POST'],
        ['POST', '/healthz', 'GET, HEAD'],
        ['DELETE', '/v1/client/activate', 'POST'],
      ] as const) {
        const res = await h.call(method, url, undefined, { key: null });
        expect(res.status, `${method} ${url}`).toBe(405);
        expect(res.headers['allow'], `${method} ${url}`).toBe(allow);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { method, allowed: allow.split(', ') } });
        expect(res.body.error.requestId).toBeTruthy();
      }
    });

    it('an unknown path is still 404 NOT_FOUND, whatever the method', async () => {
      for (const [method, url] of [
        ['GET', '/v1/nothing-here'],
        ['DELETE', '/v1/entitlements/ent_x/everything'],
      ] as const) {
        const res = await h.call(method, url, undefined, { key: null });
        expect(res.status, url).toBe(404);
        expect(res.headers['allow']).toBeUndefined();
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    });

    it('on the NetLicensing face, 405 with Allow in its own envelope', async () => {
      const res = await h.app.inject({ method: 'PUT', url: '/core/v2/rest/product/P1', headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(405);
      expect(res.headers['allow']).toBe('GET, HEAD, POST, DELETE');
      expect(res.json().infos.info[0]).toMatchObject({ id: 'MethodNotAllowedException', type: 'ERROR' });
      expect(
        (await h.app.inject({ method: 'PUT', url: '/core/v2/rest/nothing', headers: { accept: 'application/json' } })).statusCode,
      ).not.toBe(405);
    });
  });
});
