import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';

const PASSWORD = 'correct horse battery';

/** The session cookie's value from a Set-Cookie header. */
const cookieOf = (res: Reply): string => {
  const header = String(res.headers['set-cookie']);
  const match = /leasehold_session=([^;]*)/.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `leasehold_session=${match[1]}`;
};

describe.each(await storeKinds())('console users and sessions on %s', (kind) => {
  let h: Harness;
  let admin: { cookie: string; csrf: string };

  const asUser = (who: { cookie: string; csrf?: string }, method: string, url: string, body?: unknown) =>
    h.call(method, url, body, { key: null, headers: { cookie: who.cookie, ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) } });
  const signIn = async (email: string, password: string) => {
    const res = await h.call('POST', '/v1/session', { email, password }, { key: null });
    return { res, who: res.status === 201 ? { cookie: cookieOf(res), csrf: res.body.csrfToken as string } : null };
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  it('an empty server takes one first admin user, then refuses setup', async () => {
    expect((await h.call('GET', '/v1/session/setup', undefined, { key: null })).body).toEqual({ needed: true });
    const weak = await h.call('POST', '/v1/session/setup', { email: 'a@b.test', name: 'A', password: 'short' }, { key: null });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.field).toMatch(/password/);

    const res = await h.call('POST', '/v1/session/setup', { email: 'Owner@Vendor.test', name: 'Owner', password: PASSWORD }, { key: null });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'owner@vendor.test', role: 'admin' });
    expect(res.body.accountId).toBe(h.accountId);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // plain http in this test
    admin = { cookie: cookieOf(res), csrf: res.body.csrfToken };

    expect((await h.call('GET', '/v1/session/setup', undefined, { key: null })).body).toEqual({ needed: false });
    const again = await h.call('POST', '/v1/session/setup', { email: 'intruder@x.test', name: 'I', password: PASSWORD }, { key: null });
    expect(again.status).toBe(409);
  });

  it('a session cookie reads the API; writes need the CSRF header; events name the user', async () => {
    expect((await asUser({ cookie: admin.cookie }, 'GET', '/v1/products')).status).toBe(200);
    const noCsrf = await asUser({ cookie: admin.cookie }, 'POST', '/v1/products', { code: 'web', name: 'Web' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.details.reason).toBe('csrf');
    const wrongCsrf = await asUser({ cookie: admin.cookie, csrf: 'x'.repeat(43) }, 'POST', '/v1/products', { code: 'web', name: 'Web' });
    expect(wrongCsrf.status).toBe(403);
    const ok = await asUser(admin, 'POST', '/v1/products', { code: 'web', name: 'Web' });
    expect(ok.status).toBe(201);
    const events = await h.call('GET', '/v1/events?limit=5');
    const created = events.body.data.find((e: { type: string }) => e.type === 'product.created');
    const me = (await asUser(admin, 'GET', '/v1/session')).body.user;
    expect(created.actor).toEqual({ type: 'user', id: me.id });
    // The server's first admin key keeps working for scripts.
    expect((await h.call('GET', '/v1/products')).status).toBe(200);
  });

  it('roles of users match the roles of keys', async () => {
    const created = await asUser(admin, 'POST', '/v1/staff-users', {
      email: 'ro@vendor.test',
      name: 'Reader',
      role: 'readonly',
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toMatch(/scrypt|password/i);
    const { who: reader } = await signIn('ro@vendor.test', PASSWORD);
    expect((await asUser(reader!, 'GET', '/v1/customers')).status).toBe(200);
    expect((await asUser(reader!, 'POST', '/v1/customers', { name: 'X' })).status).toBe(403);
    expect((await asUser(reader!, 'GET', '/v1/staff-users')).status).toBe(403);
    // A role change ends the user's sessions.
    expect((await asUser(admin, 'PATCH', `/v1/staff-users/${created.body.id}`, { role: 'support' })).status).toBe(200);
    expect((await asUser(reader!, 'GET', '/v1/customers')).status).toBe(401);
  });

  it('wrong passwords get one answer for every cause, and too many are refused even with the right one', async () => {
    const unknown = await signIn('nobody@vendor.test', PASSWORD);
    const wrong = await signIn('owner@vendor.test', 'not the password');
    expect(unknown.res.status).toBe(401);
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.body.error.message).toBe(wrong.res.body.error.message);
    for (let i = 0; i < 4; i++) await signIn('owner@vendor.test', 'still wrong');
    const limited = await signIn('owner@vendor.test', PASSWORD);
    expect(limited.res.status).toBe(429);
    expect(limited.res.body.error.details.retryAfterSeconds).toBeGreaterThan(0);
    h.clock.advance(16 * 60 * 1000);
    expect((await signIn('owner@vendor.test', PASSWORD)).res.status).toBe(201);
  });

  it('sign-out ends the session; an expired session reads as signed out', async () => {
    const { who } = await signIn('owner@vendor.test', PASSWORD);
    expect((await asUser({ cookie: who!.cookie }, 'DELETE', '/v1/session')).status).toBe(403);
    const out = await asUser(who!, 'DELETE', '/v1/session');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await asUser(who!, 'GET', '/v1/session')).status).toBe(401);

    const { who: later } = await signIn('owner@vendor.test', PASSWORD);
    expect((await asUser(later!, 'GET', '/v1/session')).status).toBe(200);
    h.clock.advance(13 * 60 * 60 * 1000);
    expect((await asUser(later!, 'GET', '/v1/products')).status).toBe(401);
  });

  it('the console is served with security headers, and its routes fall back to the page', async () => {
    for (const url of ['/console/', '/console/entitlements/ent_x']) {
      const res = await h.call('GET', url, undefined, { key: null });
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('same-origin');
    }
    expect((await h.call('GET', '/console/assets/missing.js', undefined, { key: null })).status).toBe(404);
  });

  it('a console write with an Idempotency-Key is replayed, not repeated', async () => {
    const { who } = await signIn('owner@vendor.test', PASSWORD);
    const headers = { cookie: who!.cookie, 'x-csrf-token': who!.csrf, 'idempotency-key': 'console-create-1' };
    const first = await h.call('POST', '/v1/customers', { name: 'Once Only' }, { key: null, headers });
    const again = await h.call('POST', '/v1/customers', { name: 'Once Only' }, { key: null, headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const found = (await asUser(who!, 'GET', '/v1/customers?q=Once%20Only')).body.data;
    expect(found).toHaveLength(1);
  });
});
