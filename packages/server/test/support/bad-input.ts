import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from './harness.js';
import { storeKinds } from './stores.js';
import { countAll, eventCount } from './counts.js';

/** One bad request and the answer it must get. */
export interface Case {
  name: string;
  method: string;
  /** `{ent}` is replaced by an active entitlement's id. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The field `details.field` must name; omitted when the whole request is at fault. */
  field?: string;
}

/** An offering body that is valid but for `extra`. */
export const offering = (extra: Record<string, unknown>) => ({
  productId: 'studio',
  code: 'bad-offering',
  name: 'Bad',
  licenseModel: 'subscription',
  term: 'P1Y',
  ...extra,
});
/** An entitlement body that is valid but for `extra`. */
export const grant = (extra: Record<string, unknown>) => ({ customerId: 'crm-1', offeringId: 'studio-pro', ...extra });

/**
 * Runs each case on both stores against a seeded account (product `studio` with features export,
 * projects and renders; offering `studio-pro`; customer `crm-1`; an entitlement `deal-1`) and checks
 * the status, the stable code, `details.field`, the request id — and that nothing was written.
 */
export async function describeBadInput(title: string, cases: Case[], more?: (h: () => Harness) => void): Promise<void> {
  describe.each(await storeKinds())(`${title} on %s`, (kind) => {
    let h: Harness;
    let ent: string;

    /** Everything a bad request could have written. */
    const snapshot = async () => ({
      products: await countAll(h, '/v1/products'),
      features: await countAll(h, '/v1/products/studio/features'),
      offerings: await countAll(h, '/v1/offerings'),
      customers: await countAll(h, '/v1/customers'),
      entitlements: await countAll(h, '/v1/entitlements'),
      keys: await countAll(h, '/v1/api-keys'),
      events: await eventCount(h),
      entitlement: (await h.call('GET', `/v1/entitlements/${ent}`)).body,
      offering: (await h.call('GET', '/v1/offerings/studio-pro')).body,
    });

    beforeAll(async () => {
      h = await createHarness(kind);
      await seedCatalog(h);
      await h.call('POST', '/v1/products/studio/features', { code: 'renders', name: 'Renders', type: 'consumption' });
      ent = (await h.call('POST', '/v1/entitlements', grant({ externalRef: 'deal-1' }))).body.id;
    });
    afterAll(() => h.close());

    it.each(cases)('$name gets $status $code and changes nothing', async (c) => {
      const before = await snapshot();
      const res = await h.call(c.method, c.url.replace('{ent}', ent), c.body, { headers: c.headers });
      expect(res.status, JSON.stringify(res.body)).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error.code).toBe(c.code);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
      if (c.field) expect(res.body.error.details.field).toBe(c.field);
      expect(await snapshot()).toEqual(before);
    });

    more?.(() => h);
  });
}
