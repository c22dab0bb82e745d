import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '@leasehold/contract';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { sendError } from '../../src/platform/http/errors.js';
import { answers, installDeclaredErrorCheck, installDeclaredErrors, undeclaredAnswer } from '../../src/platform/http/route-kit.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/** The management paths of API.md that exist so far, with their methods (path parameters renamed to `{…}`). */
const API_PATHS: Record<string, string[]> = {
  '/v1/products': ['get', 'post'],
  '/v1/products/{}': ['get', 'patch', 'delete'],
  '/v1/products/{}/features': ['get', 'post'],
  '/v1/products/{}/features/{}': ['get', 'patch', 'delete'],
  '/v1/offerings': ['get', 'post'],
  '/v1/offerings/{}': ['get', 'patch', 'delete'],
  '/v1/customers': ['get', 'post'],
  '/v1/customers/{}': ['get', 'patch', 'delete'],
  '/v1/entitlements': ['get', 'post'],
  '/v1/entitlements/{}': ['get', 'patch'],
  '/v1/entitlements/{}/suspend': ['post'],
  '/v1/entitlements/{}/resume': ['post'],
  '/v1/entitlements/{}/renew': ['post'],
  '/v1/entitlements/{}/revoke': ['post'],
  '/v1/events': ['get'],
  '/v1/api-keys': ['get', 'post'],
  '/v1/api-keys/{}': ['delete'],
};

type Response = { description?: string; content?: Record<string, { schema: unknown }> };
type Operation = { responses: Record<string, Response>; security?: unknown[] };

