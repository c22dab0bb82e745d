import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { storeKinds } from '../support/stores.js';
import { licensed } from '../support/client.js';
import { startS3 } from '../support/s3.js';
import { asClient, sha256, upload } from './support.js';
import { parseStorage } from '../../src/config.js';

const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const CLOUDFRONT_PARAMS = ['Expires', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'];

/**
 * CloudFront's check of a signed URL with a canned policy, written from its developer guide rather
 * than from the signer: the resource is the URL without CloudFront's own parameters, the policy the
 * fixed JSON of that resource and `Expires`, and `Signature` an RSA signature (SHA-1, or SHA-256
 * when `Hash-Algorithm=SHA256`) of the policy in CloudFront's base64 (`+=/` as `-_~`).
 */
function cloudFrontCheck(publicKey: KeyObject, href: string, nowMs: number): 'ok' | 'expired' | 'invalid' {
  const url = new URL(href);
  const expires = url.searchParams.get('Expires') ?? '';
  const signature = url.searchParams.get('Signature') ?? '';
  if (url.searchParams.get('Key-Pair-Id') !== KEY_PAIR_ID || !/^\d+$/.test(expires)) return 'invalid';
  const hash = url.searchParams.get('Hash-Algorithm') === 'SHA256' ? 'sha256' : 'sha1';
  const resource = new URL(href);
  for (const p of CLOUDFRONT_PARAMS) resource.searchParams.delete(p);
  // URLSearchParams would re-encode the rest; the resource is the URL as it was sent, less CloudFront's parameters.
  const resourceText = `${resource.origin}${resource.pathname}?${href
    .split('?')[1]!
    .split('&')
    .filter((pair) => !CLOUDFRONT_PARAMS.includes(pair.split('=')[0]!))
    .join('&')}`;
  const policy = `{"Statement":[{"Resource":"${resourceText}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  const bytes = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
  if (!verify(hash, Buffer.from(policy), publicKey, bytes)) return 'invalid';
  return Number(expires) * 1000 <= nowMs ? 'expired' : 'ok';
}

/** Downloads through CloudFront's own signed URLs (LEASEHOLD_CDN_SIGNING=cloudfront), configured as an operator would. */
describe.each(await storeKinds())('CloudFront signed URLs on %s', (store) => {
  let h: Harness;
  let s3: Awaited<ReturnType<typeof startS3>>;
  let distribution: string;
  let dir: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const bytes = randomBytes(40_000);
  let ids: { artifact: string; other: string };
  let key: string;

  beforeAll(async () => {
    s3 = await startS3();
    if (s3.storage.driver !== 's3') throw new Error('s3 expected');
    dir = mkdtempSync(join(tmpdir(), 'leasehold-cf-'));
    writeFileSync(join(dir, 'cloudfront.pem'), pem, { mode: 0o600 });
    // The "distribution" is the bucket itself (path-style): where CloudFront would forward a request once its signature holds.
    distribution = `${s3.storage.s3.endpoint}/${s3.storage.s3.bucket}`;
    const storage = parseStorage({
      LEASEHOLD_STORAGE: 's3',
      LEASEHOLD_S3_BUCKET: s3.storage.s3.bucket,
      LEASEHOLD_CDN_URL: distribution,
      LEASEHOLD_CDN_SIGNING: 'cloudfront',
      LEASEHOLD_CDN_KEY_PAIR_ID: KEY_PAIR_ID,
      LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'cloudfront.pem'),
    });
    if (storage.driver !== 's3') throw new Error('s3 expected');
    h = await createHarness(store, { storage: { ...s3.storage, cdn: storage.cdn } });
    await h.call('POST', '/v1/products', { code: 'app', name: 'App' });
    const rel = (await h.call('POST', '/v1/products/app/releases', { version: '1.0.0' })).body;
    const a = (
      await h.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'App Setup é.exe', platform: 'windows', arch: 'x86_64' })
    ).body;
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
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a download is a CloudFront signed URL that CloudFront’s check accepts, and the origin serves the bytes under their name', async () => {
    const res = await asClient(h, key)(`/v1/client/artifacts/${ids.artifact}`, { prefer: 'no-redirect' });
    expect(res.status).toBe(200);
    const url = new URL(res.body.url);
    expect(url.href.startsWith(`${distribution}/test/${h.accountId}/${ids.artifact}?`)).toBe(true);
    expect(url.searchParams.get('Key-Pair-Id')).toBe(KEY_PAIR_ID);
    expect(Number(url.searchParams.get('Expires')) * 1000).toBe(Date.parse(res.body.expiresAt));
    expect(url.searchParams.get('response-content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('App Setup é.exe')}`);
    expect(cloudFrontCheck(publicKey, url.href, h.clock.now())).toBe('ok');
    // What CloudFront forwards to an S3 origin through origin access control: the object, with the
    // response override, as a request it signs itself (S3 refuses response overrides unsigned).
    if (s3.storage.driver !== 's3') throw new Error('s3 expected');
    const { endpoint, bucket, region, accessKeyId, secretAccessKey } = s3.storage.s3;
    const client = new S3Client({
      endpoint: endpoint!,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! },
    });
    const got = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: decodeURIComponent(url.pathname.slice(new URL(distribution).pathname.length + 1)),
        ResponseContentDisposition: url.searchParams.get('response-content-disposition')!,
      }),
    );
    client.destroy();
    expect(got.ContentDisposition).toBe(url.searchParams.get('response-content-disposition'));
    expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(bytes));
  });

  it('the signature stops at its expiry and does not carry over to another file, a later expiry, another name or another key', async () => {
    const href = (await asClient(h, key)(`/v1/client/artifacts/${ids.artifact}`, { prefer: 'no-redirect' })).body.url as string;
    const expires = Number(new URL(href).searchParams.get('Expires'));
    expect(cloudFrontCheck(publicKey, href.replace(ids.artifact, ids.other), h.clock.now())).toBe('invalid');
    expect(cloudFrontCheck(publicKey, href.replace(`Expires=${expires}`, `Expires=${expires + 3600}`), h.clock.now())).toBe('invalid');
    const renamed = href.replace(
      /response-content-disposition=[^&]*/,
      `response-content-disposition=${encodeURIComponent('attachment; filename="x.exe"')}`,
    );
    expect(renamed).not.toBe(href);
    expect(cloudFrontCheck(publicKey, renamed, h.clock.now())).toBe('invalid');
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(cloudFrontCheck(stranger, href, h.clock.now())).toBe('invalid');
    expect(cloudFrontCheck(publicKey, href, expires * 1000 - 1)).toBe('ok');
    expect(cloudFrontCheck(publicKey, href, expires * 1000)).toBe('expired');
  });

  it('signs with SHA-256 when told, which CloudFront learns from Hash-Algorithm', async () => {
    const storage = parseStorage({
      LEASEHOLD_STORAGE: 's3',
      LEASEHOLD_S3_BUCKET: 'artifacts',
      LEASEHOLD_CDN_URL: distribution,
      LEASEHOLD_CDN_SIGNING: 'cloudfront',
      LEASEHOLD_CDN_KEY_PAIR_ID: KEY_PAIR_ID,
      LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'cloudfront.pem'),
      LEASEHOLD_CDN_HASH: 'SHA256',
    });
    if (storage.driver !== 's3' || s3.storage.driver !== 's3') throw new Error('s3 expected');
    const other = await createHarness(store, { storage: { ...s3.storage, cdn: storage.cdn } });
    try {
      await other.call('POST', '/v1/products', { code: 'app', name: 'App' });
      const rel = (await other.call('POST', '/v1/products/app/releases', { version: '1.0.0' })).body;
      const a = (await other.call('POST', `/v1/releases/${rel.id}/artifacts`, { filename: 'a.bin', platform: 'linux', arch: 'x86_64' }))
        .body;
      expect((await upload(other, a, randomBytes(10))).status).toBe(200);
      expect((await other.call('POST', `/v1/releases/${rel.id}/publish`)).status).toBe(200);
      const lk = (await licensed(other, { features: {} }, { product: 'app' })).key;
      const href = (await asClient(other, lk)(`/v1/client/artifacts/${a.artifact.id}`, { prefer: 'no-redirect' })).body.url as string;
      expect(new URL(href).searchParams.get('Hash-Algorithm')).toBe('SHA256');
      expect(cloudFrontCheck(publicKey, href, other.clock.now())).toBe('ok');
    } finally {
      await other.close();
    }
  });

  it('is refused at start without a key ID, a readable key file, or with a key that is not RSA', () => {
    const base = { LEASEHOLD_STORAGE: 's3', LEASEHOLD_S3_BUCKET: 'b', LEASEHOLD_CDN_URL: 'https://d111111abcdef8.cloudfront.net' };
    const cf = { ...base, LEASEHOLD_CDN_SIGNING: 'cloudfront', LEASEHOLD_CDN_KEY_PAIR_ID: KEY_PAIR_ID };
    expect(() => parseStorage({ ...base, LEASEHOLD_CDN_SIGNING: 'akamai' })).toThrow(/hmac or cloudfront/);
    expect(() => parseStorage({ ...cf, LEASEHOLD_CDN_KEY_PAIR_ID: '' })).toThrow(/KEY_PAIR_ID/);
    expect(() => parseStorage(cf)).toThrow(/PRIVATE_KEY_FILE/);
    expect(() => parseStorage({ ...cf, LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'missing.pem') })).toThrow(/cannot be read/);
    writeFileSync(join(dir, 'not-a-key.pem'), 'hello');
    expect(() => parseStorage({ ...cf, LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'not-a-key.pem') })).toThrow(/PEM private key/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(join(dir, 'ed.pem'), ed);
    expect(() => parseStorage({ ...cf, LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'ed.pem') })).toThrow(/RSA/);
    writeFileSync(join(dir, 'ok.pem'), pem);
    expect(() => parseStorage({ ...cf, LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'ok.pem'), LEASEHOLD_CDN_HASH: 'MD5' })).toThrow(
      /SHA1 or SHA256/,
    );
    expect(parseStorage({ ...cf, LEASEHOLD_CDN_PRIVATE_KEY_FILE: join(dir, 'ok.pem') })).toMatchObject({
      cdn: { scheme: 'cloudfront', url: 'https://d111111abcdef8.cloudfront.net', keyPairId: KEY_PAIR_ID, hash: 'SHA1' },
    });
  });
});
