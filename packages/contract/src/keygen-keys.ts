import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * Keygen's signed license key schemes (a policy's `scheme`): the key carries a payload and the
 * Keygen account's signature over it, which applications check offline with the account's public
 * key. The server checks imported keys with it; the SDK lets applications that moved to Leasehold
 * keep checking their customers' existing keys. One function, used by both.
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

/** The signed text, the signature and the payload of a key of `scheme`; WRONG_SHAPE when it has not the scheme's shape. */
function partsOf(key: string, scheme: KeygenSignedScheme): { signed: string; signature: string; payload: string } {
  const wrong = () => new KeygenKeyRejected('WRONG_SHAPE', `The key does not have the shape of a ${scheme} key.`);
  if (scheme === 'RSA_2048_JWT_RS256') {
    const [header, payload, signature, extra] = key.split('.');
    if (extra !== undefined || !header || !payload || !signature || ![header, payload, signature].every((p) => B64URL.test(p))) throw wrong();
    return { signed: `${header}.${payload}`, signature, payload };
  }
  // The V2 schemes, Ed25519 and ECDSA sign "key/<payload>" (a domain prefix); the legacy v1 RSA schemes the payload alone.
  const prefixed = !scheme.startsWith('RSA_2048_PKCS1') || scheme.endsWith('_V2');
  const body = prefixed ? (key.startsWith('key/') ? key.slice(4) : null) : key;
  if (body === null) throw wrong();
  const dot = body.lastIndexOf('.');
  const payload = body.slice(0, dot);
  const signature = body.slice(dot + 1);
  if (dot <= 0 || !B64URL.test(payload) || !B64URL.test(signature)) throw wrong();
  return { signed: prefixed ? `key/${payload}` : payload, signature, payload };
}

/** The payload of a key of `scheme`, as Keygen wrote it, without checking its signature (WRONG_SHAPE for a key of another scheme). */
export function readKeygenKey(key: string, scheme: KeygenSignedScheme): string {
  return Buffer.from(partsOf(key.trim(), scheme).payload, 'base64url').toString('utf8');
}

/**
 * Checks a license key made by Keygen under a signed scheme against the Keygen account's public
 * key (Ed25519 as Keygen shows it, hex; RSA and ECDSA as PEM, or a KeyObject) and returns its
 * payload as Keygen wrote it (for the default payload, JSON naming the account, product, policy
 * and license). Throws KeygenKeyRejected: WRONG_SHAPE for a key of another scheme, BAD_SIGNATURE
 * for a key changed or forged.
 *
 * @example
 * import { verifyKeygenKey } from '@leasehold/sdk';
 * const payload = JSON.parse(verifyKeygenKey(typedKey, 'ED25519_SIGN', KEYGEN_ED25519_PUBLIC_KEY_HEX));
 * console.log(payload.license.expiry);
 */
export function verifyKeygenKey(key: string, scheme: KeygenSignedScheme, publicKey: string | KeyObject): string {
  const { signed, signature, payload } = partsOf(key.trim(), scheme);
  const algorithm = keygenKeyAlgorithm(scheme);
  const keyObject =
    typeof publicKey !== 'string'
      ? publicKey
      : algorithm === 'ed25519' && /^[0-9a-f]{64}$/i.test(publicKey)
        ? createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey, 'hex')]), format: 'der', type: 'spki' })
        : createPublicKey(publicKey);
  const sig = Buffer.from(signature, 'base64url');
  const data = Buffer.from(signed, 'utf8');
  const ok =
    algorithm === 'ed25519'
      ? verify(null, data, keyObject, sig)
      : algorithm === 'ecdsa'
        ? verify('sha256', data, { key: keyObject, dsaEncoding: 'der' }, sig) || verify('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, sig)
        : scheme.includes('PSS')
          ? verify('sha256', data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)
          : verify('sha256', data, { key: keyObject, padding: constants.RSA_PKCS1_PADDING }, sig);
  if (!ok) throw new KeygenKeyRejected('BAD_SIGNATURE', `The ${scheme} key was changed or forged: its signature does not verify.`);
  return Buffer.from(payload, 'base64url').toString('utf8');
}
