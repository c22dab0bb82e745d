/**
 * Keygen's signed license key schemes (a policy's `scheme`): the key carries a payload and the
 * Keygen account's signature over it, which applications check offline with the account's public
 * key. The server checks imported keys with it; the SDK lets applications that moved to Leasehold
 * keep checking their customers' existing keys. The shapes are decided here, once; the contract
 * does no crypto (it is compiled for the browser too), so each side checks the signature with
 * Node's `verify` on the parts this file gives.
 */
export const KEYGEN_SIGNED_SCHEMES = [
  'ED25519_SIGN',
  'ECDSA_P256_SIGN',
  'RSA_2048_PKCS1_SIGN_V2',
  'RSA_2048_PKCS1_PSS_SIGN_V2',
  'RSA_2048_PKCS1_SIGN',
  'RSA_2048_PKCS1_PSS_SIGN',
  'RSA_2048_JWT_RS256',
] as const;
export type KeygenSignedScheme = (typeof KEYGEN_SIGNED_SCHEMES)[number];

export const isKeygenSignedScheme = (scheme: unknown): scheme is KeygenSignedScheme =>
  typeof scheme === 'string' && (KEYGEN_SIGNED_SCHEMES as readonly string[]).includes(scheme);

/** Which of the Keygen account's public keys a scheme is verified with. */
export function keygenKeyAlgorithm(scheme: KeygenSignedScheme): 'ed25519' | 'ecdsa' | 'rsa' {
  return scheme === 'ED25519_SIGN' ? 'ed25519' : scheme === 'ECDSA_P256_SIGN' ? 'ecdsa' : 'rsa';
}

/** Why a Keygen signed key was not accepted. */
export class KeygenKeyRejected extends Error {
  constructor(
    readonly reason: 'WRONG_SHAPE' | 'BAD_SIGNATURE',
    message: string,
  ) {
    super(message);
    this.name = 'KeygenKeyRejected';
  }
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** What a Keygen signed key is made of, and how its signature is checked. */
export interface KeygenKeyParts {
  /** The text the signature is over. */
  signed: string;
  /** The signature, base64url. */
  signature: string;
  /** The payload as Keygen wrote it, base64url. */
  payload: string;
  algorithm: 'ed25519' | 'ecdsa' | 'rsa';
  /** For RSA: PKCS#1 v1.5 or PSS (SHA-256, MGF1-SHA256); ECDSA signs SHA-256 too. */
  padding: 'pkcs1' | 'pss' | null;
}

/** The Ed25519 public key Keygen shows is 32 bytes in hex; this DER prefix makes it an SPKI key. */
export const ED25519_SPKI_PREFIX_HEX = '302a300506032b6570032100';

/**
 * Splits a key of `scheme` into what was signed and the signature, or throws WRONG_SHAPE for a key
 * that has not that scheme's shape. The V2 schemes, Ed25519 and ECDSA sign `key/<payload>` (a
 * domain prefix); the legacy v1 RSA schemes the payload alone; JWT its header and payload.
 * Checking the signature is left to the caller's crypto (Node's `verify` in the SDK and server).
 */
export function keygenKeyParts(key: string, scheme: KeygenSignedScheme): KeygenKeyParts {
  const wrong = () => new KeygenKeyRejected('WRONG_SHAPE', `The key does not have the shape of a ${scheme} key.`);
  const algorithm = keygenKeyAlgorithm(scheme);
  const padding = algorithm !== 'rsa' ? null : scheme.includes('PSS') ? 'pss' : 'pkcs1';
  const trimmed = key.trim();
  if (scheme === 'RSA_2048_JWT_RS256') {
    const [header, payload, signature, extra] = trimmed.split('.');
    if (extra !== undefined || !header || !payload || !signature || ![header, payload, signature].every((p) => B64URL.test(p)))
      throw wrong();
    return { signed: `${header}.${payload}`, signature, payload, algorithm, padding };
  }
  const prefixed = !scheme.startsWith('RSA_2048_PKCS1') || scheme.endsWith('_V2');
  const body = prefixed ? (trimmed.startsWith('key/') ? trimmed.slice(4) : null) : trimmed;
  if (body === null) throw wrong();
  const dot = body.lastIndexOf('.');
  const payload = body.slice(0, dot);
  const signature = body.slice(dot + 1);
  if (dot <= 0 || !B64URL.test(payload) || !B64URL.test(signature)) throw wrong();
  return { signed: prefixed ? `key/${payload}` : payload, signature, payload, algorithm, padding };
}
