import { sign } from 'node:crypto';
import type { Tx } from '../../platform/domain/ports.js';
import type { Keyring } from '../licensing/leases/keyring.js';

/** What an artifact's signature covers; docs/releases.md shows how an installer checks it. */
export interface ArtifactStatement {
  accountId: string;
  artifactId: string;
  filename: string;
  size: number;
  sha256: string;
}

/**
 * The exact bytes signed: a versioned, line-separated statement of the file's name, size and
 * sha256. Ed25519 cannot sign a stream, and signing the digest alone would let a signed file be
 * passed off under another artifact's name; the statement binds all of them.
 */
export function artifactStatement(s: ArtifactStatement): string {
  return `leasehold-artifact-v1\n${s.accountId}\n${s.artifactId}\n${s.filename}\n${s.size}\n${s.sha256}\n`;
}

/** Signs the statement with the account's active signing key (the one its JWKS publishes). */
export async function signArtifact(tx: Tx, keyring: Keyring, s: ArtifactStatement): Promise<{ signature: string; kid: string }> {
  const key = await keyring.activeKey(tx, s.accountId);
  return { signature: sign(null, Buffer.from(artifactStatement(s)), key.key).toString('base64url'), kid: key.kid };
}
