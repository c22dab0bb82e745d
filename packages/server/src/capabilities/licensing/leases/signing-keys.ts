import type { Context } from '../../../platform/domain/context.js';
import type { SigningKeyRecord } from '../../../platform/domain/model.js';
import { recordEvent } from '../../events/record.js';
import { DomainError, notFound } from '../../../platform/domain/errors.js';
import type { Keyring } from './keyring.js';
import type { AccountStore } from '../../../platform/domain/ports.js';

export interface PublishedKey {
  record: SigningKeyRecord;
  /** Null while active; for a retired key, when its last lease expires (then it leaves the JWKS). */
  publishedUntil: number | null;
}

/** The account's keys with how long each stays published. */
export async function publishedKeys(store: AccountStore, now: number): Promise<PublishedKey[]> {
  return store.read(async (tx) => {
    const keys = await tx.signingKeys.all();
    const out: PublishedKey[] = [];
    for (const record of keys) {
      const publishedUntil = record.state === 'active' ? null : await tx.leases.lastExpiryForKey(record.id, now);
      out.push({ record, publishedUntil });
    }
    return out;
  });
}

/** The JWKS: the active key, and retired keys for as long as a lease they signed is still alive. */
export async function jwks(store: AccountStore, keyring: Keyring, now: number): Promise<{ keys: SigningKeyRecord['publicJwk'][] }> {
  // The account comes from an unauthenticated query string: never make keys for one that does not exist.
  if (!(await store.read((tx) => tx.account.exists()))) throw notFound('account', store.scope.accountId);
  // Make sure a key exists, so a vendor can pin it before the first lease is issued.
  await store.write((tx) => keyring.activeKey(tx, store.scope.accountId));
  const keys = await publishedKeys(store, now);
  return { keys: keys.filter((k) => k.record.state === 'active' || k.publishedUntil !== null).map((k) => k.record.publicJwk) };
}

/** A new active key; the old one signs nothing more and stays published until its leases expire. */
export function rotateSigningKey(ctx: Context, keyring: Keyring): Promise<SigningKeyRecord> {
  return ctx.store.write(async (tx) => {
    const old = await tx.signingKeys.active();
    if (old) await tx.signingKeys.retire(old.id, ctx.clock.now());
    const created = keyring.generate();
    if (!(await tx.signingKeys.insertActive(created))) {
      throw new DomainError('INVALID_STATE', 'Another rotation of the signing keys finished first; nothing was changed.', {
        resolve: 'See GET /v1/signing-keys for the active key.',
      });
    }
    keyring.forget(ctx.store.scope.accountId);
    await recordEvent(tx, ctx, {
      type: 'signing_key.rotated',
      subjectType: 'signing_key',
      subjectId: created.id,
      before: old ? { activeKey: old.id } : null,
      after: { activeKey: created.id },
    });
    return created;
  });
}
