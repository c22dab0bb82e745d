import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@leasehold/contract';
import type { App } from '../../src/platform/http/route-kit.js';
import { createHarness, seedCatalog, type Harness, buildCheckedApp } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

/**
 * Property-based fuzzing of every endpoint in GET /openapi.json (so new endpoints are covered without
 * touching this file): bodies near and far from their schema, wrong types, deep nesting, huge and odd
 * strings, random query strings and headers. No request may get a 5xx, take long, answer a 4xx in
 * another shape than the standard error, or change anything when it is refused.
 * LEASEHOLD_FUZZ_RUNS sets the runs per endpoint (default 8) for longer runs.
 */
const RUNS = Number(process.env['LEASEHOLD_FUZZ_RUNS'] ?? 8);
const REQUEST_TIME_LIMIT_MS = 5_000;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Refusals the request's shape, credentials or route earn before any handler's rule is asked. */
const REQUEST_SHAPE_CODES = new Set<string>([
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'LICENSE_KEY_INVALID',
]);

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema: Schema }>;
  body: Schema | null;
  /** The security scheme the route declares: bearerAuth, licenseKey, sessionCookie, or none. */
  scheme: string | null;
}
interface FuzzRequest {
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
/** Text meant to upset: unicode of every plane, lone surrogates, NULs, RTL marks, look-alike quotes. */
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u200b',
    '％００',
    '" OR 1=1 --',
    '../../etc/passwd',
    '__proto__',
    'constructor',
  ),
);
const HUGE = 'x'.repeat(300 * 1024);
/**
 * Dates at and past the edges of what the API represents (0001-01-01 .. 9999-12-31T23:59:59.999Z),
 * and leap seconds: each once answered 500 somewhere (a row committed with a year-10000 end, NaN
 * bound into a PostgreSQL bigint).
 */
const HOSTILE_DATES = [
  '2016-12-31T23:59:60Z',
  '2026-06-30T23:59:60.500Z',
  '2026-06-30T23:59:60+00:00',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:00:00-05:00',
  '9999-06-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+00:01',
  '0000-12-31T23:59:59Z',
  '+010000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2026-03-01T24:00:00Z',
];
const hostileDate = fc.oneof(
  fc.constantFrom(...HOSTILE_DATES),
  fc.date({ min: new Date('9000-01-01'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 17) + '60Z'),
);
/** Path segments sent as they are: bad percent escapes, overlong UTF-8, dot segments. */
const RAW_SEGMENTS = ['x'.repeat(150), '%', '%zz', '%C0%80', '%ED%A0%80', '%00', '..', '%2e%2e', '%2F', ';', '@'];

/** A path segment: raw ones as they are, others percent-encoded (a lone surrogate becomes invalid UTF-8). */
const segment = (s: string): string => {
  if (RAW_SEGMENTS.includes(s)) return s;
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80' + encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''));
  }
};

/** Values that roughly fit a JSON schema (to get past validation into the domain), sometimes not. */
function fitting(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 1 });
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['anyOf'])) return fc.oneof(...(schema['anyOf'] as Schema[]).map((s) => fitting(s, depth + 1)));
  const type = Array.isArray(schema['type']) ? (schema['type'] as string[])[0] : (schema['type'] as string | undefined);
  switch (type) {
    case 'string': {
      if (schema['format'] === 'date-time')
        return fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
              .map((d) => d.toISOString()),
          },
          { weight: 1, arbitrary: hostileDate },
        );
      if (schema['format'] === 'email') return fc.emailAddress();
      if (typeof schema['pattern'] === 'string') {
        let matching: fc.Arbitrary<string>;
        try {
          matching = fc.stringMatching(new RegExp(schema['pattern'] as string));
        } catch {
          // fast-check cannot generate from lookaheads (the ISO duration pattern); durations are the ones that have them
          matching = fc.constantFrom('P1Y', 'P7D', 'PT30S', 'P1M', 'PT1H', 'P0D', 'P99999Y', 'P1Y2M3DT4H5M6S');
        }
        return fc.oneof(
          { weight: 4, arbitrary: matching.filter((s) => s.length <= Number(schema['maxLength'] ?? 1e9)) },
          { weight: 1, arbitrary: oddText },
        );
      }
      const minLength = Number(schema['minLength'] ?? 0);
      const plain = fc.string({ minLength, maxLength: Math.max(minLength, Math.min(Number(schema['maxLength'] ?? 30), 30)) });
      return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: oddText });
    }
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : -1e6;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : 1e6;
      const n = fc.integer({ min: Math.ceil(Math.max(min, -1e9)), max: Math.floor(Math.min(max, 1e9)) });
      return type === 'integer' ? n : fc.oneof(n, fc.double({ min, max, noNaN: true }));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fitting(schema['items'] as Schema, depth + 1), {
        minLength: Number(schema['minItems'] ?? 0),
        maxLength: Math.max(Number(schema['minItems'] ?? 0), 3),
      });
    case 'object': {
      const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = (schema['required'] ?? []) as string[];
      const extra = schema['additionalProperties'];
      const record = fc.record(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, fitting(s, depth + 1)])), {
        requiredKeys: required.filter((k) => k in properties),
      });
      if (extra && typeof extra === 'object') {
        return fc
          .tuple(record, fc.dictionary(fc.string({ maxLength: 10 }), fitting(extra as Schema, depth + 1), { maxKeys: 3 }))
          .map(([r, d]) => ({ ...d, ...r }));
      }
      return record;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** JSON text of `value` wrapped `depth` levels deep in objects and arrays (built as text: JSON.stringify would overflow). */
