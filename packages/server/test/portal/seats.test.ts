import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { fp, licensed } from '../support/client.js';
import { joined, type PortalClient } from './support.js';

/** Named-user seats assigned by a customer's admin, and what licensing makes of them. */
describe.each(await storeKinds())('named-user seats in the portal (%s)', (kind) => {
  let h: Harness;
  let ent: Awaited<ReturnType<typeof licensed>>;
  let admin: { id: string; email: string; portal: PortalClient };
  let bo: { id: string; email: string; portal: PortalClient };
  let cy: { id: string; email: string; portal: PortalClient };

  beforeAll(async () => {
    h = await createHarness(kind);
    ent = await licensed(h, { seatModel: 'named_user', seats: 2, maxDevicesPerUser: 2, rehostLimit: 5 });
    admin = await joined(h, ent.customer.id, 'ada@acme.test', 'admin');
    bo = await joined(h, ent.customer.id, 'bo@acme.test', 'member');
    cy = await joined(h, ent.customer.id, 'cy@acme.test', 'member');
  });
  afterAll(() => h?.close());

  const seatsUrl = () => `/v1/portal/entitlements/${ent.entitlement.id}/seats`;

  it('an admin assigns a seat to a colleague; the event names both; a member sees only their own', async () => {
    const res = await admin.portal.call('POST', seatsUrl(), { portalUserId: bo.id });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      entitlementId: ent.entitlement.id,
      portalUser: { id: bo.id, email: 'bo@acme.test' },
      assignedBy: admin.id,
    });
    const events = (await h.call('GET', `/v1/events?entitlement=${ent.entitlement.id}&type=entitlement.seat_assigned`)).body.data;
    expect(events).toMatchObject([{ actor: { type: 'portal_user', id: admin.id }, after: { portalUserId: bo.id, user: 'bo@acme.test' } }]);

    expect((await admin.portal.call('GET', seatsUrl())).body.data.map((a: { portalUser: { id: string } }) => a.portalUser.id)).toEqual([
      bo.id,
    ]);
    expect((await bo.portal.call('GET', seatsUrl())).body.data).toHaveLength(1);
    expect((await cy.portal.call('GET', seatsUrl())).body.data).toEqual([]);
    expect((await bo.portal.call('GET', '/v1/portal/seats')).body.data).toMatchObject([{ entitlementId: ent.entitlement.id }]);
    expect((await cy.portal.call('GET', '/v1/portal/seats')).body.data).toEqual([]);
  });

  it('a member may not assign or revoke (403), and nothing changes', async () => {
    const before = await eventCount(h);
    const assign = await bo.portal.call('POST', seatsUrl(), { portalUserId: cy.id });
    expect([assign.status, assign.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const revoke = await bo.portal.call('DELETE', `${seatsUrl()}/${bo.id}`);
    expect([revoke.status, revoke.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await eventCount(h)).toBe(before);
  });

  it('an assigned seat is kept: an unassigned person cannot take the last seat, the assigned one always can', async () => {
    // 2 seats: bo holds one by assignment; a stranger takes the other by activating.
    expect((await ent.client('activate', { fingerprint: fp('stranger-1'), user: 'stranger@acme.test' })).status).toBe(201);
    const refused = await ent.client('activate', { fingerprint: fp('stranger-2'), user: 'other@acme.test' });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'SEAT_LIMIT_REACHED']);
    const bos = await ent.client('activate', { fingerprint: fp('bo-laptop'), user: 'Bo@Acme.test' });
    expect(bos.status, JSON.stringify(bos.body)).toBe(201);
  });

  it('assigning beyond the seats is SEAT_LIMIT_REACHED, twice is DUPLICATE_CODE, a device seat model is INVALID_STATE; nothing changes', async () => {
    const before = await eventCount(h);
    const full = await admin.portal.call('POST', seatsUrl(), { portalUserId: cy.id });
    expect([full.status, full.body.error.code]).toEqual([409, 'SEAT_LIMIT_REACHED']);
    const twice = await admin.portal.call('POST', seatsUrl(), { portalUserId: bo.id });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'DUPLICATE_CODE']);
    const devices = await licensed(h, { seats: 3 });
    const nodeLocked = (await h.call('POST', '/v1/entitlements', { customerId: ent.customer.id, offeringId: devices.offering.id })).body;
    const counted = await eventCount(h);
    const wrong = await admin.portal.call('POST', `/v1/portal/entitlements/${nodeLocked.id}/seats`, { portalUserId: cy.id });
    expect([wrong.status, wrong.body.error.code]).toEqual([409, 'INVALID_STATE']);
    expect(await eventCount(h)).toBe(counted);
    expect(before).toBeLessThan(counted);
  });

  it('revoking while the colleague has a live device is IN_USE; after deactivating it the seat is free for someone else', async () => {
    const inUse = await admin.portal.call('DELETE', `${seatsUrl()}/${bo.id}`);
    expect([inUse.status, inUse.body.error.code]).toEqual([409, 'IN_USE']);
    expect(inUse.body.error.details.devices).toHaveLength(1);
    const device = inUse.body.error.details.devices[0].id;
    expect((await admin.portal.call('DELETE', `/v1/portal/devices/${device}`)).status).toBe(200);
    const revoked = await admin.portal.call('DELETE', `${seatsUrl()}/${bo.id}`);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const events = (await h.call('GET', `/v1/events?entitlement=${ent.entitlement.id}&type=entitlement.seat_revoked`)).body.data;
    expect(events).toMatchObject([{ actor: { type: 'portal_user', id: admin.id }, before: { portalUserId: bo.id } }]);
    expect((await bo.portal.call('GET', '/v1/portal/seats')).body.data).toEqual([]);
    expect((await ent.client('activate', { fingerprint: fp('stranger-2'), user: 'other@acme.test' })).status).toBe(201);
    const again = await admin.portal.call('DELETE', `${seatsUrl()}/${bo.id}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it("a disabled colleague's seat is free again", async () => {
    const other = await licensed(h, { seatModel: 'named_user', seats: 1 }, { product: 'app' });
    const customerAdmin = await joined(h, other.customer.id, 'admin@other.test', 'admin');
    const dee = await joined(h, other.customer.id, 'dee@other.test', 'member');
    const url = `/v1/portal/entitlements/${other.entitlement.id}/seats`;
    expect((await customerAdmin.portal.call('POST', url, { portalUserId: dee.id })).status).toBe(201);
    expect((await other.client('activate', { fingerprint: fp('x-1'), user: 'x@other.test' })).body.error.code).toBe('SEAT_LIMIT_REACHED');
    expect((await h.call('DELETE', `/v1/portal-users/${dee.id}`)).status).toBe(200);
    expect((await customerAdmin.portal.call('GET', url)).body.data).toEqual([]);
    expect((await other.client('activate', { fingerprint: fp('x-1'), user: 'x@other.test' })).status).toBe(201);
  });
});
