import { describe, expect, it } from 'vitest';
import { checkPattern, checkSymbolOf, CROCKFORD, matchesPattern, patternKey } from '../../src/capabilities/keys/pattern.js';
import { isMistyped, newPartnerCode } from '../../src/capabilities/partners/codes.js';
import { devicesFromCsv } from '../../src/capabilities/batches/devices.js';

const facts = { product: 'xbox', offering: 'pro' };

describe('pattern keys', () => {
  it.each([
    ['{PRODUCT}-XXXX-XXXX-####', /^XBOX-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-\d{4}-[0-9A-HJKMNP-TV-Z]$/],
    ['K*-XXXXXXXX', /^K[0-9A-HJKMNP-TV-Z]-[0-9A-HJKMNP-TV-Z]{8}$/],
    ['{OFFERING}-########', /^PRO-\d{8}-[0-9A-Z]$/],
  ])('%s makes keys of its shape that match it, and a product code’s own X stays literal', (pattern, shape) => {
    for (let i = 0; i < 50; i++) {
      const key = patternKey({ pattern }, facts);
      expect(key).toMatch(shape);
      expect(matchesPattern({ pattern }, facts, key)).toBe(true);
      expect(matchesPattern({ pattern }, facts, key.toLowerCase())).toBe(true);
    }
  });

  it('the check symbol catches every single wrong symbol', () => {
    const pattern = { pattern: 'XXXXXXXX' };
    const key = patternKey(pattern, facts, () => 3);
    for (let i = 0; i < 8; i++) {
      for (const c of CROCKFORD) {
        if (c === key[i]) continue;
        expect(matchesPattern(pattern, facts, key.slice(0, i) + c + key.slice(i + 1))).toBe(false);
      }
    }
  });

  it('without a check digit the key is the pattern alone', () => {
    expect(patternKey({ pattern: 'A-XXXXXX', checkDigit: false }, facts, () => 0)).toBe('A-000000');
  });

  it.each([
    [{ pattern: 'X-##' }, /bits/],
    [{ pattern: 'XXXXXXXX', alphabet: 'ABCO' }, /O, I or L/],
    [{ pattern: 'XXXXXXXX**' }, /at most one/],
    [{ pattern: '{CUSTOMER}-XXXXXXXX' }, /braces/],
    [{ pattern: 'XXXXXXXX*', checkDigit: false }, /checkDigit is off/],
  ])('refuses %j', (p, message) => {
    expect(() => checkPattern(p)).toThrow(message);
  });
});

describe('partner codes', () => {
  it('are 20 symbols in four groups whose last is the check symbol; a typo is told apart', () => {
    const code = newPartnerCode();
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}$/);
    const flat = code.replace(/-/g, '');
    expect(checkSymbolOf(flat.slice(0, 19), CROCKFORD)).toBe(flat[19]);
    expect(isMistyped(code)).toBe(false);
    expect(isMistyped((code[0] === 'A' ? 'B' : 'A') + code.slice(1))).toBe(true);
  });
});

describe('batch CSV', () => {
  it('reads the columns it knows, case-insensitively, and names the line of a bad row', () => {
    expect(devicesFromCsv('Fingerprint,Platform\nabc,linux\ndef,\n')).toEqual([
      { fingerprint: 'abc', platform: 'linux' },
      { fingerprint: 'def' },
    ]);
    expect(() => devicesFromCsv('fingerprint\nabc\n""\n')).toThrow(/Line 3/);
    expect(() => devicesFromCsv('name\nabc\n')).toThrow(/fingerprint column/);
  });
});
