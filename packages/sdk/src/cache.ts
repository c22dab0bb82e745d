import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidationCode } from '@leasehold/contract';
import type { QueuedUsage, QuotaSnapshot } from './usage.js';

/** What the SDK keeps between runs. The lease inside is re-verified on every load. */
export interface CachedState {
  licenseKey: string;
  activationId: string | null;
  /** The last lease (compact JWS), or null when none is held. */
  token: string | null;
  /** The server's last refusal (suspended, revoked, …), which stands until a lease is granted again. */
  refusal: {
    code: ValidationCode;
    message: string;
    /** This device's clock when the refusal arrived (ms). */
    at: number;
    /** The SDK's estimate of the server's clock then (ms): only a lease issued after it lifts the refusal. */
    serverAt?: number;
  } | null;
  /** The latest time known to be real, in server time (ms): signed lease `iat`s, and this device's own clock while it ran. Never moves back (see trust.ts). */
  trustedTime: number;
  /** Server time minus this device's time, measured at the last server answer (ms). */
  skewMs: number;
  lastContactAt: number | null;
  /** The offline activation request this device is waiting on. */
  pendingOffline: { nonce: string; createdAt: number } | null;
  /**
   * Usage recorded on this device that the server has not acknowledged yet, oldest first. A record
   * leaves the queue only with the server's answer to a request that carried it, so a crash in
   * between sends it again under the same idempotency key, which the server counts once.
   */
  usageQueue?: QueuedUsage[];
  /** The server's latest word on the quotas (from a lease, a usage answer or a validation). */
  quotas?: QuotaSnapshot | null;
  /** Pool elements this device holds, as the server last said (server time, ms). */
  pools?: Record<string, { held: number; inUse: number; limit: number; at: number }>;
}

export type CacheRead = { kind: 'missing' } | { kind: 'tampered'; reason: string } | { kind: 'ok'; state: CachedState };

interface Box {
  iv: string;
  tag: string;
  data: string;
}
interface Envelope {
  format: 'leasehold-cache';
  v: 1;
  /** The license key, sealed under a key derived from the device and product alone, so the SDK can open the state box. */
  keyBox: Box;
  /** The state, sealed under HKDF(license key, salt = fingerprint, info = product). */
  box: Box;
}

const FORMAT = 'leasehold-cache';

/**
 * The encrypted cache file of one product on one device. AES-256-GCM: any change to the file, or
 * reading it on a device with another fingerprint, fails authentication and reads as `tampered`.
 * Writes go to a temporary file that is renamed over the old one, so a crash mid-write leaves the
 * previous cache intact; files are created owner-only (0600, in a 0700 directory).
 *
 * This keeps the cache unreadable to other users and useless on another machine; it does not
 * stop someone who has this device, the license key and the SDK's source from reading it. What
 * makes rights unforgeable is the lease's signature, which the SDK checks on every load.
 *
 * @example
 * import { LeaseCache } from '@leasehold/sdk';
 * const cache = new LeaseCache('/var/lib/my-app/license', 'studio', fingerprint);
 * const read = cache.read();
 * if (read.kind === 'ok') console.log(read.state.activationId);
 */
export class LeaseCache {
  readonly file: string;
  private readonly aad: Buffer;

  constructor(
    readonly dir: string,
    private readonly product: string,
    private readonly fingerprint: string,
  ) {
    this.file = join(dir, `${product.replace(/[^A-Za-z0-9._-]/g, '_')}.lease`);
    this.aad = Buffer.from(`${FORMAT}/1/${product}`);
  }

  read(): CacheRead {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'tampered', reason: `the cache file cannot be read (${(error as NodeJS.ErrnoException).code})` };
    }
    try {
      const envelope = JSON.parse(text) as Envelope;
      if (envelope.format !== FORMAT || envelope.v !== 1) return { kind: 'tampered', reason: 'the cache file has an unknown format' };
      const licenseKey = open(this.deviceKey(), envelope.keyBox, this.aad).toString('utf8');
      const state = JSON.parse(open(this.stateKey(licenseKey), envelope.box, this.aad).toString('utf8')) as CachedState;
      if (state.licenseKey !== licenseKey) return { kind: 'tampered', reason: 'the cache boxes do not belong together' };
      return { kind: 'ok', state };
    } catch {
      return { kind: 'tampered', reason: 'the cache file does not authenticate on this device' };
    }
  }

  write(state: CachedState): void {
    const envelope: Envelope = {
      format: FORMAT,
      v: 1,
      keyBox: seal(this.deviceKey(), Buffer.from(state.licenseKey, 'utf8'), this.aad),
      box: seal(this.stateKey(state.licenseKey), Buffer.from(JSON.stringify(state), 'utf8'), this.aad),
    };
    writeAtomically(this.file, JSON.stringify(envelope));
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }

  private stateKey(licenseKey: string): Buffer {
    return Buffer.from(hkdfSync('sha256', licenseKey, this.fingerprint, this.product, 32));
  }

  private deviceKey(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.fingerprint, this.product, 'leasehold license key box', 32));
  }
}

function seal(key: Buffer, plain: Buffer, aad: Buffer): Box {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

function open(key: Buffer, box: Box, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'), { authTagLength: 16 }).setAAD(aad);
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
}

/** Writes `text` to a fresh owner-only temporary file, flushes it to disk, and renames it over `file`. */
export function writeAtomically(file: string, text: string): void {
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
