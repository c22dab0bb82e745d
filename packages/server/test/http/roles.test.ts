import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { asLicense, fp } from '../support/client.js';

type Role = 'admin' | 'support' | 'readonly';
type Area = 'read' | 'customers' | 'entitlements' | 'catalog' | 'keys';

/** Which roles may do what: the matrix the whole suite checks. */
const ALLOWED: Record<Area, Role[]> = {
  read: ['admin', 'support', 'readonly'],
  customers: ['admin', 'support'],
  entitlements: ['admin', 'support'],
  catalog: ['admin'],
  keys: ['admin'],
};

interface Row {
  area: Area;
  method: string;
  /** Builds the request; writes get fresh targets so an allowed write really succeeds. */
  request: (h: Harness, n: number) => Promise<{ url: string; body?: unknown }>;
}

const post = async (h: Harness, url: string, body: unknown) => {
  const res = await h.call('POST', url, body);
  if (res.status >= 300) throw new Error(`fixture ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const freshEntitlement = async (h: Harness) => (await post(h, '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' })).id;
const freshActivation = async (h: Harness, n: number) => {
  const { key } = await post(h, '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro' });
  const res = await asLicense(h, key)('activate', { fingerprint: fp(`role-${n}`) });
  if (res.status !== 201) throw new Error(`fixture activation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.activation.id as string;
};

/** Every management endpoint, with the area its permission belongs to. */
const ROWS: Row[] = [
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/products' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/products/studio' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/products/studio/features' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/products/studio/features/export' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/offerings' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/offerings/studio-pro' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/customers' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/customers/crm-1' }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/entitlements' }) },
  { area: 'read', method: 'GET', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}` }) },
  { area: 'read', method: 'GET', request: async () => ({ url: '/v1/events' }) },
  { area: 'read', method: 'GET', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/activations` }) },
  { area: 'read', method: 'GET', request: async (h, n) => ({ url: `/v1/activations/${await freshActivation(h, n)}` }) },
  { area: 'read', method: 'GET', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/leases` }) },

  { area: 'catalog', method: 'POST', request: async (_h, n) => ({ url: '/v1/products', body: { code: `p-${n}`, name: 'P' } }) },
  { area: 'catalog', method: 'PATCH', request: async () => ({ url: '/v1/products/studio', body: { name: 'Studio' } }) },
  {
    area: 'catalog',
    method: 'DELETE',
    request: async (h, n) => ({ url: `/v1/products/${(await post(h, '/v1/products', { code: `del-${n}`, name: 'D' })).id}` }),
  },
  {
    area: 'catalog',
    method: 'POST',
    request: async (_h, n) => ({ url: '/v1/products/studio/features', body: { code: `f-${n}`, name: 'F', type: 'boolean' } }),
  },
  { area: 'catalog', method: 'PATCH', request: async () => ({ url: '/v1/products/studio/features/export', body: { name: 'Export' } }) },
  {
    area: 'catalog',
    method: 'DELETE',
    request: async (h, n) => {
      const f = await post(h, '/v1/products/studio/features', { code: `gone-${n}`, name: 'G', type: 'boolean' });
      return { url: `/v1/products/studio/features/${f.id}` };
    },
  },
  {
    area: 'catalog',
    method: 'POST',
    request: async (_h, n) => ({
      url: '/v1/offerings',
      body: { productId: 'studio', code: `o-${n}`, name: 'O', licenseModel: 'perpetual' },
    }),
  },
  { area: 'catalog', method: 'PATCH', request: async () => ({ url: '/v1/offerings/studio-pro', body: { name: 'Studio Pro' } }) },
  {
    area: 'catalog',
    method: 'DELETE',
    request: async (h, n) => {
      const o = await post(h, '/v1/offerings', { productId: 'studio', code: `od-${n}`, name: 'O', licenseModel: 'perpetual' });
      return { url: `/v1/offerings/${o.id}` };
    },
  },

  { area: 'customers', method: 'POST', request: async () => ({ url: '/v1/customers', body: { name: 'New customer' } }) },
  { area: 'customers', method: 'PATCH', request: async () => ({ url: '/v1/customers/crm-1', body: { name: 'Acme Corp' } }) },
  {
    area: 'customers',
    method: 'DELETE',
    request: async (h) => ({ url: `/v1/customers/${(await post(h, '/v1/customers', { name: 'Doomed' })).id}` }),
  },

  {
    area: 'entitlements',
    method: 'POST',
    request: async () => ({ url: '/v1/entitlements', body: { customerId: 'crm-1', offeringId: 'studio-pro' } }),
  },
  {
    area: 'entitlements',
    method: 'PATCH',
    request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}`, body: { overrides: { seats: 9 } } }),
  },
  { area: 'entitlements', method: 'POST', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/suspend` }) },
  {
    area: 'entitlements',
    method: 'POST',
    request: async (h) => {
      const id = await freshEntitlement(h);
      await post(h, `/v1/entitlements/${id}/suspend`, {});
      return { url: `/v1/entitlements/${id}/resume` };
    },
  },
  { area: 'entitlements', method: 'POST', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/renew` }) },
  { area: 'entitlements', method: 'POST', request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/revoke` }) },
  { area: 'entitlements', method: 'DELETE', request: async (h, n) => ({ url: `/v1/activations/${await freshActivation(h, n)}` }) },
  {
    area: 'entitlements',
    method: 'POST',
    request: async (h) => ({ url: `/v1/entitlements/${await freshEntitlement(h)}/return`, body: { reason: 'moved to SaaS' } }),
  },

  { area: 'keys', method: 'GET', request: async () => ({ url: '/v1/api-keys' }) },
  { area: 'keys', method: 'GET', request: async () => ({ url: '/v1/signing-keys' }) },
  { area: 'keys', method: 'POST', request: async () => ({ url: '/v1/signing-keys/rotate' }) },
  { area: 'keys', method: 'POST', request: async () => ({ url: '/v1/api-keys', body: { name: 'K', role: 'readonly' } }) },
  {
    area: 'keys',
    method: 'DELETE',
    request: async (h) => ({ url: `/v1/api-keys/${(await post(h, '/v1/api-keys', { name: 'Doomed', role: 'readonly' })).id}` }),
  },
];

const label = (r: Row) => `${r.area} ${r.method}`;

describe.each(await storeKinds())('roles on %s', (kind) => {
  let h: Harness;
  const keys = {} as Record<Role, string>;
  let n = 0;

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    keys.admin = h.adminKey;
    for (const role of ['support', 'readonly'] as const) {
      keys[role] = (await h.call('POST', '/v1/api-keys', { name: `${role} key`, role })).body.key;
    }
  });
  afterAll(() => h.close());

  for (const role of ['admin', 'support', 'readonly'] as const) {
    it(`${role}: a key does what its role allows and gets 403 FORBIDDEN, writing nothing, for the rest`, async () => {
      for (const row of ROWS) {
        const { url, body } = await row.request(h, ++n);
        const events = await eventCount(h);
        const res = await h.call(row.method, url, body, { key: keys[role] });
        if (ALLOWED[row.area].includes(role)) {
          expect(res.status, `${label(row)} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        } else {
          expect(res.status, `${label(row)} ${url}`).toBe(403);
          expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { role } });
          expect(await eventCount(h), `${label(row)} ${url} wrote an event`).toBe(events);
        }
      }
    });
  }

  it('a write refused for the role is refused before the body is looked at', async () => {
    const res = await h.call('POST', '/v1/products', { code: 42 }, { key: keys.readonly });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  describe('authentication', () => {
    const malformed: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['an empty header', { authorization: '' }],
      ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['a License credential', { authorization: 'License ABCDE-FGHJK' }],
      ['Bearer without a key', { authorization: 'Bearer ' }],
      ['two words after Bearer', { authorization: 'Bearer one two' }],
      ['an unknown key', { authorization: 'Bearer lh_unknown00000000000000000000000000000000' }],
    ];

    it.each(malformed)('%s gets 401 UNAUTHENTICATED on every endpoint, never 403', async (_what, headers) => {
      for (const row of ROWS) {
        const { url, body } = await row.request(h, ++n);
        const res = await h.call(row.method, url, body, { key: null, headers });
        expect(res.status, `${label(row)} ${url}`).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHENTICATED');
        expect(res.body.error.requestId).toBeTruthy();
      }
    });

    it('a revoked key stops working at once, with 401 and not 403', async () => {
      const created = (await h.call('POST', '/v1/api-keys', { name: 'Short-lived', role: 'admin' })).body;
      expect((await h.call('GET', '/v1/products', undefined, { key: created.key })).status).toBe(200);
      expect((await h.call('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(204);
      for (const [method, url] of [
        ['GET', '/v1/products'],
        ['POST', '/v1/customers'],
      ] as const) {
        const res = await h.call(method, url, { name: 'x' }, { key: created.key });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHENTICATED');
      }
      const listed = (await h.call('GET', '/v1/api-keys?limit=500')).body.data.map((k: { id: string }) => k.id);
      expect(listed).not.toContain(created.id);
      expect((await h.call('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(404);
    });

    it('the Bearer scheme is case-insensitive', async () => {
      expect(
        (await h.call('GET', '/v1/products', undefined, { key: null, headers: { authorization: `bearer ${h.adminKey}` } })).status,
      ).toBe(200);
    });
  });

  describe('API keys', () => {
    it('shows a new key’s secret in the create response only, never in the list or the events', async () => {
      const res = await h.call('POST', '/v1/api-keys', { name: 'CRM sync', role: 'support' });
      expect(res.status).toBe(201);
      const { key: secret, ...shown } = res.body;
      expect(secret).toMatch(/^lh_[0-9A-Za-z]{40}$/);
      expect(shown).toMatchObject({ name: 'CRM sync', role: 'support', productId: null, lastUsedAt: null });
      expect(secret.startsWith(shown.prefix)).toBe(true);
      expect(shown.prefix.length).toBeLessThan(secret.length / 2);
      const list = (await h.call('GET', '/v1/api-keys?limit=500')).body.data;
      expect(list.find((k: { id: string }) => k.id === shown.id)).toEqual(shown);
      expect(JSON.stringify(list)).not.toContain(secret);
      const events = (await h.call('GET', '/v1/events?type=api_key.*&limit=500')).body;
      expect(events.data.some((e: { subjectId: string }) => e.subjectId === shown.id)).toBe(true);
      expect(JSON.stringify(events)).not.toContain(secret);
      expect(JSON.stringify(events)).not.toMatch(/hash/i);
    });

    it('refuses to revoke the last admin key (LAST_ADMIN_KEY), which keeps working', async () => {
      const account = await h.newAccount('Solo vendor');
      const as = (method: string, url: string, body?: unknown) => h.call(method, url, body, { key: account.adminKey });
      await as('POST', '/v1/products', { code: 'solo', name: 'Solo' });
      // Neither a product-limited admin key nor a support key can stand in for the account's admin.
      await as('POST', '/v1/api-keys', { name: 'Solo admin', role: 'admin', productId: 'solo' });
      await as('POST', '/v1/api-keys', { name: 'Support', role: 'support' });
      const own = (await as('GET', '/v1/api-keys')).body.data.find((k: { name: string }) => k.name === 'First admin key');
      const events = await eventCount(h, account.adminKey);
      const refused = await as('DELETE', `/v1/api-keys/${own.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('LAST_ADMIN_KEY');
      expect((await as('GET', '/v1/products')).status).toBe(200);
      expect(await eventCount(h, account.adminKey)).toBe(events);

      // With a second account-wide admin key, the first may go — even revoking itself.
      const second = (await as('POST', '/v1/api-keys', { name: 'Second admin', role: 'admin' })).body;
      expect((await as('DELETE', `/v1/api-keys/${own.id}`)).status).toBe(204);
      expect((await as('GET', '/v1/products')).status).toBe(401);
      const last = await h.call('DELETE', `/v1/api-keys/${second.id}`, undefined, { key: second.key });
      expect(last.status).toBe(409);
      expect(last.body.error.code).toBe('LAST_ADMIN_KEY');
    });

    it('refuses an unknown role', async () => {
      const res = await h.call('POST', '/v1/api-keys', { name: 'Root', role: 'superuser' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'role' } });
    });
  });
});
