import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { eventCount } from '../support/counts.js';
import { generateCodes } from '../../src/capabilities/partners/generate.js';
import { fetchBytes, sha256, upload } from '../releases/support.js';
import { joined, type PortalClient } from './support.js';

/** Entitled downloads through the gated path, and partner codes redeemed by a customer's admin, on both stores. */
describe.each(await storeKinds())('downloads and codes in the portal (%s)', (kind) => {
  let h: Harness;
  let customerId: string;
  let ent: { id: string };
  let theirs: { id: string };
  let admin: PortalClient;
  let member: PortalClient;
  const bytes = randomBytes(50_000);

  async function published(version: string, extra: Record<string, unknown> = {}) {
    const rel = (await h.call('POST', '/v1/products/app/releases', { version, ...extra })).body;
    const ticket = await h.call('POST', `/v1/releases/${rel.id}/artifacts`, {
      filename: `app-${version}.tar.gz`,
      platform: 'linux',
      arch: 'x86_64',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    const up = await upload(h, ticket.body, bytes);
    expect((await h.call('POST', `/v1/releases/${rel.id}/publish`)).status).toBe(200);
    return { release: rel, artifact: up.body };
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
    await h.call('POST', '/v1/products/app/features', { code: 'pro', name: 'Pro', type: 'boolean' });
    await h.call('POST', '/v1/offerings', {
      productId: 'app',
      code: 'basic',
      name: 'Basic',
      licenseModel: 'subscription',
      term: 'P1Y',
      seats: 2,
      downloadLimit: { count: 2, per: 'artifact' },
    });
    customerId = (await h.call('POST', '/v1/customers', { name: 'Acme' })).body.id;
    const other = (await h.call('POST', '/v1/customers', { name: 'Other' })).body.id;
    ent = (await h.call('POST', '/v1/entitlements', { customerId, offeringId: 'basic' })).body;
    theirs = (await h.call('POST', '/v1/entitlements', { customerId: other, offeringId: 'basic' })).body;
    admin = (await joined(h, customerId, 'admin@acme.test', 'admin')).portal;
    member = (await joined(h, customerId, 'member@acme.test', 'member')).portal;
  });
  afterAll(() => h?.close());

  it('lists the releases the entitlement may have, with sizes and checksums; a release needing a feature it lacks is not there', async () => {
    const open = await published('1.0.0');
    await published('2.0.0', { requires: ['pro'] });
    const res = await member.call('GET', `/v1/portal/entitlements/${ent.id}/releases?platform=linux`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.map((r: { version: string }) => r.version)).toEqual(['1.0.0']);
    expect(res.body.data[0].artifacts).toMatchObject([{ id: open.artifact.id, size: bytes.length, sha256: sha256(bytes) }]);
    expect((await member.call('GET', `/v1/portal/entitlements/${theirs.id}/releases`)).status).toBe(404);
  });

  it('a download is a signed URL to the bytes, counted for the customer and against the download limit', async () => {
    const artifactId = (await member.call('GET', `/v1/portal/entitlements/${ent.id}/releases`)).body.data[0].artifacts[0].id;
    const url = `/v1/portal/entitlements/${ent.id}/artifacts/${artifactId}/download`;
    const first = await member.call('POST', url);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const got = await fetchBytes(h, first.body.url);
    expect(sha256(got.bytes)).toBe(sha256(bytes));
    expect((await member.call('POST', url)).status).toBe(200);
    const limited = await member.call('POST', url);
    expect([limited.status, limited.body.error.code]).toEqual([403, 'DOWNLOAD_LIMIT_REACHED']);
    const counted = (await h.call('GET', `/v1/customers/${customerId}/downloads`)).body.data;
    expect(counted).toHaveLength(2);
    expect(counted[0]).toMatchObject({ entitlementId: ent.id, artifactId });

    // Without the CSRF token a download is refused (no other site can spend one), and counts nothing.
    const noCsrf = await h.call('POST', url, undefined, { key: null, headers: { cookie: member.cookie } });
    expect(noCsrf.status).toBe(403);
    // Through another customer's entitlement, or a release it may not have: not found, nothing counted.
    const before = await eventCount(h);
    const foreign = await member.call('POST', `/v1/portal/entitlements/${theirs.id}/artifacts/${artifactId}/download`);
    expect(foreign.status).toBe(404);
    const pro = (await h.call('GET', '/v1/products/app/releases?status=published')).body.data.find(
      (r: { version: string }) => r.version === '2.0.0',
    );
    const proArtifact = (await h.call('GET', `/v1/releases/${pro.id}/artifacts`)).body.data[0].id;
    const notEntitled = await member.call('POST', `/v1/portal/entitlements/${ent.id}/artifacts/${proArtifact}/download`);
    expect([notEntitled.status, notEntitled.body.error.code]).toEqual([403, 'RELEASE_NOT_ENTITLED']);
    expect(await eventCount(h)).toBe(before);
  });

  it('an admin redeems a partner code into their own customer; once only; a member may not; a forged code is CODE_INVALID', async () => {
    await h.call('POST', '/v1/partners', { name: 'Box Shop', kind: 'reseller', externalRef: 'box-shop' });
    const batch = (await h.call('POST', '/v1/code-batches', { offeringId: 'basic', partnerId: 'box-shop', quantity: 2 })).body;
    while (await generateCodes(h.services, { worker: 'test', chunk: 100 })) {
      /* until the batch is generated */
    }
    const codes = (await h.call('GET', `/v1/code-batches/${batch.id}/codes`)).body.data.map((c: { code: string }) => c.code);
    const customersBefore = (await h.call('GET', '/v1/customers?limit=100')).body.data.length;

    const byMember = await member.call('POST', '/v1/portal/redemptions', { code: codes[0] });
    expect([byMember.status, byMember.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const redeemed = await admin.call('POST', '/v1/portal/redemptions', { code: codes[0] });
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    expect(redeemed.body).toMatchObject({ offering: { name: 'Basic' }, state: 'active' });
    const created = (await h.call('GET', `/v1/entitlements/${redeemed.body.id}`)).body;
    expect(created.customerId).toBe(customerId);
    expect((await h.call('GET', '/v1/customers?limit=100')).body.data.length).toBe(customersBefore);
    expect((await admin.call('GET', '/v1/portal/entitlements')).body.data.map((e: { id: string }) => e.id)).toContain(redeemed.body.id);
    const events = (await h.call('GET', `/v1/events?entitlement=${redeemed.body.id}&type=code.redeemed`)).body.data;
    expect(events).toMatchObject([{ actor: { type: 'portal_user' }, customerId }]);

    const before = await eventCount(h);
    const twice = await admin.call('POST', '/v1/portal/redemptions', { code: codes[0] });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'CODE_ALREADY_REDEEMED']);
    const forged = await admin.call('POST', '/v1/portal/redemptions', { code: 'AAAA-BBBB-CCCC-DDDD' });
    expect([forged.status, forged.body.error.code]).toEqual([422, 'CODE_INVALID']);
    expect(await eventCount(h)).toBe(before);
  });

  it("another vendor's code is CODE_INVALID, as a forged one", async () => {
    const other = await h.newAccount();
    const k = { key: other.adminKey };
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' }, k);
    await h.call('POST', '/v1/offerings', { productId: 'app', code: 'basic', name: 'Basic', licenseModel: 'subscription', term: 'P1Y' }, k);
    await h.call('POST', '/v1/partners', { name: 'Box', kind: 'reseller', externalRef: 'box' }, k);
    const batch = (await h.call('POST', '/v1/code-batches', { offeringId: 'basic', partnerId: 'box', quantity: 1 }, k)).body;
    while (await generateCodes(h.services, { worker: 'test', chunk: 100 })) {
      /* until generated */
    }
    const code = (await h.call('GET', `/v1/code-batches/${batch.id}/codes`, undefined, k)).body.data[0].code;
    const res = await admin.call('POST', '/v1/portal/redemptions', { code });
    expect([res.status, res.body.error.code]).toEqual([422, 'CODE_INVALID']);
    expect((await h.call('GET', `/v1/code-batches/${batch.id}`, undefined, k)).body.stats.redeemed).toBe(0);
  });
});
