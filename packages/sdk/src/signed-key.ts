import { verify } from 'node:crypto';
import type { Jwks, SignedKeyClaims } from '@leasehold/contract';
import { TrustedKeys } from './lease.js';

export type { SignedKeyClaims };

/** Why a signed license key was not accepted. */
export class SignedKeyRejected extends Error {
  constructor(
    readonly reason: 'NOT_SIGNED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'WRONG_PRODUCT' | 'NOT_STARTED' | 'EXPIRED',
    message: string,
  ) {
    super(message);
    this.name = 'SignedKeyRejected';
  }
}

export interface SignedKeyExpectations {
  /** The product code the key must be for (its `aud`), when given. */
  product?: string;
  /** Now, in ms, to check the key's start and end against; leave out to skip the time checks. */
  now?: number;
}

/**
 * Reads a signed license key (made by a `signed` key generator) and checks, with no server, that
 * the account's signing key made it: the claims — product, offering, seats, start and end — are
 * then the vendor's word. Pass the JWKS the application ships with (GET /.well-known/jwks.json).
 * The key still activates and validates online like any other; this is for the moment before.
 *
 * @example
 * import { verifySignedKey } from '@leasehold/sdk';
 * const claims = verifySignedKey(typedKey, jwks, { product: 'studio', now: Date.now() });
 * console.log(`${claims.offering}, ${claims.seats} seats`);
 */
export function verifySignedKey(key: string, jwks: Jwks | TrustedKeys, expect: SignedKeyExpectations = {}): SignedKeyClaims {
  const trusted = jwks instanceof TrustedKeys ? jwks : new TrustedKeys(jwks);
  const parts = key.trim().split('.');
  if (parts.length !== 3) throw new SignedKeyRejected('NOT_SIGNED', 'This license key is not a signed key.');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  let claims: SignedKeyClaims;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    throw new SignedKeyRejected('NOT_SIGNED', 'This license key is not a signed key.');
  }
  if (header.alg !== 'EdDSA' || header.typ !== 'leasehold-key+jwt' || typeof header.kid !== 'string') {
    throw new SignedKeyRejected('NOT_SIGNED', 'This license key is not a signed key.');
  }
  const publicKey = trusted.key(header.kid);
  if (!publicKey) throw new SignedKeyRejected('UNKNOWN_KEY', `The key is signed by ${header.kid}, which this application does not trust.`);
  if (!verify(null, Buffer.from(`${headerPart}.${payloadPart}`), publicKey, Buffer.from(signaturePart, 'base64url'))) {
    throw new SignedKeyRejected('BAD_SIGNATURE', 'The license key was changed or forged: its signature does not verify.');
  }
  if (expect.product !== undefined && claims.aud !== expect.product) {
    throw new SignedKeyRejected('WRONG_PRODUCT', `The license key is for ${claims.aud}, not ${expect.product}.`);
  }
  if (expect.now !== undefined) {
    if (claims.nbf * 1000 > expect.now) throw new SignedKeyRejected('NOT_STARTED', 'The license key is not valid yet.');
    if (claims.exp !== undefined && claims.exp * 1000 <= expect.now) throw new SignedKeyRejected('EXPIRED', 'The license key has expired.');
  }
  return claims;
}
