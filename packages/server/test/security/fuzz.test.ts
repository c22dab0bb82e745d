import fc from 'fast-check';
import { sql } from 'kysely';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@leasehold/contract';
import { csrfTokenOf, startSession } from '../../src/capabilities/access/sessions.js';
import type { App } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness, buildCheckedApp } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/**
 * Hostile input where the OpenAPI fuzz (test/http/fuzz.test.ts) does not reach: the NetLicensing face
 * (form-encoded, HTTP Basic, XML or JSON, hidden from the OpenAPI document), the console's session
 * cookie and CSRF header on sign-in, sign-out and protected routes, and the client API's
 * `Authorization: License …` header. No request may get a 5xx, take long, or change a row when it
 * is refused. LEASEHOLD_FUZZ_RUNS scales the runs.
 */
const SCALE = Number(process.env['LEASEHOLD_FUZZ_RUNS'] ?? 8) / 8;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const TIME_LIMIT_MS = 5_000;
const PASSWORD = 'the fuzzing admin passphrase';

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Header-safe but unkind: Latin-1 beyond ASCII, quotes, separators, control-free. */
const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', '\ud800', '\u202e', '" OR 1=1 --', '../../etc/passwd', '__proto__', 'constructor', '%00', 'x'.repeat(5000)),
);

/** The routes of the app as Fastify prints them: method and URL pattern. */
function routesOf(app: App): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4))!;
    const url = (stack[depth - 1] ?? '') + match[1]!;
    stack[depth] = url;
    stack.length = depth + 1;
    for (const method of (match[2] ?? '').split(', ').filter(Boolean)) out.push({ method, url });
  }
  return out;
}

