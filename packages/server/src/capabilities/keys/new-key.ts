import { formatTimestamp } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import type { CustomerRecord, OfferingRecord } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { generateLicenseKey } from '../../secrets/license-keys.js';
import { patternKey } from './pattern.js';
import { remoteKey } from './remote.js';
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

/**
 * The license key for a new entitlement, from the generator of its offering (or its product), or
 * the built-in random key when there is none. `taken` says whether a key is in use already; a clash
 * draws again, and the unique index on the key hash settles a race between two transactions (the
 * creating service then runs the creation again). Throws, with nothing written, when the generator
 * cannot give a key: an `imported` generator needs the key in the request (KEY_REQUIRED), a remote
 * one may fail (KEY_GENERATOR_FAILED).
 */
export async function newLicenseKey(tx: Tx, ctx: Context, facts: NewKeyFacts, taken: (key: string) => Promise<boolean>): Promise<string> {
  const generator = await tx.keyGenerators.forOffering(facts.offering.productId, facts.offering.id);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const key = await draw(tx, ctx, generator, facts);
    if (!(await taken(key))) return key;
    if (generator?.kind === 'remote') {
      throw new DomainError(
        'KEY_GENERATOR_FAILED',
        'The remote key generator answered with a key that is already in use; no entitlement was created.',
        {
          resolve: 'Make the key endpoint return a key no other license has.',
        },
      );
    }
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
    case 'remote': {
      const product = (await tx.products.find(facts.offering.productId))!;
      const c = facts.customer;
      return remoteKey(
        generator!.remote!,
        ctx.secrets.decrypt(REMOTE_SECRET_PURPOSE, generator!.secretSealed!),
        {
          entitlementId: facts.entitlementId,
          accountId: ctx.store.scope.accountId,
          product: { id: product.id, code: product.code },
          offering: { id: facts.offering.id, code: facts.offering.code },
          customer: { id: c.id, name: c.name, email: c.email, externalRef: c.externalRef },
          seats: facts.seats,
          startsAt: formatTimestamp(facts.startsAt),
          endsAt: facts.endsAt === null ? null : formatTimestamp(facts.endsAt),
        },
        () => ctx.clock.now(),
      );
    }
  }
}
