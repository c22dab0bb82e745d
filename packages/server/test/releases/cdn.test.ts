import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { licensed } from '../support/client.js';
import { startS3 } from '../support/s3.js';
import { asClient, sha256, upload } from './support.js';
import { parseStorage } from '../../src/config.js';
import { verifyCdnUrl } from '../../src/capabilities/releases/storage/cdn.js';

const SECRET = 'cdn-secret-0123456789abcdef0123456789';

/** Downloads through a CDN with an HMAC token: the URL its edge gets, and the verifier docs/releases.md gives. */
describe.each(await storeKinds())('CDN URL signing on %s', (store) => {
  let h: Harness;
  let s3: Awaited<ReturnType<typeof startS3>>;
  let cdnUrl: string;
  const bytes = randomBytes(50_000);
  let ids: { artifact: string; other: string };
  let key: string;
  const settings = { secret: SECRET, tokenParam: 'token', expiresParam: 'expires' };

  beforeAll(async () => {
    s3 = await startS3();
    if (s3.storage.driver !== 's3') throw new Error('s3 expected');
    // The "CDN" here is the bucket itself (path-style): what an edge would forward to its origin once the token holds.
    cdnUrl = `${s3.storage.s3.endpoint}/${s3.storage.s3.bucket}`;
    h = await createHarness(store, { storage: { ...s3.storage, cdn: { scheme: 'hmac', url: cdnUrl, ...settings } } });
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '1.0.0' })).body;
    const a = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'App Setup.exe', platform: 'windows', arch: 'x86_64' }))
      .body;
    const b = (await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'b.bin', platform: 'linux', arch: 'x86_64' })).body;
    expect((await upload(h, a, bytes)).status).toBe(200);
    expect((await upload(h, b, randomBytes(100))).status).toBe(200);
    expect((await h.call('POST', `/v1/releases/${rel.id}/publish`)).status).toBe(200);
    ids = { artifact: a.artifact.id, other: b.artifact.id };
    key = (await licensed(h, { features: {} }, { product: 'app' })).key;
  });
  afterAll(async () => {
    await h?.close();
    await s3?.close();
  });

  it('a download goes to the CDN with a token the documented scheme verifies, and the edge’s origin serves the bytes', async () => {
    const res = await asClient(h, key)(`/v1/client/artifacts/${ids.artifact}`, { prefer: 'no-redirect' });
    expect(res.status).toBe(200);
    const url = new URL(res.body.url);
    expect(url.href.startsWith(`${cdnUrl}/test/${h.accountId}/${ids.artifact}?`)).toBe(true);
    expect(url.searchParams.get('filename')).toBe('App Setup.exe');
    // The scheme, recomputed from its description: base64url(HMAC-SHA256(secret, path + "\n" + expires)), path below the CDN URL's.
    const path = url.pathname.slice(new URL(cdnUrl).pathname.length);
    const expires = url.searchParams.get('expires')!;
    expect(Number(expires) * 1000).toBe(Date.parse(res.body.expiresAt));
    expect(url.searchParams.get('token')).toBe(createHmac('sha256', SECRET).update(`${path}\n${expires}`).digest('base64url'));
    const base = new URL(cdnUrl).pathname;
    expect(verifyCdnUrl(settings, url.href, h.clock.now(), base)).toBe('ok');
    const got = await fetch(url.href);
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('the token stops at its expiry and cannot be moved to another file or a later expiry', async () => {
    const url = new URL((await asClient(h, key)(`/v1/client/artifacts/${ids.artifact}`, { prefer: 'no-redirect' })).body.url);
    const base = new URL(cdnUrl).pathname;
    const other = new URL(url.href.replace(ids.artifact, ids.other));
    expect(verifyCdnUrl(settings, other.href, h.clock.now(), base)).toBe('invalid');
    const later = new URL(url.href);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect(verifyCdnUrl(settings, later.href, h.clock.now(), base)).toBe('invalid');
    expect(verifyCdnUrl({ ...settings, secret: `${SECRET}x` }, url.href, h.clock.now(), base)).toBe('invalid');
    expect(verifyCdnUrl(settings, url.href, Number(url.searchParams.get('expires')) * 1000 - 1, base)).toBe('ok');
    expect(verifyCdnUrl(settings, url.href, Number(url.searchParams.get('expires')) * 1000, base)).toBe('expired');
  });

  it('is configured by LEASEHOLD_CDN_*, with S3 storage only, and a secret of 32 characters or more', () => {
    const s3env = { LEASEHOLD_STORAGE: 's3', LEASEHOLD_S3_BUCKET: 'b' };
    expect(parseStorage({ ...s3env, LEASEHOLD_CDN_URL: 'https://dl.example.com/', LEASEHOLD_CDN_SECRET: SECRET })).toMatchObject({
      cdn: { scheme: 'hmac', url: 'https://dl.example.com', secret: SECRET, tokenParam: 'token', expiresParam: 'expires' },
    });
    expect(
      parseStorage({
        ...s3env,
        LEASEHOLD_CDN_URL: 'https://dl.example.com',
        LEASEHOLD_CDN_SECRET: SECRET,
        LEASEHOLD_CDN_TOKEN_PARAM: 'sig',
      }),
    ).toMatchObject({ cdn: { tokenParam: 'sig' } });
    expect(parseStorage(s3env)).toMatchObject({ cdn: null });
    expect(() => parseStorage({ LEASEHOLD_CDN_URL: 'https://dl.example.com', LEASEHOLD_CDN_SECRET: SECRET })).toThrow(
      /LEASEHOLD_STORAGE=s3/,
    );
    expect(() => parseStorage({ ...s3env, LEASEHOLD_CDN_URL: 'https://dl.example.com', LEASEHOLD_CDN_SECRET: 'short' })).toThrow(/32/);
    expect(() => parseStorage({ ...s3env, LEASEHOLD_CDN_URL: 'ftp://x', LEASEHOLD_CDN_SECRET: SECRET })).toThrow(/http/);
    expect(() =>
      parseStorage({ ...s3env, LEASEHOLD_CDN_URL: 'https://x', LEASEHOLD_CDN_SECRET: SECRET, LEASEHOLD_CDN_TOKEN_PARAM: 'expires' }),
    ).toThrow(/differ/);
  });
});
