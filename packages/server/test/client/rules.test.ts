import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp, licensed } from '../support/client.js';

const DAY = 24 * 3600_000;

describe.each(await storeKinds())('activation rules, rehosts and trials on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'base', name: 'Base' });
    await h.call('POST', '/v1/products', { code: 'addon', name: 'Add-on' });
  });
  afterAll(() => h.close());

  async function grant(customerId: string, offeringId: string) {
    const e = (await h.call('POST', '/v1/entitlements', { customerId, offeringId })).body;
    return { entitlement: e, client: asLicense(h, e.key) };
  }

  it('an add-on needs an active base license of the same customer', async () => {
    const base = (await h.call('POST', '/v1/offerings', { productId: 'base', code: 'base-std', name: 'Base', licenseModel: 'perpetual' }))
      .body;
    const addon = await h.call('POST', '/v1/offerings', {
      productId: 'addon',
      code: 'addon-std',
      name: 'Add-on',
      licenseModel: 'perpetual',
      seats: 3,
      activationRules: [{ type: 'requires', productId: 'base' }],
    });
    expect(addon.body.activationRules).toEqual([{ type: 'requires', productId: base.productId }]);
    const customer = (await h.call('POST', '/v1/customers', { name: 'Needs base' })).body;
    const { client } = await grant(customer.id, 'addon-std');

    const refused = await client('activate', { fingerprint: fp('addon') });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'RULE_UNSATISFIED',
      details: { rule: 'requires', productId: base.productId, ruleIndex: 0 },
    });
    expect(refused.body.error.details.resolve).toBeTruthy();

    const b = await grant(customer.id, 'base-std');
    expect((await client('activate', { fingerprint: fp('addon') })).status).toBe(201);
    // A suspended base no longer satisfies the rule for new activations.
    await h.call('POST', `/v1/entitlements/${b.entitlement.id}/suspend`);
    expect((await client('activate', { fingerprint: fp('addon-2') })).body.error.code).toBe('RULE_UNSATISFIED');
  });

  it('at most N activations per customer across entitlements', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'base',
      code: 'base-capped',
      name: 'Capped',
      licenseModel: 'perpetual',
      seats: 5,
      activationRules: [{ type: 'max_activations_per_customer', limit: 3 }],
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Capped Co' })).body;
    const one = await grant(customer.id, 'base-capped');
    const two = await grant(customer.id, 'base-capped');
    expect((await one.client('activate', { fingerprint: fp('cap-1') })).status).toBe(201);
    expect((await one.client('activate', { fingerprint: fp('cap-2') })).status).toBe(201);
    expect((await two.client('activate', { fingerprint: fp('cap-3') })).status).toBe(201);
    const fourth = await two.client('activate', { fingerprint: fp('cap-4') });
    expect(fourth.body.error).toMatchObject({
      code: 'RULE_UNSATISFIED',
      details: { rule: 'max_activations_per_customer', limit: 3, used: 3 },
    });
    expect(fourth.body.error.details.holders).toHaveLength(3);
  });

  it('offerings that exclude each other cannot run side by side for one customer', async () => {
    await h.call('POST', '/v1/offerings', { productId: 'base', code: 'ed-standard', name: 'Standard', licenseModel: 'perpetual' });
    await h.call('POST', '/v1/offerings', {
      productId: 'base',
      code: 'ed-academic',
      name: 'Academic',
      licenseModel: 'perpetual',
      activationRules: [{ type: 'excludes', offeringIds: ['ed-standard'] }],
    });
    const customer = (await h.call('POST', '/v1/customers', { name: 'Uni' })).body;
    const std = await grant(customer.id, 'ed-standard');
    const acad = await grant(customer.id, 'ed-academic');
    const s = await std.client('activate', { fingerprint: fp('ex-1') });
    const refused = await acad.client('activate', { fingerprint: fp('ex-2') });
    expect(refused.body.error).toMatchObject({
      code: 'RULE_UNSATISFIED',
      details: { rule: 'excludes', conflict: { offeringCode: 'ed-standard' } },
    });
    await h.call('DELETE', `/v1/activations/${s.body.activation.id}`);
    expect((await acad.client('activate', { fingerprint: fp('ex-2') })).status).toBe(201);
  });

  it('rules naming something that does not exist are refused when the offering is written', async () => {
    const r = await h.call('POST', '/v1/offerings', {
      productId: 'base',
      code: 'bad-rule',
      name: 'Bad',
      licenseModel: 'perpetual',
      activationRules: [{ type: 'requires', offeringId: 'no-such-offering' }],
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'activationRules.0' } });
  });

  it('moving a node-locked seat to another device counts against the rehost limit per period', async () => {
    const { client } = await licensed(h, { seats: 1, rehostLimit: 2, rehostPeriod: 'P30D' });
    await client('activate', { fingerprint: fp('rh-0') });
    for (let i = 1; i <= 2; i++) {
      expect((await client('deactivate', { fingerprint: fp(`rh-${i - 1}`) })).status).toBe(204);
      expect((await client('activate', { fingerprint: fp(`rh-${i}`) })).status).toBe(201);
      h.clock.advance(DAY);
    }
    const third = await client('deactivate', { fingerprint: fp('rh-2') });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'REHOST_LIMIT_REACHED', details: { limit: 2, used: 2, period: 'P30D' } });
    expect(third.body.error.details.nextRehostAt).toBeTruthy();
    // The device keeps its seat, and once the first rehost leaves the window another is allowed.
    expect((await client('validate', { fingerprint: fp('rh-2') })).body.code).toBe('VALID');
    h.clock.advance(29 * DAY);
    expect((await client('deactivate', { fingerprint: fp('rh-2') })).status).toBe(204);
  });

  it('floating seats are released freely, without counting as rehosts', async () => {
    const { client } = await licensed(h, { seatModel: 'floating', seats: 1, rehostLimit: 0 });
    for (let i = 0; i < 3; i++) {
      expect((await client('activate', { fingerprint: fp(`fl-${i}`) })).status).toBe(201);
      expect((await client('deactivate', { fingerprint: fp(`fl-${i}`) })).status).toBe(204);
    }
  });

  it('a trial is granted once per device and product', async () => {
    await h.call('POST', '/v1/products', { code: 'trialware', name: 'Trialware' });
    const trial = (
      await h.call('POST', '/v1/offerings', {
        productId: 'trialware',
        code: 'tw-trial',
        name: 'Trial',
        licenseModel: 'trial',
        term: 'P14D',
      })
    ).body;
    const noTrial = await h.call('POST', '/v1/client/trial', { product: 'trialware', fingerprint: fp('t1') }, { key: null });
    expect(noTrial.body.error.code).toBe('NO_TRIAL');
    await h.call('PATCH', '/v1/products/trialware', { trialOfferingId: 'tw-trial' });

    const t = await h.call(
      'POST',
      '/v1/client/trial',
      { product: 'trialware', fingerprint: fp('t1'), email: 'eve@example.test' },
      { key: null },
    );
    expect(t.status).toBe(201);
    expect(t.body.key).toMatch(/^[0-9A-Z]{5}-/);
    expect(t.body.lease.expiresAt <= new Date(h.clock.now() + 14 * DAY).toISOString()).toBe(true);
    const ent = (await h.call('GET', `/v1/entitlements/${t.body.entitlementId}`)).body;
    expect(ent).toMatchObject({ offeringId: trial.id, effective: { licenseModel: 'trial', status: 'active' } });
    // The trial key works like any license key.
    expect((await asLicense(h, t.body.key)('validate', { fingerprint: fp('t1') })).body.code).toBe('VALID');

    const again = await h.call('POST', '/v1/client/trial', { product: 'trialware', fingerprint: fp('t1') }, { key: null });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TRIAL_ALREADY_USED');
    expect(JSON.stringify(again.body)).not.toContain(t.body.key);
    expect((await h.call('POST', '/v1/client/trial', { product: 'trialware', fingerprint: fp('t2') }, { key: null })).status).toBe(201);
  });
});
