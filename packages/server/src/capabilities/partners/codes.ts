import { randomBytes } from 'node:crypto';
import type { Context } from '../../platform/domain/context.js';
import { normalizeLicenseKey } from '../../secrets/license-keys.js';
import { CROCKFORD, checkSymbolOf } from '../keys/pattern.js';

/**
 * Partner authenticity codes: 19 random Crockford base32 symbols (95 bits) and a check symbol, in
 * four groups of five (`7KQ3M-X9D2P-4RT8W-HJ6NB`). The check symbol tells a mistyped code from a
 * forged one before any lookup; the randomness makes forging one hopeless, and the code is only
 * authentic if its keyed hash is on record for the account.
 */
const RANDOM_SYMBOLS = 19;
const PURPOSE = 'partner-code';

export function newPartnerCode(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(RANDOM_SYMBOLS);
  let symbols = '';
  for (let i = 0; i < RANDOM_SYMBOLS; i++) symbols += CROCKFORD[bytes[i]! & 31];
  symbols += checkSymbolOf(symbols, CROCKFORD);
  return symbols.match(/.{5}/g)!.join('-');
}

/** True when the code has the shape of ours but its check symbol disagrees: a typo, not a forgery. */
export function isMistyped(code: string): boolean {
  const n = normalizeLicenseKey(code);
  return /^[0-9A-HJKMNP-TV-Z]{20}$/.test(n) && checkSymbolOf(n.slice(0, RANDOM_SYMBOLS), CROCKFORD) !== n[RANDOM_SYMBOLS];
}

export function codeHash(ctx: Pick<Context, 'secrets'>, code: string): string {
  return ctx.secrets.lookupHash(PURPOSE, normalizeLicenseKey(code));
}

export const sealCode = (ctx: Pick<Context, 'secrets'>, code: string) => ctx.secrets.encrypt(PURPOSE, code);
export const openCode = (ctx: Pick<Context, 'secrets'>, sealed: string) => ctx.secrets.decrypt(PURPOSE, sealed);
