import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nl from 'netlicensing-client';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const { Context, Constants, Product, ProductModule, LicenseTemplate, Licensee, License, Token, ValidationParameters } = nl;
const {
  ProductService,
  ProductModuleService,
  LicenseTemplateService,
  LicenseeService,
  LicenseService,
  TokenService,
  TransactionService,
  UtilityService,
} = nl;

const DAY = 24 * 60 * 60 * 1000;

/** The real netlicensing-client, pointed at Leasehold: the one line a migrating vendor changes. */
function contextFor(baseUrl: string, apiKey: string) {
  return new Context().setBaseUrl(baseUrl).setSecurityMode(Constants.APIKEY_IDENTIFICATION).setApiKey(apiKey);
}

async function rejection(p: Promise<unknown>): Promise<{ message: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { message: string; response?: { status?: number } };
    return { message: err.message, status: err.response?.status };
  }
  throw new Error('expected the call to fail');
}

describe.each(await storeKinds())('NetLicensing-compatible API through netlicensing-client (%s)', (kind) => {
  let h: Harness;
  let base: string;
  let ctx: ReturnType<typeof contextFor>;

  beforeAll(async () => {
    h = await createHarness(kind);
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `${address}/core/v2/rest`;
    ctx = contextFor(base, h.adminKey);
  });
  afterAll(async () => h?.close());

  it('lists the utility catalogues', async () => {
    const models = await UtilityService.listLicensingModels(ctx);
    expect(JSON.stringify(models)).toContain('Floating');
    const types = await UtilityService.listLicenseTypes(ctx);
    expect(types.length).toBe(4);
  });

  it('creates, reads, lists, updates and deletes products, modules and templates', async () => {
    const product = await ProductService.create(
      ctx,
      new Product().setNumber('P-CRUD').setName('Crud Product').setVersion('1.0').setActive(true).setProperty('crmSystem', 'hub'),
    );
    expect(product.getNumber()).toBe('P-CRUD');
    expect(product.getProperty('crmSystem')).toBe('hub');
    expect((await ProductService.get(ctx, 'P-CRUD')).getName()).toBe('Crud Product');
    const renamed = await ProductService.update(ctx, 'P-CRUD', new Product().setName('Renamed').setProperty('crmSystem', ''));
    expect(renamed.getName()).toBe('Renamed');
    expect(renamed.getProperty('crmSystem')).toBeUndefined();
    // It is a Leasehold product, visible to the rest of the API.
    expect((await h.call('GET', '/v1/products/P-CRUD')).body.name).toBe('Renamed');

    const module = await ProductModuleService.create(
      ctx,
      'P-CRUD',
      new ProductModule().setNumber('M-CRUD').setName('Crud module').setLicensingModel('Subscription'),
    );
    expect(module.getProperty('productNumber')).toBe('P-CRUD');
    expect((await ProductModuleService.update(ctx, 'M-CRUD', new ProductModule().setName('Module 2'))).getName()).toBe('Module 2');
    const template = await LicenseTemplateService.create(
      ctx,
      'M-CRUD',
      new LicenseTemplate()
        .setNumber('E-CRUD')
        .setName('30 days')
        .setLicenseType('TIMEVOLUME')
        .setTimeVolume(30)
        .setPrice(5)
        .setCurrency('EUR'),
    );
    expect(template.getProperty('productModuleName')).toBe('Module 2');
    expect(template.getPrice()).toBe(5);
    const offering = (await h.call('GET', '/v1/offerings/E-CRUD')).body;
    expect(offering).toMatchObject({ licenseModel: 'subscription', term: 'P30D', features: { 'M-CRUD': true } });
    expect((await LicenseTemplateService.update(ctx, 'E-CRUD', new LicenseTemplate().setTimeVolume(60))).getTimeVolume()).toBe(60);
    expect((await h.call('GET', '/v1/offerings/E-CRUD')).body.term).toBe('P60D');

    const templates = await LicenseTemplateService.list(ctx, 'productModuleNumber=M-CRUD');
    expect(templates.map((t: { getNumber(): string }) => t.getNumber())).toEqual(['E-CRUD']);
    expect((await ProductModuleService.list(ctx, 'productNumber=P-CRUD')).length).toBe(1);
    expect((await ProductService.list(ctx)).map((p: { getNumber(): string }) => p.getNumber())).toContain('P-CRUD');

    // Without cascade a product with modules stays; with it, everything goes.
    expect((await rejection(ProductService.delete(ctx, 'P-CRUD', false))).status).toBe(400);
    await LicenseTemplateService.delete(ctx, 'E-CRUD', false);
    await ProductModuleService.delete(ctx, 'M-CRUD', false);
    await ProductService.delete(ctx, 'P-CRUD', true);
    expect((await rejection(ProductService.get(ctx, 'P-CRUD'))).status).toBe(404);
  });

  it('the first validation of a new licensee starts an automatic hidden trial and answers valid with evaluation', async () => {
    await ProductService.create(ctx, new Product().setNumber('P-AUTO-1').setName('Auto trial').setLicenseeAutoCreate(true));
    await ProductModuleService.create(
      ctx,
      'P-AUTO-1',
      new ProductModule().setNumber('M-AUTO-TNB').setName('Try & Buy').setLicensingModel('TryAndBuy'),
    );
    await LicenseTemplateService.create(
      ctx,
      'M-AUTO-TNB',
      new LicenseTemplate()
        .setNumber('E-AUTO-TRIAL')
        .setName('Trial')
        .setLicenseType('TIMEVOLUME')
        .setTimeVolume(14)
        .setTimeVolumePeriod('DAY')
        .setPrice(0)
        .setCurrency('EUR')
        .setAutomatic(true)
        .setHidden(true),
    );
    // A real clock moves while a request runs: the trial granted inside the validation must count as
    // started at the moment that validation judges (the bug: it started a millisecond later, so the
    // first answer was valid=false). Time here ticks a millisecond every time anything reads it.
    const startedAt = h.clock.now();
    const read = h.clock.now.bind(h.clock);
    h.clock.now = () => {
      h.clock.advance(1);
      return read();
    };
    let first;
    try {
      first = await LicenseeService.validate(ctx, 'I-AUTO-NEW', new ValidationParameters().setProductNumber('P-AUTO-1'));
    } finally {
      h.clock.now = read;
    }
    const trial = first.getProductModuleValidation('M-AUTO-TNB');
    expect(trial).toMatchObject({ valid: 'true', evaluation: 'true' });
    expect(Date.parse(trial.evaluationExpires) - startedAt).toBeGreaterThanOrEqual(14 * DAY);
    expect(Date.parse(trial.evaluationExpires) - startedAt).toBeLessThan(14 * DAY + 1000);
    // The trial is granted once: a second validation sees the same trial, still running.
    h.clock.advance(DAY);
    const second = await LicenseeService.validate(ctx, 'I-AUTO-NEW', new ValidationParameters());
    expect(second.getProductModuleValidation('M-AUTO-TNB')).toMatchObject({ valid: 'true', evaluation: 'true' });
    expect((await LicenseService.list(ctx, 'licenseeNumber=I-AUTO-NEW')).length).toBe(1);
    h.clock.advance(14 * DAY);
    const over = await LicenseeService.validate(ctx, 'I-AUTO-NEW', new ValidationParameters());
    expect(over.getProductModuleValidation('M-AUTO-TNB')).toMatchObject({ valid: 'false', evaluation: 'true' });
  });

  it('runs the full flow: licensees, licenses, Subscription + TryAndBuy + Floating validation, events', async () => {
    await ProductService.create(
      ctx,
      new Product().setNumber('P-DEMO-1').setName('Demo Product').setLicenseeAutoCreate(true).setProperty('licenseCheckInterval', 'PT2H'),
    );
    await ProductModuleService.create(
      ctx,
      'P-DEMO-1',
      new ProductModule().setNumber('M-SUB-1').setName('Subscription module').setLicensingModel('Subscription'),
    );
    await ProductModuleService.create(
      ctx,
      'P-DEMO-1',
      new ProductModule().setNumber('M-TNB-1').setName('Try & Buy module').setLicensingModel('TryAndBuy'),
    );
    await ProductModuleService.create(
      ctx,
      'P-DEMO-1',
      new ProductModule().setNumber('M-FLT-1').setName('Floating module').setLicensingModel('Floating').setMaxCheckoutValidity(600),
    );
    const tpl = (n: string, m: string, t: InstanceType<typeof LicenseTemplate>) => LicenseTemplateService.create(ctx, m, t.setNumber(n));
    await tpl(
      'E-SUB30-1',
      'M-SUB-1',
      new LicenseTemplate()
        .setName('30 days')
        .setLicenseType('TIMEVOLUME')
        .setTimeVolume(30)
        .setTimeVolumePeriod('DAY')
        .setPrice(5)
        .setCurrency('EUR'),
    );
    await tpl(
      'E-TRIAL-1',
      'M-TNB-1',
      new LicenseTemplate()
        .setName('Trial')
        .setLicenseType('TIMEVOLUME')
        .setTimeVolume(14)
        .setPrice(0)
        .setCurrency('EUR')
        .setAutomatic(true)
        .setHidden(true),
    );
    await tpl('E-BUY-1', 'M-TNB-1', new LicenseTemplate().setName('Full').setLicenseType('FEATURE').setPrice(50).setCurrency('EUR'));
    await tpl(
      'E-FLT-1',
      'M-FLT-1',
      new LicenseTemplate().setName('2 sessions').setLicenseType('FLOATING').setMaxSessions(2).setPrice(10).setCurrency('EUR'),
    );

    const licensee = await LicenseeService.create(
      ctx,
      'P-DEMO-1',
      new Licensee().setNumber('I-CUST-1').setName('ACME Inc.').setProperty('crmId', 'C-42'),
    );
    expect(licensee.getProperty('crmId')).toBe('C-42');
    expect((await h.call('GET', '/v1/customers/I-CUST-1')).body).toMatchObject({ name: 'ACME Inc.', externalRef: 'I-CUST-1' });

    const sub = await LicenseService.create(ctx, 'I-CUST-1', 'E-SUB30-1', null, new License().setActive(true).setStartDate('now'));
    const subNumber = sub.getNumber();
    expect(sub.getProperty('licenseTemplateNumber')).toBe('E-SUB30-1');
    await LicenseService.create(ctx, 'I-CUST-1', 'E-FLT-1', null, new License().setNumber('L-FLT-1').setActive(true));
    // The license is an entitlement of the customer, on the template's offering.
    expect((await h.call('GET', `/v1/entitlements/${subNumber}`)).body).toMatchObject({
      offeringId: expect.any(String),
      effective: { status: 'active' },
    });

    const vp = new ValidationParameters().setProductNumber('P-DEMO-1').setLicenseeName('ACME Inc.');
    vp.setProductModuleValidationParameters('M-FLT-1', { sessionId: 'host-1', action: 'checkOut' });
    const result = await LicenseeService.validate(ctx, 'I-CUST-1', vp);
    const v = result.getValidators();
    expect(v['M-SUB-1']).toMatchObject({
      valid: 'true',
      licensingModel: 'Subscription',
      expires: new Date(h.clock.now() + 30 * DAY).toISOString(),
    });
    expect(v['M-TNB-1']).toMatchObject({ valid: 'true', evaluation: 'true', warningLevel: 'YELLOW' });
    expect(v['M-FLT-1']).toMatchObject({ valid: 'true', expirationTimestamp: new Date(h.clock.now() + 600_000).toISOString() });
    // ttl: the vendor's check interval (2 h), capped by the earliest expiry in the result (the 10-minute checkout).
    expect(result.getTtl().toISOString()).toBe(new Date(h.clock.now() + 600_000).toISOString());

    // A second session fits, a third does not; checking in frees one.
    const checkout = (session: string, action = 'checkOut') =>
      LicenseeService.validate(
        ctx,
        'I-CUST-1',
        new ValidationParameters().setProductModuleValidationParameters('M-FLT-1', { sessionId: session, action }),
      );
    expect((await checkout('host-2')).getProductModuleValidation('M-FLT-1').valid).toBe('true');
    expect((await checkout('host-3')).getProductModuleValidation('M-FLT-1').valid).toBe('false');
    expect((await checkout('host-1', 'checkIn')).getProductModuleValidation('M-FLT-1').valid).toBe('false');
    expect((await checkout('host-3')).getProductModuleValidation('M-FLT-1').valid).toBe('true');
    // Checkouts lapse after their validity.
    h.clock.advance(11 * 60 * 1000);
    expect((await checkout('host-4')).getProductModuleValidation('M-FLT-1').valid).toBe('true');

    // TryAndBuy: the trial started at the first validation and ends 14 days later; buying makes it full.
    h.clock.advance(15 * DAY);
    const later = await LicenseeService.validate(ctx, 'I-CUST-1', new ValidationParameters());
    expect(later.getProductModuleValidation('M-TNB-1')).toMatchObject({ valid: 'false', evaluation: 'true', warningLevel: 'RED' });
    await LicenseService.create(ctx, 'I-CUST-1', 'E-BUY-1', null, new License().setNumber('L-BUY-1'));
    expect(
      (await LicenseeService.validate(ctx, 'I-CUST-1', new ValidationParameters())).getProductModuleValidation('M-TNB-1'),
    ).toMatchObject({
      valid: 'true',
      evaluation: 'false',
    });
    // A second subscription bought before the first ends extends it.
    await LicenseService.create(ctx, 'I-CUST-1', 'E-SUB30-1', null, new License().setNumber('L-SUB-2').setStartDate('now'));
    const extended = (await LicenseeService.validate(ctx, 'I-CUST-1', new ValidationParameters())).getProductModuleValidation('M-SUB-1');
    expect(extended.expires).toBe(new Date(Date.parse(v['M-SUB-1'].expires) + 30 * DAY).toISOString());

    // get, list with filter, update (deactivate = suspend), delete (= revoke).
    const licenses = await LicenseService.list(ctx, 'licenseeNumber=I-CUST-1');
    expect(licenses.length).toBe(5);
    const off = await LicenseService.update(ctx, 'L-FLT-1', null, new License().setActive(false));
    expect(off.getActive()).toBe(false);
    expect((await h.call('GET', '/v1/entitlements/L-FLT-1')).body.effective.status).toBe('suspended');
    expect((await checkout('host-9')).getProductModuleValidation('M-FLT-1').valid).toBe('false');
    await LicenseService.delete(ctx, 'L-FLT-1');
    expect((await rejection(LicenseService.get(ctx, 'L-FLT-1'))).status).toBe(404);

    const updated = await LicenseeService.update(ctx, 'I-CUST-1', new Licensee().setName('ACME Group'));
    expect(updated.getName()).toBe('ACME Group');
    expect((await LicenseeService.list(ctx, 'productNumber=P-DEMO-1')).length).toBe(1);

    // Every change is in the audit log, made by the API key.
    const events = (await h.call('GET', '/v1/events?limit=500')).body.data as Array<{ type: string; actor: { type: string } }>;
    const types = events.map((e) => e.type);
    for (const t of [
      'entitlement.created',
      'entitlement.suspended',
      'entitlement.revoked',
      'customer.created',
      'netlicensing.session.checked_out',
      'netlicensing.session.checked_in',
    ]) {
      expect(types).toContain(t);
    }
    expect(events.every((e) => e.actor.type === 'api_key' || e.actor.type === 'system')).toBe(true);
    const transactions = await TransactionService.list(ctx);
    expect(transactions.map((t: { getProperty(n: string): string }) => t.getProperty('source'))).toContain('AUTO_LICENSE_CREATE');

    // Auto-create on validate, then cascade delete of the licensee.
    const auto = await LicenseeService.validate(
      ctx,
      'I-NEW-1',
      new ValidationParameters().setProductNumber('P-DEMO-1').setLicenseeName('New Co'),
    );
    expect(auto.getProductModuleValidation('M-TNB-1').valid).toBe('true');
    expect((await LicenseeService.get(ctx, 'I-NEW-1')).getName()).toBe('New Co');
    await LicenseeService.delete(ctx, 'I-NEW-1', true);
    expect((await rejection(LicenseeService.get(ctx, 'I-NEW-1'))).status).toBe(404);
  });

  it('PayPerUse, Quota, NodeLocked, MultiFeature, Rental and PricingTable follow their rules', async () => {
    await ProductService.create(ctx, new Product().setNumber('P-MODELS').setName('Models'));
    const mod = (n: string, model: string, extra: Record<string, string> = {}) => {
      const m = new ProductModule().setNumber(n).setName(n).setLicensingModel(model);
      for (const [k, v] of Object.entries(extra)) m.setProperty(k, v);
      return ProductModuleService.create(ctx, 'P-MODELS', m);
    };
    const tpl = (n: string, m: string, type: string, extra: Record<string, string | number | boolean> = {}) => {
      const t = new LicenseTemplate().setNumber(n).setName(`${n} name`).setLicenseType(type);
      for (const [k, v] of Object.entries(extra)) t.setProperty(k, String(v));
      return LicenseTemplateService.create(ctx, m, t);
    };
    await mod('M-PPU', 'PayPerUse');
    await mod('M-QUOTA', 'Quota');
    await mod('M-NODE', 'NodeLocked', { nodeSecretMode: 'CLIENT' });
    await mod('M-MULTI', 'MultiFeature');
    await mod('M-RENT', 'Rental', { yellowThreshold: '10', redThreshold: '3' });
    await mod('M-PLAN', 'PricingTable', {
      skudef: JSON.stringify({
        skudef: [
          { number: 'SKU-EXPORT', name: 'Export', type: 'FEATURE' },
          { number: 'SKU-SEATS', name: 'Seats', type: 'QUOTA' },
        ],
      }),
    });
    await tpl('E-PPU', 'M-PPU', 'QUANTITY', { quantity: 10 });
    await tpl('E-QUOTA', 'M-QUOTA', 'QUANTITY', { quantity: 25 });
    await tpl('E-NODE', 'M-NODE', 'QUANTITY', { quota: 1 });
    await tpl('E-F1', 'M-MULTI', 'FEATURE');
    await tpl('E-F2', 'M-MULTI', 'FEATURE');
    await tpl('E-RENT-ITEM', 'M-RENT', 'FEATURE');
    await tpl('E-RENT-30', 'M-RENT', 'TIMEVOLUME', { timeVolume: 30 });
    await tpl('E-PLAN-FREE', 'M-PLAN', 'FEATURE', { automatic: true, skus: JSON.stringify({ 'SKU-SEATS': 1 }) });
    await tpl('E-PLAN-PRO', 'M-PLAN', 'TIMEVOLUME', {
      timeVolume: 1,
      timeVolumePeriod: 'MONTH',
      skus: JSON.stringify({ 'SKU-EXPORT': true, 'SKU-SEATS': 10 }),
    });

    await LicenseeService.create(ctx, 'P-MODELS', new Licensee().setNumber('I-MODELS'));
    const lic = (template: string, number: string, license = new License()) =>
      LicenseService.create(ctx, 'I-MODELS', template, null, license.setNumber(number));
    await lic('E-PPU', 'L-PPU');
    await lic('E-QUOTA', 'L-QUOTA');
    await lic('E-NODE', 'L-NODE');
    await lic('E-F1', 'L-F1');
    await lic('E-RENT-ITEM', 'DEV-341');
    await lic('E-RENT-30', 'L-RENT-30', new License().setProperty('parentfeature', 'DEV-341').setStartDate('now'));

    const run = (pm?: string, params?: Record<string, string>) => {
      const vp = new ValidationParameters();
      if (pm) vp.setProductModuleValidationParameters(pm, params);
      return LicenseeService.validate(ctx, 'I-MODELS', vp);
    };
    const used = (await run('M-PPU', { usedQuantity: '4' })).getProductModuleValidation('M-PPU');
    expect(used).toMatchObject({ valid: 'true', remainingQuantity: '6' });
    expect((await LicenseService.get(ctx, 'L-PPU')).getProperty('usedQuantity')).toBe('4');
    expect((await run('M-PPU', { reserveQuantity: '7' })).getProductModuleValidation('M-PPU')).toMatchObject({
      valid: 'false',
      remainingQuantity: '6',
    });
    expect((await run('M-PPU', { reserveQuantity: '6' })).getProductModuleValidation('M-PPU')).toMatchObject({
      valid: 'true',
      remainingQuantity: '0',
    });
    expect((await run()).getProductModuleValidation('M-PPU').valid).toBe('false');

    const all = await run('M-NODE', { nodeSecret: 'machine-A' });
    expect(all.getProductModuleValidation('M-QUOTA')).toMatchObject({ valid: 'true', quota: '25' });
    expect(all.getProductModuleValidation('M-NODE').valid).toBe('true');
    expect((await run('M-NODE', { nodeSecret: 'machine-A' })).getProductModuleValidation('M-NODE').valid).toBe('true');
    expect((await run('M-NODE', { nodeSecret: 'machine-B' })).getProductModuleValidation('M-NODE').valid).toBe('false');

    const multi = all.getProductModuleValidation('M-MULTI');
    expect(multi['E-F1']).toEqual([{ valid: 'true', featureName: 'E-F1 name' }]);
    expect(multi['E-F2']).toEqual([{ valid: 'false', featureName: 'E-F2 name' }]);
    expect(all.getProductModuleValidation('M-RENT')['DEV-341'][0]).toMatchObject({ valid: 'true', expirationWarningLevel: 'green' });
    expect(all.getProductModuleValidation('M-PLAN')).toMatchObject({ valid: 'true', pricingPlanId: 'E-PLAN-FREE' });
    await lic('E-PLAN-PRO', 'L-PRO', new License().setStartDate('now'));
    const pro = (await run()).getProductModuleValidation('M-PLAN');
    expect(pro).toMatchObject({ valid: 'true', pricingPlanId: 'E-PLAN-PRO' });
    expect(pro['SKU-EXPORT'][0]).toMatchObject({ valid: 'true' });

    h.clock.advance(25 * DAY);
    expect((await run()).getProductModuleValidation('M-RENT')['DEV-341'][0]).toMatchObject({
      valid: 'true',
      expirationWarningLevel: 'yellow',
    });
    h.clock.advance(10 * DAY);
    expect((await run()).getProductModuleValidation('M-RENT')['DEV-341'][0]).toMatchObject({ valid: 'false' });
  });

  it('authenticates with API keys: APIKEY tokens are Leasehold keys, readonly keys cannot write, bad keys get 401', async () => {
    const token = await TokenService.create(ctx, new Token().setTokenType('APIKEY').setProperty('apiKeyRole', 'ROLE_APIKEY_ANALYTICS'));
    const number = token.getNumber();
    expect(token.getProperty('tokenType')).toBe('APIKEY');
    const keys = (await h.call('GET', '/v1/api-keys')).body.data as Array<{ role: string }>;
    expect(keys.some((k) => k.role === 'readonly')).toBe(true);

    const reader = contextFor(base, number);
    expect((await ProductService.list(reader)).length).toBeGreaterThan(0);
    const denied = await rejection(ProductService.create(reader, new Product().setName('Nope')));
    expect(denied.status).toBe(403);
    // The key works on the Bearer API too.
    expect((await h.call('GET', '/v1/products', undefined, { key: number })).status).toBe(200);

    const bad = await rejection(ProductService.list(contextFor(base, 'not-a-key')));
    expect(bad.status).toBe(401);
    const vendorLogin = new Context().setBaseUrl(base).setUsername('demo').setPassword('demo');
    expect((await rejection(ProductService.list(vendorLogin))).status).toBe(401);

    await TokenService.delete(ctx, number);
    expect((await rejection(ProductService.list(reader))).status).toBe(401);
  });

  it('answers errors as NetLicensing error infos and speaks XML when no Accept header is sent', async () => {
    const missing = await rejection(LicenseeService.validate(ctx, 'I-NOBODY', new ValidationParameters()));
    expect(missing).toEqual({ message: 'Requested licensee does not exist and the productNumber is not provided', status: 404 });
    const malformed = await rejection(ProductService.create(ctx, new Product().setNumber('P-NONAME')));
    expect(malformed).toEqual({ message: 'Product name is required', status: 400 });
    const noPrice = await rejection(
      ProductModuleService.create(ctx, 'P-DEMO-1', new ProductModule().setName('x').setLicensingModel('Nope')),
    );
    expect(noPrice.status).toBe(400);

    const auth = { authorization: `Basic ${Buffer.from(`apiKey:${h.adminKey}`).toString('base64')}` };
    const xml = await h.app.inject({ method: 'GET', url: '/core/v2/rest/product/P-DEMO-1', headers: auth });
    expect(xml.headers['content-type']).toMatch(/application\/xml/);
    expect(xml.body).toContain('<item type="Product">');
    expect(xml.body).toContain('<property name="number">P-DEMO-1</property>');
    const xmlError = await h.app.inject({ method: 'GET', url: '/core/v2/rest/product/NOPE', headers: auth });
    expect(xmlError.statusCode).toBe(404);
    expect(xmlError.body).toContain('<info id="NotFoundException" type="error">');
    const challenge = await h.app.inject({ method: 'GET', url: '/core/v2/rest/product' });
    expect(challenge.statusCode).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe('Basic realm="NetLicensing"');
  });
});
