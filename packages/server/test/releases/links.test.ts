import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { licensed } from '../support/client.js';
import { eventCount } from '../support/counts.js';
import { asClient, fetchBytes, sha256, upload } from './support.js';

/** Leasehold's own signed URLs (the filesystem storage): they expire, and cannot be altered to reach something else. */
describe.each(await storeKinds())('signed file links on %s', (store) => {
  let h: Harness;
  const bytes = randomBytes(10_000);
  let ids: { release: string; artifact: string; other: string };
  let key: string;

  const put = (url: string, payload: Buffer) =>
    h.app.inject({ method: 'PUT', url, payload, headers: { 'content-type': 'application/octet-stream' } });

  beforeAll(async () => {
    h = await createHarness(store);
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
    await h.call('POST', '/v1/products/app/features', { code: 'export', name: 'Export', type: 'boolean' });
    await h.call('POST', '/v1/products/app/features', { code: 'projects', name: 'Projects', type: 'numeric' });
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '1.0.0' })).body;
    const a = (
      await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'a.bin', platform: 'linux', arch: 'x86_64', size: bytes.length })
    ).body;
    const b = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'b.bin', platform: 'linux', arch: 'arm64' })).body;
    expect((await upload(h, a, bytes)).status).toBe(200);
    expect((await upload(h, b, Buffer.from('secret other file'))).status).toBe(200);
    await h.call('POST', `/v1/releases/${rel.id}/publish`);
    ids = { release: rel.id, artifact: a.artifact.id, other: b.artifact.id };
    key = (await licensed(h, {}, { product: 'app' })).key;
  });
  afterAll(() => h.close());

  const link = async () => (await asClient(h, key)(`/v1/client/artifacts/${ids.artifact}`, { prefer: 'no-redirect' })).body.url as string;

  it('a download link works until its expiry and not a second after', async () => {
    const url = await link();
    expect(sha256((await fetchBytes(h, url)).bytes)).toBe(sha256(bytes));
    h.clock.advance(3600_000);
    const late = await fetchBytes(h, url);
    expect([late.status, (late.body as { error: { code: string } }).error.code]).toEqual([403, 'LINK_EXPIRED']);
  });

  it('an altered link reaches nothing: another artifact, a later expiry, another account', async () => {
    const url = await link();
    const cases = [
      url.replace(ids.artifact, ids.other),
      url.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`),
      url.replace(/\/v1\/files\/acc_[0-9a-z]+\//, `/v1/files/acc_${'0'.repeat(26)}/`),
      url.replace(/signature=([A-Za-z0-9_-])/, (_m, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`),
    ];
    for (const altered of cases) {
      const res = await fetchBytes(h, altered);
      expect([res.status, (res.body as { error: { code: string } }).error.code], altered).toEqual([403, 'LINK_INVALID']);
    }
  });

  it('a download link cannot be used to upload, and an upload link not twice; nothing changes', async () => {
    const before = await eventCount(h);
    const asUpload = await put(await link(), Buffer.from('replacement'));
    expect([asUpload.statusCode, JSON.parse(asUpload.body).error.code]).toEqual([403, 'LINK_INVALID']);
    const ticket = (await h.call('POST', `/v1/releases/${ids.release}/artifacts`, { filename: 'c.bin', platform: 'macos', arch: 'arm64' }))
      .body;
    expect((await put(ticket.uploadUrl, Buffer.from('one'))).statusCode).toBe(200);
    const counted = await eventCount(h);
    const again = await put(ticket.uploadUrl, Buffer.from('two'));
    expect([again.statusCode, JSON.parse(again.body).error.code]).toEqual([409, 'INVALID_STATE']);
    expect(await eventCount(h)).toBe(counted);
    expect(counted).toBeGreaterThan(before);
    expect(sha256((await fetchBytes(h, await link())).bytes)).toBe(sha256(bytes));
  });

  it('an upload longer than its declared size is cut off and not kept', async () => {
    const ticket = (
      await h.call('POST', `/v1/releases/${ids.release}/artifacts`, { filename: 'd.bin', platform: 'windows', arch: 'x86_64', size: 10 })
    ).body;
    const res = await put(ticket.uploadUrl, randomBytes(100_000));
    expect([res.statusCode, JSON.parse(res.body).error.code]).toEqual([422, 'ARTIFACT_MISMATCH']);
    expect((await h.call('GET', `/v1/artifacts/${ticket.artifact.id}`)).body.status).toBe('waiting');
    // The right bytes are still accepted.
    expect((await put(ticket.uploadUrl, Buffer.alloc(10, 1))).statusCode).toBe(200);
  });

  it('refuses a download limit that could not work, changing nothing', async () => {
    const base = { productId: 'app', name: 'L', licenseModel: 'subscription', term: 'P1Y' };
    for (const [downloadLimit, field] of [
      [{ count: 0, per: 'artifact' }, 'downloadLimit.count'],
      [{ count: 3, per: 'file' }, 'downloadLimit.per'],
      [{ count: 3, per: 'release', period: 'P0D' }, 'downloadLimit.period'],
    ] as const) {
      const res = await h.call('POST', '/v1/offerings', { ...base, code: `l-${field.replace(/\W/g, '')}`, downloadLimit });
      expect([res.status, res.body.error.code], JSON.stringify(res.body)).toEqual([400, 'INVALID_REQUEST']);
      expect(res.body.error.details.field).toContain('downloadLimit');
    }
  });
});
