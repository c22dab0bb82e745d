import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Leasehold, ManualClock, type License, type OpenOptions } from '../../src/index.js';
import { FakeServer, type FakeLicense } from './fake-server.js';

export const T0 = Date.parse('2026-03-01T00:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const DEVICE = 'test-device-0001';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'leasehold-sdk-'));
}

/** A fake server on a manual clock, and a way to open the SDK against it with everything injected. */
export function world(license: Partial<FakeLicense> = {}) {
  const clock = new ManualClock(T0);
  const server = new FakeServer(clock, license);
  const cacheDir = tempDir();
  // The second record of trusted time, apart from the cache as in an installation, but not in the home directory.
  const timeMarkDir = tempDir();
  const open = (options: Partial<OpenOptions> = {}): Promise<License> =>
    Leasehold.open({
      serverUrl: 'http://licensing.test',
      product: 'studio',
      publicKeys: server.jwks,
      cacheDir,
      timeMarkDir,
      fingerprint: DEVICE,
      clock,
      fetch: server.fetch,
      random: () => 0.5,
      ...options,
    });
  return { clock, server, cacheDir, timeMarkDir, open, key: server.license.key };
}
