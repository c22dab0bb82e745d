import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/platform/domain/errors.js';
import type { Context } from '../../src/platform/domain/context.js';
import { NlForm } from '../../src/faces/netlicensing/entities.js';
import { createProduct as nlCreateProduct } from '../../src/faces/netlicensing/products.js';
import { deleteToken } from '../../src/faces/netlicensing/access.js';
import { createHarness, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';

/**
 * The NetLicensing face is a face over the core: what it writes, the core's services write, so the
 * core's rules (product scope, IN_USE, DUPLICATE_CODE, fixed feature codes, date range, the last
 * admin key) hold for /core/v2/rest as they do for /v1, and its events and history are /v1's.
 */

const NL = '/core/v2/rest';

describe.each(await storeKinds())('the NetLicensing face writes through the core (%s)', (kind) => {
  let h: Harness;

  const nl = async (method: string, url: string, body?: Record<string, string>, key = h.adminKey): Promise<Reply> => {
    const res = await h.app.inject({
      method: method as 'GET',
      url: `${NL}${url}`,
      headers: {
        authorization: `Basic ${Buffer.from(`apiKey:${key}`).toString('base64')}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { payload: new URLSearchParams(body).toString() }),
    });
    return { status: res.statusCode, body: JSON.parse(res.body || 'null'), headers: res.headers, raw: res };
  };
  const ok = async (res: Promise<Reply>) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`fixture: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const infoOf = (r: Reply) => r.body.infos.info[0] as { id: string; value: string };
  const eventsOf = async (type: string, subjectId?: string) =>
    (await h.call('GET', `/v1/events?type=${type}${subjectId ? `&subject=${subjectId}` : ''}&limit=100`)).body.data as Array<{
      type: string;
      subjectType: string;
      subjectId: string;
      productId: string | null;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    }>;
  /** A domain context as the routes build one, for the given key scope. */
  const contextFor = (productId: string | null): Context => ({
    store: h.services.store.forAccount({ accountId: h.accountId, productId }),
    clock: h.services.clock,
    ids: h.services.ids,
    secrets: h.services.secrets,
    actor: { type: 'api_key', id: 'test' },
    requestId: null,
  });
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (error) {
      return error as DomainError;
    }
    throw new Error('expected a refusal');
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    await ok(nl('POST', '/product', { number: 'NP', name: 'NL product', licenseeAutoCreate: 'false' }));
    await ok(nl('POST', '/productmodule', { productNumber: 'NP', number: 'NM', name: 'Sub', licensingModel: 'Subscription' }));
    await ok(
      nl('POST', '/licensetemplate', {
        productModuleNumber: 'NM',
        number: 'NT',
        name: 'Monthly',
        licenseType: 'TIMEVOLUME',
        timeVolume: '1',
        timeVolumePeriod: 'MONTH',
      }),
    );
    await ok(nl('POST', '/licensee', { productNumber: 'NP', number: 'NI' }));
  });
  afterAll(() => h.close());

  it('a product-scoped key cannot create a product through /core/v2/rest: 403 AccessDeniedException, nothing written', async () => {
    const scoped = (await h.call('POST', '/v1/api-keys', { name: 'scoped', role: 'admin', productId: 'NP' })).body.key as string;
    const events = await eventCount(h);
    const res = await nl('POST', '/product', { number: 'SCOPED', name: 'Scoped' }, scoped);
    expect(res.status).toBe(403);
    expect(infoOf(res).id).toBe('AccessDeniedException');
    expect((await h.call('GET', '/v1/products/SCOPED')).status).toBe(404);
    expect(await eventCount(h)).toBe(events);
  });

  it("the face's product create refuses a product-scoped caller itself, as the core's createProduct does", async () => {
    const np = (await h.call('GET', '/v1/products/NP')).body.id as string;
    const error = await refusal(nlCreateProduct(contextFor(np), NlForm.of({ number: 'SCOPED2', name: 'Scoped' })));
    expect(error.code).toBe('FORBIDDEN');
    expect((await h.call('GET', '/v1/products/SCOPED2')).status).toBe(404);
  });

  it("a NetLicensing product create records exactly the core's product.created, shaped as /v1's", async () => {
    await ok(h.call('POST', '/v1/products', { code: 'V1P', name: 'V1 product' }));
    const before = await eventCount(h);
    await ok(nl('POST', '/product', { number: 'NP2', name: 'NL product 2', vatMode: 'NET' }));
    expect(await eventCount(h)).toBe(before + 1);
    const nlEvents = await eventsOf('product.created', (await h.call('GET', '/v1/products/NP2')).body.id);
    const [v1Event] = await eventsOf('product.created', (await h.call('GET', '/v1/products/V1P')).body.id);
    expect(nlEvents).toHaveLength(1);
    const nlEvent = nlEvents[0];
    expect(nlEvent!.subjectId).not.toBe(v1Event!.subjectId);
    expect(Object.keys(nlEvent!.after!).sort()).toEqual(Object.keys(v1Event!.after!).sort());
    expect(nlEvent).toMatchObject({ subjectType: 'product', productId: nlEvent!.subjectId, before: null });
    expect(nlEvent!.after).toMatchObject({ code: 'NP2', name: 'NL product 2', metadata: {} });
  });

  it("a NetLicensing product update records the core's product.updated, shaped as /v1's; the face's properties ride beside it", async () => {
    h.clock.advance(1000);
    await ok(h.call('PATCH', '/v1/products/V1P', { name: 'V1 renamed' }));
    await ok(nl('POST', '/product/NP2', { name: 'Renamed', vatMode: 'GROSS' }));
    const [v1Event] = await eventsOf('product.updated', (await h.call('GET', '/v1/products/V1P')).body.id);
    const [nlEvent] = await eventsOf('product.updated', (await h.call('GET', '/v1/products/NP2')).body.id);
    expect(nlEvent!.before).toEqual({ name: 'NL product 2' });
    expect(Object.keys(nlEvent!.before!)).toEqual(Object.keys(v1Event!.before!));
    expect(nlEvent!.after).toEqual({ name: 'Renamed', netlicensing: { vatMode: 'GROSS' } });
    expect(v1Event!.after).toEqual({ name: 'V1 renamed' });
  });

  it("a duplicate number gets the core's DUPLICATE_CODE, as NetLicensing's IllegalOperationException", async () => {
    const product = await nl('POST', '/product', { number: 'V1P', name: 'Again' });
    expect(product.status).toBe(400);
    expect(infoOf(product)).toMatchObject({ id: 'IllegalOperationException', value: 'A product with code "V1P" already exists.' });
    const template = await nl('POST', '/licensetemplate', {
      productModuleNumber: 'NM',
      number: 'NT',
      name: 'Again',
      licenseType: 'FEATURE',
    });
    expect(template.status).toBe(400);
    expect(infoOf(template)).toMatchObject({ id: 'IllegalOperationException', value: 'An offering with code "NT" already exists.' });
  });

  it('a license created through NetLicensing is the same entitlement as one created through /v1: key, events, history', async () => {
    const customer = (await h.call('GET', '/v1/customers/NI')).body.id as string;
    const v1 = (await ok(h.call('POST', '/v1/entitlements', { customerId: customer, offeringId: 'NT' }))) as { id: string; key: string };
    await ok(nl('POST', '/license', { licenseeNumber: 'NI', licenseTemplateNumber: 'NT', number: 'NLIC' }));
    const viaNl = (await h.call('GET', '/v1/entitlements/NLIC')).body as { id: string; key: string; state: string; endsAt: string };
    const viaV1 = (await h.call('GET', `/v1/entitlements/${v1.id}`)).body as { key: string; startsAt: string; endsAt: string };
    expect(viaNl.state).toBe('active');
    expect(viaNl.key).toMatch(new RegExp(`^${viaV1.key.replace(/[A-Z0-9]/g, '[A-Z0-9]')}$`));
    const [nlEvent] = await eventsOf('entitlement.created', viaNl.id);
    const [v1Event] = await eventsOf('entitlement.created', v1.id);
    expect(Object.keys(nlEvent!.after!).sort()).toEqual(Object.keys(v1Event!.after!).sort());
    const history = async (id: string) =>
      ((await h.call('GET', `/v1/entitlements/${id}/history`)).body.data as Array<{ version: number; change: string }>).map((v) => [
        v.version,
        v.change,
      ]);
    expect(await history(viaNl.id)).toEqual([[1, 'entitlement.created']]);
    expect(await history(viaNl.id)).toEqual(await history(v1.id));
  });

  it("a license whose end falls past the representable range gets the core's DATE_OUT_OF_RANGE, and nothing is written", async () => {
    await ok(
      nl('POST', '/licensetemplate', {
        productModuleNumber: 'NM',
        number: 'NT-LONG',
        name: 'Forever and more',
        licenseType: 'TIMEVOLUME',
        timeVolume: '999',
        timeVolumePeriod: 'YEAR',
      }),
    );
    const events = await eventCount(h);
    const res = await nl('POST', '/license', {
      licenseeNumber: 'NI',
      licenseTemplateNumber: 'NT-LONG',
      number: 'NLONG',
      startDate: '9500-01-01',
    });
    expect(res.status).toBe(400);
    expect(infoOf(res).id).toBe('IllegalOperationException');
    expect(infoOf(res).value).toMatch(/9999-12-31/);
    expect((await h.call('GET', '/v1/entitlements/NLONG')).status).toBe(404);
    expect(await eventCount(h)).toBe(events);
  });

  it("deleting a module whose feature an entitlement overrides gets the core's IN_USE; the feature stays", async () => {
    await ok(nl('POST', '/productmodule', { productNumber: 'NP', number: 'NM-X', name: 'Extra', licensingModel: 'Subscription' }));
    const customer = (await h.call('GET', '/v1/customers/NI')).body.id as string;
    await ok(h.call('POST', '/v1/entitlements', { customerId: customer, offeringId: 'NT', overrides: { features: { 'NM-X': true } } }));
    const events = await eventCount(h);
    const res = await nl('DELETE', '/productmodule/NM-X');
    expect(res.status).toBe(400);
    expect(infoOf(res)).toMatchObject({ id: 'IllegalOperationException', value: 'Entitlements still override feature "NM-X".' });
    expect((await h.call('GET', '/v1/products/NP/features/NM-X')).status).toBe(200);
    expect((await nl('GET', '/productmodule/NM-X')).status).toBe(200);
    expect(await eventCount(h)).toBe(events);
  });

  it("a module's number is fixed like its feature's code: the templates that grant it keep granting it", async () => {
    const res = await nl('POST', '/productmodule/NM', { number: 'NM-RENAMED' });
    expect(res.status).toBe(400);
    expect(infoOf(res).id).toBe('IllegalOperationException');
    expect((await h.call('GET', '/v1/products/NP/features/NM')).status).toBe(200);
    expect((await h.call('GET', '/v1/offerings/NT')).body.features).toEqual({ NM: true });
  });

  it("revoking the account's last admin key through the face gets the core's LAST_ADMIN_KEY", async () => {
    const keys = (await h.call('GET', '/v1/api-keys?limit=100')).body.data as Array<{ id: string; role: string; productId: string | null }>;
    const admins = keys.filter((k) => k.role === 'admin' && k.productId === null);
    expect(admins).toHaveLength(1);
    const error = await refusal(deleteToken(contextFor(null), admins[0]!.id));
    expect(error.code).toBe('LAST_ADMIN_KEY');
    expect((await h.call('GET', '/v1/products')).status).toBe(200);
  });
});
