import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@leasehold/contract';
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

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; security?: unknown[] };

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

    it('documents the error body and every stable error code on each management operation', () => {
      for (const path of Object.keys(API_PATHS)) {
        for (const [method, op] of Object.entries(paths.get(path)!)) {
          const errorStatus = Object.keys(op.responses).find((s) => /^4/.test(s));
          expect(errorStatus, `${method} ${path}`).toBeDefined();
          const schema = JSON.stringify(op.responses[errorStatus!]);
          for (const code of ['INVALID_REQUEST', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'])
            expect(schema, `${method} ${path}`).toContain(code);
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        }
      }
      const all = JSON.stringify(doc);
      for (const code of ERROR_CODES) expect(all).toContain(code);
    });

    it('uses the response ranges OpenAPI defines (4XX, 5XX)', () => {
      for (const ops of paths.values()) {
        for (const op of Object.values(ops)) {
          for (const status of Object.keys(op.responses)) expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        }
      }
    });
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
