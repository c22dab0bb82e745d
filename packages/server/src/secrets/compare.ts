import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets are equal, in a time that depends on neither. Both are first reduced to SHA-256
 * digests, so timingSafeEqual always compares 32 bytes: neither a shared prefix nor the length of the
 * expected secret shows in the timing.
 *
 * Where secrets are compared in Leasehold, and how:
 * - API keys, license keys, session tokens and retired license keys are never compared: the presented
 *   value is hashed (SHA-256, or HMAC under the master key for license keys) and looked up through a
 *   unique index, so what a timing could reveal is the hash of a guess, which says nothing of a key.
 * - Passwords: scrypt output, compared with timingSafeEqual on equal-length digests (passwords.ts).
 * - The master key check value: timingSafeEqual on equal-length HMACs (master-key.ts).
 * - CSRF tokens and NetLicensing node secrets: this function.
 * - Lease signatures are checked by crypto.verify (Ed25519), and the SDK's cache by AES-GCM's tag.
 *
 * @example
 * secretsEqual(expectedToken, request.headers['x-csrf-token'] ?? '') // true only for the same text
 */
export function secretsEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();
