import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';

const MIN = 60_000;

describe.each(await storeKinds())('change offering on %s', (kind) => {
  let h: Harness;
  let customerId: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'cad', name: 'CAD' });
    for (const [code, type] of [
      ['export', 'boolean'],
      ['render', 'boolean'],
      ['projects', 'numeric'],
    ] as const) {
      await h.call('POST', '/v1/products/cad/features', { code, name: code, type });
    }
    const base = { productId: 'cad', licenseModel: 'subscription', term: 'P1Y' };
    await h.call('POST', '/v1/offerings', {
      ...base,
      code: 'cad-basic',
      name: 'Basic',
      seats: 2,
      features: { export: false, render: false, projects: 3 },
    });
    await h.call('POST', '/v1/offerings', {
      ...base,
      code: 'cad-pro',
      name: 'Pro',
      seats: 10,
      features: { export: true, render: true, projects: 50 },
    });
    await h.call('POST', '/v1/offerings', {
      ...base,
      code: 'cad-lite',
      name: 'Lite',
      seats: 1,
      features: { export: true, render: false, projects: 1 },
      evictionOrder: 'newest_first',
    });
    customerId = (await h.call('POST', '/v1/customers', { name: 'Drafting Ltd' })).body.id;
  });
  afterAll(() => h.close());

  async function entitlementOn(offering: string, extra: Record<string, unknown> = {}) {
    const e = (await h.call('POST', '/v1/entitlements', { customerId, offeringId: offering, orderRef: 'SO-7', ...extra })).body;
    return { e, client: asLicense(h, e.key) };
  }

  it('upgrades: the new offering’s values become the rights, overridden fields keep theirs and are listed', async () => {
    const { e } = await entitlementOn('cad-basic', { overrides: { features: { projects: 7 }, leasePeriod: 'P1D' } });
    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-pro' });
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(false);
    expect(res.body.keptOverrides.sort()).toEqual(['features.projects', 'leasePeriod']);
    expect(res.body.entitlement.effective).toMatchObject({
      seats: 10,
      leasePeriod: 'P1D',
      features: { export: true, render: true, projects: 7 },
    });
    expect(res.body.entitlement.orderRef).toBe('SO-7');
    expect(res.body.entitlement.offeringId).toBe((await h.call('GET', '/v1/offerings/cad-pro')).body.id);
  });

  it('a dry run answers the same and changes nothing', async () => {
    const { e, client } = await entitlementOn('cad-pro');
    for (let i = 0; i < 4; i++) await client('activate', { fingerprint: fp(`dry-${i}`) });
    const eventsBefore = (await h.call('GET', `/v1/events?entitlement=${e.id}`)).body.data.length;
    const dry = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-basic', dryRun: true });
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.removedActivations).toHaveLength(2);
    const after = (await h.call('GET', `/v1/entitlements/${e.id}`)).body;
    expect(after.offeringId).toBe(e.offeringId);
    expect(after.version).toBe(e.version);
    expect((await h.call('GET', `/v1/entitlements/${e.id}/activations?state=active`)).body.data).toHaveLength(4);
    expect((await h.call('GET', `/v1/events?entitlement=${e.id}`)).body.data.length).toBe(eventsBefore);

    const real = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-basic' });
    expect(real.body.removedActivations.map((a: { id: string }) => a.id).sort()).toEqual(
      dry.body.removedActivations.map((a: { id: string }) => a.id).sort(),
    );
    expect(real.body.entitlement.effective).toEqual(dry.body.entitlement.effective);
  });

  it('a downgrade cuts seats least recently seen first, never pinned devices, and the cut devices cannot refresh', async () => {
    const { e, client } = await entitlementOn('cad-pro');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client('activate', { fingerprint: fp(`cut-${i}`) })).body.activation.id);
      h.clock.advance(MIN);
    }
    // Seen again recently: 0 and 3. Pinned: 1 (the oldest-seen of the rest).
    await client('refresh', { fingerprint: fp('cut-0') });
    await client('refresh', { fingerprint: fp('cut-3') });
    await h.services.activity.flush();
    await h.call('PATCH', `/v1/activations/${ids[1]}`, { pinned: true });

    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-basic' });
    expect(res.body.removedActivations.map((a: { id: string }) => a.id)).toEqual([ids[2], ids[4], ids[0]]);
    const live = (await h.call('GET', `/v1/entitlements/${e.id}/activations?state=active`)).body.data.map((a: { id: string }) => a.id);
    expect(live.sort()).toEqual([ids[1], ids[3]].sort());
    const r = await client('refresh', { fingerprint: fp('cut-2') });
    expect(r.body.error.code).toBe('NOT_ACTIVATED');
    const events = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.offering_changed`)).body.data;
    expect(events[0].after.removedActivations.sort()).toEqual([ids[0], ids[2], ids[4]].sort());
    // Facts about the change sit in `after` only; the diff itself holds only fields that changed.
    expect(events[0].before).not.toHaveProperty('removedActivations');
    expect(Object.keys(events[0].before).sort()).toEqual(['offeringId']);
  });

  it('newest-first eviction and pinned devices beyond the count give a warning instead of an eviction', async () => {
    const { e, client } = await entitlementOn('cad-basic');
    const a = (await client('activate', { fingerprint: fp('nf-a') })).body.activation.id;
    h.clock.advance(MIN);
    const b = (await client('activate', { fingerprint: fp('nf-b') })).body.activation.id;
    const toLite = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-lite', dryRun: true });
    expect(toLite.body.removedActivations.map((x: { id: string }) => x.id)).toEqual([b]);

    await h.call('PATCH', `/v1/activations/${a}`, { pinned: true });
    await h.call('PATCH', `/v1/activations/${b}`, { pinned: true });
    const pinned = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-lite' });
    expect(pinned.body.removedActivations).toEqual([]);
    expect(pinned.body.warnings[0]).toMatchObject({ code: 'SEATS_OVER_LIMIT', details: { overBy: 1 } });
  });

  it('removeSeats removes every activation', async () => {
    const { e, client } = await entitlementOn('cad-pro');
    for (let i = 0; i < 3; i++) await client('activate', { fingerprint: fp(`all-${i}`) });
    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-basic', removeSeats: true });
    expect(res.body.removedActivations).toHaveLength(3);
  });

  it('changing back restores the offering’s values, and the offering history is kept', async () => {
    const { e } = await entitlementOn('cad-basic', { overrides: { seats: 4 } });
    await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-pro' });
    const back = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-basic' });
    expect(back.body.entitlement.effective).toEqual(e.effective);
    expect(back.body.entitlement.overrides).toEqual({ seats: 4 });
    const history = (await h.call('GET', `/v1/entitlements/${e.id}/history`)).body.data;
    expect(history.map((v: { change: string }) => v.change)).toEqual([
      'entitlement.created',
      'entitlement.offering_changed',
      'entitlement.offering_changed',
    ]);
    const pro = (await h.call('GET', '/v1/offerings/cad-pro')).body.id;
    expect(history.map((v: { offeringId: string }) => v.offeringId)).toEqual([e.offeringId, pro, e.offeringId]);
  });

  it('upgrade paths: only listed offerings, and across products only through a path (with foreign feature overrides dropped)', async () => {
    await h.call('POST', '/v1/products', { code: 'cad2', name: 'CAD 2' });
    await h.call('POST', '/v1/products/cad2/features', { code: 'export', name: 'Export', type: 'boolean' });
    await h.call('POST', '/v1/offerings', {
      productId: 'cad2',
      code: 'cad2-pro',
      name: 'CAD 2 Pro',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 5,
      features: { export: true },
    });
    const { e } = await entitlementOn('cad-lite', { overrides: { features: { render: true, export: false } } });

    const cross = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad2-pro' });
    expect(cross.status).toBe(422);
    expect(cross.body.error.code).toBe('CHANGE_NOT_ALLOWED');

    await h.call('PATCH', '/v1/offerings/cad-lite', { upgradePaths: ['cad2-pro'] });
    const notListed = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-pro' });
    expect(notListed.body.error).toMatchObject({ code: 'CHANGE_NOT_ALLOWED' });

    const moved = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad2-pro' });
    expect(moved.status).toBe(200);
    expect(moved.body.entitlement.productId).toBe((await h.call('GET', '/v1/products/cad2')).body.id);
    expect(moved.body.droppedOverrides).toEqual(['features.render']);
    expect(moved.body.keptOverrides).toEqual(['features.export']);
    expect(moved.body.entitlement.effective.features).toEqual({ export: false });
    await h.call('PATCH', '/v1/offerings/cad-lite', { upgradePaths: [] });
  });

  it('a trial converted to a subscription starts its term now', async () => {
    await h.call('POST', '/v1/offerings', {
      productId: 'cad',
      code: 'cad-trial',
      name: 'Trial',
      licenseModel: 'trial',
      term: 'P14D',
      seats: 1,
    });
    const { e } = await entitlementOn('cad-trial');
    h.clock.advance(10 * 24 * 60 * MIN);
    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-pro' });
    expect(res.body.datesChanged).toBe(true);
    const oneYearFromNow = new Date(h.clock.now());
    oneYearFromNow.setUTCFullYear(oneYearFromNow.getUTCFullYear() + 1);
    expect(res.body.entitlement.endsAt).toBe(oneYearFromNow.toISOString());
  });

  it('a revoked entitlement cannot change offering', async () => {
    const { e } = await entitlementOn('cad-basic');
    await h.call('POST', `/v1/entitlements/${e.id}/revoke`);
    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'cad-pro' });
    expect(res.body.error.code).toBe('INVALID_STATE');
  });
});
