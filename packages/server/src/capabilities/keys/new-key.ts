import { formatTimestamp } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { CustomerRecord, OfferingRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { generateLicenseKey } from '../../secrets/license-keys.js';
import { patternKey } from './pattern.js';
import { remoteKey, type RemoteKeyRequest } from './remote.js';
import { signedKey } from './signed.js';
import type { KeyGeneratorRecord } from './ports.js';

/** What a generator may put in a key: the entitlement being created and what it is for. */
export interface NewKeyFacts {
  entitlementId: string;
  offering: OfferingRecord;
  customer: CustomerRecord;
  seats: number;
  startsAt: number;
  endsAt: number | null;
}

export const REMOTE_SECRET_PURPOSE = 'key-generator-secret';

/** How many fresh keys a generator is asked for before a clash with existing keys is given up on. */
const ATTEMPTS = 5;

/** A key, or word that the entitlement is to wait for it: its remote generator failed and is set to queue. */
export type NewKey = { key: string } | { queued: QueuedKey };

export interface QueuedKey {
  generator: KeyGeneratorRecord;
  reason: string;
  attempts: number;
}

/**
 * The license key for a new entitlement, from the generator of its offering (or its product), or
 * the built-in random key when there is none. `taken` says whether a key is in use already; a clash
 * draws again, and the unique index on the key hash settles a race between two transactions (the
 * creating service then runs the creation again). Throws, with nothing written, when the generator
 * cannot give a key: an `imported` generator needs the key in the request (KEY_REQUIRED), a remote
 * one may fail (KEY_GENERATOR_FAILED) — unless it is set to queue, when the answer says so.
 */
export async function newLicenseKey(tx: Tx, ctx: Context, facts: NewKeyFacts, taken: (key: string) => Promise<boolean>): Promise<NewKey> {
  const generator = await tx.keyGenerators.forOffering(facts.offering.productId, facts.offering.id);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let key: string;
    try {
      key = await draw(tx, ctx, generator, facts);
    } catch (error) {
      const queued = queuedAfter(generator, error);
      if (queued) return { queued };
      throw error;
    }
    if (!(await taken(key))) return { key };
    if (generator?.kind === 'remote') throw keyInUse();
  }
  throw new DomainError(
    'DUPLICATE_CODE',
    `The key generator made ${ATTEMPTS} keys in a row that are in use already: its pattern is nearly exhausted.`,
    {
      field: 'key',
      resolve: 'Give the pattern more X or # symbols.',
    },
  );
}

/** The remote generator answered with a key another license holds: refused, never shared. */
export function keyInUse(): DomainError {
  return new DomainError(
    'KEY_GENERATOR_FAILED',
    'The remote key generator answered with a key that is already in use; no entitlement was created.',
    { resolve: 'Make the key endpoint return a key no other license has.' },
  );
}

/** When a remote generator set to queue failed to answer: what to queue; otherwise null (the failure stands). */
export function queuedAfter(generator: KeyGeneratorRecord | undefined, error: unknown): QueuedKey | null {
  if (generator?.kind !== 'remote' || generator.remote?.onFailure !== 'queue') return null;
  if (!(error instanceof DomainError) || error.code !== 'KEY_GENERATOR_FAILED') return null;
  const attempts = typeof error.details?.['attempts'] === 'number' ? error.details['attempts'] : 1;
  const reason = typeof error.details?.['reason'] === 'string' ? error.details['reason'] : error.message;
  return { generator, reason, attempts };
}

/** The generator in force for an offering; `remote` only when it is a remote one (the caller asks it outside any transaction). */
export async function remoteGeneratorFor(tx: Tx, offering: OfferingRecord): Promise<KeyGeneratorRecord | undefined> {
  const g = await tx.keyGenerators.forOffering(offering.productId, offering.id);
  return g?.kind === 'remote' ? g : undefined;
}

/** What the vendor's endpoint is told about the entitlement it makes a key for. */
export async function remoteKeyRequest(tx: Tx, ctx: Context, facts: NewKeyFacts): Promise<RemoteKeyRequest> {
  const product = (await tx.products.find(facts.offering.productId))!;
  const c = facts.customer;
  return {
    entitlementId: facts.entitlementId,
    accountId: ctx.store.scope.accountId,
    product: { id: product.id, code: product.code },
    offering: { id: facts.offering.id, code: facts.offering.code },
    customer: { id: c.id, name: c.name, email: c.email, externalRef: c.externalRef },
    seats: facts.seats,
    startsAt: formatTimestamp(facts.startsAt),
    endsAt: facts.endsAt === null ? null : formatTimestamp(facts.endsAt),
  };
}

/** Asks a remote generator for a key (no transaction needed: it only reads the sealed secret). */
export function askRemote(
  ctx: Pick<Context, 'secrets' | 'clock'>,
  generator: KeyGeneratorRecord,
  request: RemoteKeyRequest,
): Promise<string> {
  return remoteKey(generator.remote!, ctx.secrets.decrypt(REMOTE_SECRET_PURPOSE, generator.secretSealed!), request, () => ctx.clock.now());
}

async function draw(tx: Tx, ctx: Context, generator: KeyGeneratorRecord | undefined, facts: NewKeyFacts): Promise<string> {
  switch (generator?.kind ?? 'random') {
    case 'random':
      return generateLicenseKey();
    case 'imported':
      throw new DomainError('KEY_REQUIRED', 'Keys of this offering are imported: send the existing license key as `key`.', {
        field: 'key',
        offering: facts.offering.code,
      });
    case 'pattern': {
      const product = (await tx.products.find(facts.offering.productId))!;
      return patternKey(generator!.pattern!, { product: product.code, offering: facts.offering.code });
    }
    case 'signed': {
      const product = (await tx.products.find(facts.offering.productId))!;
      return signedKey(tx, ctx, { ...facts, product: product.code, offering: facts.offering.code });
    }
    case 'remote':
      return askRemote(ctx, generator!, await remoteKeyRequest(tx, ctx, facts));
  }
}
