import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const DAY = 24 * 3600_000;
const at = (ms: number) => new Date(ms).toISOString();

describe.each(await storeKinds())('history, as-of and revert on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'geo', name: 'Geo' });
    await h.call('POST', '/v1/products/geo/features', { code: 'layers', name: 'Layers', type: 'numeric' });
    await h.call('POST', '/v1/offerings', {
      productId: 'geo',
      code: 'geo-std',
      name: 'Standard',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 3,
      features: { layers: 5 },
    });
    await h.call('POST', '/v1/offerings', {
      productId: 'geo',
      code: 'geo-max',
      name: 'Max',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 20,
      features: { layers: 100 },
    });
  });
  afterAll(() => h.close());

  it('answers what the customer held at three moments of the entitlement’s life, whatever changed since', async () => {
    h.clock.set(T0);
    const c = (await h.call('POST', '/v1/customers', { name: 'Atlas' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'geo-std' })).body;
    h.clock.set(T0 + 10 * DAY);
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { seats: 5 } });
    h.clock.set(T0 + 20 * DAY);
    await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'geo-max' });
    h.clock.set(T0 + 30 * DAY);
    await h.call('POST', `/v1/entitlements/${e.id}/suspend`);
    // The offering itself changes later: past answers must not move.
    h.clock.set(T0 + 40 * DAY);
    await h.call('PATCH', '/v1/offerings/geo-std', { features: { layers: 9 } });

    const asOf = async (ms: number) => (await h.call('GET', `/v1/entitlements/${e.id}?asOf=${at(ms)}`)).body;
    const day5 = await asOf(T0 + 5 * DAY);
    expect(day5.effective).toMatchObject({ status: 'active', seats: 3, features: { layers: 5 } });
    expect(day5.overrides).toEqual({});
    const day15 = await asOf(T0 + 15 * DAY);
    expect(day15.effective).toMatchObject({ status: 'active', seats: 5, features: { layers: 5 } });
    const day25 = await asOf(T0 + 25 * DAY);
    expect(day25.effective).toMatchObject({ status: 'active', seats: 5, features: { layers: 100 } });
    const day35 = await asOf(T0 + 35 * DAY);
    expect(day35.effective.status).toBe('suspended');
    // Time itself is part of the answer: a year and a day in, the term had ended.
    h.clock.set(T0 + 400 * DAY);
    const later = await asOf(T0 + 366 * DAY);
    expect(later.effective.status).toBe('suspended');

    const before = await h.call('GET', `/v1/entitlements/${e.id}?asOf=${at(T0 - DAY)}`);
    expect(before.status).toBe(404);
  });

  it('lists every version with actor and diff, and reverts with a compensating change that is itself recorded', async () => {
    h.clock.set(T0);
    const c = (await h.call('POST', '/v1/customers', { name: 'Borealis' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'geo-std', orderRef: 'PO-1' })).body;
    h.clock.advance(DAY);
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { overrides: { features: { layers: 50 } }, orderRef: 'PO-2' });
    h.clock.advance(DAY);
    await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'geo-max' });
    h.clock.advance(DAY);
    await h.call('POST', `/v1/entitlements/${e.id}/suspend`);

    const history = (await h.call('GET', `/v1/entitlements/${e.id}/history`)).body.data;
    expect(history.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4]);
    expect(history[1]).toMatchObject({
      change: 'entitlement.updated',
      actor: { type: 'api_key' },
      before: { overrides: {}, orderRef: 'PO-1' },
      after: { overrides: { features: { layers: 50 } }, orderRef: 'PO-2' },
    });
    expect(history[3]).toMatchObject({ before: { state: 'active' }, after: { state: 'suspended' } });

    // A revert restores rights and references; it does not lift the suspension (issue 17).
    const reverted = await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 1 });
    expect(reverted.status).toBe(200);
    expect(reverted.body).toMatchObject({ version: 5, state: 'suspended', orderRef: 'PO-1', overrides: {}, offeringId: e.offeringId });
    expect(reverted.body.effective.status).toBe('suspended');
    // The entitlement's own fields come back; its rights are those of the offering as it is now
    // (the first test raised geo-std's layers to 9).
    expect(reverted.body.effective).toMatchObject({ seats: 3, features: { layers: 9 } });
    const after = (await h.call('GET', `/v1/entitlements/${e.id}/history`)).body.data;
    expect(after).toHaveLength(5);
    expect(after[4].change).toBe('entitlement.reverted');
    const event = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.reverted`)).body.data[0];
    expect(event.after.revertedTo).toBe(1);

    // Asked for, the status of that version comes back too, recorded as such.
    const lifted = await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 1, restoreStatus: true });
    expect(lifted.body).toMatchObject({ version: 6, state: 'active', orderRef: 'PO-1' });
    const events = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.reverted`)).body.data;
    expect(events.find((x: { after: { restoreStatus?: boolean } }) => x.after.restoreStatus === true)?.before).toMatchObject({
      state: 'suspended',
    });
    // And reverting to a suspended version with restoreStatus suspends again.
    const again = await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 4, restoreStatus: true });
    const max = (await h.call('GET', '/v1/offerings/geo-max')).body;
    expect(again.body).toMatchObject({ version: 7, state: 'suspended', offeringId: max.id });
    expect((await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 1, restoreStatus: 'yes' })).body.error.code).toBe(
      'INVALID_REQUEST',
    );

    expect((await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 99 })).status).toBe(404);
    await h.call('POST', `/v1/entitlements/${e.id}/revoke`);
    expect((await h.call('POST', `/v1/entitlements/${e.id}/revert`, { version: 2 })).body.error.code).toBe('INVALID_STATE');
  });

  it('event times are ISO strings, like the rest of the API', async () => {
    const c = (await h.call('POST', '/v1/customers', { name: 'Cartesia' })).body;
    const e = (await h.call('POST', '/v1/entitlements', { customerId: c.id, offeringId: 'geo-std' })).body;
    await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: at(T0 + 500 * DAY) });
    const ev = (await h.call('GET', `/v1/events?entitlement=${e.id}&type=entitlement.updated`)).body.data[0];
    expect(ev.before.endsAt).toBe(e.endsAt);
    expect(ev.after.endsAt).toBe(at(T0 + 500 * DAY));
  });
});
