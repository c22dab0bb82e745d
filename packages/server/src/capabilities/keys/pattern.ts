import { randomInt } from 'node:crypto';
import { invalid } from '../../platform/domain/errors.js';
import type { PatternSettings } from './ports.js';

/** Crockford base32: no I, L, O or U, so a key read aloud or copied by hand is hard to get wrong. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DIGITS = '0123456789';

export interface PatternFacts {
  product: string;
  offering: string;
}

/**
 * Checks a pattern before it is stored: it must leave enough randomness for keys to be unguessable
 * and (with the check symbol) carry at most one `*`. Symbols that license-key lookup folds together
 * (O with 0, I and L with 1) are refused in the alphabet: two keys differing only by them would be
 * the same key.
 */
export function checkPattern(p: PatternSettings): void {
  const alphabet = p.alphabet ?? CROCKFORD;
  if (/[OIL]/.test(alphabet)) throw invalid('pattern.alphabet', 'The alphabet may not hold O, I or L: key lookup reads them as 0 and 1.');
  if (new Set(alphabet).size !== alphabet.length) throw invalid('pattern.alphabet', 'The alphabet repeats a symbol.');
  const body = p.pattern.replace(/\{PRODUCT\}|\{OFFERING\}/g, '');
  if (/[{}]/.test(body)) throw invalid('pattern.pattern', 'Only {PRODUCT} and {OFFERING} may appear in braces.');
  if ((body.match(/\*/g) ?? []).length > 1) throw invalid('pattern.pattern', 'A pattern holds at most one check symbol (*).');
  if (body.includes('*') && p.checkDigit === false)
    throw invalid('pattern.pattern', 'The pattern has a check symbol (*) but checkDigit is off.');
  const bits = [...body].reduce((sum, c) => sum + (c === 'X' ? Math.log2(alphabet.length) : c === '#' ? Math.log2(10) : 0), 0);
  if (bits < 20) {
    throw invalid('pattern.pattern', `The pattern leaves ${Math.floor(bits)} bits of randomness; at least 20 are needed.`, {
      bits: Math.floor(bits),
    });
  }
}

type Token = 'X' | '#' | '*' | { literal: string };

/** The pattern as symbols to draw and literal text; a product code's own X or # stays literal. */
function tokens(p: PatternSettings, facts: PatternFacts): Token[] {
  const out: Token[] = [];
  for (const part of p.pattern.split(/(\{PRODUCT\}|\{OFFERING\})/)) {
    if (part === '{PRODUCT}') out.push({ literal: facts.product.toUpperCase() });
    else if (part === '{OFFERING}') out.push({ literal: facts.offering.toUpperCase() });
    else for (const c of part) out.push(c === 'X' || c === '#' || c === '*' ? c : { literal: c });
  }
  if (p.checkDigit !== false && !out.includes('*')) out.push({ literal: '-' }, '*');
  return out;
}

/** A key from the pattern: `{PRODUCT}-XXXX-XXXX-####` → `STUDIO-7KQ3-X9D2-4821-P`. */
export function patternKey(p: PatternSettings, facts: PatternFacts, pick: (n: number) => number = randomInt): string {
  const alphabet = p.alphabet ?? CROCKFORD;
  let random = '';
  const parts = tokens(p, facts).map((t) => {
    if (typeof t === 'object') return t.literal;
    if (t === '*') return t;
    const symbol = t === 'X' ? alphabet[pick(alphabet.length)]! : DIGITS[pick(10)]!;
    random += symbol;
    return symbol;
  });
  return parts.map((s) => (s === '*' ? checkSymbolOf(random, alphabet) : s)).join('');
}

/**
 * Whether a typed key has the pattern's shape and its check symbol agrees, so a typo is told
 * apart from an unknown key before any lookup.
 */
export function matchesPattern(p: PatternSettings, facts: PatternFacts, typed: string): boolean {
  const alphabet = p.alphabet ?? CROCKFORD;
  let rest = typed.toUpperCase();
  let random = '';
  let check: string | null = null;
  for (const t of tokens(p, facts)) {
    if (typeof t === 'object') {
      if (!rest.startsWith(t.literal)) return false;
      rest = rest.slice(t.literal.length);
      continue;
    }
    const c = rest[0];
    if (c === undefined) return false;
    rest = rest.slice(1);
    if (t === '*') check = c;
    else if ((t === 'X' ? alphabet : DIGITS).includes(c)) random += c;
    else return false;
  }
  return rest === '' && (check === null || check === checkSymbolOf(random, alphabet));
}

/**
 * Luhn mod N over the random symbols, N the size of the alphabet joined with the digits: catches
 * every single wrong symbol and most swapped neighbours.
 */
export function checkSymbolOf(symbols: string, alphabet: string): string {
  const set = [...new Set(alphabet + DIGITS)].join('');
  const n = set.length;
  let factor = 2;
  let sum = 0;
  for (let i = symbols.length - 1; i >= 0; i--) {
    let addend = factor * set.indexOf(symbols[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return set[(n - (sum % n)) % n]!;
}
