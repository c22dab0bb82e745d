import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LeaseClaims } from '@leasehold/contract';
import { LeaseholdError, LeaseRejected, TrustedKeys, verifyLease, type Fetch, type License } from '../src/index.js';
import { Signer } from './support/fake-server.js';
import { DAY, DEVICE, HOUR, MINUTE, T0, tempDir, world } from './support/open.js';

/**
 * What the SDK refuses to trust: leases forged (signed by a key the application does not pin),
 * altered (any byte of header, payload or signature), expired, issued in the future beyond the clock
 * tolerance, for another product (aud), activation (sub), account (iss) or device (fingerprint), and
 * leases or caches carried to another device. First `verifyLease` itself, then the same through a
 * `License` as an application uses it, where a refused lease must grant nothing and never replace a
 * good one. (Against a real server: test/e2e.test.ts, "rejected".)
 */

const claimsOf = (token: string): LeaseClaims => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

/** The token with one byte of one decoded segment changed, re-encoded. */
function withByteChanged(token: string, segment: 0 | 1 | 2, index: number): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[index] = bytes[index]! ^ 0x01;
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
}

function edit(token: string, patch: object): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...patch };
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

describe('verifyLease', () => {
  const signer = new Signer();
  const keys = new TrustedKeys(signer.jwks);
  const claims = {
    iss: 'acc_1',
    sub: 'act_1',
    aud: 'studio',
    jti: 'lse_1',
    iat: 1_000,
    exp: 2_000,
    refreshAfter: 1_500,
    fingerprint: 'device-0001',
    mode: 'enforce',
    seat: { kind: 'device', heartbeatDeadline: null, borrowedUntil: null },
    entitlement: { features: { export: true } },
  };
  const expect1 = { product: 'studio', fingerprint: 'device-0001', activationId: 'act_1', account: 'acc_1', notIssuedAfter: 1_000_000 };
  const reason = (token: string, e: Partial<typeof expect1> = {}) => {
    try {
      verifyLease(token, keys, { ...expect1, ...e });
      return 'OK';
    } catch (error) {
      return (error as LeaseRejected).reason;
    }
  };

  it('accepts a lease signed by a pinned key for this product, device, activation and account, issued by now', () => {
    expect(verifyLease(signer.sign(claims), keys, expect1).claims.entitlement.features).toEqual({ export: true });
    expect(reason(signer.sign(claims), { notIssuedAfter: 1_000_000 })).toBe('OK'); // issued exactly at the limit
  });

  it.each([
    ['an unknown key (forged)', () => new Signer().sign(claims), {}, 'UNKNOWN_KEY'],
    ['a pinned kid but another key (forged)', () => new Signer().sign(claims, { kid: signer.kid }), {}, 'BAD_SIGNATURE'],
    ['an edited payload', () => edit(signer.sign(claims), { entitlement: { features: { export: true, all: true } } }), {}, 'BAD_SIGNATURE'],
    ['a later expiry written in', () => edit(signer.sign(claims), { exp: 9_999_999_999 }), {}, 'BAD_SIGNATURE'],
    [
      'another signature pasted on',
      () => `${signer.sign(claims).split('.').slice(0, 2).join('.')}.${signer.sign({ ...claims, jti: 'x' }).split('.')[2]}`,
      {},
      'BAD_SIGNATURE',
    ],
    ['no signature', () => `${signer.sign(claims).split('.').slice(0, 2).join('.')}.`, {}, 'BAD_SIGNATURE'],
    ['alg none', () => signer.sign(claims, { alg: 'none' }), {}, 'MALFORMED'],
    ['alg HS256', () => signer.sign(claims, { alg: 'HS256' }), {}, 'MALFORMED'],
    ['another typ', () => signer.sign(claims, { typ: 'JWT' }), {}, 'MALFORMED'],
    ['garbage', () => 'not-a-jws', {}, 'MALFORMED'],
    ['missing claims', () => signer.sign({ aud: 'studio' }), {}, 'MALFORMED'],
    ['another product (aud)', () => signer.sign(claims), { product: 'other' }, 'WRONG_PRODUCT'],
    ['another device (fingerprint)', () => signer.sign(claims), { fingerprint: 'device-0002' }, 'WRONG_DEVICE'],
    ['another activation (sub)', () => signer.sign(claims), { activationId: 'act_2' }, 'WRONG_ACTIVATION'],
    ['another account (iss)', () => signer.sign(claims), { account: 'acc_2' }, 'WRONG_ISSUER'],
    ['an issue time after the limit', () => signer.sign({ ...claims, iat: 1_001 }), {}, 'ISSUED_IN_FUTURE'],
  ])('refuses %s', (_, token, e, expected) => {
    expect(reason(token(), e)).toBe(expected);
  });

  it('refuses a change of any single byte of the header, the payload or the signature', () => {
    const token = signer.sign(claims);
    let tried = 0;
    for (const segment of [0, 1, 2] as const) {
      const length = Buffer.from(token.split('.')[segment]!, 'base64url').length;
      for (let i = 0; i < length; i++) {
        const changed = withByteChanged(token, segment, i);
        expect(changed).not.toBe(token);
        expect(reason(changed), `segment ${segment}, byte ${i}`).not.toBe('OK');
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(64 + 200);
  });

  it('refuses a JWKS without Ed25519 keys', () => {
    expect(() => new TrustedKeys({ keys: [] })).toThrow(/no Ed25519 key/);
    expect(() => new TrustedKeys({ keys: [{ kty: 'RSA', kid: 'k', n: 'x', e: 'AQAB' }] })).toThrow(/no Ed25519 key/);
  });
});

/**
 * A world whose server answers are passed through `change` before the SDK sees them: a man in the
 * middle, or a server that is not the vendor's.
 */
function intercepted(w: ReturnType<typeof world>, change: (token: string) => string): Fetch {
  return async (input, init) => {
    const res = await w.server.fetch(input, init);
    const text = await res.text();
    if (!res.ok || !text) return new Response(text || null, { status: res.status, headers: res.headers });
    const body = JSON.parse(text) as { lease?: { token: string } };
    if (body.lease) body.lease.token = change(body.lease.token);
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
}

/** Re-signs a lease with the server's own key after changing its claims: a valid signature on wrong facts. */
const resigned = (w: ReturnType<typeof world>, patch: (c: LeaseClaims) => Partial<LeaseClaims>) => (token: string) => {
  const c = claimsOf(token);
  return w.server.signer.sign({ ...c, ...patch(c) });
};

async function refusal(license: License, act: () => Promise<unknown>): Promise<LeaseholdError> {
  const error = await act().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LeaseholdError);
  return error as LeaseholdError;
}

describe('a License refuses leases it cannot trust, grants nothing from them, and keeps the good one it had', () => {
  it.each([
    ['forged: signed by a key the application does not pin', () => () => new Signer().sign({}), 'UNKNOWN_KEY'],
    ['altered: a byte of the header', () => (t: string) => withByteChanged(t, 0, 10), null],
    ['altered: a byte of the payload', () => (t: string) => withByteChanged(t, 1, 40), 'BAD_SIGNATURE'],
    ['altered: a byte of the signature', () => (t: string) => withByteChanged(t, 2, 5), 'BAD_SIGNATURE'],
    ['for another product (aud)', (w: ReturnType<typeof world>) => resigned(w, () => ({ aud: 'another-product' })), 'WRONG_PRODUCT'],
    [
      'for another device (fingerprint)',
      (w: ReturnType<typeof world>) => resigned(w, () => ({ fingerprint: 'another-device-0002' })),
      'WRONG_DEVICE',
    ],
    [
      'issued an hour in the future (beyond the 5-minute tolerance)',
      (w: ReturnType<typeof world>) => resigned(w, (c) => ({ iat: c.iat + 3600, refreshAfter: c.refreshAfter + 3600, exp: c.exp + 3600 })),
      'ISSUED_IN_FUTURE',
    ],
  ])('%s', async (_what, changer, reason) => {
    const w = world();
    let change: ((t: string) => string) | null = changer(w);
    const license = await w.open({ fetch: intercepted(w, (t) => (change ? change(t) : t)) });
    const error = await refusal(license, () => license.activate(w.key));
    expect(error.code).toBe('SIGNATURE_INVALID');
    if (reason) expect(error.details['reason']).toBe(reason);
    expect(license.status()).toMatchObject({ valid: false, code: 'NO_LICENSE', features: {} });
    expect(license.hasFeature('export')).toBe(false);

    // With a good lease in hand, a bad one on refresh changes nothing.
    const bad = change;
    change = null;
    await license.activate(w.key);
    expect(license.hasFeature('export')).toBe(true);
    change = bad;
    w.server.license.features = { export: true, everything: true };
    expect(await license.refresh({ force: true })).toMatchObject({ refreshed: false, code: 'SIGNATURE_INVALID' });
    expect(license.hasFeature('everything')).toBe(false);
    expect(license.status().code).toBe('VALID');
    await license.close();

    // What was cached is the good lease.
    const reopened = await w.open({ fetch: async () => Promise.reject(new TypeError('fetch failed: offline')) });
    expect(reopened.status().code).toBe('VALID');
    expect(reopened.hasFeature('everything')).toBe(false);
    await reopened.close();
  });

  it('a lease for another activation (sub) is refused on refresh', async () => {
    const w = world();
    let swap = false;
    const license = await w.open({ fetch: intercepted(w, (t) => (swap ? resigned(w, () => ({ sub: 'act_someone_else' }))(t) : t)) });
    await license.activate(w.key);
    swap = true;
    const outcome = await license.refresh({ force: true });
    expect(outcome).toMatchObject({ refreshed: false, code: 'SIGNATURE_INVALID' });
    expect(license.status()).toMatchObject({ code: 'VALID', activationId: 'act_1' });
    await license.close();
  });

  it('a lease issued a little ahead of the answer (within the tolerance) is accepted', async () => {
    const w = world();
    const license = await w.open({
      fetch: intercepted(
        w,
        resigned(w, (c) => ({ iat: c.iat + 120 })),
      ),
    });
    await license.activate(w.key);
    expect(license.status().code).toBe('VALID');
    await license.close();
  });

  it('an expired lease grants nothing: one that arrives expired, and one that ran out offline', async () => {
    const w = world({ leaseSeconds: 3600 });
    let expired = true;
    const license = await w.open({
      fetch: intercepted(w, (t) => (expired ? resigned(w, (c) => ({ exp: c.iat - 60, refreshAfter: c.iat - 120 }))(t) : t)),
      courtesy: { intervalMs: 0 },
    });
    await license.activate(w.key);
    expect(license.status()).toMatchObject({ valid: false, code: 'LEASE_EXPIRED', features: {} });
    expect(license.hasFeature('export')).toBe(false);

    expired = false;
    await license.activate(w.key);
    expect(license.hasFeature('export')).toBe(true);
    w.server.outage = 'down';
    w.clock.advance(HOUR);
    expect(license.status()).toMatchObject({ valid: false, code: 'LEASE_EXPIRED' });
    expect(license.hasFeature('export')).toBe(false);
    await license.close();
  });
});

describe('replayed on another device', () => {
  it('a cache file copied to another machine (another fingerprint) reads as CACHE_TAMPERED and grants nothing', async () => {
    const w = world();
    const license = await w.open();
    await license.activate(w.key);
    await license.close();
    const elsewhere = tempDir();
    mkdirSync(elsewhere, { recursive: true });
    copyFileSync(license.cacheFile, join(elsewhere, 'studio.lease'));
    const copy = await w.open({
      cacheDir: elsewhere,
      fingerprint: 'another-device-0002',
      fetch: async () => Promise.reject(new TypeError('offline')),
    });
    expect(copy.status().code).toBe('CACHE_TAMPERED');
    expect(copy.hasFeature('export')).toBe(false);
    await copy.close();
  });

  it("another device's offline response is refused, even with its device fields rewritten to match", async () => {
    const w = world();
    // Device A asks and gets its answer from the vendor.
    const a = await w.open({ serverUrl: null });
    const requestA = a.writeOfflineRequest(w.key, join(tempDir(), 'request-a.json'));
    const activated = (await (
      await w.server.fetch('http://licensing.test/v1/client/activate', {
        method: 'POST',
        headers: { authorization: `License ${requestA.licenseKey}` },
        body: JSON.stringify({ fingerprint: requestA.fingerprint }),
      })
    ).json()) as {
      activation: { id: string };
      lease: { token: string; id: string; issuedAt: string; expiresAt: string; refreshAfter: string };
    };
    const responseA = {
      format: 'leasehold-offline-response' as const,
      v: 1 as const,
      product: 'studio',
      fingerprint: DEVICE,
      nonce: requestA.nonce,
      activationId: activated.activation.id,
      lease: activated.lease,
      serverTime: new Date(T0).toISOString(),
    };
    await a.close();

    // Device B, with its own pending request, is handed A's answer.
    const b = await w.open({ serverUrl: null, cacheDir: tempDir(), fingerprint: 'device-b-0002' });
    const requestB = b.writeOfflineRequest(w.key, join(tempDir(), 'request-b.json'));
    expect(() => b.importOfflineResponse(responseA)).toThrow(/another request|another product or device/);
    // Rewriting the unsigned fields does not help: the lease inside is bound to device A.
    const rewritten = { ...responseA, nonce: requestB.nonce, fingerprint: 'device-b-0002' };
    const error = (() => {
      try {
        b.importOfflineResponse(rewritten);
        return null;
      } catch (e) {
        return e as LeaseholdError;
      }
    })();
    expect(error?.code).toBe('SIGNATURE_INVALID');
    expect(error?.details['reason']).toBe('WRONG_DEVICE');
    expect(b.status()).toMatchObject({ valid: false });
    expect(b.hasFeature('export')).toBe(false);
    await b.close();
  });

  it('a lease the server signed for another device, passed to this one, is refused', async () => {
    const w = world();
    let leaseOfA = '';
    const a = await w.open({ cacheDir: tempDir(), fingerprint: 'device-a-0001', fetch: intercepted(w, (t) => (leaseOfA = t)) });
    await a.activate(w.key);
    await a.close();
    expect(claimsOf(leaseOfA).fingerprint).toBe('device-a-0001');

    const b = await w.open({ fetch: intercepted(w, () => leaseOfA) });
    const error = await refusal(b, () => b.activate(w.key));
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.details['reason']).toBe('WRONG_DEVICE');
    expect(b.hasFeature('export')).toBe(false);
    await b.close();
  });

  it('an offline response whose lease was issued a day ahead of this device is refused, not installed', async () => {
    const w = world();
    const device = await w.open({ serverUrl: null });
    const request = device.writeOfflineRequest(w.key, join(tempDir(), 'request.json'));
    w.clock.advance(DAY); // the vendor's clock, a day ahead of the device's
    const activated = (await (
      await w.server.fetch('http://licensing.test/v1/client/activate', {
        method: 'POST',
        headers: { authorization: `License ${request.licenseKey}` },
        body: JSON.stringify({ fingerprint: request.fingerprint }),
      })
    ).json()) as {
      activation: { id: string };
      lease: { token: string; id: string; issuedAt: string; expiresAt: string; refreshAfter: string };
    };
    w.clock.set(T0 + MINUTE);
    const response = {
      format: 'leasehold-offline-response' as const,
      v: 1 as const,
      product: 'studio',
      fingerprint: DEVICE,
      nonce: request.nonce,
      activationId: activated.activation.id,
      lease: activated.lease,
      serverTime: new Date(T0 + DAY).toISOString(),
    };
    expect(() => device.importOfflineResponse(response)).toThrow(/issued at .* this device's clock is far behind/);
    expect(device.hasFeature('export')).toBe(false);
    // With the clock put right, the same answer imports.
    w.clock.set(T0 + DAY + MINUTE);
    expect(device.importOfflineResponse(response)).toMatchObject({ valid: true });
    await device.close();
  });
});
