import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import type { StorageSettings } from '../../src/capabilities/releases/storage/configure.js';

/**
 * A real S3-compatible server (s3rver), in this process on a random port, with one bucket. It
 * round-trips presigned PUT and GET and refuses expired URLs; it does not check signatures, so
 * tamper tests run against Leasehold's own signed URLs (the filesystem driver). `ownProcess` runs
 * it in a child process, for tests that measure their own process's memory.
 */
export async function startS3(options: { ownProcess?: boolean } = {}): Promise<{ storage: StorageSettings; close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'leasehold-s3-'));
  let port: number;
  let stop: () => Promise<void>;
  if (options.ownProcess) {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url)), directory], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    port = (JSON.parse(line) as { port: number }).port;
    stop = async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    };
  } else {
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'artifacts' }] });
    port = ((await server.run()) as AddressInfo).port;
    stop = () => server.close();
  }
  return {
    storage: {
      driver: 's3',
      s3: {
        endpoint: `http://127.0.0.1:${port}`,
        bucket: 'artifacts',
        region: 'us-east-1',
        pathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        prefix: 'test/',
      },
    },
    close: async () => {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
