import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys: `lh_` and 40 base62 symbols (≈238 bits). Only their SHA-256 is stored: a key this random
 * needs no slow hash, and lookup by hash means the comparison never depends on how much of a guess
 * was right.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function generateApiKeyToken(): string {
  let out = 'lh_';
  while (out.length < 43) {
    for (const b of randomBytes(48)) {
      // 248 = 4 * 62: rejection keeps every symbol equally likely
      if (b < 248 && out.length < 43) out += BASE62[b % 62];
    }
  }
  return out;
}

export function hashApiKeyToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function apiKeyPrefix(token: string): string {
  return token.slice(0, 10);
}

/** Seeded keys (LEASEHOLD_ADMIN_KEY) must still be hard to guess. */
export function isAcceptableSeedToken(token: string): boolean {
  return /^[\x21-\x7e]{24,200}$/.test(token);
}
