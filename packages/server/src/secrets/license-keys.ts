import { randomBytes } from 'node:crypto';

/**
 * License keys: 24 random Crockford base32 symbols (120 bits) and one check symbol, shown in five
 * groups of five (`7KQ3M-X9D2P-4RT8W-HJ6NB-C5VZE`). Crockford's alphabet has no I, L, O or U, so a key
 * read aloud or copied by hand is hard to get wrong; the check symbol (Luhn mod 32) catches every
 * single wrong symbol and most swapped neighbours before the key reaches the server.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_SYMBOLS = 24;

export function generateLicenseKey(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(DATA_SYMBOLS);
  let symbols = '';
  for (let i = 0; i < DATA_SYMBOLS; i++) symbols += ALPHABET[bytes[i]! & 31];
  symbols += checkSymbol(symbols);
  return symbols.match(/.{5}/g)!.join('-');
}

/**
 * The canonical form used for lookup: upper case, no separators or spaces, and the symbols people
 * confuse mapped as Crockford says (O→0, I and L→1). The same mapping is applied to imported keys,
 * at storage and at lookup, so it never makes two different stored keys collide silently.
 */
export function normalizeLicenseKey(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** True when the text has the shape of a generated key (25 symbols) and its check symbol is right. */
export function isWellFormedGeneratedKey(input: string): boolean {
  const key = normalizeLicenseKey(input);
  if (!/^[0-9A-HJKMNP-TV-Z]{25}$/.test(key)) return false;
  return checkSymbol(key.slice(0, DATA_SYMBOLS)) === key[DATA_SYMBOLS];
}

/** Looks like one of ours (25 symbols from the alphabet) but the check symbol disagrees: a typo. */
export function hasTypo(input: string): boolean {
  const key = normalizeLicenseKey(input);
  return /^[0-9A-HJKMNP-TV-Z]{25}$/.test(key) && !isWellFormedGeneratedKey(key);
}

function checkSymbol(symbols: string): string {
  // Luhn mod N over the base32 code points, N = 32.
  let factor = 2;
  let sum = 0;
  for (let i = symbols.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(symbols[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}
