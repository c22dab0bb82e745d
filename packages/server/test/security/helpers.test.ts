import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { csrfTokenMatches, csrfTokenOf } from '../../src/capabilities/access/sessions.js';
import { redactUrl } from '../../src/platform/http/log-redaction.js';
import { generateApiKeyToken } from '../../src/secrets/api-key-tokens.js';
import { secretsEqual } from '../../src/secrets/compare.js';
import { generateLicenseKey } from '../../src/secrets/license-keys.js';

const API_KEY = 'lh_4fJq9ZkR2mXw7TbN1cVd8HsLp3GyE6aUoQiK0rWn';
const LICENSE_KEY = '7KQ3M-X9D2P-4RT8W-HJ6NB-C5VZE';
const ULID = '01JQ3M8X9D2P4RT8WHJ6NBC5VZ';

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
    // Secrets by their shape, in free text and in paths.
    [`/v1/customers?q=${API_KEY}&limit=5`, '/v1/customers?q=[redacted]&limit=5'],
    [`/v1/customers?q=${API_KEY.slice(0, 10)}`, `/v1/customers?q=${API_KEY.slice(0, 10)}`],
    ['/v1/customers?q=lh_test_0123456789abcdef', '/v1/customers?q=[redacted]'],
    [`/v1/customers?q=${LICENSE_KEY}`, '/v1/customers?q=[redacted]'],
    [`/v1/customers?q=${LICENSE_KEY.replace(/-/g, '').toLowerCase()}`, '/v1/customers?q=[redacted]'],
    [`/v1/customers?q=${LICENSE_KEY.replace(/-/g, '%20')}&x=1`, '/v1/customers?q=[redacted]&x=1'],
    [`/v1/customers?q=%20${LICENSE_KEY.replace(/-/g, '+')}`, '/v1/customers?q=%20[redacted]'],
    [`/v1/entitlements/${LICENSE_KEY}`, '/v1/entitlements/[redacted]'],
    [`/v1/entitlements/${LICENSE_KEY.toLowerCase()}/history`, '/v1/entitlements/[redacted]/history'],
    // With a typo (O for 0, I for 1 are what lookup accepts too): still the secret.
    ['/v1/entitlements/7KQ3M-X9D2P-4RT8W-HJ6NB-C5VZO', '/v1/entitlements/[redacted]'],
    [`/core/v2/rest/licensee/${LICENSE_KEY}/validate`, '/core/v2/rest/licensee/[redacted]/validate'],
    // Ordinary ids stay: ULIDs (26 symbols), codes, slugs, the 24-symbol start of a key.
    [`/v1/entitlements/${ULID}`, `/v1/entitlements/${ULID}`],
    [`/v1/entitlements/${ULID.toLowerCase()}/activations`, `/v1/entitlements/${ULID.toLowerCase()}/activations`],
    [`/v1/customers?q=${ULID}`, `/v1/customers?q=${ULID}`],
    ['/v1/entitlements/ent_01m8tsep8wds3bydj93qh29cej', '/v1/entitlements/ent_01m8tsep8wds3bydj93qh29cej'],
    ['/v1/products/studio/features/export', '/v1/products/studio/features/export'],
    ['/v1/offerings/studio-pro-annual-2026?limit=50', '/v1/offerings/studio-pro-annual-2026?limit=50'],
    [`/v1/customers?q=${LICENSE_KEY.replace(/-/g, '').slice(0, 24)}`, `/v1/customers?q=${LICENSE_KEY.replace(/-/g, '').slice(0, 24)}`],
    ['/v1/customers?q=ACME-UNITED-MANUFACTURING-GROUP', '/v1/customers?q=ACME-UNITED-MANUFACTURING-GROUP'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('hides every generated license key and API key, whatever its symbols', () => {
    for (let i = 0; i < 200; i++) {
      const key = generateLicenseKey();
      const token = generateApiKeyToken();
      expect(redactUrl(`/v1/entitlements/${key}?q=${token}`)).toBe('/v1/entitlements/[redacted]?q=[redacted]');
      expect(redactUrl(`/v1/customers?q=${key.replace(/-/g, '').toLowerCase()}`)).toBe('/v1/customers?q=[redacted]');
    }
  });
});
