import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { countAll, eventCount } from '../support/counts.js';

describe.each(await storeKinds())('catalog on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  async function product(code: string) {
    const res = await h.call('POST', '/v1/products', { code, name: `Product ${code}` });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function feature(productRef: string, code: string, type: string) {
    const res = await h.call('POST', `/v1/products/${productRef}/features`, { code, name: code, type });
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('products', () => {
    it('creates a product and reads it back by id and by code', async () => {
      const created = await h.call('POST', '/v1/products', { code: 'editor', name: 'Editor', metadata: { tier: 'gold', seats: 3 } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ code: 'editor', name: 'Editor', metadata: { tier: 'gold', seats: 3 } });
      expect(created.body.id).toMatch(/^prod_[0-9a-z]{26}$/);
      expect((await h.call('GET', `/v1/products/${created.body.id}`)).body).toEqual(created.body);
      expect((await h.call('GET', '/v1/products/editor')).body).toEqual(created.body);
    });

    it('lists products newest first', async () => {
      const a = await product('list-a');
      const b = await product('list-b');
      const ids = (await h.call('GET', '/v1/products')).body.data.map((p: { id: string }) => p.id);
      expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
      expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
    });

    it('patches only the fields sent, by code, and records the change', async () => {
      const p = await product('patch-me');
      const res = await h.call('PATCH', '/v1/products/patch-me', { name: 'Renamed' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: p.id, code: 'patch-me', name: 'Renamed', metadata: {} });
      const recoded = await h.call('PATCH', `/v1/products/${p.id}`, { code: 'patched' });
      expect(recoded.body.code).toBe('patched');
      expect((await h.call('GET', '/v1/products/patch-me')).status).toBe(404);
      const ev = (await h.call('GET', `/v1/events?subject=${p.id}&type=product.updated`)).body.data;
      expect(ev.map((e: { after: unknown }) => e.after)).toEqual([{ code: 'patched' }, { name: 'Renamed' }]);
    });

    it('refuses a duplicate code on create and on patch', async () => {
      await product('dup-a');
      await product('dup-b');
      const again = await h.call('POST', '/v1/products', { code: 'dup-a', name: 'Again' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'DUPLICATE_CODE', details: { field: 'code' } });
      const clash = await h.call('PATCH', '/v1/products/dup-b', { code: 'dup-a' });
      expect(clash.status).toBe(409);
      expect(clash.body.error.code).toBe('DUPLICATE_CODE');
      expect((await h.call('GET', '/v1/products/dup-b')).status).toBe(200);
    });

    it('deletes a product without offerings, and its features with it', async () => {
      const p = await product('doomed');
      await feature('doomed', 'f1', 'boolean');
      const del = await h.call('DELETE', '/v1/products/doomed');
      expect(del.status).toBe(204);
      expect(del.body).toBeUndefined();
      expect((await h.call('GET', `/v1/products/${p.id}`)).body.error.code).toBe('NOT_FOUND');
      expect((await h.call('GET', `/v1/products/${p.id}/features`)).status).toBe(404);
      // The code is free again.
      expect((await h.call('POST', '/v1/products', { code: 'doomed', name: 'Reborn' })).status).toBe(201);
      expect((await h.call('GET', '/v1/products/doomed/features')).body.data).toEqual([]);
    });

    it('refuses to delete a product that has offerings (IN_USE)', async () => {
      const p = await product('has-offers');
      await h.call('POST', '/v1/offerings', { productId: p.id, code: 'has-offers-1', name: 'One', licenseModel: 'perpetual' });
      const before = await eventCount(h);
      const del = await h.call('DELETE', '/v1/products/has-offers');
      expect(del.status).toBe(409);
      expect(del.body.error).toMatchObject({ code: 'IN_USE', details: { offerings: 1 } });
      expect((await h.call('GET', '/v1/products/has-offers')).status).toBe(200);
      expect(await eventCount(h)).toBe(before);
    });

    it('answers 404 NOT_FOUND for an unknown product on every verb', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await h.call(method, '/v1/products/no-such-product', body);
        expect(res.status, method).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    });
  });

  describe('features', () => {
    it('creates features of each type and reads them by id and by code', async () => {
      await product('feat-host');
      for (const type of ['boolean', 'numeric', 'consumption', 'pool']) {
        const f = await feature('feat-host', `f-${type}`, type);
        expect(f).toMatchObject({ code: `f-${type}`, type, unit: null });
        expect(f.id).toMatch(/^feat_/);
        expect((await h.call('GET', `/v1/products/feat-host/features/${f.id}`)).body).toEqual(f);
        expect((await h.call('GET', `/v1/products/feat-host/features/f-${type}`)).body).toEqual(f);
      }
      const list = (await h.call('GET', '/v1/products/feat-host/features')).body.data;
      expect(list.map((f: { code: string }) => f.code)).toEqual(['f-pool', 'f-consumption', 'f-numeric', 'f-boolean']);
    });

    it('keeps feature codes unique per product, not per account', async () => {
      await product('fa');
      await product('fb');
      await feature('fa', 'shared', 'boolean');
      expect((await h.call('POST', '/v1/products/fb/features', { code: 'shared', name: 'S', type: 'boolean' })).status).toBe(201);
      const dup = await h.call('POST', '/v1/products/fa/features', { code: 'shared', name: 'S', type: 'numeric' });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ code: 'DUPLICATE_CODE', details: { field: 'code' } });
      // A feature is reached only under its own product.
      const fbShared = (await h.call('GET', '/v1/products/fb/features/shared')).body;
      expect((await h.call('GET', `/v1/products/fa/features/${fbShared.id}`)).status).toBe(404);
    });

    it('patches name and unit but never code or type', async () => {
      await product('fp');
      await feature('fp', 'seats-ish', 'numeric');
      const res = await h.call('PATCH', '/v1/products/fp/features/seats-ish', { name: 'Projects', unit: 'projects' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ code: 'seats-ish', name: 'Projects', unit: 'projects', type: 'numeric' });
      const typeChange = await h.call('PATCH', '/v1/products/fp/features/seats-ish', { type: 'boolean' });
      expect(typeChange.status).toBe(400);
      expect(typeChange.body.error.details.field).toBe('type');
    });

    it('deletes an unused feature, and refuses one an offering sets (IN_USE)', async () => {
      await product('fd');
      await feature('fd', 'free', 'boolean');
      await feature('fd', 'held', 'boolean');
      await h.call('POST', '/v1/offerings', {
        productId: 'fd',
        code: 'fd-1',
        name: 'FD',
        licenseModel: 'perpetual',
        features: { held: true },
      });
      expect((await h.call('DELETE', '/v1/products/fd/features/free')).status).toBe(204);
      expect((await h.call('GET', '/v1/products/fd/features/free')).status).toBe(404);
      const refused = await h.call('DELETE', '/v1/products/fd/features/held');
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'IN_USE', details: { offerings: ['fd-1'] } });
      expect((await h.call('GET', '/v1/products/fd/features/held')).status).toBe(200);
    });

    it('refuses to delete a feature an entitlement still overrides (IN_USE), naming the entitlements', async () => {
      await product('fo');
      await feature('fo', 'seat-pack', 'numeric');
      await feature('fo', 'seat', 'boolean');
      await feature('fo', 'pack', 'boolean');
      await h.call('POST', '/v1/offerings', { productId: 'fo', code: 'fo-1', name: 'FO', licenseModel: 'perpetual' });
      const customer = (await h.call('POST', '/v1/customers', { name: 'FO customer' })).body;
      const grant = async (features: Record<string, unknown>) => {
        const res = await h.call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'fo-1', overrides: { features } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return res.body.id as string;
      };
      const first = await grant({ 'seat-pack': 5 });
      const second = await grant({ 'seat-pack': 2, pack: true });
      await grant({ pack: true }); // names neither seat-pack nor seat

      const before = await eventCount(h);
      const refused = await h.call('DELETE', '/v1/products/fo/features/seat-pack');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('IN_USE');
      expect(refused.body.error.details.entitlements.sort()).toEqual([first, second].sort());
      expect(refused.body.error.details.resolve).toBeTruthy();
      expect((await h.call('GET', '/v1/products/fo/features/seat-pack')).status).toBe(200);
      expect(await eventCount(h)).toBe(before);

      // A code that only appears inside another feature's code is not in use.
      expect((await h.call('DELETE', '/v1/products/fo/features/seat')).status).toBe(204);

      // Once the overrides let go of it, the feature may go.
      for (const id of [first, second]) {
        expect((await h.call('PATCH', `/v1/entitlements/${id}`, { overrides: { features: { 'seat-pack': null } } })).status).toBe(200);
      }
      expect((await h.call('DELETE', '/v1/products/fo/features/seat-pack')).status).toBe(204);
    });
  });

  describe('offerings', () => {
    beforeAll(async () => {
      await product('app');
      await feature('app', 'export', 'boolean');
      await feature('app', 'projects', 'numeric');
      await feature('app', 'renders', 'consumption');
      await feature('app', 'exports', 'pool');
    });

    const base = { productId: 'app', name: 'Plan', licenseModel: 'perpetual' };

    it('creates an offering with defaults: node_locked, one seat, lease period P7D, no term', async () => {
      const res = await h.call('POST', '/v1/offerings', { ...base, code: 'defaults' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        code: 'defaults',
        licenseModel: 'perpetual',
        seatModel: 'node_locked',
        seats: 1,
        term: null,
        leasePeriod: 'P7D',
        features: {},
        rehostLimit: null,
        maintenanceTerm: null,
        metadata: {},
      });
      expect(res.body.id).toMatch(/^off_/);
      const p = (await h.call('GET', '/v1/products/app')).body;
      expect(res.body.productId).toBe(p.id);
      expect((await h.call('GET', `/v1/offerings/${res.body.id}`)).body).toEqual(res.body);
      expect((await h.call('GET', '/v1/offerings/defaults')).body).toEqual(res.body);
    });

    it('keeps every field sent, with feature values of every type', async () => {
      const body = {
        ...base,
        code: 'full',
        licenseModel: 'subscription',
        seatModel: 'floating',
        seats: 25,
        term: 'P1M',
        leasePeriod: 'PT12H',
        features: { export: false, projects: 2.5, renders: { limit: 100, period: 'P1D', overage: 'bill' }, exports: 3 },
        rehostLimit: 0,
        maintenanceTerm: 'P1Y',
        metadata: { sku: 'APP-FULL' },
      };
      const res = await h.call('POST', '/v1/offerings', body);
      expect(res.status).toBe(201);
      const { productId: _p, ...rest } = body;
      expect(res.body).toMatchObject(rest);
    });

    it('requires a term for subscription and trial offerings, and refuses one on a perpetual offering', async () => {
      const before = await countAll(h, '/v1/offerings');
      for (const [licenseModel, term] of [
        ['subscription', undefined],
        ['trial', null],
        ['perpetual', 'P1Y'],
      ] as const) {
        const res = await h.call('POST', '/v1/offerings', { ...base, code: `rule-${licenseModel}`, licenseModel, term });
        expect(res.status, licenseModel).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'term' } });
      }
      expect((await h.call('POST', '/v1/offerings', { ...base, code: 'trial-ok', licenseModel: 'trial', term: 'P14D' })).status).toBe(201);
      expect((await h.call('POST', '/v1/offerings', { ...base, code: 'usage-ok', licenseModel: 'usage' })).status).toBe(201);
      expect(await countAll(h, '/v1/offerings')).toBe(before + 2);
    });

    it('holds the term rules on patch too', async () => {
      await h.call('POST', '/v1/offerings', { ...base, code: 'sub', licenseModel: 'subscription', term: 'P1Y' });
      const dropTerm = await h.call('PATCH', '/v1/offerings/sub', { term: null });
      expect(dropTerm.status).toBe(400);
      expect(dropTerm.body.error.details.field).toBe('term');
      const toPerpetual = await h.call('PATCH', '/v1/offerings/sub', { licenseModel: 'perpetual', term: null });
      expect(toPerpetual.status).toBe(200);
      expect(toPerpetual.body).toMatchObject({ licenseModel: 'perpetual', term: null });
    });

    it('refuses feature codes the product does not have (UNKNOWN_FEATURE)', async () => {
      const res = await h.call('POST', '/v1/offerings', { ...base, code: 'unknown-f', features: { export: true, teleport: true } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'UNKNOWN_FEATURE', details: { field: 'features.teleport', feature: 'teleport' } });
      expect((await h.call('GET', '/v1/offerings/unknown-f')).status).toBe(404);
    });

    it.each([
      ['export', 1, 'boolean'],
      ['projects', true, 'numeric'],
      ['renders', 1.5, 'consumption'],
      ['renders', -1, 'consumption'],
      ['renders', true, 'consumption'],
      ['exports', 2.5, 'pool'],
      ['exports', -3, 'pool'],
      ['exports', false, 'pool'],
    ])('refuses %s = %j, a value that does not suit a %s feature (INVALID_FEATURE_VALUE)', async (code, value, type) => {
      const res = await h.call('POST', '/v1/offerings', { ...base, code: `bad-value-${type}`, features: { [code]: value } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'INVALID_FEATURE_VALUE', details: { field: `features.${code}`, type } });
    });

    it('validates feature values on patch, and a patched features map replaces the old one', async () => {
      await h.call('POST', '/v1/offerings', { ...base, code: 'fv', features: { export: true, projects: 3 } });
      const bad = await h.call('PATCH', '/v1/offerings/fv', { features: { projects: 'many' } });
      expect(bad.status).toBe(400); // not a feature value at all: refused by the schema
      const wrongType = await h.call('PATCH', '/v1/offerings/fv', { features: { export: 7 } });
      expect(wrongType.status).toBe(422);
      expect(wrongType.body.error.code).toBe('INVALID_FEATURE_VALUE');
      const ok = await h.call('PATCH', '/v1/offerings/fv', { features: { projects: 4 } });
      expect(ok.body.features).toEqual({ projects: 4 });
    });

    it('refuses an offering for an unknown product (UNKNOWN_REFERENCE) and a duplicate code', async () => {
      const unknown = await h.call('POST', '/v1/offerings', { ...base, productId: 'nope', code: 'orphan' });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'productId' } });
      await h.call('POST', '/v1/offerings', { ...base, code: 'once' });
      const dup = await h.call('POST', '/v1/offerings', { ...base, code: 'once' });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ code: 'DUPLICATE_CODE', details: { field: 'code' } });
    });

    it('lists offerings, filtered by product id or code', async () => {
      await product('other-app');
      const mine = (await h.call('POST', '/v1/offerings', { ...base, productId: 'other-app', code: 'other-1' })).body;
      const byCode = (await h.call('GET', '/v1/offerings?productId=other-app')).body.data;
      expect(byCode.map((o: { id: string }) => o.id)).toEqual([mine.id]);
      const byId = (await h.call('GET', `/v1/offerings?productId=${mine.productId}`)).body.data;
      expect(byId.map((o: { id: string }) => o.id)).toEqual([mine.id]);
      const all = (await h.call('GET', '/v1/offerings?limit=500')).body.data;
      expect(all.length).toBeGreaterThan(1);
      expect((await h.call('GET', '/v1/offerings?productId=nope')).status).toBe(404);
    });

    it('deletes an offering no entitlement holds, and refuses one that is held (IN_USE)', async () => {
      await h.call('POST', '/v1/offerings', { ...base, code: 'unheld' });
      expect((await h.call('DELETE', '/v1/offerings/unheld')).status).toBe(204);
      expect((await h.call('GET', '/v1/offerings/unheld')).status).toBe(404);

      await h.call('POST', '/v1/offerings', { ...base, code: 'held' });
      const c = (await h.call('POST', '/v1/customers', { name: 'Holder' })).body;
      expect((await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'held' })).status).toBe(201);
      const refused = await h.call('DELETE', '/v1/offerings/held');
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'IN_USE', details: { entitlements: 1 } });
      expect((await h.call('GET', '/v1/offerings/held')).status).toBe(200);
    });
  });
});
