import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateLicenseKey, hasTypo, isWellFormedGeneratedKey, normalizeLicenseKey } from '../../src/secrets/license-keys.js';
import { MasterKey, parseMasterKey } from '../../src/secrets/master-key.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SAMPLE = Array.from({ length: 20 }, () => generateLicenseKey());

describe('license keys', () => {
  it('are five groups of five Crockford symbols, and differ every time', () => {
    for (const key of SAMPLE) {
      expect(key).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
      expect(isWellFormedGeneratedKey(key)).toBe(true);
      expect(hasTypo(key)).toBe(false);
    }
    expect(new Set(SAMPLE).size).toBe(SAMPLE.length);
  });

  it('the check symbol catches every single-symbol substitution', () => {
    for (const key of SAMPLE.slice(0, 5)) {
      const symbols = normalizeLicenseKey(key);
      for (let i = 0; i < symbols.length; i++) {
        for (const wrong of ALPHABET) {
          if (wrong === symbols[i]) continue;
          const typo = symbols.slice(0, i) + wrong + symbols.slice(i + 1);
          expect(isWellFormedGeneratedKey(typo), `${typo} (position ${i})`).toBe(false);
          expect(hasTypo(typo)).toBe(true);
        }
      }
    }
  });

  it('uses every symbol of the alphabet (no bias towards part of it)', () => {
    const seen = new Set(
      Array.from({ length: 200 }, () => generateLicenseKey())
        .join('')
        .replace(/-/g, ''),
    );
    expect([...seen].sort().join('')).toBe(ALPHABET);
  });

  it.each([
    ['lower case', (k: string) => k.toLowerCase()],
    ['no dashes', (k: string) => k.replace(/-/g, '')],
    ['spaces instead of dashes', (k: string) => k.replace(/-/g, ' ')],
  ])('normalizes %s to the same key', (_what, typed) => {
    for (const key of SAMPLE) {
      expect(normalizeLicenseKey(typed(key))).toBe(key.replace(/-/g, ''));
      expect(isWellFormedGeneratedKey(typed(key))).toBe(true);
    }
  });

  it('reads O as 0 and I, L as 1, as Crockford says', () => {
    expect(normalizeLicenseKey('o0-Ii-Ll')).toBe('001111');
    const key = SAMPLE.find((k) => /[01]/.test(k))!;
    const misread = key.replace(/0/g, 'O').replace(/1/g, 'l');
    expect(normalizeLicenseKey(misread)).toBe(normalizeLicenseKey(key));
    expect(isWellFormedGeneratedKey(misread)).toBe(true);
  });

  it('is not fooled by a key of the wrong length or with foreign symbols', () => {
    const key = SAMPLE[0]!;
    expect(isWellFormedGeneratedKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedGeneratedKey(key + '0')).toBe(false);
    expect(isWellFormedGeneratedKey('U' + key.slice(1))).toBe(false);
  });
});

describe('MasterKey', () => {
  const master = new MasterKey(randomBytes(32));

  it('decrypts what it encrypted, with a fresh nonce each time', () => {
    const a = master.encrypt('license-key', 'ABCDE-FGHJK');
    const b = master.encrypt('license-key', 'ABCDE-FGHJK');
    expect(a).toMatch(/^v1\./);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ABCDE');
    expect(master.decrypt('license-key', a)).toBe('ABCDE-FGHJK');
    expect(master.decrypt('x', master.encrypt('x', 'ünïcode ✓'))).toBe('ünïcode ✓');
  });

  it('detects a tampered ciphertext, a wrong purpose and a wrong key', () => {
    const sealed = master.encrypt('license-key', 'secret');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, 28, raw.length - 1]) {
      const bent = Buffer.from(raw);
      bent[at] = bent[at]! ^ 1;
      expect(() => master.decrypt('license-key', `v1.${bent.toString('base64url')}`), `byte ${at}`).toThrow();
    }
    expect(() => master.decrypt('signing-key', sealed)).toThrow();
    expect(() => new MasterKey(randomBytes(32)).decrypt('license-key', sealed)).toThrow();
    expect(() => master.decrypt('license-key', sealed.replace('v1.', 'v2.'))).toThrow();
  });

  it('gives stable keyed lookup hashes, different per purpose and per key', () => {
    expect(master.lookupHash('license-key', 'A')).toBe(master.lookupHash('license-key', 'A'));
    expect(master.lookupHash('license-key', 'A')).not.toBe(master.lookupHash('other', 'A'));
    expect(master.lookupHash('license-key', 'A')).not.toBe(new MasterKey(randomBytes(32)).lookupHash('license-key', 'A'));
  });

  it('recognises its own check value only', () => {
    expect(master.matches(master.checkValue())).toBe(true);
    expect(master.matches(new MasterKey(randomBytes(32)).checkValue())).toBe(false);
    expect(master.matches('')).toBe(false);
  });

  it('parses 32 bytes as hex or base64 and refuses anything else', () => {
    const bytes = randomBytes(32);
    const fromHex = parseMasterKey(bytes.toString('hex'));
    const fromB64 = parseMasterKey(bytes.toString('base64'));
    expect(fromHex.checkValue()).toBe(fromB64.checkValue());
    expect(() => parseMasterKey(randomBytes(16).toString('hex'))).toThrow(/32 bytes/);
  });
});
