import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { csrfTokenMatches, csrfTokenOf } from '../../src/domain/access/sessions.js';
import { redactUrl } from '../../src/http/log-redaction.js';
import { secretsEqual } from '../../src/secrets/compare.js';

describe('secretsEqual', () => {
  it.each([
    ['the same text', 'a-secret-token', 'a-secret-token', true],
    ['the same bytes as Buffer and string', Buffer.from('a-secret-token'), 'a-secret-token', true],
    ['one character off', 'a-secret-token', 'a-secret-tokeN', false],
    ['a prefix', 'a-secret-token', 'a-secret', false],
    ['a longer text', 'a-secret', 'a-secret-token', false],
    ['empty against text', '', 'a-secret-token', false],
    ['both empty', '', '', true],
    ['unicode normalisation is not applied', 'caf\u00e9', 'cafe\u0301', false],
  ])('%s', (_what, a, b, expected) => {
    expect(secretsEqual(a, b)).toBe(expected);
    expect(secretsEqual(b, a)).toBe(expected);
  });

  it('backs the CSRF check: the session’s own token passes, any other or none does not', () => {
    const session = randomBytes(32).toString('base64url');
    const token = csrfTokenOf(session);
    expect(csrfTokenMatches(session, token)).toBe(true);
    expect(csrfTokenMatches(session, `${token}x`)).toBe(false);
    expect(csrfTokenMatches(session, token.slice(0, -1))).toBe(false);
    expect(csrfTokenMatches(session, csrfTokenOf(randomBytes(32).toString('base64url')))).toBe(false);
    expect(csrfTokenMatches(session, undefined)).toBe(false);
    expect(csrfTokenMatches(session, '')).toBe(false);
  });
});

describe('redactUrl (what the request log says of a URL)', () => {
  it.each([
    ['/v1/products?limit=5', '/v1/products?limit=5'],
    ['/core/v2/rest/token/4f1c2f57-1e1a-4b5b-9d0f-8f7e6d5c4b3a', '/core/v2/rest/token/[redacted]'],
    ['/core/v2/rest/token/4f1c2f57?x=1', '/core/v2/rest/token/[redacted]?x=1'],
    ['/CORE/v2/rest/TOKEN/abc', '/CORE/v2/rest/TOKEN/[redacted]'],
    ['/core/v2/rest/token', '/core/v2/rest/token'],
    [
      '/core/v2/rest/licensee/L1/validate?productNumber=P1&nodeSecret=s3cr3t',
      '/core/v2/rest/licensee/L1/validate?productNumber=P1&nodeSecret=[redacted]',
    ],
    [
      '/x?apiKey=k&password=p&session=s&csrf=c&access_token=t&name=n',
      '/x?apiKey=[redacted]&password=[redacted]&session=[redacted]&csrf=[redacted]&access_token=[redacted]&name=n',
    ],
    ['/x?api%4Bey=k', '/x?api%4Bey=[redacted]'],
    ['/x?%zz=1&flag', '/x?%zz=1&flag'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
