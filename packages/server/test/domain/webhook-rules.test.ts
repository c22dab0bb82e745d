import { describe, expect, it } from 'vitest';
import { isPublicAddress, refusalOfUrl } from '../../src/capabilities/webhooks/address-guard.js';
import {
  BREAKER_AFTER,
  decideAttempt,
  endpointState,
  MAX_ATTEMPTS,
  parseRetryAfter,
  RETRY_SCHEDULE_MS,
  retryDelay,
  wants,
} from '../../src/capabilities/webhooks/schedule.js';
import type { AttemptResult, WebhookEndpointRecord } from '../../src/capabilities/webhooks/ports.js';
import { signature, signatureHeader, newSigningSecret } from '../../src/capabilities/webhooks/signing.js';
import { Webhook } from 'standardwebhooks';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const endpoint = (over: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord => ({
  id: 'whk_1',
  url: 'https://example.com/hook',
  description: null,
  events: ['*'],
  productId: null,
  enabled: true,
  disabledReason: null,
  secretSealed: 'v1.x',
  previousSecretSealed: null,
  previousSecretExpiresAt: null,
  consecutiveFailures: 0,
  parkedUntil: null,
  failingSince: null,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});
const result = (status: number | null, retryAfterMs: number | null = null): AttemptResult => ({
  at: NOW,
  status,
  error: status === null ? 'timeout' : null,
  excerpt: null,
  durationMs: 1,
  retryAfterMs,
});
const mid = () => 0.5;

describe('the retry schedule', () => {
  it('is Standard Webhooks’: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    expect(RETRY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it('jitters each delay by at most ±10 %, and has none after the last attempt', () => {
    expect(retryDelay(1, () => 0)).toBe(4_500);
    expect(retryDelay(1, () => 1)).toBe(5_500);
    expect(retryDelay(4, mid)).toBe(2 * 3_600_000);
    expect(retryDelay(MAX_ATTEMPTS, mid)).toBeNull();
  });

  it.each([
    ['120', 120_000],
    ['0', 0],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    ['999999', 24 * 3_600_000],
    ['soon', null],
    [undefined, null],
  ])('reads Retry-After %s as %s ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('what an attempt decides', () => {
  it.each([
    [
      '200 delivers and closes the breaker',
      endpoint({ consecutiveFailures: 7, parkedUntil: NOW - 1 }),
      1,
      result(200),
      'delivered',
      null,
      0,
    ],
    ['204 is a success too', endpoint(), 1, result(204), 'delivered', null, 0],
    ['500 retries after 5 s', endpoint(), 1, result(500), 'pending', NOW + 5_000, 1],
    ['a 3xx is a failure (redirects are not followed)', endpoint(), 2, result(301), 'pending', NOW + 300_000, 1],
    ['a timeout is a failure', endpoint(), 1, result(null), 'pending', NOW + 5_000, 1],
    ['429 waits at least its Retry-After', endpoint(), 1, result(429, 600_000), 'pending', NOW + 600_000, 1],
    ['503 never sooner than the schedule', endpoint(), 3, result(503, 1_000), 'pending', NOW + 1_800_000, 1],
    ['Retry-After on a 500 is not a promise', endpoint(), 1, result(500, 600_000), 'pending', NOW + 5_000, 1],
    ['the tenth failure fails the delivery', endpoint(), MAX_ATTEMPTS, result(500), 'failed', null, 1],
  ] as const)('%s', (_name, e, attempts, r, status, nextAt, failures) => {
    const o = decideAttempt(e, attempts, r, NOW, mid);
    expect(o.delivery.status).toBe(status);
    expect(o.delivery.nextAt).toBe(nextAt);
    expect(o.endpoint.consecutiveFailures).toBe(status === 'delivered' ? 0 : e.consecutiveFailures + failures);
  });

  it('the last failure flags the endpoint and tells an admin; success clears the flag', () => {
    const o = decideAttempt(endpoint(), MAX_ATTEMPTS, result(500), NOW, mid);
    expect(o.endpoint.failingSince).toBe(NOW);
    expect(o.notices).toEqual(['failing']);
    expect(decideAttempt(endpoint({ failingSince: NOW - 5 }), 1, result(200), NOW, mid).endpoint.failingSince).toBeNull();
  });

  it('410 disables the endpoint once, and keeps the delivery for when it is enabled again', () => {
    const o = decideAttempt(endpoint(), 1, result(410), NOW, mid);
    expect(o).toMatchObject({ delivery: { status: 'pending' }, endpoint: { disable: true }, notices: ['disabled'] });
    expect(decideAttempt(endpoint({ enabled: false }), 1, result(410), NOW, mid).notices).toEqual([]);
  });

  it(`${BREAKER_AFTER} failures in a row park the endpoint until the failed delivery's next attempt`, () => {
    expect(decideAttempt(endpoint({ consecutiveFailures: BREAKER_AFTER - 2 }), 1, result(500), NOW, mid).endpoint.parkedUntil).toBeNull();
    const parked = decideAttempt(endpoint({ consecutiveFailures: BREAKER_AFTER - 1 }), 2, result(500), NOW, mid);
    expect(parked.endpoint.parkedUntil).toBe(NOW + 300_000);
    expect(endpointState({ ...endpoint(), ...parked.endpoint, enabled: true }, NOW)).toBe('parked');
    // Its probe time come, it stays 'parked' (one probe at a time) until a success closes the breaker.
    expect(endpointState({ ...endpoint(), ...parked.endpoint, enabled: true }, NOW + 400_000)).toBe('parked');
    expect(endpointState(endpoint(), NOW)).toBe('active');
    expect(endpointState(endpoint({ enabled: false }), NOW)).toBe('disabled');
  });
});

describe('which endpoint gets which event', () => {
  const event = { type: 'entitlement.suspended', subjectId: 'ent_1', productId: 'prod_a' };
  it.each([
    [{}, true],
    [{ events: ['entitlement.suspended'] }, true],
    [{ events: ['entitlement.resumed'] }, false],
    [{ productId: 'prod_a' }, true],
    [{ productId: 'prod_b' }, false],
    [{ enabled: false }, false],
  ])('%j → %s', (over, expected) => {
    expect(wants(endpoint(over), event)).toBe(expected);
  });
  it('never fans out an endpoint’s own notices or test events', () => {
    expect(wants(endpoint(), { type: 'webhook_endpoint.failing', subjectId: 'whk_1', productId: null })).toBe(false);
    expect(wants(endpoint(), { type: 'webhook_endpoint.failing', subjectId: 'whk_2', productId: null })).toBe(true);
    expect(wants(endpoint(), { type: 'webhook.test', subjectId: 'whk_2', productId: null })).toBe(false);
  });
});

describe('the SSRF guard', () => {
  it.each([
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.100.100.200', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::a9fe:a9fe', false],
    ['not-an-address', false],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('checks every address a name resolves to', async () => {
    const resolve = async () => ['93.184.216.34', '10.0.0.7'];
    expect(await refusalOfUrl('https://rebind.example/hook', false, resolve)).toMatch(/10\.0\.0\.7/);
    expect(await refusalOfUrl('https://ok.example/hook', false, async () => ['93.184.216.34'])).toBeNull();
    expect(await refusalOfUrl('http://ok.example/hook', false, async () => ['93.184.216.34'])).toBe('must be https');
    expect(await refusalOfUrl('http://127.0.0.1:9/hook', true, resolve)).toBeNull();
    expect(await refusalOfUrl('ftp://127.0.0.1/hook', true, resolve)).toBe('must be http or https');
    expect(
      await refusalOfUrl('https://gone.example/', false, async () => {
        throw new Error('ENOTFOUND');
      }),
    ).toMatch(/does not resolve/);
  });
});

describe('signatures', () => {
  it('are what the standardwebhooks reference library computes, one per secret', () => {
    const secret = newSigningSecret();
    const other = newSigningSecret();
    const at = new Date(NOW);
    expect(signature(secret, 'evt_1', NOW / 1000, '{"a":1}')).toBe(new Webhook(secret).sign('evt_1', at, '{"a":1}'));
    expect(signatureHeader([secret, other], 'evt_1', NOW / 1000, '{}').split(' ')).toEqual([
      new Webhook(secret).sign('evt_1', at, '{}'),
      new Webhook(other).sign('evt_1', at, '{}'),
    ]);
  });
});
