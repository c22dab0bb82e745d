import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Jwks, LeaseClaims } from '@leasehold/contract';

/** A lease whose signature, audience and device binding have been checked. */
export interface VerifiedLease {
  token: string;
  kid: string;
  claims: LeaseClaims;
}

/** Why a lease was refused. */
export class LeaseRejected extends Error {
  constructor(
    readonly reason:
      | 'MALFORMED'
      | 'UNKNOWN_KEY'
      | 'BAD_SIGNATURE'
      | 'WRONG_PRODUCT'
      | 'WRONG_DEVICE'
      | 'WRONG_ACTIVATION'
      | 'WRONG_ISSUER'
      | 'ISSUED_IN_FUTURE',
    message: string,
  ) {
    super(message);
    this.name = 'LeaseRejected';
  }
}

/**
 * The public keys the application trusts, pinned at build time: the vendor ships its account's
 * JWKS (`GET /.well-known/jwks.json`) inside the application, so a server — or a man in the
 * middle — that cannot sign with one of these keys cannot grant rights.
 *
 * @example
 * import { TrustedKeys } from '@leasehold/sdk';
 * import jwks from './leasehold-jwks.json' with { type: 'json' };
 * const keys = new TrustedKeys(jwks);
 * keys.size; // how many keys are pinned
 */
export class TrustedKeys {
  private readonly keys = new Map<string, KeyObject>();

  constructor(jwks: Jwks | { keys: ReadonlyArray<Record<string, unknown>> }) {
    for (const jwk of jwks.keys ?? []) {
      const { kty, crv, x, kid } = jwk as Record<string, unknown>;
      if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || typeof kid !== 'string') continue;
      this.keys.set(kid, createPublicKey({ key: { kty, crv, x }, format: 'jwk' }));
    }
    if (this.keys.size === 0) throw new Error('publicKeys holds no Ed25519 key: pass the JWKS from GET /.well-known/jwks.json');
  }

  get size(): number {
    return this.keys.size;
  }

  key(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }
}

export interface LeaseExpectations {
  product: string;
  fingerprint: string;
  /** The activation the lease must be for, when known. */
  activationId?: string | null;
  /** The account (lease `iss`) the lease must come from, when configured. */
  account?: string | null;
  /**
   * The latest issue time (`iat`, in ms) to accept, when given: the verifier's idea of the server's
   * time now plus its clock tolerance. A lease issued later than that was not issued by the server
   * that just answered, or this device's clock is far behind.
   */
  notIssuedAfter?: number | null;
}

/**
 * Checks a lease token: a compact JWS with `alg: EdDSA` and `typ: leasehold-lease+jwt`, signed by
 * one of the pinned keys, for this product (`aud`), this device (`fingerprint`), this activation
 * (`sub`, when known) and account (`iss`, when configured), and not issued after `notIssuedAfter`
 * (when given). Expiry is not checked here: whether the lease is still running is a question for the
 * moment of asking (see `License.status()`).
 *
 * @example
 * import { TrustedKeys, verifyLease } from '@leasehold/sdk';
 * const lease = verifyLease(token, new TrustedKeys(jwks), { product: 'studio', fingerprint });
 * console.log(lease.claims.entitlement.features);
 */
export function verifyLease(token: string, keys: TrustedKeys, expect: LeaseExpectations): VerifiedLease {
  const parts = token.split('.');
  if (parts.length !== 3) throw new LeaseRejected('MALFORMED', 'The lease is not a compact JWS.');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  let claims: LeaseClaims;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    throw new LeaseRejected('MALFORMED', 'The lease header or payload is not JSON.');
  }
  if (header.alg !== 'EdDSA' || header.typ !== 'leasehold-lease+jwt' || typeof header.kid !== 'string') {
    throw new LeaseRejected('MALFORMED', 'The lease header is not {alg: EdDSA, typ: leasehold-lease+jwt, kid}.');
  }
  const key = keys.key(header.kid);
  if (!key) throw new LeaseRejected('UNKNOWN_KEY', `The lease is signed by key ${header.kid}, which this application does not trust.`);
  const signed = verify(null, Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'));
  if (!signed) throw new LeaseRejected('BAD_SIGNATURE', 'The lease signature does not verify.');
  if (!isClaims(claims)) throw new LeaseRejected('MALFORMED', 'The lease payload lacks the lease claims.');
  if (claims.aud !== expect.product)
    throw new LeaseRejected('WRONG_PRODUCT', `The lease is for product ${claims.aud}, not ${expect.product}.`);
  if (claims.fingerprint !== expect.fingerprint) throw new LeaseRejected('WRONG_DEVICE', 'The lease is bound to another device.');
  if (expect.activationId && claims.sub !== expect.activationId) {
    throw new LeaseRejected('WRONG_ACTIVATION', 'The lease is for another activation.');
  }
  if (expect.account && claims.iss !== expect.account) throw new LeaseRejected('WRONG_ISSUER', 'The lease comes from another account.');
  if (typeof expect.notIssuedAfter === 'number' && claims.iat * 1000 > expect.notIssuedAfter) {
    throw new LeaseRejected(
      'ISSUED_IN_FUTURE',
      `The lease was issued at ${new Date(claims.iat * 1000).toISOString()}, after ${new Date(expect.notIssuedAfter).toISOString()}: it is not from the server that answered, or this device's clock is far behind.`,
    );
  }
  return { token, kid: header.kid, claims };
}

function isClaims(c: unknown): c is LeaseClaims {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  const entitlement = o.entitlement as Record<string, unknown> | undefined;
  return (
    typeof o.sub === 'string' &&
    typeof o.aud === 'string' &&
    typeof o.iss === 'string' &&
    typeof o.iat === 'number' &&
    typeof o.exp === 'number' &&
    typeof o.refreshAfter === 'number' &&
    typeof o.fingerprint === 'string' &&
    (o.mode === 'enforce' || o.mode === 'warn' || o.mode === 'log') &&
    typeof o.seat === 'object' &&
    o.seat !== null &&
    typeof entitlement === 'object' &&
    entitlement !== null &&
    typeof entitlement.features === 'object' &&
    entitlement.features !== null
  );
}
