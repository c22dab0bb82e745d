import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { joined, portalClient } from './support.js';

/** Branding per account, set by staff, and the portal answering on a vendor's custom domain, on both stores. */
describe.each(await storeKinds())('portal branding and custom domain (%s)', (kind) => {
  let h: Harness;
  let customerId: string;
  let other: { accountId: string; adminKey: string };

  beforeAll(async () => {
    h = await createHarness(kind);
    customerId = (await h.call('POST', '/v1/customers', { name: 'Acme' })).body.id;
    other = await h.newAccount('Other vendor');
  });
  afterAll(() => h?.close());

  const site = (host: string) => h.call('GET', '/v1/portal/branding', undefined, { key: null, headers: { host } });

  it('staff set the name, logo, colours and domain; the change is an event; unset fields are null', async () => {
    expect((await h.call('GET', '/v1/portal-branding')).body).toEqual({
      productName: null,
      logoUrl: null,
      primaryColor: null,
      accentColor: null,
      domain: null,
    });
    const res = await h.call('PATCH', '/v1/portal-branding', {
      productName: 'Acme Studio Licenses',
      logoUrl: 'https://cdn.vendor.test/logo.svg',
      primaryColor: '#0a7cff',
      domain: 'Licenses.Vendor.test',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ productName: 'Acme Studio Licenses', domain: 'licenses.vendor.test', accentColor: null });
    const events = (await h.call('GET', '/v1/events?type=account.portal_branding_updated')).body.data;
    expect(events).toMatchObject([
      { subjectType: 'account', after: { productName: 'Acme Studio Licenses', domain: 'licenses.vendor.test' } },
    ]);
    // The same values again change nothing and record nothing.
    const before = await eventCount(h);
    expect((await h.call('PATCH', '/v1/portal-branding', { primaryColor: '#0a7cff' })).status).toBe(200);
    expect(await eventCount(h)).toBe(before);
  });

  it('bad values are refused with INVALID_REQUEST and change nothing: a colour that is not #rrggbb, a logo that is not https', async () => {
    const before = await eventCount(h);
    for (const body of [
      { primaryColor: 'red' },
      { logoUrl: 'http://cdn.vendor.test/logo.svg' },
      { logoUrl: 'javascript:alert(1)' },
      { domain: 'no_host' },
      { colour: '#000000' },
    ]) {
      const res = await h.call('PATCH', '/v1/portal-branding', body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, 'INVALID_REQUEST']);
    }
    expect(await eventCount(h)).toBe(before);
    expect((await h.call('GET', '/v1/portal-branding')).body.primaryColor).toBe('#0a7cff');
  });

  it('a domain another vendor has is DUPLICATE_CODE; a read-only key reads but may not change; a portal session reaches neither', async () => {
    const taken = await h.call('PATCH', '/v1/portal-branding', { domain: 'licenses.vendor.test' }, { key: other.adminKey });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'DUPLICATE_CODE']);
    const readonly = (await h.call('POST', '/v1/api-keys', { name: 'ro', role: 'readonly' })).body.key;
    expect((await h.call('GET', '/v1/portal-branding', undefined, { key: readonly })).status).toBe(200);
    expect((await h.call('PATCH', '/v1/portal-branding', { productName: 'x' }, { key: readonly })).status).toBe(403);
    const portal = (await joined(h, customerId, 'ada@acme.test', 'admin')).portal;
    expect((await portal.call('PATCH', '/v1/portal-branding', { productName: 'x' })).status).toBe(401);
  });

  it("the custom domain answers with that vendor's branding and account, any other host with none (before sign-in)", async () => {
    const mine = await site('licenses.vendor.test');
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      account: h.accountId,
      name: 'Acme Studio Licenses',
      logoUrl: 'https://cdn.vendor.test/logo.svg',
      primaryColor: '#0a7cff',
      accentColor: null,
    });
    expect((await site('LICENSES.vendor.test:443')).body.account).toBe(h.accountId);
    expect((await site('portal.elsewhere.test')).body).toEqual({
      account: null,
      name: null,
      logoUrl: null,
      primaryColor: null,
      accentColor: null,
    });
  });

  it('on the custom domain, the session cookie is host-only (no Domain) and CSRF is checked as on any host', async () => {
    const email = 'bo@acme.test';
    await joined(h, customerId, email, 'member');
    const signIn = await h.call(
      'POST',
      '/v1/portal/session',
      { email, password: 'correct horse battery', account: h.accountId },
      { key: null, headers: { host: 'licenses.vendor.test' } },
    );
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(201);
    const cookie = [signIn.headers['set-cookie']].flat().find((c) => String(c).startsWith('leasehold_portal='))!;
    expect(cookie).toContain('Path=/v1/portal');
    expect(cookie).not.toMatch(/domain=/i);
    const portal = portalClient(h, signIn);
    const host = { host: 'licenses.vendor.test' };
    expect((await portal.call('GET', '/v1/portal/entitlements', undefined, host)).status).toBe(200);
    const noCsrf = await h.call('DELETE', '/v1/portal/session', undefined, { key: null, headers: { cookie: portal.cookie, ...host } });
    expect(noCsrf.status).toBe(403);
  });
});