/** The codes an error response of the OpenAPI document says it may carry (its `error.code` enum). */
function errorCodesOf(response: Response): string[] | undefined {
  // Errors are JSON; a route producing CSV has its errors documented under its one content type.
  const schema = Object.values(response.content ?? {})[0]?.schema as
    { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined;
  return schema?.properties?.error?.properties?.code?.enum;
}

describe.each(await storeKinds())('operations on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('/healthz answers 200 without a key', async () => {
    const res = await h.call('GET', '/healthz', undefined, { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when the database answers', async () => {
    const res = await h.call('GET', '/readyz', undefined, { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  describe('GET /openapi.json', () => {
    let doc: { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>> };
    let paths: Map<string, Record<string, Operation>>;

    beforeAll(async () => {
      const res = await h.call('GET', '/openapi.json', undefined, { key: null });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.body;
      paths = new Map(Object.entries(doc.paths).map(([p, ops]) => [p.replace(/\{[^}]+\}/g, '{}'), ops]));
    });

    it('is an OpenAPI 3.1 document', () => {
      expect(doc.openapi).toMatch(/^3\.1\./);
      expect(doc.info.title).toBe('Leasehold API');
    });

    it('lists every management path of API.md that exists so far, with its methods', () => {
      for (const [path, methods] of Object.entries(API_PATHS)) {
        const ops = paths.get(path);
        expect(ops, path).toBeDefined();
        for (const m of methods) expect(ops![m], `${m.toUpperCase()} ${path}`).toBeDefined();
      }
    });

    it('documents on each route exactly the error codes it declares, each under its own status', () => {
      expect(h.app.declaredErrors.size).toBeGreaterThan(40);
      for (const [route, declared] of h.app.declaredErrors) {
        const [method, url] = route.split(' ') as [string, string];
        const op = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
        expect(op, route).toBeDefined();
        const documented: string[] = [];
        for (const [status, response] of Object.entries(op!.responses)) {
          if (!/^[45]/.test(status)) continue;
          const codes = errorCodesOf(response);
          expect(codes, `${route} ${status}`).toBeDefined();
          for (const code of codes!) expect(ERROR_STATUS[code as ErrorCode], `${route}: ${code} under ${status}`).toBe(Number(status));
          documented.push(...codes!);
        }
        expect(documented.sort(), route).toEqual([...declared].sort());
      }
    });

    it('has no catch-all error range: a client sees which codes each status may carry', () => {
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          expect(Object.keys(op.responses), `${method} ${path}`).not.toContain('4XX');
          expect(Object.keys(op.responses), `${method} ${path}`).not.toContain('5XX');
        }
      }
      for (const path of Object.keys(API_PATHS)) {
        for (const [method, op] of Object.entries(paths.get(path)!))
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      }
    });

    it('uses the response ranges OpenAPI defines (4XX, 5XX)', () => {
      for (const ops of paths.values()) {
        for (const op of Object.values(ops)) {
          for (const status of Object.keys(op.responses)) expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        }
      }
    });
  });

  it('every /v1 route declares its error codes, only codes of the contract, and not all of them', () => {
    for (const route of h.app.routeTable.filter((r) => r.url.startsWith('/v1/'))) {
      const declared = h.app.declaredErrors.get(`${route.method} ${route.url}`);
      expect(declared, `${route.method} ${route.url}`).toBeDefined();
      for (const code of declared!) expect(Object.hasOwn(ERROR_STATUS, code), `${route.url}: ${code}`).toBe(true);
      expect(declared!.length, `${route.method} ${route.url}`).toBeLessThan(Object.keys(ERROR_STATUS).length / 2);
    }
    // The NetLicensing face answers in its own format and is not in the OpenAPI document.
    expect([...h.app.declaredErrors.keys()].filter((r) => r.includes('/core/v2/rest'))).toEqual([]);
    // A route names what its own rules refuse: a read has no seat limit, a list no missing record.
    expect(h.app.declaredErrors.get('GET /v1/products/:id')).toContain('NOT_FOUND');
    expect(h.app.declaredErrors.get('GET /v1/products')).not.toContain('NOT_FOUND');
    expect(h.app.declaredErrors.get('POST /v1/client/activate')).toContain('SEAT_LIMIT_REACHED');
    expect(h.app.declaredErrors.get('GET /v1/products/:id')).not.toContain('SEAT_LIMIT_REACHED');
  });

  it('the test-time check refuses an error code the route does not declare, or under another status', () => {
    const declared = new Set<ErrorCode>(['NOT_FOUND', 'INVALID_REQUEST']);
    const body = (code: string) => JSON.stringify({ error: { code, message: 'x' } });
    expect(undeclaredAnswer(declared, 404, body('NOT_FOUND'))).toBeNull();
    expect(undeclaredAnswer(declared, 200, '{"ok":true}')).toBeNull();
    expect(undeclaredAnswer(undefined, 409, body('IN_USE'))).toBeNull();
    expect(undeclaredAnswer(declared, 409, body('IN_USE'))).toMatch(/IN_USE, which it does not declare/);
    expect(undeclaredAnswer(declared, 400, body('NOT_FOUND'))).toMatch(/NOT_FOUND with status 400, not 404/);
    expect(undeclaredAnswer(declared, 500, 'oops')).toMatch(/without an error body/);
  });

  it('under the check, a route answering a code it does not declare fails the request and is reported', async () => {
    const app = Fastify();
    installDeclaredErrors(app);
    const problems: string[] = [];
    installDeclaredErrorCheck(app, (p) => problems.push(p));
    app.get('/v1/things/:id', {
      config: { permission: 'catalog:read' },
      schema: { response: answers(200, Type.Object({}), ['NOT_FOUND']) },
      handler: async (req, reply) => {
        const code = (req.params as { id: string }).id === 'used' ? 'IN_USE' : 'NOT_FOUND';
        return sendError(reply, code, 'refused');
      },
    });
    await app.ready();
    expect((await app.inject('/v1/things/missing')).statusCode).toBe(404);
    const breach = await app.inject('/v1/things/used');
    expect(breach.statusCode).toBe(500);
    expect(breach.json().error.message).toMatch(/GET \/v1\/things\/:id answered 409 IN_USE, which it does not declare/);
    expect(problems).toEqual(['GET /v1/things/:id answered 409 IN_USE, which it does not declare']);
    await app.close();
  });

  it('GET /docs serves an HTML reference page', async () => {
    let res = await h.call('GET', '/docs', undefined, { key: null });
    for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400; hops++) {
      res = await h.call('GET', new URL(String(res.headers['location']), 'http://x/docs/').pathname, undefined, { key: null });
    }
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(String(res.raw.body)).toMatch(/<html/i);
  });

  it('echoes a caller’s x-request-id, and makes one up otherwise', async () => {
    const mine = await h.call('GET', '/v1/products', undefined, { headers: { 'x-request-id': 'crm-sync-000123' } });
    expect(mine.headers['x-request-id']).toBe('crm-sync-000123');
    const made = await h.call('GET', '/v1/products');
    expect(made.headers['x-request-id']).toMatch(/^req_[0-9a-f]{20}$/);
    // Something that does not look like a request id (it would pollute logs) is replaced.
    const odd = await h.call('GET', '/v1/products', undefined, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(odd.headers['x-request-id']).toMatch(/^req_/);
    const failed = await h.call('GET', '/v1/products/nope', undefined, { headers: { 'x-request-id': 'crm-sync-000124' } });
    expect(failed.body.error.requestId).toBe('crm-sync-000124');
    expect(failed.headers['x-request-id']).toBe('crm-sync-000124');
  });

  it('an unknown route gets a 404 NOT_FOUND error body in JSON', async () => {
    for (const [method, url] of [
      ['GET', '/v1/nothing-here'],
      ['POST', '/v2/products'],
      ['DELETE', '/v1/entitlements/ent_x/everything'],
    ] as const) {
      const res = await h.call(method, url, undefined, { key: null });
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
      expect(res.body.error.requestId).toBeTruthy();
    }
  });
});
