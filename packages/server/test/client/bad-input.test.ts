import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { countAll, eventCount } from '../support/counts.js';
import { fp, licensed } from '../support/client.js';

/** One bad client request: sent with the license key of a node-locked or a floating (borrowable) license. */
interface ClientCase {
  name: string;
  path: string;
  license?: 'node' | 'floating' | 'none';
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  field?: string;
}

const long = 'x'.repeat(257);
const badFingerprints: Array<[string, unknown]> = [
  ['too short', 'abc'],
  ['too long', long],
  ['with a space', 'device one two'],
  ['with a non-ASCII letter', 'gerät-0000001'],
  ['a number', 12345678],
  ['null', null],
];

const CASES: ClientCase[] = [
  ...badFingerprints.flatMap(([what, fingerprint]) =>
    ['activate', 'refresh', 'heartbeat', 'deactivate', 'validate'].map((path): ClientCase => ({
      name: `${path}: a fingerprint ${what}`,
      path,
      body: { fingerprint },
      status: 400,
      code: 'INVALID_REQUEST',
      field: 'fingerprint',
    })),
  ),
  { name: 'activate: no fingerprint', path: 'activate', body: {}, status: 400, code: 'INVALID_REQUEST', field: 'fingerprint' },
  {
    name: 'activate: an unknown field',
    path: 'activate',
    body: { fingerprint: fp('new'), colour: 'red' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'colour',
  },
  {
    name: 'activate: nested meta',
    path: 'activate',
    body: { fingerprint: fp('new'), meta: { deep: { x: 1 } } },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'meta.deep',
  },
  {
    name: 'activate: ephemeral as text',
    path: 'activate',
    body: { fingerprint: fp('new'), ephemeral: 'yes' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'ephemeral',
  },
  {
    name: 'activate: an empty user',
    path: 'activate',
    body: { fingerprint: fp('new'), user: '' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'user',
  },
  { name: 'activate: an array body', path: 'activate', body: [{ fingerprint: fp('new') }], status: 400, code: 'INVALID_REQUEST' },
  {
    name: 'activate: malformed JSON',
    path: 'activate',
    body: `{"fingerprint": "${fp('new')}",`,
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'body',
  },
  {
    name: 'activate: a text/plain body',
    path: 'activate',
    body: JSON.stringify({ fingerprint: fp('new') }),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'refresh: an unknown field',
    path: 'refresh',
    body: { fingerprint: fp('held'), force: true },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'force',
  },
  {
    name: 'refresh: malformed JSON',
    path: 'refresh',
    body: '{"fingerprint"',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'body',
  },
  {
    name: 'deactivate: an unknown field (the device keeps its seat)',
    path: 'deactivate',
    body: { fingerprint: fp('held'), everywhere: true },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'everywhere',
  },
  {
    name: 'heartbeat: an unknown field',
    path: 'heartbeat',
    license: 'floating',
    body: { fingerprint: fp('float'), interval: 5 },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'interval',
  },
  {
    name: 'validate: features as text',
    path: 'validate',
    body: { features: 'export' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'features',
  },
  {
    name: 'validate: an unknown field',
    path: 'validate',
    body: { fingerprint: fp('held'), feature: 'export' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'feature',
  },
  ...['P0D', 'PT0S', 'P0Y0M', 'P999999999Y', 'forever', '1 day', '-P1D', 'P', 'PT', 7].map((duration): ClientCase => ({
    name: `borrow: a duration of ${JSON.stringify(duration)}`,
    path: 'borrow',
    license: 'floating',
    body: { fingerprint: fp('float'), duration },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'duration',
  })),
  {
    name: 'borrow: no duration',
    path: 'borrow',
    license: 'floating',
    body: { fingerprint: fp('float') },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'duration',
  },
  {
    name: 'borrow: an unknown field',
    path: 'borrow',
    license: 'floating',
    body: { fingerprint: fp('float'), duration: 'PT1H', offline: true },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'offline',
  },
  {
    name: 'trial: an unknown field',
    path: 'trial',
    license: 'none',
    body: { product: 'app', fingerprint: fp('trial'), plan: 'pro' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'plan',
  },
  {
    name: 'trial: a bad fingerprint',
    path: 'trial',
    license: 'none',
    body: { product: 'app', fingerprint: 'short' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'fingerprint',
  },
  {
    name: 'trial: an email that is not one',
    path: 'trial',
    license: 'none',
    body: { product: 'app', fingerprint: fp('trial'), email: 'nope' },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'email',
  },
  {
    name: 'trial: no product',
    path: 'trial',
    license: 'none',
    body: { fingerprint: fp('trial') },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'product',
  },
];

describe.each(await storeKinds())('bad client input on %s', (kind) => {
  let h: Harness;
  let node: { key: string; entitlement: string };
  let floating: { key: string; entitlement: string };

  /** Everything a bad client request could have written: activations, leases, licenses, events. */
  const snapshot = async () => ({
    activations: await Promise.all(
      [node, floating].map(async (l) => (await h.call('GET', `/v1/entitlements/${l.entitlement}/activations`)).body),
    ),
    leases: await Promise.all([node, floating].map((l) => countAll(h, `/v1/entitlements/${l.entitlement}/leases`))),
    entitlements: await countAll(h, '/v1/entitlements'),
    customers: await countAll(h, '/v1/customers'),
    events: await eventCount(h),
  });

  beforeAll(async () => {
    h = await createHarness(kind);
    const n = await licensed(h, { seats: 3 });
    expect((await n.client('activate', { fingerprint: fp('held') })).status).toBe(201);
    const f = await licensed(h, { seatModel: 'floating', seats: 2, heartbeatWindow: 'PT10M', borrowLimit: 'P2D' });
    expect((await f.client('activate', { fingerprint: fp('float') })).status).toBe(201);
    node = { key: n.key, entitlement: n.entitlement.id };
    floating = { key: f.key, entitlement: f.entitlement.id };
    // The product offers trials, so a trial refused here is refused for its input alone.
    const trial = await h.call('POST', '/v1/offerings', {
      productId: 'app',
      code: 'app-trial',
      name: 'Trial',
      licenseModel: 'trial',
      term: 'P14D',
    });
    expect((await h.call('PATCH', '/v1/products/app', { trialOfferingId: trial.body.id })).status).toBe(200);
  });
  afterAll(() => h.close());

  it.each(CASES)('$name gets $status $code and writes nothing', async (c) => {
    const before = await snapshot();
    const license = c.license ?? 'node';
    const key = license === 'node' ? node.key : license === 'floating' ? floating.key : null;
    const headers: Record<string, string> = { ...(key ? { authorization: `License ${key}` } : {}), ...c.headers };
    const res = await h.call('POST', `/v1/client/${c.path}`, c.body, { key: null, headers });
    expect(res.status, JSON.stringify(res.body)).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
    if (c.field) expect(res.body.error.details.field).toBe(c.field);
    expect(await snapshot()).toEqual(before);
  });

  it('the same requests done right do write, so the snapshot would have seen it', async () => {
    const before = await snapshot();
    const borrow = await h.call(
      'POST',
      '/v1/client/borrow',
      { fingerprint: fp('float'), duration: 'P1D' },
      { key: null, headers: { authorization: `License ${floating.key}` } },
    );
    expect(borrow.status).toBe(200);
    const trial = await h.call('POST', '/v1/client/trial', { product: 'app', fingerprint: fp('trial') }, { key: null });
    expect(trial.status).toBe(201);
    const after = await snapshot();
    expect(after.leases[1]).toBe(before.leases[1]! + 1);
    expect(after.entitlements).toBe(before.entitlements + 1);
    expect(after.events).toBeGreaterThan(before.events);
  });
});
