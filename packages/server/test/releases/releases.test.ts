import { createPublicKey, verify } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { licensed } from '../support/client.js';
import { eventCount } from '../support/counts.js';
import { startS3 } from '../support/s3.js';
import { asClient, fetchBytes, sha256, upload } from './support.js';
import { artifactStatement } from '../../src/capabilities/releases/signing.js';

const DAY = 24 * 3600 * 1000;
const drivers = ['fs', 's3'] as const;
const matrix = (await storeKinds()).flatMap((store) => drivers.map((driver) => [store, driver] as const));

describe.each(matrix)('releases on %s with %s storage', (store, driver) => {
  let h: Harness;
  let s3: Awaited<ReturnType<typeof startS3>> | null = null;
  const bytes = randomBytes(300_000);

  beforeAll(async () => {
    s3 = driver === 's3' ? await startS3() : null;
    h = await createHarness(store, s3 ? { storage: s3.storage } : {});
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
    await h.call('POST', '/v1/products/app/features', { code: 'export', name: 'Export', type: 'boolean' });
    await h.call('POST', '/v1/products/app/features', { code: 'pro', name: 'Pro', type: 'boolean' });
    await h.call('POST', '/v1/products/app/features', { code: 'projects', name: 'Projects', type: 'numeric' });
  });
  afterAll(async () => {
    await h.close();
    await s3?.close();
  });

  /** A published release with one uploaded artifact. */
  async function published(version: string, extra: Record<string, unknown> = {}, artifact: Record<string, unknown> = {}) {
    const rel = await h.call('POST', '/v1/products/app/releases', { version, ...extra });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const ticket = await h.call('POST', `/v1/releases/${rel.body.id}/artifacts`, {
      filename: `app-${version}.tar.gz`,
      platform: 'linux',
      arch: 'x86_64',
      size: bytes.length,
      sha256: sha256(bytes),
      ...artifact,
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    const up = await upload(h, ticket.body, bytes);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    const pub = await h.call('POST', `/v1/releases/${rel.body.id}/publish`);
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    return { release: pub.body, artifact: up.body };
  }

  it('lists releases in semver order, newest first, and a channel includes the more stable ones', async () => {
    for (const [version, channel] of [
      ['1.9.0', 'stable'],
      ['1.10.0', 'stable'],
      ['1.10.0-rc.2', 'rc'],
      ['1.10.0-rc.10', 'rc'],
      ['1.10.0-beta', 'beta'],
      ['1.2.0', 'stable'],
    ]) {
      expect((await h.call('POST', '/v1/products/app/releases', { version, channel })).status).toBe(201);
    }
    const all = await h.call('GET', '/v1/products/app/releases?limit=4');
    expect(all.body.data.map((r: { version: string }) => r.version)).toEqual(['1.10.0', '1.10.0-rc.10', '1.10.0-rc.2', '1.10.0-beta']);
    const next = await h.call('GET', `/v1/products/app/releases?limit=4&cursor=${all.body.nextCursor}`);
    expect(next.body.data.map((r: { version: string }) => r.version)).toEqual(['1.9.0', '1.2.0']);
    expect(next.body.nextCursor).toBeNull();
    const rc = await h.call('GET', '/v1/products/app/releases?channel=rc');
    expect(rc.body.data.map((r: { version: string }) => r.version)).toEqual(['1.10.0', '1.10.0-rc.10', '1.10.0-rc.2', '1.9.0', '1.2.0']);
    expect(all.body.data.every((r: { status: string }) => r.status === 'draft')).toBe(true);
  });

  it('refuses a bad or duplicate version, an unknown feature and publishing without an artifact, changing nothing', async () => {
    const before = await eventCount(h);
    expect((await h.call('POST', '/v1/products/app/releases', { version: '1.2' })).body.error.code).toBe('INVALID_REQUEST');
    expect((await h.call('POST', '/v1/products/app/releases', { version: '01.2.3' })).body.error).toMatchObject({
      code: 'INVALID_REQUEST',
      details: { field: 'version' },
    });
    const dup = await h.call('POST', '/v1/products/app/releases', { version: '1.9.0+build.7' });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'DUPLICATE_CODE']);
    const unknown = await h.call('POST', '/v1/products/app/releases', { version: '3.0.0', requires: ['nope'] });
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'UNKNOWN_FEATURE']);
    const draft = (await h.call('GET', '/v1/products/app/releases?status=draft')).body.data[0];
    const pub = await h.call('POST', `/v1/releases/${draft.id}/publish`);
    expect([pub.status, pub.body.error.code]).toEqual([409, 'INVALID_STATE']);
    expect((await h.call('POST', `/v1/releases/${draft.id}/yank`)).body.error.code).toBe('INVALID_STATE');
    expect(await eventCount(h)).toBe(before);
  });

  it('an entitled license downloads, through the 303, bytes whose sha256 is the upload’s, signed by the account key', async () => {
    const { release, artifact } = await published('2.0.0', { notes: '# 2.0' });
    expect(artifact).toMatchObject({ status: 'uploaded', size: bytes.length, sha256: sha256(bytes), storage: driver });
    // The signature verifies offline against the key the JWKS publishes.
    const jwks = (await h.call('GET', '/.well-known/jwks.json', undefined, { key: null })).body;
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === artifact.signatureKid);
    const statement = artifactStatement({
      accountId: h.accountId,
      artifactId: artifact.id,
      filename: artifact.filename,
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(
      verify(null, Buffer.from(statement), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(artifact.signature, 'base64url')),
    ).toBe(true);

    const { key, customer } = await licensed(h, {}, { product: 'app' });
    const client = asClient(h, key);
    const list = await client('/v1/client/releases?platform=linux');
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { version: string }) => r.version)).toContain('2.0.0');
    expect((await client('/v1/client/releases?platform=windows')).body.data).toEqual([]);

    const res = await client(`/v1/client/artifacts/${artifact.id}?fingerprint=device-fingerprint-1`, { 'user-agent': 'installer/1.0' });
    expect(res.status, JSON.stringify(res.body)).toBe(303);
    const got = await fetchBytes(h, String(res.headers['location']));
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(bytes));

    const link = await client(`/v1/client/artifacts/${artifact.id}`, { prefer: 'no-redirect' });
    expect(link.status).toBe(200);
    expect(Date.parse(link.body.expiresAt) - h.clock.now()).toBeLessThanOrEqual(3600_000);

    const downloads = await h.call('GET', `/v1/releases/${release.id}/downloads`);
    expect(downloads.body.data).toHaveLength(2);
    expect(downloads.body.data[1]).toMatchObject({
      customerId: customer.id,
      fingerprint: 'device-fingerprint-1',
      userAgent: 'installer/1.0',
    });
    expect((await h.call('GET', `/v1/customers/${customer.id}/downloads`)).body.data).toHaveLength(2);
    expect((await h.call('GET', `/v1/artifacts/${artifact.id}`)).body.downloads).toBe(2);
    const events = await h.call('GET', `/v1/events?type=artifact.downloaded&subject=${artifact.id}`);
    expect(events.body.data).toHaveLength(2);
  });

  it('bytes that differ from the declared sha256 fail the artifact and are not kept', async () => {
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '2.1.0' })).body;
    const ticket = (
      await h.call('POST', `/v1/releases/${rel.id}/artifacts`, {
        filename: 'x.zip',
        platform: 'linux',
        arch: 'x86_64',
        sha256: sha256(Buffer.from('other')),
      })
    ).body;
    const up = await upload(h, ticket, bytes);
    expect([up.status, up.body.error.code]).toEqual([422, 'ARTIFACT_MISMATCH']);
    expect((await h.call('GET', `/v1/artifacts/${ticket.artifact.id}`)).body).toMatchObject({ status: 'failed' });
    expect((await h.call('POST', `/v1/releases/${rel.id}/publish`)).body.error.code).toBe('INVALID_STATE');
  });

  it('refuses, with its code and counting nothing, a license without the required feature, a suspended one, and one whose maintenance ended', async () => {
    const gated = await published('3.0.0', { requires: ['pro'] });
    const plain = await licensed(h, { features: { export: true } }, { product: 'app' });
    const refused = await asClient(h, plain.key)(`/v1/client/artifacts/${gated.artifact.id}`);
    expect([refused.status, refused.body.error.code, refused.body.error.details.missing]).toEqual([403, 'RELEASE_NOT_ENTITLED', ['pro']]);

    const suspended = await licensed(h, { features: { pro: true } }, { product: 'app' });
    await h.call('POST', `/v1/entitlements/${suspended.entitlement.id}/suspend`, {});
    expect((await asClient(h, suspended.key)(`/v1/client/artifacts/${gated.artifact.id}`)).body.error.code).toBe('SUSPENDED');

    // Perpetual with one year of maintenance, which ends before the next release.
    const perpetual = await licensed(
      h,
      { licenseModel: 'perpetual', term: null, maintenanceTerm: 'P30D', features: { pro: true } },
      { product: 'app' },
    );
    h.clock.advance(40 * DAY);
    const late = await published('3.1.0');
    const fix = await published('2.0.1', { backdatedTo: new Date(h.clock.now() - 35 * DAY).toISOString() });
    const client = asClient(h, perpetual.key);
    const old = await client(`/v1/client/artifacts/${late.artifact.id}`);
    expect([old.status, old.body.error.code]).toEqual([403, 'MAINTENANCE_EXPIRED']);
    expect((await client(`/v1/client/artifacts/${gated.artifact.id}`)).status).toBe(303);
    expect((await client(`/v1/client/artifacts/${fix.artifact.id}`)).status).toBe(303);
    const versions = (await client('/v1/client/releases')).body.data.map((r: { version: string }) => r.version);
    expect(versions).toContain('2.0.1');
    expect(versions).not.toContain('3.1.0');

    for (const r of [gated, late]) {
      const d = await h.call('GET', `/v1/releases/${r.release.id}/downloads`);
      expect(d.body.data.every((x: { entitlementId: string }) => x.entitlementId === perpetual.entitlement.id)).toBe(true);
    }
  });

  it('a download limit holds under 20 racing requests: exactly 3 URLs', async () => {
    const { artifact } = await published('4.0.0');
    const limited = await licensed(h, { downloadLimit: { count: 3, per: 'artifact', period: 'P30D' } }, { product: 'app' });
    const client = asClient(h, limited.key);
    const answers = await Promise.all(Array.from({ length: 20 }, () => client(`/v1/client/artifacts/${artifact.id}`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403).every((a) => a.body.error.code === 'DOWNLOAD_LIMIT_REACHED')).toBe(true);
    expect(statuses.filter((s) => s === 403)).toHaveLength(17);
    const counted = await h.call('GET', `/v1/customers/${limited.customer.id}/downloads`);
    expect(counted.body.data).toHaveLength(3);
    // The period slides: a month later the license may download again.
    h.clock.advance(31 * DAY);
    expect((await client(`/v1/client/artifacts/${artifact.id}`)).status).toBe(303);
    // An override on the entitlement wins over the offering.
    await h.call('PATCH', `/v1/entitlements/${limited.entitlement.id}`, { overrides: { downloadLimit: { count: 1, per: 'release' } } });
    expect((await client(`/v1/client/artifacts/${artifact.id}`)).body.error.code).toBe('DOWNLOAD_LIMIT_REACHED');
  });

  it('the upgrade endpoint answers the newest release, critical and required flags', async () => {
    const { key } = await licensed(h, { features: { pro: true } }, { product: 'app' });
    const client = asClient(h, key);
    await published('5.0.0', { critical: true });
    await published('5.1.0', { minimumVersion: '4.5.0' });
    await published('6.0.0-beta.1');
    const up = await client('/v1/client/releases/upgrade?version=4.0.0&platform=linux');
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ release: { version: '5.1.0' }, critical: true, required: true });
    expect((await client('/v1/client/releases/upgrade?version=5.0.0')).body).toMatchObject({
      release: { version: '5.1.0' },
      critical: false,
      required: false,
    });
    expect((await client('/v1/client/releases/upgrade?version=5.1.0&channel=beta')).body.release.version).toBe('6.0.0-beta.1');
    expect((await client('/v1/client/releases/upgrade?version=9.0.0')).body).toMatchObject({
      release: null,
      critical: false,
      required: false,
    });
    expect((await client('/v1/client/releases/upgrade?version=latest')).body.error).toMatchObject({
      code: 'INVALID_REQUEST',
      details: { field: 'version' },
    });
  });

  it('counts, before publishing, the customers and devices a release reaches, and then how many run it', async () => {
    const product = (await h.call('POST', '/v1/products', { code: 'aud', name: 'Audience' })).body;
    await h.call('POST', '/v1/products/aud/features', { code: 'pro', name: 'Pro', type: 'boolean' });
    const rel = (await h.call('POST', '/v1/products/aud/releases', { version: '2.0.0', requires: ['pro'] })).body;
    const pro = await licensed(h, { seats: 5, features: { pro: true } }, { product: product.code });
    const other = await licensed(h, { features: { pro: true } }, { product: product.code });
    await licensed(h, { features: { pro: false } }, { product: product.code });
    await pro.client('activate', { fingerprint: 'device-fingerprint-a1', platform: 'linux', version: '1.9.0' });
    await pro.client('activate', { fingerprint: 'device-fingerprint-a2', platform: 'linux', version: '2.0.0' });
    await other.client('activate', { fingerprint: 'device-fingerprint-a3', platform: 'windows' });
    const all = await h.call('GET', `/v1/releases/${rel.id}/audience`);
    expect(all.body).toEqual({
      customers: 2,
      entitlements: 2,
      devices: { total: 3, below: 1, atOrAbove: 1, unknownVersion: 1, outOfRange: 0 },
      affectedCustomers: 1,
      rollout: false,
      adoption: 0.5,
    });
    const linux = await h.call('GET', `/v1/releases/${rel.id}/audience?platform=linux`);
    expect(linux.body.devices).toEqual({ total: 2, below: 1, atOrAbove: 1, unknownVersion: 0, outOfRange: 0 });
  });

  it('a yanked release is no longer offered or downloadable', async () => {
    const { release, artifact } = await published('7.0.0');
    const { key } = await licensed(h, {}, { product: 'app' });
    expect((await h.call('POST', `/v1/releases/${release.id}/yank`)).body.status).toBe('yanked');
    const client = asClient(h, key);
    expect((await client(`/v1/client/artifacts/${artifact.id}`)).body.error.code).toBe('RELEASE_NOT_ENTITLED');
    expect((await client('/v1/client/releases/upgrade?version=6.0.0')).body.release).toBeNull();
  });

  it('a draft is invisible to licenses; a release nobody downloaded can be deleted with its artifacts', async () => {
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '8.0.0' })).body;
    const ticket = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'a.bin', platform: 'linux', arch: 'x86_64' }))
      .body;
    await upload(h, ticket, bytes);
    const { key } = await licensed(h, {}, { product: 'app' });
    expect((await asClient(h, key)(`/v1/client/artifacts/${ticket.artifact.id}`)).status).toBe(404);
    expect((await h.call('DELETE', `/v1/releases/${rel.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/artifacts/${ticket.artifact.id}`)).status).toBe(404);
  });
});