const nested = (value: unknown, depth: number): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return open + JSON.stringify(value) + close;
};

function bodyOf(op: Operation): fc.Arbitrary<string | undefined> {
  const near = fitting(op.body ?? { type: 'object' });
  return fc.oneof(
    { weight: 5, arbitrary: near.map((v) => JSON.stringify(v)) },
    // one field of an otherwise fitting body set to anything at all
    {
      weight: 3,
      arbitrary: fc
        .tuple(near, fc.constantFrom(...Object.keys((op.body?.['properties'] as object) ?? { x: 0 }), 'unknownField'), fc.jsonValue())
        .map(([v, k, bad]) => JSON.stringify(v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [k]: bad } : bad)),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.oneof(oddText, printable) }, // not JSON at all
    { weight: 1, arbitrary: fc.tuple(near, fc.integer({ min: 1, max: 5000 })).map(([v, d]) => nested(v, d)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(near, fc.constantFrom(...Object.keys((op.body?.['properties'] as object) ?? { x: 0 })))
        .map(([v, k]) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? JSON.stringify({ ...v, [k]: 'DEEP' }).replace('"DEEP"', nested('deep', 70))
            : JSON.stringify(v),
        ),
    },
    { weight: 1, arbitrary: fc.constantFrom(HUGE, JSON.stringify({ name: HUGE.slice(0, 200 * 1024) }), '', ' ', 'null', '[]', '{}') },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

describe.each(await storeKinds())('fuzzing every endpoint on %s', (kind) => {
  let h: Harness;
  let app: App;
  let operations: Operation[];
  let licenseKey: string;
  let knownIds: string[];

  /** Rows a refused request must not have added to (a single query, so it is cheap to run per request). */
  const rowCounts = async (): Promise<string> => {
    const tables = ['events', 'products', 'features', 'offerings', 'customers', 'entitlements', 'activations', 'leases', 'api_keys'];
    const select = tables.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ');
    const { rows } = await sql.raw(`select ${select}`).execute(h.services.store.database.db);
    return JSON.stringify(Object.values(rows[0] as object).map(Number));
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    // Rate limits too high to reach (the clock stands still), so their code runs on every request but no 429 hides the input.
    app = await buildCheckedApp(h.services, { rateLimits: { clientPerKey: 1e9, clientPerAddress: 1e9, signInPerAddress: 1e9 } });
    const { product, offering, customer } = await seedCatalog(h);
    const entitlement = (await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: offering.id })).body;
    licenseKey = entitlement.key;
    const activation = await app.inject({
      method: 'POST',
      url: '/v1/client/activate',
      headers: { authorization: `License ${licenseKey}` },
      payload: { fingerprint: 'fuzz-device-0001' },
    });
    knownIds = [
      product.id,
      'studio',
      'export',
      offering.id,
      'studio-pro',
      customer.id,
      'crm-1',
      entitlement.id,
      activation.json().activation.id,
    ];

    const document = (await h.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Schema>> };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => {
        const op = item[m]!;
        const content = (op['requestBody'] as { content?: Record<string, { schema: Schema }> } | undefined)?.content;
        return {
          method: m.toUpperCase(),
          path,
          params: (op['parameters'] ?? []) as Operation['params'],
          body: content?.['application/json']?.schema ?? null,
          scheme: Object.keys((op['security'] as Array<Record<string, unknown>> | undefined)?.[0] ?? {})[0] ?? null,
        };
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const idLike = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...knownIds) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
      { weight: 1, arbitrary: oddText.filter((s) => s.length > 0) },
      { weight: 1, arbitrary: printable.filter((s) => s.length > 0) },
    );
    const queryValue = (schema: Schema) =>
      fc.oneof(
        fitting(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
        oddText,
      );
    const query = fc.tuple(
      fc.record(Object.fromEntries(queryParams.map((p) => [p.name, queryValue(p.schema)])), { requiredKeys: [] }),
      // Undeclared parameters are refused (400), so they come in one request of five: the rest must
      // get past validation often enough to reach the handlers.
      fc.oneof(
        { weight: 4, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(printable, oddText, { minKeys: 1, maxKeys: 2 }) },
      ),
    );
    const rightAuthorization =
      op.scheme === 'licenseKey' ? `License ${licenseKey}` : op.scheme === 'bearerAuth' ? `Bearer ${h.adminKey}` : undefined;
    const authorization = fc.oneof(
      { weight: 6, arbitrary: fc.constant(rightAuthorization) },
      { weight: 1, arbitrary: fc.constantFrom(`Bearer ${h.adminKey}`, `License ${licenseKey}`, undefined) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('License ', 'Bearer ', ''), printable).map(([scheme, s]) => scheme + s) },
    );
    const contentType = fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', '*/*'),
      },
      { weight: 1, arbitrary: printable },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const headerName = fc
      .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
      .filter((n) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect'].includes(n));
    const otherHeaders = fc.dictionary(
      fc.oneof(headerName, fc.constantFrom('idempotency-key', 'x-request-id', 'cookie', 'x-csrf-token', 'accept')),
      printable,
      {
        maxKeys: 3,
      },
    );
    return fc
      .record({
        path: fc.tuple(...pathParams.map(() => idLike)),
        query,
        authorization,
        contentType,
        otherHeaders,
        payload: op.method === 'GET' || op.method === 'DELETE' ? fc.option(bodyOf(op), { freq: 4 }) : bodyOf(op),
      })
      .map(({ path, query: [declared, extra], authorization, contentType, otherHeaders, payload }) => {
        let url = op.path;
        pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, segment(path[i]!))));
        const search = new URLSearchParams({ ...extra, ...(declared as Record<string, string>) }).toString();
        const headers: Record<string, string> = { ...otherHeaders };
        if (authorization !== undefined) headers['authorization'] = authorization;
        if (contentType !== undefined && payload !== undefined && payload !== null) headers['content-type'] = contentType;
        return { url: search ? `${url}?${search}` : url, headers, payload: payload ?? undefined };
      });
  }

  async function send(method: string, req: FuzzRequest) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIME_LIMIT_MS} ms`)), REQUEST_TIME_LIMIT_MS);
    });
    try {
      return await Promise.race([
        app.inject({ method: method as 'GET', url: req.url, headers: req.headers, payload: req.payload }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  it(
    'answers arbitrary bodies, queries and headers without a 5xx, in time, in the error shape, and changes nothing when it refuses',
    { timeout: 60_000 + RUNS * 1_500 },
    async () => {
      expect(operations.length).toBeGreaterThan(50);
      const reached = new Set<string>();
      const answered2xx = new Set<string>();
      const statuses: Record<number, number> = {};
      for (const op of operations) {
        await fc.assert(
          fc.asyncProperty(requestFor(op), async (req) => {
            const before = await rowCounts();
            const res = await send(op.method, req);
            const where = `${op.method} ${req.url} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode < 300) answered2xx.add(`${op.method} ${op.path}`);
            if (res.statusCode < 300) reached.add(`${op.method} ${op.path}`);
            if (res.statusCode >= 400) {
              const error = res.json().error;
              if (!REQUEST_SHAPE_CODES.has(error?.code)) reached.add(`${op.method} ${op.path}`);
              expect(ERROR_CODES, where).toContain(error?.code);
              expect(typeof error.message === 'string' && error.message.length > 0, where).toBe(true);
              expect(error.requestId, where).toBe(res.headers['x-request-id']);
              expect(await rowCounts(), `${where}: a refused request changed rows`).toBe(before);
            }
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
      if (process.env['LEASEHOLD_FUZZ_RUNS'])
        console.info(
          `${kind}: ${RUNS} runs per operation; statuses ${JSON.stringify(statuses)}; of ${operations.length} operations ${reached.size} reached a handler's rules, ${answered2xx.size} answered 2xx`,
        );
      // The generated input must get past validation often enough to exercise the handlers, not only the
      // schemas: a 2xx, or a refusal only a handler gives (a rule, a state, a reference). At 8 runs per
      // operation some 41-47 of 171 operations reach a handler and 29-38 answer 2xx (sd about 5); the
      // bounds sit some four deviations below, where chance does not reach them (a bound of a sixth on
      // the 2xx count once failed at 28 of 171) but a generator that stops fitting the schemas does.
      expect(reached.size).toBeGreaterThan(operations.length / 8);
      expect(answered2xx.size).toBeGreaterThan(operations.length / 12);
    },
  );

  /** Every row of the tables a date can reach, as text: a refused request must leave them as they were. */
  const dateRows = async (): Promise<string> => {
    const tables = [
      'entitlements',
      'entitlement_versions',
      'events',
      'activations',
      'leases',
      'usage_records',
      'usage_counters',
      'migrations',
    ];
    const out: unknown[] = [];
    for (const t of tables) out.push((await sql.raw(`select * from ${t} order by 1, 2`).execute(h.services.store.database.db)).rows);
    return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  };

  const isDateTime = (schema: Schema | undefined): boolean =>
    !!schema && (schema['format'] === 'date-time' || (Array.isArray(schema['anyOf']) && (schema['anyOf'] as Schema[]).some(isDateTime)));

  it(
    'answers out-of-range and leap-second dates in every date field and date query parameter without a 5xx, and changes nothing when it refuses',
    { timeout: 60_000 + RUNS * 3_000 },
    async () => {
      const targets = operations.flatMap((op) => [
        ...Object.entries((op.body?.['properties'] ?? {}) as Record<string, Schema>)
          .filter(([, schema]) => isDateTime(schema))
          .map(([name]) => ({ op, name, in: 'body' as const, list: null as string | null })),
        // A date inside the items of a list (usage records' `at`): set on the first item.
        ...Object.entries((op.body?.['properties'] ?? {}) as Record<string, Schema>).flatMap(([list, schema]) =>
          Object.entries(((schema['items'] as Schema | undefined)?.['properties'] ?? {}) as Record<string, Schema>)
            .filter(([, item]) => isDateTime(item))
            .map(([name]) => ({ op, name, in: 'body' as const, list: list as string | null })),
        ),
        ...op.params
          .filter((p) => p.in === 'query' && isDateTime(p.schema))
          .map((p) => ({ op, name: p.name, in: 'query' as const, list: null })),
      ]);
      // Entitlement create and PATCH, events and their export, usage and statements, asOf, migrations, usage records…
      expect(targets.length).toBeGreaterThanOrEqual(10);
      const refused: Record<string, number> = {};
      for (const target of targets) {
        const { op } = target;
        const bodyProps = (op.body?.['properties'] ?? {}) as Record<string, Schema>;
        // References point at real records, so the request gets past them to the dates.
        const body = fc.record(
          Object.fromEntries(
            Object.entries(bodyProps).map(([k, schema]) => [k, /Id$/.test(k) ? fc.constantFrom(...knownIds) : fitting(schema)]),
          ),
          { requiredKeys: ((op.body?.['required'] ?? []) as string[]).filter((k) => k in bodyProps) },
        );
        const queryParams = op.params.filter((p) => p.in === 'query');
        const query = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fitting(p.schema)])), {
          requiredKeys: queryParams.filter((p) => p.in === 'query' && (p as { required?: boolean }).required).map((p) => p.name),
        });
        const path = fc.tuple(...op.params.filter((p) => p.in === 'path').map(() => fc.constantFrom(...knownIds)));
        await fc.assert(
          fc.asyncProperty(fc.record({ body, query, path, date: hostileDate }), async (r) => {
            let url = op.path;
            op.params.filter((p) => p.in === 'path').forEach((p, i) => (url = url.replace(`{${p.name}}`, encodeURIComponent(r.path[i]!))));
            const q: Record<string, string> = Object.fromEntries(
              Object.entries(r.query as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
            );
            const b = { ...(r.body as Record<string, unknown>) };
            if (target.in === 'body' && target.list !== null) {
              const items =
                Array.isArray(b[target.list]) && (b[target.list] as unknown[]).length > 0 ? (b[target.list] as unknown[]) : [{}];
              const first = items[0] && typeof items[0] === 'object' ? (items[0] as Record<string, unknown>) : {};
              b[target.list] = [{ ...first, [target.name]: r.date }, ...items.slice(1)];
            } else if (target.in === 'body') b[target.name] = r.date;
            else q[target.name] = r.date;
            const search = new URLSearchParams(q).toString();
            const headers: Record<string, string> = {
              authorization: op.scheme === 'licenseKey' ? `License ${licenseKey}` : `Bearer ${h.adminKey}`,
            };
            const withBody = op.method !== 'GET' && op.method !== 'DELETE';
            if (withBody) headers['content-type'] = 'application/json';
            const before = await dateRows();
            const res = await send(op.method, {
              url: search ? `${url}?${search}` : url,
              headers,
              payload: withBody ? JSON.stringify(b) : undefined,
            });
            const where = `${op.method} ${url}?${search} ${target.name}=${r.date} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            if (res.statusCode >= 400) {
              const code = res.json().error?.code as string;
              refused[code] = (refused[code] ?? 0) + 1;
              expect(ERROR_CODES, where).toContain(code);
              expect(await dateRows(), `${where}: a refused request changed rows`).toBe(before);
            } else {
              // What was accepted can be shown: no signed or five-digit years in the answer.
              expect(res.body, where).not.toMatch(/"[+-]\d{6}-|"\d{5,}-\d\d-\d\dT/);
            }
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
      // The dates themselves were refused, not only the requests around them.
      expect(refused['INVALID_REQUEST'] ?? 0).toBeGreaterThan(targets.length);
    },
  );

  it('refuses a body nested deeper than 64 levels with 400 INVALID_REQUEST', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
      payload: `{"name":"Deep","metadata":${nested('x', 100)}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'body', reason: 'too deep' } });
    // brackets inside strings do not count
    const brackets = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${h.adminKey}` },
      payload: { name: '[{'.repeat(100) },
    });
    expect(brackets.statusCode).toBe(201);
  });

  describe('cases the fuzzing found', () => {
    const expectInvalid = (res: { statusCode: number; json(): { error: Record<string, unknown> }; headers: Record<string, unknown> }) => {
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_REQUEST', requestId: res.headers['x-request-id'] });
    };
    const admin = () => ({ authorization: `Bearer ${h.adminKey}` });

    it("a malformed percent escape or an overlong id in the path gets the standard error, not Fastify's own body", async () => {
      expectInvalid(await app.inject({ method: 'GET', url: '/v1/products/%ED%A0%80', headers: admin() }));
      expectInvalid(await app.inject({ method: 'GET', url: `/v1/products/${'x'.repeat(150)}`, headers: admin() }));
    });

    it('U+0000 in a path, a query or a body is refused on both stores (PostgreSQL answered 500)', async () => {
      const before = await rowCounts();
      expectInvalid(await app.inject({ method: 'GET', url: '/v1/products/%00', headers: admin() }));
      expectInvalid(await app.inject({ method: 'GET', url: '/v1/entitlements?orderRef=a%00b', headers: admin() }));
      expectInvalid(await app.inject({ method: 'POST', url: '/v1/customers', headers: admin(), payload: { name: 'a\u0000b' } }));
      expectInvalid(
        await app.inject({ method: 'POST', url: '/v1/customers', headers: admin(), payload: { name: 'n', metadata: { 'k\u0000': 1 } } }),
      );
      expect(await rowCounts()).toBe(before);
      // a backslash followed by "u0000" is ordinary text
      expect((await app.inject({ method: 'POST', url: '/v1/customers', headers: admin(), payload: { name: '\\u0000' } })).statusCode).toBe(
        201,
      );
    });
  });
});
