import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, seedCatalog, type Harness, type Reply } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { startTestProvider, type TestPerson, type TestProvider } from './oidc-provider.js';

// The test provider is plain http on 127.0.0.1.
process.env['LEASEHOLD_PORTAL_SSO_ALLOW_HTTP'] = 'true';

const SECRET = 'the-client-secret-of-alpha-0123456789';

describe.each(await storeKinds())('portal sign-in with OpenID Connect against a real provider (%s)', (kind) => {
  let h: Harness;
  let provider: TestProvider;
  let other: { accountId: string; adminKey: string };
  let alpha: { id: string };
  let bravo: { id: string };
  let alphaEnt: string;
  let bravoEnt: string;
  /** Alpha's own connection (acme.test), the account's (bravo.test → bravo) and another vendor's. */
  let own: Reply['body'];
  let shared: Reply['body'];
  let foreign: Reply['body'];

  const person = (sub: string, email: string, verified = true): TestPerson => ({ sub, email, email_verified: verified, name: `P ${sub}` });

  /** What a refusal must leave as it was: users, sessions, identities and events of every account. */
  const snapshot = async () => {
    const db = h.services.store.database.db;
    const out: unknown[] = [];
    for (const t of ['portal_users', 'portal_sessions', 'portal_sso_identities', 'events'])
      out.push((await sql<{ n: unknown }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]!.n);
    out.push((await sql`select id, joined_at, disabled_at from portal_users order by id`.execute(db)).rows);
    return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  };

  /** A browser: start, the provider's pages, and back to the callback; the answer of the callback. */
  async function signIn(connectionId: string, who: TestPerson, tamper?: (callback: URL) => URL) {
    provider.signInAs(who);
    const start = await h.call('GET', `/v1/portal/sso/${connectionId}/start?login_hint=${encodeURIComponent(who.email)}`, undefined, {
      key: null,
    });
    expect(start.status, JSON.stringify(start.body)).toBe(303);
    const browser = String([start.headers['set-cookie']].flat()[0]).split(';')[0]!;
    expect(browser).toMatch(/^leasehold_portal_sso=/);
    const back = await provider.authorize(String(start.headers.location));
    const url = tamper ? tamper(back) : back;
    const callback = await h.call('GET', url.pathname + url.search, undefined, { key: null, headers: { cookie: browser } });
    return { callback, back, browser, start };
  }

  const refusal = (res: Reply) => {
    expect(res.status).toBe(303);
    return /#sso_error=([A-Z_]+)$/.exec(String(res.headers.location))?.[1];
  };

  const portalCookie = (res: Reply) =>
    [res.headers['set-cookie']]
      .flat()
      .map(String)
      .find((c) => c.startsWith('leasehold_portal='))
      ?.split(';')[0];

  beforeAll(async () => {
    provider = await startTestProvider();
    h = await createHarness(kind);
    await seedCatalog(h);
    other = await h.newAccount();
    await seedCatalog(h, { key: other.adminKey });
    alpha = (await h.call('POST', '/v1/customers', { name: 'Alpha' })).body;
    bravo = (await h.call('POST', '/v1/customers', { name: 'Bravo' })).body;
    alphaEnt = (await h.call('POST', '/v1/entitlements', { customerId: alpha.id, offeringId: 'studio-pro' })).body.id;
    bravoEnt = (await h.call('POST', '/v1/entitlements', { customerId: bravo.id, offeringId: 'studio-pro' })).body.id;
    const otherCustomer = (await h.call('POST', '/v1/customers', { name: 'Charlie' }, { key: other.adminKey })).body;

    const create = async (body: object, key?: string) => {
      const res = await h.call('POST', '/v1/portal-sso-connections', body, { key });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    own = await create({
      name: 'Alpha Okta',
      issuer: provider.issuer,
      clientId: 'alpha',
      clientSecret: SECRET,
      customerId: alpha.id,
      domains: [{ domain: 'acme.test' }],
    });
    shared = await create({
      name: 'Vendor ID',
      issuer: provider.issuer,
      clientId: 'vendor',
      clientSecret: 'the-client-secret-of-the-vendor-0123',
      domains: [{ domain: 'bravo.test', customerId: bravo.id }],
      provisioning: false,
    });
    foreign = await create(
      {
        name: 'Charlie SSO',
        issuer: provider.issuer,
        clientId: 'charlie',
        clientSecret: 'the-client-secret-of-charlie-012345',
        customerId: otherCustomer.id,
        domains: [{ domain: 'charlie.test' }],
      },
      other.adminKey,
    );
    provider.client({ clientId: 'alpha', clientSecret: SECRET, redirectUri: own.redirectUri });
    provider.client({ clientId: 'vendor', clientSecret: 'the-client-secret-of-the-vendor-0123', redirectUri: shared.redirectUri });
    provider.client({ clientId: 'charlie', clientSecret: 'the-client-secret-of-charlie-012345', redirectUri: foreign.redirectUri });
  });
  afterAll(async () => {
    await h?.close();
    await provider?.close();
  });
  // Every sign-in counts against the per-address sign-in budget; a minute refills it.
  beforeEach(() => h.clock.advance(61_000));

  it('keeps the client secret sealed: never answered, never in an event, not in plain text in the database', async () => {
    const read = await h.call('GET', `/v1/portal-sso-connections/${own.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: 'Alpha Okta', customerId: alpha.id, domains: [{ domain: 'acme.test', customerId: alpha.id }] });
    expect(read.body.redirectUri).toMatch(new RegExp(`/v1/portal/sso/${own.id}/callback$`));
    expect(JSON.stringify(read.body)).not.toContain(SECRET);
    const events = (await h.call('GET', '/v1/events?limit=200')).body;
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(events.data.some((e: { type: string }) => e.type === 'portal_sso_connection.created')).toBe(true);
    const rows = await sql`select * from portal_sso_connections`.execute(h.services.store.database.db);
    expect(JSON.stringify(rows.rows)).not.toContain(SECRET);
  });

  it('the sign-in page finds the connections of an email domain, and none for an unknown one', async () => {
    const found = await h.call('GET', '/v1/portal/sso/connections?domain=acme.test', undefined, { key: null });
    expect(found.status).toBe(200);
    expect(found.body.connections).toEqual([{ id: own.id, name: 'Alpha Okta', vendor: expect.any(String), startUrl: own.startUrl }]);
    expect((await h.call('GET', '/v1/portal/sso/connections?domain=nowhere.test', undefined, { key: null })).body.connections).toEqual([]);
  });

  it("signs a new person in, provisions them as a member of the connection's customer, and the session reaches that customer's entitlements only", async () => {
    const before = (await h.call('GET', `/v1/customers/${alpha.id}/portal-users`)).body.data.length;
    const { callback, start } = await signIn(own.id, person('sub-ada', 'Ada@acme.test'));
    expect(String(start.headers.location)).toMatch(/code_challenge_method=S256/);
    expect(String(start.headers.location)).toMatch(/[?&]nonce=/);
    expect(callback.status).toBe(303);
    expect(callback.headers.location).toBe('/portal/');
    const cookie = portalCookie(callback)!;
    expect(cookie).toBeDefined();
    const session = await h.call('GET', '/v1/portal/session', undefined, { key: null, headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ email: 'ada@acme.test', role: 'member', state: 'active', customerId: alpha.id });
    const ents = await h.call('GET', '/v1/portal/entitlements', undefined, { key: null, headers: { cookie } });
    expect(ents.status).toBe(200);
    expect(ents.body.data.map((e: { id: string }) => e.id)).toEqual([alphaEnt]);
    expect(JSON.stringify(ents.body)).not.toContain(bravoEnt);
    expect((await h.call('GET', `/v1/portal/entitlements/${bravoEnt}`, undefined, { key: null, headers: { cookie } })).status).toBe(404);
    // A portal session is no management credential.
    expect((await h.call('GET', '/v1/customers', undefined, { key: null, headers: { cookie } })).status).toBe(401);
    expect((await h.call('GET', `/v1/customers/${alpha.id}/portal-users`)).body.data.length).toBe(before + 1);
    const events = (await h.call('GET', '/v1/events?limit=50')).body.data as Array<{
      type: string;
      actor: { type: string };
      after: unknown;
    }>;
    const provisioned = events.find((e) => e.type === 'portal_user.provisioned')!;
    expect(provisioned.actor.type).toBe('portal_user');
    expect(events.find((e) => e.type === 'portal_user.signed_in')!.after).toMatchObject({ method: 'sso', connectionId: own.id });
    // Signing in again is the same user, no second one.
    const again = await signIn(own.id, person('sub-ada', 'ada@acme.test'));
    expect(again.callback.headers.location).toBe('/portal/');
    expect((await h.call('GET', `/v1/customers/${alpha.id}/portal-users`)).body.data.length).toBe(before + 1);
  });

  it('an invited user of the address is linked and joins, with no second user', async () => {
    const invited = (
      await h.call('POST', `/v1/customers/${alpha.id}/portal-users`, { email: 'grace@acme.test', name: 'Grace', role: 'admin' })
    ).body.portalUser;
    const { callback } = await signIn(own.id, person('sub-grace', 'grace@acme.test'));
    expect(callback.headers.location).toBe('/portal/');
    const user = (await h.call('GET', `/v1/portal-users/${invited.id}`)).body;
    expect(user).toMatchObject({ state: 'active', role: 'admin' });
    const session = await h.call('GET', '/v1/portal/session', undefined, { key: null, headers: { cookie: portalCookie(callback)! } });
    expect(session.body.user.id).toBe(invited.id);
  });

  it('a connection of the account lands each domain in its customer, and admits only invited people when it does not provision', async () => {
    const invited = (
      await h.call('POST', `/v1/customers/${bravo.id}/portal-users`, { email: 'bob@bravo.test', name: 'Bob', role: 'member' })
    ).body.portalUser;
    const { callback } = await signIn(shared.id, person('sub-bob', 'bob@bravo.test'));
    const cookie = portalCookie(callback)!;
    const ents = await h.call('GET', '/v1/portal/entitlements', undefined, { key: null, headers: { cookie } });
    expect(ents.body.data.map((e: { id: string }) => e.id)).toEqual([bravoEnt]);
    expect((await h.call('GET', '/v1/portal/session', undefined, { key: null, headers: { cookie } })).body.user.id).toBe(invited.id);

    const before = await snapshot();
    expect(refusal((await signIn(shared.id, person('sub-eve', 'eve@bravo.test'))).callback)).toBe('SSO_USER_UNKNOWN');
    expect(await snapshot()).toBe(before);
  });

  it('a wrong state, a missing browser cookie and a replayed callback are refused, and nothing changes', async () => {
    let before = await snapshot();
    const wrong = await signIn(own.id, person('sub-ada', 'ada@acme.test'), (u) => {
      u.searchParams.set('state', 'x'.repeat(43));
      return u;
    });
    expect(refusal(wrong.callback)).toBe('SSO_STATE_INVALID');
    expect(portalCookie(wrong.callback)).toBeUndefined();
    expect(await snapshot()).toBe(before);

    provider.signInAs(person('sub-ada', 'ada@acme.test'));
    const start = await h.call('GET', `/v1/portal/sso/${own.id}/start`, undefined, { key: null });
    const back = await provider.authorize(String(start.headers.location));
    const noCookie = await h.call('GET', back.pathname + back.search, undefined, { key: null });
    expect(refusal(noCookie)).toBe('SSO_STATE_INVALID');
    expect(await snapshot()).toBe(before);

    const first = await signIn(own.id, person('sub-ada', 'ada@acme.test'));
    expect(first.callback.headers.location).toBe('/portal/');
    before = await snapshot();
    const replay = await h.call('GET', first.back.pathname + first.back.search, undefined, {
      key: null,
      headers: { cookie: first.browser },
    });
    expect(refusal(replay)).toBe('SSO_STATE_INVALID');
    expect(portalCookie(replay)).toBeUndefined();
    // The used code with a fresh sign-in's state: the provider refuses it (used, and not this verifier's).
    const fresh = await signIn(own.id, person('sub-ada', 'ada@acme.test'), (u) => {
      u.searchParams.set('code', first.back.searchParams.get('code')!);
      return u;
    });
    expect(refusal(fresh.callback)).toBe('SSO_REJECTED');
    expect(await snapshot()).toBe(before);
  });

  it('an unverified email, a domain the connection does not allow, and a disabled user are refused, and nothing changes', async () => {
    let before = await snapshot();
    expect(refusal((await signIn(own.id, person('sub-mal', 'mal@acme.test', false))).callback)).toBe('SSO_EMAIL_UNVERIFIED');
    expect(refusal((await signIn(own.id, person('sub-out', 'out@elsewhere.test'))).callback)).toBe('SSO_DOMAIN_NOT_ALLOWED');
    // A customer's connection admits only its domains, not another connection's.
    expect(refusal((await signIn(own.id, person('sub-bob', 'bob@bravo.test'))).callback)).toBe('SSO_DOMAIN_NOT_ALLOWED');
    expect(await snapshot()).toBe(before);

    const first = await signIn(own.id, person('sub-dis', 'dis@acme.test'));
    const cookie = portalCookie(first.callback)!;
    const user = (await h.call('GET', '/v1/portal/session', undefined, { key: null, headers: { cookie } })).body.user;
    expect((await h.call('DELETE', `/v1/portal-users/${user.id}`)).status).toBe(200);
    before = await snapshot();
    expect(refusal((await signIn(own.id, person('sub-dis', 'dis@acme.test'))).callback)).toBe('SSO_USER_DISABLED');
    expect(await snapshot()).toBe(before);
    // Invited anew, the address signs in again: as the new user, not the disabled one.
    const anew = (await h.call('POST', `/v1/customers/${alpha.id}/portal-users`, { email: 'dis@acme.test', name: 'Dis', role: 'member' }))
      .body;
    const back = await signIn(own.id, person('sub-dis', 'dis@acme.test'));
    const session = await h.call('GET', '/v1/portal/session', undefined, { key: null, headers: { cookie: portalCookie(back.callback)! } });
    expect(session.body.user.id).toBe(anew.portalUser.id);
  });

  it("another vendor's connection is not reached: not read or changed with this account's key, no customer of theirs named, no flow crosses", async () => {
    const before = await snapshot();
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'Taken' }],
      ['DELETE', undefined],
    ] as const)
      expect((await h.call(method, `/v1/portal-sso-connections/${foreign.id}`, body)).status, method).toBe(404);
    const list = (await h.call('GET', '/v1/portal-sso-connections')).body;
    expect(list.data.map((c: { id: string }) => c.id).sort()).toEqual([own.id, shared.id].sort());
    const charlie = (await h.call('GET', '/v1/customers', undefined, { key: other.adminKey })).body.data[0].id;
    const naming = await h.call('POST', '/v1/portal-sso-connections', {
      name: 'X',
      issuer: provider.issuer,
      clientId: 'x',
      clientSecret: 'y',
      domains: [{ domain: 'x.test', customerId: charlie }],
    });
    expect(naming.status).toBe(422);
    expect(naming.body.error.code).toBe('UNKNOWN_REFERENCE');
    // A sign-in started at this account's connection, brought back to the other vendor's callback.
    const crossed = await signIn(own.id, person('sub-ada', 'ada@acme.test'), (u) => new URL(u.href.replace(own.id, foreign.id)));
    expect(refusal(crossed.callback)).toBe('SSO_STATE_INVALID');
    expect(await snapshot()).toBe(before);
  });

  it("the provider's refusal and a provider that cannot be reached are refused with their codes, and nothing changes", async () => {
    const before = await snapshot();
    const start = await h.call('GET', `/v1/portal/sso/${own.id}/start`, undefined, { key: null });
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const browser = String([start.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const denied = await h.call('GET', `/v1/portal/sso/${own.id}/callback?error=access_denied&state=${state}`, undefined, {
      key: null,
      headers: { cookie: browser },
    });
    expect(refusal(denied)).toBe('SSO_REJECTED');

    // A port nothing listens on (the test provider's server is the only one it knew).
    const down = (
      await h.call('POST', '/v1/portal-sso-connections', {
        name: 'Down',
        issuer: 'http://127.0.0.1:9/',
        clientId: 'down',
        clientSecret: 'down-secret',
        customerId: alpha.id,
        domains: [{ domain: 'down.test' }],
      })
    ).body;
    expect(refusal(await h.call('GET', `/v1/portal/sso/${down.id}/start`, undefined, { key: null }))).toBe('SSO_UNAVAILABLE');
    expect((await h.call('DELETE', `/v1/portal-sso-connections/${down.id}`)).status).toBe(204);
    const counts = JSON.parse(before) as unknown[];
    const after = JSON.parse(await snapshot()) as unknown[];
    // The connection's two events aside, nothing changed.
    expect([after[0], after[1], after[2], after[4]]).toEqual([counts[0], counts[1], counts[2], counts[4]]);
    expect(Number(after[3])).toBe(Number(counts[3]) + 2);
  });

  it('a customer an SSO connection lands people in cannot be deleted, until the connection is gone', async () => {
    const delta = (await h.call('POST', '/v1/customers', { name: 'Delta' })).body;
    const conn = (
      await h.call('POST', '/v1/portal-sso-connections', {
        name: 'Delta SSO',
        issuer: provider.issuer,
        clientId: 'delta',
        clientSecret: 'delta-secret',
        domains: [{ domain: 'delta.test', customerId: delta.id }],
      })
    ).body;
    const refused = await h.call('DELETE', `/v1/customers/${delta.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('IN_USE');
    expect((await h.call('GET', `/v1/portal-sso-connections?customerId=${delta.id}`)).body.data.map((c: { id: string }) => c.id)).toEqual([
      conn.id,
    ]);
    expect((await h.call('DELETE', `/v1/portal-sso-connections/${conn.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/portal-sso-connections/${conn.id}`)).status).toBe(404);
    expect((await h.call('DELETE', `/v1/customers/${delta.id}`)).status).toBe(204);
  });

  it('a domain belongs to one connection of the account, and a disabled connection does not start', async () => {
    const dup = await h.call('POST', '/v1/portal-sso-connections', {
      name: 'Dup',
      issuer: provider.issuer,
      clientId: 'dup',
      clientSecret: 'z',
      customerId: bravo.id,
      domains: [{ domain: 'acme.test' }],
    });
    expect(dup.status).toBe(409);
    expect((await h.call('PATCH', `/v1/portal-sso-connections/${shared.id}`, { enabled: false })).status).toBe(200);
    const start = await h.call('GET', `/v1/portal/sso/${shared.id}/start`, undefined, { key: null });
    expect(refusal(start)).toBe('NOT_FOUND');
    expect((await h.call('GET', '/v1/portal/sso/connections?domain=bravo.test', undefined, { key: null })).body.connections).toEqual([]);
    expect((await h.call('PATCH', `/v1/portal-sso-connections/${shared.id}`, { enabled: true })).status).toBe(200);
  });
});
