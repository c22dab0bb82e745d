import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a device fingerprint came from. */
export type FingerprintSource = 'app' | 'machine-id' | 'ioreg' | 'registry' | 'generated';

export interface DeviceFingerprint {
  /** What the server sees: `sha256(machine id + product)` in hex, or the application's own value. */
  value: string;
  source: FingerprintSource;
}

/** The OS probes, injectable so each platform's path is testable anywhere. */
export interface MachineIdProbes {
  platform: NodeJS.Platform;
  readFile(path: string): string;
  run(command: string, args: string[]): string;
}

const realProbes: MachineIdProbes = {
  platform: process.platform,
  readFile: (path) => readFileSync(path, 'utf8'),
  run: (command, args) =>
    execFileSync(command, args, { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true }),
};

/**
 * The operating system's own id for this machine, or null when none is readable: `/etc/machine-id`
 * (or D-Bus's copy) on Linux, `IOPlatformUUID` from `ioreg` on macOS, `MachineGuid` from the
 * registry on Windows.
 *
 * @example
 * import { machineId } from '@leasehold/sdk';
 * console.log(machineId()); // { id: '5f1c…', source: 'machine-id' } on Linux
 */
export function machineId(probes: MachineIdProbes = realProbes): { id: string; source: FingerprintSource } | null {
  const attempt = (source: FingerprintSource, read: () => string | undefined) => {
    try {
      const id = read()?.trim();
      return id && !/^0+$/.test(id.replace(/-/g, '')) ? { id, source } : null;
    } catch {
      return null;
    }
  };
  switch (probes.platform) {
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      return (
        attempt('machine-id', () => probes.readFile('/etc/machine-id')) ??
        attempt('machine-id', () => probes.readFile('/var/lib/dbus/machine-id'))
      );
    case 'darwin':
      return attempt(
        'ioreg',
        () => /"IOPlatformUUID"\s*=\s*"([^"]+)"/.exec(probes.run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']))?.[1],
      );
    case 'win32':
      return attempt(
        'registry',
        () =>
          /MachineGuid\s+REG_SZ\s+(\S+)/i.exec(
            probes.run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid']),
          )?.[1],
      );
    default:
      return null;
  }
}

const memo = new Map<string, DeviceFingerprint>();

/**
 * This device's fingerprint for `product`: the OS machine id hashed (SHA-256) with the product
 * code, so two vendors' applications on one machine see unrelated ids and neither can track the
 * user across products. When the OS gives no machine id (a minimal container, a locked-down
 * sandbox), a random id is generated once and kept in `cacheDir/device-id`; that id is lost, and
 * the device counts as new, when the cache directory is wiped.
 *
 * @example
 * import { deviceFingerprint } from '@leasehold/sdk';
 * const fp = deviceFingerprint('studio', '/var/lib/my-app/license');
 * console.log(fp.value.length, fp.source); // 64 'machine-id'
 */
export function deviceFingerprint(product: string, cacheDir: string, probes: MachineIdProbes = realProbes): DeviceFingerprint {
  const memoKey = probes === realProbes ? `${product}\0${cacheDir}` : null;
  const known = memoKey === null ? undefined : memo.get(memoKey);
  if (known) return known;
  const found = machineId(probes) ?? { id: generatedId(cacheDir), source: 'generated' as const };
  const fingerprint = { value: createHash('sha256').update(`leasehold:${product}:${found.id}`).digest('hex'), source: found.source };
  if (memoKey !== null) memo.set(memoKey, fingerprint);
  return fingerprint;
}

function generatedId(cacheDir: string): string {
  const file = join(cacheDir, 'device-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch {
    // none yet
  }
  const id = randomBytes(16).toString('hex');
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  // 'wx' keeps the first id if two processes start at once; the loser reads the winner's.
  try {
    writeFileSync(file, id + '\n', { mode: 0o600, flag: 'wx' });
    return id;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}

/** Fingerprints the server accepts: 8–256 printable ASCII characters without spaces. */
export function isValidFingerprint(value: string): boolean {
  return /^[\x21-\x7e]{8,256}$/.test(value);
}
