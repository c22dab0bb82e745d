import { SIGNED_KEY_TYPE, type SignedKeyClaims } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import type { Tx } from '../../platform/domain/ports.js';
import { Keyring, signCompactJws } from '../licensing/leases/keyring.js';

export interface SignedKeyFacts {
  entitlementId: string;
  product: string;
  offering: string;
  seats: number;
  startsAt: number;
  endsAt: number | null;
}

/**
 * A license key that carries its claims: a compact JWS (EdDSA) signed by the account's active
 * signing key, so the SDK can read the product, offering, seats and expiry and trust them offline
 * (`verifySignedKey`). The server still finds it by its keyed hash like any other key, so revoking
 * or changing the entitlement works as for a random key; the claims are what held at issue.
 */
export async function signedKey(tx: Tx, ctx: Context, facts: SignedKeyFacts): Promise<string> {
  // A keyring of its own: creating an entitlement is rare enough that one decryption per key is
  // cheaper than carrying the request keyring through every caller of insertEntitlement.
  const { kid, key } = await new Keyring(ctx.secrets, ctx.clock, ctx.ids).activeKey(tx, ctx.store.scope.accountId);
  const claims: SignedKeyClaims = {
    iss: ctx.store.scope.accountId,
    sub: facts.entitlementId,
    aud: facts.product,
    offering: facts.offering,
    seats: facts.seats,
    iat: Math.floor(ctx.clock.now() / 1000),
    nbf: Math.floor(facts.startsAt / 1000),
    ...(facts.endsAt === null ? {} : { exp: Math.floor(facts.endsAt / 1000) }),
  };
  return signCompactJws(claims, kid, key, SIGNED_KEY_TYPE);
}
