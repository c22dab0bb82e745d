import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCli, startServer, tempDataDir, type ServerProcess } from '../../server/test/support/processes.js';
import { startS3 } from '../../server/test/support/s3.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `leasehold releases publish` against a real server process, as a vendor's CI pipeline runs it. */
describe('leasehold releases publish', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  let server: ServerProcess;
  let env: Record<string, string>;
  let key: string;
  const call = (method: string, path: string, body?: unknown) => api(server.url, key, method, path, body);
  const big = randomBytes(6 * 1024 * 1024 + 17);
  const small = randomBytes(1000);

  beforeAll(async () => {
    server = await startServer({ LEASEHOLD_DATA_DIR: data });
    key = server.bannerKey()!;
    env = { LEASEHOLD_DATA_DIR: data, LEASEHOLD_URL: server.url, LEASEHOLD_API_KEY: key };
    await call('POST', '/v1/products', { code: 'cad', name: 'CAD' });
    await call('POST', '/v1/offerings', { productId: 'cad', code: 'cad-pro', name: 'Pro', licenseModel: 'subscription', term: 'P1Y' });
    writeFileSync(join(files, 'cad-2.0.0-linux.tar.gz'), big);
    writeFileSync(join(files, 'cad-2.0.0.msi'), small);
  });
  afterAll(async () => {
    await server.stop();
    killAll();
    removeDir(data);
    removeDir(files);
  });

  it('creates the release, uploads each file streaming with progress, checks sha256 and publishes', async () => {
    const out = await runCli(
      [
        'releases',
        'publish',
        'cad',
        '2.0.0',
        join(files, 'cad-2.0.0-linux.tar.gz') + '=linux/x86_64',
        join(files, 'cad-2.0.0.msi') + '=windows/x86_64',
        '--critical',
        '--notes',
        'Fixes CVE-2026-0001',
        '--json',
      ],
      env,
      60_000,
    );
    expect(out.code, out.stderr).toBe(0);
    // Not a terminal: a progress line per quarter, per file.
    expect(out.stderr).toMatch(/cad-2\.0\.0-linux\.tar\.gz {2}0% {2}/);
    expect(out.stderr).toMatch(/cad-2\.0\.0-linux\.tar\.gz {2}50% {2}3\.\d MB\/6\.0 MB/);
    expect(out.stderr).toMatch(/cad-2\.0\.0-linux\.tar\.gz {2}100% {2}6\.0 MB\/6\.0 MB/);
    expect(out.stderr).toMatch(/cad-2\.0\.0\.msi {2}100%/);
    const { release, artifacts } = JSON.parse(out.stdout);
    expect(release).toMatchObject({ version: '2.0.0', status: 'published', critical: true, notes: 'Fixes CVE-2026-0001', artifacts: 2 });
    expect(artifacts.map((a: { status: string; sha256: string; platform: string }) => [a.status, a.platform, a.sha256])).toEqual([
      ['uploaded', 'linux', sha256(big)],
      ['uploaded', 'windows', sha256(small)],
    ]);

    // An entitled license downloads the very bytes.
    const customer = (await call('POST', '/v1/customers', { name: 'Acme' })).body;
    const entitlement = (await call('POST', '/v1/entitlements', { customerId: customer.id, offeringId: 'cad-pro' })).body;
    const got = await fetch(`${server.url}/v1/client/artifacts/${artifacts[0].id}`, {
      headers: { authorization: `License ${entitlement.key}` },
    });
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(big));
  });

  it('prints a table for people, and --draft leaves the release unpublished', async () => {
    const out = await runCli(['releases', 'publish', 'cad', '2.1.0-rc.1', join(files, 'cad-2.0.0.msi'), '--draft'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^rel_\w+ {2}2\.1\.0-rc\.1 {2}beta {2}draft\n/);
    expect(out.stdout).toMatch(/ARTIFACT\s+FILE\s+PLATFORM\s+ARCH\s+SIZE\s+SHA256/);
    expect(out.stdout).toMatch(/cad-2\.0\.0\.msi\s+any\s+any\s+1000\s+[0-9a-f]{64}/);
  });

  it('refuses a missing file before creating anything, and says why the server refused', async () => {
    const before = (await call('GET', '/v1/products/cad/releases')).body.data.length;
    const missing = await runCli(['releases', 'publish', 'cad', '3.0.0', join(files, 'nope.zip')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.zip: no such file/);
    const badPlatform = await runCli(['releases', 'publish', 'cad', '3.0.0', `${join(files, 'cad-2.0.0.msi')}=Windows/x64`], env);
    expect(badPlatform.code).toBe(1);
    expect((await call('GET', '/v1/products/cad/releases')).body.data.length).toBe(before);
    const duplicate = await runCli(['releases', 'publish', 'cad', '2.0.0', join(files, 'cad-2.0.0.msi')], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/DUPLICATE_CODE/);
    const unknown = await runCli(['releases', 'publish', 'nothing', '1.0.0', join(files, 'cad-2.0.0.msi')], env);
    expect(unknown.code).toBe(3);
  });
});

/** The same against a server storing in S3 (s3rver): the file goes to the bucket's presigned URL, then the server checks it. */
describe('leasehold releases publish to S3 storage', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  let server: ServerProcess;
  let s3: Awaited<ReturnType<typeof startS3>>;

  beforeAll(async () => {
    s3 = await startS3();
    if (s3.storage.driver !== 's3') throw new Error('s3 expected');
    const { endpoint, bucket, accessKeyId, secretAccessKey } = s3.storage.s3;
    server = await startServer({
      LEASEHOLD_DATA_DIR: data,
      LEASEHOLD_STORAGE: 's3',
      LEASEHOLD_S3_ENDPOINT: endpoint!,
      LEASEHOLD_S3_BUCKET: bucket,
      LEASEHOLD_S3_PATH_STYLE: 'true',
      LEASEHOLD_S3_ACCESS_KEY_ID: accessKeyId!,
      LEASEHOLD_S3_SECRET_ACCESS_KEY: secretAccessKey!,
    });
    await api(server.url, server.bannerKey()!, 'POST', '/v1/products', { code: 'cad', name: 'CAD' });
  });
  afterAll(async () => {
    await server?.stop();
    killAll();
    await s3?.close();
    removeDir(data);
    removeDir(files);
  });

  it('uploads to the presigned URL, has the server check it, and publishes', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    writeFileSync(join(files, 'cad.zip'), bytes);
    const env = { LEASEHOLD_DATA_DIR: data, LEASEHOLD_URL: server.url, LEASEHOLD_API_KEY: server.bannerKey()! };
    const out = await runCli(['releases', 'publish', 'cad', '1.0.0', join(files, 'cad.zip'), '--json', '--quiet'], env, 60_000);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    const { release, artifacts } = JSON.parse(out.stdout);
    expect(release.status).toBe('published');
    expect(artifacts[0]).toMatchObject({ status: 'uploaded', storage: 's3', size: bytes.length, sha256: sha256(bytes) });
  });
});
