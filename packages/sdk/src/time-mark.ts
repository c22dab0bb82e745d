import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeAtomically } from './cache.js';

export type TimeMarkRead = { kind: 'missing' } | { kind: 'tampered' } | { kind: 'ok'; trustedTime: number };

interface MarkFile {
  format: 'leasehold-time-mark';
  v: 1;
  trustedTime: number;
  mac: string;
}

const FORMAT = 'leasehold-time-mark';

/**
 * Where the time marks live by default: the OS user's state directory, away from the cache, so
 * that restoring a backup of the cache directory does not restore the mark with it.
 */
export function defaultTimeMarkDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'leasehold');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'leasehold');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'leasehold');
}

/**
 * A second, independent high-water mark of the trusted time of one license in one cache, kept in
 * another directory. The later of the cache's time and the mark's wins, so a cache file put back
 * from a backup cannot wind the trusted clock back. The mark is MAC'd under a key derived from the
 * license key, the device and the product (as the cache key is): it cannot be edited to an earlier
 * time, only deleted or put back itself — see the README on what a local attacker can still do.
 * Named after the product, the license key and the cache file, so licenses and installations never
 * share a mark.
 */
export class TimeMark {
  constructor(
    private readonly dir: string,
    private readonly product: string,
    private readonly fingerprint: string,
    private readonly cacheFile: string,
  ) {}

  read(licenseKey: string): TimeMarkRead {
    let text: string;
    try {
      text = readFileSync(this.file(licenseKey), 'utf8');
    } catch {
      return { kind: 'missing' };
    }
    try {
      const mark = JSON.parse(text) as MarkFile;
      if (mark.format !== FORMAT || mark.v !== 1 || typeof mark.trustedTime !== 'number' || typeof mark.mac !== 'string') {
        return { kind: 'tampered' };
      }
      const expected = this.mac(licenseKey, mark.trustedTime);
      const given = Buffer.from(mark.mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'tampered' };
      return { kind: 'ok', trustedTime: mark.trustedTime };
    } catch {
      return { kind: 'tampered' };
    }
  }

  /** Records `trustedTime`. Failing to (no home directory, a read-only disk) only loses the extra protection. */
  write(licenseKey: string, trustedTime: number): boolean {
    const mark: MarkFile = { format: FORMAT, v: 1, trustedTime, mac: this.mac(licenseKey, trustedTime).toString('base64url') };
    try {
      writeAtomically(this.file(licenseKey), JSON.stringify(mark));
      return true;
    } catch {
      return false;
    }
  }

  private file(licenseKey: string): string {
    const id = createHash('sha256')
      .update(`${this.product}\0${this.fingerprint}\0${licenseKey}\0${resolve(this.cacheFile)}`)
      .digest('base64url')
      .slice(0, 22);
    return join(this.dir, `${this.product.replace(/[^A-Za-z0-9._-]/g, '_')}-${id}.mark`);
  }

  private mac(licenseKey: string, trustedTime: number): Buffer {
    const key = Buffer.from(hkdfSync('sha256', licenseKey, this.fingerprint, `leasehold time mark/${this.product}`, 32));
    return createHmac('sha256', key)
      .update(`${FORMAT}/1/${this.product}/${resolve(this.cacheFile)}/${trustedTime}`)
      .digest();
  }
}