describe.each(await storeKinds())('fuzzing the NetLicensing face, the session cookie and the License header on %s', (kind) => {
  let h: Harness;
  let app: App;
  let tables: string[];
  let licenseKey: string;
  let session: { cookie: string; csrf: string };

  const rowCounts = async (): Promise<string> => {
    const select = tables.map((t) => `(select count(*) from "${t}") as "${t}"`).join(', ');
    const { rows } = await sql.raw<Record<string, unknown>>(`select ${select}`).execute(h.services.store.database.db);
    return JSON.stringify(rows[0]);
  };

  const send = async (request: InjectOptions) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        app.inject(request),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${TIME_LIMIT_MS} ms`)), TIME_LIMIT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** A fresh session for the owner, made directly: the fuzzing's wrong passwords may have locked sign-in. */
  const signIn = async () => {
    const found = await h.services.store.staff.findByEmail('owner@vendor.test');
    const { token } = await startSession({ staff: h.services.store.staff, clock: h.clock }, found[0]!.user, null);
    session = { cookie: `leasehold_session=${token}`, csrf: csrfTokenOf(token) };
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    app = await buildCheckedApp(h.services, { rateLimits: { clientPerKey: 1e9, clientPerAddress: 1e9, signInPerAddress: 1e9 } });
    const { offering, customer } = await seedCatalog(h);
    licenseKey = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id, externalRef: 'lic-1' })).body
      .key;
    expect(
      (await h.call('POST', '/v1/session/setup', { email: 'owner@vendor.test', name: 'Owner', password: PASSWORD }, { key: null })).status,
    ).toBe(201);
    await signIn();
    const listed =
      kind === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
            h.services.store.database.db,
          )
        : await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
            h.services.store.database.db,
          );
    // Kysely's own migration tables change with no request.
    tables = listed.rows.map((r) => r.name).filter((t) => !t.startsWith('kysely_'));
    expect(tables).toEqual(expect.arrayContaining(['nl_objects', 'staff_sessions', 'entitlements', 'events']));
  });

  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it(
    'the NetLicensing routes answer arbitrary forms, queries, credentials and Accept headers without a 5xx, and change nothing when they refuse',
    { timeout: 120_000 },
    async () => {
      const operations = routesOf(app).filter((r) => r.url.startsWith('/core/v2/rest') && r.method !== 'HEAD');
      expect(operations.length).toBeGreaterThanOrEqual(40);
      const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      const fieldNames = [
        'number',
        'name',
        'active',
        'productNumber',
        'productModuleNumber',
        'licenseeNumber',
        'licenseTemplateNumber',
        'licensingModel',
        'licenseType',
        'price',
        'currency',
        'timeVolume',
        'timeVolumePeriod',
        'quantity',
        'quota',
        'maxSessions',
        'nodeSecret',
        'nodeSecretMode',
        'sessionId',
        'action',
        'tokenType',
        'apiKeyRole',
        'forceCascade',
        'filter',
        'page',
        'items',
        'dryRun',
        'startDate',
        'usedQuantity0',
        'productModuleNumber0',
        'sourceLicenseeNumber',
        'licenseeAutoCreate',
      ];
      const value = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            'studio',
            'export',
            'studio-pro',
            'crm-1',
            'lic-1',
            'true',
            'false',
            '1',
            '0',
            '-1',
            'P1Y',
            'EUR',
            'Subscription',
            'FEATURE',
            'TIMEVOLUME',
            'APIKEY',
            'ROLE_APIKEY_ADMIN',
            'checkOut',
            '2026-03-01T00:00:00Z',
            'k=v;page=0;items=2',
          ),
        },
        // Dates past the representable range and leap seconds (a startDate of 9999 once committed a year-10000 end).
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            '9999-06-01T00:00:00Z',
            '9999-12-31',
            '9999-12-31T23:59:59.999Z',
            '2026-06-30T23:59:60Z',
            '+010000-01-01T00:00:00Z',
            '+275760-09-13T00:00:00Z',
            '0000-01-01',
            '-000001-01-01T00:00:00Z',
          ),
        },
        { weight: 2, arbitrary: printable },
        { weight: 1, arbitrary: oddText },
      );
      const form = fc.dictionary(
        fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: printable }),
        value,
        { maxKeys: 6 },
      );
      const number = fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('studio', 'export', 'studio-pro', 'crm-1', 'lic-1', h.adminKey) },
        { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '..', '%00', 'x'.repeat(300)) },
        { weight: 1, arbitrary: printable.filter((s) => s.length > 0).map(encodeURIComponent) },
      );
      const authorization = fc.oneof(
        { weight: 8, arbitrary: fc.constant(basic('apiKey', h.adminKey)) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            undefined,
            `Bearer ${h.adminKey}`,
            basic('vendor', 'password'),
            basic('apiKey', ''),
            'Basic',
            'Basic !!!',
          ),
        },
        { weight: 1, arbitrary: fc.tuple(printable, printable).map(([u, p]) => basic(u, p)) },
        { weight: 1, arbitrary: latin1.map((s) => `Basic ${s}`) },
      );
      const body = fc.oneof(
        {
          weight: 5,
          arbitrary: form.map((f) => ({ type: 'application/x-www-form-urlencoded', payload: new URLSearchParams(f).toString() })),
        },
        { weight: 1, arbitrary: fc.oneof(printable, oddText).map((t) => ({ type: 'application/x-www-form-urlencoded', payload: t })) },
        { weight: 1, arbitrary: form.map((f) => ({ type: 'application/json', payload: JSON.stringify(f) })) },
        { weight: 1, arbitrary: fc.constantFrom({ type: 'text/xml', payload: '<a/>' }, { type: undefined, payload: undefined }) },
      );
      const accept = fc.constantFrom('application/json', 'application/xml', undefined, '*/*', 'text/html, application/json');
      const refused: Record<number, number> = {};
      for (const op of operations) {
        await fc.assert(
          fc.asyncProperty(fc.record({ number, query: form, authorization, body, accept }), async (r) => {
            const search = new URLSearchParams(r.query).toString();
            const url = op.url.replace(':number', r.number) + (search ? `?${search}` : '');
            const headers: Record<string, string> = {};
            if (r.authorization !== undefined) headers['authorization'] = r.authorization;
            if (r.accept !== undefined) headers['accept'] = r.accept;
            if (r.body.type !== undefined && op.method !== 'GET') headers['content-type'] = r.body.type;
            const before = await rowCounts();
            const res = await send({
              method: op.method as 'GET',
              url,
              headers,
              ...(op.method === 'GET' ? {} : { payload: r.body.payload }),
            });
            const where = `${op.method} ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            if (res.statusCode >= 400) {
              refused[res.statusCode] = (refused[res.statusCode] ?? 0) + 1;
              // NetLicensing's error form: an ERROR info, in JSON or XML as asked.
              expect(res.body, where).toMatch(/ERROR|"error"/i);
              expect(await rowCounts(), `${where}: a refused request changed rows`).toBe(before);
            }
          }),
          { numRuns: runs(8), endOnFailure: true },
        );
      }
      expect(Object.keys(refused).length).toBeGreaterThan(1);
    },
  );

  it('a form field named __proto__ or constructor is an ordinary field (the form parser answered 500)', async () => {
    const res = await send({
      method: 'POST',
      url: '/core/v2/rest/product',
      headers: {
        authorization: `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}`,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'number=P-PROTO&name=Proto&active=true&version=1&__proto__=x&constructor=y&hasOwnProperty=z',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await h.call('GET', '/v1/products/P-PROTO')).status).toBe(200);
  });

  it('U+0000 in a form field is refused as malformed on both stores (PostgreSQL answered 500)', async () => {
    const before = await rowCounts();
    for (const [url, payload] of [
      ['/core/v2/rest/licensee/crm-1/validate', 'productNumber=%00&sessionId=s'],
      ['/core/v2/rest/product', 'number=P-NUL&name=a%00b&active=true&version=1'],
      ['/core/v2/rest/product', 'number=P-NUL&name=ok&active=true&version=1&x%00=1'],
    ] as const) {
      const res = await send({
        method: 'POST',
        url,
        headers: {
          authorization: `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}`,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload,
      });
      expect(res.statusCode, `${url} ${payload}: ${res.body}`).toBe(400);
      expect(res.json().infos.info[0]).toMatchObject({ id: 'MalformedRequestException', type: 'ERROR' });
    }
    expect(await rowCounts()).toBe(before);
  });

  it(
    'the session routes and a protected route answer any cookie, CSRF header and sign-in body without a 5xx, and refusals change nothing',
    { timeout: 120_000 },
    async () => {
      const tokenLike = fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/);
      const cookie = fc.oneof(
        { weight: 4, arbitrary: fc.constant('VALID') },
        { weight: 2, arbitrary: tokenLike.map((t) => `leasehold_session=${t}`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'leasehold_session=',
            'leasehold_session',
            '=',
            ';;;',
            'leasehold_session="quoted"',
            `leasehold_session=${'a'.repeat(8000)}`,
          ),
        },
        { weight: 1, arbitrary: fc.tuple(latin1, latin1).map(([a, b]) => `${a}=${b}`) },
        { weight: 1, arbitrary: tokenLike.map((t) => `leasehold_session=${t}; VALID`) },
        { weight: 1, arbitrary: latin1.map((junk) => `theme=dark; ${junk}; VALID`) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const csrf = fc.oneof(
        { weight: 3, arbitrary: fc.constant('VALID') },
        { weight: 1, arbitrary: fc.constant('VALID!') },
        { weight: 1, arbitrary: latin1 },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const email = fc.oneof(fc.constant('owner@vendor.test'), fc.constant('OWNER@vendor.test '), fc.emailAddress(), printable, oddText);
      const password = fc.oneof(fc.constant(PASSWORD), printable, oddText, fc.constant('p'.repeat(201)));
      const signInBody = fc.oneof(
        { weight: 4, arbitrary: fc.record({ email, password }).map((b) => JSON.stringify(b)) },
        { weight: 1, arbitrary: fc.record({ email, password, name: printable }, { requiredKeys: [] }).map((b) => JSON.stringify(b)) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            printable,
            oddText,
            fc.jsonValue().map((v) => JSON.stringify(v)),
          ),
        },
      );
      const target = fc.constantFrom<[string, string]>(
        ['GET', '/v1/session'],
        ['DELETE', '/v1/session'],
        ['POST', '/v1/session'],
        ['GET', '/v1/session/setup'],
        ['POST', '/v1/session/setup'],
        ['GET', '/v1/products'],
        ['POST', '/v1/customers'],
        ['PATCH', '/v1/staff-users/usr_unknown'],
      );
      const seen: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(
          fc.record({ target, cookie, csrf, signInBody, ip: fc.constantFrom('10.6.0.1', '10.6.0.2', '10.6.0.3') }),
          async (r) => {
            const [method, url] = r.target;
            const headers: Record<string, string> = {};
            if (r.cookie !== undefined) headers['cookie'] = r.cookie.replace('VALID', session.cookie);
            if (r.csrf !== undefined) headers['x-csrf-token'] = r.csrf.replace('VALID', session.csrf);
            let payload: string | undefined;
            if (method !== 'GET' && method !== 'DELETE') {
              headers['content-type'] = 'application/json';
              payload =
                url === '/v1/customers'
                  ? JSON.stringify({ name: 'Fuzzed' })
                  : url.startsWith('/v1/staff-users')
                    ? '{"name":"X"}'
                    : r.signInBody;
            }
            const before = await rowCounts();
            const res = await send({ method: method as 'GET', url, headers, payload, remoteAddress: r.ip });
            const where = `${method} ${url} cookie=${String(headers['cookie']).slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            seen[res.statusCode] = (seen[res.statusCode] ?? 0) + 1;
            if (res.statusCode >= 400) {
              expect(ERROR_CODES, where).toContain(res.json().error?.code);
              expect(await rowCounts(), `${where}: a refused request changed rows`).toBe(before);
            }
            // A write made with the cookie but without its CSRF token is never let through.
            if (method === 'POST' && url === '/v1/customers' && headers['x-csrf-token'] !== session.csrf) {
              expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
            }
            if (method === 'DELETE' && res.statusCode === 204 && headers['cookie']?.includes(session.cookie)) await signIn();
          },
        ),
        { numRuns: runs(60), endOnFailure: true },
      );
      expect(seen[401] ?? 0).toBeGreaterThan(0);
      expect(Object.keys(seen).filter((s) => Number(s) < 300).length).toBeGreaterThan(0);
    },
  );

  it(
    'the client API answers any Authorization header without a 5xx; the key is found however it is written, and refusals change nothing',
    { timeout: 120_000 },
    async () => {
      const document = (await h.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/v1/client/'))
        .flatMap(([path, item]) => Object.keys(item).map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, 'seats')] as const));
      const typo = `${licenseKey.slice(0, -1)}${licenseKey.endsWith('0') ? '1' : '0'}`;
      const authorization = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            `License ${licenseKey}`,
            `license ${licenseKey.toLowerCase()}`,
            `LICENSE   ${licenseKey.replace(/-/g, '')}  `,
            `License\t${licenseKey}`,
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            `License ${typo}`,
            `License ${licenseKey} ${licenseKey}`,
            `License ${licenseKey},x`,
            'License',
            'License ',
            `Bearer ${h.adminKey}`,
            `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}`,
            `License ${'K'.repeat(10_000)}`,
          ),
        },
        { weight: 1, arbitrary: latin1.map((s) => `License ${s}`) },
        { weight: 1, arbitrary: latin1 },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const body = fc.oneof(
        { weight: 4, arbitrary: fc.constant({ fingerprint: 'fuzz-client-device-1' }) },
        { weight: 1, arbitrary: fc.record({ fingerprint: fc.oneof(printable, oddText) }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      );
      const headerExtras = fc.dictionary(
        fc.constantFrom('x-forwarded-for', 'x-request-id', 'idempotency-key', 'cookie', 'accept'),
        latin1,
        { maxKeys: 2 },
      );
      const seen: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(fc.record({ route: fc.constantFrom(...routes), authorization, body, headerExtras }), async (r) => {
          const [method, url] = r.route;
          const headers: Record<string, string> = { ...r.headerExtras, 'content-type': 'application/json' };
          if (r.authorization !== undefined) headers['authorization'] = r.authorization;
          const before = await rowCounts();
          const res = await send({ method: method as 'POST', url, headers, payload: JSON.stringify(r.body) });
          const where = `${method} ${url} authorization=${String(r.authorization).slice(0, 60)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          seen[res.statusCode] = (seen[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 400) {
            expect(ERROR_CODES, where).toContain(res.json().error?.code);
            expect(await rowCounts(), `${where}: a refused request changed rows`).toBe(before);
          }
        }),
        { numRuns: runs(80), endOnFailure: true },
      );
      expect(seen[401] ?? 0).toBeGreaterThan(0);

      // However the key is written — scheme in any case, dashes or none, case, spaces around — it is the same license.
      for (const header of [
        `License ${licenseKey}`,
        `license ${licenseKey.toLowerCase()}`,
        `LICENSE   ${licenseKey.replace(/-/g, '')}  `,
      ]) {
        const res = await send({
          method: 'POST',
          url: '/v1/client/validate',
          headers: { authorization: header },
          payload: { fingerprint: 'fuzz-client-device-1' },
        });
        expect(res.statusCode, header).toBe(200);
        expect(res.json().code, header).not.toBe('NOT_FOUND');
      }
      const typoed = await send({
        method: 'POST',
        url: '/v1/client/activate',
        headers: { authorization: `License ${typo}` },
        payload: { fingerprint: 'fuzz-client-device-2' },
      });
      expect(typoed.statusCode).toBe(401);
      expect(typoed.json().error).toMatchObject({ code: 'LICENSE_KEY_INVALID', details: { typo: true } });
    },
  );
});
