import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TIMESTAMP } from '@leasehold/contract';
import { createHarness, seedCatalog, T0, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { eventCount } from '../support/counts.js';

const YEAR_10000 = Date.parse('+010000-06-01T00:00:00Z');

/**
 * Issue 14, defects 3 and 4: dates past what the API represents, and leap seconds. Out-of-range or
 * leap-second input is a 400 naming the field; a computed date that would leave the range is a 422
 * DATE_OUT_OF_RANGE; neither writes anything. A row stored with such a date before the check
 * existed is shown with its date clamped to the range and can still be managed.
 */
describe.each(await storeKinds())('dates at the edge of the representable range on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind);
    await seedCatalog(h);
    const base = { productId: 'studio', seats: 5, leasePeriod: 'P7D', features: { export: true, projects: 1 } };
    await h.call('POST', '/v1/offerings', { ...base, code: 'forever', name: 'Forever', licenseModel: 'perpetual', maintenanceTerm: 'P1Y' });
  });
  afterAll(() => h.close());
  beforeEach(() => h.clock.set(T0));

  const grant = async (extra: Record<string, unknown> = {}) => {
    const e = await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', ...extra });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
    return e.body as { id: string; key: string; endsAt: string | null };
  };

  /** The account's entitlements and events, to prove a refused request wrote nothing. */
  const state = async () => ({
    entitlements: (await h.call('GET', '/v1/entitlements?limit=500')).body.data,
    events: await eventCount(h),
  });

  const expectRefusedDate = (res: { status: number; body: { error: Record<string, unknown> } }, field: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field } });
  };

  it('a start in 9999 whose one-year term ends past 9999 is refused with 422 DATE_OUT_OF_RANGE and writes nothing', async () => {
    const before = await state();
    const res = await h.call('POST', '/v1/entitlements', {
      customerId: 'crm-1',
      offeringId: 'studio-pro',
      startsAt: '9999-06-01T00:00:00Z',
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE', details: { field: 'endsAt', max: MAX_TIMESTAMP } });
    expect(await state()).toEqual(before);
    // A maintenance term computed past 9999 is refused the same way.
    const perpetual = await h.call('POST', '/v1/entitlements', {
      customerId: 'crm-1',
      offeringId: 'forever',
      startsAt: '9999-06-01T00:00:00Z',
    });
    expect(perpetual.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE', details: { field: 'maintenanceUntil' } });
    expect(await state()).toEqual(before);
    // The last representable instant itself is fine.
    const last = await grant({ startsAt: '9999-01-01T00:00:00Z', endsAt: MAX_TIMESTAMP });
    expect(last.endsAt).toBe(MAX_TIMESTAMP);
  });

  it('PATCH endsAt 9999-12-31 then renew: the renewal is refused and changes nothing; the account still lists', async () => {
    const e = await grant();
    const patched = await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: '9999-12-31T00:00:00Z' });
    expect(patched.status).toBe(200);
    const before = await state();
    const renewed = await h.call('POST', `/v1/entitlements/${e.id}/renew`, {});
    expect(renewed.status).toBe(422);
    expect(renewed.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE', details: { field: 'endsAt' } });
    expect(await state()).toEqual(before);
    expect((await h.call('GET', `/v1/entitlements/${e.id}`)).body.endsAt).toBe('9999-12-31T00:00:00.000Z');
  });

  it('an offering change that restarts the term past 9999 is refused and changes nothing', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'forever' })).body;
    h.clock.set('9999-06-01T00:00:00Z');
    const before = await state();
    const res = await h.call('POST', `/v1/entitlements/${e.id}/change-offering`, { offeringId: 'studio-pro' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE', details: { field: 'endsAt' } });
    expect(await state()).toEqual(before);
  });

  it('a lease that would expire past 9999 is refused and no seat is taken', async () => {
    const e = (await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'forever' })).body;
    h.clock.set('9999-12-30T00:00:00Z');
    const res = await asLicense(h, e.key)('activate', { fingerprint: fp('edge-of-time') });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE', details: { field: 'expiresAt' } });
    const seats = await h.call('GET', `/v1/entitlements/${e.id}/activations`);
    expect(seats.status).toBe(200);
    expect(seats.body.data).toHaveLength(0);
  });

  it('leap seconds are refused with 400 INVALID_REQUEST naming the field, in every body and query', async () => {
    const e = await grant();
    const before = await state();
    const leap = '2016-12-31T23:59:60Z';
    expectRefusedDate(
      await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', startsAt: leap }),
      'startsAt',
    );
    expectRefusedDate(await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', endsAt: leap }), 'endsAt');
    expectRefusedDate(await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: leap }), 'endsAt');
    expectRefusedDate(await h.call('PATCH', `/v1/entitlements/${e.id}`, { startsAt: '2016-12-31T23:59:60.999Z' }), 'startsAt');
    expectRefusedDate(await h.call('GET', `/v1/entitlements/${e.id}?asOf=${leap}`), 'asOf');
    expectRefusedDate(await h.call('GET', `/v1/events?from=${leap}`), 'from');
    expectRefusedDate(await h.call('GET', `/v1/events?to=${leap}`), 'to');
    expectRefusedDate(await h.call('GET', `/v1/events/export?from=${leap}`), 'from');
    expectRefusedDate(await h.call('GET', `/v1/usage?from=${leap}&to=2027-01-01T00:00:00Z`), 'from');
    expectRefusedDate(await h.call('GET', `/v1/usage?from=2026-01-01T00:00:00Z&to=${leap}`), 'to');
    expectRefusedDate(await h.call('GET', `/v1/usage/statements?customer=crm-1&from=${leap}&to=2027-01-01T00:00:00Z`), 'from');
    expectRefusedDate(
      await h.call('POST', '/v1/migrations', {
        sourceOfferingId: 'studio-pro',
        targetOfferingId: 'forever',
        rekey: true,
        rekeyGraceUntil: leap,
      }),
      'rekeyGraceUntil',
    );
    expect(await state()).toEqual(before);
  });

  it('input outside 0001-01-01 .. 9999-12-31T23:59:59.999Z (after its offset) is refused with 400 naming the field', async () => {
    const e = await grant();
    const before = await state();
    for (const text of ['9999-12-31T23:00:00-05:00', '0000-12-31T23:59:59Z', '0001-01-01T00:00:00+00:01', '+010000-01-01T00:00:00Z']) {
      expectRefusedDate(
        await h.call('POST', '/v1/entitlements', { customerId: 'crm-1', offeringId: 'studio-pro', startsAt: text }),
        'startsAt',
      );
      expectRefusedDate(await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: text }), 'endsAt');
      expectRefusedDate(await h.call('GET', `/v1/events?from=${encodeURIComponent(text)}`), 'from');
    }
    expect(await state()).toEqual(before);
    // Offsets still work inside the range.
    const shifted = await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: '2030-01-01T02:00:00+02:00' });
    expect(shifted.body.endsAt).toBe('2030-01-01T00:00:00.000Z');
  });

  describe('a row stored with a year-10000 end before the check existed', () => {
    let e: { id: string; key: string };
    /** Writes the bad date behind the API's back, and tells the caches (as another process's commit would). */
    const poison = async (id: string) => {
      await h.services.store.database.db.updateTable('entitlements').set({ ends_at: YEAR_10000 }).where('id', '=', id).execute();
      h.services.store.database.changes.publish([{ accountId: '*', kind: 'all', id: '*' }]);
    };

    beforeAll(async () => {
      e = await grant();
      await asLicense(h, e.key)('activate', { fingerprint: fp('poisoned') });
      await poison(e.id);
    });

    it('lists, reads and validates with the end shown as the last representable instant', async () => {
      const list = await h.call('GET', '/v1/entitlements?limit=500');
      expect(list.status).toBe(200);
      expect(list.body.data.find((x: { id: string }) => x.id === e.id).endsAt).toBe(MAX_TIMESTAMP);
      const one = await h.call('GET', `/v1/entitlements/${e.id}`);
      expect(one.status).toBe(200);
      expect(one.body.effective.endsAt).toBe(MAX_TIMESTAMP);
      const validated = await asLicense(h, e.key)('validate', { fingerprint: fp('poisoned') });
      expect(validated.status).toBe(200);
      expect(validated.body.valid).toBe(true);
    });

    it('renewing it further is refused and changes nothing; suspend, PATCH and a corrected endsAt work', async () => {
      const before = await state();
      const renewed = await h.call('POST', `/v1/entitlements/${e.id}/renew`, {});
      expect(renewed.body.error).toMatchObject({ code: 'DATE_OUT_OF_RANGE' });
      expect(await state()).toEqual(before);
      expect((await h.call('POST', `/v1/entitlements/${e.id}/suspend`, {})).status).toBe(200);
      expect((await h.call('POST', `/v1/entitlements/${e.id}/resume`, {})).status).toBe(200);
      const patched = await h.call('PATCH', `/v1/entitlements/${e.id}`, { metadata: { note: 'still manageable' } });
      expect(patched.status).toBe(200);
      const fixed = await h.call('PATCH', `/v1/entitlements/${e.id}`, { endsAt: '2030-01-01T00:00:00Z' });
      expect(fixed.body.endsAt).toBe('2030-01-01T00:00:00.000Z');
      expect((await h.call('GET', `/v1/events?entitlement=${e.id}&limit=500`)).status).toBe(200);
    });

    it('can be revoked', async () => {
      await poison(e.id);
      const revoked = await h.call('POST', `/v1/entitlements/${e.id}/revoke`, {});
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ state: 'revoked', endsAt: MAX_TIMESTAMP });
    });
  });
});
