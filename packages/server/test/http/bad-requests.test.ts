import { expect, it } from 'vitest';
import { describeBadInput, grant, offering, type Case } from '../support/bad-input.js';

/** Bad durations and dates, and requests that are wrong as a whole: size, syntax, media type, paging. */
const CASES: Case[] = [
  // durations
  ...['P0D', 'PT0S', 'P0Y0M', '1 year', 'P', 'PT', 'P1', '-P1D', 'P1.5Y', 'P999999999Y'].map((term): Case => ({
    name: `term ${JSON.stringify(term)}`,
    method: 'POST',
    url: '/v1/offerings',
    body: offering({ term }),
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'term',
  })),
  {
    name: 'a zero lease period',
    method: 'PATCH',
    url: '/v1/offerings/studio-pro',
    body: { leasePeriod: 'P0D' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'leasePeriod',
  },
  {
    name: 'a zero maintenance term',
    method: 'POST',
    url: '/v1/offerings',
    body: offering({ maintenanceTerm: 'P0M' }),
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'maintenanceTerm',
  },
  {
    name: 'a zero lease period override',
    method: 'PATCH',
    url: '/v1/entitlements/{ent}',
    body: { overrides: { leasePeriod: 'PT0S' } },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'overrides.leasePeriod',
  },
  {
    name: 'an endless term override',
    method: 'POST',
    url: '/v1/entitlements',
    body: grant({ overrides: { term: 'P99999999Y' } }),
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'overrides.term',
  },
  {
    name: 'a renewal by nothing',
    method: 'POST',
    url: '/v1/entitlements/{ent}/renew',
    body: { term: 'P0D' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'term',
  },
  {
    name: 'a renewal by "1 year"',
    method: 'POST',
    url: '/v1/entitlements/{ent}/renew',
    body: { term: '1 year' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'term',
  },
  // dates
  {
    name: 'endsAt before startsAt',
    method: 'POST',
    url: '/v1/entitlements',
    body: grant({ startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-04-01T00:00:00Z' }),
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'endsAt',
  },
  {
    name: 'endsAt equal to startsAt',
    method: 'POST',
    url: '/v1/entitlements',
    body: grant({ startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-05-01T00:00:00Z' }),
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'endsAt',
  },
  {
    name: 'a patch moving endsAt before startsAt',
    method: 'PATCH',
    url: '/v1/entitlements/{ent}',
    body: { endsAt: '2020-01-01T00:00:00Z' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'endsAt',
  },
  // the request itself
  {
    name: 'an oversized body',
    method: 'POST',
    url: '/v1/customers',
    body: { name: 'C', metadata: { blob: 'x'.repeat(300 * 1024) } },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'malformed JSON',
    method: 'POST',
    url: '/v1/customers',
    body: '{"name": "C",',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'body',
  },
  {
    name: 'an empty JSON body',
    method: 'POST',
    url: '/v1/customers',
    body: '',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'body',
  },
  {
    name: 'a text/plain body',
    method: 'POST',
    url: '/v1/customers',
    body: '{"name": "C"}',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body',
    method: 'POST',
    url: '/v1/customers',
    body: 'name=C',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an XML body',
    method: 'POST',
    url: '/v1/customers',
    body: '<name>C</name>',
    headers: { 'content-type': 'application/xml' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  // lists
  {
    name: 'a cursor this API never returned',
    method: 'GET',
    url: '/v1/customers?cursor=bm90LWEtY3Vyc29y',
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'cursor',
  },
  { name: 'a limit over 500', method: 'GET', url: '/v1/entitlements?limit=501', status: 400, code: 'INVALID_REQUEST', field: 'limit' },
  { name: 'a zero limit', method: 'GET', url: '/v1/products?limit=0', status: 400, code: 'INVALID_REQUEST', field: 'limit' },
  {
    name: 'a limit that is not a number',
    method: 'GET',
    url: '/v1/events?limit=ten',
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'limit',
  },
  {
    name: 'an unknown state filter',
    method: 'GET',
    url: '/v1/entitlements?state=zombie',
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'state',
  },
  {
    name: 'an events range that is not a time',
    method: 'GET',
    url: '/v1/events?from=last-week',
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'from',
  },
];

await describeBadInput('bad requests', CASES, (h) => {
  it('never answers a body of the wrong shape with a 500', async () => {
    const bodies: unknown[] = [null, 0, 'text', true, { name: null }, { name: '' }, { name: 'x'.repeat(201) }, { name: 'C', metadata: [] }];
    for (const body of bodies) {
      const res = await h().call('POST', '/v1/customers', JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
  });
});
