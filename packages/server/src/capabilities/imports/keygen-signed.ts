import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  ED25519_SPKI_PREFIX_HEX,
  keygenKeyAlgorithm,
  keygenKeyParts,
  KeygenKeyRejected,
  type KeygenImport,
  type KeygenSignedScheme,
} from '@leasehold/contract';
import { DomainError, invalid } from '../../platform/domain/errors.js';

export type KeygenPublicKeys = NonNullable<KeygenImport['publicKeys']>;
type Parsed = Partial<Record<keyof KeygenPublicKeys, KeyObject>>;

/** The Keygen account's public keys as given (Ed25519 hex, RSA and ECDSA PEM); one that is not a key is refused before anything is imported. */
export function parsePublicKeys(keys: KeygenPublicKeys): Parsed {
  const out: Parsed = {};
  for (const [algorithm, key] of Object.entries(keys) as Array<[keyof KeygenPublicKeys, string]>) {
    try {
      out[algorithm] =
        algorithm === 'ed25519' && /^[0-9a-f]{64}$/i.test(key)
          ? createPublicKey({ key: Buffer.from(ED25519_SPKI_PREFIX_HEX + key, 'hex'), format: 'der', type: 'spki' })
          : createPublicKey(key);
    } catch {
      throw invalid(`publicKeys.${algorithm}`, `publicKeys.${algorithm} is not a public key (Ed25519: 64 hex digits; RSA and ECDSA: PEM).`);
    }
  }
  return out;
}

/**
 * A license of a policy with a signed scheme keeps its key only if the key has the scheme's shape
 * and, when the import brings the Keygen account's public key of its algorithm, its signature
 * verifies: applications in the field check these keys offline, so a key that would fail there is
 * refused here rather than carried over. (The SDK's verifyKeygenKey makes the same check for
 * applications; the shapes are the contract's, keygen-keys.ts.)
 */
export function checkSignedKey(key: string, scheme: KeygenSignedScheme, keys: Parsed): void {
  const refuse = (e: KeygenKeyRejected) => new DomainError('INVALID_REQUEST', e.message, { field: 'key', reason: e.reason, scheme });
  let parts;
  try {
    parts = keygenKeyParts(key, scheme);
  } catch (error) {
    if (error instanceof KeygenKeyRejected) throw refuse(error);
    throw error;
  }
  const publicKey = keys[keygenKeyAlgorithm(scheme)];
  if (!publicKey) return;
  const data = Buffer.from(parts.signed, 'utf8');
  const sig = Buffer.from(parts.signature, 'base64url');
  const rsa =
    parts.padding === 'pss'
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
      : { key: publicKey, padding: constants.RSA_PKCS1_PADDING };
  const ok =
    parts.algorithm === 'ed25519'
      ? verify(null, data, publicKey, sig)
      : parts.algorithm === 'ecdsa'
        ? verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, sig) ||
          verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)
        : verify('sha256', data, rsa, sig);
  if (!ok) throw refuse(new KeygenKeyRejected('BAD_SIGNATURE', `The ${scheme} key was changed or forged: its signature does not verify.`));
}
