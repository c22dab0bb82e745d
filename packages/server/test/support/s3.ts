import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import type { StorageSettings } from '../../src/capabilities/releases/storage/configure.js';

/**
 * A real S3-compatible server (s3rver), in this process on a random port, with one bucket. It
 * round-trips presigned PUT and GET and refuses expired URLs; it does not check signatures, so
 * tamper tests run against Leasehold's own signed URLs (the filesystem driver).
 */
export async function startS3(): Promise<{ storage: StorageSettings; close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'leasehold-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'artifacts' }] });
  const address = (await server.run()) as AddressInfo;
  return {
    storage: {
      driver: 's3',
      s3: {
        endpoint: `http://127.0.0.1:${address.port}`,
        bucket: 'artifacts',
        region: 'us-east-1',
        pathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        prefix: 'test/',
      },
    },
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
