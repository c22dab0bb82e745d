import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ED25519_SPKI_PREFIX_HEX, keygenKeyParts, KeygenKeyRejected, type KeygenSignedScheme } from '@leasehold/contract';

export { KeygenKeyRejected, KEYGEN_SIGNED_SCHEMES, type KeygenSignedScheme } from '@leasehold/contract';

/** A Keygen account's public key as Keygen shows it: Ed25519 in hex, RSA and ECDSA as PEM. */
export function keygenPublicKey(publicKey: string | KeyObject): KeyObject {
  if (typeof publicKey !== 'string') return publicKey;
  if (/^[0-9a-f]{64}$/i.test(publicKey)) {
    return createPublicKey({ key: Buffer.from(ED25519_SPKI_PREFIX_HEX + publicKey, 'hex'), format: 'der', type: 'spki' });
  }
  return createPublicKey(publicKey);
}

/**
 * Checks a license key made by Keygen under a signed scheme (ED25519_SIGN, RSA_2048_PKCS1_SIGN_V2,
 * …) against the Keygen account's public key, with no server, and returns its payload as Keygen
 * wrote it (the default payload is JSON naming the account, product, policy and license). For
 * applications that moved to Leasehold and keep accepting their customers' existing keys offline.
 * Throws KeygenKeyRejected: WRONG_SHAPE for a key of another scheme, BAD_SIGNATURE for one changed
 * or forged.
 *
 * @example
 * import { verifyKeygenKey } from '@leasehold/sdk';
 * const payload = JSON.parse(verifyKeygenKey(typedKey, 'ED25519_SIGN', KEYGEN_ED25519_PUBLIC_KEY_HEX));
 * console.log(payload.license.expiry);
 */
export function verifyKeygenKey(key: string, scheme: KeygenSignedScheme, publicKey: string | KeyObject): string {
  const parts = keygenKeyParts(key, scheme);
  const k = keygenPublicKey(publicKey);
  const data = Buffer.from(parts.signed, 'utf8');
  const sig = Buffer.from(parts.signature, 'base64url');
  const ok =
    parts.algorithm === 'ed25519'
      ? verify(null, data, k, sig)
      : parts.algorithm === 'ecdsa'
        ? verify('sha256', data, { key: k, dsaEncoding: 'der' }, sig) || verify('sha256', data, { key: k, dsaEncoding: 'ieee-p1363' }, sig)
        : verify(
            'sha256',
            data,
            parts.padding === 'pss'
              ? { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
              : { key: k, padding: constants.RSA_PKCS1_PADDING },
            sig,
          );
  if (!ok) throw new KeygenKeyRejected('BAD_SIGNATURE', `The ${scheme} key was changed or forged: its signature does not verify.`);
  return Buffer.from(parts.payload, 'base64url').toString('utf8');
}
