import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../foundation/clock.js';
import type { IdGenerator } from '../../../foundation/ids.js';
import type { MasterKey } from '../../../secrets/master-key.js';
import type { Tx } from '../../../platform/domain/ports.js';
import type { SigningKeyRecord } from '../../../platform/domain/model.js';

const PURPOSE = 'signing-key';
/** How long a process trusts its cached idea of the active key; another process may rotate it. */
const CACHE_MS = 30_000;

interface Loaded {
  kid: string;
  key: KeyObject;
  loadedAt: number;
}

/**
 * The accounts' Ed25519 signing keys. Private keys are kept encrypted under the master key; this
 * process keeps the decrypted active key of each account in memory for a short while, so signing a
 * lease costs one signature and no query.
 */
export class Keyring {
  private readonly active = new Map<string, Loaded>();
  /** Decrypted keys by id: looking again which key is active is a query, not a decryption. */
  private readonly decrypted = new Map<string, KeyObject>();

  constructor(
    private readonly secrets: MasterKey,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /** The account's active key, created on first use. */
  async activeKey(tx: Tx, accountId: string): Promise<Loaded> {
    const cached = this.active.get(accountId);
    if (cached && this.clock.now() - cached.loadedAt < CACHE_MS) return cached;
    let record = await tx.signingKeys.active();
    let createdHere = false;
    if (!record) {
      const created = this.generate();
      // Another process may win the race to create the first key; then use theirs.
      createdHere = await tx.signingKeys.insertActive(created);
      record = createdHere ? created : await tx.signingKeys.active();
      if (!record) throw new Error('no active signing key after creating one');
    }
    const key = this.decrypted.get(record.id) ?? createPrivateKey(this.secrets.decrypt(PURPOSE, record.privateSealed));
    const loaded = { kid: record.id, key, loadedAt: this.clock.now() };
    // A key this transaction created exists only if it commits (a write may be rolled back, or run
    // again after a deadlock): remembered, it could sign leases with a kid that is in no JWKS.
    // The next request reads it back from the database and remembers that.
    if (!createdHere) {
      this.active.set(accountId, loaded);
      this.decrypted.set(record.id, key);
    }
    return loaded;
  }

  generate(): SigningKeyRecord {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const id = this.ids.next('signingKey');
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
    return {
      id,
      algorithm: 'EdDSA',
      state: 'active',
      publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: id, alg: 'EdDSA', use: 'sig' },
      privateSealed: this.secrets.encrypt(PURPOSE, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      createdAt: this.clock.now(),
      retiredAt: null,
    };
  }

  forget(accountId: string): void {
    const loaded = this.active.get(accountId);
    this.active.delete(accountId);
    // A rotated-out key signs nothing more here.
    if (loaded) this.decrypted.delete(loaded.kid);
  }
}

/** A compact JWS (RFC 7515) signed with Ed25519: `alg: EdDSA`, the key id in `kid`. */
export function signCompactJws(payload: object, kid: string, key: KeyObject, typ = 'leasehold-lease+jwt'): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign(null, Buffer.from(`${header}.${body}`), key).toString('base64url');
  return `${header}.${body}.${signature}`;
}
