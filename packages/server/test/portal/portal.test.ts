import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedCatalog, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { asLicense, fp } from '../support/client.js';
import { accept, portalClient, smtpSink, tokenIn, type PortalClient } from './support.js';

const PUBLIC_URL = 'https://portal.vendor.test';

describe.each(await storeKinds())('the customer portal (%s)', (kind) => {
  let h: Harness;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let customerId: string;
  let entitlement: { id: string; key: string };
  let ada: PortalClient;
  let adaId: string;

  beforeAll(async () => {
    sink = await smtpSink();
    process.env['LEASEHOLD_SMTP_URL'] = sink.url;
    process.env['LEASEHOLD_PUBLIC_URL'] = PUBLIC_URL;
    h = await createHarness(kind);
    const { customer } = await seedCatalog(h);
    customerId = customer.id;
    await h.call('POST', '/v1/offerings', {
      productId: 'studio',
      code: 'studio-one',
      name: 'Studio One',
      licenseModel: 'subscription',
      seatModel: 'node_locked',
      seats: 1,
      term: 'P1Y',
      leasePeriod: 'P7D',
      rehostLimit: 1,
      features: { export: true },
    });
    entitlement = (await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'studio-one', orderRef: 'SO-1' })).body;
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    delete process.env['LEASEHOLD_SMTP_URL'];
    delete process.env['LEASEHOLD_PUBLIC_URL'];
  });

  it('staff invite a portal admin: the single-use link is emailed, not returned', async () => {
    const mail = sink.next('ada@acme.test');
    const res = await h.call('POST', `/v1/customers/${customerId}/portal-users`, { email: 'Ada@Acme.test', name: 'Ada', role: 'admin' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      invitationUrl: null,
      emailed: true,
      portalUser: { email: 'ada@acme.test', role: 'admin', state: 'invited' },
    });
    adaId = res.body.portalUser.id;
    const text = await mail;
    expect(text).toContain(`${PUBLIC_URL}/portal/accept#token=`);
    const token = tokenIn(text);
    // Stored only as a hash: the token appears in no answer and no event.
    expect(JSON.stringify((await h.call('GET', '/v1/events?limit=500')).body)).not.toContain(token);

    ada = await accept(h, token);
    expect(ada.cookie).toMatch(/^leasehold_portal=/);
    const replay = await h.call('POST', '/v1/portal/invitations/accept', { token, password: 'another password!' }, { key: null });
    expect(replay.status).toBe(403);
    expect(replay.body.error.code).toBe('LINK_INVALID');
    const listed = (await h.call('GET', `/v1/customers/${customerId}/portal-users`)).body.data;
    expect(listed).toMatchObject([{ id: adaId, state: 'active' }]);
    expect(listed[0].joinedAt).not.toBeNull();
  });

  it('the portal cookie is HttpOnly, SameSite=Lax and sent only to /v1/portal', async () => {
    const res = await h.call('POST', '/v1/portal/session', { email: 'ada@acme.test', password: 'correct horse battery' }, { key: null });
    expect(res.status).toBe(201);
    const cookie = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('leasehold_portal='))!;
    expect(cookie).toMatch(/; Path=\/v1\/portal; HttpOnly; SameSite=Lax; Max-Age=43200/);
  });

  it('an invitation link expires', async () => {
    const mail = sink.next('late@acme.test');
    await h.call('POST', `/v1/customers/${customerId}/portal-users`, { email: 'late@acme.test', name: 'Late', role: 'member' });
    const token = tokenIn(await mail);
    h.clock.advance(72 * 3_600_000 + 1);
    const res = await h.call('POST', '/v1/portal/invitations/accept', { token, password: 'correct horse battery' }, { key: null });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('LINK_INVALID');
  });

  it('sign-in answers the same for a wrong password, an unknown address and an invitation not yet accepted', async () => {
    const answers = [];
    for (const [email, password] of [
      ['ada@acme.test', 'wrong password'],
      ['nobody@acme.test', 'wrong password'],
      ['late@acme.test', 'wrong password'],
    ]) {
      const res = await h.call('POST', '/v1/portal/session', { email, password }, { key: null });
      answers.push({ status: res.status, code: res.body.error.code, message: res.body.error.message, cookie: res.headers['set-cookie'] });
    }
    expect(answers[0]).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: 'The email or password is not right.', cookie: undefined });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('failed sign-ins are limited per email, even with the right password after', async () => {
    for (let i = 0; i < 4; i++)
      await h.call('POST', '/v1/portal/session', { email: 'ada@acme.test', password: 'nope nope' }, { key: null });
    const locked = await h.call('POST', '/v1/portal/session', { email: 'ada@acme.test', password: 'correct horse battery' }, { key: null });
    expect(locked.status).toBe(429);
    h.clock.advance(15 * 60_000 + 1);
    expect(
      (await h.call('POST', '/v1/portal/session', { email: 'ada@acme.test', password: 'correct horse battery' }, { key: null })).status,
    ).toBe(201);
  });

  it('a passwordless link signs in once; asking for one answers the same for unknown addresses', async () => {
    const known = await h.call('POST', '/v1/portal/sign-in-links', { email: 'ada@acme.test' }, { key: null });
    const unknown = await h.call('POST', '/v1/portal/sign-in-links', { email: 'nobody@acme.test' }, { key: null });
    expect(known.status).toBe(202);
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
    const text = await sink.next('ada@acme.test');
    expect(text).toContain(`${PUBLIC_URL}/portal/sign-in#link=`);
    const token = tokenIn(text);
    const first = await h.call('POST', '/v1/portal/sign-in-links/redeem', { token }, { key: null });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.user.id).toBe(adaId);
    // Ada's first session has expired meanwhile (the clock moved past the invitation's expiry): use this one.
    ada = portalClient(h, first);
    const again = await h.call('POST', '/v1/portal/sign-in-links/redeem', { token }, { key: null });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('LINK_INVALID');
    expect(sink.count('nobody@acme.test')).toBe(0);
  });

  it('the customer sees their entitlement with seats bought and used, and reveals the key (audited)', async () => {
    const activated = await asLicense(h, entitlement.key)('activate', { fingerprint: fp('laptop'), hostname: 'laptop', meta: {} });
    expect(activated.status).toBe(201);
    const list = await ada.call('GET', '/v1/portal/entitlements');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const e = list.body.data[0];
    expect(e).toMatchObject({
      id: entitlement.id,
      product: { name: 'Studio' },
      offering: { name: 'Studio One' },
      orderRef: 'SO-1',
      seats: { bought: 1, used: 1 },
      rehosts: { limit: 1 },
      effective: { status: 'active', features: { export: true } },
    });
    expect(JSON.stringify(e)).not.toContain(entitlement.key);
    const key = await ada.call('POST', `/v1/portal/entitlements/${entitlement.id}/key`);
    expect(key.status).toBe(200);
    expect(key.body).toEqual({ entitlementId: entitlement.id, key: entitlement.key });
    const events = (await h.call('GET', `/v1/events?type=entitlement.key_revealed`)).body.data;
    expect(events[0]).toMatchObject({ subjectId: entitlement.id, actor: { type: 'portal_user', id: adaId } });
    expect(JSON.stringify(events[0])).not.toContain(entitlement.key);
  });

  it('a write without the session CSRF token is refused and changes nothing', async () => {
    const res = await h.call('POST', `/v1/portal/entitlements/${entitlement.id}/key`, undefined, {
      key: null,
      headers: { cookie: ada.cookie },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.details.reason).toBe('csrf');
  });

  it('deactivating a device frees its seat for the next activation, within the rehost limit', async () => {
    const second = asLicense(h, entitlement.key);
    expect((await second('activate', { fingerprint: fp('desktop') })).body.error.code).toBe('SEAT_LIMIT_REACHED');
    const devices = await ada.call('GET', `/v1/portal/entitlements/${entitlement.id}/devices?state=active`);
    expect(devices.body.data).toMatchObject([{ hostname: 'laptop', state: 'active' }]);
    expect(devices.body.data[0].lastSeenAt).toBeTruthy();
    const off = await ada.call('DELETE', `/v1/portal/devices/${devices.body.data[0].id}`);
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.state).toBe('deactivated');
    expect((await ada.call('GET', `/v1/portal/entitlements/${entitlement.id}`)).body.seats).toEqual({ bought: 1, used: 0 });
    const next = await second('activate', { fingerprint: fp('desktop') });
    expect(next.status).toBe(201);
    // The one rehost of the period is used: the next is refused, and the device keeps its seat.
    const refused = await ada.call('DELETE', `/v1/portal/devices/${next.body.activation.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('REHOST_LIMIT_REACHED');
    expect((await ada.call('GET', `/v1/portal/entitlements/${entitlement.id}`)).body.seats.used).toBe(1);
    const deactivated = (await h.call('GET', '/v1/events?type=activation.deactivated')).body.data[0];
    expect(deactivated.actor).toEqual({ type: 'portal_user', id: adaId });
  });

  it('an admin invites a colleague; a member may not invite', async () => {
    const mail = sink.next('bob@acme.test');
    const invited = await ada.call('POST', '/v1/portal/users', { email: 'bob@acme.test', name: 'Bob', role: 'member' });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    expect(invited.body.portalUser.customerId).toBe(customerId);
    const bob = await accept(h, tokenIn(await mail));
    const refused = await bob.call('POST', '/v1/portal/users', { email: 'eve@acme.test', name: 'Eve', role: 'admin' });
    expect(refused.status).toBe(403);
    const colleagues = (await bob.call('GET', '/v1/portal/users')).body.data.map((u: { email: string }) => u.email);
    expect(colleagues).toEqual(expect.arrayContaining(['ada@acme.test', 'bob@acme.test']));
    const invitedEvent = (await h.call('GET', '/v1/events?type=portal_user.invited')).body.data[0];
    expect(invitedEvent.actor).toEqual({ type: 'portal_user', id: adaId });
  });

  it("the history lists what the customer's people did in the portal", async () => {
    const history = await ada.call('GET', '/v1/portal/history?limit=100');
    const types = history.body.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'portal_user.joined',
        'portal_user.signed_in',
        'entitlement.key_revealed',
        'activation.deactivated',
        'portal_user.invited',
      ]),
    );
    expect(history.body.data.every((e: { actor: { type: string } }) => e.actor.type === 'portal_user')).toBe(true);
  });

  it('sign-out needs the CSRF token, ends the session and clears the cookie', async () => {
    const signedIn = await h.call(
      'POST',
      '/v1/portal/session',
      { email: 'ada@acme.test', password: 'correct horse battery' },
      { key: null },
    );
    const client = portalClient(h, signedIn);
    expect((await h.call('DELETE', '/v1/portal/session', undefined, { key: null, headers: { cookie: client.cookie } })).status).toBe(403);
    const out = await client.call('DELETE', '/v1/portal/session');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^leasehold_portal=; Path=\/v1\/portal; .*Max-Age=0/);
    expect((await client.call('GET', '/v1/portal/session')).status).toBe(401);
    expect((await client.call('GET', '/v1/portal/entitlements')).status).toBe(401);
  });

  it('staff disabling a portal user ends their sessions at once', async () => {
    expect((await ada.call('GET', '/v1/portal/session')).status).toBe(200);
    const res = await h.call('DELETE', `/v1/portal-users/${adaId}`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('disabled');
    expect((await ada.call('GET', '/v1/portal/entitlements')).status).toBe(401);
    const again = await h.call('POST', '/v1/portal/session', { email: 'ada@acme.test', password: 'correct horse battery' }, { key: null });
    expect(again.status).toBe(401);
  });

  it("erasing the customer erases its portal users' names and emails, in their rows and in the events", async () => {
    const res = await h.call('POST', `/v1/customers/${customerId}/erase`, { confirm: customerId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.fields).toEqual(expect.arrayContaining(['portal_user.name', 'portal_user.email']));
    const users = (await h.call('GET', `/v1/customers/${customerId}/portal-users`)).body.data;
    expect(users.length).toBeGreaterThan(1);
    for (const u of users) expect(u).toMatchObject({ name: '[erased]', state: 'disabled' });
    const text = JSON.stringify((await h.call('GET', '/v1/events?limit=500')).body) + JSON.stringify(users);
    for (const personal of ['ada@acme.test', 'bob@acme.test', 'late@acme.test', '"Ada"', '"Bob"']) expect(text).not.toContain(personal);
    const again = await h.call('POST', '/v1/portal/session', { email: 'bob@acme.test', password: 'correct horse battery' }, { key: null });
    expect(again.status).toBe(401);
  });
});
