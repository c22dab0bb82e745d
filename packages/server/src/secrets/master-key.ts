import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The master key protects every secret the server keeps: license keys (encrypted, plus a keyed hash
 * for lookup) and, later, signing keys. Purpose-bound subkeys are derived from it with HKDF so one
 * purpose's key never serves another.
 */
export class MasterKey {
  private readonly subkeys = new Map<string, Buffer>();

  constructor(private readonly material: Buffer) {
    if (material.length !== 32) throw new Error('the master key must be 32 bytes');
  }

  subkey(purpose: string): Buffer {
    let key = this.subkeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.material, Buffer.alloc(0), `leasehold:${purpose}`, 32));
      this.subkeys.set(purpose, key);
    }
    return key;
  }

  /** AES-256-GCM with a random nonce; `v1.` + base64url(nonce | tag | ciphertext). */
  encrypt(purpose: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(`enc:${purpose}`), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  decrypt(purpose: string, sealed: string): string {
    if (!sealed.startsWith('v1.')) throw new Error('unknown ciphertext version');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.subkey(`enc:${purpose}`), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** A keyed hash (HMAC-SHA256, hex) for looking secrets up without storing them. */
  lookupHash(purpose: string, value: string): string {
    return createHmac('sha256', this.subkey(`mac:${purpose}`))
      .update(value, 'utf8')
      .digest('hex');
  }

  /** A value stored beside the data so a server started with the wrong master key refuses to run. */
  checkValue(): string {
    return this.lookupHash('check', 'leasehold-master-key-check');
  }

  matches(checkValue: string): boolean {
    const mine = Buffer.from(this.checkValue(), 'hex');
    const theirs = Buffer.from(checkValue, 'hex');
    return mine.length === theirs.length && timingSafeEqual(mine, theirs);
  }
}

/** Parses `LEASEHOLD_MASTER_KEY`: 32 bytes as base64, base64url or hex. */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) {
    throw new Error('LEASEHOLD_MASTER_KEY must be 32 bytes, written as 64 hex digits or base64');
  }
  return new MasterKey(bytes);
}

/**
 * The master key from the environment, or from `<dataDir>/master.key`, created on first start with
 * owner-only permissions. Several server processes sharing one database must share one master key:
 * set LEASEHOLD_MASTER_KEY for them.
 */
export function loadMasterKey(envValue: string | undefined, dataDir: string): { key: MasterKey; source: string } {
  if (envValue) return { key: parseMasterKey(envValue), source: 'LEASEHOLD_MASTER_KEY' };
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return { key: parseMasterKey(readFileSync(file, 'utf8')), source: file };
}
